//! `postgres` probe: the shared connection pools (one per DSN) and the
//! prober that runs a built-in metric or an operator's `sql` on them, turning
//! failures into short reasons that never contain the DSN or its password.
//! The SQL itself lives in [`super::postgres_queries`]; TLS (`sslmode` and
//! the certificate files of the URL) in `adapters::postgres_tls`, whose
//! watch turns a `prefer` connection that fell back to plain text into the
//! reading's note.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use super::postgres_queries::Query;
use super::{ProbeEnv, ProbeError, ProbeResult, io_reason, short_duration};
use crate::adapters::postgres_tls::plaintext::{PlaintextWatch, describe};
use crate::adapters::postgres_tls::{self, reason::tls_failure};
use opsdeck_core::config::check::PostgresProbe;

/// Connections per pool: probes are short, so a few serve many checks.
const MAX_CONNECTIONS: u32 = 4;

/// Share of the budget spent waiting for a pooled connection; the rest is
/// kept to find out why none came (see [`PostgresProber::diagnose`]).
const ACQUIRE_SHARE: f64 = 0.6;

/// One pool per DSN, shared by every check on that server. Pools are created
/// lazily and connect on demand, so a server that comes back is reconnected
/// by itself (sqlx tests idle connections before handing them out).
#[derive(Clone, Default)]
pub struct Pools {
    pools: Arc<Mutex<HashMap<String, (PgPool, PlaintextWatch)>>>,
}

impl Pools {
    /// The pool for `dsn` and the watch on its connections' encryption,
    /// created on first use. `timeout` is the acquire timeout of a new pool.
    fn get(&self, dsn: &str, options: &PgConnectOptions, say_plaintext: bool, timeout: Duration) -> (PgPool, PlaintextWatch) {
        let mut pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        pools
            .entry(dsn.to_string())
            .or_insert_with(|| {
                let watch = PlaintextWatch::new(format!("postgres check on {}", describe(options)), say_plaintext);
                let pool = watch
                    .hook(PgPoolOptions::new())
                    .max_connections(MAX_CONNECTIONS)
                    .min_connections(0)
                    .acquire_timeout(timeout)
                    .idle_timeout(Duration::from_secs(300))
                    .connect_lazy_with(options.clone());
                (pool, watch)
            })
            .clone()
    }
}

pub struct PostgresProber {
    /// The DSN, used as the pool key and scrubbed out of reasons.
    dsn: String,
    options: PgConnectOptions,
    /// The `sslmode` in force, for the words of TLS failures.
    mode: PgSslMode,
    /// `sslmode=prefer` was asked for: a plain-text fallback is noted.
    say_plaintext: bool,
    query: Query,
    pools: Pools,
}

impl PostgresProber {
    pub fn new(spec: &PostgresProbe, env: &ProbeEnv) -> Result<Self, ProbeError> {
        let query = match (spec.metric, &spec.sql) {
            (Some(metric), None) => Query::Metric(metric),
            (None, Some(sql)) => Query::Sql(sql.clone()),
            _ => {
                return Err(ProbeError::new("postgres check needs one of `metric` or `sql`"));
            }
        };
        let dsn = env.url(spec.url.as_deref(), spec.url_env.as_deref())?;
        crate::tls::provider();
        let target = postgres_tls::target(&dsn, &env.base_dir).map_err(|e| ProbeError::new(scrub(&e, &dsn)))?;
        let mut options = target.options;
        if options.get_application_name().is_none() {
            options = options.application_name("opsdeck");
        }
        // Probes run every few seconds: keep them out of the statement log.
        let options = options.disable_statement_logging();
        Ok(Self { dsn, options, mode: target.mode, say_plaintext: target.say_plaintext, query, pools: env.clients.postgres.clone() })
    }

    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        let outcome = tokio::time::timeout(timeout, self.run(timeout)).await;
        let reason = match outcome {
            Ok(Ok(reading)) => return Ok(reading),
            Ok(Err(reason)) => reason,
            Err(_) => timeout_reason(timeout),
        };
        Err(ProbeError::new(scrub(&reason, &self.dsn)))
    }

    async fn run(&self, timeout: Duration) -> Result<super::Reading, String> {
        let started = Instant::now();
        let (pool, watch) = self.pools.get(&self.dsn, &self.options, self.say_plaintext, timeout);
        let wait = timeout.mul_f64(ACQUIRE_SHARE);
        let mut conn = match tokio::time::timeout(wait, pool.acquire()).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(sqlx::Error::PoolTimedOut)) | Err(_) => {
                return Err(self.diagnose(timeout).await);
            }
            Ok(Err(e)) => return Err(error_reason(&e, self.mode, Some(timeout))),
        };
        let left = timeout.saturating_sub(started.elapsed());
        let row = sqlx::raw_sql(AssertSqlSafe(self.query.text(left)))
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| error_reason(&e, self.mode, Some(timeout)))?;
        drop(conn);
        let reading = self.query.reading(row.as_ref())?;
        Ok(match watch.note() {
            Some(note) => reading.with_note(note),
            None => reading,
        })
    }

    /// The pool retries refused connections until its deadline and then only
    /// says it timed out; one direct attempt tells why (`connection refused`,
    /// an authentication failure). If that attempt connects, the server is
    /// reachable but slow or out of connections: a timeout.
    async fn diagnose(&self, timeout: Duration) -> String {
        match self.options.connect().await {
            Ok(conn) => {
                let _ = conn.close().await;
                timeout_reason(timeout)
            }
            Err(e) => error_reason(&e, self.mode, Some(timeout)),
        }
    }
}

