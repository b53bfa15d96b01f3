//! Test certificates for engines behind TLS, made with rcgen: the one place
//! that makes them, for the TLS benchmark (`dockhand-bench`), the CLI's TLS
//! tests and `scripts/remote-suite` (through `dockhand-certs`).
//!
//! [`Pki::new`] writes into a directory: a CA (`ca.pem`), an engine
//! certificate for 127.0.0.1 only (`server.pem`, `server-key.pem`), and a
//! client certificate from that CA (`client.pem`, `client-key.pem`). The
//! tests add more with [`Pki::ca`] and [`Pki::leaf`] (another CA, an expired
//! engine certificate, a client certificate from another CA).

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// A certificate authority that can sign leaves.
pub type Issuer = CertifiedIssuer<'static, KeyPair>;

/// Why certificates could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("cannot make a test certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("cannot write {}: {source}; check that the directory exists and is writable", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// What a leaf certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    /// An engine's: valid for the address 127.0.0.1 only (so connecting as
    /// "localhost" is a name mismatch), server authentication.
    Server,
    /// A client's: client authentication.
    Client,
}

/// Certificates in a directory, and the CA that signed the default ones.
pub struct Pki {
    dir: PathBuf,
    ca: Issuer,
}

impl Pki {
    /// Writes `ca.pem`, `server.pem`/`server-key.pem` and
    /// `client.pem`/`client-key.pem` into `dir` (which must exist).
    pub fn new(dir: &Path) -> Result<Pki, PkiError> {
        let ca = Self::ca("dockhand test CA")?;
        let pki = Pki {
            dir: dir.to_path_buf(),
            ca,
        };
        pki.write("ca.pem", &pki.ca.pem())?;
        pki.leaf("server", &pki.ca, Leaf::Server, false)?;
        pki.leaf("client", &pki.ca, Leaf::Client, false)?;
        Ok(pki)
    }

    /// A self-signed CA named `name`.
    pub fn ca(name: &str) -> Result<Issuer, PkiError> {
        let mut p = CertificateParams::new(Vec::<String>::new())?;
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, name);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
        Ok(CertifiedIssuer::self_signed(p, KeyPair::generate()?)?)
    }

    /// The CA of `ca.pem`.
    pub fn issuer(&self) -> &Issuer {
        &self.ca
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file `name` in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `pem` as the file `name`.
    pub fn write(&self, name: &str, pem: &str) -> Result<(), PkiError> {
        let path = self.path(name);
        std::fs::write(&path, pem).map_err(|source| PkiError::Write { path, source })
    }

    /// Writes `<name>.pem` and `<name>-key.pem`, signed by `issuer`; an
    /// `expired` one was valid in 2020 only.
    pub fn leaf(&self, name: &str, issuer: &Issuer, kind: Leaf, expired: bool) -> Result<(), PkiError> {
        let mut p = CertificateParams::new(Vec::<String>::new())?;
        p.distinguished_name.push(DnType::CommonName, name);
        match kind {
            Leaf::Server => {
                p.subject_alt_names = vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST))];
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            }
            Leaf::Client => p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth],
        }
        if expired {
            p.not_before = date_time_ymd(2020, 1, 1);
            p.not_after = date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate()?;
        let cert = p.signed_by(&key, issuer)?;
        self.write(&format!("{name}.pem"), &cert.pem())?;
        self.write(&format!("{name}-key.pem"), &key.serialize_pem())
    }

    /// dockerd's arguments to serve TLS on `listen` (`127.0.0.1:2376`) with
    /// the engine certificate `<server>.pem`, requiring client certificates
    /// from the CA of `ca.pem`.
    pub fn dockerd_args(&self, listen: &str, server: &str) -> Vec<String> {
        let arg = |name: &str| self.path(name).display().to_string();
        vec![
            format!("--host=tcp://{listen}"),
            "--tlsverify".into(),
            format!("--tlscacert={}", arg("ca.pem")),
            format!("--tlscert={}", arg(&format!("{server}.pem"))),
            format!("--tlskey={}", arg(&format!("{server}-key.pem"))),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_ca_and_both_leaves_as_pem() {
        let dir = std::env::temp_dir().join(format!("dockhand-pki-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Pki::new(&dir).unwrap();
        for (file, head) in [
            ("ca.pem", "-----BEGIN CERTIFICATE-----"),
            ("server.pem", "-----BEGIN CERTIFICATE-----"),
            ("client.pem", "-----BEGIN CERTIFICATE-----"),
            ("server-key.pem", "-----BEGIN PRIVATE KEY-----"),
            ("client-key.pem", "-----BEGIN PRIVATE KEY-----"),
        ] {
            let text = std::fs::read_to_string(pki.path(file)).unwrap();
            assert!(text.starts_with(head), "{file}: {text}");
        }
        let args = pki.dockerd_args("127.0.0.1:2376", "server");
        assert_eq!(args[0], "--host=tcp://127.0.0.1:2376");
        assert!(args[4].ends_with("server-key.pem"), "{args:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
