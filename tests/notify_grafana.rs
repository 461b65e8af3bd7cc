//! Grafana annotations against a real HTTP server on 127.0.0.1 that checks
//! Grafana's documented request (`POST /api/annotations`, a bearer token,
//! `time`/`timeEnd` in epoch milliseconds, `tags`, `text`): a deploy
//! marker is a point, a finished rollback and a resolved incident are
//! regions, every annotation is tagged `opsdeck`, the room and what it is
//! about. `triggers = [...]` keeps out the rollbacks other triggers
//! proposed and those run by hand.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::notify::{Console, recorder, requests, wait_for_deliveries};
use opsdeck::adapters::journal::{Body, Outcome, Status, Subject, Verdict};
use opsdeck_core::config::{Plan, Source, parse_source};

const TOKEN: &str = "glsa_TestToken_0123456789abcdef";

fn plan() -> Plan {
    let text = r#"
[deck]
name = "war room"
[[check]]
id = "api"
tcp = { address = "127.0.0.1:1" }
[[rollback]]
id = "prev"
run = "true"
[[trigger]]
id = "errors-high"
when = ["api down for 30s"]
propose = "prev"
mode = "confirm"
[[trigger]]
id = "latency"
when = ["api down for 5m"]
propose = "prev"
mode = "confirm"
[[notify]]
id = "grafana"
grafana_url_env = "GRAFANA_URL"
grafana_token_env = "GRAFANA_TOKEN"
triggers = ["errors-high"]
"#;
    let source = Source::new("plan.toml", text);
    let (plan, diags) = parse_source(&source, &|k| k.starts_with("GRAFANA_"));
    plan.unwrap_or_else(|| panic!("{}", diags.render(&[&source])))
}

fn proposed(trigger: &str) -> Body {
    Body::RollbackProposed {
        trigger: trigger.into(),
        rollback: "prev".into(),
        reason: "api down".into(),
        deadline_ms: None,
        on_no_answer: "cancel".into(),
        console: "c1".into(),
    }
}

fn claim(run: &str) -> Body {
    Body::RunClaimed {
        title: "Roll back".into(),
        run: run.into(),
        lock: "rollback:prev".into(),
        subject: Subject::Rollback { action: "prev".into() },
        lease_ms: 30_000,
    }
}

fn finish(run: &str) -> Body {
    Body::RunFinished {
        run: run.into(),
        outcome: Outcome::Succeeded,
        exit_code: Some(0),
        duration_ms: 42_000,
        output: String::new(),
        truncated: false,
    }
}

