//! The `http` probe against real HTTP servers started here on 127.0.0.1:
//! statuses, JSON assertions, body caps, timeouts (slow and hung targets),
//! refused connections, headers from the environment, POST bodies and
//! redirects. Checks are built from plan text, as `opsdeck run` builds them.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use opsdeck::adapters::probe::http::HttpProber;
use opsdeck::adapters::probe::{Cause, Clients, ProbeEnv, ProbeError, ProbeResult};
use opsdeck_core::config::{Check, Probe, Source, parse_source};

/// Serves `router` on a fresh port; returns `http://127.0.0.1:PORT`.
async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A server for the usual cases.
async fn app() -> String {
    serve(
        Router::new()
            .route(
                "/health",
                get(|| async {
                    axum::Json(json!({
                        "status": "healthy",
                        "database": "connected",
                        "queue": { "depth": 12 },
                    }))
                }),
            )
            .route("/degraded", get(|| async { axum::Json(json!({"status": "healthy", "database": "down"})) }))
            .route("/broken", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }))
            .route("/html", get(|| async { "<html><body>maintenance</body></html>" }))
            .route("/empty", any(|| async { StatusCode::NO_CONTENT }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    "late"
                }),
            )
            .route("/huge", get(huge))
            .route("/echo", any(echo))
            .route(
                "/private",
                get(|headers: HeaderMap| async move {
                    match headers.get("x-token") {
                        Some(v) if v == TOKEN => StatusCode::OK,
                        _ => StatusCode::UNAUTHORIZED,
                    }
                }),
            )
            .route("/old", get(|| async { Redirect::temporary("/health") })),
    )
    .await
}

/// 20 MB streamed in 64 KiB chunks, with no Content-Length, and then the
/// body never ends: a prober that read on past its cap would time out.
async fn huge() -> Response {
    use futures::StreamExt;
    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let chunks = futures::stream::iter((0..320).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    Body::from_stream(chunks.chain(futures::stream::pending())).into_response()
}

/// Answers with what arrived: method, `x-token` header, content type and
/// the body's `ping` field.
async fn echo(method: Method, headers: HeaderMap, body: String) -> axum::Json<Value> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let sent: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    axum::Json(json!({
        "method": method.as_str(),
        "token": text("x-token"),
        "content_type": text(header::CONTENT_TYPE.as_str()),
        "ping": sent.get("ping"),
    }))
}

/// The first check of a plan whose `[[check]]` body is `check`.
fn check(check: &str) -> Check {
    let text = format!("[deck]\nname = \"probe tests\"\n\n[[check]]\nid = \"c\"\n{check}\n");
    let source = Source::new("plan.toml", text);
    let (plan, diags) = parse_source(&source, &|_| true);
    let Some(mut plan) = plan else {
        panic!("plan did not load:\n{}", diags.render(&[&source]));
    };
    plan.checks.remove(0)
}

fn env_with(vars: &[(&str, &str)]) -> ProbeEnv {
    let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ProbeEnv { env: Arc::new(move |k| vars.get(k).cloned()), base_dir: PathBuf::new(), clients: Clients::default() }
}

fn prober(check: &Check, env: &ProbeEnv) -> Result<HttpProber, ProbeError> {
    let Probe::Http(spec) = &check.probe else {
        panic!("not an http check");
    };
    HttpProber::new(spec, check, env)
}

/// Builds the check (URL from `TARGET_URL`) and runs it once.
async fn run(check_text: &str, url: &str, timeout: Duration) -> ProbeResult {
    let env = env_with(&[("TARGET_URL", url)]);
    prober(&check(check_text), &env)?.probe(timeout).await
}

fn reason(r: ProbeResult) -> String {
    match r {
        Ok(reading) => panic!("expected an error, got {reading:?}"),
        Err(e) => e.0,
    }
}

const SECOND: Duration = Duration::from_secs(1);
/// The budget of a probe that must get its answer: generous, since the
/// machine may be busy (an answer comes at once; only a failure waits it out).
const ANSWER: Duration = Duration::from_secs(10);

#[tokio::test]
async fn healthy_json_passes_and_yields_numbers() {
    let base = app().await;
    let r = run(
        r#"http = { url_env = "TARGET_URL" }
assert = ['$.status == "healthy"', '$.database == "connected"']
value = "$.queue.depth""#,
        &format!("{base}/health"),
        ANSWER,
    )
    .await
    .unwrap();
    assert_eq!(r.get("$.queue.depth"), Some(12.0));
    assert_eq!(r.get("status"), Some(200.0));
    let latency = r.get("latency_ms").unwrap();
    assert!(latency > 0.0 && latency < ANSWER.as_secs_f64() * 1000.0, "in milliseconds, within the budget: {latency}");
    assert_eq!(r.get("cert_days"), None, "plain http has no certificate");
}

