//! The log of a real `opsdeck run` (in a pseudo-terminal) says each check's
//! probe failures once per change, not once per poll: a check whose server
//! presents a self-signed certificate (both kinds), one whose port is
//! closed, and one that fails three times and then recovers, all polled
//! every 200 ms for a few seconds.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

use common::pty::Console;

/// A TLS server on 127.0.0.1 with a self-signed certificate for localhost
/// (marked as a CA, as `openssl req -x509` makes them); counts handshakes
/// tried. Returns the port.
async fn self_signed_server(tried: Arc<AtomicUsize>) -> u16 {
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap().der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let (listener, acceptor, port) = common::tls::listener(cert, key).await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tried.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

/// An HTTP server whose first three answers are 503, then 200; counts
/// requests. Returns the port.
async fn flapping_server(served: Arc<AtomicUsize>) -> u16 {
    let router = Router::new().route(
        "/health",
        get(move || {
            let n = served.fetch_add(1, Ordering::SeqCst);
            async move { if n < 3 { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK } }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    port
}

/// Waits until `done` holds, or fails saying what it waited for.
fn wait_until(what: &str, console: &Console, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what} never happened; the screen shows:\n{}", console.text());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_logged_once_per_change_not_per_poll() {
    let https_tried = Arc::new(AtomicUsize::new(0));
    let tls_tried = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let https_port = self_signed_server(https_tried.clone()).await;
    let tls_port = self_signed_server(tls_tried.clone()).await;
    let flapping_port = flapping_server(served.clone()).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);

    let home = tempfile::tempdir().unwrap();
    let plan = home.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            r#"[deck]
name = "log once"

[defaults]
every = "200ms"
timeout = "200ms"

[[check]]
id = "tls-api"
http = {{ url = "https://localhost:{https_port}/health" }}

[[check]]
id = "tls-cert"
tls = {{ host = "127.0.0.1", port = {tls_port}, server_name = "localhost" }}

[[check]]
id = "refused"
http = {{ url = "http://127.0.0.1:{closed_port}/health" }}

[[check]]
id = "flappy"
http = {{ url = "http://127.0.0.1:{flapping_port}/health" }}
"#
        ),
    )
    .unwrap();

    let mut c = Console::start(&["run", plan.to_str().unwrap()], home.path(), 120, 30);
    c.wait_for("tls-api");
    wait_until("four polls of each failing check", &c, || https_tried.load(Ordering::SeqCst) >= 4 && tls_tried.load(Ordering::SeqCst) >= 4);
    wait_until("three failed and three good answers", &c, || served.load(Ordering::SeqCst) >= 6);
    // The console acts on an answer after the server gave it: wait for what
    // it logged and shows, then for more polls after that, none of which
    // may log again.
    let log_path = home.path().join("state/opsdeck/opsdeck.log");
    let changes = ["tls-api: CRITICAL", "tls-cert: CRITICAL", "refused: UNKNOWN", "flappy: CRITICAL", "flappy: recovered"];
    wait_until("the log to record each change", &c, || {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        changes.iter().all(|line| log.contains(line))
    });
    let polls = |n: &AtomicUsize| n.load(Ordering::SeqCst);
    let (https, tls, flappy) = (polls(&https_tried), polls(&tls_tried), polls(&served));
    wait_until("three more polls of each check", &c, || {
        polls(&https_tried) >= https + 3 && polls(&tls_tried) >= tls + 3 && polls(&served) >= flappy + 3
    });
    let critical =
        |s: &str, id: &str| s.lines().any(|l| l.contains(&format!("CRIT {id} ")) && l.contains("failed: self-signed certificate"));
    let screen = c.wait_screen("both certificate checks shown critical", Duration::from_secs(20), |s| {
        critical(s, "tls-api") && critical(s, "tls-cert")
    });
    c.press(b"q");
    assert!(c.wait_exit(), "clean exit");

    let log = std::fs::read_to_string(&log_path).unwrap();
    let about = |check: &str| -> Vec<String> {
        let prefix = format!("{check}: ");
        log.lines().filter_map(|l| l.split_once(prefix.as_str()).map(|(_, rest)| format!("{prefix}{rest}"))).collect()
    };
    assert!(!log.lines().any(|l| l.contains(" ERROR ")), "no ERROR lines:\n{log}");
    // Once per change, never per poll: no check logs a line twice in a row.
    // And apart from timeouts (on a busy machine a probe can miss its 200 ms:
    // a change of its own, logged once), each check tells exactly this.
    let told = |check: &str| -> Vec<String> {
        let lines = about(check);
        assert!(lines.windows(2).all(|w| w[0] != w[1]), "{check} logged a line twice in a row:\n{log}");
        let mut told: Vec<String> = lines.into_iter().filter(|l| !l.contains(": UNKNOWN: timeout after ")).collect();
        told.dedup();
        told
    };
    assert_eq!(told("tls-api"), ["tls-api: CRITICAL: self-signed certificate"], "{log}");
    assert_eq!(told("tls-cert"), ["tls-cert: CRITICAL: self-signed certificate"], "{log}");
    assert_eq!(told("refused"), ["refused: UNKNOWN: connection refused"], "{log}");
    assert_eq!(told("flappy"), ["flappy: CRITICAL: HTTP 503 Service Unavailable", "flappy: recovered"], "{log}");
    // Information, not warnings: the console shows these states itself, and
    // the status bar's warning count is for opsdeck's own troubles.
    for line in ["refused: UNKNOWN", "tls-api: CRITICAL", "flappy: recovered"] {
        let level = log.lines().find(|l| l.contains(line)).and_then(|l| l.split_whitespace().nth(1));
        assert_eq!(level, Some("INFO"), "{line}: {log}");
    }
    assert!(!screen.contains("logged to opsdeck.log"), "no warnings counted:\n{screen}");
    // And the console says the same, in the same words.
    for id in ["tls-api", "tls-cert"] {
        let row = screen.lines().find(|l| l.contains(&format!("CRIT {id} ")));
        assert!(row.is_some_and(|r| r.contains("failed: self-signed certificate")), "{id}:\n{screen}");
    }
}
