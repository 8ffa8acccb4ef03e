//! The release signing key, kept outside the database.
//!
//! - The key file (default `tearline.key`) holds the Ed25519 seed of the current key as JSON
//!   (`{"seed": hex, "created": time}`). It is created with mode 0600 on first use, and a key
//!   file that the group or others may read is refused: a signing key that leaked is worse than
//!   none.
//! - The keyring file (`<key file>.keyring.json`, public) lists every public key that ever
//!   signed (`key_id`, `public_key` base64, `created`), so releases signed before a rotation
//!   keep verifying. Rotation writes a new seed (old seed gone) and appends the new public key.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::{Deserialize, Serialize};
use tearline_policy::release::key_id;
use tearline_policy::{Ed25519Signer, Keyring};
use tearline_stix::Timestamp;

use crate::{ServiceError, ServiceResult};

/// One public key as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    pub key_id: String,
    /// Base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub created: String,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    seed: String,
    created: String,
}

#[derive(Default, Serialize, Deserialize)]
struct KeyringFile {
    keys: Vec<PublicKey>,
}

/// The current signing key and every public key that ever signed.
pub struct SigningKeys {
    seed: [u8; 32],
    signer: Ed25519Signer,
    current: PublicKey,
    all: Vec<PublicKey>,
    path: PathBuf,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys").field("current", &self.current).field("path", &self.path).finish_non_exhaustive()
    }
}

fn io(path: &Path, what: &str, e: std::io::Error) -> ServiceError {
    ServiceError::Invalid(format!("cannot {what} key file {}: {e}", path.display()))
}

/// The keyring file beside a key file.
pub fn keyring_path(key_file: &Path) -> PathBuf {
    let mut name = key_file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".keyring.json");
    key_file.with_file_name(name)
}

fn public_of(signer: &Ed25519Signer, created: &str) -> PublicKey {
    let vk = signer.verifying_key();
    PublicKey { key_id: key_id(&vk), public_key: base64::engine::general_purpose::STANDARD.encode(vk.as_bytes()), created: created.to_owned() }
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename) with `mode`.
fn write_file(path: &Path, bytes: &[u8], mode: u32) -> ServiceResult<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io(path, "create the directory of", e))?;
    let tmp = dir.join(format!(".{}.tmp-{}", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(), std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let _ = std::fs::remove_file(&tmp);
    let mut f = opts.open(&tmp).map_err(|e| io(path, "write", e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| io(path, "write", e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| io(path, "write", e))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Refuses a key file the group or others may read or write.
fn check_private(path: &Path) -> ServiceResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| io(path, "read", e))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(ServiceError::Invalid(format!(
                "key file {} is readable by others (mode {mode:o}); make it private with 'chmod 600 {}'",
                path.display(),
                path.display()
            )));
        }
    }
    Ok(())
}

impl SigningKeys {
    /// Loads the key file, creating a new key (mode 0600) if there is none.
    pub fn load_or_create(path: &Path) -> ServiceResult<SigningKeys> {
        if !path.exists() {
            Self::create(path, None)?;
        }
        Self::load(path)
    }