#[tokio::test]
async fn the_first_failing_assertion_is_the_reason() {
    let base = app().await;
    let r = run(
        r#"http = { url_env = "TARGET_URL" }
assert = ['$.status == "healthy"', '$.database == "connected"']"#,
        &format!("{base}/degraded"),
        ANSWER,
    )
    .await;
    assert_eq!(reason(r), r#"$.database was "down""#);
}

#[tokio::test]
async fn unexpected_status_is_the_reason() {
    let base = app().await;
    let r = run(r#"http = { url_env = "TARGET_URL" }"#, &format!("{base}/broken"), ANSWER).await;
    assert_eq!(r.as_ref().err().map(|e| e.1), Some(Cause::TargetFailed), "the server answered: critical, not unknown");
    assert_eq!(reason(r), "HTTP 500 Internal Server Error");
}

#[tokio::test]
async fn garbage_bodies_fail_assertions() {
    let base = app().await;
    let url = format!("{base}/html");
    let r = run("http = { url_env = \"TARGET_URL\" }\nassert = ['$.status']", &url, ANSWER).await;
    assert_eq!(reason(r), "body is not JSON");
    // Without assertions the body is not parsed at all.
    let r = run("http = { url_env = \"TARGET_URL\" }", &url, ANSWER).await;
    assert_eq!(r.unwrap().get("status"), Some(200.0));
}

#[tokio::test]
async fn huge_bodies_stop_at_the_cap_quickly() {
    let base = app().await;
    // The body never ends, so this reason (not a timeout) means the read
    // stopped at the cap.
    let r = run(r#"http = { url_env = "TARGET_URL", max_body = "64KiB" }"#, &format!("{base}/huge"), ANSWER).await;
    assert_eq!(reason(r), "body larger than 64KiB");
}

#[tokio::test]
async fn slow_endpoints_time_out() {
    let base = app().await;
    let started = Instant::now();
    let r = run(r#"http = { url_env = "TARGET_URL" }"#, &format!("{base}/slow"), Duration::from_millis(300)).await;
    assert_eq!(reason(r), "timeout after 300ms");
    assert!(started.elapsed() < 5 * SECOND, "well before the endpoint's 10 s answer: {:?}", started.elapsed());
}

/// Accepts connections and never answers.
async fn hung_target() -> String {
    let (addr, _server) = common::silent_server().await;
    format!("http://{addr}/health")
}

#[tokio::test]
async fn a_hung_target_does_not_delay_a_healthy_one() {
    let healthy_url = format!("{}/health", app().await);
    let hung_url = hung_target().await;
    // One environment, so both probers share one HTTP client.
    let env = env_with(&[("HUNG", &hung_url), ("HEALTHY", &healthy_url)]);
    let mut hung = prober(&check(r#"http = { url_env = "HUNG" }"#), &env).unwrap();
    let mut healthy = prober(&check("http = { url_env = \"HEALTHY\" }\nassert = ['$.status == \"healthy\"']"), &env).unwrap();

    // The hung probe is under way first; the healthy one must answer while
    // it still hangs (it cannot end before its timeout).
    let hung_timeout = 3 * SECOND;
    let started = Instant::now();
    let hung_probe = hung.probe(hung_timeout);
    tokio::pin!(hung_probe);
    let healthy_result = tokio::select! {
        biased;
        r = &mut hung_probe => panic!("the hung probe ended before the healthy one: {r:?}"),
        r = healthy.probe(ANSWER) => r,
    };
    eprintln!("healthy answered after {:?}, the hung target still hanging", started.elapsed());
    assert!(healthy_result.is_ok(), "{healthy_result:?}");
    assert_eq!(reason(hung_probe.await), "timeout after 3s");
    let total = started.elapsed();
    assert!(total < 2 * hung_timeout, "bounded by its own timeout: {total:?}");
}

#[tokio::test]
async fn refused_connections_say_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let r = run(r#"http = { url_env = "TARGET_URL" }"#, &format!("http://{addr}/health"), ANSWER).await;
    assert_eq!(r.as_ref().err().map(|e| e.1), Some(Cause::NoAnswer), "no answer: unknown");
    assert_eq!(reason(r), "connection refused");
}

const TOKEN: &str = "tok-9f8e7d6c5b4a";
const PASSWORD: &str = "hunter2-password";
const QUERY_TOKEN: &str = "q-1a2b3c4d";

#[tokio::test]
async fn header_values_from_the_environment_arrive_and_never_leak() {
    let base = app().await;
    let env = env_with(&[("API_TOKEN", TOKEN), ("TARGET_URL", &format!("{base}/echo"))]);
    let text = |assert: &str| {
        check(&format!("http = {{ url_env = \"TARGET_URL\", headers_env = {{ x-token = \"API_TOKEN\" }} }}\nassert = ['{assert}']"))
    };

    // The server answers 200 only when the header carries the value.
    let private = check("http = { url_env = \"TARGET_URL\", headers_env = { x-token = \"API_TOKEN\" } }");
    let env_private = env_with(&[("API_TOKEN", TOKEN), ("TARGET_URL", &format!("{base}/private"))]);
    let ok = prober(&private, &env_private).unwrap().probe(ANSWER).await;
    assert_eq!(ok.unwrap().get("status"), Some(200.0));
    let wrong = env_with(&[("API_TOKEN", "not-the-token"), ("TARGET_URL", &format!("{base}/private"))]);
    let denied = prober(&private, &wrong).unwrap().probe(ANSWER).await;
    assert_eq!(reason(denied), "HTTP 401 Unauthorized");

    // The server echoes the token and the assertion fails on it: the reason
    // names the path, not the value.
    let sent = prober(&text("$.token == \"something else\""), &env).unwrap().probe(ANSWER).await;
    assert_eq!(reason(sent), r#"$.token was "…""#);

    // An unset variable names the variable.
    let missing = prober(&text("$.token"), &env_with(&[("TARGET_URL", &base)]));
    let Err(e) = missing else {
        panic!("built without API_TOKEN");
    };
    assert_eq!(e.0, "environment variable API_TOKEN is not set");
}

#[tokio::test]
async fn urls_with_credentials_and_tokens_never_leak() {
    let base = app().await;
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let hung = hung_target().await;
    let with_secrets = |url: &str| {
        let u = url.replacen("http://", &format!("http://ops:{PASSWORD}@"), 1);
        format!("{u}?token={QUERY_TOKEN}")
    };
    let cases = [
        (format!("{base}/broken"), "HTTP 500"),
        (format!("{base}/degraded"), "$.database"),
        (format!("{base}/html"), "body is not JSON"),
        (format!("http://{refused}/x"), "connection refused"),
        (hung, "timeout after"),
        ("http://no-such-host.invalid/x".to_string(), "DNS lookup failed for no-such-host.invalid"),
    ];
    for (url, expected) in cases {
        let env = env_with(&[("TARGET_URL", &with_secrets(&url)), ("API_TOKEN", TOKEN)]);
        let c = check(
            "http = { url_env = \"TARGET_URL\", headers_env = { Authorization = \"API_TOKEN\" } }\nassert = ['$.database == \"connected\"']",
        );
        // Only the hung target waits its budget out.
        let budget = if expected == "timeout after" { SECOND } else { ANSWER };
        let why = reason(prober(&c, &env).unwrap().probe(budget).await);
        assert!(why.starts_with(expected), "{url}: {why}");
        for secret in [TOKEN, PASSWORD, QUERY_TOKEN] {
            assert!(!why.contains(secret), "{url}: {why}");
        }
    }
}

#[tokio::test]
async fn posts_a_body_with_inline_headers() {
    let base = app().await;
    let r = run(
        r#"http = { url_env = "TARGET_URL", method = "post", body = '{"ping": 7}', headers = { x-token = "inline-value" } }
assert = ['$.method == "POST"', '$.content_type == "application/json"', '$.token == "inline-value"']
value = "$.ping""#,
        &format!("{base}/echo"),
        ANSWER,
    )
    .await
    .unwrap();
    assert_eq!(r.get("$.ping"), Some(7.0));
}

#[tokio::test]
async fn an_expected_status_is_checked_exactly() {
    let base = app().await;
    let url = format!("{base}/empty");
    let r = run(r#"http = { url_env = "TARGET_URL", status = 204 }"#, &url, ANSWER).await.unwrap();
    assert_eq!(r.get("status"), Some(204.0));
    let health = format!("{base}/health");
    let r = run(r#"http = { url_env = "TARGET_URL", status = 204 }"#, &health, ANSWER).await;
    assert_eq!(reason(r), "HTTP 200 OK");
}

#[tokio::test]
async fn redirects_are_followed_only_on_the_same_host() {
    let base = app().await;
    let r = run("http = { url_env = \"TARGET_URL\" }\nassert = ['$.status == \"healthy\"']", &format!("{base}/old"), ANSWER).await.unwrap();
    assert_eq!(r.get("status"), Some(200.0));

    // 127.0.0.1 → localhost is another host: not followed.
    let port = base.rsplit(':').next().unwrap().to_string();
    let target = format!("http://localhost:{port}/health?k=secret-1234");
    let elsewhere = serve(Router::new().route("/moved", get(move || async move { Redirect::temporary(&target) }))).await;
    let r = run(r#"http = { url_env = "TARGET_URL" }"#, &format!("{elsewhere}/moved"), ANSWER).await;
    assert_eq!(reason(r), format!("HTTP 307 Temporary Redirect (redirect to http://localhost:{port}/health not followed)"));
}

#[tokio::test]
async fn bad_settings_fail_when_built() {
    let env = env_with(&[("TARGET_URL", "ftp://example.test/")]);
    let e = prober(&check(r#"http = { url_env = "TARGET_URL" }"#), &env).err();
    assert_eq!(e.map(|e| e.0).as_deref(), Some("URL in TARGET_URL has scheme `ftp`; expected http or https"));
    let e = prober(&check(r#"http = { url_env = "NOPE" }"#), &env).err();
    assert_eq!(e.map(|e| e.0).as_deref(), Some("environment variable NOPE is not set"));
}
