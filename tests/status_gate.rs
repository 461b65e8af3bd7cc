//! `opsdeck status --for …` as a deploy gate (the real binary against HTTP
//! servers started here on 127.0.0.1): a healthy target passes after every
//! round, one that turns CRITICAL fails the run early, one that stops
//! listening ends it inconclusive; a single round with CRITICAL and UNKNOWN
//! checks exits 2; `--json` reports every assertion; bad flags exit 4.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves `router` on a fresh port; returns `http://127.0.0.1:PORT`.
async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Healthy for the first `healthy` requests, HTTP 500 after.
async fn turning_critical(healthy: usize) -> String {
    let served = Arc::new(AtomicUsize::new(0));
    serve(
        Router::new().route(
            "/health",
            get(move || {
                let n = served.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < healthy { (StatusCode::OK, r#"{"status":"healthy"}"#) } else { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }
                }
            }),
        ),
    )
    .await
}

/// Answers `answers` requests (one per connection) and then stops
/// listening: later connections are refused.
async fn stops_listening(answers: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for _ in 0..answers {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let body = r#"{"status":"healthy"}"#;
            let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            let _ = socket.write_all(answer.as_bytes()).await;
        }
        // The listener is dropped here.
    });
    format!("http://{addr}")
}

/// A port nothing listens on.
async fn refused() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn check(id: &str, url: &str, extra: &str) -> String {
    format!("[[check]]\nid = \"{id}\"\ntimeout = \"1s\"\nhttp = {{ url = \"{url}/health\" }}\n{extra}\n")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: not JSON:\n{}\n{}", self.stdout, self.stderr))
    }
}

