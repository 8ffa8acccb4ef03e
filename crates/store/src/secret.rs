//! Account secrets: generated high-entropy tokens, stored only as their SHA-256.
//!
//! A secret is `tl_` followed by 43 base64url characters (256 random bits): printable ASCII
//! without spaces, usable both as a Basic-auth password and as a Bearer token. Because the
//! secret is random and long, a single fast hash protects it as well as a slow password hash
//! would protect a weak password, and checking one costs microseconds.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::SecretHash;

/// A new random secret.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("tl_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash(secret: &str) -> SecretHash {
    Sha256::digest(secret.as_bytes()).into()
}

/// Constant-time comparison of a presented secret with a stored hash.
pub fn verify(secret: &str, stored: &SecretHash) -> bool {
    hash(secret).ct_eq(stored).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_distinct_printable_and_verify() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 46);
        assert!(a.bytes().all(|c| c.is_ascii_graphic()));
        assert!(verify(&a, &hash(&a)));
        assert!(!verify(&b, &hash(&a)));
    }
}
