//! A runbook's `sql` step, run through the driver the `postgres` probe uses
//! (sqlx, with the same libpq-style TLS rules): one connection for the
//! step, the block sent as a simple query (several statements allowed, in
//! one implicit transaction as `psql -c` does), the rows printed as a
//! table and the statements' row counts as a last line. Bounded like a
//! shell step: the timeout and cancel end it, output is capped and masked.

use std::fmt::Write as _;
use std::time::Duration;

use futures::TryStreamExt;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Column, Connection, Either, Row, ValueRef};

use super::{Outcome, RunResult};

/// Most rows printed; the count says how many there were.
const MAX_ROWS: usize = 500;

/// Runs `script` against `url` within `timeout`; `cancelled` resolves when a person stops it.
pub(crate) async fn run(
    url: &str,
    script: &str,
    timeout: Duration,
    base_dir: &std::path::Path,
    cancelled: impl std::future::Future<Output = ()>,
) -> RunResult {
    let work = async {
        let target = crate::adapters::postgres_tls::target(url, base_dir)?;
        let mut conn = PgConnection::connect_with(&target.options).await.map_err(|e| {
            crate::adapters::postgres_tls::reason::tls_failure(&e, target.mode).unwrap_or_else(|| format!("cannot connect: {e}"))
        })?;
        let mut out = Table::default();
        let mut affected = 0u64;
        {
            let mut stream = sqlx::raw_sql(sqlx::AssertSqlSafe(script)).fetch_many(&mut conn);
            while let Some(item) =
                stream.try_next().await.map_err(|e| e.as_database_error().map_or_else(|| e.to_string(), |d| d.message().to_string()))?
            {
                match item {
                    Either::Left(done) => affected += done.rows_affected(),
                    Either::Right(row) => out.push(&row),
                }
            }
        }
        let _ = conn.close().await;
        Ok::<String, String>(out.render(affected))
    };
    let result = tokio::select! {
        r = tokio::time::timeout(timeout, work) => match r {
            Ok(Ok(text)) => (Outcome::Succeeded, text, None),
            Ok(Err(e)) => (Outcome::Failed, String::new(), Some(e)),
            Err(_) => (Outcome::TimedOut, String::new(), Some(format!("timed out after {}", humantime::format_duration(timeout)))),
        },
        () = cancelled => (Outcome::Cancelled, String::new(), Some("cancelled".to_string())),
    };
    let (outcome, output, error) = result;
    RunResult {
        outcome,
        exit_code: None,
        signal: None,
        duration: Duration::ZERO,
        bytes_seen: output.len() as u64,
        truncated: false,
        output,
        error,
        session: None,
    }
}

/// Rows as they come, for a plain-text table.
#[derive(Default)]
struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    seen: usize,
}

impl Table {
    fn push(&mut self, row: &PgRow) {
        if self.columns.is_empty() {
            self.columns = row.columns().iter().map(|c| c.name().to_string()).collect();
        }
        self.seen += 1;
        if self.rows.len() < MAX_ROWS {
            // The simple query protocol sends every value as text.
            let cells = (0..row.len())
                .map(|i| match row.try_get_raw(i) {
                    Ok(v) if v.is_null() => "NULL".to_string(),
                    Ok(v) => v.as_str().map(str::to_string).unwrap_or_else(|_| "?".to_string()),
                    Err(_) => "?".to_string(),
                })
                .collect();
            self.rows.push(cells);
        }
    }

    fn render(&self, affected: u64) -> String {
        let mut s = String::new();
        if !self.columns.is_empty() {
            let widths: Vec<usize> = (0..self.columns.len())
                .map(|i| {
                    self.rows
                        .iter()
                        .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                        .chain([self.columns[i].chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| -> String {
                cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join(" | ").trim_end().to_string()
            };
            let _ = writeln!(s, "{}", line(&self.columns));
            let _ = writeln!(s, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-+-"));
            for r in &self.rows {
                let _ = writeln!(s, "{}", line(r));
            }
            let more = self.seen.saturating_sub(self.rows.len());
            let _ = write!(s, "({} row{}", self.seen, if self.seen == 1 { "" } else { "s" });
            if more > 0 {
                let _ = write!(s, ", the first {MAX_ROWS} shown");
            }
            let _ = writeln!(s, ")");
        }
        // A query's rows are counted above; statements without rows say what they changed.
        if self.columns.is_empty() {
            let _ = writeln!(s, "{affected} row{} affected", if affected == 1 { "" } else { "s" });
        }
        s.trim_end().to_string()
    }
}
