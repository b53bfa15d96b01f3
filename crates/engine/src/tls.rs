//! TLS to an engine's TCP port: [`TlsClient`], made from [`TlsOptions`]
//! (paths, as the docker CLI's `--tlscacert`, `--tlscert`, `--tlskey`,
//! `--tlsverify` name them), and the handshake, whose failures are sorted
//! into [`TlsFailure`]s that each name their fix.
//!
//! rustls with the ring provider; no OpenSSL. The certificate files are read
//! once, when the client is made (at the edge, where the settings are
//! resolved): a missing or unreadable file is a [`TlsFileError`] naming it,
//! never a failure of the first call. Nothing here keeps or prints key
//! material: the client's `Debug` and every message show paths only.
//!
//! A refused client certificate shows only after the handshake in TLS 1.3
//! (the client's last flight carries it, and the engine answers with an
//! alert on the first read), so [`failure_of`] is also asked about the
//! errors of an exchange, not only of the handshake.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// Where the TLS material is, and whether the engine's certificate is
/// verified: the docker CLI's `--tlsverify` (verify) or `--tls` (encrypt
/// only, trust any certificate, still present a client certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// Verify the engine's certificate against `ca` (and its name).
    pub verify: bool,
    /// The CA certificates (PEM) that sign the engine's certificate.
    pub ca: Option<PathBuf>,
    /// The client certificate (PEM), with `key`.
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    pub key: Option<PathBuf>,
}

/// A certificate file that could not be used: a configuration error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot use the TLS {what} file {}: {detail}; {fix}", path.display())]
pub struct TlsFileError {
    /// "CA certificate", "client certificate" or "client key".
    pub what: &'static str,
    pub path: PathBuf,
    pub detail: String,
    pub fix: &'static str,
}

/// Why a TLS handshake with the engine failed, each with its fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The engine's certificate is not signed by a CA dockhand trusts.
    UnknownCa,
    /// The engine's certificate does not name the host dockhand connected to.
    NameMismatch { host: String },
    /// The engine's certificate has expired or is not valid yet.
    Expired,
    /// The engine refused dockhand's client certificate (or wanted one and
    /// got none): the TLS alert it sent.
    ClientCertRefused { alert: String, sent: bool },
    /// The engine answered the handshake in plain HTTP: it does not speak TLS there.
    PlaintextServer,
    /// dockhand spoke plain HTTP and the engine answered that it wants TLS.
    TlsRequired,
    /// The port answered the handshake with bytes that are neither a TLS
    /// record nor HTTP (an ssh server's banner, say): shown, printable only.
    NotTls { said: String },
    /// Anything else, with rustls's words.
    Other(String),
}

