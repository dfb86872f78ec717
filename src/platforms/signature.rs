//! Webhook signatures of Shopify and WooCommerce (WH-1): base64(HMAC-SHA256(secret, raw body)),
//! compared in constant time. Both platforms use the same recipe; tests pin the notes' vectors.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The signature header value for `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `header` is the signature of exactly these bytes. Malformed headers are simply wrong.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let claimed = match STANDARD.decode(header.trim()) {
        Ok(bytes) if bytes.len() == 32 => bytes,
        _ => return false,
    };
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    mac.verify_slice(&claimed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: WH-1 — the vectors of platforms/shopify.md §1.4 and platforms/woocommerce.md §1.5
    #[test]
    fn known_vectors() {
        assert_eq!(
            sign(b"shopify-demo-client-secret", b"{\"id\":1}"),
            "PzVoOPmDlVfekxBZRN1HqJ8Eve6I9IgJtaSjxSHcfWk="
        );
        assert_eq!(
            sign(b"wc-demo-webhook-secret", b"{\"id\":1}"),
            "OTM4Loh/rqOCo0KS1IPoMEw7crVsd3ek3Teoz1aiFEo="
        );
        assert!(verify(
            b"wc-demo-webhook-secret",
            b"{\"id\":1}",
            "OTM4Loh/rqOCo0KS1IPoMEw7crVsd3ek3Teoz1aiFEo="
        ));
    }

    // covers: WH-1
    #[test]
    fn anything_else_fails() {
        let good = sign(b"s", b"{\"id\":1}");
        assert!(!verify(b"s", b"{\"id\":2}", &good), "tampered body");
        assert!(!verify(b"other", b"{\"id\":1}", &good), "other secret");
        assert!(!verify(b"s", b"{ \"id\":1}", &good), "re-serialised body");
        assert!(!verify(b"s", b"{\"id\":1}", ""), "missing");
        assert!(!verify(b"s", b"{\"id\":1}", "not base64!"), "garbage");
        assert!(!verify(b"s", b"{\"id\":1}", "AAAA"), "short");
    }
}
