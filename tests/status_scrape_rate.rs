//! `opsdeck status` (the real binary) without `--for` gives a scraped counter
//! its per-second rate in one run: it scrapes the counter a second time, a
//! second later. The server is a real HTTP server (axum on 127.0.0.1) whose
//! counter grows by 10 on every scrape.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::routing::get;

/// Serves `/metrics` with `jobs_total` growing by 10 per request.
async fn growing_counter() -> (String, Arc<AtomicU64>) {
    let scrapes = Arc::new(AtomicU64::new(0));
    let seen = scrapes.clone();
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
            async move { format!("# TYPE jobs_total counter\njobs_total{{queue=\"mail\"}} {}\n", 1000 + 10 * n) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/metrics"), scrapes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_status_run_reports_a_scraped_counters_rate() {
    let (url, scrapes) = growing_counter().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    let text = format!(
        "[deck]\nname = \"rates\"\n\n[[check]]\nid = \"jobs\"\nprometheus = {{ scrape = \"{url}\", metric = 'jobs_total{{queue=~\"ma.*\"}}' }}\nband = {{ target = \"< 1000\", critical = \"> 5000\" }}\n"
    );
    std::fs::write(&plan, text).unwrap();
    let state = dir.path().join("state");
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_opsdeck"))
            .arg("status")
            .arg(&plan)
            .arg("--json")
            .env("XDG_STATE_HOME", state)
            .env_remove("OPSDECK_STORE")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["rounds"], 1, "{json}");
    let check = &json["checks"][0];
    assert_eq!(check["state"], "OK", "{json}");
    assert!(!check["reason"].as_str().unwrap().contains("a rate needs two"), "{json}");
    // 10 more jobs about a second later: close to 10/s, never more.
    let rate = check["value"].as_f64().unwrap();
    assert!(rate > 1.0 && rate <= 10.0, "rate {rate}: {json}");
    assert_eq!(scrapes.load(Ordering::SeqCst), 2, "two scrapes, one run");
    assert!(elapsed.as_millis() >= 1000, "the second scrape waits a second: {elapsed:?}");
}
