//! HTTP plumbing shared by the two ways a prometheus check reads
//! (PromQL queries and `/metrics` scrapes): the client, and short reasons
//! for failed requests that never repeat the URL.

use std::error::Error as _;

use super::{ProbeError, io_reason};

/// Longest reason kept from a server's error message.
pub(super) const MAX_REASON: usize = 200;

/// A short reason for a failed HTTP request: `HTTP 503`, `connection
/// refused`, a TLS or DNS failure. Never includes the URL.
pub(super) fn request_reason(e: &reqwest::Error) -> String {
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

/// The HTTP client of one prober (connections are reused between runs).
pub(super) fn http_client() -> Result<reqwest::Client, ProbeError> {
    reqwest::Client::builder()
        .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProbeError::new(format!("cannot set up an HTTP client: {}", request_reason(&e))))
}

/// Cuts a reason to [`MAX_REASON`] characters.
pub(super) fn shorten(s: String) -> String {
    match s.char_indices().nth(MAX_REASON) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}
