//! The `tls` prober against real TLS servers on 127.0.0.1, started in the
//! test with a self-signed certificate for `localhost`.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opsdeck::adapters::probe::tls::{TlsProber, days_until_expiry};
use opsdeck::adapters::probe::{Cause, ProbeError};
use opsdeck_core::config::check::TlsProbe;
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

const DAY: u64 = 86_400;

/// A self-signed certificate for `localhost` whose notAfter is `days` from
/// now (negative: already expired), with its PKCS#8 key.
fn certificate(days: i64) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.not_before = epoch + (now - Duration::from_secs(60 * DAY));
    let shift = Duration::from_secs(days.unsigned_abs() * DAY);
    params.not_after = epoch + if days >= 0 { now + shift } else { now - shift };
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (cert.der().clone(), key)
}

/// Serves TLS with `cert` on 127.0.0.1 until the test ends; returns the port.
async fn tls_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let (listener, acceptor, port) = common::tls::listener(cert, key).await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // Failed handshakes (untrusted certificates) are expected.
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

fn spec(port: u16, server_name: Option<&str>) -> TlsProbe {
    TlsProbe { host: "127.0.0.1".into(), port, server_name: server_name.map(String::from) }
}

fn trusting(cert: &CertificateDer<'static>) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    roots
}

#[tokio::test]
async fn trusted_certificate_reports_days_left() {
    let (cert, key) = certificate(30);
    let port = tls_server(cert.clone(), key).await;
    let mut p = TlsProber::with_roots(&spec(port, Some("localhost")), trusting(&cert)).unwrap();
    for _ in 0..2 {
        // The second run must do a full handshake too (no resumption).
        let r = p.probe(Duration::from_secs(5)).await.unwrap();
        let days = r.get("cert_days").unwrap();
        assert!((days - 30.0).abs() < 0.01, "cert_days {days}");
        let latency = r.get("latency_ms").unwrap();
        assert!(latency > 0.0 && latency < 5000.0, "latency_ms {latency}");
    }
    assert!((days_until_expiry(cert.as_ref()).unwrap() - 30.0).abs() < 0.01);
}

#[tokio::test]
async fn web_pki_roots_do_not_trust_a_self_signed_certificate() {
    let (cert, key) = certificate(30);
    let port = tls_server(cert, key).await;
    let mut p = TlsProber::new(&spec(port, Some("localhost"))).unwrap();
    let err = p.probe(Duration::from_secs(5)).await.unwrap_err();
    assert_eq!(err, ProbeError::target_failed("self-signed certificate"));
}

#[tokio::test]
async fn expired_certificate_says_how_long_ago() {
    let (cert, key) = certificate(-3);
    let port = tls_server(cert.clone(), key).await;
    let mut p = TlsProber::with_roots(&spec(port, Some("localhost")), trusting(&cert)).unwrap();
    let err = p.probe(Duration::from_secs(5)).await.unwrap_err();
    assert!(err.0.starts_with("certificate expired 3 days ago (not after "), "{err}");
    assert_eq!(err.1, Cause::TargetFailed);
}

#[tokio::test]
async fn certificate_for_another_name_is_refused() {
    let (cert, key) = certificate(30);
    let port = tls_server(cert.clone(), key).await;
    let mut p = TlsProber::with_roots(&spec(port, Some("api.example.com")), trusting(&cert)).unwrap();
    let err = p.probe(Duration::from_secs(5)).await.unwrap_err();
    assert_eq!(err, ProbeError::target_failed("certificate for localhost, not api.example.com"));
}

#[tokio::test]
async fn closed_port_is_connection_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut p = TlsProber::new(&spec(port, None)).unwrap();
    let err = p.probe(Duration::from_secs(5)).await.unwrap_err();
    assert_eq!(err.0, "connection refused");
}

#[tokio::test]
async fn server_that_never_handshakes_times_out() {
    // Accept and hold connections without ever answering.
    let (addr, _server) = common::silent_server().await;
    let port = addr.port();
    let mut p = TlsProber::new(&spec(port, Some("localhost"))).unwrap();
    let started = std::time::Instant::now();
    let err = p.probe(Duration::from_millis(300)).await.unwrap_err();
    assert_eq!(err.0, "timeout after 300ms");
    // Bounded by the timeout: the server would hold the handshake forever.
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[tokio::test]
async fn plain_tcp_server_is_a_handshake_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    let mut p = TlsProber::new(&spec(port, Some("localhost"))).unwrap();
    let err = p.probe(Duration::from_secs(5)).await.unwrap_err();
    assert!(err.0.starts_with("TLS handshake failed"), "{err}");
}

#[test]
fn bad_server_name_is_a_build_error() {
    let err = TlsProber::new(&spec(443, Some("not a name"))).err().unwrap();
    assert_eq!(err.0, "`not a name` is not a valid TLS server name");
}
