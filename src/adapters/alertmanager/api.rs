//! The part of Alertmanager's v2 HTTP API opsdeck uses: the active alerts
//! matching a filter, the silences, creating one and expiring one. Every
//! request is bounded by the caller's timeout; every error is a short
//! reason that never repeats the URL or a header value (`connection
//! refused`, `HTTP 400: bad matcher`, `timed out after 2s`).

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::adapters::probe::prom_http::{env_headers, http_client, request_reason, shorten};
use crate::adapters::probe::prometheus::parse_http_url;
use crate::adapters::probe::{ProbeEnv, short_duration};
use opsdeck_core::metrics::selector::Matcher;

/// One Alertmanager, reached at a base URL with the plan's headers.
#[derive(Clone)]
pub struct Api {
    base: Url,
    client: reqwest::Client,
    /// Values that must never show in a reason (header values, URL secrets).
    secrets: Vec<String>,
}

/// An alert as the API lists it (only what opsdeck reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Alert {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A silence as the API lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    pub id: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub matchers: Vec<SilenceMatcher>,
    pub status: SilenceStatus,
}

impl Silence {
    /// Active or pending (not expired).
    pub fn is_live(&self) -> bool {
        self.status.state != "expired"
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SilenceStatus {
    /// `active`, `pending` or `expired`.
    pub state: String,
}

/// A matcher of a silence, as the API writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceMatcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl From<&Matcher> for SilenceMatcher {
    fn from(m: &Matcher) -> Self {
        SilenceMatcher { name: m.name.clone(), value: m.value.clone(), is_regex: m.op.is_regex(), is_equal: m.op.is_equal() }
    }
}

/// A silence to create.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSilence {
    pub matchers: Vec<SilenceMatcher>,
    /// RFC 3339.
    pub starts_at: String,
    pub ends_at: String,
    pub created_by: String,
    pub comment: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

impl Api {
    /// The API at `url` (or the URL in `url_env`), with the headers of
    /// `headers_env` read through `env`. Fails when a variable is unset
    /// or the URL is not an http(s) URL.
    pub fn new(url: Option<&str>, url_env: Option<&str>, headers_env: &BTreeMap<String, String>, env: &ProbeEnv) -> Result<Api, String> {
        let raw = env.url(url, url_env).map_err(|e| e.0)?;
        let base = parse_http_url(&raw).map_err(|e| e.0)?;
        let (headers, mut secrets) = env_headers(headers_env, env).map_err(|e| e.0)?;
        let client = http_client(headers).map_err(|e| e.0)?;
        secrets.extend(base.password().map(str::to_string));
        secrets.extend(base.query_pairs().map(|(_, v)| v.into_owned()));
        secrets.retain(|s| s.chars().count() >= 3);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Ok(Api { base, client, secrets })
    }

    /// Active alerts, neither silenced nor inhibited, matching every matcher.
    pub async fn alerts(&self, filter: &[Matcher], timeout: Duration) -> Result<Vec<Alert>, String> {
        let mut query: Vec<(&str, String)> = vec![("active", "true".into()), ("silenced", "false".into()), ("inhibited", "false".into())];
        query.extend(filter.iter().map(|m| ("filter", m.render())));
        let request = self.client.get(self.endpoint("alerts")).query(&query);
        self.json(request, timeout).await
    }

    /// Every silence Alertmanager keeps (expired ones included).
    pub async fn silences(&self, timeout: Duration) -> Result<Vec<Silence>, String> {
        self.json(self.client.get(self.endpoint("silences")), timeout).await
    }

    /// Creates a silence; its id.
    pub async fn create(&self, silence: &NewSilence, timeout: Duration) -> Result<String, String> {
        let created: Created = self.json(self.client.post(self.endpoint("silences")).json(silence), timeout).await?;
        Ok(created.silence_id)
    }

    /// Expires the silence `id` (an already expired one is no error to Alertmanager).
    pub async fn expire(&self, id: &str, timeout: Duration) -> Result<(), String> {
        let url = self.endpoint(&format!("silence/{id}"));
        let response = self.send(self.client.delete(url), timeout).await?;
        drop(response);
        Ok(())
    }

    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let base = self.base.path().trim_end_matches('/');
        url.set_path(&format!("{base}/api/v2/{path}"));
        url.set_query(None);
        url
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder, timeout: Duration) -> Result<T, String> {
        let read = async {
            let response = self.send(request, timeout).await?;
            response.json::<T>().await.map_err(|e| self.mask(format!("unexpected answer: {}", request_reason(&e))))
        };
        tokio::time::timeout(timeout, read).await.unwrap_or_else(|_| Err(format!("timed out after {}", short_duration(timeout))))
    }

    /// Sends a request; a non-2xx answer is an error with the status and
    /// Alertmanager's own message.
    async fn send(&self, request: reqwest::RequestBuilder, timeout: Duration) -> Result<reqwest::Response, String> {
        let sent = tokio::time::timeout(timeout, request.timeout(timeout).send()).await;
        let response = match sent {
            Err(_) => return Err(format!("timed out after {}", short_duration(timeout))),
            Ok(Err(e)) if e.is_timeout() => return Err(format!("timed out after {}", short_duration(timeout))),
            Ok(Err(e)) => return Err(self.mask(request_reason(&e))),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let message = body.trim().trim_matches('"').trim();
        Err(self.mask(shorten(if message.is_empty() {
            format!("HTTP {}", status.as_u16())
        } else {
            format!("HTTP {}: {message}", status.as_u16())
        })))
    }

    fn mask(&self, mut reason: String) -> String {
        for secret in &self.secrets {
            if reason.contains(secret.as_str()) {
                reason = reason.replace(secret.as_str(), "***");
            }
        }
        crate::secrets::installed().redact(&reason).into_owned()
    }
}
