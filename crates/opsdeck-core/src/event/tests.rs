//! Unit tests of the event types: decoding once, round trips of every kind, unreadable events.

use super::*;

fn actor() -> Actor {
    Actor { name: "alice".into(), host: "bastion-1".into(), from: Some("10.0.0.5".into()) }
}

#[test]
fn bodies_round_trip_through_kind_and_payload() {
    let bodies = [
        Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() },
        Body::IncidentSeverity { incident: 7, from: "P1".into(), to: "P0".into(), reason: "all regions".into() },
        Body::IncidentStatus { incident: 7, from: Status::Investigating, to: Status::Identified },
        Body::IncidentRole { incident: 7, role: Role::Commander, person: "bob".into() },
        Body::IncidentNote { incident: 7, text: "TODO: add an alert".into(), comms: false },
        Body::ChecklistTicked { text: String::new(), item: "launch/backups".into(), evidence: Some("api 182 ms".into()) },
        Body::ChecklistSkipped { text: String::new(), item: "launch/cdn".into(), reason: "no CDN yet".into() },
        Body::RunClaimed {
            title: String::new(),
            run: "r1".into(),
            lock: "deploy/3".into(),
            subject: Subject::Step { runbook: "deploy".into(), step: "3".into() },
            lease_ms: 30_000,
        },
        Body::RunFinished {
            run: "r1".into(),
            outcome: Outcome::TimedOut,
            exit_code: None,
            duration_ms: 20_000,
            output: "waiting".into(),
            truncated: false,
        },
        Body::Marker { text: "deploy v1.2.0".into() },
        Body::RollbackRequested { request: "q1".into(), action: "previous-release".into() },
        Body::RollbackApproved { request: "q1".into(), action: "previous-release".into() },
        Body::TriggerFired {
            trigger: "errors-high".into(),
            reason: "error-rate critical".into(),
            mode: "auto".into(),
            rollback: Some("previous-release".into()),
            frozen: None,
        },
        Body::RollbackProposed {
            trigger: "errors-high".into(),
            rollback: "previous-release".into(),
            reason: "error-rate critical".into(),
            deadline_ms: Some(61_000),
            on_no_answer: "run".into(),
            console: "c1".into(),
        },
        Body::RollbackDecided { proposal: 4, rollback: "previous-release".into(), verdict: Verdict::Vetoed, no_answer: false },
        Body::RollbackExpired { proposal: 4, rollback: "previous-release".into(), cause: Expiry::Cleared, detail: "api recovered".into() },
    ];
    for b in bodies {
        let e = NewEvent::new("room", &actor(), 1000, &b).stored(1);
        assert_eq!(Body::of(&e), Some(b));
    }
    let e = NewEvent::new("room", &actor(), 1, &Body::IncidentAcknowledged { incident: 3 });
    assert_eq!(e.kind, "incident.acknowledged");
    assert_eq!(e.payload, serde_json::json!({"incident": 3}));
}

