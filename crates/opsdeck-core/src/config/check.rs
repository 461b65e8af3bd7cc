//! `[[check]]`: what to poll, how, and the band its value is judged against.
//! Exactly one probe kind per check (http, prometheus, postgres, redis, tcp,
//! tls, command, alertmanager); secrets are named by environment variable, never inline.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::alertmanager::AlertmanagerProbe;
use super::band::Band;
use super::duration::TimeSpan;

/// One polled check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub id: String,
    pub name: Option<String>,
    pub probe: Probe,
    /// JSON assertions on an HTTP body (`$.status == "healthy"`).
    pub assert: Vec<String>,
    /// Which measured quantity the band judges (default depends on the kind).
    pub value: Option<String>,
    /// Unit of that quantity, when the name does not imply one.
    pub unit: Option<String>,
    pub band: Option<Band>,
    pub every: Option<TimeSpan>,
    pub timeout: Option<TimeSpan>,
    pub raise_after: Option<u32>,
    pub clear_after: Option<u32>,
    pub stale_after: Option<TimeSpan>,
    pub group: Option<String>,
    /// Probed by every console of a room from its own host (a command that
    /// reads the local machine), never by the room's one prober: each
    /// console shows, and judges, its own reading.
    pub local: bool,
    /// Alertmanager matchers (`alertname="HighLatency"`) of the silence
    /// opsdeck creates in the plan's `[alertmanager]` whenever this check
    /// is silenced (from the console or by a `[[maintenance]]` window).
    pub silence_matchers: Vec<String>,
}

/// The probe kinds, with their settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    Http(HttpProbe),
    Prometheus(PrometheusProbe),
    Postgres(PostgresProbe),
    Redis(RedisProbe),
    Tcp(TcpProbe),
    Tls(TlsProbe),
    Command(CommandProbe),
    Alertmanager(AlertmanagerProbe),
}

/// Names of the probe kinds, in the order messages list them.
pub const PROBE_KINDS: [&str; 8] = ["http", "prometheus", "postgres", "redis", "tcp", "tls", "command", "alertmanager"];

