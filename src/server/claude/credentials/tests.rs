//! The credential store: round trip, permissions, encryption, atomicity.

use std::os::unix::fs::PermissionsExt;

use super::*;

const TOKEN: &str = "sk-ant-oat01-test-token-0123456789abcdefghijklmnopqrstuvwxyz";

fn store(root: &Path) -> CredentialStore {
    CredentialStore::new(root.join("claude"), root.join("keys/credentials.key"))
}

fn token(secret: &str) -> Credential {
    Credential {
        method: AuthMethod::OauthToken,
        secret: secret.to_owned().into(),
        life: CredentialLife {
            stored_at: STORED_AT,
            rejected_at: None,
        },
    }
}

/// 2026-12-03T12:13:20Z.
const STORED_AT: i64 = 1_796_300_000;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_saved_credential_loads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    assert!(s.load().unwrap().is_none());
    s.save(&token(TOKEN)).unwrap();
    let loaded = s.load().unwrap().unwrap();
    assert_eq!(loaded.method, AuthMethod::OauthToken);
    assert_eq!(loaded.secret.expose_secret(), TOKEN);
}

#[test]
fn the_folder_is_0700_and_the_files_0600() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    fs::create_dir_all(tmp.path().join("claude")).unwrap();
    fs::set_permissions(tmp.path().join("claude"), fs::Permissions::from_mode(0o755)).unwrap();
    s.save(&token(TOKEN)).unwrap();
    assert_eq!(mode(&tmp.path().join("claude")), 0o700);
    assert_eq!(mode(&s.path()), 0o600);
    assert_eq!(mode(&tmp.path().join("keys/credentials.key")), 0o600);
    assert_eq!(mode(&tmp.path().join("keys")), 0o700);
}

#[test]
fn the_file_holds_no_secret_in_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    s.save(&token(TOKEN)).unwrap();
    let bytes = fs::read(s.path()).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("sk-ant"), "{text}");
    assert!(!text.contains("oauth_token"));
    assert!(bytes.starts_with(MAGIC));
}

#[test]
fn a_new_save_replaces_the_old_and_leaves_no_temporary_files() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    s.save(&token("sk-ant-oat01-first")).unwrap();
    s.save(&Credential {
        method: AuthMethod::ApiKey,
        secret: "sk-ant-api03-second".to_owned().into(),
        life: CredentialLife::stored_now(),
    })
    .unwrap();
    let loaded = s.load().unwrap().unwrap();
    assert_eq!(loaded.method, AuthMethod::ApiKey);
    assert_eq!(loaded.secret.expose_secret(), "sk-ant-api03-second");
    let names: Vec<_> = fs::read_dir(tmp.path().join("claude"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec![CREDENTIAL_FILE.to_owned()]);
}

#[test]
fn another_key_cannot_read_it() {
    let tmp = tempfile::tempdir().unwrap();
    store(tmp.path()).save(&token(TOKEN)).unwrap();
    fs::write(tmp.path().join("keys/credentials.key"), [7u8; KEY_LEN]).unwrap();
    let error = store(tmp.path()).load().err().unwrap();
    assert!(
        matches!(error, CredentialError::Undecryptable { .. }),
        "{error}"
    );
    fs::remove_file(tmp.path().join("keys/credentials.key")).unwrap();
    assert!(matches!(
        store(tmp.path()).load().err().unwrap(),
        CredentialError::Undecryptable { .. }
    ));
}

#[test]
fn a_damaged_file_is_reported_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    s.save(&token(TOKEN)).unwrap();
    let mut bytes = fs::read(s.path()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(s.path(), &bytes).unwrap();
    assert!(matches!(
        s.load().err().unwrap(),
        CredentialError::Undecryptable { .. }
    ));
}

#[test]
fn an_unwritable_place_is_a_permission_error_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    // A file where the folder should be: fails for root too.
    fs::write(tmp.path().join("claude"), "not a folder").unwrap();
    let error = store(tmp.path()).save(&token(TOKEN)).err().unwrap();
    assert!(
        matches!(error, CredentialError::Permission { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains(&tmp.path().join("claude").display().to_string()),
        "{error}"
    );
}

#[test]
fn a_failed_replace_keeps_the_previous_file_and_no_temporary() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("target");
    // A non-empty folder at the target: the rename fails after the
    // temporary file was written in full.
    fs::create_dir_all(target.join("inside")).unwrap();
    assert!(write_atomically(&target, b"new").is_err());
    assert!(target.join("inside").is_dir());
    let names: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("target")]);
}

