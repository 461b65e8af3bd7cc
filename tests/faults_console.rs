//! Faults that end the console, seen as a person sees them: the real binary
//! in a pseudo-terminal. A panic in a background task, SIGTERM, SIGHUP and
//! SIGINT must each give the terminal back (cooked mode, main screen,
//! cursor shown) and exit with a code that says what happened; a signal
//! stops a running step's process group and records the run as
//! interrupted.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::pty::Console;

/// A plan with one unreachable check and a runbook whose step runs until
/// it is stopped, writing `term.txt` when SIGTERM reaches it.
fn plan(dir: &Path) -> String {
    let marker = dir.join("term.txt");
    let text = format!(
        r#"
[deck]
name = "faults"
room = "faults"

[[check]]
id = "api"
every = "1s"
http = {{ url = "http://127.0.0.1:9/health" }}

[[runbook]]
id = "slow"
title = "Slow runbook"
steps = [ {{ title = "wait a while", run = "trap 'echo got-term > {marker}; exit 3' TERM; echo ready-$((6*7)); sleep 60 & wait" }} ]
"#,
        marker = marker.display()
    );
    let path = dir.join("plan.toml");
    std::fs::write(&path, text).expect("plan written");
    path.display().to_string()
}

fn assert_restored(c: &mut Console) {
    assert!(c.cooked(), "terminal left in raw mode");
    assert_eq!(c.restored(), (true, true), "alternate screen left and cursor shown");
}

#[test]
fn a_panic_in_a_probe_task_ends_the_console_cleanly() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = plan(home.path());
    let mut c = Console::start_with_env(&["run", &plan], home.path(), 120, 30, &[("OPSDECK_FAULT", "probe-panic")]);
    assert_eq!(c.exit_code(), 101, "a panic exits non-zero");
    let screen = c.text();
    let log = home.path().join("state/opsdeck/opsdeck.log");
    assert!(screen.contains("opsdeck: internal error, stopped: fault injected: probe-panic"), "one readable line:\n{screen}");
    assert!(screen.replace('\n', "").contains(&log.display().to_string()), "names the log:\n{screen}");
    assert!(!screen.contains("stack backtrace"), "no backtrace over the screen:\n{screen}");
    let logged = std::fs::read_to_string(&log).expect("the log exists");
    assert!(logged.contains("PANIC") && logged.contains("probe-panic"), "the details are in the log:\n{logged}");
    assert_restored(&mut c);
}

/// Starts the slow step and waits until its process runs.
fn start_slow_step(c: &mut Console) {
    c.wait_for("Metrics");
    c.press(b"3");
    c.wait_for("wait a while");
    c.press(b"\r");
    c.wait_for("ready-42");
}

fn interrupted_runs(home: &Path) -> Vec<serde_json::Value> {
    let db = home.join("state/opsdeck/rooms/faults.db");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let url = format!("sqlite://{}?mode=ro", db.display());
        let pool = sqlx::SqlitePool::connect(&url).await.expect("the journal opens");
        let rows: Vec<(String,)> =
            sqlx::query_as("select payload from events where kind = 'run.finished' order by seq").fetch_all(&pool).await.expect("query");
        rows.into_iter().map(|(p,)| serde_json::from_str(&p).expect("json payload")).collect()
    })
}

#[test]
fn sigterm_stops_the_running_step_records_it_interrupted_and_restores_the_terminal() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = plan(home.path());
    let mut c = Console::start(&["run", &plan], home.path(), 120, 30);
    start_slow_step(&mut c);
    let sent = Instant::now();
    c.signal(libc::SIGTERM);
    assert_eq!(c.exit_code(), 128 + 15);
    assert!(sent.elapsed() < Duration::from_secs(8), "ended within the grace, took {:?}", sent.elapsed());
    assert_restored(&mut c);
    let marker = std::fs::read_to_string(home.path().join("term.txt")).expect("the step's process group got SIGTERM");
    assert_eq!(marker.trim(), "got-term");
    let runs = interrupted_runs(home.path());
    assert_eq!(runs.len(), 1, "one run recorded: {runs:?}");
    assert_eq!(runs[0]["outcome"], "interrupted", "{runs:?}");
    assert_eq!(runs[0]["exit_code"], 3, "the step's own exit after its TERM trap: {runs:?}");
}

#[test]
fn sighup_and_sigint_restore_the_terminal_and_exit_with_128_plus_the_signal() {
    for (signal, name) in [(libc::SIGHUP, "SIGHUP"), (libc::SIGINT, "SIGINT")] {
        let home = tempfile::tempdir().expect("temp dir");
        let plan = plan(home.path());
        let mut c = Console::start(&["run", &plan], home.path(), 120, 30);
        c.wait_for("Metrics");
        c.signal(signal);
        assert_eq!(c.exit_code(), 128 + signal as u32, "{name}");
        assert_restored(&mut c);
    }
}
