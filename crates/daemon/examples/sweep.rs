//! Removes the leftovers of crashed private engines:
//! `cargo run -p dockhand-daemon --example sweep [BASE_DIR...]`.

fn main() {
    let mut bases: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    bases.push(dockhand_daemon::default_base_dir());
    let report = dockhand_daemon::sweep_stale_in(&bases);
    println!("removed: {:?}", report.removed);
    println!("alive (left alone): {:?}", report.alive);
    for p in &report.problems {
        eprintln!("problem: {p}");
    }
    std::process::exit(i32::from(!report.problems.is_empty()));
}
