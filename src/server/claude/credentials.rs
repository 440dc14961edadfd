//! The credential Dispatch captured (a long-lived OAuth token) or was given
//! (an API key), kept in `CLAUDE_CREDENTIALS_PATH`.
//!
//! The folder is 0700 and the file 0600; a write goes to a temporary file
//! that is then renamed over the old one, so a failed write leaves the
//! previous credential whole. The file is encrypted (XChaCha20-Poly1305)
//! with a key kept outside that folder, so a copy of the folder alone (a
//! backup, a mounted volume) does not give the secret away.

use std::{
    fs::{self, OpenOptions},
    io::{self, Write},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};

use chacha20poly1305::{
    aead::{Aead, KeyInit},
    XChaCha20Poly1305, XNonce,
};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::credential_life::CredentialLife;
use crate::protocol::AuthMethod;

/// When `path` was last written, in Unix seconds (now, if unknown).
fn modified_at(path: &Path) -> i64 {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or_else(super::credential_life::now, |d| {
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
        })
}

/// The file inside `CLAUDE_CREDENTIALS_PATH`.
pub(crate) const CREDENTIAL_FILE: &str = "dispatch-credential.enc";
/// What every credential file starts with: a format name and version.
const MAGIC: &[u8; 8] = b"DSPCRED1";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("Cannot write {}: {source}. Check that the folder exists, belongs to the user running Dispatch and is writable (CLAUDE_CREDENTIALS_PATH).", .path.display())]
    Permission { path: PathBuf, source: io::Error },
    #[error("Cannot read {}: {source}.", .path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} cannot be decrypted with the key in {}: the key changed or the file is damaged. Sign in again to replace it.", .path.display(), .key.display())]
    Undecryptable { path: PathBuf, key: PathBuf },
    #[error("The credential key {} can be read by other users (mode {mode:03o}): Dispatch will not use it. Make it private: chmod 600 {}", .path.display(), .path.display())]
    KeyReadableByOthers { path: PathBuf, mode: u32 },
}

/// A secret, what kind it is, and its life (when stored, whether refused).
pub struct Credential {
    pub method: AuthMethod,
    pub secret: SecretString,
    pub life: CredentialLife,
}

#[derive(Serialize, Deserialize)]
struct Plain {
    method: AuthMethod,
    secret: String,
    /// Unix seconds. Absent in files written before dates were kept: the
    /// file's modification time stands in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stored_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rejected_at: Option<i64>,
}

/// Where the credential and its key live.
#[derive(Clone, Debug)]
pub struct CredentialStore {
    dir: PathBuf,
    key_path: PathBuf,
}

impl CredentialStore {
    /// `dir` holds the credential; `key_path` (outside `dir`) its key.
    pub fn new(dir: PathBuf, key_path: PathBuf) -> Self {
        Self { dir, key_path }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(CREDENTIAL_FILE)
    }

