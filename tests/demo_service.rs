//! The demo's simulated shop, over real HTTP on 127.0.0.1: the health JSON,
//! the Prometheus page (parsed with opsdeck's own parser), the built-in plan
//! aimed at it, the story's error burst seen from outside, and shutdown.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use opsdeck::adapters::probe::prom_text::{MetricKind, Scrape, parse};
use opsdeck::demo::{DemoService, Story, plan_text};
use opsdeck_core::config::{Level, Source, parse_source};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A plain HTTP/1.1 GET; returns (status, content type, body).
async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("reads");
    let text = String::from_utf8(raw).expect("utf-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status");
    let content_type = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type").then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, content_type, body.to_string())
}

async fn health(addr: SocketAddr) -> Value {
    let (status, content_type, body) = get(addr, "/api/health").await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("application/json"), "{content_type}");
    serde_json::from_str(&body).expect("JSON body")
}

async fn scrape(addr: SocketAddr) -> Scrape {
    let (status, content_type, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"))
}

fn value(scrape: &Scrape, sample: &str, label: Option<(&str, &str)>) -> f64 {
    scrape
        .families
        .iter()
        .flat_map(|f| &f.samples)
        .find(|s| s.name == sample && label.is_none_or(|(k, v)| s.labels.iter().any(|(n, x)| n == k && x == v)))
        .map(|s| s.value)
        .unwrap_or_else(|| panic!("no sample {sample} {label:?}"))
}

fn requests(scrape: &Scrape) -> (f64, f64) {
    (value(scrape, "http_requests_total", Some(("code", "200"))), value(scrape, "http_requests_total", Some(("code", "500"))))
}

/// Buckets are cumulative, end in +Inf, and agree with _count and the counters.
fn assert_histogram_well_formed(scrape: &Scrape) {
    let family = scrape.family("http_request_duration_seconds").expect("histogram family");
    assert_eq!(family.kind, MetricKind::Histogram);
    let buckets: Vec<(String, f64)> = family
        .samples
        .iter()
        .filter(|s| s.name == "http_request_duration_seconds_bucket")
        .map(|s| (s.labels[0].1.clone(), s.value))
        .collect();
    let bounds: Vec<&str> = buckets.iter().map(|(le, _)| le.as_str()).collect();
    assert_eq!(bounds, ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"]);
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "not cumulative: {buckets:?}");
    let count = value(scrape, "http_request_duration_seconds_count", None);
    assert_eq!(buckets[7].1, count, "+Inf bucket equals _count");
    let (ok, errors) = requests(scrape);
    assert_eq!(ok + errors, count, "every request is observed once");
    assert!(value(scrape, "http_request_duration_seconds_sum", None) >= 0.0);
}

#[tokio::test]
async fn health_answers_json_after_about_the_p50_latency() {
    let service = DemoService::start(Story::new(1.0)).await.expect("starts");
    assert!(service.addr.ip().is_loopback());
    let started = Instant::now();
    let body = health(service.addr).await;
    let took = started.elapsed();
    assert_eq!(body["status"], "healthy", "{body}");
    assert_eq!(body["database"], "connected");
    assert!(body["uptime"].is_u64(), "{body}");
    assert!(body["queue"]["depth"].is_u64(), "{body}");
    assert!(body["version"].as_str().is_some_and(|v| !v.is_empty()));
    // The healthy p50 is about 42 ms (±10 % wobble, ±10 % jitter): never
    // sooner (the service waits that long); later only on a busy machine.
    assert!(took >= Duration::from_millis(25), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    let (status, _, _) = get(service.addr, "/nothing-here").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn metrics_accumulate_and_the_histogram_is_well_formed() {
    let service = DemoService::start(Story::new(10.0)).await.expect("starts");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let first = scrape(service.addr).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = scrape(service.addr).await;
    for s in [&first, &second] {
        assert_histogram_well_formed(s);
        for (name, kind) in
            [("http_requests_total", MetricKind::Counter), ("demo_error_ratio", MetricKind::Gauge), ("demo_queue_depth", MetricKind::Gauge)]
        {
            let family = s.family(name).unwrap_or_else(|| panic!("no {name}"));
            assert_eq!(family.kind, kind, "{name}");
            assert!(family.help.is_some(), "{name} has HELP");
        }
    }
    let (ok1, err1) = requests(&first);
    let (ok2, err2) = requests(&second);
    assert!(ok1 > 0.0, "about 120 requests/s were simulated");
    // ~0.4 s at ~120 requests/s.
    assert!(ok2 + err2 - (ok1 + err1) >= 20.0, "{ok1} → {ok2}");
    assert!(ok2 >= ok1 && err2 >= err1);
    let ratio = value(&second, "demo_error_ratio", None);
    assert!((0.0..0.01).contains(&ratio), "healthy error ratio {ratio}");
}

#[tokio::test]
async fn the_built_in_plan_is_valid_for_the_running_service() {
    let service = DemoService::start(Story::default()).await.expect("starts");
    let text = plan_text(service.addr);
    assert!(text.contains(&format!("http://{}/metrics", service.addr)));
    let (plan, diagnostics) = parse_source(&Source::new("demo.toml", text), &|_| false);
    let errors: Vec<_> = diagnostics.items.iter().filter(|d| d.level == Level::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let plan = plan.expect("a plan");
    assert_eq!(plan.deck.environment, "demo");
    assert!(plan.checks.len() >= 9);
}

#[tokio::test]
async fn health_turns_degraded_during_the_error_burst_and_recovers() {
    use opsdeck::demo::story::Phase;
    // 20× speed from script second 90: the burst (95–125 s) runs from about
    // 0.25 s to 1.75 s of real time, and again every 9 s (the story loops),
    // so a poll that comes late on a busy machine sees the next one.
    let story = Story::new(20.0).starting_at(Duration::from_secs(90));
    let service = DemoService::start(story).await.expect("starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen: Vec<String> = Vec::new();
    let mut burst_ratio: f64 = 0.0;
    let wanted = ["healthy", "degraded", "healthy"];
    let done = |seen: &[String]| seen.len() >= 3 && seen[seen.len() - 3..] == wanted[..];
    while !done(&seen) {
        assert!(Instant::now() < deadline, "never saw {wanted:?} in a row; saw {seen:?}");
        let status = health(service.addr).await["status"].as_str().unwrap_or_default().to_string();
        if seen.last() != Some(&status) {
            if status == "degraded" {
                burst_ratio = 0.0; // a new burst
            }
            seen.push(status.clone());
        }
        if status == "degraded" {
            // The gauge, read while the story is still in the burst.
            let ratio = value(&scrape(service.addr).await, "demo_error_ratio", None);
            if service.conditions_now().phase == Phase::ErrorBurst {
                burst_ratio = burst_ratio.max(ratio);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(burst_ratio > 0.05, "error ratio during the burst: {burst_ratio}");
    let (ok, errors) = requests(&scrape(service.addr).await);
    let share = errors / (ok + errors);
    // Five times the healthy 0.2 %, however many loops the story made.
    assert!(share > 0.01, "the burst left 5xx in the counters: {share}");
}

#[tokio::test]
async fn the_service_stops_on_shutdown_and_on_drop() {
    let service = DemoService::start(Story::default()).await.expect("starts");
    let addr = service.addr;
    service.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err(), "stopped");

    let service = DemoService::start(Story::default()).await.expect("starts");
    let addr = service.addr;
    drop(service);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "still accepting after drop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_demo_rollback_ends_the_error_burst() {
    use opsdeck::demo::story::Phase;
    let story = Story::new(1.0).starting_at(Duration::from_secs(100));
    let shop = DemoService::start(story).await.expect("starts");
    assert_eq!(shop.conditions_now().phase, Phase::ErrorBurst);
    let mut stream = TcpStream::connect(shop.addr).await.expect("connects");
    let request = format!("POST /admin/rollback HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", shop.addr);
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.expect("reads");
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("rolled back from 3.0.0-demo to 2.9.4 during the error burst"), "{raw}");
    assert_eq!(shop.conditions_now().phase, Phase::Recovery, "the story skipped ahead to the recovery");
}