impl TlsFailure {
    /// What the user should do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            TlsFailure::UnknownCa => {
                "point --tlscacert (or ca.pem in DOCKER_CERT_PATH, or the context's TLS material) at the CA that signed the engine's certificate"
            }
            TlsFailure::NameMismatch { .. } => {
                "connect with a name or address the engine's certificate lists (its subject alternative names), or reissue the certificate for this one"
            }
            TlsFailure::Expired => "renew the engine's certificate (dockerd --tlscert), or check this machine's clock",
            TlsFailure::ClientCertRefused { sent: false, .. } => {
                "give a client certificate signed by the CA the engine trusts: --tlscert and --tlskey, or cert.pem and key.pem in DOCKER_CERT_PATH"
            }
            TlsFailure::ClientCertRefused { sent: true, .. } => {
                "give a client certificate signed by the CA the engine trusts (dockerd --tlscacert) and still valid: --tlscert and --tlskey, or cert.pem and key.pem in DOCKER_CERT_PATH"
            }
            TlsFailure::PlaintextServer => {
                "this port serves plain HTTP: drop --tls/--tlsverify (and DOCKER_TLS, DOCKER_TLS_VERIFY), or use the engine's TLS port (2376 by default)"
            }
            TlsFailure::TlsRequired => {
                "use TLS: --tlsverify with --tlscacert, --tlscert and --tlskey, or DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
            }
            TlsFailure::NotTls { .. } => {
                "this port speaks neither TLS nor HTTP: check the address and port (the engine's TLS port is 2376 by default)"
            }
            TlsFailure::Other(_) => "check the engine's TLS settings (dockerd --tlsverify, --tlscacert, --tlscert, --tlskey) against dockhand's",
        }
    }
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::UnknownCa => f.write_str("TLS: the engine's certificate is signed by an unknown CA"),
            TlsFailure::NameMismatch { host } => {
                write!(f, "TLS: the engine's certificate is not valid for the name {host}")
            }
            TlsFailure::Expired => f.write_str("TLS: the engine's certificate has expired or is not valid yet"),
            TlsFailure::ClientCertRefused { alert, sent: true } => {
                write!(
                    f,
                    "TLS: the engine refused dockhand's client certificate (alert: {alert})"
                )
            }
            TlsFailure::ClientCertRefused { alert, sent: false } => {
                write!(
                    f,
                    "TLS: the engine requires a client certificate and none was sent (alert: {alert})"
                )
            }
            TlsFailure::PlaintextServer => f.write_str("TLS: the engine answered in plain HTTP, not TLS"),
            TlsFailure::TlsRequired => f.write_str("the engine expects TLS and dockhand spoke plain HTTP"),
            TlsFailure::NotTls { said } => {
                write!(f, "TLS: the port does not speak TLS (its first bytes: {said:?})")
            }
            TlsFailure::Other(d) => write!(f, "TLS handshake failed: {d}"),
        }
    }
}

/// The bytes as text, each byte that is not printable ASCII as `.`.
fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

/// A TLS endpoint's address: `host:port` and the client to speak TLS with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsTarget {
    pub hostport: String,
    pub client: TlsClient,
}

impl fmt::Display for TlsTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.client.options.verify {
            write!(f, "tcp://{} with TLS", self.hostport)
        } else {
            write!(f, "tcp://{} with TLS, engine certificate not verified", self.hostport)
        }
    }
}

/// A TLS client configuration, made once from [`TlsOptions`].
#[derive(Clone)]
pub struct TlsClient {
    options: TlsOptions,
    config: Arc<ClientConfig>,
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The options are paths; the configuration holds the private key.
        f.debug_struct("TlsClient").field("options", &self.options).finish()
    }
}

impl PartialEq for TlsClient {
    fn eq(&self, other: &Self) -> bool {
        self.options == other.options
    }
}

impl Eq for TlsClient {}

const CA_FIX: &str =
    "point --tlscacert (or DOCKER_CERT_PATH, holding ca.pem) at the CA certificate that signed the engine's";
const CERT_FIX: &str =
    "point --tlscert and --tlskey (or DOCKER_CERT_PATH, holding cert.pem and key.pem) at the client certificate and its key";

fn read_file(what: &'static str, path: &Path, fix: &'static str) -> Result<Vec<u8>, TlsFileError> {
    std::fs::read(path).map_err(|e| TlsFileError {
        what,
        path: path.to_path_buf(),
        detail: e.to_string(),
        fix,
    })
}