impl Probe {
    pub fn kind(&self) -> &'static str {
        match self {
            Probe::Http(_) => "http",
            Probe::Prometheus(_) => "prometheus",
            Probe::Postgres(_) => "postgres",
            Probe::Redis(_) => "redis",
            Probe::Tcp(_) => "tcp",
            Probe::Tls(_) => "tls",
            Probe::Command(_) => "command",
            Probe::Alertmanager(_) => "alertmanager",
        }
    }

    /// The quantity judged when the check does not say (`value = …`).
    pub fn default_value(&self) -> &'static str {
        match self {
            Probe::Http(_) | Probe::Tcp(_) => "latency_ms",
            Probe::Tls(_) => "cert_days",
            Probe::Postgres(PostgresProbe { metric: Some(m), .. }) => m.name(),
            Probe::Redis(RedisProbe { metric: Some(m), .. }) => m.name(),
            Probe::Redis(RedisProbe { queue: Some(_), .. }) => "jobs",
            Probe::Alertmanager(_) => "alerts",
            _ => "value",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpProbe {
    pub url: Option<String>,
    pub url_env: Option<String>,
    #[serde(default = "default_method")]
    pub method: String,
    /// Header values given inline (non-secret).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Header values read from environment variables (`Authorization = "API_TOKEN"`).
    #[serde(default)]
    pub headers_env: BTreeMap<String, String>,
    pub body: Option<String>,
    /// Expected status; any 2xx when unset.
    pub status: Option<u16>,
    /// Largest body read before the probe fails (`"1MiB"`).
    pub max_body: Option<String>,
}

fn default_method() -> String {
    "GET".into()
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusProbe {
    /// Base URL of the Prometheus HTTP API, for `query`.
    pub url: Option<String>,
    pub url_env: Option<String>,
    /// A PromQL instant query returning one number.
    pub query: Option<String>,
    /// A `/metrics` URL to scrape in the text exposition format, for `metric`.
    pub scrape: Option<String>,
    /// Series to read from the scrape, with optional label matchers (`=`,
    /// `!=`, `=~`, `!~`; regexes anchored): `http_requests_total{code=~"5.."}`.
    /// Parsed by [`crate::metrics::selector::Selector`].
    pub metric: Option<String>,
    /// For histograms: the quantile to compute (0..1).
    pub quantile: Option<f64>,
    /// Header values read from environment variables, sent with every query
    /// or scrape (`Authorization = "PROM_TOKEN"`, `"X-Scope-OrgID" = "PROM_TENANT"`).
    #[serde(default)]
    pub headers_env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgresProbe {
    pub url: Option<String>,
    pub url_env: Option<String>,
    /// A built-in measurement.
    pub metric: Option<PostgresMetric>,
    /// A query returning one number.
    pub sql: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostgresMetric {
    Up,
    ConnectionsUsedRatio,
    LongestTransactionS,
    BlockedSessions,
    ReplicationLagBytes,
    ReplicationLagS,
}

impl PostgresMetric {
    pub fn name(self) -> &'static str {
        match self {
            PostgresMetric::Up => "up",
            PostgresMetric::ConnectionsUsedRatio => "connections_used_ratio",
            PostgresMetric::LongestTransactionS => "longest_transaction_s",
            PostgresMetric::BlockedSessions => "blocked_sessions",
            PostgresMetric::ReplicationLagBytes => "replication_lag_bytes",
            PostgresMetric::ReplicationLagS => "replication_lag_s",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedisProbe {
    pub url: Option<String>,
    pub url_env: Option<String>,
    pub metric: Option<RedisMetric>,
    /// A BullMQ queue prefix and name (`bull:emails`).
    pub queue: Option<String>,
    /// Which queue count to judge (default `wait`).
    pub count: Option<QueueCount>,
    /// A command returning a number, as words (`["LLEN", "jobs"]`).
    pub command: Option<Vec<String>>,
    /// For `rediss://`: the CA (PEM) that signed the server's certificate,
    /// trusted instead of the system's roots. Relative to the plan's directory.
    pub ca_file: Option<PathBuf>,
    /// For `rediss://` with client certificates: the certificate (PEM) and
    /// its private key (PEM); one needs the other.
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedisMetric {
    Up,
    MemoryUsedRatio,
    ConnectedClients,
    BlockedClients,
    HitRatio,
    Evictions,
}

impl RedisMetric {
    pub fn name(self) -> &'static str {
        match self {
            RedisMetric::Up => "up",
            RedisMetric::MemoryUsedRatio => "memory_used_ratio",
            RedisMetric::ConnectedClients => "connected_clients",
            RedisMetric::BlockedClients => "blocked_clients",
            RedisMetric::HitRatio => "hit_ratio",
            RedisMetric::Evictions => "evictions",
        }
    }
}

/// A BullMQ count, as BullMQ's own getters count it (see the Redis probe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueCount {
    /// `getWaitingCount()`: the `wait` list (and an older BullMQ's `paused` list).
    Wait,
    Active,
    Delayed,
    Failed,
    /// The jobs a pause holds back: `wait` and `prioritized` while the queue is paused.
    Paused,
    /// `getPrioritizedCount()`.
    Prioritized,
    /// `getWaitingChildrenCount()`: parents waiting for their children.
    #[serde(rename = "waiting-children")]
    WaitingChildren,
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpProbe {
    /// `host:port`.
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsProbe {
    pub host: String,
    #[serde(default = "default_tls_port")]
    pub port: u16,
    /// SNI name when it differs from `host`.
    pub server_name: Option<String>,
}

fn default_tls_port() -> u16 {
    443
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandProbe {
    /// Shell command run with `sh -c`.
    pub run: String,
    /// How the result is read: the exit code, a number on stdout, or JSON.
    #[serde(default)]
    pub output: CommandOutput,
    pub cwd: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommandOutput {
    #[default]
    ExitCode,
    Number,
    Json,
}

/// The TOML shape of a check; turned into [`Check`] once it has exactly one probe.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CheckToml {
    id: String,
    name: Option<String>,
    http: Option<HttpProbe>,
    prometheus: Option<PrometheusProbe>,
    postgres: Option<PostgresProbe>,
    redis: Option<RedisProbe>,
    tcp: Option<TcpProbe>,
    tls: Option<TlsProbe>,
    command: Option<CommandProbe>,
    alertmanager: Option<AlertmanagerProbe>,
    #[serde(default)]
    assert: Vec<String>,
    value: Option<String>,
    unit: Option<String>,
    band: Option<Band>,
    every: Option<TimeSpan>,
    timeout: Option<TimeSpan>,
    raise_after: Option<u32>,
    clear_after: Option<u32>,
    stale_after: Option<TimeSpan>,
    group: Option<String>,
    #[serde(default)]
    local: bool,
    #[serde(default)]
    silence_matchers: Vec<String>,
}

/// A check is written as its TOML table (one probe key among the kinds).
impl schemars::JsonSchema for Check {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Check".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        CheckToml::json_schema(generator)
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = CheckToml::deserialize(d)?;
        let mut probes: Vec<Probe> = Vec::new();
        probes.extend(t.http.map(Probe::Http));
        probes.extend(t.prometheus.map(Probe::Prometheus));
        probes.extend(t.postgres.map(Probe::Postgres));
        probes.extend(t.redis.map(Probe::Redis));
        probes.extend(t.tcp.map(Probe::Tcp));
        probes.extend(t.tls.map(Probe::Tls));
        probes.extend(t.command.map(Probe::Command));
        probes.extend(t.alertmanager.map(Probe::Alertmanager));
        let kinds = PROBE_KINDS.join(", ");
        let probe = match probes.len() {
            1 => probes.remove(0),
            0 => {
                return Err(serde::de::Error::custom(format!("check `{}` has no probe; expected one of {kinds}", t.id)));
            }
            _ => {
                let found: Vec<_> = probes.iter().map(|p| p.kind()).collect();
                return Err(serde::de::Error::custom(format!(
                    "check `{}` has {} probes ({}); expected exactly one",
                    t.id,
                    found.len(),
                    found.join(", ")
                )));
            }
        };
        Ok(Check {
            id: t.id,
            name: t.name,
            probe,
            assert: t.assert,
            value: t.value,
            unit: t.unit,
            band: t.band,
            every: t.every,
            timeout: t.timeout,
            raise_after: t.raise_after,
            clear_after: t.clear_after,
            stale_after: t.stale_after,
            group: t.group,
            local: t.local,
            silence_matchers: t.silence_matchers,
        })
    }
}

impl Check {
    /// The quantity the band judges.
    pub fn value_name(&self) -> &str {
        self.value.as_deref().unwrap_or_else(|| self.probe.default_value())
    }

    /// The (url, url_env) pair of probes that reach a service by URL.
    pub fn url_target(&self) -> Option<(Option<&str>, Option<&str>)> {
        match &self.probe {
            Probe::Http(p) => Some((p.url.as_deref(), p.url_env.as_deref())),
            Probe::Prometheus(p) if p.query.is_some() => Some((p.url.as_deref(), p.url_env.as_deref())),
            Probe::Postgres(p) => Some((p.url.as_deref(), p.url_env.as_deref())),
            Probe::Redis(p) => Some((p.url.as_deref(), p.url_env.as_deref())),
            Probe::Alertmanager(p) => Some((p.url.as_deref(), p.url_env.as_deref())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, schemars::JsonSchema)]
    struct W {
        check: Vec<Check>,
    }

    #[test]
    fn one_probe_kind_per_check() {
        let w: W = toml::from_str("[[check]]\nid = \"api\"\nhttp = { url = \"http://x/health\" }\n").unwrap();
        assert_eq!(w.check[0].probe.kind(), "http");
        assert_eq!(w.check[0].value_name(), "latency_ms");
        let e = toml::from_str::<W>("[[check]]\nid = \"api\"\n").err().unwrap();
        assert!(e.message().contains("has no probe"), "{e}");
        let e = toml::from_str::<W>("[[check]]\nid = \"x\"\ntcp = { address = \"a:1\" }\ntls = { host = \"a\" }\n").err().unwrap();
        assert!(e.message().contains("has 2 probes (tcp, tls)"), "{e}");
    }
}
