//! Bad certificates on both probe kinds that speak TLS (`http` with an
//! https URL, and `tls`), against real TLS servers on 127.0.0.1 with rcgen
//! certificates: an expired one, one signed by a CA the check does not
//! trust, one for another name and a self-signed one. Each is CRITICAL (the
//! target answered, with a bad certificate) with a plain reason; a good
//! certificate from the trusted CA passes, so the failures are the
//! certificates' and not the set-up's.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use opsdeck::adapters::probe::http::{HttpProber, SharedClient};
use opsdeck::adapters::probe::schedule::run_once;
use opsdeck::adapters::probe::tls::TlsProber;
use opsdeck::adapters::probe::{Cause, Clients, ProbeEnv, Prober};
use opsdeck_core::config::{Probe, Source, parse_source};
use opsdeck_core::metrics::Health;
use opsdeck_core::metrics::board::Board;

const DAY: u64 = 86_400;

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A certificate authority for the tests.
struct Ca {
    cert: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap().der().clone();
    Ca { cert, issuer: Issuer::new(params, key) }
}

/// What a server certificate is like.
struct Leaf<'a> {
    names: &'a [&'a str],
    /// notAfter, in seconds from now (negative: already expired).
    expires_in: i64,
    /// Signed by this CA; self-signed (and marked as a CA, as `openssl req
    /// -x509` makes them) when `None`.
    signed_by: Option<&'a Ca>,
}

fn leaf(l: Leaf<'_>) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    let mut params = CertificateParams::new(l.names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, l.names[0]);
    params.not_before = epoch + Duration::from_secs(now_secs() - 60 * DAY);
    params.not_after = epoch + Duration::from_secs(now_secs().saturating_add_signed(l.expires_in));
    let key = KeyPair::generate().unwrap();
    let cert = match l.signed_by {
        Some(ca) => params.signed_by(&key, &ca.issuer).unwrap(),
        None => {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.self_signed(&key).unwrap()
        }
    };
    (cert.der().clone(), PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())))
}

/// Serves TLS with `cert` on 127.0.0.1 until the test ends, answering any
/// request after a good handshake with `200 OK`; returns the port.
async fn tls_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let (listener, acceptor, port) = common::tls::listener(cert, key).await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // Refused handshakes are what these tests are about.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"status":"healthy"}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn trusting(ca: &Ca) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.add(ca.cert.clone()).unwrap();
    roots
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Http,
    Tls,
}

/// Polls one check of `kind` against `port` once, trusting only `ca`, as
/// `opsdeck status` does: the check's state and the probe's reason.
async fn poll(kind: Kind, port: u16, ca: &Ca) -> (Health, Result<f64, (String, Cause)>) {
    let probe = match kind {
        // By name, so the certificate's name is checked against `localhost`.
        Kind::Http => format!("http = {{ url = \"https://localhost:{port}/health\" }}"),
        Kind::Tls => format!("tls = {{ host = \"127.0.0.1\", port = {port}, server_name = \"localhost\" }}"),
    };
    let text = format!("[deck]\nname = \"certificates\"\n\n[[check]]\nid = \"c\"\n{probe}\n");
    let source = Source::new("plan.toml", text);
    let (plan, diags) = parse_source(&source, &|_| true);
    let Some(plan) = plan else {
        panic!("plan did not load:\n{}", diags.render(&[&source]));
    };
    let check = &plan.checks[0];
    let mut prober = match &check.probe {
        Probe::Http(spec) => {
            let clients = Clients { http: SharedClient::trusting(trusting(ca)), ..Clients::default() };
            let env = ProbeEnv { env: Arc::new(|_| None), base_dir: Default::default(), clients };
            Prober::Http(HttpProber::new(spec, check, &env).unwrap())
        }
        Probe::Tls(spec) => Prober::Tls(TlsProber::with_roots(spec, trusting(ca)).unwrap()),
        _ => unreachable!(),
    };
    let sample = run_once(0, &mut prober, Duration::from_secs(5)).await;
    let mut board = Board::from_plan(&plan);
    board.apply(&sample);
    let outcome = match &sample.result {
        Ok(r) => Ok(r.get("cert_days").expect("cert_days on a TLS run")),
        Err(e) => Err((e.0.clone(), e.1)),
    };
    (board.rows[0].health(), outcome)
}

