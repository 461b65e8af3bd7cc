//! How the PostgreSQL store connects: its pool of one connection (see
//! [`POOL_SIZE`]) whose every use starts and ends with a bounded ping, and
//! telling a server that refuses connections from one that is only slow;
//! its URL with the password masked, for error messages. And its [`Link`]:
//! the options with TLS as libpq does it (`adapters::postgres_tls`), the
//! watch on a `sslmode=prefer` connection gone plain text, and TLS
//! failures in words.

use std::path::Path;
use std::time::Duration;

use color_eyre::eyre::Report;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};
use sqlx::{Connection, PgConnection};

use super::error::Unreachable;
use crate::adapters::postgres_tls::plaintext::{PlaintextWatch, describe};
use crate::adapters::postgres_tls::{self, reason::tls_failure};

/// How the store connects: its options, the `sslmode` in force and the
/// watch on its connections' encryption (the pooled and `LISTEN` ones).
#[derive(Debug)]
pub(super) struct Link {
    pub options: PgConnectOptions,
    pub mode: PgSslMode,
    pub plaintext: PlaintextWatch,
}

impl Link {
    /// From the store's URL; relative certificate paths start at the
    /// current directory. Connections are named `opsdeck` unless the URL
    /// sets `application_name`.
    pub fn from_url(url: &str) -> Result<Link, String> {
        crate::tls::provider();
        let target = postgres_tls::target(url, Path::new(""))?;
        let options = target.options;
        let options = if options.get_application_name().is_none() { options.application_name("opsdeck") } else { options };
        Ok(Link::new(options, target.say_plaintext))
    }

    /// From options made elsewhere; `say_plaintext` watches for a plain-text fallback.
    pub fn new(options: PgConnectOptions, say_plaintext: bool) -> Link {
        crate::tls::provider();
        let plaintext = PlaintextWatch::new(format!("the journal store {}", describe(&options)), say_plaintext);
        Link { mode: options.get_ssl_mode(), options, plaintext }
    }

    /// `e` as a report: a TLS failure in words (and unreachable: the
    /// journal spools, as for any store it cannot use), else as it is.
    pub fn explain(&self, e: sqlx::Error) -> Report {
        match tls_failure(&e, self.mode) {
            Some(words) => Report::new(Unreachable(words)),
            None => Report::new(e),
        }
    }
}

/// Connections a console's journal holds for queries, besides the
/// dedicated `LISTEN` connection (see `listen`): one, so two per console
/// in all, and a room of 50 consoles costs its database 100 connections.
/// Operations take turns on it, each bounded (`OP_DEADLINE`; appends by
/// the journal's own timeout), and a connection must come back to the pool
/// after each within `RELEASE_PATIENCE` or the pool is replaced by a
/// fresh one, so a connection a failover left silent never holds the queue.
pub const POOL_SIZE: u32 = 1;

/// How long a pooled connection may take to answer the ping before it is
/// used (see [`drop_if_dead`]); slower, and it is dropped and a new one
/// opened.
pub const PING_TIMEOUT: Duration = Duration::from_millis(500);

/// How long an operation runs before it checks whether the server refuses
/// connections, and how often it checks again while it waits.
const REFUSAL_CHECK_AFTER: Duration = Duration::from_millis(200);
const REFUSAL_CHECK_EVERY: Duration = Duration::from_secs(1);

/// Whether `conn` answers a ping within [`PING_TIMEOUT`]; an error (the
/// connection is then dropped, not given back) when it does not.
async fn answers_ping(conn: &mut PgConnection, what: &'static str) -> Result<bool, sqlx::Error> {
    match tokio::time::timeout(PING_TIMEOUT, conn.ping()).await {
        Ok(pinged) => pinged.map(|()| true),
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("{what} did not answer a ping within {PING_TIMEOUT:?}: dropped"),
        ))),
    }
}

/// The pool of one connection a store uses (see [`POOL_SIZE`]), opened lazily.
pub(super) fn one_connection(link: &Link, acquire_timeout: Duration) -> PgPool {
    link.plaintext
        .hook(PgPoolOptions::new())
        .max_connections(POOL_SIZE)
        .acquire_timeout(acquire_timeout)
        // The check sqlx does before use, but bounded (see PING_TIMEOUT).
        .test_before_acquire(false)
        // sqlx pings a connection given back before reusing it, without
        // a bound: a connection whose operation was cut off on a silent
        // network would hold the one pooled slot until TCP gave up.
        .after_release(|conn, _| Box::pin(answers_ping(conn, "a connection given back")))
        // No `before_acquire`: a connection that fails it is closed by
        // sqlx with a TLS goodbye that waits for the server's reply, which a
        // silent network never sends, and the one pooled slot stays taken
        // until the operation's deadline. `drop_if_dead` checks instead.
        .connect_lazy_with(link.options.clone())
}

/// Before an operation: pings the pool's idle connection (bounded by
/// [`PING_TIMEOUT`]) and, when it does not answer, takes it out of the pool
/// and drops it on the spot, its socket closed without a goodbye, so the
/// operation opens a fresh connection at once. A pool with no idle
/// connection is left alone (the operation connects, or waits its turn).
pub(super) async fn drop_if_dead(pool: &PgPool) {
    if pool.num_idle() == 0 {
        return;
    }
    let Ok(Ok(mut conn)) = tokio::time::timeout(PING_TIMEOUT, pool.acquire()).await else {
        return;
    };
    if let Err(why) = answers_ping(&mut conn, "a pooled connection").await {
        tracing::warn!("{why}");
        drop(conn.detach());
    }
}

/// Resolves once the server behind `options` is seen refusing connections
/// (checked after [`REFUSAL_CHECK_AFTER`], then every
/// [`REFUSAL_CHECK_EVERY`]); never while it accepts them or cannot be told.
pub(super) async fn refusal(options: &PgConnectOptions) -> String {
    let (target, socket) = match options.get_socket() {
        Some(dir) => (format!("{}/.s.PGSQL.{}", dir.display(), options.get_port()), true),
        None if options.get_host().starts_with('/') => (format!("{}/.s.PGSQL.{}", options.get_host(), options.get_port()), true),
        None => (format!("{}:{}", options.get_host(), options.get_port()), false),
    };
    tokio::time::sleep(REFUSAL_CHECK_AFTER).await;
    loop {
        let attempt = async {
            if socket {
                tokio::net::UnixStream::connect(&target).await.map(drop)
            } else {
                tokio::net::TcpStream::connect(&target).await.map(drop)
            }
        };
        if let Ok(Err(e)) = tokio::time::timeout(REFUSAL_CHECK_EVERY, attempt).await
            && matches!(e.kind(), std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound)
        {
            return format!("{target} refuses connections ({e})");
        }
        tokio::time::sleep(REFUSAL_CHECK_EVERY).await;
    }
}

/// `url` with any password (and token-like query value) replaced, for
/// error messages.
pub fn redact(url: &str) -> String {
    crate::secrets::url::mask_in_text(url).into_owned()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://bob:s3cret@db:5432/x"), "postgres://bob:***@db:5432/x");
        assert_eq!(redact("postgres://bob@db/x"), "postgres://bob@db/x");
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
    }
}
