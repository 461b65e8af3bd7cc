//! `redis` probe: the shared connection managers (one per URL) and the
//! prober for built-in metrics (`INFO`), BullMQ queue counts and arbitrary
//! numeric commands. Reasons are short and never contain the URL or its
//! password. Pure parsing and delta logic live in [`super::redis_info`].
//!
//! `rediss://` URLs speak TLS (rustls, the binary's one provider), trusting
//! the system's roots, or exactly the check's `ca_file`; `cert_file` and
//! `key_file` present a client certificate. A refused server certificate
//! is said in words (`certificate not trusted: …`, `hostname mismatch: …`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, ClientTlsConfig, ErrorKind, RedisError, TlsCertificates, Value};

use super::cert_reason;
use super::postgres::scrub;
use super::redis_info::{Evictions, HitRatio, info_number, memory_ratio, parse_info, reply_number};
use super::{ProbeEnv, ProbeError, ProbeResult, Reading, io_reason, short_duration};
use opsdeck_core::config::check::{QueueCount, RedisMetric, RedisProbe};

/// One connection manager per URL, shared by every check on that server.
/// A manager is created on a probe's first use (a failure is that probe's
/// error, and the next probe tries again); once made, it reconnects by
/// itself after the server drops the connection.
#[derive(Clone, Default)]
pub struct Connections {
    managers: Arc<Mutex<HashMap<String, ConnectionManager>>>,
}

impl Connections {
    async fn get(&self, url: &str, client: &Client, timeout: Duration) -> Result<ConnectionManager, RedisError> {
        if let Some(m) = self.lock().get(url) {
            return Ok(m.clone());
        }
        // One attempt per probe: the scheduler's backoff does the retrying.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let made = ConnectionManager::new_with_config(client.clone(), config).await?;
        // Another check may have made one meanwhile: keep the first.
        Ok(self.lock().entry(url.to_string()).or_insert(made).clone())
    }

