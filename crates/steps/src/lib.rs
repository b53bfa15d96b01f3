//! dockhand-steps: checks without recompiling. A step file is a TOML file
//! declaring one check (id, summary, tags, `min_api`, needs, knobs,
//! variants) and its ordered steps: API calls and commands, each with
//! expectations, captures, cleanups and an optional wait (`until`). The
//! format is in docs/step-files.md.
//!
//! [`parse`] reads a file strictly (every error a [`FileError`] with file,
//! line and column); [`load_dirs`] reads every `*.toml` below directories;
//! [`checks`] turns files into harness [`Check`]s, whose body is
//! [`exec::run`], so the runner treats them as any compiled check. The
//! `cli/` area, step files embedded in the binary, is [`cli_area`].

pub mod exec;
pub mod expect;
pub mod model;
pub mod parse;
pub mod vars;

mod embedded;
mod register;

use dockhand_harness::config::{FileError, FileErrorKind, TomlFile};
use dockhand_harness::Check;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use embedded::{cli_area, CLI_FILES};
pub use exec::Runtime;
pub use model::StepFile;
pub use parse::parse;
pub use register::checks;

/// Every `*.toml` file below each directory (recursively, sorted by path), parsed.
pub fn load_dirs(dirs: &[PathBuf]) -> Result<Vec<StepFile>, FileError> {
    let mut out = Vec::new();
    for dir in dirs {
        let mut paths = Vec::new();
        collect(dir, &mut paths).map_err(|e| FileError {
            path: dir.clone(),
            position: None,
            kind: FileErrorKind::Read(e),
        })?;
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|e| FileError {
                path: p.clone(),
                position: None,
                kind: FileErrorKind::Read(e),
            })?;
            out.push(parse(&p.display().to_string(), &text)?);
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Rejects a file whose id is another check's: a built-in one, or another
/// file's (the later file is named, at its `id`).
pub fn reject_duplicates(builtin: &[Check], files: &[StepFile]) -> Result<(), FileError> {
    let mut seen: BTreeMap<&str, String> = builtin
        .iter()
        .map(|c| {
            (
                c.meta.id,
                c.meta
                    .source
                    .map_or_else(|| "a check built into dockhand".to_string(), |s| s.to_string()),
            )
        })
        .collect();
    for f in files {
        if let Some(first) = seen.get(f.id.as_str()) {
            let text = std::fs::read_to_string(&f.path).unwrap_or_default();
            let file = TomlFile::new(&f.path, text.clone());
            let at = id_offset(&text);
            return Err(file.error(
                at..at,
                FileErrorKind::BadValue {
                    key: "id".into(),
                    message: format!("`{}` is already the id of {first}; give this check another id", f.id),
                },
            ));
        }
        seen.insert(&f.id, f.path.clone());
    }
    Ok(())
}

/// The byte offset of the `id` value in a step file's text (0 if not found).
fn id_offset(text: &str) -> usize {
    let Ok(root) = toml::de::DeTable::parse(text) else {
        return 0;
    };
    root.get_ref().get("id").map_or(0, |v| v.span().start)
}
