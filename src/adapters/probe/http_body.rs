//! The pure half of the `http` probe: reading a response body as a stream
//! under a size cap, judging it (JSON assertions, numbers read by JSONPath),
//! and keeping secrets out of reasons (redacted URLs, scrubbed values).

use futures::{Stream, StreamExt};
use reqwest::Url;
use serde_json::Value;

use super::Reading;
use super::json_assert::{Assertion, Condition, evaluate_all, extract_number};

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError<E> {
    /// Longer than the cap (by its Content-Length, or once read past it).
    TooLarge,
    Read(E),
}

/// Reads a body chunk by chunk, holding at most `cap` bytes: a declared
/// length over the cap fails before anything is read, and reading stops at
/// the first chunk that goes past it.
pub async fn read_capped<S, C, E>(chunks: S, content_length: Option<u64>, cap: u64) -> Result<Vec<u8>, BodyError<E>>
where
    S: Stream<Item = Result<C, E>>,
    C: AsRef<[u8]>,
{
    if content_length.is_some_and(|len| len > cap) {
        return Err(BodyError::TooLarge);
    }
    let initial = content_length.unwrap_or(0).min(cap).min(64 * 1024);
    let mut body = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
    let mut chunks = std::pin::pin!(chunks);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        let chunk = chunk.as_ref();
        if body.len() as u64 + chunk.len() as u64 > cap {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(chunk);
    }
    Ok(body)
}

/// Checks a body against every assertion (the first failure is the reason)
/// and adds the numbers at `extract` to the reading, named by their path;
/// returns each assertion's [`Condition`] beside the verdict (all unreached
/// when the body is not JSON). The body is parsed only when there is
/// something to look for.
pub fn judge_body(
    body: &[u8],
    assertions: &[Assertion],
    extract: &[String],
    reading: &mut Reading,
) -> (Vec<Condition>, Result<(), String>) {
    if assertions.is_empty() && extract.is_empty() {
        return (Vec::new(), Ok(()));
    }
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return (assertions.iter().map(Assertion::unreached).collect(), Err("body is not JSON".to_string()));
    };
    let (conditions, held) = evaluate_all(assertions, &json);
    let judged = held.and_then(|()| {
        for path in extract {
            reading.set(path.clone(), extract_number(&json, path)?);
        }
        Ok(())
    });
    (conditions, judged)
}

/// A URL fit for a reason: scheme, host, port and path; no user, password,
/// query or fragment.
pub fn redacted_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}{}", url.scheme(), url.path()),
        None => format!("{}://{host}{}", url.scheme(), url.path()),
    }
}

/// Values that must never appear in a reason: header values read from the
/// environment and the URL's credentials and query values.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    values: Vec<String>,
}

/// Values shorter than this are not scrubbed: they would mangle ordinary
/// words and numbers, and are no secret anyway.
const MIN_SECRET_LEN: usize = 4;

