//! Probes: one prober per check, each run by its own task (see [`schedule`]),
//! producing a [`Sample`]: the values a run measured, or a short human reason
//! why it could not measure (`connection refused`, `timeout after 2s`).
//! Probe errors are never turned into values: the metrics engine shows them
//! as UNKNOWN.

pub mod alertmanager;
pub mod cert_reason;
pub mod command;
pub mod http;
mod http_body;
pub mod outcome_log;
pub mod postgres;
mod postgres_queries;
pub(crate) mod prom_http;
pub mod prom_query;
mod prom_scrape;
pub mod prom_text;
pub mod prom_track;
pub mod prometheus;
pub mod redis;
mod redis_info;
pub mod schedule;
pub mod shell;
pub mod tcp;
pub mod tls;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use opsdeck_core::config::{Check, Probe};
pub use opsdeck_core::json_assert;
use opsdeck_core::json_assert::Condition;
pub use opsdeck_core::reading::{Cause, ProbeError, ProbeResult, Reading};

/// Looks up an environment variable (injected so tests control it).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What probers need from outside: environment variables (injected so tests
/// control them), the plan's directory, and clients shared between checks.
#[derive(Clone)]
pub struct ProbeEnv {
    pub env: EnvLookup,
    pub base_dir: PathBuf,
    pub clients: Clients,
}

impl ProbeEnv {
    /// The process environment.
    pub fn from_process(base_dir: PathBuf) -> Self {
        Self { env: Arc::new(|k| std::env::var(k).ok().filter(|v| !v.is_empty())), base_dir, clients: Clients::default() }
    }

    /// Reads a variable named by an `*_env` key; unset is a probe error.
    pub fn var(&self, name: &str) -> Result<String, ProbeError> {
        (self.env)(name).ok_or_else(|| ProbeError::new(format!("environment variable {name} is not set")))
    }

    /// A URL written inline or named by an `*_env` key.
    pub fn url(&self, url: Option<&str>, url_env: Option<&str>) -> Result<String, ProbeError> {
        match (url, url_env) {
            (Some(u), _) => Ok(u.to_string()),
            (None, Some(var)) => self.var(var),
            (None, None) => Err(ProbeError::new("no url configured")),
        }
    }
}

/// Connections shared by every check that talks to the same server: one
/// PostgreSQL pool per DSN, one Redis connection manager per URL, one HTTP client.
#[derive(Clone, Default)]
pub struct Clients {
    pub postgres: postgres::Pools,
    pub redis: redis::Connections,
    pub http: http::SharedClient,
}

/// A check's prober, ready to run repeatedly.
pub enum Prober {
    Http(http::HttpProber),
    Prometheus(prometheus::PrometheusProber),
    Postgres(postgres::PostgresProber),
    Redis(redis::RedisProber),
    Tcp(tcp::TcpProber),
    Tls(tls::TlsProber),
    Command(command::CommandProber),
    Alertmanager(alertmanager::AlertmanagerProber),
}

impl Prober {
    /// Builds the prober for a check. Fails (with a reason shown as UNKNOWN)
    /// when something it needs is missing, such as an unset `url_env`.
    pub fn build(check: &Check, env: &ProbeEnv) -> Result<Prober, ProbeError> {
        Ok(match &check.probe {
            Probe::Http(spec) => Prober::Http(http::HttpProber::new(spec, check, env)?),
            Probe::Prometheus(spec) => Prober::Prometheus(prometheus::PrometheusProber::new(spec, env)?),
            Probe::Postgres(spec) => Prober::Postgres(postgres::PostgresProber::new(spec, env)?),
            Probe::Redis(spec) => Prober::Redis(redis::RedisProber::new(spec, env)?),
            Probe::Tcp(spec) => Prober::Tcp(tcp::TcpProber::new(spec)?),
            Probe::Tls(spec) => Prober::Tls(tls::TlsProber::new(spec)?),
            Probe::Command(spec) => Prober::Command(command::CommandProber::new(spec, check, env)?),
            Probe::Alertmanager(spec) => Prober::Alertmanager(alertmanager::AlertmanagerProber::new(spec, env)?),
        })
    }

    /// Runs the probe once. `timeout` is the check's budget: probers use it
    /// for their own deadlines, and the scheduler enforces it from outside.
    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        match self {
            Prober::Http(p) => p.probe(timeout).await,
            Prober::Prometheus(p) => p.probe(timeout).await,
            Prober::Postgres(p) => p.probe(timeout).await,
            Prober::Redis(p) => p.probe(timeout).await,
            Prober::Tcp(p) => p.probe(timeout).await,
            Prober::Tls(p) => p.probe(timeout).await,
            Prober::Command(p) => p.probe(timeout).await,
            Prober::Alertmanager(p) => p.probe(timeout).await,
        }
    }

    /// True when the last run had no value only because it was the first
    /// (a scraped counter's rate needs two scrapes): running again gives one.
    pub fn awaits_second_probe(&self) -> bool {
        match self {
            Prober::Prometheus(p) => p.awaits_second_scrape(),
            _ => false,
        }
    }

    /// Every `assert` of the check as the last run judged it (`[]` for
    /// kinds without assertions).
    pub fn conditions(&self) -> &[Condition] {
        match self {
            Prober::Http(p) => p.conditions(),
            Prober::Command(p) => p.conditions(),
            Prober::Prometheus(_) | Prober::Postgres(_) | Prober::Redis(_) | Prober::Tcp(_) | Prober::Tls(_) | Prober::Alertmanager(_) => {
                &[]
            }
        }
    }
}

/// Formats a duration for reasons: `2s`, `1.5s`, `250ms`.
pub fn short_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Turns an I/O error into the short reason people recognise.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => "connection refused".into(),
        ConnectionReset => "connection reset".into(),
        ConnectionAborted => "connection aborted".into(),
        TimedOut => "timed out".into(),
        NotFound => "not found".into(),
        PermissionDenied => "permission denied".into(),
        AddrNotAvailable => "address not available".into(),
        UnexpectedEof => "connection closed early".into(),
        // The resolver's own wording ("failed to lookup address information: …").
        _ if e.to_string().contains("lookup address") => "DNS lookup failed".into(),
        _ => e.to_string(),
    }
}
