//! The `prometheus` probe against servers set up like deployed ones: behind
//! authentication and a tenant header (`headers_env`), with regex label
//! matchers, and answering OpenMetrics. Every server is a real HTTP server
//! (axum on 127.0.0.1) started by the test.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use common::readings::{reason, value};
use opsdeck::adapters::probe::prometheus::PrometheusProber;
use opsdeck::adapters::probe::{Clients, ProbeEnv};
use opsdeck_core::config::check::PrometheusProbe;

const TIMEOUT: Duration = Duration::from_secs(10);
const TOKEN: &str = "Bearer t0k";
const TENANT: &str = "team-a";

/// An environment holding exactly `vars`.
fn env_with(vars: &[(&str, &str)]) -> ProbeEnv {
    let vars: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ProbeEnv { env: Arc::new(move |k| vars.get(k).cloned()), base_dir: PathBuf::from("."), clients: Clients::default() }
}

fn authorized(h: &HeaderMap) -> bool {
    h.get(header::AUTHORIZATION).is_some_and(|v| v == TOKEN) && h.get("x-scope-orgid").is_some_and(|v| v == TENANT)
}

/// Serves `/api/v1/query` (one series, value 7) and `/metrics` (a counter
/// and gauges), both only to requests with the token and the tenant.
async fn guarded_server() -> SocketAddr {
    let app = Router::new()
        .route(
            "/api/v1/query",
            get(|h: HeaderMap| async move {
                if !authorized(&h) {
                    return (StatusCode::UNAUTHORIZED, "unauthorized").into_response();
                }
                let body =
                    r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1700000000.5,"7"]}]}}"#;
                ([(header::CONTENT_TYPE, "application/json")], body).into_response()
            }),
        )
        .route(
            "/metrics",
            get(|h: HeaderMap| async move {
                if !authorized(&h) {
                    return (StatusCode::UNAUTHORIZED, "unauthorized").into_response();
                }
                "# TYPE depth gauge\ndepth{queue=\"mail\"} 3\ndepth{queue=\"batch\"} 4\n".into_response()
            }),
        );
    serve(app).await
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A query spec (`base` and `query`) or a scrape spec (`scrape` URL and `metric`).
fn spec(
    base: Option<String>,
    query: Option<&str>,
    scrape: Option<String>,
    metric: Option<&str>,
    headers: &[(&str, &str)],
) -> PrometheusProbe {
    PrometheusProbe {
        url: base,
        url_env: None,
        query: query.map(str::to_string),
        scrape,
        metric: metric.map(str::to_string),
        quantile: None,
        headers_env: headers.iter().map(|(h, v)| (h.to_string(), v.to_string())).collect(),
    }
}

const HEADERS: [(&str, &str); 2] = [("Authorization", "PROM_TOKEN"), ("X-Scope-OrgID", "PROM_TENANT")];

#[tokio::test]
async fn headers_env_reaches_query_and_scrape() {
    let addr = guarded_server().await;
    let good = env_with(&[("PROM_TOKEN", TOKEN), ("PROM_TENANT", TENANT)]);
    let query = spec(Some(format!("http://{addr}")), Some("sum(up)"), None, None, &HEADERS);
    let scrape = spec(None, None, Some(format!("http://{addr}/metrics")), Some("depth"), &HEADERS);

    let mut q = PrometheusProber::new(&query, &good).unwrap();
    assert_eq!(value(q.probe(TIMEOUT).await), 7.0);
    let mut s = PrometheusProber::new(&scrape, &good).unwrap();
    assert_eq!(value(s.probe(TIMEOUT).await), 7.0);

    // A wrong token: the server says 401, and the reason never shows the token.
    let wrong = env_with(&[("PROM_TOKEN", "Bearer wr0ng-t0ken"), ("PROM_TENANT", TENANT)]);
    for spec in [&query, &scrape] {
        let mut p = PrometheusProber::new(spec, &wrong).unwrap();
        let why = reason(p.probe(TIMEOUT).await);
        assert!(why.contains("HTTP 401"), "{why}");
        assert!(!why.contains("wr0ng") && !why.contains(TENANT), "{why}");
    }
    // No headers at all: 401 as well.
    let mut bare = spec(None, None, Some(format!("http://{addr}/metrics")), Some("depth"), &[]);
    let mut p = PrometheusProber::new(&bare, &good).unwrap();
    assert_eq!(reason(p.probe(TIMEOUT).await), "HTTP 401");
    // An unset variable: the prober is not built, and says which variable.
    bare.headers_env.insert("Authorization".into(), "PROM_TOKEN".into());
    let err = PrometheusProber::new(&bare, &env_with(&[])).err().unwrap();
    assert_eq!(err.0, "environment variable PROM_TOKEN is not set");
}

