//! End to end in a pseudo-terminal: a console whose command check prints
//! secrets and whose runbook step prints more never shows them, and never
//! writes them to the room's journal, the samples file or the log file —
//! each read back byte for byte after it quits.

mod common;

use std::path::Path;

use common::pty::Console;
use opsdeck::adapters::journal::{Body, SqliteStore, read_all};
use opsdeck::adapters::samples::SampleDb;

/// Named by the plan's `webhook_env`: its value is a secret, whole.
const HOOK_URL: &str = "https://hooks.example.test/services/T0/B0/hook-s3cr3t-99";
/// A secret-looking name in the console's environment.
const API_TOKEN: &str = "tok-console-2718";

/// Everything that must never be written: the two values above, the
/// runbook's `DB_PASS` (PASS, not PASSWORD) and the password and token of
/// its `DATABASE_URL`.
const SECRETS: [&str; 6] = [HOOK_URL, "hook-s3cr3t-99", API_TOKEN, "hunter2-runbook", "hunter22", "abcd1234"];

const PLAN: &str = r#"
[deck]
name = "Secret room"
environment = "staging"
room = "secret-room"

[defaults]
every = "1s"
raise_after = 1

[[check]]
id = "leaky"
command = { run = "echo \"token $API_TOKEN hook $OPS_HOOK_URL\" >&2; exit 3", output = "number" }

[[runbook]]
id = "leak"
title = "Leak"
env = { DB_PASS = "hunter2-runbook", DATABASE_URL = "postgres://u:hunter22@h/db?token=abcd1234" }
steps = [{ title = "Print", run = "echo \"pass $DB_PASS url $DATABASE_URL hook $OPS_HOOK_URL\"" }]

[[notify]]
webhook_env = "OPS_HOOK_URL"
on = ["incident.opened"]
"#;

/// Every byte of every file in `dir` whose name starts with `stem` (a
/// database and its WAL), as text.
fn raw_files(dir: &Path, stem: &str) -> String {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(stem)) {
            // SQLite removes a WAL as the last connection closes: a file
            // listed a moment ago may be gone, and its contents are then in the database.
            match std::fs::read(&path) {
                Ok(bytes) => all.extend(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
    }
    assert!(!all.is_empty(), "no {stem}* in {}", dir.display());
    String::from_utf8_lossy(&all).into_owned()
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} contains {secret:?}:\n{text}");
    }
}

#[test]
fn secrets_printed_by_a_probe_and_a_step_never_leave_the_console() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = home.path().join("plan.toml");
    std::fs::write(&plan, PLAN).expect("plan written");
    let store = format!("sqlite:{}", home.path().join("journal").display());
    let args = ["run", plan.to_str().expect("utf-8 path"), "--store", &store, "--as", "alice"];
    let env = [("API_TOKEN", API_TOKEN), ("OPS_HOOK_URL", HOOK_URL)];
    let mut c = Console::start_with_env(&args, home.path(), 120, 40, &env);
    c.wait_for("▸Metrics");
    c.wait_for("token *** hook ***");
    // A few rounds of samples, so several batches reach the samples file.
    let samples_db = home.path().join("state").join("opsdeck").join("samples-secret-room.db");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    common::wait_until("three samples in the samples file", common::PATIENCE, || {
        rt.block_on(async {
            let Ok(Some(db)) = SampleDb::open_existing(&samples_db).await else { return false };
            let n = db.count().await.unwrap_or(0);
            db.close().await;
            n >= 3
        })
    });
    assert_clean("the metrics screen", &c.text());
    c.press(b"3");
    c.wait_for("Step 1: Print");
    c.press(b"\r");
    c.wait_for("succeeded exit 0");
    c.wait_for("pass *** url postgres://u:***@h/db?token=*** hook ***");
    assert_clean("the runbook screen", &c.text());
    c.press(b"q");
    assert!(c.wait_exit(), "clean exit");

    let journal_dir = home.path().join("journal");
    let events = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async { read_all(&SqliteStore::new(&journal_dir), "secret-room", 0, 1000).await.expect("events") });
    let outputs: Vec<String> = events
        .iter()
        .filter_map(|e| match Body::of(e) {
            Some(Body::RunFinished { output, .. }) => Some(output),
            _ => None,
        })
        .collect();
    assert_eq!(outputs, ["pass *** url postgres://u:***@h/db?token=*** hook ***"]);
    assert_clean("the journal file", &raw_files(&journal_dir, "secret-room.db"));

    let state = home.path().join("state").join("opsdeck");
    let samples = raw_files(&state, "samples-secret-room.db");
    assert!(samples.contains("exit 3: token *** hook ***"), "the probe's reason is recorded, masked");
    assert_clean("the samples file", &samples);

    let log = std::fs::read_to_string(state.join("opsdeck.log")).expect("the log file");
    assert!(log.contains("token *** hook ***"), "the state change is logged with its reason:\n{log}");
    assert_clean("the log file", &log);
}
