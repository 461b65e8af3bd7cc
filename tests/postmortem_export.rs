//! `opsdeck export --incident N` run as a user runs it, on a real SQLite
//! journal: the post-mortem tells what the system did around the incident
//! (triggers, proposals and decisions, rollback runs, markers, silences,
//! the linked checks' changes), and a usage error says so without source
//! locations.

use std::path::Path;
use std::process::{Command, Output};

use opsdeck::adapters::journal::{Actor, Body, Expiry, NewEvent, Outcome, SqliteStore, Status, Store, Subject, Verdict};
use opsdeck_core::metrics::Health;

fn at(hms: &str) -> i64 {
    format!("2026-03-10T{hms}Z").parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn opsdeck(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .current_dir(home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("OPSDECK_STORE")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .expect("opsdeck runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn state(check: &str, from: Health, to: Health, reason: &str, hms: &str) -> Body {
    Body::CheckState { check: check.into(), from, to, reason: reason.into(), since_ms: at(hms) }
}

fn fired(trigger: &str, rollback: &str, reason: &str) -> Body {
    Body::TriggerFired {
        trigger: trigger.into(),
        reason: reason.into(),
        mode: "confirm".into(),
        rollback: Some(rollback.into()),
        frozen: None,
    }
}

fn proposed(trigger: &str, rollback: &str, reason: &str) -> Body {
    Body::RollbackProposed {
        trigger: trigger.into(),
        rollback: rollback.into(),
        reason: reason.into(),
        deadline_ms: None,
        on_no_answer: "cancel".into(),
        console: "c1".into(),
    }
}

/// The journal of room `checkout`: incident 6, and around it the room's system.
fn write_journal(path: &Path) {
    let events: Vec<(&str, &str, Body)> = vec![
        ("13:30:00", "deploy-bot", Body::Marker { text: "deploy checkout v2.3.0".into() }), // 1: before the lead-up
        ("13:50:00", "deploy-bot", Body::Marker { text: "deploy checkout v2.3.1".into() }), // 2
        ("13:55:00", "opsdeck", state("api", Health::Ok, Health::Critical, "HTTP 500", "13:54:58")), // 3
        ("13:56:00", "opsdeck", fired("error-rate", "flag-off", "api CRITICAL for 1m")),    // 4
        ("13:56:00", "opsdeck", proposed("error-rate", "flag-off", "api CRITICAL for 1m")), // 5
        ("13:58:00", "alice", Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }), // 6
        ("13:59:00", "alice", Body::IncidentLink { incident: 6, check: "api".into() }),     // 7
        ("14:00:00", "bob", Body::RollbackDecided { proposal: 5, rollback: "flag-off".into(), verdict: Verdict::Run, no_answer: false }), // 8
        (
            "14:00:01",
            "bob",
            Body::RunClaimed {
                run: "r1".into(),
                lock: "rollback".into(),
                subject: Subject::Rollback { action: "flag-off".into() },
                lease_ms: 30_000,
                title: "Turn the flag off".into(),
            },
        ), // 9
        ("14:00:05", "bob", Body::RunRenewed { run: "r1".into() }), // 10
        (
            "14:00:13",
            "bob",
            Body::RunFinished {
                run: "r1".into(),
                outcome: Outcome::Succeeded,
                exit_code: Some(0),
                duration_ms: 12_000,
                output: String::new(),
                truncated: false,
            },
        ), // 11
        (
            "14:01:00",
            "alice",
            Body::SilenceSet { target: "latency".into(), until_ms: at("15:00:00"), reason: "slow while flags reload".into() },
        ), // 12
        ("14:02:00", "opsdeck", fired("slow-p99", "scale-up", "p99 above 800 ms")), // 13
        ("14:02:00", "opsdeck", proposed("slow-p99", "scale-up", "p99 above 800 ms")), // 14
        (
            "14:03:00",
            "carol",
            Body::RollbackDecided { proposal: 14, rollback: "scale-up".into(), verdict: Verdict::Vetoed, no_answer: false },
        ), // 15
        ("14:04:00", "opsdeck", proposed("error-rate", "flag-off", "api CRITICAL for 1m")), // 16
        ("14:05:00", "opsdeck", state("api", Health::Critical, Health::Ok, "HTTP 200 in 40 ms", "14:04:58")), // 17
        (
            "14:05:00",
            "opsdeck",
            Body::RollbackExpired { proposal: 16, rollback: "flag-off".into(), cause: Expiry::Cleared, detail: "api recovered".into() },
        ), // 18
        ("14:05:30", "opsdeck", state("db", Health::Ok, Health::Degraded, "slow", "14:05:29")), // 19: not linked
        ("14:06:00", "alice", Body::SilenceLifted { target: "latency".into() }), // 20
        ("14:10:00", "alice", Body::IncidentStatus { incident: 6, from: Status::Investigating, to: Status::Resolved }), // 21
        ("14:20:00", "deploy-bot", Body::Marker { text: "deploy checkout v2.3.2".into() }), // 22: after the end
    ];
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let store = SqliteStore::new(path);
        for (hms, who, body) in &events {
            let actor = Actor { name: (*who).into(), host: "bastion-1".into(), from: None };
            store.append(NewEvent::new("checkout", &actor, at(hms), body)).await.expect("append");
        }
    });
}

