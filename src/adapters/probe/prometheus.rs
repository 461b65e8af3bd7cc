//! `prometheus` probe: one number read from Prometheus. This module owns the
//! prober, its query mode (a PromQL instant query through the HTTP API with
//! the `prometheus-http-query` crate) and the short reasons given for HTTP
//! failures. Scrape mode (reading a `/metrics` page directly) lives in
//! [`super::prom_scrape`], and what its scrapes read as in [`super::prom_track`].
//!
//! Query mode wants exactly one number: a scalar, or an instant vector with
//! one series. No series, several series or a range vector are errors that
//! say so; NaN is passed on as NaN (the engine shows it as UNKNOWN).
//!
//! `headers_env` (header name → environment variable) adds headers to every
//! query or scrape: a bearer token, a tenant (`X-Scope-OrgID`), or basic
//! auth (`Authorization` holding `Basic base64(user:password)`).
//!
//! Reasons never contain the URL: neither its password nor its query string
//! (tokens), nor any `headers_env` value. Errors are built from parts that carry no URL, and as a second
//! guard any password or query value of the configured URL is masked.

use std::time::Duration;

use prometheus_http_query::Client;
use prometheus_http_query::response::Data;
use reqwest::Url;
use reqwest::header::HeaderMap;

use super::prom_http::{env_headers, http_client, request_reason, shorten};
use super::prom_scrape::ScrapeMode;
use super::{ProbeEnv, ProbeError, ProbeResult, Reading, short_duration};
use opsdeck_core::config::check::PrometheusProbe;

pub struct PrometheusProber {
    mode: Box<Mode>,
    secrets: Secrets,
}

enum Mode {
    Query(QueryMode),
    Scrape(ScrapeMode),
}

impl PrometheusProber {
    pub fn new(spec: &PrometheusProbe, env: &ProbeEnv) -> Result<Self, ProbeError> {
        match (&spec.query, &spec.scrape) {
            (Some(query), None) => {
                let raw = env.url(spec.url.as_deref(), spec.url_env.as_deref())?;
                let url = parse_http_url(&raw)?;
                let (headers, values) = env_headers(&spec.headers_env, env)?;
                let secrets = Secrets::of(&url, values);
                Ok(Self { mode: Box::new(Mode::Query(QueryMode::new(url, query, headers)?)), secrets })
            }
            (None, Some(scrape)) => {
                let Some(metric) = spec.metric.as_deref() else {
                    return Err(ProbeError::new("`scrape` needs `metric`, the series to read"));
                };
                let url = parse_http_url(scrape)?;
                let (headers, values) = env_headers(&spec.headers_env, env)?;
                let secrets = Secrets::of(&url, values);
                Ok(Self { mode: Box::new(Mode::Scrape(ScrapeMode::new(url, metric, spec.quantile, headers)?)), secrets })
            }
            (Some(_), Some(_)) => Err(ProbeError::new("both `query` and `scrape` are set; expected one of them")),
            (None, None) => Err(ProbeError::new("prometheus check needs `query` or `scrape`")),
        }
    }

    /// True when the last run scraped a counter for the first time, so it
    /// had no rate yet and the next scrape will have one.
    pub fn awaits_second_scrape(&self) -> bool {
        match self.mode.as_ref() {
            Mode::Scrape(s) => s.awaits_rate(),
            Mode::Query(_) => false,
        }
    }

    /// One query or scrape, bounded by `timeout`.
    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        let run = async {
            match self.mode.as_mut() {
                Mode::Query(q) => q.probe(timeout).await,
                Mode::Scrape(s) => s.probe().await,
            }
        };
        let result = match tokio::time::timeout(timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(ProbeError::new(format!("timeout after {}", short_duration(timeout)))),
        };
        result.map_err(|e| ProbeError::new(self.secrets.mask(e.0)))
    }
}

/// Query mode: an instant query, evaluated at the server's current time.
struct QueryMode {
    client: Client,
    query: String,
}

impl QueryMode {
    fn new(mut url: Url, query: &str, headers: HeaderMap) -> Result<Self, ProbeError> {
        // The crate appends `/api/v1/query` to the path: avoid a double slash.
        let path = url.path().trim_end_matches('/').to_string();
        if !path.is_empty() {
            url.set_path(&path);
        }
        let client = Client::from(http_client(headers)?, url.as_str()).map_err(|e| ProbeError::new(api_reason(&e)))?;
        Ok(Self { client, query: query.to_string() })
    }

    async fn probe(&self, timeout: Duration) -> ProbeResult {
        // Also ask the server to give up evaluating once we stop waiting.
        let ms = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        let response = self.client.query(&self.query).timeout(ms).get().await;
        let response = response.map_err(|e| ProbeError::new(api_reason(&e)))?;
        one_number(response.data())
    }
}

/// The single number of an instant query's result.
fn one_number(data: &Data) -> ProbeResult {
    match data {
        Data::Scalar(sample) => Ok(Reading::new().with("value", sample.value())),
        Data::Vector(series) => match series.as_slice() {
            [] => Err(ProbeError::new("query returned no series")),
            [one] => Ok(Reading::new().with("value", one.sample().value())),
            many => Err(ProbeError::new(format!("query returned {} series; expected one (wrap it in sum())", many.len()))),
        },
        Data::Matrix(_) => {
            Err(ProbeError::new("query returned a range vector; expected one number (drop the [range] or apply a function such as rate())"))
        }
    }
}

