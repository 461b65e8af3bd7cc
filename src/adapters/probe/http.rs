//! `http` probe: one request per run through the client every http check
//! shares, judged by status code, JSON assertions on the body and numbers
//! read from it (`$.queue.depth`). Owns the shared client, request building
//! and turning transport failures into short reasons; reading and judging the
//! body lives in [`super::http_body`].
//!
//! A certificate the client refuses (expired, untrusted issuer, wrong name,
//! self-signed) is a failure of the target, CRITICAL, with the reason from
//! [`super::cert_reason`]; refused connections, timeouts and DNS failures
//! are no answer, UNKNOWN.
//!
//! Secrets (header values from `headers_env`, URL passwords, query strings)
//! never appear in a reason: reasons are built from error kinds rather than
//! from reqwest's messages (which quote the URL), and every reason is scrubbed
//! of the check's secret values before it leaves the prober.

use std::error::Error as StdError;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode, Url, redirect};
use serde_json_path::JsonPath;

use super::cert_reason::{ExplainingVerifier, certificate_problem};
use super::http_body::{BodyError, Secrets, judge_body, read_capped, redacted_url};
use super::json_assert::{Assertion, Condition};
use super::{ProbeEnv, ProbeError, ProbeResult, Reading, io_reason, short_duration};
use opsdeck_core::config::Check;
use opsdeck_core::config::check::HttpProbe;
use opsdeck_core::config::units::parse_bytes;

/// The body size read when a check does not set `max_body`.
pub const DEFAULT_MAX_BODY: &str = "1MiB";

/// Redirects followed in one run, all on the check's own host.
const MAX_REDIRECTS: usize = 5;

/// One HTTP client for every http check: connection pools, TLS sessions and
/// DNS results are shared. Built on first use.
#[derive(Clone, Default)]
pub struct SharedClient {
    client: Arc<OnceLock<Result<reqwest::Client, String>>>,
    /// Roots to trust instead of the platform's (a private CA, or tests).
    roots: Option<Arc<rustls::RootCertStore>>,
}

impl SharedClient {
    /// A client that trusts exactly `roots` instead of the platform's.
    pub fn trusting(roots: rustls::RootCertStore) -> Self {
        Self { client: Arc::default(), roots: Some(Arc::new(roots)) }
    }

    /// The client, building it the first time.
    pub fn get(&self) -> Result<reqwest::Client, ProbeError> {
        match self.client.get_or_init(|| build_client(self.roots.clone())) {
            Ok(c) => Ok(c.clone()),
            Err(e) => Err(ProbeError::new(e.clone())),
        }
    }
}

/// rustls verifying with the platform's roots (or exactly `roots`) and
/// explaining refused certificates, TLS details kept (for `cert_days`),
/// proxies from the environment ignored (a probe measures the service, not a
/// proxy in front of it), redirects followed only on the same host.
fn build_client(roots: Option<Arc<rustls::RootCertStore>>) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(roots)?)
        .tls_info(true)
        .no_proxy()
        .redirect(redirect::Policy::custom(|attempt| {
            let previous = attempt.previous();
            if previous.len() > MAX_REDIRECTS {
                attempt.stop()
            } else if previous.first().is_some_and(|first| may_follow(first, attempt.url())) {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }))
        .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            let cause = innermost_message(&e).unwrap_or_else(|| "unknown error".into());
            format!("cannot start the HTTP client: {cause}")
        })
}

