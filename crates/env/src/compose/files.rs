//! Secrets and configs: the top-level `secrets`/`configs` definitions and a
//! service's references to them. On one engine docker compose mounts a
//! file-based secret or config into the container read-only, as a bind
//! (secrets at `/run/secrets/<name>`, configs at `/<name>`), and so does
//! dockhand: a reference decodes to a [`Mount::Bind`]. What has no file to
//! bind (`environment:` and `content:` sources) or exists only in a swarm
//! (`external: true`) is an error naming the way out; `uid`, `gid` and
//! `mode` are accepted with a warning, since a bind keeps the file's own.

use super::decode::{Decoder, R};
use super::model::{FileKind, Mount};
use crate::yaml::{Node, Value};

impl Decoder {
    /// A top-level `secrets.<name>` or `configs.<name>`: the host file it
    /// reads, remembered for the services' references.
    pub(super) fn file_def(&self, kind: FileKind, name: &str, def: &Node) -> R<()> {
        let what = format!("{} `{name}`", kind.word());
        // Known before it is checked: a reference to a bad definition is
        // not a second error.
        self.file_defs.borrow_mut().insert((kind, name.to_string()), None);
        let mut allowed = vec!["environment", "external", "file", "labels", "name"];
        if kind == FileKind::Config {
            allowed.push("content");
        }
        let mut file = None;
        for (key, k, v) in self.checked(def, &what, &allowed, &["driver", "driver_opts", "template_driver"])? {
            match key {
                "file" => {
                    let f = self.string(v, &format!("{what}: `file`"))?;
                    file = Some(self.host_path(&f));
                }
                "external" if self.boolean(v, &format!("{what}: `external`"))? => {
                    return self.err(
                        k.pos,
                        format!("{what}: external {}s exist only in a swarm; give the value in a file with `file:`", kind.word()),
                    )
                }
                "environment" | "content" => {
                    return self.err(
                        k.pos,
                        format!("{what}: `{key}` sources are not supported yet (the value needs a file to mount); write it to a file and use `file:`"),
                    )
                }
                // `name` and `labels` matter to a swarm's object only.
                _ => {}
            }
        }
        let Some(file) = file else {
            return self.err(def.pos, format!("{what}: give the `file:` it reads"));
        };
        self.file_defs.borrow_mut().insert((kind, name.to_string()), Some(file));
        Ok(())
    }

    /// A service's `secrets` or `configs` list: each entry a read-only bind
    /// of the definition's file.
    pub(super) fn file_refs(&self, kind: FileKind, v: &Node, what: &str) -> R<Vec<Mount>> {
        let mut out = Vec::new();
        for item in self.seq(v, what)? {
            let (source, target) = match &item.value {
                Value::Map(_) => {
                    let mut source = None;
                    let mut target = None;
                    for (key, k, x) in self.checked(item, what, &["gid", "mode", "source", "target", "uid"], &[])? {
                        match key {
                            "source" => source = Some(self.string(x, &format!("{what}: `source`"))?),
                            "target" => target = Some(self.string(x, &format!("{what}: `target`"))?),
                            _ => self.warn(
                                k.pos,
                                format!("{what}: `{key}` is not applied: the file is bind-mounted with its own owner and mode, as docker compose does on one engine"),
                            ),
                        }
                    }
                    let Some(source) = source else {
                        return self.err(item.pos, format!("{what}: `source` is required"));
                    };
                    (source, target)
                }
                _ => (self.string(item, what)?, None),
            };
            let Some(def) = self.file_defs.borrow().get(&(kind, source.clone())).cloned() else {
                return self.err(
                    item.pos,
                    format!(
                        "{what}: {} `{source}` is not defined; add it under the top-level `{}`",
                        kind.word(),
                        kind.section()
                    ),
                );
            };
            // A definition that failed has its error already.
            let Some(file) = def else { continue };
            out.push(Mount::Bind {
                source: file,
                target: kind.target(target.as_deref().unwrap_or(&source)),
                read_only: true,
                selinux: None,
            });
        }
        Ok(out)
    }
}