    /// Loads an existing key file (and its keyring).
    pub fn load(path: &Path) -> ServiceResult<SigningKeys> {
        check_private(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| io(path, "read", e))?;
        let kf: KeyFile = serde_json::from_str(&text).map_err(|e| ServiceError::Invalid(format!("key file {} is not a tearline key: {e}", path.display())))?;
        let seed: [u8; 32] = hex::decode(kf.seed.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ServiceError::Invalid(format!("key file {} holds no 32-byte seed", path.display())))?;
        let signer = Ed25519Signer::from_seed(&seed);
        let current = public_of(&signer, &kf.created);
        let ring_path = keyring_path(path);
        let mut ring: KeyringFile = match std::fs::read_to_string(&ring_path) {
            Ok(t) => serde_json::from_str(&t).map_err(|e| ServiceError::Invalid(format!("keyring {} is unreadable: {e}", ring_path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => KeyringFile::default(),
            Err(e) => return Err(io(&ring_path, "read", e)),
        };
        if !ring.keys.iter().any(|k| k.key_id == current.key_id) {
            ring.keys.push(current.clone());
            write_file(&ring_path, serde_json::to_string_pretty(&ring).unwrap_or_default().as_bytes(), 0o644)?;
        }
        Ok(SigningKeys { seed, signer, current, all: ring.keys, path: path.to_owned() })
    }

    fn create(path: &Path, previous: Option<&SigningKeys>) -> ServiceResult<()> {
        let seed: [u8; 32] = rand::random();
        let created = Timestamp::now().to_micros_string();
        let created = format!("{}Z", &created[..23]);
        let kf = KeyFile { seed: hex::encode(seed), created: created.clone() };
        let signer = Ed25519Signer::from_seed(&seed);
        let mut ring = KeyringFile { keys: previous.map(|p| p.all.clone()).unwrap_or_default() };
        let ring_path = keyring_path(path);
        if previous.is_none()
            && let Ok(t) = std::fs::read_to_string(&ring_path)
            && let Ok(r) = serde_json::from_str::<KeyringFile>(&t)
        {
            ring = r;
        }
        ring.keys.push(public_of(&signer, &created));
        // The public keyring first: a crash in between leaves a known key unused, never a
        // signing key whose public half is lost.
        write_file(&ring_path, serde_json::to_string_pretty(&ring).unwrap_or_default().as_bytes(), 0o644)?;
        write_file(path, serde_json::to_string(&kf).unwrap_or_default().as_bytes(), 0o600)
    }

    /// Replaces the signing key with a new one; the old public key stays in the keyring.
    pub fn rotate(path: &Path) -> ServiceResult<SigningKeys> {
        let old = Self::load(path)?;
        Self::create(path, Some(&old))?;
        Self::load(path)
    }

    pub fn signer(&self) -> &Ed25519Signer {
        &self.signer
    }

    pub fn current(&self) -> &PublicKey {
        &self.current
    }

    /// Every public key that ever signed, oldest first.
    pub fn public_keys(&self) -> &[PublicKey] {
        &self.all
    }

    pub fn keyring(&self) -> Keyring {
        keyring_of(&self.all)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A secret derived from the signing seed for one purpose (release seeds, draft tokens).
    pub(crate) fn derive(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        hmac(&self.seed, &[&[purpose.as_bytes(), &[0]].concat(), &parts.concat()])
    }
}

/// The public keys beside a key file (its keyring file; else the key file's own public key),
/// without creating anything: for verifiers, who need no private key.
pub fn public_keyring(key_file: &Path) -> ServiceResult<Keyring> {
    let ring_path = keyring_path(key_file);
    match std::fs::read_to_string(&ring_path) {
        Ok(t) => {
            let ring: KeyringFile = serde_json::from_str(&t).map_err(|e| ServiceError::Invalid(format!("keyring {} is unreadable: {e}", ring_path.display())))?;
            Ok(keyring_of(&ring.keys))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if key_file.exists() {
                Ok(SigningKeys::load(key_file)?.keyring())
            } else {
                Ok(Keyring::new())
            }
        }
        Err(e) => Err(io(&ring_path, "read", e)),
    }
}

/// A keyring of published public keys (bad entries are skipped).
pub fn keyring_of(keys: &[PublicKey]) -> Keyring {
    let mut ring = Keyring::new();
    for k in keys {
        if let Some(vk) = parse_public_key(&k.public_key) {
            ring.add(vk);
        }
    }
    ring
}

/// A base64 (or hex) Ed25519 public key.
pub fn parse_public_key(text: &str) -> Option<ed25519_dalek::VerifyingKey> {
    let t = text.trim();
    let bytes = base64::engine::general_purpose::STANDARD.decode(t).ok().filter(|b| b.len() == 32).or_else(|| hex::decode(t).ok())?;
    let arr: [u8; 32] = bytes.try_into().ok()?;
    ed25519_dalek::VerifyingKey::from_bytes(&arr).ok()
}

/// HMAC-SHA-256 (RFC 2104) over the concatenation of `parts`.
pub(crate) fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_private_refused_when_readable_and_rotation_keeps_old_public_keys() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("tearline.key");
        let k1 = SigningKeys::load_or_create(&p).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(SigningKeys::load(&p), Err(ServiceError::Invalid(m)) if m.contains("chmod 600")));
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let again = SigningKeys::load_or_create(&p).unwrap();
        assert_eq!(again.current(), k1.current(), "an existing key is kept");
        let k2 = SigningKeys::rotate(&p).unwrap();
        assert_ne!(k2.current().key_id, k1.current().key_id);
        assert_eq!(k2.public_keys().len(), 2);
        assert!(k2.keyring().get(&k1.current().key_id).is_some(), "old releases keep verifying");
        assert_eq!(parse_public_key(&k1.current().public_key).map(|k| key_id(&k)), Some(k1.current().key_id.clone()));
    }
}
