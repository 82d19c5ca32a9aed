//! TLS on the HTTP workers: a certificate chain and private key read from
//! PEM files at start, and read again when the operator asks (SIGHUP), so a
//! renewed certificate is served without a restart.

use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Where the certificate chain and its private key are, both PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate first, then any intermediates.
    pub certificate: PathBuf,
    /// PKCS#8, PKCS#1 (RSA) or SEC1 (EC).
    pub private_key: PathBuf,
}

impl TlsFiles {
    /// TLS from the two settings, which come together or not at all: one
    /// without the other is a mistake to refuse at start, not a reason to
    /// serve plain HTTP.
    pub fn from_settings(
        certificate: Option<PathBuf>,
        private_key: Option<PathBuf>,
    ) -> anyhow::Result<Option<Self>> {
        match (certificate, private_key) {
            (Some(certificate), Some(private_key)) => Ok(Some(Self {
                certificate,
                private_key,
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(anyhow::anyhow!(
                "--tls-cert (KEYSCOPE_TLS_CERT) is set but --tls-key (KEYSCOPE_TLS_KEY) is not: TLS needs both"
            )),
            (None, Some(_)) => Err(anyhow::anyhow!(
                "--tls-key (KEYSCOPE_TLS_KEY) is set but --tls-cert (KEYSCOPE_TLS_CERT) is not: TLS needs both"
            )),
        }
    }
}

/// The TLS configuration every worker accepts connections with, and the
/// files it came from. Cloned handles share it: a [`reload`](Self::reload)
/// through any of them reaches every worker's next connection, while
/// connections already open keep the configuration they began with.
#[derive(Clone)]
pub struct ReloadableTls {
    files: Arc<TlsFiles>,
    current: Arc<RwLock<Arc<ServerConfig>>>,
}

impl ReloadableTls {
    /// Reads the files; fails, naming the file, if they do not hold a
    /// certificate chain and a private key that belongs to it.
    pub fn load(files: TlsFiles) -> anyhow::Result<Self> {
        let config = server_config(&files)?;
        Ok(Self {
            files: Arc::new(files),
            current: Arc::new(RwLock::new(config)),
        })
    }

    /// Reads the same files again and, if they are good, serves new
    /// connections with them. If not, the configuration in use stays and
    /// the error says why: a half-written renewal must not take the
    /// server off the air.
    pub fn reload(&self) -> anyhow::Result<()> {
        let config = server_config(&self.files)?;
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = config;
        Ok(())
    }

    /// For one new connection: the configuration as it is now.
    pub fn acceptor(&self) -> TlsAcceptor {
        let config = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        TlsAcceptor::from(config)
    }

    pub fn files(&self) -> &TlsFiles {
        &self.files
    }
}

fn server_config(files: &TlsFiles) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = read_certificates(&files.certificate)?;
    let key = PrivateKeyDer::from_pem_file(&files.private_key).with_context(|| {
        format!(
            "no private key read from {} (TLS key)",
            files.private_key.display()
        )
    })?;
    // The provider named rather than taken from the process default, which
    // is ambiguous (and panics) when a dependency brings in a second one.
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| {
            format!(
                "the TLS key {} does not fit the certificate {}",
                files.private_key.display(),
                files.certificate.display()
            )
        })?;
    // The workers speak HTTP/1.1 only; saying so lets a client that offers
    // h2 as well settle on it during the handshake.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read_certificates(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("could not read {} (TLS certificate)", path.display()))?;
    if chain.is_empty() {
        anyhow::bail!(
            "no certificate in {} (TLS certificate): expected PEM `CERTIFICATE` blocks",
            path.display()
        );
    }
    Ok(chain)
}
