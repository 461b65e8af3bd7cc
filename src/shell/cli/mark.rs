//! `opsdeck mark TEXT`: appends a marker (`deploy v1.2.0`) to a room's
//! journal from a CI pipeline or a shell, as the current identity.
//!
//! Unlike the console, it never spools: a marker that did not reach the
//! store is reported and the exit code says so, so a pipeline can tell.
//! Exit codes: 0 recorded; 1 not recorded (store unreachable, refused, or
//! `--read-only`); 2 usage (no room, empty text, invalid plan).
//!
//! With `--plan`, the marker is notified to the plan's `[[notify]]` targets
//! that subscribe to `marker` (a Grafana annotation, say), and the command
//! waits for those deliveries (at most [`NOTIFY_WAIT`]); how each went is on
//! the timeline. A failed notification does not change the exit code: the
//! marker is recorded.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Report, Result};
use sqlx::{ConnectOptions, Connection};

use crate::adapters::journal::{AnyStore, Appended, Body, Journal, identity, is_unreachable, postgres};
use crate::adapters::notify::{Notifier, Policy};
use crate::adapters::postgres_tls::{self, reason::tls_failure};
use opsdeck_core::config;

/// How long connecting to PostgreSQL may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long the whole append may take before the store counts as unreachable.
pub const MARK_TIMEOUT: Duration = Duration::from_secs(4);

/// How long the marker's notifications may take (three attempts with backoff).
pub const NOTIFY_WAIT: Duration = Duration::from_secs(25);

/// What `opsdeck mark` was asked to do.
pub struct MarkArgs<'a> {
    pub text: &'a str,
    pub plan: Option<&'a Path>,
    pub store: Option<&'a str>,
    pub room: Option<&'a str>,
    pub as_name: Option<&'a str>,
    pub read_only: bool,
}