    /// Drops the manager for `url`, so the next probe makes a fresh one
    /// (after authentication failures, which the manager does not retry).
    fn forget(&self, url: &str) {
        self.lock().remove(url);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ConnectionManager>> {
        self.managers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What one prober measures.
enum Target {
    Metric(RedisMetric),
    Queue { prefix: String, count: QueueCount },
    Command(Vec<String>),
}

pub struct RedisProber {
    url: String,
    /// The connection manager's key: the URL and the TLS files, so checks
    /// on one server with different certificates do not share a connection.
    key: String,
    /// Whether `ca_file` is set (an untrusted certificate's reason says so).
    own_ca: bool,
    client: Client,
    target: Target,
    connections: Connections,
    hits: HitRatio,
    evictions: Evictions,
}

/// Why a measurement failed: a Redis error (mapped to a reason at the end)
/// or a reason already.
enum Failure {
    Redis(RedisError),
    Reason(String),
}

impl From<RedisError> for Failure {
    fn from(e: RedisError) -> Self {
        Failure::Redis(e)
    }
}

impl From<String> for Failure {
    fn from(reason: String) -> Self {
        Failure::Reason(reason)
    }
}

impl RedisProber {
    pub fn new(spec: &RedisProbe, env: &ProbeEnv) -> Result<Self, ProbeError> {
        let target = match (&spec.metric, &spec.queue, &spec.command) {
            (Some(m), None, None) => Target::Metric(*m),
            (None, Some(q), None) => Target::Queue { prefix: q.clone(), count: spec.count.unwrap_or(QueueCount::Wait) },
            (None, None, Some(words)) if !words.is_empty() => Target::Command(words.clone()),
            (None, None, Some(_)) => return Err(ProbeError::new("empty redis command")),
            _ => {
                return Err(ProbeError::new("redis check needs one of `metric`, `queue` or `command`"));
            }
        };
        let url = env.url(spec.url.as_deref(), spec.url_env.as_deref())?;
        let client = client(&url, spec, &env.base_dir)?;
        let key = format!("{url}\n{:?}\n{:?}\n{:?}", spec.ca_file, spec.cert_file, spec.key_file);
        Ok(Self {
            url,
            key,
            own_ca: spec.ca_file.is_some(),
            client,
            target,
            connections: env.clients.redis.clone(),
            hits: HitRatio::default(),
            evictions: Evictions::default(),
        })
    }

    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        let outcome = tokio::time::timeout(timeout, self.run(timeout)).await;
        let reason = match outcome {
            Ok(Ok(reading)) => return Ok(reading),
            Ok(Err(Failure::Redis(e))) => {
                if is_auth_failure(&e) {
                    self.connections.forget(&self.key);
                }
                match reason(&e, Some(timeout)) {
                    r if r.starts_with("certificate not trusted") && !self.own_ca => {
                        format!("{r} (the system's roots were used: give the server's CA in `ca_file`)")
                    }
                    r => r,
                }
            }
            Ok(Err(Failure::Reason(r))) => r,
            Err(_) => timeout_reason(timeout),
        };
        Err(ProbeError::new(scrub(&reason, &self.url)))
    }

    async fn run(&mut self, timeout: Duration) -> Result<Reading, Failure> {
        let mut con = self.connections.get(&self.key, &self.client, timeout).await?;
        let read_only = !matches!(self.target, Target::Command(_));
        match self.measure(&mut con).await {
            // The server dropped the connection since the last probe (a
            // restart, a failover): the manager is reconnecting, so one
            // more try tells whether the server is really gone. Not for an
            // operator's command, which might not be safe to run twice.
            Err(Failure::Redis(e)) if read_only && e.is_connection_dropped() => self.measure(&mut con).await,
            other => other,
        }
    }

    async fn measure(&mut self, con: &mut ConnectionManager) -> Result<Reading, Failure> {
        let mut reading = match &self.target {
            Target::Metric(metric) => {
                let metric = *metric;
                self.metric(metric, con).await?
            }
            Target::Queue { prefix, count } => queue(prefix, *count, con).await?,
            Target::Command(words) => {
                let mut cmd = redis::cmd(&words[0]);
                for word in &words[1..] {
                    cmd.arg(word);
                }
                let value: Value = cmd.query_async(con).await?;
                Reading::new().with("value", reply_number(&value)?)
            }
        };
        reading.set("up", 1.0);
        Ok(reading)
    }

    async fn metric(&mut self, metric: RedisMetric, con: &mut ConnectionManager) -> Result<Reading, Failure> {
        let section = match metric {
            RedisMetric::Up => {
                let pong: String = redis::cmd("PING").query_async(con).await?;
                return match pong.as_str() {
                    "PONG" => Ok(Reading::new()),
                    other => Err(format!("PING replied \"{other}\"").into()),
                };
            }
            RedisMetric::MemoryUsedRatio => "memory",
            RedisMetric::ConnectedClients | RedisMetric::BlockedClients => "clients",
            RedisMetric::HitRatio | RedisMetric::Evictions => "stats",
        };
        let text: String = redis::cmd("INFO").arg(section).query_async(con).await?;
        let info = parse_info(&text);
        let mut reading = Reading::new();
        match metric {
            RedisMetric::Up => {}
            RedisMetric::MemoryUsedRatio => {
                let (ratio, used, limit) = memory_ratio(&info)?;
                reading.set("memory_used_ratio", ratio);
                reading.set("used_memory_bytes", used);
                reading.set("memory_limit_bytes", limit);
            }
            RedisMetric::ConnectedClients | RedisMetric::BlockedClients => {
                reading.set("connected_clients", info_number(&info, "connected_clients")?);
                reading.set("blocked_clients", info_number(&info, "blocked_clients")?);
            }
            RedisMetric::HitRatio => {
                let hits = info_number(&info, "keyspace_hits")?;
                let misses = info_number(&info, "keyspace_misses")?;
                let (ratio, lookups) = self.hits.update(hits, misses);
                reading.set("hit_ratio", ratio);
                reading.set("lookups", lookups);
            }
            RedisMetric::Evictions => {
                let evicted = info_number(&info, "evicted_keys")?;
                reading.set("evictions", self.evictions.update(evicted));
            }
        }
        Ok(reading)
    }
}

/// BullMQ's counts for the queue `prefix` (`bull:emails`), in one pipeline,
/// as BullMQ's getters count them:
/// - `wait` is `getWaitingCount()`: the `wait` list, paused or not (BullMQ
///   5 and later keep a paused queue's jobs there and flag the queue in its
///   `meta` hash), plus the `paused` list an older BullMQ moved them to;
///   jobs with a priority are not in it.
/// - `prioritized` is `getPrioritizedCount()`, `delayed` `getDelayedCount()`,
///   `waiting-children` `getWaitingChildrenCount()` (parents of a flow
///   waiting for their children), `active` and `failed` likewise.
/// - `paused` is what a pause holds back: while the queue is paused, its
///   waiting and prioritized jobs (and an older BullMQ's `paused` list);
///   0 when it runs. `queue_paused` is 1 while it is paused.
async fn queue(prefix: &str, count: QueueCount, con: &mut ConnectionManager) -> Result<Reading, Failure> {
    let key = |suffix: &str| format!("{prefix}:{suffix}");
    type Counts = (f64, f64, f64, f64, f64, f64, f64, Option<String>);
    let (wait, active, legacy_paused, delayed, failed, prioritized, waiting_children, paused_flag): Counts = redis::pipe()
        .cmd("LLEN")
        .arg(key("wait"))
        .cmd("LLEN")
        .arg(key("active"))
        .cmd("LLEN")
        .arg(key("paused"))
        .cmd("ZCARD")
        .arg(key("delayed"))
        .cmd("ZCARD")
        .arg(key("failed"))
        .cmd("ZCARD")
        .arg(key("prioritized"))
        .cmd("ZCARD")
        .arg(key("waiting-children"))
        .cmd("HGET")
        .arg(key("meta"))
        .arg("paused")
        .query_async(con)
        .await?;
    let is_paused = paused_flag.as_deref() == Some("1");
    let waiting = wait + legacy_paused;
    let paused = if is_paused { wait + prioritized + legacy_paused } else { legacy_paused };
    let jobs = match count {
        QueueCount::Wait => waiting,
        QueueCount::Active => active,
        QueueCount::Delayed => delayed,
        QueueCount::Failed => failed,
        QueueCount::Paused => paused,
        QueueCount::Prioritized => prioritized,
        QueueCount::WaitingChildren => waiting_children,
    };
    Ok(Reading::new()
        .with("wait", waiting)
        .with("active", active)
        .with("delayed", delayed)
        .with("failed", failed)
        .with("paused", paused)
        .with("prioritized", prioritized)
        .with("waiting_children", waiting_children)
        .with("queue_paused", if is_paused { 1.0 } else { 0.0 })
        .with("jobs", jobs))
}

/// The client for `url`: plain, or TLS with the check's certificate files
/// (relative to the plan's directory).
fn client(url: &str, spec: &RedisProbe, base_dir: &Path) -> Result<Client, ProbeError> {
    let invalid = |e: RedisError| ProbeError::new(scrub(&format!("invalid Redis URL: {}", reason(&e, None)), url));
    // rediss:// builds its TLS config from the process's default provider.
    crate::tls::provider();
    if spec.ca_file.is_none() && spec.cert_file.is_none() && spec.key_file.is_none() {
        return Client::open(url).map_err(invalid);
    }
    if !url.starts_with("rediss://") {
        return Err(ProbeError::new("`ca_file`, `cert_file` and `key_file` are for TLS: the URL must start with rediss://"));
    }
    let read = |key: &str, file: &Path| {
        let full = base_dir.join(file);
        std::fs::read(&full).map_err(|e| ProbeError::new(format!("{key} {}: {}", full.display(), io_reason(&e))))
    };
    let root_cert = spec.ca_file.as_deref().map(|f| read("ca_file", f)).transpose()?;
    let client_tls = match (&spec.cert_file, &spec.key_file) {
        (Some(cert), Some(key)) => Some(ClientTlsConfig { client_cert: read("cert_file", cert)?, client_key: read("key_file", key)? }),
        (None, None) => None,
        _ => return Err(ProbeError::new("`cert_file` and `key_file` go together")),
    };
    Client::build_with_tls(url, TlsCertificates { client_tls, root_cert }).map_err(invalid)
}

fn timeout_reason(timeout: Duration) -> String {
    format!("timeout after {}", short_duration(timeout))
}

fn is_auth_failure(e: &RedisError) -> bool {
    e.kind() == ErrorKind::AuthenticationFailed || matches!(e.code(), Some("NOAUTH" | "WRONGPASS"))
}

/// A Redis error as a short reason: the server's error text as Redis prints
/// it (`NOAUTH Authentication required.`), or the familiar I/O wording.
fn reason(e: &RedisError, timeout: Option<Duration>) -> String {
    if let Some(refused) = cert_reason::refusal(e) {
        return refused;
    }
    if let Some(rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired)) = cert_reason::rustls_error(e) {
        return "the server requires a client certificate: set `cert_file` and `key_file`".into();
    }
    if e.is_connection_refusal() {
        return "connection refused".into();
    }
    if e.is_timeout() {
        return match timeout {
            Some(t) => timeout_reason(t),
            None => "timed out".into(),
        };
    }
    match e.kind() {
        ErrorKind::AuthenticationFailed => return "password authentication failed".into(),
        ErrorKind::Parse => return "unreadable reply (not a Redis server?)".into(),
        _ => {}
    }
    if let Some(code) = e.code() {
        return match e.detail() {
            Some(detail) => format!("{code} {detail}"),
            None => code.to_string(),
        };
    }
    if e.is_connection_dropped() {
        return "connection closed".into();
    }
    strip_os_error(&e.to_string())
}

/// The first line of an error, without its OS error number:
/// `Connection reset by peer (os error 104)` → `connection reset by peer`.
fn strip_os_error(text: &str) -> String {
    let text = text.lines().next().unwrap_or_default();
    let text = match text.find(" (os error") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_short() {
        let refused = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(reason(&refused, None), "connection refused");
        let timed_out = RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert_eq!(reason(&timed_out, Some(Duration::from_secs(2))), "timeout after 2s");
        assert_eq!(strip_os_error("Connection reset by peer (os error 104)"), "connection reset by peer");
    }

    #[test]
    fn exactly_one_target() {
        let env = ProbeEnv::from_process(".".into());
        let spec = RedisProbe {
            url: Some("redis://127.0.0.1:1".into()),
            url_env: None,
            metric: None,
            queue: None,
            count: None,
            command: Some(vec![]),
            ca_file: None,
            cert_file: None,
            key_file: None,
        };
        assert!(RedisProber::new(&spec, &env).is_err());
    }
}
