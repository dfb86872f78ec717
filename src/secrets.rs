//! Encryption of platform credentials at rest (SRC-3): XChaCha20-Poly1305 with a random 24-byte
//! nonce per value, keyed by `ORDERHUB_SECRET_KEY`. The stored text is base64(nonce ‖ ciphertext).

use crate::domain::credentials::Credentials;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt;

/// Binds ciphertexts to their purpose, so one encrypted value cannot be replayed as another kind.
const AAD: &[u8] = b"orderhub/source-credentials/v1";

#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// Reads the base64 form of `ORDERHUB_SECRET_KEY`; it must decode to exactly 32 bytes.
    pub fn from_base64(s: &str) -> Result<SecretKey, String> {
        let bytes = B64
            .decode(s.trim())
            .map_err(|_| "ORDERHUB_SECRET_KEY is not valid base64".to_string())?;
        let key: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "ORDERHUB_SECRET_KEY must decode to 32 bytes, got {}",
                b.len()
            )
        })?;
        Ok(SecretKey(key))
    }

    pub fn generate() -> SecretKey {
        SecretKey(rand::random())
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    pub fn encrypt_credentials(&self, creds: &Credentials) -> String {
        let plain = serde_json::to_vec(creds).expect("credentials serialise");
        let nonce_bytes: [u8; 24] = rand::random();
        let nonce = XNonce::from_slice(&nonce_bytes);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let ct = cipher
            .encrypt(
                nonce,
                Payload {
                    msg: &plain,
                    aad: AAD,
                },
            )
            .expect("encryption with a valid key cannot fail");
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ct);
        B64.encode(out)
    }

    /// The key of a platform account (issue 19: one account, one source unless asked): an
    /// HMAC-SHA256 of the platform and the account's identity (`platforms::account_identity`),
    /// under a subkey of this key, in hex. Equal accounts have equal keys, so a second source of
    /// one account is found by an indexed lookup; without `ORDERHUB_SECRET_KEY` a stored key
    /// tells nothing of the token or login, unlike a plain hash, which a low-entropy login would
    /// give away to a guesser.
    pub fn account_key(&self, platform: crate::domain::Platform, identity: &str) -> String {
        use hmac::{Hmac, Mac};
        type HmacSha256 = Hmac<sha2::Sha256>;
        let mut sub =
            <HmacSha256 as Mac>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        sub.update(b"orderhub/source-account/v1");
        let subkey = sub.finalize().into_bytes();
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&subkey).expect("HMAC accepts any key length");
        mac.update(platform.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(identity.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Fails when the value was written with another key or was tampered with.
    pub fn decrypt_credentials(&self, stored: &str) -> Result<Credentials, String> {
        let raw = B64
            .decode(stored)
            .map_err(|_| "stored credentials are not base64".to_string())?;
        if raw.len() < 24 + 16 {
            return Err("stored credentials are truncated".into());
        }
        let (nonce, ct) = raw.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: AAD })
            .map_err(|_| {
                "stored credentials cannot be decrypted: ORDERHUB_SECRET_KEY differs from the one they were saved with".to_string()
            })?;
        serde_json::from_slice(&plain).map_err(|_| "stored credentials are malformed".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: SRC-3
    #[test]
    fn credentials_round_trip_and_never_appear_in_ciphertext() {
        let key = SecretKey::generate();
        let creds = Credentials {
            token: Some("planted-secret-123".into()),
            ..Default::default()
        };
        let stored = key.encrypt_credentials(&creds);
        assert!(!stored.contains("planted-secret-123"));
        assert_ne!(
            stored,
            key.encrypt_credentials(&creds),
            "nonce must be random"
        );
        assert_eq!(key.decrypt_credentials(&stored).unwrap(), creds);
        let other = SecretKey::generate();
        assert!(other.decrypt_credentials(&stored).is_err());
    }

    #[test]
    fn key_must_be_32_bytes_of_base64() {
        assert!(SecretKey::from_base64("c2hvcnQ=").is_err());
        assert!(SecretKey::from_base64("***").is_err());
        let k = SecretKey::generate();
        assert!(SecretKey::from_base64(&k.to_base64()).is_ok());
        assert!(!format!("{k:?}").contains(&k.to_base64()));
    }
}