/// The TLS settings reqwest would choose (aws-lc-rs, TLS 1.2 and 1.3, h2
/// and http/1.1 by ALPN), with the verifier wrapped so that a refused
/// certificate comes back with its reason.
fn tls_config(roots: Option<Arc<rustls::RootCertStore>>) -> Result<rustls::ClientConfig, String> {
    let provider = crate::tls::provider();
    let verifier = match roots {
        Some(roots) => ExplainingVerifier::trusting(roots, provider.clone())?,
        None => {
            let platform = rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| format!("cannot load the platform's certificate roots: {e}"))?;
            ExplainingVerifier::new(Arc::new(platform))
        }
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot start TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A redirect is followed when it stays on the host the check names (so
/// headers from `headers_env` are never sent elsewhere) and never from
/// https down to http. Others are returned as they are: `HTTP 302 Found
/// (redirect to … not followed)` unless the check expects that status.
fn may_follow(first: &Url, next: &Url) -> bool {
    let same_host = first.host_str().map(str::to_ascii_lowercase) == next.host_str().map(str::to_ascii_lowercase);
    let downgrade = first.scheme() == "https" && next.scheme() != "https";
    same_host && !downgrade && matches!(next.scheme(), "http" | "https")
}

/// A check's HTTP request and how its answer is judged.
pub struct HttpProber {
    client: SharedClient,
    /// Boxed: the request is most of the prober's size.
    request: Box<RequestSpec>,
    expected_status: Option<u16>,
    max_body: u64,
    /// `max_body` as written, for the reason (`body larger than 64KiB`).
    max_body_text: String,
    assertions: Vec<Assertion>,
    /// JSONPaths whose numbers go into the reading under their own text.
    extract: Vec<String>,
    secrets: Secrets,
    /// Every assertion as the last run judged it (secrets scrubbed).
    conditions: Vec<Condition>,
}

/// What is sent on every run.
struct RequestSpec {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<String>,
}

impl HttpProber {
    pub fn new(spec: &HttpProbe, check: &Check, env: &ProbeEnv) -> Result<Self, ProbeError> {
        let url_text = env.url(spec.url.as_deref(), spec.url_env.as_deref())?;
        let url = parse_url(&url_text, spec.url_env.as_deref())?;
        let mut secrets = Secrets::default();
        secrets.add_url(&url);

        let method = Method::from_bytes(spec.method.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| ProbeError::new(format!("unknown HTTP method `{}`", spec.method)))?;

        let mut headers = HeaderMap::new();
        for (name, value) in &spec.headers {
            let value = HeaderValue::from_str(value).map_err(|_| ProbeError::new(format!("invalid value for header {name}")))?;
            headers.insert(header_name(name)?, value);
        }
        for (name, var) in &spec.headers_env {
            let value = env.var(var)?;
            secrets.add(&value);
            let mut value = HeaderValue::from_str(value.trim())
                .map_err(|_| ProbeError::new(format!("invalid value for header {name} (from {var}): not a valid header value")))?;
            value.set_sensitive(true);
            headers.insert(header_name(name)?, value);
        }
        if let Some(body) = &spec.body
            && !headers.contains_key(CONTENT_TYPE)
            && serde_json::from_str::<serde_json::Value>(body).is_ok()
        {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }

        let max_body_text = spec.max_body.as_deref().unwrap_or(DEFAULT_MAX_BODY).trim().to_string();
        let max_body = parse_bytes(&max_body_text).map_err(ProbeError::new)?;

        let assertions = check.assert.iter().map(|a| Assertion::parse(a).map_err(ProbeError::new)).collect::<Result<Vec<_>, _>>()?;
        let mut extract = Vec::new();
        let value = check.value_name();
        if value.starts_with('$') {
            JsonPath::parse(value).map_err(|e| ProbeError::new(format!("invalid JSONPath `{value}`: {e}")))?;
            extract.push(value.to_string());
        }

        let conditions = assertions.iter().map(Assertion::unreached).collect();
        Ok(Self {
            conditions,
            client: env.clients.http.clone(),
            request: Box::new(RequestSpec { method, url, headers, body: spec.body.clone() }),
            expected_status: spec.status,
            max_body,
            max_body_text,
            assertions,
            extract,
            secrets,
        })
    }

    /// One request within `timeout` (connecting, sending and reading the
    /// whole body), then the body judged; every assertion's result is kept
    /// (see [`Self::conditions`]).
    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        let fetched = match tokio::time::timeout(timeout, self.exchange(timeout)).await {
            Ok(r) => r,
            Err(_) => Err(timeout_reason(timeout)),
        };
        let result = match fetched {
            Ok((mut reading, body)) => {
                let (conditions, judged) = judge_body(&body, &self.assertions, &self.extract, &mut reading);
                self.conditions = conditions.iter().map(|c| c.masked(&|s: &str| self.secrets.scrub(s))).collect();
                judged.map(|()| reading).map_err(ProbeError::target_failed)
            }
            Err(e) => {
                self.conditions = self.assertions.iter().map(Assertion::unreached).collect();
                Err(e)
            }
        };
        result.map_err(|e| ProbeError(self.secrets.scrub(&e.0), e.1))
    }

    /// Every `assert` of the check as the last run judged it: all unreached
    /// when it got no JSON body to judge (no answer, a failed status).
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The request and its whole body: the reading so far (status,
    /// latency, certificate days) and the body, not yet judged.
    async fn exchange(&self, timeout: Duration) -> Result<(Reading, Vec<u8>), ProbeError> {
        let client = self.client.get()?;
        let spec = &self.request;
        // `probe` bounds the whole exchange with `timeout`: no second timer here.
        let mut request = client.request(spec.method.clone(), spec.url.clone()).headers(spec.headers.clone());
        if let Some(body) = &spec.body {
            request = request.body(body.clone());
        }
        let started = Instant::now();
        let response = request.send().await.map_err(|e| match certificate_problem(&e) {
            // The server answered, with a certificate we refuse.
            Some(reason) => ProbeError::target_failed(reason),
            None => ProbeError::new(request_reason(&e, timeout, &spec.url)),
        })?;

        let status = response.status();
        if !status_matches(self.expected_status, status) {
            let mut reason = status_reason(status);
            if status.is_redirection()
                && let Some(to) = redirect_target(&response)
            {
                reason.push_str(&format!(" (redirect to {to} not followed)"));
            }
            return Err(ProbeError::target_failed(reason));
        }
        let cert_days = peer_cert_days(&response);

        let content_length = response.content_length();
        let chunks =
            futures::stream::try_unfold(response, |mut r| async move { Ok::<_, reqwest::Error>(r.chunk().await?.map(|c| (c, r))) });
        let body = read_capped(chunks, content_length, self.max_body).await.map_err(|e| match e {
            BodyError::TooLarge => ProbeError::new(format!("body larger than {}", self.max_body_text)),
            BodyError::Read(e) => {
                let reason = request_reason(&e, timeout, &spec.url);
                ProbeError::new(format!("reading the body failed: {reason}"))
            }
        })?;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;

        let mut reading = Reading::new().with("latency_ms", latency_ms).with("status", f64::from(status.as_u16()));
        if let Some(days) = cert_days {
            reading.set("cert_days", days);
        }
        Ok((reading, body))
    }
}

fn parse_url(text: &str, from_env: Option<&str>) -> Result<Url, ProbeError> {
    // The URL itself is never quoted: it may carry a password or a token.
    let whose = from_env.map_or_else(|| "URL".to_string(), |var| format!("URL in {var}"));
    let url = Url::parse(text.trim()).map_err(|e| ProbeError::new(format!("{whose} is not a valid URL: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(ProbeError::new(format!("{whose} has scheme `{other}`; expected http or https"))),
    }
}

fn header_name(name: &str) -> Result<HeaderName, ProbeError> {
    HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| ProbeError::new(format!("invalid header name `{name}`")))
}

fn timeout_reason(timeout: Duration) -> ProbeError {
    ProbeError::new(format!("timeout after {}", short_duration(timeout)))
}

/// The status the check expects, or any 2xx.
fn status_matches(expected: Option<u16>, status: StatusCode) -> bool {
    match expected {
        Some(code) => status.as_u16() == code,
        None => status.is_success(),
    }
}

/// `HTTP 503 Service Unavailable` (just `HTTP 599` for codes without a name).
fn status_reason(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(phrase) => format!("HTTP {} {phrase}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// Where a redirect that was not followed points, without credentials or query.
fn redirect_target(response: &reqwest::Response) -> Option<String> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let target = response.url().join(location).ok()?;
    Some(redacted_url(&target))
}

/// Days left on the server's certificate, when the run used TLS and the
/// certificate could be read.
fn peer_cert_days(response: &reqwest::Response) -> Option<f64> {
    let info = response.extensions().get::<reqwest::tls::TlsInfo>()?;
    super::tls::days_until_expiry(info.peer_certificate()?).ok()
}

/// A short reason for a failed request. Built from error kinds and the
/// causes under reqwest's error, never from reqwest's own message (which
/// quotes the full URL).
fn request_reason(e: &reqwest::Error, timeout: Duration, url: &Url) -> String {
    if e.is_timeout() {
        return timeout_reason(timeout).0;
    }
    if e.is_dns() {
        return format!("DNS lookup failed for {}", url.host_str().unwrap_or("host"));
    }
    if let Some(reason) = cause_reason(e) {
        return reason;
    }
    if let Some(message) = innermost_message(e) {
        return message;
    }
    let what = if e.is_connect() {
        "connection failed"
    } else if e.is_redirect() {
        "too many redirects"
    } else if e.is_body() || e.is_decode() {
        "reading the response failed"
    } else {
        "request failed"
    };
    what.to_string()
}

/// The first cause below `e` that has a well-known short form: a TLS
/// failure or an I/O error.
pub(super) fn cause_reason(e: &(dyn StdError + 'static)) -> Option<String> {
    let mut cause = e.source();
    while let Some(c) = cause {
        if let Some(tls) = c.downcast_ref::<rustls::Error>() {
            return Some(format!("TLS error: {tls}"));
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            // tokio-rustls reports handshake failures as an I/O error
            // wrapping the rustls error.
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(format!("TLS error: {tls}"));
            }
            return Some(io_reason(io));
        }
        cause = c.source();
    }
    None
}

/// The message of the deepest cause below `e`, skipping reqwest's own
/// errors (their messages quote the URL).
pub(super) fn innermost_message(e: &(dyn StdError + 'static)) -> Option<String> {
    let mut found = None;
    let mut cause = e.source();
    while let Some(c) = cause {
        if c.downcast_ref::<reqwest::Error>().is_none() {
            found = Some(c.to_string());
        }
        cause = c.source();
    }
    found.filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::io;

    use super::*;

    #[test]
    fn status_expectations() {
        assert!(status_matches(None, StatusCode::OK));
        assert!(status_matches(None, StatusCode::NO_CONTENT));
        assert!(!status_matches(None, StatusCode::FOUND));
        assert!(!status_matches(None, StatusCode::SERVICE_UNAVAILABLE));
        assert!(status_matches(Some(204), StatusCode::NO_CONTENT));
        assert!(!status_matches(Some(204), StatusCode::OK));
        assert!(status_matches(Some(503), StatusCode::SERVICE_UNAVAILABLE));
    }

    #[test]
    fn status_reasons_carry_the_phrase_when_known() {
        assert_eq!(status_reason(StatusCode::SERVICE_UNAVAILABLE), "HTTP 503 Service Unavailable");
        let odd = StatusCode::from_u16(599).unwrap();
        assert_eq!(status_reason(odd), "HTTP 599");
    }

    #[test]
    fn redirects_stay_on_the_host_and_never_downgrade() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(may_follow(&u("http://a.test/x"), &u("http://a.test/y")));
        assert!(may_follow(&u("http://a.test/x"), &u("https://A.test:8443/y")));
        assert!(!may_follow(&u("https://a.test/x"), &u("http://a.test/y")));
        assert!(!may_follow(&u("http://a.test/x"), &u("http://b.test/x")));
        assert!(!may_follow(&u("http://a.test/x"), &u("ftp://a.test/x")));
    }

    #[test]
    fn urls_are_checked_without_being_quoted() {
        let e = parse_url("not a url?token=abc", Some("API_URL")).unwrap_err();
        assert!(e.0.starts_with("URL in API_URL is not a valid URL"), "{e}");
        assert!(!e.0.contains("abc"));
        let e = parse_url("ftp://h/x", None).unwrap_err();
        assert_eq!(e.0, "URL has scheme `ftp`; expected http or https");
        assert!(parse_url(" https://h/x ", None).is_ok());
    }

    /// An error with a fixed message and an optional cause.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<dyn StdError + Send + Sync>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn StdError + 'static))
        }
    }

    #[test]
    fn causes_become_short_reasons() {
        let refused =
            Layer("outer", Some(Box::new(Layer("tcp connect error", Some(Box::new(io::Error::from(io::ErrorKind::ConnectionRefused)))))));
        assert_eq!(cause_reason(&refused).as_deref(), Some("connection refused"));

        let tls = Layer(
            "outer",
            Some(Box::new(io::Error::new(
                io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
            ))),
        );
        let reason = cause_reason(&tls).unwrap();
        assert!(reason.starts_with("TLS error: invalid peer certificate"), "{reason}");

        let plain = Layer("outer", Some(Box::new(Layer("connection closed before message completed", None))));
        assert_eq!(cause_reason(&plain), None);
        assert_eq!(innermost_message(&plain).as_deref(), Some("connection closed before message completed"));
        assert_eq!(innermost_message(&Layer("only", None)), None);
    }
}
