//! The one rustls crypto provider of the whole binary: aws-lc-rs, chosen
//! on purpose because reqwest's `rustls` feature (and so
//! prometheus-http-query's `rustls-tls`) builds on it and sqlx offers it
//! (`tls-rustls-aws-lc-rs`), so one provider serves HTTP, PostgreSQL and
//! Redis. [`provider`] installs it as the process default once: the Redis
//! client and sqlx's verifiers build their TLS configs from that default,
//! and rustls refuses to pick one by itself when the dependency tree has
//! more than one. Everything that makes a TLS client calls it first, so the
//! binary and tests that use the library in-process behave alike.

use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;

/// The provider, installed as the process default on first use.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            let ours = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            // Err: a default was installed already (by a test harness, say); ours is used where we choose.
            let _ = CryptoProvider::install_default(CryptoProvider::clone(&ours));
            ours
        })
        .clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_is_installed() {
        let ours = super::provider();
        let default = rustls::crypto::CryptoProvider::get_default().expect("a process default");
        assert_eq!(default.cipher_suites.len(), ours.cipher_suites.len());
    }
}