#[test]
fn a_failed_save_keeps_the_previous_credential() {
    if unsafe { libc::geteuid() } == 0 {
        // Root ignores permission bits; the folder-swap test above covers
        // the same promise at the level of the write itself.
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    s.save(&token("sk-ant-oat01-kept")).unwrap();
    fs::set_permissions(tmp.path().join("claude"), fs::Permissions::from_mode(0o500)).unwrap();
    let error = s.save(&token("sk-ant-oat01-lost")).err().unwrap();
    fs::set_permissions(tmp.path().join("claude"), fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(error, CredentialError::Permission { .. }));
    assert_eq!(
        s.load().unwrap().unwrap().secret.expose_secret(),
        "sk-ant-oat01-kept"
    );
}

#[test]
fn remove_says_whether_there_was_something() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    assert!(!s.remove().unwrap());
    s.save(&token(TOKEN)).unwrap();
    assert!(s.remove().unwrap());
    assert!(s.load().unwrap().is_none());
}

#[test]
fn two_first_saves_at_once_agree_on_one_key() {
    for _ in 0..40 {
        let tmp = tempfile::tempdir().unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let saves: Vec<_> = ["sk-ant-oat01-first", "sk-ant-oat01-second"]
            .into_iter()
            .map(|secret| {
                let s = store(tmp.path());
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    s.save(&token(secret))
                })
            })
            .collect();
        for save in saves {
            save.join().unwrap().unwrap();
        }
        // Whichever save came last, it was sealed under the key on disk.
        let loaded = store(tmp.path()).load().unwrap().unwrap();
        assert!(loaded.secret.expose_secret().starts_with("sk-ant-oat01-"));
        let leftovers: Vec<_> = fs::read_dir(tmp.path().join("keys"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }
}

#[test]
fn a_key_file_others_can_read_is_refused_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    s.save(&token(TOKEN)).unwrap();
    let key = tmp.path().join("keys/credentials.key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let error = s.load().err().unwrap();
    let text = error.to_string();
    assert!(text.contains("chmod 600"), "{text}");
    assert!(text.contains("644"), "{text}");
    assert!(s.save(&token(TOKEN)).is_err(), "nothing is sealed under it");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    assert!(s.load().unwrap().is_some());
}

#[test]
fn an_existing_folder_of_the_key_keeps_its_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    fs::create_dir_all(&home).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o755)).unwrap();
    let s = CredentialStore::new(tmp.path().join("claude"), home.join("dispatch.key"));
    s.save(&token(TOKEN)).unwrap();
    assert_eq!(mode(&home), 0o755, "not ours to change");
    assert_eq!(mode(&home.join("dispatch.key")), 0o600);
}

#[test]
fn the_stored_date_and_a_rejection_survive_a_reload() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    assert!(!s.mark_rejected(STORED_AT + 10).unwrap(), "nothing stored");
    s.save(&token(TOKEN)).unwrap();
    let loaded = s.load().unwrap().unwrap();
    assert_eq!(loaded.life.stored_at, STORED_AT);
    assert_eq!(loaded.life.rejected_at, None);

    assert!(s.mark_rejected(STORED_AT + 10).unwrap());
    assert!(!s.mark_rejected(STORED_AT + 20).unwrap(), "marked once");
    let again = store(tmp.path()).load().unwrap().unwrap();
    assert_eq!(again.life.rejected_at, Some(STORED_AT + 10));
    assert_eq!(again.secret.expose_secret(), TOKEN, "kept, not deleted");
    assert_eq!(mode(&s.path()), 0o600);

    // A new sign-in replaces it, and the rejection with it.
    s.save(&token(TOKEN)).unwrap();
    assert_eq!(s.load().unwrap().unwrap().life.rejected_at, None);
}

#[test]
fn a_credential_stored_before_dates_were_kept_dates_from_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path());
    s.save(&token(TOKEN)).unwrap();
    // Rewrite it as the old format wrote it: method and secret only.
    let key = s.key(false).unwrap();
    let plain = br#"{"method":"oauth_token","secret":"sk-ant-oat01-old"}"#;
    let nonce = [7u8; NONCE_LEN];
    let sealed = XChaCha20Poly1305::new(&key.into())
        .encrypt(XNonce::from_slice(&nonce), plain.as_slice())
        .unwrap();
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&sealed);
    fs::write(s.path(), bytes).unwrap();
    let modified = fs::metadata(s.path())
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let loaded = s.load().unwrap().unwrap();
    assert_eq!(loaded.secret.expose_secret(), "sk-ant-oat01-old");
    assert_eq!(loaded.life.stored_at, i64::try_from(modified).unwrap());
    assert_eq!(loaded.life.rejected_at, None);
}