/// An example of the variant declared after `body`'s; `None` after the
/// last. The list of every kind ([`every_body`]) is built from this
/// exhaustive match, so a new variant does not compile until it has an
/// arm here, and the test below fails until it is in the chain.
fn next_example(body: &Body) -> Option<Body> {
    let s = |text: &str| text.to_string();
    Some(match body {
        Body::IncidentOpened { .. } => Body::IncidentAcknowledged { incident: 7 },
        Body::IncidentAcknowledged { .. } => Body::IncidentSeverity { incident: 7, from: s("P1"), to: s("P0"), reason: s("all regions") },
        Body::IncidentSeverity { .. } => Body::IncidentStatus { incident: 7, from: Status::Investigating, to: Status::Identified },
        Body::IncidentStatus { .. } => Body::IncidentRole { incident: 7, role: Role::Commander, person: s("bob") },
        Body::IncidentRole { .. } => Body::IncidentNote { incident: 7, text: s("Customers informed"), comms: true },
        Body::IncidentNote { .. } => Body::IncidentLink { incident: 7, check: s("api") },
        Body::IncidentLink { .. } => {
            Body::ChecklistTicked { item: s("launch/backups"), text: s("Backups"), evidence: Some(s("api 182 ms")) }
        }
        Body::ChecklistTicked { .. } => Body::ChecklistClaimed { item: s("launch/cdn"), text: s("CDN") },
        Body::ChecklistClaimed { .. } => Body::ChecklistSkipped { item: s("launch/cdn"), text: s("CDN"), reason: s("no CDN yet") },
        Body::ChecklistSkipped { .. } => Body::ChecklistUndone { item: s("launch/cdn"), text: s("CDN") },
        Body::ChecklistUndone { .. } => Body::StepConfirmed { runbook: s("deploy"), step: s("1"), title: s("Announce") },
        Body::StepConfirmed { .. } => {
            Body::StepSkipped { runbook: s("deploy"), step: s("2"), title: s("Warm caches"), reason: s("cold start ok") }
        }
        Body::StepSkipped { .. } => Body::RunbookAborted { runbook: s("deploy"), reason: s("db down") },
        Body::RunbookAborted { .. } => Body::RunbookRestarted { runbook: s("deploy") },
        Body::RunbookRestarted { .. } => Body::RunClaimed {
            run: s("r1"),
            lock: s("deploy/3"),
            subject: Subject::Step { runbook: s("deploy"), step: s("3") },
            lease_ms: 30_000,
            title: s("Migrate"),
        },
        Body::RunClaimed { .. } => Body::RunRenewed { run: s("r1") },
        Body::RunRenewed { .. } => Body::RunFinished {
            run: s("r1"),
            outcome: Outcome::Succeeded,
            exit_code: Some(0),
            duration_ms: 20_000,
            output: s("done"),
            truncated: true,
        },
        Body::RunFinished { .. } => Body::Marker { text: s("deploy v1.2.0") },
        Body::Marker { .. } => Body::SilenceSet { target: s("check:api"), until_ms: 61_000, reason: s("deploying") },
        Body::SilenceSet { .. } => Body::SilenceLifted { target: s("check:api") },
        Body::SilenceLifted { .. } => Body::RollbackRequested { request: s("q1"), action: s("previous-release") },
        Body::RollbackRequested { .. } => Body::RollbackApproved { request: s("q1"), action: s("previous-release") },
        Body::RollbackApproved { .. } => Body::TriggerFired {
            trigger: s("errors-high"),
            reason: s("error-rate critical"),
            mode: s("auto"),
            rollback: Some(s("previous-release")),
            frozen: Some(s("migration 42")),
        },
        Body::TriggerFired { .. } => Body::RollbackProposed {
            trigger: s("errors-high"),
            rollback: s("previous-release"),
            reason: s("error-rate critical"),
            deadline_ms: None,
            on_no_answer: s("cancel"),
            console: s("c1"),
        },
        Body::RollbackProposed { .. } => {
            Body::RollbackDecided { proposal: 4, rollback: s("previous-release"), verdict: Verdict::Run, no_answer: true }
        }
        Body::RollbackDecided { .. } => {
            Body::RollbackExpired { proposal: 4, rollback: s("previous-release"), cause: Expiry::Unanswered, detail: s("10m") }
        }
        Body::RollbackExpired { .. } => Body::CheckState {
            check: s("api"),
            from: crate::metrics::Health::Ok,
            to: crate::metrics::Health::Critical,
            reason: s("latency_ms 1.5s > 1s (critical) for 3 samples"),
            since_ms: 990,
        },
        Body::CheckState { .. } => Body::NotifyDelivery { notify: s("SLACK"), about: 1, ok: false, detail: s("HTTP 500") },
        Body::NotifyDelivery { .. } => Body::AlertmanagerSilence {
            target: s("check:api"),
            about: 7,
            action: crate::event::MirrorAction::Created,
            ok: true,
            silence: s("12c1b56e-6c7f-4909-b0e0-d576e87d1d9f"),
            detail: s("until 22:19"),
        },
        Body::AlertmanagerSilence { .. } => return None,
    })
}

/// One example of every variant, in declaration order.
fn every_body() -> Vec<Body> {
    let first = Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() };
    std::iter::successors(Some(first), next_example).collect()
}

/// The kinds the derived decoder knows, in declaration order, as its
/// error for an unknown kind lists them (`expected one of `a`, `b`, …`).
fn declared_kinds() -> Vec<String> {
    let unknown = serde_json::from_value::<Body>(serde_json::json!({"kind": "no.such.kind", "payload": {}}));
    let message = unknown.err().map(|e| e.to_string()).unwrap_or_default();
    let (_, expected) = message.split_once("expected one of ").unwrap_or_default();
    expected.split(", ").map(|kind| kind.trim_matches('`').to_string()).collect()
}

/// The rule of issue 11: an event is decoded once, where it enters, and
/// folds match its [`Body`] exhaustively. Every variant is made, stored
/// as a store keeps it (kind and payload text) and read back to the
/// same body; with a corrupt payload each kind reads as unreadable.
#[test]
fn every_kind_round_trips_and_a_corrupt_payload_is_unreadable() {
    let bodies = every_body();
    let kinds: Vec<String> = bodies.iter().map(|b| b.to_parts().0).collect();
    assert_eq!(kinds, declared_kinds(), "next_example chains one example of every variant, in declaration order");
    for (n, body) in bodies.into_iter().enumerate() {
        let seq = n as i64 + 1;
        let new = NewEvent::new("room", &actor(), 1000, &body);
        let text = new.payload.to_string();
        let payload = serde_json::from_str(&text).unwrap_or_default();
        let read = Event::decode(seq, new.room, new.at_ms, new.actor, new.kind.clone(), new.version, payload, new.key);
        assert_eq!((read.body(), read.unreadable()), (Some(&body), None), "{}", new.kind);

        let corrupt = Event::decode(seq, "room".into(), 1000, actor(), new.kind.clone(), EVENT_VERSION, serde_json::json!(5), "k".into());
        assert_eq!(corrupt.body(), None, "{}", new.kind);
        assert!(corrupt.unreadable().is_some_and(|why| why.contains("invalid type")), "{}: {:?}", new.kind, corrupt.unreadable());
    }
}

#[test]
fn unknown_kinds_are_kept_but_not_typed() {
    let mut e = NewEvent::new("room", &actor(), 1, &Body::IncidentAcknowledged { incident: 3 }).stored(9);
    e.kind = "rollback.started".into();
    let e = e.redecode();
    assert_eq!(Body::of(&e), None);
}

#[test]
fn actors_read_like_people() {
    assert_eq!(actor().to_string(), "alice@bastion-1 from 10.0.0.5");
    assert_ne!(fresh_key(), fresh_key());
}
