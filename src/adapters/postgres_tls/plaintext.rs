//! Telling a `sslmode=prefer` connection that fell back to plain text:
//! sqlx (like libpq) silently goes on without TLS when the server does not
//! offer it. A [`PlaintextWatch`] hooked into a pool asks each new
//! connection `pg_stat_ssl` whether it is encrypted, keeps the answer for
//! the probe's note or the console's notice, and logs a warning the first
//! time a connection is found in plain text.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use sqlx::postgres::PgPoolOptions;

/// What a probe reading and the console say of such a connection.
pub const PLAINTEXT_NOTE: &str = "connected in plain text: the server does not offer TLS (sslmode=prefer)";

const UNKNOWN: u8 = 0;
const ENCRYPTED: u8 = 1;
const PLAIN: u8 = 2;

/// Whether the connections of one pool are encrypted. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PlaintextWatch {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Names the connection in the log (`the journal store db:5432/app`);
    /// never the URL, which may hold a password.
    what: String,
    /// Off when the URL did not ask for `prefer` (nothing to tell).
    enabled: bool,
    state: AtomicU8,
    warned: AtomicBool,
}

impl PlaintextWatch {
    /// A watch for connections that `enabled` says need watching.
    pub fn new(what: impl Into<String>, enabled: bool) -> Self {
        Self { inner: Arc::new(Inner { what: what.into(), enabled, state: AtomicU8::new(UNKNOWN), warned: AtomicBool::new(false) }) }
    }

    /// `options` with the check run on every new connection (when enabled).
    pub fn hook(&self, options: PgPoolOptions) -> PgPoolOptions {
        if !self.inner.enabled {
            return options;
        }
        let watch = self.clone();
        options.after_connect(move |conn, _| {
            let watch = watch.clone();
            Box::pin(async move {
                let ssl: Result<Option<bool>, sqlx::Error> =
                    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetch_optional(&mut *conn).await;
                match ssl {
                    Ok(Some(encrypted)) => watch.seen(encrypted),
                    // Not knowing is no reason to refuse the connection.
                    Ok(None) => tracing::debug!("{}: pg_stat_ssl has no row for this connection", watch.inner.what),
                    Err(e) => tracing::debug!("{}: cannot read pg_stat_ssl: {e}", watch.inner.what),
                }
                Ok(())
            })
        })
    }

    /// Records what a new connection was found to be.
    pub fn seen(&self, encrypted: bool) {
        self.inner.state.store(if encrypted { ENCRYPTED } else { PLAIN }, Ordering::SeqCst);
        if !encrypted && !self.inner.warned.swap(true, Ordering::SeqCst) {
            tracing::warn!("{}: {PLAINTEXT_NOTE}", self.inner.what);
        }
    }

    /// [`PLAINTEXT_NOTE`] while the last connection made was in plain text.
    pub fn note(&self) -> Option<&'static str> {
        (self.inner.state.load(Ordering::SeqCst) == PLAIN).then_some(PLAINTEXT_NOTE)
    }
}

/// `host:port/database` of a connection, for the log.
pub fn describe(options: &sqlx::postgres::PgConnectOptions) -> String {
    format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_connection_decides_the_note() {
        let w = PlaintextWatch::new("db", true);
        assert_eq!(w.note(), None);
        w.seen(false);
        assert_eq!(w.note(), Some(PLAINTEXT_NOTE));
        w.seen(true);
        assert_eq!(w.note(), None);
    }
}
