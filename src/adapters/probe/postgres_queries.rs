//! The SQL behind each `postgres` probe and the decoding of its one-row
//! answer into a [`Reading`]. Pure: no connections here, so the decoding is
//! unit-tested without a server.
//!
//! Every probe runs as one simple-protocol query string: two `SET LOCAL`s
//! (a server-side statement timeout equal to the probe's budget, and a
//! read-only transaction) followed by the query. The statements form one
//! implicit transaction, so the settings end with it and the pooled
//! connection is left clean. The simple protocol returns every value as
//! text, which is what lets `sql` checks return `numeric` without casts.

use std::time::Duration;

use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::{Row, TypeInfo, ValueRef};

use super::Reading;
use opsdeck_core::config::check::PostgresMetric;

/// What one prober asks the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    Metric(PostgresMetric),
    /// An operator's query returning one number in its first column.
    Sql(String),
}

/// `connections_used_ratio`: client backends (not the server's own
/// background processes, which do not use `max_connections` slots) over
/// `max_connections`.
const CONNECTIONS: &str = "select count(*)::float8 / current_setting('max_connections')::float8, \
     count(*)::float8, current_setting('max_connections')::float8 \
     from pg_stat_activity where backend_type = 'client backend'";

/// `longest_transaction_s`: the oldest open transaction of any other client
/// session that is not idle (`idle in transaction` counts: it is the classic
/// culprit). 0 when there is none. Without superuser or `pg_read_all_stats`,
/// other roles' sessions are invisible here.
const LONGEST_TRANSACTION: &str = "select coalesce(max(extract(epoch from clock_timestamp() - xact_start)), 0)::float8 \
     from pg_stat_activity where pid <> pg_backend_pid() and backend_type = 'client backend' \
     and state is distinct from 'idle' and xact_start is not null";

/// `blocked_sessions`: sessions waiting on a lock held by another session.
/// `pg_blocking_pids` is only called for sessions waiting on a lock: it is
/// costly, and the `case` guarantees the order of evaluation.
const BLOCKED: &str = "select count(*)::float8 from pg_stat_activity where \
     case when wait_event_type = 'Lock' then cardinality(pg_blocking_pids(pid)) > 0 else false end";

/// Replication lag, seconds and bytes, from whichever side we are on.
///
/// On a standby: 0 when everything received has been replayed (an idle
/// primary sends nothing, so the age of the last replayed transaction is not
/// lag); otherwise the age of the last replayed transaction, and the bytes
/// received but not yet replayed.
///
/// On a primary: the worst replica in `pg_stat_replication` (`replay_lag`,
/// and `sent_lsn - replay_lsn`). A primary with no replicas reports 0 lag;
/// `replicas` says how many there are, so a band can catch a lost replica.
/// Reading another role's replication rows needs `pg_monitor`.
const REPLICATION: &str = "select \
     case when not pg_is_in_recovery() then \
       coalesce((select max(extract(epoch from replay_lag)) from pg_stat_replication), 0) \
     when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0 \
     else greatest(coalesce(extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()), 0), 0) \
     end::float8, \
     case when not pg_is_in_recovery() then \
       coalesce((select max(pg_wal_lsn_diff(sent_lsn, replay_lsn)) from pg_stat_replication), 0) \
     else greatest(coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0), 0) \
     end::float8, \
     pg_is_in_recovery(), \
     (select count(*) from pg_stat_replication)::float8";