fn timeout_reason(timeout: Duration) -> String {
    format!("timeout after {}", short_duration(timeout))
}

/// A sqlx error as a short reason: the server's own message for database
/// errors (`password authentication failed for user "x"`, bad SQL), the
/// familiar wording for I/O errors, TLS failures in words (see
/// `postgres_tls::reason`).
fn error_reason(e: &sqlx::Error, mode: PgSslMode, timeout: Option<Duration>) -> String {
    if let Some(tls) = tls_failure(e, mode) {
        return tls;
    }
    match e {
        sqlx::Error::Database(db) => {
            // 57014: query_canceled, here by our statement_timeout.
            match (db.code().as_deref(), timeout) {
                (Some("57014"), Some(t)) => timeout_reason(t),
                _ => db.message().to_string(),
            }
        }
        sqlx::Error::Io(io) => io_reason(io),
        sqlx::Error::PoolTimedOut => match timeout {
            Some(t) => timeout_reason(t),
            None => "timed out".into(),
        },
        sqlx::Error::Tls(t) => format!("TLS: {t}"),
        sqlx::Error::Configuration(c) => c.to_string(),
        sqlx::Error::Protocol(p) => format!("protocol error: {p}"),
        other => other.to_string(),
    }
}

/// Removes the DSN (or URL) and its password from a reason, should a driver
/// message ever echo them. Shared with the redis prober.
pub(super) fn scrub(reason: &str, dsn: &str) -> String {
    let mut out = reason.replace(dsn, "<dsn>");
    if let Some(password) = dsn_password(dsn).filter(|p| !p.is_empty()) {
        out = out.replace(password, "<password>");
    }
    out
}

/// The password in a URL-style (`postgres://user:pw@host/db`) or key/value
/// (`host=x password=pw`) DSN.
fn dsn_password(dsn: &str) -> Option<&str> {
    if let Some((_, rest)) = dsn.split_once("://") {
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        let (userinfo, _) = authority.rsplit_once('@')?;
        return userinfo.split_once(':').map(|(_, pw)| pw);
    }
    dsn.split_whitespace().find_map(|kv| kv.strip_prefix("password=")).map(|pw| pw.trim_matches('\''))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_found_and_scrubbed() {
        let dsn = "postgres://app:s3cret@db:5432/main";
        assert_eq!(dsn_password(dsn), Some("s3cret"));
        assert_eq!(dsn_password("postgres://app@db/main"), None);
        assert_eq!(dsn_password("host=db password=pw user=x"), Some("pw"));
        assert_eq!(scrub("bad s3cret here", dsn), "bad <password> here");
        assert_eq!(scrub(&format!("cannot reach {dsn}"), dsn), "cannot reach <dsn>");
    }

    #[test]
    fn reasons_are_short() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(error_reason(&refused, PgSslMode::Prefer, None), "connection refused");
        assert_eq!(error_reason(&sqlx::Error::PoolTimedOut, PgSslMode::Prefer, Some(Duration::from_secs(2))), "timeout after 2s");
    }

    #[test]
    fn metric_and_sql_are_exclusive() {
        let env = ProbeEnv::from_process(".".into());
        let spec = PostgresProbe { url: Some("postgres://x@127.0.0.1:1/db".into()), url_env: None, metric: None, sql: None };
        assert!(PostgresProber::new(&spec, &env).is_err());
    }
}
