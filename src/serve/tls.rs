//! TLS from PEM files: a certificate chain and its private key, served with rustls.
//!
//! Why tokio-rustls rather than axum-server: the server already drives each connection itself
//! (for its timeouts and cap, see [`super::listen`]), so all it needs is a handshake on an
//! accepted socket, which tokio-rustls is and nothing more; axum-server would bring a second
//! accept loop and its own connection handling to switch off. rustls uses the `ring` provider,
//! which builds with the C compiler alone (aws-lc-rs needs cmake), and offers TLS 1.2 and 1.3
//! with its safe defaults only.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// Occurs when the certificate or key cannot be read or do not fit together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError(String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

/// Reads the certificate chain (leaf first) and the private key (PKCS#8, PKCS#1 or SEC1) from
/// PEM files and makes the acceptor, offering HTTP/1.1 by ALPN.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| {
            TlsError(format!(
                "failed to read the certificate {} ({e})\n  hint: give the PEM file with the server's certificate first, then its intermediates",
                cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(TlsError(format!(
            "failed to read the certificate {} (no CERTIFICATE block)\n  hint: give the PEM file with the server's certificate first, then its intermediates",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        TlsError(format!(
            "failed to read the private key {} ({e})\n  hint: give the PEM file with the certificate's private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)",
            key.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("failed to set up TLS ({e})")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            TlsError(format!(
                "failed to use the certificate and key ({e})\n  hint: check that the key is the certificate's own"
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_file_is_named() {
        let dir = std::env::temp_dir().join(format!("shikaku-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let error = acceptor(&empty, &empty).err().unwrap().to_string();
        assert!(
            error.contains("empty.pem (no CERTIFICATE block)"),
            "{error}"
        );
        let error = acceptor(&dir.join("none.pem"), &empty)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with("failed to read the certificate"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
