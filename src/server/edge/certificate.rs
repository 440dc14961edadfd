//! The certificate Dispatch serves, as people and monitors read it: its
//! names and when it expires (Settings, `/metrics`). Shared between the
//! TLS setup that learns it (a file read at start, or each certificate the
//! ACME service issues) and the handlers that show it.

use std::sync::{Arc, RwLock};

use rustls::pki_types::{pem::PemObject, CertificateDer};
use x509_parser::{certificate::X509Certificate, extensions::GeneralName, prelude::FromDer};

/// What a person needs to know of the certificate served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Its DNS names (subject alternative names).
    pub names: Vec<String>,
    /// When it stops being valid, in seconds since the Unix epoch.
    pub not_after: i64,
}

impl CertificateInfo {
    /// Reads a DER certificate; `None` if it does not parse.
    pub fn from_der(der: &[u8]) -> Option<CertificateInfo> {
        let (_, certificate) = X509Certificate::from_der(der).ok()?;
        let names = certificate
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        GeneralName::DNSName(dns) => Some((*dns).to_owned()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(CertificateInfo {
            names,
            not_after: certificate.validity().not_after.timestamp(),
        })
    }

    /// The first certificate of a PEM text (other blocks, such as a
    /// private key before it, are skipped).
    pub(crate) fn from_pem(pem: &[u8]) -> Option<CertificateInfo> {
        let first = CertificateDer::pem_slice_iter(pem).next()?.ok()?;
        Self::from_der(&first)
    }
}

/// The certificate being served now, once known.
#[derive(Clone, Default)]
pub struct ServedCertificate(Arc<RwLock<Option<CertificateInfo>>>);

impl ServedCertificate {
    pub fn set(&self, info: CertificateInfo) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some(info);
    }

    pub(crate) fn get(&self) -> Option<CertificateInfo> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CERT: &[u8] = include_bytes!("../../../tests/fixtures/tls/cert.pem");

    #[test]
    fn names_and_expiry_are_read_from_pem() {
        let info = CertificateInfo::from_pem(TEST_CERT).expect("the test certificate parses");
        assert_eq!(info.names, vec!["localhost".to_owned()]);
        assert!(info.not_after > 1_700_000_000, "{}", info.not_after);
    }

    #[test]
    fn a_key_before_the_certificate_is_skipped_and_garbage_is_none() {
        let mut pem = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec();
        pem.extend_from_slice(TEST_CERT);
        assert!(CertificateInfo::from_pem(&pem).is_some());
        assert_eq!(CertificateInfo::from_pem(b"not a certificate"), None);
        assert_eq!(CertificateInfo::from_der(b"\x30\x03\x02\x01\x00"), None);
    }
}
