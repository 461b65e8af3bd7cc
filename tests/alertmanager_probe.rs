//! The `alertmanager` probe against a real Alertmanager (started here, see
//! `common::alertmanager`): alerts injected through its API are counted
//! when they match the filter, one silenced in Alertmanager stops counting,
//! the reading's note names the alerts with their summaries, headers from
//! `headers_env` are sent, an Alertmanager that is not there is UNKNOWN
//! with the reason, and `opsdeck status` reports all of it.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::alertmanager::{Alertmanager, free_port};
use common::{PATIENCE, wait_for_some_async};
use opsdeck::adapters::probe::alertmanager::AlertmanagerProber;
use opsdeck::adapters::probe::{Cause, ProbeEnv, ProbeResult};
use opsdeck_core::config::alertmanager::AlertmanagerProbe;

const TIMEOUT: Duration = Duration::from_secs(5);

fn spec(url: &str, filter: &[&str]) -> AlertmanagerProbe {
    AlertmanagerProbe {
        url: Some(url.to_string()),
        url_env: None,
        filter: filter.iter().map(|s| s.to_string()).collect(),
        headers_env: BTreeMap::new(),
    }
}

fn env() -> ProbeEnv {
    ProbeEnv { env: Arc::new(|_| None), base_dir: ".".into(), clients: Default::default() }
}

async fn probe(url: &str, filter: &[&str]) -> ProbeResult {
    let mut prober = AlertmanagerProber::new(&spec(url, filter), &env()).expect("prober");
    prober.probe(TIMEOUT).await
}

async fn count(url: &str, filter: &[&str]) -> f64 {
    let reading = probe(url, filter).await.unwrap_or_else(|e| panic!("probe {filter:?}: {e}"));
    reading.get("alerts").expect("an alerts value")
}

async fn fire_three(am: &Alertmanager) {
    am.fire(&[
        (&[("alertname", "HighLatency"), ("severity", "critical"), ("service", "api")], Some("API p99 over 1s")),
        (&[("alertname", "ErrorBurst"), ("severity", "critical"), ("service", "web")], Some("5xx above 2%")),
        (&[("alertname", "DiskFilling"), ("severity", "warning"), ("service", "db")], None),
    ])
    .await;
}

