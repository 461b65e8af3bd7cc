//! A target whose variable is not set is said once — in the log when the
//! notifier starts, and on the console's status bar — and never added to
//! the timeline per event; the targets that are set deliver as usual. And
//! `opsdeck check` warns about it (a warning: it exits 0) naming the entry
//! and the variable.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::json;

use common::notify::{Console, deliveries, recorder, requests, wait_for_deliveries};
use opsdeck::adapters::journal::{Actor, AnyStore, Body, Journal, SqliteStore};
use opsdeck::shell::app::console::{initial_state, tell_unset_notifiers};
use opsdeck_core::config::{Plan, Source, parse_source};
use opsdeck_core::launch::Launch;

const PLAN: &str = r#"
[deck]
name = "war room"
[[check]]
id = "api"
tcp = { address = "127.0.0.1:1" }
[[notify]]
id = "slack"
slack_webhook_env = "OPSDECK_QUIET_UNSET_SLACK_URL"
on = ["incident.opened", "incident.status"]
[[notify]]
id = "hook"
webhook_env = "OPSDECK_QUIET_HOOK_URL"
on = ["incident.opened"]
"#;

fn plan() -> Plan {
    let source = Source::new("plan.toml", PLAN);
    let (plan, diags) = parse_source(&source, &|k| k == "OPSDECK_QUIET_HOOK_URL");
    plan.unwrap_or_else(|| panic!("{}", diags.render(&[&source])))
}

/// Log lines, as the process's subscriber would write them.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log")).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unset_target_is_said_once_not_per_event() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    let dir = tempfile::tempdir().expect("temp dir");
    let (url, seen) = recorder(StatusCode::OK, json!({})).await;
    let plan = plan();
    let mut alice = Console::new(dir.path(), "alice", &plan.notify, &plan.severities, &[("OPSDECK_QUIET_HOOK_URL", &url)]);
    let unset = alice.notifier.unset();
    assert_eq!(unset, ["notify slack: env OPSDECK_QUIET_UNSET_SLACK_URL is not set; nothing is sent to it"]);

    let mut opened = Vec::new();
    for n in 0..3 {
        let incident = alice.act(Body::IncidentOpened { title: format!("incident {n}"), severity: "P2".into() }).await;
        alice
            .act(Body::IncidentStatus {
                incident: incident.seq,
                from: opsdeck::adapters::journal::Status::Investigating,
                to: opsdeck::adapters::journal::Status::Identified,
            })
            .await;
        opened.push(incident.seq);
    }
    let records = wait_for_deliveries(&alice.journal, 3, common::PATIENCE).await;
    let want: Vec<(String, i64, bool, String)> = opened.iter().map(|s| ("hook".to_string(), *s, true, "HTTP 200".to_string())).collect();
    assert_eq!(records, want, "only the target that is set records deliveries");
    assert_eq!(requests(&seen).len(), 3);
    // Three more events later: still nothing about slack on the timeline.
    alice.follow().await;
    assert!(deliveries(&alice.journal).await.iter().all(|r| r.0 != "slack"));

    let text = log.text();
    assert_eq!(text.matches("OPSDECK_QUIET_UNSET_SLACK_URL").count(), 1, "said once in the log:\n{text}");
    assert!(text.contains("notify slack: env OPSDECK_QUIET_UNSET_SLACK_URL is not set; nothing will be sent to it"), "{text}");

    // The console says it on its status bar, once, as it starts.
    let actor = Actor { name: "alice".into(), host: "test".into(), from: None };
    let journal = Journal::new(AnyStore::Sqlite(SqliteStore::new(dir.path())), "war-room", actor, false, None).expect("journal");
    let mut state = initial_state(&plan, "dark", &journal, Launch::default(), 0);
    tell_unset_notifiers(&mut state, Some(&alice.notifier));
    let message = state.message().expect("a status bar message");
    assert!(message.is_error);
    assert_eq!(message.text, "notify slack: env OPSDECK_QUIET_UNSET_SLACK_URL is not set; nothing is sent to it");
    let mut quiet = initial_state(&plan, "dark", &journal, Launch::default(), 0);
    tell_unset_notifiers(&mut quiet, None);
    assert!(quiet.message().is_none(), "nothing to say without a notifier");
}

#[test]
fn check_warns_naming_the_entry_and_the_variable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.toml");
    std::fs::write(&path, PLAN).expect("write the plan");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("check")
        .arg(&path)
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("OPSDECK_QUIET_UNSET_SLACK_URL")
        .env("OPSDECK_QUIET_HOOK_URL", "http://127.0.0.1:9/hook")
        .output()
        .expect("opsdeck runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "a warning, not an error:\n{stdout}\n{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(
        all.contains(
            "warning: notify[slack].slack_webhook_env: environment variable `OPSDECK_QUIET_UNSET_SLACK_URL` is not set; nothing will be sent to this target until it is"
        ),
        "{all}"
    );
    assert!(!all.contains("OPSDECK_QUIET_HOOK_URL` is not set"), "the set one is not warned about:\n{all}");
}