    /// Stores `credential`, replacing any earlier one atomically.
    pub fn save(&self, credential: &Credential) -> Result<(), CredentialError> {
        let permission = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CredentialError::Permission { path, source }
        };
        let key = self.key(true)?;
        let plain = serde_json::to_vec(&Plain {
            method: credential.method,
            secret: credential.secret.expose_secret().to_owned(),
            stored_at: Some(credential.life.stored_at),
            rejected_at: credential.life.rejected_at,
        })
        .map_err(|e| CredentialError::Permission {
            path: self.path(),
            source: io::Error::other(e),
        })?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = XChaCha20Poly1305::new(&key.into())
            .encrypt(XNonce::from_slice(&nonce), plain.as_slice())
            .map_err(|_| CredentialError::Permission {
                path: self.path(),
                source: io::Error::other("encryption failed"),
            })?;
        let mut bytes = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);

        private_dir(&self.dir).map_err(permission(&self.dir))?;
        let target = self.path();
        write_atomically(&target, &bytes).map_err(permission(&target))
    }

    /// The stored credential, if there is one.
    pub fn load(&self) -> Result<Option<Credential>, CredentialError> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CredentialError::Read { path, source }),
        };
        let undecryptable = || CredentialError::Undecryptable {
            path: path.clone(),
            key: self.key_path.clone(),
        };
        let key = match self.key(false) {
            Ok(key) => key,
            // Its own words: the fix is a chmod, not a new sign-in.
            Err(error @ CredentialError::KeyReadableByOthers { .. }) => return Err(error),
            Err(_) => return Err(undecryptable()),
        };
        if bytes.len() < MAGIC.len() + NONCE_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return Err(undecryptable());
        }
        let (nonce, sealed) = bytes[MAGIC.len()..].split_at(NONCE_LEN);
        let plain = XChaCha20Poly1305::new(&key.into())
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| undecryptable())?;
        let plain: Plain = serde_json::from_slice(&plain).map_err(|_| undecryptable())?;
        let stored_at = plain.stored_at.unwrap_or_else(|| modified_at(&path));
        Ok(Some(Credential {
            method: plain.method,
            secret: plain.secret.into(),
            life: CredentialLife {
                stored_at,
                rejected_at: plain.rejected_at,
            },
        }))
    }

    /// Marks the stored credential as refused by Claude at `at` (kept, so
    /// the owner sees what happened; a new sign-in replaces it). `Ok(false)`
    /// when nothing is stored or it was marked already.
    pub fn mark_rejected(&self, at: i64) -> Result<bool, CredentialError> {
        let Some(mut credential) = self.load()? else {
            return Ok(false);
        };
        if credential.life.rejected_at.is_some() {
            return Ok(false);
        }
        credential.life.rejected_at = Some(at);
        self.save(&credential)?;
        Ok(true)
    }

    /// Removes the stored credential; `Ok(false)` when there was none.
    pub(crate) fn remove(&self) -> Result<bool, CredentialError> {
        let path = self.path();
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(CredentialError::Permission { path, source }),
        }
    }

    /// The encryption key: read, or (when `create`) made and saved 0600.
    /// An existing key that other users can read is refused.
    fn key(&self, create: bool) -> Result<[u8; KEY_LEN], CredentialError> {
        match read_private(&self.key_path) {
            Ok(bytes) if bytes.len() == KEY_LEN => {
                let mut key = [0u8; KEY_LEN];
                key.copy_from_slice(&bytes);
                Ok(key)
            }
            Ok(_) => Err(CredentialError::Undecryptable {
                path: self.path(),
                key: self.key_path.clone(),
            }),
            Err(KeyRead::Io(e)) if e.kind() == io::ErrorKind::NotFound && create => {
                self.create_key()
            }
            Err(KeyRead::Open(mode)) => Err(CredentialError::KeyReadableByOthers {
                path: self.key_path.clone(),
                mode,
            }),
            Err(KeyRead::Io(source)) => Err(CredentialError::Read {
                path: self.key_path.clone(),
                source,
            }),
        }
    }

    /// Makes a new key. Two first saves at once must agree on one key: the
    /// new key is written whole to a temporary file and linked into place,
    /// which fails when another got there first; that one's key is then read.
    fn create_key(&self) -> Result<[u8; KEY_LEN], CredentialError> {
        let permission = |source| CredentialError::Permission {
            path: self.key_path.clone(),
            source,
        };
        if let Some(parent) = self.key_path.parent() {
            created_private_dir(parent).map_err(permission)?;
        }
        let mut key = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut key);
        let temp = write_temp(&self.key_path, &key).map_err(permission)?;
        let linked = fs::hard_link(&temp, &self.key_path);
        let _ = fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                if let Some(parent) = self.key_path.parent() {
                    fs::File::open(parent)
                        .and_then(|d| d.sync_all())
                        .map_err(permission)?;
                }
                Ok(key)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => self.key(false),
            Err(source) => Err(permission(source)),
        }
    }
}

/// Why a private file could not be read.
enum KeyRead {
    Io(io::Error),
    /// It can be read by group or others (its mode).
    Open(u32),
}

fn read_private(path: &Path) -> Result<Vec<u8>, KeyRead> {
    let mut file = fs::File::open(path).map_err(KeyRead::Io)?;
    let mode = file.metadata().map_err(KeyRead::Io)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyRead::Open(mode));
    }
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut file, &mut bytes).map_err(KeyRead::Io)?;
    Ok(bytes)
}

/// Creates `dir` (and its parents) if needed, and makes it 0700.
pub(super) fn private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates `dir` 0700 when it is missing; a folder that exists is left as
/// it is (the key file's folder may be `$HOME`, which is not ours to change).
fn created_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Writes `bytes` to a new 0600 file beside `target`, syncs it, renames it
/// over `target` and syncs the folder. On any failure `target` is untouched.
pub(super) fn write_atomically(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(target, bytes)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let result = fs::rename(&temp, target).and_then(|()| fs::File::open(dir)?.sync_all());
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// A new 0600 file beside `target` holding `bytes`, synced; its path.
fn write_temp(target: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", rand::rng().next_u64()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    match result {
        Ok(()) => Ok(temp),
        Err(error) => {
            let _ = fs::remove_file(&temp);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests;