fn certificates(
    what: &'static str,
    path: &Path,
    fix: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsFileError> {
    let pem = read_file(what, path, fix)?;
    let bad = |detail: String| TlsFileError {
        what,
        path: path.to_path_buf(),
        detail,
        fix,
    };
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not PEM: {e}")))?;
    if certs.is_empty() {
        return Err(bad("it holds no PEM certificate".into()));
    }
    Ok(certs)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

impl TlsClient {
    /// Reads the files the options name and makes the client configuration.
    pub fn load(options: TlsOptions) -> Result<TlsClient, TlsFileError> {
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions");
        let builder = if options.verify {
            let Some(ca) = &options.ca else {
                return Err(TlsFileError {
                    what: "CA certificate",
                    path: PathBuf::new(),
                    detail: "none given, and the engine's certificate is to be verified".into(),
                    fix: CA_FIX,
                });
            };
            let mut roots = RootCertStore::empty();
            for cert in certificates("CA certificate", ca, CA_FIX)? {
                roots.add(cert).map_err(|e| TlsFileError {
                    what: "CA certificate",
                    path: ca.clone(),
                    detail: format!("not a usable CA certificate: {e}"),
                    fix: CA_FIX,
                })?;
            }
            builder.with_root_certificates(roots)
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(TrustAnyCertificate(provider())))
        };
        let config = match (&options.cert, &options.key) {
            (Some(cert), Some(key)) => {
                let chain = certificates("client certificate", cert, CERT_FIX)?;
                let pem = read_file("client key", key, CERT_FIX)?;
                let bad_key = |detail: String| TlsFileError {
                    what: "client key",
                    path: key.clone(),
                    detail,
                    fix: CERT_FIX,
                };
                // rustls's PEM errors name the section, never its bytes.
                let der =
                    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| bad_key(format!("no PEM private key: {e}")))?;
                builder.with_client_auth_cert(chain, der).map_err(|e| {
                    bad_key(format!(
                        "it does not fit the client certificate {}: {e}",
                        cert.display()
                    ))
                })?
            }
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), None) => {
                return Err(TlsFileError {
                    what: "client key",
                    path: cert.clone(),
                    detail: "a client certificate was given without its key".into(),
                    fix: CERT_FIX,
                })
            }
            (None, Some(key)) => {
                return Err(TlsFileError {
                    what: "client certificate",
                    path: key.clone(),
                    detail: "a client key was given without its certificate".into(),
                    fix: CERT_FIX,
                })
            }
        };
        Ok(TlsClient {
            options,
            config: Arc::new(config),
        })
    }

    /// The options it was made from.
    pub fn options(&self) -> &TlsOptions {
        &self.options
    }

    /// Runs the handshake on `tcp` for `hostport`; the stream it gives
    /// reports a TLS alert on a later read (a client certificate refused
    /// after a TLS 1.3 handshake) as the [`TlsFailure`] it is.
    pub(crate) async fn handshake(&self, tcp: TcpStream, hostport: &str) -> Result<TlsIo, TlsFailure> {
        let host = host_of(hostport);
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| TlsFailure::Other(format!("'{host}' is not a valid TLS server name: {e}")))?;
        let connector = TlsConnector::from(self.config.clone());
        let sent_cert = self.options.cert.is_some();
        match connector.connect(name, FirstBytes::new(tcp)).into_fallible().await {
            Ok(inner) => Ok(TlsIo {
                inner,
                host: host.to_string(),
                sent_cert,
            }),
            Err((e, io)) => Err(match failure_of(&e, host, sent_cert) {
                // Plain HTTP read as a TLS record ('H' of "HTTP/1.1 400 Bad
                // Request" is no record type): the port does not speak TLS.
                Some(TlsFailure::Other(_)) | None if io.first().starts_with(b"HTTP/") => TlsFailure::PlaintextServer,
                // A TLS record starts with its type, 20 to 24: anything
                // else is some other protocol's greeting.
                Some(TlsFailure::Other(_)) | None if io.first().first().is_some_and(|b| !(20..=24).contains(b)) => {
                    TlsFailure::NotTls {
                        said: printable(io.first()),
                    }
                }
                Some(f) => f,
                None => TlsFailure::Other(e.to_string()),
            }),
        }
    }
}

impl std::error::Error for TlsFailure {}

/// A TLS connection to the engine. A read that fails on a TLS error (an
/// alert) fails with the [`TlsFailure`] inside the `io::Error`, which the
/// transport turns into an unreachable engine with that cause.
pub(crate) struct TlsIo {
    inner: TlsStream<FirstBytes<TcpStream>>,
    host: String,
    sent_cert: bool,
}