#[tokio::test]
async fn counts_active_unsilenced_alerts_matching_the_filter() {
    let am = Alertmanager::start().await;
    assert_eq!(count(&am.url, &[]).await, 0.0, "a fresh Alertmanager has no alerts");
    fire_three(&am).await;

    let what = "the three alerts to be active";
    wait_for_some_async(what, PATIENCE, async || (count(&am.url, &[]).await == 3.0).then_some(())).await;
    let critical = probe(&am.url, &[r#"severity="critical""#]).await.expect("reading");
    assert_eq!(critical.get("alerts"), Some(2.0));
    assert_eq!(critical.note.as_deref(), Some("ErrorBurst (5xx above 2%); HighLatency (API p99 over 1s)"));
    assert_eq!(count(&am.url, &[r#"severity="critical""#, r#"service=~"api|db""#]).await, 1.0, "every matcher must hold");
    assert_eq!(count(&am.url, &[r#"severity!="critical""#]).await, 1.0);
    assert_eq!(count(&am.url, &[r#"service!~"a.*""#]).await, 2.0, "regexes are anchored: `a.*` is not `db` or `web`");
    let none = probe(&am.url, &[r#"alertname="NoSuchAlert""#]).await.expect("reading");
    assert_eq!((none.get("alerts"), none.note), (Some(0.0), None));

    // Silenced in Alertmanager itself: no longer counted.
    am.silence(&[("alertname", "HighLatency")], "known: deploying").await;
    let what = "the silenced alert to stop counting";
    let after = wait_for_some_async(what, PATIENCE, async || {
        let r = probe(&am.url, &[r#"severity="critical""#]).await.ok()?;
        (r.get("alerts") == Some(1.0)).then_some(r)
    })
    .await;
    assert_eq!(after.note.as_deref(), Some("ErrorBurst (5xx above 2%)"));
}

#[tokio::test]
async fn an_alertmanager_that_is_not_there_is_unknown_with_the_reason() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let err = probe(&url, &[r#"severity="critical""#]).await.expect_err("nothing listens");
    assert_eq!((err.0.as_str(), err.1), ("connection refused", Cause::NoAnswer));

    let (addr, _hung) = common::silent_server().await;
    let mut prober = AlertmanagerProber::new(&spec(&format!("http://{addr}"), &[]), &env()).expect("prober");
    let started = std::time::Instant::now();
    let err = prober.probe(Duration::from_millis(300)).await.expect_err("it never answers");
    assert!(err.0.starts_with("timed out after 300ms") && err.1 == Cause::NoAnswer, "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "bounded by the timeout");

    let unset = AlertmanagerProbe { url: None, url_env: Some("AM_URL".into()), ..spec("", &[]) };
    let err = AlertmanagerProber::new(&unset, &env()).err().expect("unset variable");
    assert_eq!(err.0, "environment variable AM_URL is not set");
}

/// What the recording server was sent: the `Authorization` header and the query.
type Seen = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// An HTTP server that answers `[]` to the alerts endpoint and keeps the
/// `Authorization` header and the query it was sent.
async fn recording_server() -> (String, Seen) {
    use axum::extract::RawQuery;
    use axum::http::HeaderMap;
    let seen: Seen = Arc::default();
    let keep = seen.clone();
    let app = axum::Router::new().route(
        "/prefix/api/v2/alerts",
        axum::routing::get(move |headers: HeaderMap, RawQuery(q): RawQuery| {
            let keep = keep.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
                keep.lock().unwrap().push((auth, q.unwrap_or_default()));
                axum::Json(serde_json::json!([]))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}/prefix/"), seen)
}

#[tokio::test]
async fn headers_env_are_sent_with_every_query() {
    let (url, seen) = recording_server().await;
    let mut with_token = spec(&url, &[r#"severity="critical""#]);
    with_token.headers_env.insert("Authorization".into(), "AM_TOKEN".into());
    let env = ProbeEnv {
        env: Arc::new(|k| (k == "AM_TOKEN").then(|| "Bearer s3cr3t-token".to_string())),
        base_dir: ".".into(),
        clients: Default::default(),
    };
    let mut prober = AlertmanagerProber::new(&with_token, &env).expect("prober");
    assert_eq!(prober.probe(TIMEOUT).await.expect("reading").get("alerts"), Some(0.0));
    let seen = seen.lock().unwrap().clone();
    let [(auth, query)] = seen.as_slice() else { panic!("{seen:?}") };
    assert_eq!(auth.as_deref(), Some("Bearer s3cr3t-token"));
    assert!(query.contains("active=true&silenced=false&inhibited=false&filter=severity%3D%22critical%22"), "{query}");
}

#[tokio::test]
async fn opsdeck_status_reports_the_count_and_the_alerts() {
    let am = Alertmanager::start().await;
    fire_three(&am).await;
    let what = "the alerts to be active";
    wait_for_some_async(what, PATIENCE, async || (count(&am.url, &[]).await == 3.0).then_some(())).await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "[deck]\nname = \"am\"\n[[check]]\nid = \"paging\"\nalertmanager = {{ url = \"{}\", filter = ['severity=\"critical\"'] }}\n\
             band = {{ target = \"< 1\", critical = \">= 2\" }}\n[[check]]\nid = \"gone\"\nalertmanager = {{ url = \"http://127.0.0.1:{}\" }}\n",
            am.url,
            free_port()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["status", plan.to_str().unwrap(), "--json"])
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .expect("run opsdeck status");
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let checks = json["checks"].as_array().expect("checks");
    let paging = checks.iter().find(|c| c["id"] == "paging").expect("paging");
    assert_eq!(
        (&paging["kind"], &paging["state"], &paging["value"]),
        (&"alertmanager".into(), &"CRITICAL".into(), &2.0.into()),
        "{paging}"
    );
    let reason = paging["reason"].as_str().unwrap();
    assert!(reason.contains("alerts 2 >= 2 (critical): ErrorBurst (5xx above 2%); HighLatency (API p99 over 1s)"), "{reason}");
    let gone = checks.iter().find(|c| c["id"] == "gone").expect("gone");
    assert_eq!(gone["state"], "UNKNOWN", "{gone}");
    assert!(gone["reason"].as_str().unwrap().contains("connection refused"), "{gone}");
    assert_eq!(out.status.code(), Some(2), "a critical check: exit 2");
}