/// Basic auth is an `Authorization` header whose variable holds `Basic …`.
#[tokio::test]
async fn basic_auth_through_headers_env() {
    let app = Router::new().route(
        "/metrics",
        get(|h: HeaderMap| async move {
            // base64("ops:pa55word")
            if h.get(header::AUTHORIZATION).is_none_or(|v| v != "Basic b3BzOnBhNTV3b3Jk") {
                return (StatusCode::UNAUTHORIZED, "").into_response();
            }
            "up 1\n".into_response()
        }),
    );
    let addr = serve(app).await;
    let s = spec(None, None, Some(format!("http://{addr}/metrics")), Some("up"), &[("Authorization", "PROM_BASIC")]);
    let env = env_with(&[("PROM_BASIC", "Basic b3BzOnBhNTV3b3Jk")]);
    let mut p = PrometheusProber::new(&s, &env).unwrap();
    assert_eq!(value(p.probe(TIMEOUT).await), 1.0);
}

/// Serves `text` at `/metrics` with `content_type`.
async fn page(text: &'static str, content_type: &'static str) -> String {
    let app = Router::new().route("/metrics", get(move || async move { ([(header::CONTENT_TYPE, content_type)], text) }));
    format!("http://{}/metrics", serve(app).await)
}

const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

#[tokio::test]
async fn scrape_sums_the_series_a_regex_matches() {
    let url = page(
        "# TYPE http_inflight gauge\n\
         http_inflight{code=\"200\",path=\"/api\"} 10\n\
         http_inflight{code=\"500\",path=\"/api\"} 3\n\
         http_inflight{code=\"503\",path=\"/healthz\"} 4\n\
         http_inflight{code=\"5000\",path=\"/api\"} 100\n\
         http_inflight{code=\"404\",path=\"/api\"} 2\n",
        TEXT,
    )
    .await;
    let env = env_with(&[]);
    let read = |metric: &'static str| {
        let s = spec(None, None, Some(url.clone()), Some(metric), &[]);
        let env = env.clone();
        async move { value(PrometheusProber::new(&s, &env).unwrap().probe(TIMEOUT).await) }
    };
    // Anchored: `5..` matches 500 and 503, not 5000.
    assert_eq!(read(r#"http_inflight{code=~"5.."}"#).await, 7.0);
    assert_eq!(read(r#"http_inflight{code=~"5..", path!~"/health.*"}"#).await, 3.0);
    assert_eq!(read(r#"http_inflight{code!~"[45].*"}"#).await, 10.0);
    assert_eq!(read(r#"http_inflight{code=~"(2|4)\\d\\d"}"#).await, 12.0);
}

const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What a `prometheus_client` exporter serves: counters named `x` with
/// `x_total` and `x_created` samples, exemplars, info, `# UNIT`, `# EOF`.
const OPENMETRICS_PAGE: &str = "# HELP jobs Jobs done.\n# TYPE jobs counter\n# UNIT jobs jobs\n\
    jobs_total{status=\"ok\"} 40 # {trace_id=\"abc\"} 1.0 1700000000.5\n\
    jobs_created{status=\"ok\"} 1.7e9\n\
    jobs_total{status=\"failed\"} 2 1700000000.250\n\
    jobs_created{status=\"failed\"} 1.7e9\n\
    # TYPE build info\nbuild_info{version=\"2.1\"} 1\n\
    # TYPE depth gauge\ndepth 5 # {trace_id=\"x\"} 5\n# EOF\n";

#[tokio::test]
async fn scrape_reads_openmetrics() {
    let url = page(OPENMETRICS_PAGE, OPENMETRICS_TYPE).await;
    let env = env_with(&[]);
    let read = |metric: &'static str| {
        let s = spec(None, None, Some(url.clone()), Some(metric), &[]);
        let env = env.clone();
        async move { PrometheusProber::new(&s, &env).unwrap().probe(TIMEOUT).await }
    };
    assert_eq!(value(read("depth").await), 5.0);
    assert_eq!(value(read(r#"build_info{version=~"2\\..*"}"#).await), 1.0);
    // `jobs_total` is the counter `jobs`: a rate, which needs two scrapes.
    assert_eq!(reason(read("jobs_total").await), "first scrape; a rate needs two");
    let s = spec(None, None, Some(url.clone()), Some("jobs_total"), &[]);
    let mut p = PrometheusProber::new(&s, &env).unwrap();
    let _ = p.probe(TIMEOUT).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(value(p.probe(TIMEOUT).await), 0.0, "nothing changed between the scrapes");
    // `_created` is a start time, not a value.
    assert_eq!(reason(read("jobs_created").await), "no series matches jobs_created");
}
