//! HTTPS in one setting (`DISPATCH_ACME_DOMAIN`): certificates from an ACME
//! service (Let's Encrypt by default), obtained with the TLS-ALPN-01
//! challenge on Dispatch's own HTTPS port and renewed (at two thirds of
//! their life) while it serves. `rustls-acme` speaks ACME and answers the
//! challenge from inside the TLS handshake; this module configures it,
//! drives it and says what happens in words an operator can act on.

use std::{path::PathBuf, sync::Arc};

use futures::StreamExt;
use rustls::{pki_types::pem::PemObject, RootCertStore, ServerConfig};
use rustls_acme::{AcmeConfig, EventError, EventOk};

use super::{
    acme_cache::AcmeCache,
    certificate::ServedCertificate,
    tls::{provider, TlsError},
};

/// Let's Encrypt's production service, the default directory.
pub(crate) const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// The ALPN protocol of the TLS-ALPN-01 challenge (RFC 8737).
pub(crate) const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// What the configuration asks of the ACME client.
#[derive(Clone, Debug)]
pub struct AcmeSettings {
    /// The names the certificate is for.
    pub domains: Vec<String>,
    /// A contact address for the ACME account (expiry notices).
    pub email: Option<String>,
    /// The ACME directory URL.
    pub directory: String,
    /// Where the account key and certificates are kept.
    pub cache: PathBuf,
    /// Roots to trust for the directory besides the public ones (a private
    /// ACME service).
    pub directory_ca: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    #[error("cannot make the ACME cache folder {}: {source}", path.display())]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the ACME service's CA ({}): {source}", path.display())]
    DirectoryCa {
        path: PathBuf,
        source: rustls::pki_types::pem::Error,
    },
    #[error("the ACME service's CA ({}) holds no usable certificate", .0.display())]
    NoDirectoryCa(PathBuf),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// Starts the ACME client in the background; the TLS settings that serve
/// its certificates (and answer its challenges). `served` learns each
/// certificate deployed.
pub fn start(
    settings: &AcmeSettings,
    served: ServedCertificate,
) -> Result<Arc<ServerConfig>, AcmeError> {
    let cache = AcmeCache::new(settings.cache.clone(), served.clone());
    cache.prepare().map_err(|source| AcmeError::Cache {
        path: settings.cache.clone(),
        source,
    })?;
    let client = Arc::new(
        rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(TlsError::from)?
            .with_root_certificates(directory_roots(settings)?)
            .with_no_client_auth(),
    );
    let contact = settings.email.iter().map(|e| format!("mailto:{e}"));
    let mut state = AcmeConfig::new_with_client_config(&settings.domains, client)
        .contact(contact)
        .directory(&settings.directory)
        .cache(cache)
        .state();
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::from)?
        .with_no_client_auth()
        .with_cert_resolver(state.resolver());
    config.alpn_protocols = vec![b"http/1.1".to_vec(), ACME_TLS_ALPN.to_vec()];

    let names = settings.domains.join(", ");
    let directory = settings.directory.clone();
    tracing::info!(
        names,
        directory,
        "HTTPS certificates come from the ACME service"
    );
    let cached = AcmeCache::certificate_path(&settings.cache, &settings.domains, &directory);
    if !cached.exists() {
        tracing::info!(names, "no certificate yet: HTTPS handshakes fail until the ACME service issues one (TLS-ALPN-01: port 443 of each name must reach this server)");
    }
    tokio::spawn(async move {
        let mut reporter = Reporter::new(names, directory);
        while let Some(event) = state.next().await {
            reporter.report(event, &served);
        }
    });
    Ok(Arc::new(config))
}

/// The public roots (webpki-roots, as browsers trust them), and the
/// operator's own CA for a private ACME service.
fn directory_roots(settings: &AcmeSettings) -> Result<RootCertStore, AcmeError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = &settings.directory_ca {
        let certificates = rustls::pki_types::CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|source| AcmeError::DirectoryCa {
                path: path.clone(),
                source,
            })?;
        let (added, _) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(AcmeError::NoDirectoryCa(path.clone()));
        }
    }
    Ok(roots)
}

/// Turns the ACME client's events into log lines: each failure once (a
/// retry that fails the same way is quiet), with what to check.
struct Reporter {
    names: String,
    directory: String,
    last_failure: Option<String>,
}

impl Reporter {
    fn new(names: String, directory: String) -> Reporter {
        Reporter {
            names,
            directory,
            last_failure: None,
        }
    }

    fn report(
        &mut self,
        event: Result<EventOk, EventError<std::io::Error, std::io::Error>>,
        served: &ServedCertificate,
    ) {
        let names = &self.names;
        match event {
            Ok(EventOk::DeployedCachedCert) => {
                self.last_failure = None;
                let until = served.get().map(|c| c.not_after).unwrap_or_default();
                tracing::info!(names, valid_until = until, "serving the cached certificate");
            }
            Ok(EventOk::DeployedNewCert) => {
                self.last_failure = None;
                tracing::info!(
                    names,
                    "obtained a new certificate from the ACME service; serving it"
                );
            }
            Ok(EventOk::CertCacheStore) => tracing::debug!(names, "certificate cached"),
            Ok(EventOk::AccountCacheStore) => tracing::debug!("ACME account key cached"),
            Err(error) => {
                let message = error.to_string();
                if self.last_failure.as_deref() == Some(message.as_str()) {
                    tracing::debug!(names, %message, "the ACME order failed again; retrying later");
                    return;
                }
                tracing::warn!(
                    names,
                    directory = self.directory,
                    %message,
                    "{}",
                    what_to_check(&error)
                );
                self.last_failure = Some(message);
            }
        }
    }
}

/// What an operator should look at for a failure, in a sentence.
fn what_to_check(error: &EventError<std::io::Error, std::io::Error>) -> &'static str {
    match error {
        EventError::Order(rustls_acme::OrderError::Acme(rustls_acme::acme::AcmeError::HttpRequest(_))) => {
            "the ACME service could not be reached or refused a request: check DISPATCH_ACME_DIRECTORY and this machine's way out to it; retrying with a growing wait, the last good certificate is still served"
        }
        EventError::Order(_) => {
            "the ACME order failed: check that each name's DNS points at this server and that port 443 of each name reaches Dispatch's port (TLS-ALPN-01); retrying with a growing wait, the last good certificate is still served"
        }
        EventError::CertCacheLoad(_)
        | EventError::CertCacheStore(_)
        | EventError::AccountCacheLoad(_)
        | EventError::AccountCacheStore(_) => {
            "the ACME cache folder could not be read or written: check DISPATCH_ACME_CACHE and its owner"
        }
        EventError::CachedCertParse(_) | EventError::NewCertParse(_) => {
            "a certificate could not be read; a new one will be ordered"
        }
    }
}
