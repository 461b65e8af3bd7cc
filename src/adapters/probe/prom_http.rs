//! HTTP plumbing shared by the two ways a prometheus check reads
//! (PromQL queries and `/metrics` scrapes): the client, and short reasons
//! for failed requests that never repeat the URL.

use std::error::Error as _;

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::{ProbeEnv, ProbeError, io_reason};

/// Longest reason kept from a server's error message.
pub(super) const MAX_REASON: usize = 200;

/// A short reason for a failed HTTP request: `HTTP 503`, `connection
/// refused`, a TLS or DNS failure. Never includes the URL.
pub(crate) fn request_reason(e: &reqwest::Error) -> String {
    if let Some(status) = e.status() {
        return format!("HTTP {}", status.as_u16());
    }
    // reqwest's own message names the URL: describe the cause instead.
    let mut deepest = None;
    let mut next = e.source();
    while let Some(cause) = next {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return shorten(io_cause(io));
        }
        deepest = Some(cause.to_string());
        next = cause.source();
    }
    if e.is_timeout() {
        return "timed out".to_string();
    }
    match deepest {
        Some(d) if e.is_decode() => shorten(format!("could not decode the response: {d}")),
        Some(d) => shorten(d),
        None if e.is_connect() => "connection failed".to_string(),
        None if e.is_body() => "could not read the response body".to_string(),
        None => "request failed".to_string(),
    }
}

/// The reason for an I/O error, looking through the I/O errors wrapped in it
/// (TLS failures arrive as an I/O error inside an I/O error).
fn io_cause(mut io: &std::io::Error) -> String {
    while let Some(inner) = io.get_ref() {
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return format!("TLS error: {tls}");
        }
        match inner.downcast_ref::<std::io::Error>() {
            Some(nested) => io = nested,
            None => break,
        }
    }
    io_reason(io)
}

/// The HTTP client of one prober (connections are reused between runs),
/// sending `headers` (the check's `headers_env`, marked sensitive) on every
/// request.
pub(crate) fn http_client(headers: HeaderMap) -> Result<reqwest::Client, ProbeError> {
    reqwest::Client::builder()
        .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .build()
        .map_err(|e| ProbeError::new(format!("cannot set up an HTTP client: {}", request_reason(&e))))
}

/// Cuts a reason to [`MAX_REASON`] characters.
pub(crate) fn shorten(s: String) -> String {
    match s.char_indices().nth(MAX_REASON) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}

/// The headers of `headers_env` (header name → environment variable), each
/// value read through `env` and marked sensitive, and the values themselves
/// (secrets to mask in reasons). An unset variable is an error naming it;
/// an invalid value is an error that never repeats it.
pub(crate) fn env_headers(headers_env: &BTreeMap<String, String>, env: &ProbeEnv) -> Result<(HeaderMap, Vec<String>), ProbeError> {
    let mut headers = HeaderMap::new();
    let mut values = Vec::new();
    for (name, var) in headers_env {
        let raw = env.var(var)?;
        let trimmed = raw.trim().to_string();
        values.push(raw);
        let header =
            HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| ProbeError::new(format!("invalid header name {name:?}")))?;
        let mut value = HeaderValue::from_str(&trimmed)
            .map_err(|_| ProbeError::new(format!("invalid value for header {name} (from {var}): not a valid header value")))?;
        value.set_sensitive(true);
        headers.insert(header, value);
        values.push(trimmed);
    }
    Ok((headers, values))
}
