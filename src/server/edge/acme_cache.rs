//! Where the ACME account key and the certificates live between starts
//! (`DISPATCH_ACME_CACHE`): a folder only the server's user can enter
//! (0700), files only it can read (0600, written whole or not at all).
//! ACME services limit how often they issue, so a restart must find them.
//! One file per ACME directory and set of names: changing either asks anew.

use std::{
    io::{self, Write},
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};

use async_trait::async_trait;
use rustls_acme::{AccountCache, CertCache};

use super::certificate::{CertificateInfo, ServedCertificate};

pub struct AcmeCache {
    dir: PathBuf,
    served: ServedCertificate,
}

impl AcmeCache {
    /// The cache in `dir`; each certificate loaded or stored is also made
    /// known to `served`.
    pub(crate) fn new(dir: PathBuf, served: ServedCertificate) -> AcmeCache {
        AcmeCache { dir, served }
    }

    /// Makes the folder (0700) if needed, so that a start fails early, and
    /// says why, when it cannot be made.
    pub(crate) fn prepare(&self) -> io::Result<()> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
    }

    /// The certificate file for `names` from `directory`: its key first,
    /// then the chain, as the ACME client stores it.
    pub fn certificate_path(dir: &Path, names: &[String], directory: &str) -> PathBuf {
        dir.join(format!("certificate-{}.pem", digest(names, directory)))
    }

    fn account_path(&self, contact: &[String], directory: &str) -> PathBuf {
        self.dir
            .join(format!("account-{}.pem", digest(contact, directory)))
    }
}

/// A short, stable name for a list and a directory URL.
fn digest(items: &[String], directory: &str) -> String {
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    for item in items {
        hash.update(item.as_bytes());
        hash.update(&[0]);
    }
    hash.update(directory.as_bytes());
    hash.finish()
        .as_ref()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read_if_there(path: PathBuf) -> io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to a 0600 file beside `path`, then renames it over
/// `path`: a crash leaves the old file or the new one, never half of one.
fn write_private(path: PathBuf, bytes: Vec<u8>) -> io::Result<()> {
    let temporary = path.with_extension("tmp");
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

#[async_trait]
impl CertCache for AcmeCache {
    type EC = io::Error;

    async fn load_cert(&self, names: &[String], directory: &str) -> io::Result<Option<Vec<u8>>> {
        let path = Self::certificate_path(&self.dir, names, directory);
        let pem = blocking(move || read_if_there(path)).await?;
        if let Some(info) = pem.as_deref().and_then(CertificateInfo::from_pem) {
            self.served.set(info);
        }
        Ok(pem)
    }

    async fn store_cert(&self, names: &[String], directory: &str, pem: &[u8]) -> io::Result<()> {
        if let Some(info) = CertificateInfo::from_pem(pem) {
            self.served.set(info);
        }
        let path = Self::certificate_path(&self.dir, names, directory);
        let pem = pem.to_vec();
        blocking(move || write_private(path, pem)).await
    }
}

#[async_trait]
impl AccountCache for AcmeCache {
    type EA = io::Error;

    async fn load_account(
        &self,
        contact: &[String],
        directory: &str,
    ) -> io::Result<Option<Vec<u8>>> {
        let path = self.account_path(contact, directory);
        blocking(move || read_if_there(path)).await
    }

    async fn store_account(
        &self,
        contact: &[String],
        directory: &str,
        key: &[u8],
    ) -> io::Result<()> {
        let path = self.account_path(contact, directory);
        let key = key.to_vec();
        blocking(move || write_private(path, key)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CERT: &[u8] = include_bytes!("../../../tests/fixtures/tls/cert.pem");

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn what_is_stored_is_private_and_found_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("acme");
        let served = ServedCertificate::default();
        let cache = AcmeCache::new(dir.clone(), served.clone());
        cache.prepare().unwrap();
        assert_eq!(mode(&dir), 0o700);
        let names = vec!["dispatch.example".to_owned()];
        let directory = "https://acme.example/dir";

        assert_eq!(cache.load_cert(&names, directory).await.unwrap(), None);
        assert_eq!(served.get(), None);
        cache
            .store_cert(&names, directory, TEST_CERT)
            .await
            .unwrap();
        let file = AcmeCache::certificate_path(&dir, &names, directory);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(served.get().unwrap().names, vec!["localhost".to_owned()]);

        // A new start: the same file is found, and made known again.
        let served = ServedCertificate::default();
        let again = AcmeCache::new(dir.clone(), served.clone());
        let loaded = again.load_cert(&names, directory).await.unwrap();
        assert_eq!(loaded.as_deref(), Some(TEST_CERT));
        assert!(served.get().is_some());
        // Another directory or other names: nothing cached for them.
        let other = again.load_cert(&names, "https://other.example/dir").await;
        assert_eq!(other.unwrap(), None);

        let contact = vec!["mailto:admin@dispatch.example".to_owned()];
        again
            .store_account(&contact, directory, b"key")
            .await
            .unwrap();
        let account = again.load_account(&contact, directory).await.unwrap();
        assert_eq!(account.as_deref(), Some(&b"key"[..]));
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
