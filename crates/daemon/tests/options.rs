//! Restart options and error messages of a started private engine. Needs root
//! and dockerd; fails loudly without them.

use std::time::Duration;

use dockhand_daemon::{DaemonError, PrivateEngine, PrivateEngineOptions};

mod common;
use common::engines::{connect, start_private, unique_name};

async fn info(pe: &PrivateEngine) -> serde_json::Value {
    let e = connect(pe.endpoint(), Duration::from_secs(30)).await;
    e.system_info().await.expect("GET /info")
}

#[tokio::test]
async fn restart_applies_new_options_and_errors_quote_the_log() {
    let mut pe = start_private(PrivateEngineOptions::new(unique_name("o", "opts"))).await;
    assert!(pe.extra_args().is_empty());
    assert_eq!(info(&pe).await["LiveRestoreEnabled"], false);

    pe.restart(["--live-restore"]).await.unwrap();
    assert_eq!(pe.extra_args(), ["--live-restore"]);
    assert_eq!(info(&pe).await["LiveRestoreEnabled"], true);
    // The same options again, as the fault suite restarts it.
    let args = pe.extra_args().to_vec();
    pe.restart(args).await.unwrap();
    assert_eq!(info(&pe).await["LiveRestoreEnabled"], true);

    pe.kill().await.unwrap();
    let e = pe.freeze().unwrap_err();
    let msg = e.to_string();
    eprintln!("{msg}");
    assert!(matches!(e.root(), DaemonError::NotRunning { .. }), "{e:?}");
    assert!(matches!(e, DaemonError::WithLog { .. }), "{e:?}");
    assert!(
        msg.contains(&pe.log_path().display().to_string()) && msg.contains("API listen on"),
        "the error quotes dockerd's log: {msg}"
    );
    let e = pe.kill().await.unwrap_err();
    assert!(e.to_string().contains("ends with:"), "{e}");

    // A dockerd that refuses its new options fails the restart with its own words.
    let e = pe.restart(["--no-such-flag"]).await.unwrap_err();
    assert!(matches!(e, DaemonError::ExitedEarly { .. }), "{e:?}");
    assert!(e.to_string().contains("no-such-flag"), "{e}");
    pe.restart(Vec::<String>::new()).await.unwrap();
    assert!(pe.is_running());
    tokio::time::timeout(Duration::from_secs(60), pe.shutdown())
        .await
        .expect("shutdown within a minute")
        .unwrap();
}
