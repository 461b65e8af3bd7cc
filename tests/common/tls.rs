//! TLS servers for the certificate tests: a listener on 127.0.0.1 with its
//! rustls acceptor (the provider the binary uses), for a test to serve as
//! it needs.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A loopback listener that presents `cert`, its acceptor and its port.
pub async fn listener(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> (TcpListener, TlsAcceptor, u16) {
    let provider = opsdeck::tls::provider();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("a usable certificate");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let port = listener.local_addr().expect("its address").port();
    (listener, TlsAcceptor::from(Arc::new(config)), port)
}
