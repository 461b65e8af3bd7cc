//! Secrets masked wherever text leaves the process, with the real parts in
//! one process: this binary installs one process-wide redactor (as each
//! command does at startup) built from a plan and an environment, then a
//! command probe, the samples file, a runbook step run by the console's
//! runner, the SQLite journal and a webhook on 127.0.0.1 must never carry
//! a secret value.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use serde_json::Value;
use tokio::net::TcpListener;

use opsdeck::adapters::journal::{Actor, AnyStore, Body, Journal, NewEvent, SqliteStore, Store, read_all};
use opsdeck::adapters::notify::{Notifier, Policy};
use opsdeck::adapters::probe::schedule::run_once;
use opsdeck::adapters::probe::{ProbeEnv, Prober};
use opsdeck::adapters::samples::{Outcome, Recorder, RecorderConfig, SampleDb};
use opsdeck::secrets::{self, Redactor};
use opsdeck::shell::app::state::StartRun;
use opsdeck::shell::app::step_runner::{RunNews, StepRunner};
use opsdeck_core::config::sections::default_severities;
use opsdeck_core::config::{Plan, Source, parse_source};

/// The value of a variable the plan names by `webhook_env` (not a secret-looking name).
const HOOK_URL: &str = "https://hooks.example.test/services/T0/B0/hook-s3cr3t-77";
/// A secret-looking name in the console's environment.
const API_TOKEN: &str = "tok-inproc-31337";
/// In the runbook's `env` table: `DB_PASS` (PASS, not PASSWORD) and a URL
/// whose password and token must go, while the rest of it stays readable.
const DB_PASS: &str = "hunter2-runbook";
const DATABASE_URL: &str = "postgres://u:hunter22@h/db?token=abcd1234";
/// In the command check's `env` table.
const PROBE_KEY: &str = "probe-key-8675309";

const PLAN: &str = r#"
[deck]
name = "Secrets in process"
environment = "staging"

[[check]]
id = "leaky"
command = { run = "echo \"key $PROBE_KEY token $API_TOKEN\" >&2; exit 3", output = "number", env = { PROBE_KEY = "probe-key-8675309" } }

[[runbook]]
id = "leak"
env = { DB_PASS = "hunter2-runbook", DATABASE_URL = "postgres://u:hunter22@h/db?token=abcd1234" }
steps = [{ title = "Print", run = "true" }]

[[notify]]
webhook_env = "OPS_HOOK_URL"
on = ["incident.opened"]
"#;

const SECRETS: [&str; 7] = [HOOK_URL, API_TOKEN, DB_PASS, "hunter22", "abcd1234", PROBE_KEY, "hook-s3cr3t-77"];

fn plan() -> &'static Plan {
    static PLAN_ONCE: OnceLock<Plan> = OnceLock::new();
    PLAN_ONCE.get_or_init(|| {
        let (plan, diags) = parse_source(&Source::new("plan.toml", PLAN), &|_| true);
        plan.unwrap_or_else(|| panic!("{}", diags.render(&[])))
    })
}

/// The console's environment, as the redactor sees it.
fn environment() -> Vec<(String, String)> {
    [("OPS_HOOK_URL", HOOK_URL), ("API_TOKEN", API_TOKEN)].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Installs this binary's redactor (once, like a command at startup).
fn install() {
    secrets::install(Redactor::build(Some(plan()), &environment()));
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} contains {secret:?}:\n{text}");
    }
}