impl TlsIo {
    fn explain(&self, e: io::Error) -> io::Error {
        match failure_of(&e, &self.host, self.sent_cert) {
            Some(f) => io::Error::new(e.kind(), f),
            None => e,
        }
    }
}

impl AsyncRead for TlsIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.explain(e))),
            other => other,
        }
    }
}

impl AsyncWrite for TlsIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.explain(e))),
            other => other,
        }
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The TLS failure an I/O error of a TLS connection carries, if any.
pub(crate) fn carried_failure(e: &io::Error) -> Option<&TlsFailure> {
    e.get_ref()?.downcast_ref::<TlsFailure>()
}

/// The host part of `host:port` (brackets of an IPv6 address dropped).
fn host_of(hostport: &str) -> &str {
    let host = hostport.rsplit_once(':').map_or(hostport, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// The TLS failure in an I/O error (tokio-rustls wraps rustls's errors in
/// `io::Error`s), if it is one.
pub(crate) fn failure_of(e: &io::Error, host: &str, sent_cert: bool) -> Option<TlsFailure> {
    let tls = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(classify(tls, host, sent_cert))
}

fn classify(e: &rustls::Error, host: &str, sent_cert: bool) -> TlsFailure {
    use rustls::Error as E;
    match e {
        E::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => TlsFailure::UnknownCa,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailure::NameMismatch { host: host.to_string() }
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => TlsFailure::Expired,
            other => TlsFailure::Other(format!("the engine's certificate is invalid: {other:?}")),
        },
        E::AlertReceived(alert) => match alert {
            AlertDescription::BadCertificate
            | AlertDescription::CertificateRequired
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateRevoked
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied => TlsFailure::ClientCertRefused {
                alert: alert_name(*alert),
                sent: sent_cert,
            },
            AlertDescription::HandshakeFailure if !sent_cert => TlsFailure::ClientCertRefused {
                alert: alert_name(*alert),
                sent: false,
            },
            other => TlsFailure::Other(format!("the engine sent the alert {}", alert_name(*other))),
        },
        other => TlsFailure::Other(other.to_string()),
    }
}

/// `BadCertificate` as "bad certificate", `UnknownCA` as "unknown ca".
fn alert_name(a: AlertDescription) -> String {
    let mut out = String::new();
    let mut prev_upper = true;
    for ch in format!("{a:?}").chars() {
        if ch.is_ascii_uppercase() && !prev_upper {
            out.push(' ');
        }
        prev_upper = ch.is_ascii_uppercase();
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// An I/O stream that keeps the first few bytes it reads, so that a failed
/// handshake can tell a plain-HTTP reply ("HTTP/1.1 400 ...") from other
/// garbage. After those bytes it is a plain pass-through.
pub(crate) struct FirstBytes<S> {
    inner: S,
    first: [u8; 5],
    seen: usize,
}

impl<S> FirstBytes<S> {
    fn new(inner: S) -> Self {
        FirstBytes {
            inner,
            first: [0; 5],
            seen: 0,
        }
    }

    fn first(&self) -> &[u8] {
        &self.first[..self.seen]
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FirstBytes<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if self.seen < self.first.len() {
            let this = &mut *self;
            let new = &buf.filled()[before..];
            let n = new.len().min(this.first.len() - this.seen);
            this.first[this.seen..this.seen + n].copy_from_slice(&new[..n]);
            this.seen += n;
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FirstBytes<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// `--tls` without `--tlsverify`: encrypt, but trust any certificate the
/// engine shows (the docker CLI's `InsecureSkipVerify`). Signatures are
/// still checked, so the handshake itself is sound.
#[derive(Debug)]
struct TrustAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for TrustAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_and_certificate_errors_name_their_cause() {
        let c = |e| classify(&e, "engine.example", true);
        assert_eq!(
            c(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)),
            TlsFailure::UnknownCa
        );
        assert_eq!(
            c(rustls::Error::InvalidCertificate(CertificateError::NotValidForName)),
            TlsFailure::NameMismatch {
                host: "engine.example".into()
            }
        );
        assert_eq!(
            c(rustls::Error::InvalidCertificate(CertificateError::Expired)),
            TlsFailure::Expired
        );
        assert_eq!(
            c(rustls::Error::AlertReceived(AlertDescription::BadCertificate)),
            TlsFailure::ClientCertRefused {
                alert: "bad certificate".into(),
                sent: true
            }
        );
        let none_sent = classify(
            &rustls::Error::AlertReceived(AlertDescription::CertificateRequired),
            "h",
            false,
        );
        assert!(none_sent.to_string().contains("none was sent"), "{none_sent}");
        assert!(none_sent.hint().contains("--tlscert"));
        assert_eq!(alert_name(AlertDescription::UnknownCA), "unknown ca");
        assert_eq!(printable(b"SSH-2\r\n\x00"), "SSH-2...");
        let not_tls = TlsFailure::NotTls { said: "SSH-2".into() };
        assert_eq!(
            not_tls.to_string(),
            "TLS: the port does not speak TLS (its first bytes: \"SSH-2\")"
        );
        assert!(not_tls.hint().contains("2376"));
    }

    #[test]
    fn a_file_that_is_not_what_it_should_be_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let e = TlsClient::load(TlsOptions {
            verify: true,
            ca: Some(junk.clone()),
            cert: None,
            key: None,
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(&junk.display().to_string()) && e.contains("no PEM certificate"),
            "{e}"
        );
        // A key that is not the certificate's.
        let make = |name: &str| {
            let key = rcgen::KeyPair::generate().unwrap();
            let cert = rcgen::CertificateParams::new(vec![name.to_string()])
                .unwrap()
                .self_signed(&key)
                .unwrap();
            let (c, k) = (
                dir.path().join(format!("{name}.pem")),
                dir.path().join(format!("{name}-key.pem")),
            );
            std::fs::write(&c, cert.pem()).unwrap();
            std::fs::write(&k, key.serialize_pem()).unwrap();
            (c, k)
        };
        let (cert, _) = make("a");
        let (_, other_key) = make("b");
        let e = TlsClient::load(TlsOptions {
            verify: false,
            ca: None,
            cert: Some(cert),
            key: Some(other_key.clone()),
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(&other_key.display().to_string()) && e.contains("does not fit the client certificate"),
            "{e}"
        );
        assert!(!e.contains("PRIVATE KEY"), "{e}");
    }

    #[test]
    fn the_host_of_an_address() {
        assert_eq!(host_of("engine.example:2376"), "engine.example");
        assert_eq!(host_of("[::1]:2376"), "::1");
        assert_eq!(host_of("127.0.0.1:2376"), "127.0.0.1");
    }

    #[test]
    fn a_loaded_client_shows_paths_and_never_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["client".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pem = key.serialize_pem();
        std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), &pem).unwrap();
        let client = TlsClient::load(TlsOptions {
            verify: false,
            ca: None,
            cert: Some(dir.path().join("cert.pem")),
            key: Some(dir.path().join("key.pem")),
        })
        .unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("key.pem"), "{shown}");
        let body = pem.lines().nth(1).unwrap();
        assert!(!shown.contains(body) && !shown.contains("PRIVATE"), "{shown}");

        // A key that is not there, or not a key: named, and never echoed.
        let e = TlsClient::load(TlsOptions {
            verify: false,
            ca: None,
            cert: Some(dir.path().join("cert.pem")),
            key: Some(dir.path().join("cert.pem")),
        })
        .unwrap_err();
        assert_eq!(e.what, "client key");
        assert!(e.to_string().contains("cert.pem"), "{e}");
        let e = TlsClient::load(TlsOptions {
            verify: true,
            ca: Some(dir.path().join("missing-ca.pem")),
            cert: None,
            key: None,
        })
        .unwrap_err();
        assert!(
            e.to_string().starts_with("cannot use the TLS CA certificate file "),
            "{e}"
        );
        assert!(e.to_string().contains("missing-ca.pem"), "{e}");
    }
}