impl Secrets {
    pub fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.len() >= MIN_SECRET_LEN && !self.values.iter().any(|v| v == value) {
            self.values.push(value.to_string());
            // Longest first, so a secret containing another is removed whole.
            self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// The password, the user name when a password comes with it, the whole
    /// query and each query value.
    pub fn add_url(&mut self, url: &Url) {
        if let Some(password) = url.password() {
            self.add(password);
            self.add(url.username());
        }
        if let Some(query) = url.query() {
            self.add(query);
            for (_, value) in url.query_pairs() {
                self.add(&value);
            }
            for raw in query.split('&').filter_map(|pair| pair.split_once('=')) {
                self.add(raw.1);
            }
        }
    }

    /// `reason` with every secret value replaced by `…`.
    pub fn scrub(&self, reason: &str) -> String {
        let mut out = reason.to_string();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "…");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use futures::stream;

    use super::*;

    fn block<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn reads_bodies_within_the_cap() {
        let chunks = stream::iter(vec![Ok::<_, ()>(b"ab".to_vec()), Ok(b"cd".to_vec())]);
        assert_eq!(block(read_capped(chunks, None, 4)).unwrap(), b"abcd");
        let empty = stream::iter(Vec::<Result<Vec<u8>, ()>>::new());
        assert_eq!(block(read_capped(empty, Some(0), 4)).unwrap(), b"");
    }

    #[test]
    fn stops_reading_at_the_cap() {
        let pulled = Cell::new(0);
        let endless = stream::repeat_with(|| {
            pulled.set(pulled.get() + 1);
            Ok::<_, ()>(vec![0u8; 1000])
        });
        let r = block(read_capped(endless, None, 10_500));
        assert!(matches!(r, Err(BodyError::TooLarge)));
        assert_eq!(pulled.get(), 11, "reads one chunk past the cap, then stops");
    }

    #[test]
    fn a_declared_length_over_the_cap_reads_nothing() {
        let pulled = Cell::new(0);
        let chunks = stream::repeat_with(|| {
            pulled.set(pulled.get() + 1);
            Ok::<_, ()>(vec![0u8; 10])
        });
        let r = block(read_capped(chunks, Some(1 << 40), 1024));
        assert!(matches!(r, Err(BodyError::TooLarge)));
        assert_eq!(pulled.get(), 0);
    }

    #[test]
    fn read_errors_pass_through() {
        let chunks = stream::iter(vec![Ok(b"ab".to_vec()), Err("reset")]);
        assert!(matches!(block(read_capped(chunks, None, 100)), Err(BodyError::Read("reset"))));
    }

    fn assertions(list: &[&str]) -> Vec<Assertion> {
        list.iter().map(|a| Assertion::parse(a).unwrap()).collect()
    }

    #[test]
    fn judges_json_bodies() {
        let body = br#"{"status":"healthy","database":"down","queue":{"depth":12}}"#;
        let mut r = Reading::new();
        let ok = assertions(&[r#"$.status == "healthy""#]);
        judge_body(body, &ok, &["$.queue.depth".into()], &mut r).1.unwrap();
        assert_eq!(r.get("$.queue.depth"), Some(12.0));

        let failing = assertions(&[r#"$.status == "healthy""#, r#"$.database == "connected""#]);
        let (conditions, judged) = judge_body(body, &failing, &[], &mut Reading::new());
        assert_eq!(judged, Err(r#"$.database was "down""#.into()));
        assert_eq!(conditions.iter().map(|c| c.passed).collect::<Vec<_>>(), [true, false], "both reported");
        assert_eq!(judge_body(body, &[], &["$.uptime".into()], &mut Reading::new()).1, Err("$.uptime is missing".into()));
    }

    #[test]
    fn only_parses_when_asked() {
        let mut r = Reading::new();
        assert_eq!(judge_body(b"<html>", &[], &[], &mut r), (Vec::new(), Ok(())));
        let any = assertions(&["$.status"]);
        assert_eq!(judge_body(b"<html>", &any, &[], &mut r), (vec![any[0].unreached()], Err("body is not JSON".into())));
        assert_eq!(judge_body(b"", &[], &["$.x".into()], &mut r).1, Err("body is not JSON".into()));
    }

    #[test]
    fn urls_lose_credentials_and_queries() {
        let u = Url::parse("https://bob:hunter2@api.test:8443/v1/health?token=abc#frag").unwrap();
        assert_eq!(redacted_url(&u), "https://api.test:8443/v1/health");
        let u = Url::parse("http://api.test/").unwrap();
        assert_eq!(redacted_url(&u), "http://api.test/");
    }

    #[test]
    fn secrets_are_scrubbed_from_reasons() {
        let mut s = Secrets::default();
        s.add("Bearer s3cr3t-token");
        s.add("s3cr3t");
        s.add("ab"); // too short to matter
        s.add_url(&Url::parse("http://bob:hunter2@h/x?token=t%2Fk-123&v=1").unwrap());
        assert_eq!(s.scrub(r#"$.auth was "Bearer s3cr3t-token""#), r#"$.auth was "…""#);
        assert_eq!(s.scrub("saw s3cr3t and hunter2"), "saw … and …");
        assert_eq!(s.scrub("token t/k-123 or t%2Fk-123"), "token … or …");
        assert_eq!(s.scrub("HTTP 401 Unauthorized"), "HTTP 401 Unauthorized");
        assert_eq!(s.scrub("ab cd"), "ab cd");
    }
}
