//! Signing JSON webhook bodies (`secret_env`): `X-Opsdeck-Timestamp` is the
//! send time in Unix seconds, and `X-Opsdeck-Signature` is `sha256=` and
//! the lower-case hex HMAC-SHA256, keyed with the secret, of the timestamp,
//! a `.`, and the exact body bytes. A receiver recomputes it over the raw
//! body and compares in constant time, and rejects timestamps too far from
//! its clock (a replay window), so a captured request cannot be sent again
//! later. Each attempt is signed afresh, at its own time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header with the Unix time the request was signed at.
pub const TIMESTAMP_HEADER: &str = "X-Opsdeck-Timestamp";
/// The header with `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Opsdeck-Signature";

/// `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_openssl() {
        // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 's3cret'
        let want = "sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940";
        assert_eq!(signature("s3cret", 1_700_000_000, br#"{"a":1}"#), want);
        assert_ne!(signature("s3cret", 1, b"x"), signature("s3cret", 2, b"x"), "the timestamp is signed");
    }
}
