//! Sealing values the console must show again (project keys) under the
//! server's master key, with AES-256-GCM.
//!
//! The master key comes from `KEYSCOPE_MASTER_KEY` (64 hex characters) or,
//! failing that, from `master.key` in the data directory, which the first
//! start writes with mode 0600. Losing it makes sealed values unreadable,
//! so back it up with the database.

use crate::secrets::hex;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::{anyhow, Context};
use rand::rngs::OsRng;
use rand::RngCore;
use std::io::Write;
use std::path::Path;

pub const KEY_FILE: &str = "master.key";
const NONCE_BYTES: usize = 12;

/// Never `Debug`: the key must not reach a log.
pub struct MasterKey(Aes256Gcm);

impl MasterKey {
    /// From the environment's hex text if given, else from (or into) the key file.
    pub fn load_or_create(data_dir: &Path, from_environment: Option<&str>) -> anyhow::Result<Self> {
        if let Some(text) = from_environment {
            return Self::from_hex(text.trim())
                .context("KEYSCOPE_MASTER_KEY must be 64 hex characters (32 bytes)");
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_hex(text.trim())
                .with_context(|| format!("{} is not a valid master key", path.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                OsRng.fill_bytes(&mut bytes);
                write_private(&path, &hex(&bytes))
                    .with_context(|| format!("writing {}", path.display()))?;
                tracing::info!(path = %path.display(), "created the master key file; back it up with the database");
                Ok(Self::from_bytes(&bytes))
            }
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    }

    fn from_hex(text: &str) -> anyhow::Result<Self> {
        let bytes = unhex(text).ok_or_else(|| anyhow!("not hex"))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| anyhow!("not 32 bytes"))?;
        Ok(Self::from_bytes(&bytes))
    }

    fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes)))
    }

    /// `hex(nonce || ciphertext and tag)`, a fresh random nonce each time.
    pub fn seal(&self, plaintext: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_BYTES];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| anyhow!("sealing failed"))?;
        Ok(hex(&[nonce.as_slice(), &ciphertext].concat()))
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        let bytes = unhex(sealed).ok_or_else(|| anyhow!("a sealed value is not hex"))?;
        if bytes.len() <= NONCE_BYTES {
            return Err(anyhow!("a sealed value is too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let plaintext = self
            .0
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow!("a sealed value does not open with this master key"))?;
        String::from_utf8(plaintext).context("a sealed value is not text")
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key() {
        let directory = tempfile::TempDir::new().expect("directory");
        let key = MasterKey::load_or_create(directory.path(), None).expect("created");
        let sealed = key.seal("ksp_secret").expect("sealed");
        assert!(!sealed.contains("ksp_secret"));
        assert_ne!(
            sealed,
            key.seal("ksp_secret").expect("sealed"),
            "a fresh nonce each time"
        );
        let reloaded = MasterKey::load_or_create(directory.path(), None).expect("read back");
        assert_eq!(reloaded.open(&sealed).expect("opened"), "ksp_secret");
        let other =
            MasterKey::load_or_create(directory.path(), Some(&"ab".repeat(32))).expect("from env");
        assert!(other.open(&sealed).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::TempDir::new().expect("directory");
        MasterKey::load_or_create(directory.path(), None).expect("created");
        let mode = std::fs::metadata(directory.path().join(KEY_FILE))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_malformed_environment_key_is_refused() {
        let directory = tempfile::TempDir::new().expect("directory");
        assert!(MasterKey::load_or_create(directory.path(), Some("short")).is_err());
    }
}