async fn status(dir: &Path, checks: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let plan = dir.join("plan.toml");
    std::fs::write(&plan, format!("[deck]\nname = \"gate\"\n\n{checks}")).unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.arg("status").arg(&plan).args(args).env("XDG_STATE_HOME", dir.join("state")).env_remove("OPSDECK_STORE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output().await.unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        took: started.elapsed(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_target_passes_after_every_round() {
    let dir = tempfile::tempdir().unwrap();
    let url = turning_critical(usize::MAX).await;
    let checks = check("api", &url, r#"assert = ['$.status == "healthy"']"#);
    let run = status(dir.path(), &checks, &["--for", "2s", "--every", "200ms", "--json"], &[]).await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "successful");
    assert_eq!(report["rounds"], 10, "2s every 200ms");
    assert!(run.took >= Duration::from_millis(1800), "it watched for the whole span: {:?}", run.took);
    for key in ["started", "finished"] {
        let at = report[key].as_str().unwrap();
        assert!(at.ends_with('Z') && at.parse::<jiff::Timestamp>().is_ok(), "{key} is RFC 3339 UTC: {at}");
    }
    let api = &report["checks"][0];
    assert_eq!((api["id"].as_str(), api["state"].as_str()), (Some("api"), Some("OK")), "{api}");
    assert_eq!((api["failures"].as_u64(), api["unknowns"].as_u64()), (Some(0), Some(0)));
    assert_eq!(api["conditions"], json!([{"condition": "$.status == \"healthy\"", "passed": true, "actual": "healthy"}]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_turns_critical_fails_the_run_early() {
    let dir = tempfile::tempdir().unwrap();
    let url = turning_critical(2).await;
    let checks = check("api", &url, "raise_after = 1");
    let args = ["--for", "6s", "--every", "200ms", "--failure-limit", "1", "--json"];
    let run = status(dir.path(), &checks, &args, &[]).await;
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "failed");
    assert_eq!(report["rounds"], 4, "two healthy rounds, then two failures exceed the limit of 1");
    assert!(run.took < Duration::from_secs(4), "stopped long before --for: {:?}", run.took);
    let api = &report["checks"][0];
    assert_eq!((api["state"].as_str(), api["failures"].as_u64()), (Some("CRITICAL"), Some(2)), "{api}");
    assert!(api["reason"].as_str().unwrap().contains("HTTP 500"), "{api}");
    assert_eq!(api["conditions"], json!([]), "no assertions, none reported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_stops_listening_ends_the_run_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    let url = stops_listening(2).await;
    let checks = check("api", &url, "");
    let args = ["--for", "6s", "--every", "200ms", "--inconclusive-limit", "1"];
    let run = status(dir.path(), &checks, &args, &[]).await;
    assert_eq!(run.code, Some(3), "{}\n{}", run.stdout, run.stderr);
    assert!(run.took < Duration::from_secs(4), "stopped long before --for: {:?}", run.took);
    assert!(run.stderr.contains("round 1/30: 0 critical, 0 unknown — failures 0/0, inconclusive 0/1"), "{}", run.stderr);
    assert!(run.stderr.contains("round 4/30: 0 critical, 1 unknown (api) — failures 0/0, inconclusive 2/1"), "{}", run.stderr);
    assert!(run.stdout.starts_with("STATE"), "the table: {}", run.stdout);
    assert!(run.stdout.contains("connection refused"), "{}", run.stdout);
    let verdict = run.stdout.lines().last().unwrap();
    assert_eq!(verdict, "verdict: inconclusive after 4 of 30 rounds (inconclusive rounds 2 > limit 1)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_round_with_a_critical_and_an_unknown_check_exits_critical() {
    let dir = tempfile::tempdir().unwrap();
    let (broken, gone) = (turning_critical(0).await, refused().await);
    let checks = format!("{}{}", check("gone", &gone, ""), check("broken", &broken, ""));
    let run = status(dir.path(), &checks, &[], &[]).await;
    assert_eq!(run.code, Some(2), "CRITICAL anywhere is 2, even beside UNKNOWN:\n{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.lines().count(), 3, "one round, the table alone:\n{}", run.stdout);
    let run = status(dir.path(), &checks, &["--json"], &[]).await;
    assert_eq!(run.code, Some(2));
    let report = run.json();
    assert_eq!((report["verdict"].as_str(), report["rounds"].as_u64()), (Some("failed"), Some(1)));
    let states: Vec<&str> = report["checks"].as_array().unwrap().iter().filter_map(|c| c["state"].as_str()).collect();
    assert_eq!(states, ["UNKNOWN", "CRITICAL"]);
    assert_eq!(report["checks"][0]["unknowns"], 1);
    assert_eq!(report["checks"][1]["failures"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_list_every_assertion_with_what_was_found() {
    const TOKEN: &str = "tok-5150-very-secret";
    let dir = tempfile::tempdir().unwrap();
    let url = serve(
        Router::new().route("/health", get(|| async { axum::Json(json!({"status": "healthy", "database": "down", "token": TOKEN})) })),
    )
    .await;
    let asserts = r#"assert = ['$.status == "healthy"', '$.database == "connected"', '$.token == "x"']"#;
    let checks = check("api", &url, asserts).replace("/health\" }", "/health\", headers_env = { \"x-token\" = \"API_TOKEN\" } }");
    let run = status(dir.path(), &checks, &["--json"], &[("API_TOKEN", TOKEN)]).await;
    assert_eq!(run.code, Some(2), "a failed assertion is CRITICAL:\n{}\n{}", run.stdout, run.stderr);
    let api = &run.json()["checks"][0];
    assert_eq!(api["reason"], "failed: $.database was \"down\"", "the first failure is still the reason");
    let conditions = api["conditions"].as_array().unwrap();
    assert_eq!(conditions.len(), 3, "{api}");
    assert_eq!(conditions[0], json!({"condition": "$.status == \"healthy\"", "passed": true, "actual": "healthy"}));
    assert_eq!(conditions[1], json!({"condition": "$.database == \"connected\"", "passed": false, "actual": "down"}));
    assert_eq!((&conditions[2]["passed"], conditions[2]["actual"].is_string()), (&json!(false), true));
    assert!(!run.stdout.contains(TOKEN), "the secret is masked in what was found:\n{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let checks = check("api", &refused().await, "");
    for (args, says) in [
        (vec!["--for", "1s", "--every", "2s"], "--for (1s) must be at least --every (2s)"),
        (vec!["--for", "1s", "--every", "0s"], "--every must be longer than 0"),
        (vec!["--every", "1s"], "--every needs --for"),
        (vec!["--failure-limit", "2"], "--failure-limit needs --for"),
        (vec!["--for", "soon"], "invalid duration \"soon\""),
        (vec!["--for", "20s", "--store", "postgres://nobody@127.0.0.1:9/x"], "--for is not supported with --store"),
    ] {
        let run = status(dir.path(), &checks, &args, &[]).await;
        assert_eq!(run.code, Some(4), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: nothing probed: {}", run.stdout);
    }
}
