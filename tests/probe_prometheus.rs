//! The `prometheus` probe against real servers: scrape mode against a
//! `/metrics` page served in-process (axum on 127.0.0.1), query mode against
//! a real Prometheus (Debian's `prometheus` binary, started here) that scrapes
//! the same kind of page. Without the binary the query test fails, naming the
//! package: it never skips.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use common::readings::{reason, value};
use opsdeck::adapters::probe::prometheus::PrometheusProber;
use opsdeck::adapters::probe::{ProbeEnv, ProbeResult};
use opsdeck_core::config::check::PrometheusProbe;

/// The budget of a probe that must get its answer: generous, since the
/// machine may be busy (an answer comes at once; only a failure waits it out).
const TIMEOUT: Duration = Duration::from_secs(10);

/// The exposition text the test server returns; tests rewrite it between scrapes.
type Page = Arc<Mutex<String>>;

/// Serves `/metrics` from `page`, plus pages that misbehave: `/slow` never
/// answers in time, `/big` and `/big-chunked` exceed 4 MiB, `/garbage` is
/// not the text format, `/api/v1/query` answers like a proxy that is not
/// Prometheus. Everything else is 404.
async fn serve(page: Page) -> SocketAddr {
    let big = || "# filler\n".repeat(5 * 1024 * 1024 / 9);
    let app = Router::new()
        .route(
            "/metrics",
            get(move || {
                let text = page.lock().unwrap().clone();
                async move { text }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .route("/big", get(move || async move { big() }))
        .route(
            "/big-chunked",
            get(|| async {
                let chunks = (0..6).map(|_| Ok::<_, std::io::Error>(vec![b'#'; 1024 * 1024]));
                Body::from_stream(futures::stream::iter(chunks))
            }),
        )
        .route("/garbage", get(|| async { "this is { not metrics\n" }))
        .route("/api/v1/query", get(|| async { "I am a web page" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn page_server(text: &str) -> (String, Page) {
    let page: Page = Arc::new(Mutex::new(text.to_string()));
    let addr = serve(page.clone()).await;
    (format!("http://{addr}"), page)
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn env() -> ProbeEnv {
    ProbeEnv::from_process(PathBuf::from("."))
}

fn scraper(url: &str, metric: &str, quantile: Option<f64>) -> PrometheusProber {
    let spec = PrometheusProbe {
        url: None,
        url_env: None,
        query: None,
        scrape: Some(url.to_string()),
        metric: Some(metric.to_string()),
        quantile,
        headers_env: Default::default(),
    };
    PrometheusProber::new(&spec, &env()).unwrap()
}

fn querier(base: &str, query: &str) -> PrometheusProber {
    let spec = PrometheusProbe {
        url: Some(base.to_string()),
        url_env: None,
        query: Some(query.to_string()),
        scrape: None,
        metric: None,
        quantile: None,
        headers_env: Default::default(),
    };
    PrometheusProber::new(&spec, &env()).unwrap()
}

/// Lets time pass between two scrapes read as a rate (rates are timed to the
/// millisecond, and two local scrapes can fall in the same one).
async fn tick() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// Runs a new prober once.
async fn once(mut prober: PrometheusProber) -> ProbeResult {
    prober.probe(TIMEOUT).await
}

const GAUGES: &str = "# HELP depth Queue depth.\n# TYPE depth gauge\n\
    depth{queue=\"mail\",region=\"eu\"} 3\ndepth{queue=\"batch\",region=\"eu\"} 4\n\
    depth{queue=\"mail\",region=\"us\"} 5\nbuild_info{version=\"1.2\"} 1\n";

#[tokio::test]
async fn scrape_sums_gauges_by_label_selector() {
    let (base, _page) = page_server(GAUGES).await;
    let url = format!("{base}/metrics");
    let r = scraper(&url, "depth", None).probe(TIMEOUT).await.unwrap();
    assert_eq!((r.get("value"), r.get("series")), (Some(12.0), Some(3.0)));
    for (metric, want) in [
        (r#"depth{queue="mail"}"#, 8.0),
        (r#"depth{queue="mail",region="us"}"#, 5.0),
        (r#"depth{queue!="mail"}"#, 4.0),
        (r#"depth{region=~"e.*", queue=~"batch|x"}"#, 4.0),
        (r#"depth{region!~"eu"}"#, 5.0),
        ("build_info", 1.0),
    ] {
        let got = value(scraper(&url, metric, None).probe(TIMEOUT).await);
        assert_eq!(got, want, "{metric}");
    }
    let none = scraper(&url, r#"depth{queue="gone"}"#, None);
    assert_eq!(reason(once(none).await), r#"no series matches depth{queue="gone"}"#);
}

fn requests(ok: u32, errors: u32) -> String {
    format!(
        "# TYPE http_requests_total counter\nhttp_requests_total{{code=\"200\"}} {ok}\n\
         http_requests_total{{code=\"500\"}} {errors}\n"
    )
}

#[tokio::test]
async fn scrape_turns_counters_into_rates_across_two_scrapes() {
    let (base, page) = page_server(&requests(1000, 0)).await;
    let url = format!("{base}/metrics");
    let mut all = scraper(&url, "http_requests_total", None);
    let mut errors = scraper(&url, r#"http_requests_total{code="500"}"#, None);
    let started = Instant::now();
    assert_eq!(reason(all.probe(TIMEOUT).await), "first scrape; a rate needs two");
    assert_eq!(reason(errors.probe(TIMEOUT).await), "first scrape; a rate needs two");
    let pause = Duration::from_millis(400);
    tokio::time::sleep(pause).await;
    *page.lock().unwrap() = requests(1080, 20);
    let r = all.probe(TIMEOUT).await.unwrap();
    let e = value(errors.probe(TIMEOUT).await);
    let elapsed = started.elapsed().as_secs_f64();
    // The prober's interval lies between the pause and the whole test so far.
    let rate = r.get("value").unwrap();
    assert!(rate <= 100.0 / pause.as_secs_f64() && rate >= 100.0 / elapsed, "{rate}");
    assert!(e <= 20.0 / pause.as_secs_f64() && e >= 20.0 / elapsed, "{e}");
    assert_eq!((r.get("series"), r.get("total")), (Some(2.0), Some(1100.0)));
    // A restarted service (counters back near zero) is a reset, not a negative rate.
    tick().await;
    *page.lock().unwrap() = requests(3, 0);
    assert!(value(all.probe(TIMEOUT).await) > 0.0);
}

fn latency(counts: [u32; 5]) -> String {
    let les = ["0.05", "0.1", "0.25", "0.5", "+Inf"];
    let mut text = "# HELP latency_seconds Request latency.\n# TYPE latency_seconds histogram\n".to_string();
    for route in ["/api", "/health"] {
        for (le, c) in les.iter().zip(counts) {
            // /health only ever sees fast requests.
            let c = if route == "/health" { 100 } else { c };
            text += &format!("latency_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {c}\n");
        }
        text += &format!("latency_seconds_count{{route=\"{route}\"}} {}\n", counts[4]);
    }
    text
}

#[tokio::test]
async fn scrape_computes_histogram_quantiles_from_bucket_increases() {
    let (base, page) = page_server(&latency([80, 90, 100, 100, 100])).await;
    let url = format!("{base}/metrics");
    let mut api = scraper(&url, r#"latency_seconds{route="/api"}"#, Some(0.9));
    // First scrape: cumulative buckets, 100 requests, rank 90 at the 0.1 bound.
    let r = api.probe(TIMEOUT).await.unwrap();
    assert!((r.get("value").unwrap() - 0.1).abs() < 1e-9, "{r:?}");
    assert_eq!(r.get("observations"), Some(100.0));
    // Then 20 slow requests in (0.25, 0.5]: over the interval the p90 is
    // 0.25 + 0.25 * 18/20, although the cumulative p90 barely moved.
    *page.lock().unwrap() = latency([80, 90, 100, 120, 120]);
    let r = api.probe(TIMEOUT).await.unwrap();
    assert!((r.get("value").unwrap() - 0.475).abs() < 1e-9, "{r:?}");
    assert_eq!(r.get("observations"), Some(20.0));
    assert_eq!(reason(api.probe(TIMEOUT).await), "no observations since the last scrape");
    // Both routes, cumulative: 220 requests, 180 of them under 0.05, so
    // rank 110 interpolates to 0.05 * 110/180.
    let both = value(once(scraper(&url, "latency_seconds", Some(0.5))).await);
    assert!((both - 0.05 * 110.0 / 180.0).abs() < 1e-9, "{both}");
    // The `_count` part reads as a counter.
    let mut count = scraper(&url, r#"latency_seconds_count{route="/api"}"#, None);
    assert_eq!(reason(count.probe(TIMEOUT).await), "first scrape; a rate needs two");
    tick().await;
    *page.lock().unwrap() = latency([80, 90, 100, 120, 150]);
    assert!(value(count.probe(TIMEOUT).await) > 0.0);
    let summary = "# TYPE rpc_seconds summary\nrpc_seconds{quantile=\"0.5\"} 0.01\n\
                   rpc_seconds{quantile=\"0.99\"} 0.3\nrpc_seconds_sum 9\nrpc_seconds_count 100\n";
    *page.lock().unwrap() = summary.to_string();
    assert_eq!(value(once(scraper(&url, "rpc_seconds", Some(0.99))).await), 0.3);
}

#[tokio::test]
async fn scrape_failures_have_short_reasons() {
    let (base, _page) = page_server(GAUGES).await;
    let refused = format!("http://127.0.0.1:{}/metrics", closed_port());
    assert_eq!(reason(once(scraper(&refused, "depth", None)).await), "connection refused");
    let cases = [
        ("/nothing-here", "HTTP 404"),
        ("/big", "response larger than 4 MiB"),
        ("/big-chunked", "response larger than 4 MiB"),
        ("/garbage", "not the Prometheus text format: line 1: "),
    ];
    for (path, want) in cases {
        let got = reason(once(scraper(&format!("{base}{path}"), "depth", None)).await);
        assert!(got.starts_with(want) || got == want, "{path}: {got}");
    }
    let mut slow = scraper(&format!("{base}/slow"), "depth", None);
    assert_eq!(reason(slow.probe(Duration::from_millis(300)).await), "timeout after 300ms");
    let tls = base.replace("http://", "https://") + "/metrics";
    let got = reason(once(scraper(&tls, "depth", None)).await);
    assert!(got.starts_with("TLS error: "), "{got}");
    // Credentials and tokens in the URL never reach a reason.
    let secret = base.replace("http://", "http://ops:hunter22@") + "/nothing-here?token=s3cr3t-t0ken";
    let got = reason(once(scraper(&secret, "depth", None)).await);
    assert_eq!(got, "HTTP 404");
    let secret_refused = format!("http://ops:hunter22@127.0.0.1:{}/?token=s3cr3t", closed_port());
    let got = reason(once(scraper(&secret_refused, "depth", None)).await);
    assert_eq!(got, "connection refused");
}

#[tokio::test]
async fn query_failures_without_a_prometheus() {
    let refused = format!("http://127.0.0.1:{}", closed_port());
    assert_eq!(reason(once(querier(&refused, "up")).await), "connection refused");
    // A server that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let mut q = querier(&silent_url, "up");
    assert_eq!(reason(q.probe(Duration::from_millis(300)).await), "timeout after 300ms");
    // Something that is not Prometheus.
    let (base, _page) = page_server(GAUGES).await;
    let got = reason(once(querier(&base, "up")).await);
    assert_eq!(got, "the response is not JSON; is `url` the Prometheus server?");
    assert_eq!(reason(once(querier(&format!("{base}/sub/"), "up")).await), "HTTP 404");
    // url_env names a variable that is not set.
    let spec = PrometheusProbe {
        url: None,
        url_env: Some("OPSDECK_TEST_UNSET_PROMETHEUS_URL".into()),
        query: Some("up".into()),
        scrape: None,
        metric: None,
        quantile: None,
        headers_env: Default::default(),
    };
    let err = PrometheusProber::new(&spec, &env()).err().unwrap();
    assert_eq!(err.0, "environment variable OPSDECK_TEST_UNSET_PROMETHEUS_URL is not set");
    drop(silent);
}

/// A Prometheus server run for one test, killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `prometheus` binary: `OPSDECK_TEST_PROMETHEUS`, else on `PATH`.
fn prometheus_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("OPSDECK_TEST_PROMETHEUS") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join("prometheus")).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "the `prometheus` binary is not installed: this test needs a real Prometheus. \
                 Install Debian's package (apt-get install --no-install-recommends prometheus; \
                 .ci/run does) or set OPSDECK_TEST_PROMETHEUS to the binary"
        )
    })
}

impl Prometheus {
    /// Starts Prometheus scraping `target` (host:port) every second.
    fn start(target: SocketAddr) -> Prometheus {
        let binary = prometheus_binary();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: opsdeck\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let port = closed_port();
        let log = dir.path().join("prometheus.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(&binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        Prometheus { child, url: format!("http://127.0.0.1:{port}"), log, _dir: dir }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Polls `query` until it gives a value, for at most `limit`.
    async fn wait_for(&mut self, query: &str, limit: Duration) -> f64 {
        let deadline = Instant::now() + limit;
        let mut prober = querier(&self.url, query);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("prometheus exited ({status}); its log:\n{}", self.log_tail());
            }
            let last = prober.probe(TIMEOUT).await;
            if let Ok(r) = &last {
                return r.get("value").unwrap();
            }
            if Instant::now() > deadline {
                panic!("prometheus gave no value for {query} within {limit:?} (last: {last:?}); its log:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

fn exposition(jobs: u64) -> String {
    format!(
        "# TYPE opsdeck_test_jobs_total counter\nopsdeck_test_jobs_total {jobs}\n\
         # TYPE opsdeck_test_queue_depth gauge\nopsdeck_test_queue_depth{{queue=\"mail\"}} 17\n\
         opsdeck_test_queue_depth{{queue=\"batch\"}} 4\nopsdeck_test_queue_depth{{queue=\"idle\"}} 0\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_mode_against_a_real_prometheus() {
    let page: Page = Arc::new(Mutex::new(exposition(0)));
    let target = serve(page.clone()).await;
    // The counter grows by 10 per second of the clock, however late the
    // ticker runs on a busy machine.
    let ticker = tokio::spawn(async move {
        let started = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let jobs = (started.elapsed().as_millis() / 100) as u64;
            *page.lock().unwrap() = exposition(jobs);
        }
    });
    let mut prom = Prometheus::start(target);
    let limit = Duration::from_secs(30);
    assert_eq!(prom.wait_for(r#"up{job="opsdeck"} == 1"#, limit).await, 1.0);
    // rate() is only near the truth once its window holds several samples.
    let full = "count_over_time(opsdeck_test_jobs_total[5s]) >= 5";
    assert!(prom.wait_for(full, limit).await >= 5.0);
    let url = prom.url.clone();
    let q = |query: &str| once(querier(&url, query));

    assert_eq!(value(q("42").await), 42.0, "a scalar");
    assert_eq!(value(q("scalar(sum(opsdeck_test_queue_depth)) * 2").await), 42.0);
    assert!(value(q("0 / 0").await).is_nan(), "NaN stays NaN");
    assert_eq!(value(q(r#"opsdeck_test_queue_depth{queue="mail"}"#).await), 17.0);
    assert_eq!(value(q("sum(opsdeck_test_queue_depth)").await), 21.0);
    let rate = value(q("sum(rate(opsdeck_test_jobs_total[5s]))").await);
    assert!((5.0..15.0).contains(&rate), "rate {rate}");
    assert_eq!(reason(q(r#"opsdeck_test_queue_depth{queue="absent"}"#).await), "query returned no series");
    assert_eq!(reason(q("opsdeck_test_queue_depth").await), "query returned 3 series; expected one (wrap it in sum())");
    let syntax = reason(q("sum(opsdeck_test_queue_depth").await);
    assert!(syntax.starts_with("bad_data: ") && syntax.contains("parse error"), "{syntax}");
    assert!(reason(q("opsdeck_test_queue_depth[10s]").await).contains("range vector"));
    // A trailing slash on the base URL is fine.
    assert_eq!(value(once(querier(&format!("{url}/"), "7")).await), 7.0);

    // Scrape mode on a real exporter's page: Prometheus' own /metrics.
    let metrics = format!("{url}/metrics");
    let mut handled = scraper(&metrics, r#"prometheus_http_requests_total{handler="/api/v1/query"}"#, None);
    assert_eq!(reason(handled.probe(TIMEOUT).await), "first scrape; a rate needs two");
    // Prometheus counts a request once it has answered it: query, then
    // scrape again, until the count has grown between two scrapes.
    let deadline = Instant::now() + limit;
    loop {
        for _ in 0..5 {
            q("1").await.unwrap();
        }
        let rate = value(handled.probe(TIMEOUT).await);
        if rate > 0.0 {
            break;
        }
        assert!(Instant::now() < deadline, "the query handler's request rate stayed {rate}");
    }
    let latency = r#"prometheus_http_request_duration_seconds{handler="/api/v1/query"}"#;
    let p90 = value(once(scraper(&metrics, latency, Some(0.9))).await);
    assert!(p90.is_finite() && p90 > 0.0, "{p90}");
    let gc = value(once(scraper(&metrics, "go_gc_duration_seconds", Some(0.5))).await);
    assert!(gc.is_finite() && gc >= 0.0, "{gc}");

    ticker.abort();
    drop(prom);
    assert_prometheus_gone(&url).await;
}

async fn assert_prometheus_gone(url: &str) {
    let got = reason(once(querier(url, "1")).await);
    assert_eq!(got, "connection refused");
}