pub async fn run(args: &MarkArgs<'_>) -> Result<ExitCode> {
    let text = args.text.trim();
    if text.is_empty() {
        eprintln!("opsdeck mark: the marker text is empty");
        return Ok(ExitCode::from(2));
    }
    if args.read_only {
        eprintln!("opsdeck mark: --read-only: nothing recorded");
        return Ok(ExitCode::from(1));
    }
    let plan = match args.plan {
        Some(path) => {
            let loaded = config::load_plan(path);
            let sources: Vec<&config::Source> = loaded.source.iter().collect();
            let Some(plan) = loaded.plan else {
                eprint!("{}", loaded.diagnostics.render(&sources));
                return Ok(ExitCode::from(2));
            };
            crate::secrets::install(crate::secrets::Redactor::for_process(Some(&plan)));
            Some(plan)
        }
        None => {
            crate::secrets::install(crate::secrets::Redactor::for_process(None));
            None
        }
    };
    let Some(room) = args.room.map(str::to_string).or_else(|| plan.as_ref().map(|p| p.deck.room())) else {
        eprintln!("opsdeck mark: which room? give --room NAME or --plan PLAN");
        return Ok(ExitCode::from(2));
    };
    let shown = store_name(args.store);
    let store = match AnyStore::open(args.store) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("opsdeck mark: cannot open the store {shown}: {}", one_line(&e));
            return Ok(ExitCode::from(2));
        }
    };
    if let Err(reason) = reach(args.store).await {
        eprintln!("opsdeck mark: store {shown} unreachable: {reason}; marker not recorded");
        return Ok(ExitCode::from(1));
    }
    // No spool: a marker either reaches the room now or the caller is told.
    let journal = Journal::new(store, &room, identity::current(args.as_name), false, None)?;
    let notifier = plan.as_ref().and_then(|p| notifier_for(p, &journal));
    let event = journal.new_event(&Body::Marker { text: text.to_string() });
    if let Some(n) = &notifier {
        n.claim(&event.key);
    }
    let result = match tokio::time::timeout(MARK_TIMEOUT, journal.append(event)).await {
        Ok(r) => r,
        Err(_) => {
            eprintln!("opsdeck mark: store {shown} unreachable: no answer within {}s; marker not recorded", MARK_TIMEOUT.as_secs());
            return Ok(ExitCode::from(1));
        }
    };
    match result {
        Ok(Appended::Stored(e)) => {
            println!("recorded marker #{} in room {room} as {}: {text}", e.seq, e.actor);
            if let Some(notice) = journal.store().notice() {
                eprintln!("opsdeck mark: warning: store {shown}: {notice}");
            }
            if let Some(n) = notifier {
                n.observe(std::slice::from_ref(&e));
                if !n.finish(NOTIFY_WAIT).await {
                    eprintln!("opsdeck mark: notifications still under way after {}s; stopped waiting", NOTIFY_WAIT.as_secs());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(Appended::Queued { .. }) => {
            // Cannot happen without a spool; say so rather than claim success.
            eprintln!("opsdeck mark: store {shown}: the marker was queued, not recorded");
            Ok(ExitCode::from(1))
        }
        Err(e) if is_unreachable(&e) => {
            eprintln!("opsdeck mark: store {shown} unreachable: {}; marker not recorded", one_line(&e));
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("opsdeck mark: store {shown} refused the marker: {}", one_line(&e));
            Ok(ExitCode::from(1))
        }
    }
}

/// The plan's notifier when a target subscribes to markers; unset
/// variables are said once on stderr (the console says them on its status bar).
fn notifier_for(plan: &config::Plan, journal: &Journal) -> Option<Notifier> {
    if !plan.notify.iter().any(|n| n.events().iter().any(|e| e == "marker")) {
        return None;
    }
    match Notifier::spawn(&plan.notify, &plan.severities, journal.clone(), Policy::default()) {
        Ok(n) => {
            for line in n.unset() {
                eprintln!("opsdeck mark: {line}");
            }
            Some(n)
        }
        Err(e) => {
            eprintln!("opsdeck mark: notifications are off: {}", one_line(&e));
            None
        }
    }
}

/// For PostgreSQL, one direct connection first, bounded by
/// [`CONNECT_TIMEOUT`]: the pool only says "timed out", this says why
/// (connection refused, no such database, authentication failed).
async fn reach(spec: Option<&str>) -> Result<(), String> {
    let Some(url) = spec.map(str::trim).filter(|s| s.starts_with("postgres://") || s.starts_with("postgresql://")) else {
        return Ok(());
    };
    // TLS as the store itself connects (sslmode and its files as libpq reads them).
    crate::tls::provider();
    let target = postgres_tls::target(url, Path::new("")).map_err(|e| format!("bad URL: {e}"))?;
    match tokio::time::timeout(CONNECT_TIMEOUT, target.options.connect()).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(tls_failure(&e, target.mode).unwrap_or_else(|| e.to_string().replace('\n', " "))),
        Err(_) => Err(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())),
    }
}

/// The store as the user named it, password hidden.
fn store_name(spec: Option<&str>) -> String {
    match spec.map(str::trim) {
        None | Some("") | Some("sqlite") => "sqlite (state directory)".to_string(),
        Some(url) => postgres::redact(url),
    }
}

/// An error chain on one line: the outermost context, then the innermost
/// cause (the reason), when they differ.
fn one_line(err: &Report) -> String {
    let outer = err.to_string();
    let inner = err.chain().last().map(ToString::to_string).unwrap_or_default();
    let text = if inner.is_empty() || inner == outer { outer } else { format!("{outer}: {inner}") };
    text.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use color_eyre::eyre::{WrapErr, eyre};

    use super::*;

    #[test]
    fn stores_are_named_without_passwords() {
        assert_eq!(store_name(None), "sqlite (state directory)");
        assert_eq!(store_name(Some("postgres://ci:hunter2@db/ops")), "postgres://ci:***@db/ops");
        assert_eq!(store_name(Some("sqlite:/tmp/rooms")), "sqlite:/tmp/rooms");
    }

    #[test]
    fn errors_fit_on_one_line() {
        let r: Result<()> = Err(eyre!("connection refused\n(os error 111)"));
        let err = r.wrap_err("appending").unwrap_err();
        assert_eq!(one_line(&err), "appending: connection refused (os error 111)");
    }
}
