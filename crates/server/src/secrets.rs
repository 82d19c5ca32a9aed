//! Drawing secrets from the OS and turning them into what may be stored:
//! SHA-256 digests for key secrets, argon2 hashes for passwords.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use keyscope_model::keys::RANDOM_LENGTH;
use keyscope_model::{base62_from_random_bytes, KeySecret};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh key secret with ~131 bits from the OS random source.
pub fn generate_key_secret(environment: &str) -> anyhow::Result<KeySecret> {
    let random = random_base62(RANDOM_LENGTH);
    KeySecret::compose(environment, &random)
        .map_err(|error| anyhow::anyhow!("composing a key secret: {error:?}"))
}

/// The only form of a key secret the store keeps.
pub fn digest(secret: &KeySecret) -> String {
    digest_text(secret.expose())
}

/// Hex SHA-256, for tokens with enough entropy that a fast hash is safe.
pub fn digest_text(text: &str) -> String {
    hex(&raw_digest(text))
}

/// The SHA-256 behind [`digest_text`], as bytes: what the key cache is
/// found by, with no hex text built per call.
pub fn raw_digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// Lowercase hex, two characters a byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// An opaque random token (sessions, CSRF): 32 base62 characters, ~190 bits.
pub fn random_token() -> String {
    random_base62(32)
}

/// Checks a password against its argon2 hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Compares secrets without leaking, through timing, how much matched.
pub fn constant_time_equal(left: &str, right: &str) -> bool {
    left.len() == right.len()
        && left
            .bytes()
            .zip(right.bytes())
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

/// A password for a generated account: shown once, stored only as a hash.
pub struct Password(String);

impl Password {
    pub fn generate() -> Self {
        Self(random_base62(24))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))
    }
}

fn random_base62(length: usize) -> String {
    let mut text = String::with_capacity(length);
    while text.len() < length {
        let mut bytes = [0u8; 64];
        OsRng.fill_bytes(&mut bytes);
        text.push_str(&base62_from_random_bytes(bytes));
    }
    text.truncate(length);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_valid_and_distinct() {
        let first = generate_key_secret("live").expect("generated");
        let second = generate_key_secret("live").expect("generated");
        assert!(KeySecret::parse(first.expose()).is_ok());
        assert_ne!(first.expose(), second.expose());
    }

    #[test]
    fn the_digest_is_hex_sha256_and_does_not_contain_the_secret() {
        let secret = generate_key_secret("test").expect("generated");
        let digest = digest(&secret);
        assert_eq!(digest.len(), 64);
        assert!(!digest.contains(&secret.expose()[8..]));
    }

    #[test]
    fn password_hashes_are_argon2_and_salted() {
        let password = Password::generate();
        let first = password.hash().expect("hashed");
        assert!(first.starts_with("$argon2"));
        assert_ne!(first, password.hash().expect("hashed"));
        assert!(!first.contains(password.expose()));
    }
}
