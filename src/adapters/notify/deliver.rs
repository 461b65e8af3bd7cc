//! One notification's delivery: POST the JSON body to the [`Endpoint`]
//! with its proof of origin (signature headers, a bearer token, or
//! PagerDuty's routing key set in the body as it is sent), retrying what
//! may pass on a second try (connect errors, timeouts, 5xx, 429) with the
//! [`Policy`]'s backoff; other answers are final (a 2xx — PagerDuty's 202
//! included — is success; a 4xx is a refusal shown on the timeline). The
//! outcome reads as the timeline shows it: `HTTP 200`, `HTTP 500 after 3
//! attempts`, `timed out after 5s ×3`. Error texts never include the URL,
//! key or token (they are secrets).

use std::error::Error as _;
use std::time::Duration;

use serde_json::Value;

use super::policy::Policy;
use super::sign::{SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};
use super::target::{Auth, Endpoint};

/// How a delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub ok: bool,
    pub detail: String,
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Try {
    Status(u16),
    TimedOut,
    Failed(String),
}

impl Try {
    fn retryable(&self) -> bool {
        match self {
            Try::Status(code) => *code == 429 || *code >= 500,
            Try::TimedOut | Try::Failed(_) => true,
        }
    }
}

/// The HTTP client for webhooks: no redirects (a POST is not replayed
/// elsewhere), proxies from the environment.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .tls_backend_rustls()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// POSTs `body` to `to` until it is accepted, refused for good, or
/// `policy.attempts` are used up.
pub async fn deliver(client: &reqwest::Client, to: &Endpoint, body: &Value, policy: &Policy) -> Delivery {
    let attempts = policy.attempts.max(1);
    let mut body = body.clone();
    if let (Auth::RoutingKey(key), Value::Object(fields)) = (&to.auth, &mut body) {
        fields.insert("routing_key".into(), Value::String(key.clone()));
    }
    let bytes = match serde_json::to_vec(&body) {
        Ok(b) => b,
        Err(e) => return Delivery { ok: false, detail: format!("cannot encode the notification: {e}") },
    };
    let mut tries = Vec::new();
    for n in 1..=attempts {
        let got = attempt(client, to, &bytes, policy.timeout).await;
        let again = got.retryable() && n < attempts;
        tries.push(got);
        if !again {
            break;
        }
        tokio::time::sleep(policy.wait_after(n)).await;
    }
    outcome(&tries, policy.timeout)
}

async fn attempt(client: &reqwest::Client, to: &Endpoint, body: &[u8], timeout: Duration) -> Try {
    let mut request = client.post(&to.url).timeout(timeout).header(reqwest::header::CONTENT_TYPE, "application/json");
    match &to.auth {
        Auth::None | Auth::RoutingKey(_) => {}
        Auth::Bearer(token) => request = request.bearer_auth(token),
        Auth::Signed(secret) => {
            let now = jiff::Timestamp::now().as_second();
            request = request.header(TIMESTAMP_HEADER, now.to_string()).header(SIGNATURE_HEADER, signature(secret, now, body));
        }
    }
    let sent = request.body(body.to_vec()).send();
    match tokio::time::timeout(timeout, sent).await {
        Err(_) => Try::TimedOut,
        Ok(Ok(response)) => Try::Status(response.status().as_u16()),
        Ok(Err(e)) if e.is_timeout() => Try::TimedOut,
        Ok(Err(e)) => Try::Failed(reason(&e)),
    }
}

/// The deepest cause of a request error (`Connection refused (os error
/// 111)`), not reqwest's own message, which names the URL.
fn reason(e: &reqwest::Error) -> String {
    let mut deepest = None;
    let mut next = e.source();
    while let Some(cause) = next {
        deepest = Some(cause.to_string());
        next = cause.source();
    }
    let what = if e.is_connect() { "cannot connect" } else { "request failed" };
    match deepest {
        Some(cause) if !cause.contains("://") => format!("{what}: {cause}"),
        _ => what.to_string(),
    }
}

/// The timeline's detail for a run of attempts.
fn outcome(tries: &[Try], timeout: Duration) -> Delivery {
    let n = tries.len();
    let after = if n > 1 { format!(" after {n} attempts") } else { String::new() };
    match tries.last() {
        Some(Try::Status(code)) => Delivery { ok: (200..300).contains(code), detail: format!("HTTP {code}{after}") },
        Some(Try::TimedOut) if tries.iter().all(|t| *t == Try::TimedOut) => {
            let times = if n > 1 { format!(" ×{n}") } else { String::new() };
            Delivery { ok: false, detail: format!("timed out after {}{times}", span(timeout)) }
        }
        Some(Try::TimedOut) => Delivery { ok: false, detail: format!("timed out ({}){after}", span(timeout)) },
        Some(Try::Failed(why)) => Delivery { ok: false, detail: format!("{why}{after}") },
        None => Delivery { ok: false, detail: "not attempted".into() },
    }
}

/// `5s`, `1.5s`, `200ms`.
fn span(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        _ if ms.is_multiple_of(1000) => format!("{}s", ms / 1000),
        _ if ms > 1000 => format!("{:.1}s", d.as_secs_f64()),
        _ => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_read_like_the_timeline() {
        let t = Duration::from_secs(5);
        let d = |tries: &[Try]| outcome(tries, t);
        assert_eq!(d(&[Try::Status(200)]), Delivery { ok: true, detail: "HTTP 200".into() });
        assert_eq!(d(&[Try::Status(503), Try::Status(204)]), Delivery { ok: true, detail: "HTTP 204 after 2 attempts".into() });
        assert_eq!(d(&[Try::Status(500), Try::Status(500), Try::Status(500)]).detail, "HTTP 500 after 3 attempts");
        assert_eq!(d(&[Try::Status(404)]), Delivery { ok: false, detail: "HTTP 404".into() });
        assert_eq!(d(&[Try::TimedOut, Try::TimedOut, Try::TimedOut]).detail, "timed out after 5s ×3");
        assert_eq!(d(&[Try::Status(500), Try::TimedOut]).detail, "timed out (5s) after 2 attempts");
        assert_eq!(d(&[Try::Failed("cannot connect: refused".into())]).detail, "cannot connect: refused");
        assert_eq!(span(Duration::from_millis(200)), "200ms");
        assert_eq!(span(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn what_is_retried() {
        assert!(Try::Status(500).retryable() && Try::Status(429).retryable() && Try::TimedOut.retryable());
        assert!(!Try::Status(404).retryable() && !Try::Status(400).retryable() && !Try::Status(200).retryable());
    }
}