/// A short reason for a failed API call: the API's own error (`bad_data: …`),
/// an HTTP status, or the network failure.
fn api_reason(e: &prometheus_http_query::Error) -> String {
    use prometheus_http_query::Error;
    match e {
        Error::Prometheus(api) => {
            let message = api.message();
            // Prometheus prefixes parse errors with this; the reason is shorter without it.
            let message = message.strip_prefix("invalid parameter \"query\": ").unwrap_or(message);
            shorten(format!("{}: {message}", api.error_type()))
        }
        Error::Client(client) => match client.inner() {
            Some(inner) => {
                let reason = request_reason(inner);
                // The crate reads scalars, vectors and matrices, not strings.
                if inner.is_decode() && reason.contains("unknown variant `string`") {
                    "query returned a string; expected one number".to_string()
                } else {
                    reason
                }
            }
            None if client.to_string().contains("media type") => "the response is not JSON; is `url` the Prometheus server?".to_string(),
            None => client.to_string(),
        },
        Error::ParseUrl(parse) => format!("invalid url: {}", parse.inner()),
        other => shorten(other.to_string()),
    }
}

/// An `http` or `https` URL; the message never repeats the URL.
pub(crate) fn parse_http_url(raw: &str) -> Result<Url, ProbeError> {
    let url = Url::parse(raw.trim()).map_err(|e| ProbeError::new(format!("invalid url: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(ProbeError::new(format!("url scheme `{other}` is not http or https"))),
    }
}

/// What must never show in a reason: the URL's password, query string and
/// query values, and the values of the check's `headers_env`. Values shorter
/// than 3 characters are not masked (they would mangle ordinary words and
/// numbers).
#[derive(Debug, Default)]
struct Secrets(Vec<String>);

impl Secrets {
    fn of(url: &Url, header_values: Vec<String>) -> Self {
        let mut parts: Vec<String> = header_values;
        parts.extend(url.password().map(str::to_string));
        parts.extend(url.query().map(str::to_string));
        parts.extend(url.query_pairs().map(|(_, v)| v.into_owned()));
        parts.retain(|p| p.chars().count() >= 3);
        // Longest first, so a query string is masked whole before its values.
        parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
        parts.dedup();
        Self(parts)
    }

    fn mask(&self, mut reason: String) -> String {
        for secret in &self.0 {
            if reason.contains(secret.as_str()) {
                reason = reason.replace(secret.as_str(), "***");
            }
        }
        reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::probe::prom_http::MAX_REASON;
    use serde_json::json;

    fn data(v: serde_json::Value) -> Data {
        serde_json::from_value(v).unwrap()
    }

    fn series(value: &str) -> serde_json::Value {
        json!({"metric": {"job": "x"}, "value": [1700000000.5, value]})
    }

    #[test]
    fn one_number_from_each_result_type() {
        let scalar = data(json!({"resultType": "scalar", "result": [1700000000.5, "42"]}));
        assert_eq!(one_number(&scalar).unwrap().get("value"), Some(42.0));
        let one = data(json!({"resultType": "vector", "result": [series("0.25")]}));
        assert_eq!(one_number(&one).unwrap().get("value"), Some(0.25));
        let nan = data(json!({"resultType": "vector", "result": [series("NaN")]}));
        assert!(one_number(&nan).unwrap().get("value").unwrap().is_nan());
        let inf = data(json!({"resultType": "scalar", "result": [1.0, "+Inf"]}));
        assert_eq!(one_number(&inf).unwrap().get("value"), Some(f64::INFINITY));
        let none = data(json!({"resultType": "vector", "result": []}));
        assert_eq!(one_number(&none).unwrap_err().0, "query returned no series");
        let three = data(json!({"resultType": "vector",
            "result": [series("1"), series("2"), series("3")]}));
        assert_eq!(one_number(&three).unwrap_err().0, "query returned 3 series; expected one (wrap it in sum())");
        let matrix = data(json!({"resultType": "matrix",
            "result": [{"metric": {}, "values": [[1.0, "1"], [2.0, "2"]]}]}));
        assert!(one_number(&matrix).unwrap_err().0.contains("range vector"));
    }

    #[test]
    fn api_errors_are_short() {
        let api: prometheus_http_query::error::PrometheusError = serde_json::from_value(json!({
            "errorType": "bad_data",
            "error": "invalid parameter \"query\": 1:5: parse error: unexpected end of input"
        }))
        .unwrap();
        let e = prometheus_http_query::Error::Prometheus(api);
        assert_eq!(api_reason(&e), "bad_data: 1:5: parse error: unexpected end of input");
        let long = "x".repeat(500);
        assert_eq!(shorten(long).chars().count(), MAX_REASON + 1);
    }

    #[test]
    fn urls_are_checked_and_secrets_masked() {
        assert!(parse_http_url("ftp://x/").unwrap_err().0.contains("`ftp`"));
        let e = parse_http_url("http://user:pw@[::1").unwrap_err();
        assert!(e.0.starts_with("invalid url: ") && !e.0.contains("pw"), "{e}");
        let url = parse_http_url("https://ops:hunter2@prom.example/?token=s3cr3t&x=1").unwrap();
        let s = Secrets::of(&url, vec!["Bearer t0ken-x".into()]);
        assert_eq!(s.mask("hunter2 token=s3cr3t&x=1 s3cr3t HTTP 401 Bearer t0ken-x".into()), "*** *** *** HTTP 401 ***");
    }
}