/// Both kinds refuse the certificate: CRITICAL, with `reason`.
async fn assert_refused(port: u16, ca: &Ca, reason: &str) {
    for kind in [Kind::Http, Kind::Tls] {
        let (health, outcome) = poll(kind, port, ca).await;
        assert_eq!(outcome, Err((reason.to_string(), Cause::TargetFailed)), "{kind:?}");
        assert_eq!(health, Health::Critical, "{kind:?}");
    }
}

#[tokio::test]
async fn a_good_certificate_from_the_trusted_ca_passes() {
    let ca = ca("Test CA");
    let (cert, key) = leaf(Leaf { names: &["localhost"], expires_in: (30 * DAY) as i64, signed_by: Some(&ca) });
    let port = tls_server(cert, key).await;
    for kind in [Kind::Http, Kind::Tls] {
        let (health, outcome) = poll(kind, port, &ca).await;
        let days = outcome.unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
        assert!((days - 30.0).abs() < 0.01, "{kind:?}: cert_days {days}");
        assert_eq!(health, Health::Ok, "{kind:?}");
    }
}

#[tokio::test]
async fn an_expired_certificate_says_how_long_ago() {
    let ca = ca("Test CA");
    let not_after = now_secs() - 3 * DAY;
    let (cert, key) = leaf(Leaf { names: &["localhost"], expires_in: -((3 * DAY) as i64), signed_by: Some(&ca) });
    let port = tls_server(cert, key).await;
    let date = jiff::Timestamp::from_second(not_after as i64).unwrap().strftime("%Y-%m-%d").to_string();
    assert_refused(port, &ca, &format!("certificate expired 3 days ago (not after {date})")).await;
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_names_the_issuer() {
    let trusted = ca("Test CA");
    let other = ca("Other Test CA");
    let (cert, key) = leaf(Leaf { names: &["localhost"], expires_in: (30 * DAY) as i64, signed_by: Some(&other) });
    let port = tls_server(cert, key).await;
    assert_refused(port, &trusted, "certificate issued by unknown CA 'Other Test CA'").await;
}

#[tokio::test]
async fn a_certificate_for_another_name_names_both() {
    let ca = ca("Test CA");
    let (cert, key) = leaf(Leaf { names: &["other.example"], expires_in: (30 * DAY) as i64, signed_by: Some(&ca) });
    let port = tls_server(cert, key).await;
    assert_refused(port, &ca, "certificate for other.example, not localhost").await;
}

#[tokio::test]
async fn a_self_signed_certificate_says_so() {
    let ca = ca("Test CA");
    // Marked as a CA, as `openssl req -x509` makes them: rustls calls this
    // `CaUsedAsEndEntity`, which used to be the whole reason.
    let (cert, key) = leaf(Leaf { names: &["localhost"], expires_in: (30 * DAY) as i64, signed_by: None });
    let port = tls_server(cert, key).await;
    assert_refused(port, &ca, "self-signed certificate").await;
}

#[tokio::test]
async fn a_refused_connection_stays_unknown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let ca = ca("Test CA");
    for kind in [Kind::Http, Kind::Tls] {
        let (health, outcome) = poll(kind, port, &ca).await;
        let (reason, cause) = outcome.expect_err("nothing listens");
        assert_eq!((reason.as_str(), cause), ("connection refused", Cause::NoAnswer), "{kind:?}");
        assert_eq!(health, Health::Unknown, "{kind:?}");
    }
}