#[test]
fn the_post_mortem_tells_what_the_system_did() {
    let home = tempfile::tempdir().expect("temp dir");
    let journal = home.path().join("journal");
    write_journal(&journal);
    let store = format!("sqlite:{}", journal.display());
    let out = opsdeck(&["export", "--incident", "6", "--room", "checkout", "--store", &store], home.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = text(&out.stdout);
    let expected = "\
# Incident #6: Checkout errors

## Summary

- Room: checkout
- Severity: P1 High
- Status: resolved
- Opened: 2026-03-10 13:58:00 UTC by alice
- Resolved: 2026-03-10 14:10:00 UTC
- Duration: 12m
- Linked checks: api

## Impact window

2026-03-10 13:58:00 UTC → 2026-03-10 14:10:00 UTC (12m)

## Timeline

| Time (UTC) | Event | Actor |
| --- | --- | --- |
| 2026-03-10 13:50:00 | Marker: deploy checkout v2.3.1 | deploy-bot |
| 2026-03-10 13:55:00 | Check api OK → CRITICAL: HTTP 500 | opsdeck |
| 2026-03-10 13:56:00 | Trigger error-rate fired (confirm: proposes flag-off): api CRITICAL for 1m | opsdeck |
| 2026-03-10 13:56:00 | Trigger error-rate proposes rollback flag-off: waiting for a person | opsdeck |
| 2026-03-10 13:58:00 | Opened as P1 High: Checkout errors | alice |
| 2026-03-10 13:59:00 | Linked check api | alice |
| 2026-03-10 14:00:00 | Confirmed rollback flag-off | bob |
| 2026-03-10 14:00:01 | Rollback flag-off: running | bob |
| 2026-03-10 14:00:13 | Rollback flag-off succeeded, exit 0 after 12s | bob |
| 2026-03-10 14:01:00 | Silenced latency until 2026-03-10 15:00:00: slow while flags reload | alice |
| 2026-03-10 14:02:00 | Trigger slow-p99 fired (confirm: proposes scale-up): p99 above 800 ms | opsdeck |
| 2026-03-10 14:02:00 | Trigger slow-p99 proposes rollback scale-up: waiting for a person | opsdeck |
| 2026-03-10 14:03:00 | Vetoed rollback scale-up | carol |
| 2026-03-10 14:04:00 | Trigger error-rate proposes rollback flag-off: waiting for a person | opsdeck |
| 2026-03-10 14:05:00 | Check api CRITICAL → OK: HTTP 200 in 40 ms | opsdeck |
| 2026-03-10 14:05:00 | The proposal of rollback flag-off expired: api recovered | opsdeck |
| 2026-03-10 14:06:00 | Silence on latency lifted | alice |
| 2026-03-10 14:10:00 | Status investigating → resolved | alice |

## What was done

- 2026-03-10 13:50:00 Marker by deploy-bot: deploy checkout v2.3.1
- 2026-03-10 13:56:00 Trigger error-rate proposed rollback flag-off (api CRITICAL for 1m): confirmed by bob at 2026-03-10 14:00:00 UTC, 4m later
- 2026-03-10 14:00:01 Rollback flag-off run by bob: succeeded, exit 0 after 12s
- 2026-03-10 14:01:00 alice silenced latency until 2026-03-10 15:00:00 UTC: slow while flags reload
- 2026-03-10 14:02:00 Trigger slow-p99 proposed rollback scale-up (p99 above 800 ms): vetoed by carol at 2026-03-10 14:03:00 UTC, 1m later
- 2026-03-10 14:04:00 Trigger error-rate proposed rollback flag-off (api CRITICAL for 1m): expired (api recovered) at 2026-03-10 14:05:00 UTC, 1m later
- 2026-03-10 14:06:00 alice lifted the silence on latency
- Trigger error-rate fired at 2026-03-10 13:56:00 UTC: api CRITICAL for 1m
- Trigger slow-p99 fired at 2026-03-10 14:02:00 UTC: p99 above 800 ms
- Check api: OK → CRITICAL at 2026-03-10 13:55:00, CRITICAL → OK at 2026-03-10 14:05:00
";
    assert_eq!(got, expected, "\n--- got ---\n{got}");
    for left_out in ["v2.3.0", "v2.3.2", "Check db", "still running"] {
        assert!(!got.contains(left_out), "{left_out} is not part of this incident:\n{got}");
    }
}

#[test]
fn a_usage_error_names_no_source_location() {
    let home = tempfile::tempdir().expect("temp dir");
    let journal = home.path().join("journal");
    let store = format!("sqlite:{}", journal.display());
    let out = opsdeck(&["export", "--incident", "1", "--store", &store], home.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "a usage error:\n{stderr}");
    assert!(stderr.contains("which room? give --room NAME or --plan PLAN"), "{stderr}");
    for source in ["Location:", "src/", ".rs:"] {
        assert!(!stderr.contains(source), "a usage error shows {source:?}:\n{stderr}");
    }
}
