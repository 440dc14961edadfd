//! `dispatch healthcheck`: asks the server that the same settings describe
//! for `/healthz`, over TLS when it serves TLS. The container's health check
//! runs it, so the runtime image needs no curl. Over TLS it accepts exactly
//! the configured certificate: it talks to this server over loopback, by
//! address, where a CA-issued name would not match anyway.

use std::{
    net::{Ipv4Addr, Ipv6Addr, SocketAddr},
    path::Path,
    sync::Arc,
    time::Duration,
};

use rustls::{
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::CryptoProvider,
    pki_types::{CertificateDer, ServerName, UnixTime},
    DigitallySignedStruct, SignatureScheme,
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
};

use super::edge::tls::{self, TlsError};

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("no answer from {0}: {1}")]
    Unreachable(SocketAddr, std::io::Error),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("the server did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the server answered {0:?}")]
    Unhealthy(String),
}

const PATIENCE: Duration = Duration::from_secs(5);

/// Where a client on this machine reaches a server listening on `addr`.
pub fn local_address(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), v4.port())
        }
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), v6.port())
        }
        other => other,
    }
}

/// `GET /healthz` on the server at `addr`; `cert` when it serves TLS.
pub async fn check(addr: SocketAddr, cert: Option<&Path>) -> Result<(), HealthError> {
    let addr = local_address(addr);
    let status_line = tokio::time::timeout(PATIENCE, async {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| HealthError::Unreachable(addr, e))?;
        match cert {
            None => ask(tcp).await,
            Some(cert) => {
                let connector = tokio_rustls::TlsConnector::from(pinned_client(cert)?);
                let name = ServerName::IpAddress(addr.ip().into());
                let stream = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| HealthError::Unreachable(addr, e))?;
                ask(stream).await
            }
        }
        .map_err(|e| HealthError::Unreachable(addr, e))
    })
    .await
    .map_err(|_| HealthError::Timeout(PATIENCE))??;
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(HealthError::Unhealthy(status_line))
    }
}

/// Sends the request and returns the answer's status line.
async fn ask<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> std::io::Result<String> {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut head = Vec::new();
    let mut buffer = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 4096 {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&head);
    Ok(text.lines().next().unwrap_or_default().trim().to_owned())
}

fn pinned_client(cert: &Path) -> Result<Arc<rustls::ClientConfig>, HealthError> {
    let leaf = tls::read_certificates(cert)?.swap_remove(0);
    let provider = tls::provider();
    let verifier = PinnedCertificate {
        expected: leaf,
        provider: provider.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::from)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Trusts one certificate, the one this server was configured with.
#[derive(Debug)]
struct PinnedCertificate {
    expected: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the server presents another certificate than the configured one".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
