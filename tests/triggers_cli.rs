//! `opsdeck triggers PLAN [--replay]` run as a user runs it: the listing,
//! the clear message without recorded samples, and a replay over samples
//! and a deploy marker written into a temporary state directory.

use std::path::Path;
use std::process::{Command, Output};

use opsdeck::adapters::journal::{Actor, Body, NewEvent, SqliteStore, Store};
use opsdeck::adapters::probe::schedule::now_ms;
use opsdeck::adapters::samples::{Outcome, RecordedSample, SampleDb};

const PLAN: &str = r#"
[deck]
name = "Replay shop"
room = "replay-shop"
[defaults]
every = "5s"
raise_after = 1
clear_after = 1
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/health" }
band = { target = "< 200", acceptable = "< 500", critical = "> 1s" }
[[rollback]]
id = "release-previous"
run = "true"
[[trigger]]
id = "rollback-api"
when = ["api latency_ms > 5000 for 1m", "api failed 3x"]
propose = "release-previous"
mode = "confirm"
grace = "2m"
cooldown = "15m"
[[trigger]]
id = "queue-note"
when = ["api critical for 10m"]
"#;

fn opsdeck(args: &[&str], state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state.join("config"))
        .env("TZ", "UTC")
        .env_remove("OPSDECK_STORE")
        .output()
        .expect("opsdeck runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn setup() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, PLAN).unwrap();
    (dir, plan.to_str().unwrap().to_string())
}

#[test]
fn lists_triggers_with_conditions_mode_grace_and_cooldown() {
    let (dir, plan) = setup();
    let out = opsdeck(&["triggers", &plan], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for want in [
        "rollback-api  confirm: proposes release-previous, a person confirms",
        "    - api latency_ms > 5000 for 1m",
        "    - api failed 3x",
        "grace 2m after a deploy marker · cooldown 15m",
        "queue-note  advise: a banner with the reason",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
    let out = opsdeck(&["triggers", &plan, "--json"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["id"], "rollback-api");
    assert_eq!(v[0]["match"], "any");
    assert_eq!(v[1]["mode"], "advise");
}

#[test]
fn replay_without_samples_says_so() {
    let (dir, plan) = setup();
    let out = opsdeck(&["triggers", &plan, "--replay"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("no recorded samples for room replay-shop in the last 1h"), "{stdout}");
    assert!(!dir.path().join("opsdeck").join("rooms").exists(), "a replay creates no journal");
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_shows_what_the_triggers_would_have_done() {
    let (dir, plan) = setup();
    let state = dir.path().join("opsdeck");
    // From 17 minutes ago the api is slow for 3 minutes; a deploy marker half a minute before it would fire.
    let start = now_ms() - 20 * 60_000;
    let db = SampleDb::open(&state.join("samples-replay-shop.db")).await.unwrap();
    let samples: Vec<RecordedSample> = (0..=240)
        .map(|i| {
            let at = start + i * 5_000;
            let slow = (3 * 60_000..6 * 60_000).contains(&(at - start));
            let latency = if slow { 6120.0 } else { 120.0 };
            RecordedSample {
                check: "api".into(),
                at_ms: at,
                latency_ms: 2.0,
                outcome: Outcome::Reading(vec![("latency_ms".into(), latency)]),
            }
        })
        .collect();
    db.insert(&samples).await.unwrap();
    db.close().await;
    let store = SqliteStore::new(state.join("rooms"));
    let marker = NewEvent::new("replay-shop", &Actor::unknown(), start + 150_000, &Body::Marker { text: "deploy v2.3.1".into() });
    store.append(marker).await.unwrap();

    let out = tokio::task::spawn_blocking(move || {
        let out = opsdeck(&["triggers", &plan, "--replay"], dir.path());
        let json = opsdeck(&["triggers", &plan, "--replay", "--since", "30m", "--json"], dir.path());
        (out, json)
    })
    .await
    .unwrap();
    let (out, json) = out;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("replay of room replay-shop: 241 samples from "), "{stdout}");
    for want in [
        "rollback-api  would be in grace until ",
        "after marker \"deploy v2.3.1\"; would otherwise fire: ",
        "rollback-api  would fire (confirm): api latency_ms 6120 > 5000 for 1m (",
        "rollback-api  would propose release-previous and wait for a person to confirm",
        "rollback-api  cooled down, armed again",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
    assert!(stdout.contains("queue-note    pending: api CRITICAL for 10m ("), "{stdout}");
    assert!(stdout.contains("queue-note    conditions clear, armed"), "three slow minutes are not ten:\n{stdout}");
    assert!(!stdout.contains("queue-note    would fire"), "{stdout}");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&json.stdout)));
    assert_eq!(v["samples"], 241);
    let statuses: Vec<&str> = v["timeline"].as_array().unwrap().iter().filter_map(|h| h["status"].as_str()).collect();
    assert!(statuses.contains(&"grace") && statuses.contains(&"firing") && statuses.contains(&"proposal"), "{statuses:?}");
}