/// Every byte of every file whose name starts with `stem` (the database and its WAL).
fn raw_files(dir: &Path, stem: &str) -> String {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(stem)) {
            all.extend(std::fs::read(&path).expect("read"));
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_probe_reason_is_masked_in_the_sample_and_the_samples_file() {
    install();
    let dir = tempfile::tempdir().expect("temp dir");
    let check = &plan().checks[0];
    let env = ProbeEnv::from_process(dir.path().to_path_buf());
    let mut prober = Prober::build(check, &env).expect("prober");
    // (This process has no API_TOKEN: `opsdeck status` in tests/secrets_cli.rs covers that.)
    let sample = run_once(0, &mut prober, Duration::from_secs(10)).await;
    let reason = sample.result.as_ref().expect_err("exit 3 is an error in number mode").0.clone();
    assert_eq!(reason, "exit 3: key *** token");
    assert_clean("the sample's reason", &reason);

    // A sample with a secret in its reason, however it was made, is stored masked.
    let leaky = opsdeck::adapters::probe::schedule::Sample {
        check: 0,
        at_ms: 1_000,
        latency_ms: 3.0,
        result: Err(opsdeck::adapters::probe::ProbeError::target_failed(format!(
            "exit 3: key {PROBE_KEY} token {API_TOKEN} at {DATABASE_URL}"
        ))),
    };
    let path = dir.path().join("samples-room.db");
    let (recorder, writer) = Recorder::spawn(path.clone(), vec!["leaky".into()], RecorderConfig::default());
    for s in [&sample, &leaky] {
        for _ in 0..10 {
            recorder.record(s);
        }
    }
    drop(recorder);
    writer.await.expect("writer ends");
    let db = SampleDb::open_existing(&path).await.expect("open").expect("the file exists");
    let stored = db.read_since(0).await.expect("read");
    assert_eq!(stored.len(), 20);
    for s in &stored {
        let Outcome::Failed { reason, .. } = &s.outcome else { panic!("a failed sample: {s:?}") };
        assert_clean("a stored reason", reason);
    }
    assert!(
        stored.iter().any(|s| s.outcome
            == Outcome::Failed { reason: "exit 3: key *** token *** at postgres://u:***@h/db?token=***".into(), answered: true })
    );
    db.close().await;
    assert_clean("the samples file", &raw_files(dir.path(), "samples-room.db"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runbook_step_is_masked_in_its_result_and_in_the_journal() {
    install();
    let dir = tempfile::tempdir().expect("temp dir");
    let book = &plan().runbooks[0];
    let mut env: Vec<(String, String)> = book.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    // As the console's own environment would pass it on.
    env.push(("OPS_HOOK_URL".into(), HOOK_URL.into()));
    let start = StartRun {
        run: "r1".into(),
        script: "echo \"pass $DB_PASS\"\necho \"url $DATABASE_URL\"\necho \"hook $OPS_HOOK_URL\"\n".into(),
        interpreter: Vec::new(),
        session: None,
        sql: None,
        env,
        cwd: None,
        timeout: Duration::from_secs(20),
        lease_ms: 30_000,
    };
    let mut runner = StepRunner::default();
    let _live = runner.start(start, 0);
    let body = loop {
        match tokio::time::timeout(Duration::from_secs(20), runner.news.recv()).await.expect("the run ends").expect("news") {
            RunNews::Finished { body, .. } => break body,
            _ => continue,
        }
    };
    let Body::RunFinished { output, .. } = &body else { panic!("{body:?}") };
    assert_eq!(output, "pass ***\nurl postgres://u:***@h/db?token=***\nhook ***");

    let journal =
        Journal::new(AnyStore::Sqlite(SqliteStore::new(dir.path())), "leak-room", Actor::unknown(), false, None).expect("journal");
    journal.record(&body).await.expect("append");
    let events = read_all(journal.store(), "leak-room", 0, 100).await.expect("read");
    assert_eq!(Body::of(&events[0]), Some(body));
    assert_clean("the journal file", &raw_files(dir.path(), "leak-room.db"));
}

#[tokio::test(flavor = "multi_thread")]
async fn journal_appends_mask_text_and_keep_ids() {
    install();
    let dir = tempfile::tempdir().expect("temp dir");
    let journal =
        Journal::new(AnyStore::Sqlite(SqliteStore::new(dir.path())), "note-room", Actor::unknown(), false, None).expect("journal");
    let note = Body::IncidentNote { incident: 1, text: format!("rotated {API_TOKEN}; db {DATABASE_URL}"), comms: false };
    let stored = journal.record(&note).await.expect("append").event().cloned().expect("stored");
    assert_eq!(
        Body::of(&stored),
        Some(Body::IncidentNote { incident: 1, text: "rotated ***; db postgres://u:***@h/db?token=***".into(), comms: false })
    );
    // An id that happens to contain a secret still names what it names.
    let skipped = Body::ChecklistSkipped { item: format!("launch/{PROBE_KEY}"), text: "item".into(), reason: format!("no {PROBE_KEY}") };
    let stored = journal.record(&skipped).await.expect("append").event().cloned().expect("stored");
    assert_eq!(
        Body::of(&stored),
        Some(Body::ChecklistSkipped { item: format!("launch/{PROBE_KEY}"), text: "item".into(), reason: "no ***".into() })
    );
    let events = read_all(journal.store(), "note-room", 0, 100).await.expect("read");
    assert_clean("the note as read back", &serde_json::to_string(&events[0]).expect("json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_bodies_never_carry_a_secret() {
    install();
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let router = Router::new().route(
        "/hook",
        post(move |axum::Json(body): axum::Json<Value>| {
            let log = log.clone();
            async move {
                log.lock().expect("log").push(body);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });

    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::new(dir.path());
    let journal = Journal::new(AnyStore::Sqlite(store.clone()), "hook-room", Actor::unknown(), false, None).expect("journal");
    let policy = Policy { timeout: Duration::from_secs(10), attempts: 1, backoff: Duration::from_millis(10), queue: 8 };
    let notifier = Notifier::with_env(&plan().notify, &default_severities(), journal.clone(), policy, move |k| {
        (k == "OPS_HOOK_URL").then(|| url.clone())
    })
    .expect("notifier");
    // Stored verbatim (as an older console would have), then notified by this one.
    let title = format!("DB down: {DATABASE_URL} with {API_TOKEN}");
    let raw = NewEvent::new("hook-room", &Actor::unknown(), 1_000, &Body::IncidentOpened { title, severity: "P1".into() });
    notifier.claim(&raw.key);
    let stored = store.append(raw).await.expect("stored verbatim");
    notifier.observe(&[stored]);
    common::wait_until_async("the webhook to get the notification", common::PATIENCE, async || !seen.lock().expect("log").is_empty()).await;
    let bodies = seen.lock().expect("log").clone();
    assert_eq!(bodies.len(), 1, "one notification");
    let text = bodies[0].to_string();
    assert_clean("the notification", &text);
    assert!(text.contains("DB down: postgres://u:***@h/db?token=*** with ***"), "{text}");
}
