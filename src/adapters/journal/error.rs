//! Journal errors the caller may need to tell apart: a read-only console's
//! refusal, and a store that cannot be reached (which the facade answers by
//! spooling instead of failing). Everything else is an `eyre::Report` with
//! context.

use color_eyre::eyre::Report;

/// Returned by [`Journal::append`](super::Journal::append) on a read-only console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("read-only console: appends are refused")]
pub struct ReadOnly;

/// The database refused an append because of the role the console is
/// connected as: it may read the room but not append to it (an observer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the database refused the append: the role this console is connected as may read this room but not append to it (an observer)")]
pub struct Denied;

/// The store did not answer in time (or at all).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store unreachable: {0}")]
pub struct Unreachable(pub String);

/// Whether `err` is the read-only refusal, this console's or the database's.
pub fn is_read_only(err: &Report) -> bool {
    err.chain().any(|e| e.is::<ReadOnly>() || e.is::<Denied>())
}

/// Whether `err` is the database's refusal because of the role the console
/// is connected as ([`Denied`]), rather than this console's own read-only flag.
pub fn is_denied(err: &Report) -> bool {
    err.chain().any(|e| e.is::<Denied>())
}

/// Whether `err` means "the store could not be reached" (network, server
/// shutting down, connection killed, pool timeout) rather than "the store
/// answered no" (constraint, bad data, bug). Only the former is spooled.
pub fn is_unreachable(err: &Report) -> bool {
    err.chain().any(|e| e.is::<Unreachable>() || e.is::<std::io::Error>() || e.downcast_ref::<sqlx::Error>().is_some_and(sqlx_unreachable))
}

fn sqlx_unreachable(err: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match err {
        E::Io(_) | E::Tls(_) | E::Protocol(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => true,
        E::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 53: insufficient resources (too many
            // connections, disk full); 57P01-03: admin/crash shutdown,
            // cannot connect now (pg_terminate_backend gives 57P01).
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P0")
        }),
        E::Migrate(m) => match m.as_ref() {
            sqlx::migrate::MigrateError::Execute(inner) => sqlx_unreachable(inner),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use color_eyre::eyre::{WrapErr, eyre};

    use super::*;

    #[test]
    fn connection_trouble_is_unreachable_and_refusals_are_not() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let r: Result<(), _> = Err(sqlx::Error::Io(io));
        assert!(is_unreachable(&r.wrap_err("appending").unwrap_err()));
        let r: Result<(), _> = Err(sqlx::Error::PoolTimedOut);
        assert!(is_unreachable(&r.wrap_err("appending").unwrap_err()));
        assert!(is_unreachable(&Report::new(Unreachable("timed out".into()))));
        let r: Result<(), _> = Err(sqlx::Error::RowNotFound);
        assert!(!is_unreachable(&r.wrap_err("appending").unwrap_err()));
        assert!(!is_unreachable(&eyre!("constraint")));
    }

    #[test]
    fn read_only_is_recognised_through_context() {
        let r: Result<(), _> = Err(ReadOnly);
        let err = r.wrap_err("recording a note").unwrap_err();
        assert!(is_read_only(&err));
        assert_eq!(ReadOnly.to_string(), "read-only console: appends are refused");
    }
}
