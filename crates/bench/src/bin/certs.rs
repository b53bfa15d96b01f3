//! `dockhand-certs DIR`: writes test certificates for an engine behind TLS
//! on 127.0.0.1 into DIR (created if missing): `ca.pem`, `server.pem`,
//! `server-key.pem`, `client.pem`, `client-key.pem` (`dockhand_bench::pki`).
//! For `scripts/remote-suite`; not shipped.

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .context("usage: dockhand-certs DIR (the directory to write the certificates into)")?;
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    dockhand_bench::pki::Pki::new(&dir)?;
    Ok(())
}