impl Query {
    /// The query and the names of the columns it returns, in order.
    fn body(&self) -> (&str, &'static [&'static str]) {
        match self {
            Query::Metric(PostgresMetric::Up) => ("select 1", &["up"]),
            Query::Metric(PostgresMetric::ConnectionsUsedRatio) => {
                (CONNECTIONS, &["connections_used_ratio", "connections", "max_connections"])
            }
            Query::Metric(PostgresMetric::LongestTransactionS) => (LONGEST_TRANSACTION, &["longest_transaction_s"]),
            Query::Metric(PostgresMetric::BlockedSessions) => (BLOCKED, &["blocked_sessions"]),
            Query::Metric(PostgresMetric::ReplicationLagBytes | PostgresMetric::ReplicationLagS) => {
                (REPLICATION, &["replication_lag_s", "replication_lag_bytes", "standby", "replicas"])
            }
            Query::Sql(sql) => (sql.as_str(), &["value"]),
        }
    }

    /// The full query string sent for one run with `timeout` as budget.
    pub fn text(&self, timeout: Duration) -> String {
        let ms = timeout.as_millis().max(1);
        format!("set local statement_timeout = '{ms}ms'; set local transaction_read_only = on; {}", self.body().0)
    }

    /// Decodes the first row (if any) of the answer.
    pub fn reading(&self, row: Option<&PgRow>) -> Result<Reading, String> {
        let row = row.ok_or("query returned no rows")?;
        let mut reading = Reading::new();
        for (i, name) in self.body().1.iter().enumerate() {
            reading.set(*name, column_number(row, i)?);
        }
        reading.set("up", 1.0);
        Ok(reading)
    }
}

/// Column `i` of a text-format row as a number.
fn column_number(row: &PgRow, i: usize) -> Result<f64, String> {
    let len = row.len();
    if i >= len {
        return Err(format!("query returned {len} columns, expected a number"));
    }
    let value = row.try_get_raw(i).map_err(|e| e.to_string())?;
    if value.is_null() {
        return Err("query returned NULL, expected a number".into());
    }
    let type_name = value.type_info().name().to_string();
    if value.format() != PgValueFormat::Text {
        return Err(format!("query returned binary {type_name}, expected text"));
    }
    let text = value.as_str().map_err(|e| e.to_string())?;
    number_from_text(&type_name, text)
}

/// A value in PostgreSQL's text format, typed `type_name` (sqlx's upper-case
/// names), as a number: integers, floats, `numeric`, and booleans (1 or 0).
pub fn number_from_text(type_name: &str, text: &str) -> Result<f64, String> {
    match type_name {
        "INT2" | "INT4" | "INT8" | "OID" | "FLOAT4" | "FLOAT8" | "NUMERIC" => match text.trim().parse::<f64>() {
            Ok(v) if !v.is_nan() => Ok(v),
            Ok(_) => Err("query returned NaN, expected a number".into()),
            Err(_) => Err(format!("query returned {} \"{}\", expected a number", type_name.to_lowercase(), text)),
        },
        "BOOL" => match text {
            "t" => Ok(1.0),
            "f" => Ok(0.0),
            other => Err(format!("query returned boolean \"{other}\"")),
        },
        "TEXT" | "VARCHAR" | "BPCHAR" | "CHAR" | "NAME" | "UNKNOWN" => Err("query returned text, expected a number".into()),
        other => Err(format!("query returned {}, expected a number", other.to_lowercase())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_text_by_type() {
        assert_eq!(number_from_text("INT8", "42"), Ok(42.0));
        assert_eq!(number_from_text("FLOAT8", "0.25"), Ok(0.25));
        assert_eq!(number_from_text("FLOAT8", "Infinity"), Ok(f64::INFINITY));
        assert_eq!(number_from_text("NUMERIC", "12345.678"), Ok(12345.678));
        assert_eq!(number_from_text("BOOL", "t"), Ok(1.0));
        assert_eq!(number_from_text("BOOL", "f"), Ok(0.0));
        assert_eq!(number_from_text("NUMERIC", "NaN").unwrap_err(), "query returned NaN, expected a number");
        assert_eq!(number_from_text("TEXT", "abc").unwrap_err(), "query returned text, expected a number");
        assert_eq!(number_from_text("TIMESTAMPTZ", "2024-01-01").unwrap_err(), "query returned timestamptz, expected a number");
    }

    #[test]
    fn every_query_sets_a_timeout_and_read_only() {
        let q = Query::Sql("select 1".into());
        assert_eq!(
            q.text(Duration::from_millis(2500)),
            "set local statement_timeout = '2500ms'; set local transaction_read_only = on; select 1"
        );
        let lag = Query::Metric(PostgresMetric::ReplicationLagS).body().1;
        assert!(lag.contains(&"replication_lag_s") && lag.contains(&"replication_lag_bytes"));
    }
}