fn tags(v: &Value) -> Vec<String> {
    v["tags"].as_array().expect("tags").iter().map(|t| t.as_str().expect("a string tag").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn markers_rollbacks_and_incidents_become_tagged_annotations() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, seen) = recorder(StatusCode::OK, json!({"message": "Annotation added", "id": 1})).await;
    let plan = plan();
    // A trailing slash on the base URL is fine.
    let base = format!("{url}/");
    let env = [("GRAFANA_URL", base.as_str()), ("GRAFANA_TOKEN", TOKEN)];
    let mut alice = Console::new(dir.path(), "alice", &plan.notify, &plan.severities, &env);

    let marker = alice.act(Body::Marker { text: "deploy v1.2.0".into() }).await;
    // errors-high proposes, bob… alice confirms, the rollback runs: annotated.
    let proposal = alice.act(proposed("errors-high")).await;
    alice.act(Body::RollbackDecided { proposal: proposal.seq, rollback: "prev".into(), verdict: Verdict::Run, no_answer: false }).await;
    let started = alice.act(claim("r1")).await;
    let finished = alice.act(finish("r1")).await;
    // latency's proposal, decided and run: not this target's trigger.
    let other = alice.act(proposed("latency")).await;
    alice.act(Body::RollbackDecided { proposal: other.seq, rollback: "prev".into(), verdict: Verdict::Run, no_answer: false }).await;
    alice.act(claim("r2")).await;
    alice.act(finish("r2")).await;
    // By hand, no proposal waiting: no trigger, not annotated either.
    alice.act(claim("r3")).await;
    alice.act(finish("r3")).await;
    let opened = alice.act(Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }).await;
    let resolved = alice.act(Body::IncidentStatus { incident: opened.seq, from: Status::Investigating, to: Status::Resolved }).await;

    let records = wait_for_deliveries(&alice.journal, 5, common::PATIENCE).await;
    let abouts: Vec<(i64, bool)> = records.iter().map(|r| (r.1, r.2)).collect();
    assert_eq!(
        abouts,
        [(marker.seq, true), (started.seq, true), (finished.seq, true), (opened.seq, true), (resolved.seq, true)],
        "{records:?}"
    );

    let got = requests(&seen);
    assert_eq!(got.len(), 5, "{got:#?}");
    for r in &got {
        assert_eq!(r.path, "/api/annotations");
        assert_eq!(r.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let a: Vec<Value> = got.iter().map(|r| r.json()).collect();

    assert_eq!(a[0]["time"], marker.at_ms);
    assert!(a[0].get("timeEnd").is_none(), "a marker is a point: {}", a[0]);
    assert_eq!(tags(&a[0]), ["opsdeck", "war-room", "deploy", "marker"]);
    assert_eq!(a[0]["text"], "Marker by alice: deploy v1.2.0");

    assert_eq!(tags(&a[1]), ["opsdeck", "war-room", "rollback", "rollback.started", "errors-high"]);
    assert_eq!(a[1]["text"], "Rollback prev started by alice");
    assert_eq!((a[2]["time"].as_i64(), a[2]["timeEnd"].as_i64()), (Some(finished.at_ms - 42_000), Some(finished.at_ms)), "a region");
    assert_eq!(tags(&a[2]), ["opsdeck", "war-room", "rollback", "rollback.finished", "errors-high"]);

    assert_eq!(tags(&a[3]), ["opsdeck", "war-room", "incident", "incident.opened", "P1"]);
    assert_eq!(a[3]["time"], opened.at_ms);
    assert_eq!((a[4]["time"].as_i64(), a[4]["timeEnd"].as_i64()), (Some(opened.at_ms), Some(resolved.at_ms)), "opened to resolved");
    assert_eq!(tags(&a[4]), ["opsdeck", "war-room", "incident", "incident.status", "P1"]);

    let all = alice.journal.sync(0).await.expect("sync");
    assert!(!serde_json::to_string(&all.iter().map(|e| &e.payload).collect::<Vec<_>>()).expect("json").contains(TOKEN));
}

/// `opsdeck mark --plan` from CI: the real binary records the marker and
/// annotates Grafana before it exits; the delivery is on the timeline.
#[tokio::test(flavor = "multi_thread")]
async fn a_marker_from_ci_is_annotated_before_the_command_exits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, seen) = recorder(StatusCode::OK, json!({"message": "Annotation added", "id": 7})).await;
    let plan_path = dir.path().join("plan.toml");
    std::fs::write(
        &plan_path,
        "[deck]\nname = \"war room\"\n[[check]]\nid = \"api\"\ntcp = { address = \"127.0.0.1:1\" }\n\
         [[notify]]\nid = \"grafana\"\ngrafana_url_env = \"GRAFANA_URL\"\ngrafana_token_env = \"GRAFANA_TOKEN\"\n",
    )
    .expect("write the plan");
    let rooms = dir.path().join("rooms");
    let store = format!("sqlite:{}", rooms.display());
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["mark", "deploy v1.2.0", "--plan"])
        .arg(&plan_path)
        .args(["--store", &store, "--as", "ci"])
        .env("GRAFANA_URL", &url)
        .env("GRAFANA_TOKEN", TOKEN)
        .env("XDG_STATE_HOME", dir.path())
        .kill_on_drop(true)
        .output()
        .await
        .expect("run opsdeck mark");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("recorded marker #1 in room war-room"), "{stdout}");
    let got = requests(&seen);
    assert_eq!(got.len(), 1, "annotated before exiting: {got:#?}");
    assert_eq!(got[0].path, "/api/annotations");
    assert_eq!(got[0].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let a = got[0].json();
    assert_eq!(tags(&a), ["opsdeck", "war-room", "deploy", "marker"]);
    assert!(a["text"].as_str().is_some_and(|t| t.ends_with(": deploy v1.2.0")), "{a}");

    let actor = opsdeck::adapters::journal::Actor { name: "test".into(), host: "test".into(), from: None };
    let journal = opsdeck::adapters::journal::Journal::new(
        opsdeck::adapters::journal::AnyStore::Sqlite(opsdeck::adapters::journal::SqliteStore::new(&rooms)),
        "war-room",
        actor,
        true,
        None,
    )
    .expect("journal");
    let records = common::notify::deliveries(&journal).await;
    assert_eq!(records, [("grafana".to_string(), 1, true, "HTTP 200".to_string())]);
}
