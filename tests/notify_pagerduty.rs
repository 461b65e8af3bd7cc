//! PagerDuty Events API v2 against a real HTTP server on 127.0.0.1 that
//! checks the documented request shape: an incident's opening triggers,
//! another console's acknowledgement acknowledges, its resolution resolves,
//! all under one `dedup_key`; the severity maps P0→critical, P1→error, …;
//! `severities` keeps out incidents of other severities until one is
//! raised into them; 202 is success, a 4xx is final, 429 is retried. The
//! routing key is sent in the body and is never written to the journal.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::notify::{Console, recorder, requests, wait_for_deliveries};
use opsdeck::adapters::journal::{Body, Status};
use opsdeck_core::config::{Plan, Source, parse_source};

const ROUTING_KEY: &str = "R0UT1NGKEY0123456789abcdefabcdef";

fn plan(url: &str, more: &str) -> Plan {
    let text = format!(
        "[deck]\nname = \"war room\"\n[[notify]]\nid = \"pagerduty\"\npagerduty_routing_key_env = \"PD_KEY\"\npagerduty_url = \"{url}/v2/enqueue\"\n{more}"
    );
    let source = Source::new("plan.toml", text);
    let (plan, diags) = parse_source(&source, &|k| k == "PD_KEY");
    plan.unwrap_or_else(|| panic!("{}", diags.render(&[&source])))
}

fn accepted() -> Value {
    json!({"status": "success", "message": "Event processed", "dedup_key": "opsdeck:war-room:incident:1"})
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incident_is_one_pagerduty_alert_from_trigger_to_resolve() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, seen) = recorder(StatusCode::ACCEPTED, accepted()).await;
    let plan = plan(&url, "severities = [\"P0\", \"P1\"]\n");
    let env = [("PD_KEY", ROUTING_KEY)];
    let mut alice = Console::new(dir.path(), "alice", &plan.notify, &plan.severities, &env);
    let mut bob = Console::new(dir.path(), "bob", &plan.notify, &plan.severities, &env);

    let checkout = alice.act(Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }).await;
    bob.follow().await;
    let ack = bob.act(Body::IncidentAcknowledged { incident: checkout.seq }).await;
    // A P3 is not PagerDuty's business here, until it is raised to P0.
    let typo = alice.act(Body::IncidentOpened { title: "Typo on the pricing page".into(), severity: "P3".into() }).await;
    bob.follow().await;
    bob.act(Body::IncidentStatus { incident: typo.seq, from: Status::Investigating, to: Status::Identified }).await;
    let raised =
        bob.act(Body::IncidentSeverity { incident: typo.seq, from: "P3".into(), to: "P0".into(), reason: "prices wrong".into() }).await;
    // Identified → monitoring has no PagerDuty word: nothing is sent.
    bob.act(Body::IncidentStatus { incident: checkout.seq, from: Status::Investigating, to: Status::Monitoring }).await;
    let resolved = bob.act(Body::IncidentStatus { incident: checkout.seq, from: Status::Monitoring, to: Status::Resolved }).await;
    alice.follow().await;

    let records = wait_for_deliveries(&alice.journal, 4, common::PATIENCE).await;
    let mut abouts: Vec<(i64, bool, &str)> = records.iter().map(|r| (r.1, r.2, r.3.as_str())).collect();
    abouts.sort();
    assert_eq!(
        abouts,
        [(checkout.seq, true, "HTTP 202"), (ack.seq, true, "HTTP 202"), (raised.seq, true, "HTTP 202"), (resolved.seq, true, "HTTP 202")]
    );
    assert!(records.iter().all(|r| r.0 == "pagerduty"), "{records:?}");

    let got = requests(&seen);
    assert_eq!(got.len(), 4, "trigger, acknowledge, trigger (raised into P0), resolve: {got:#?}");
    for r in &got {
        assert_eq!(r.path, "/v2/enqueue");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json()["routing_key"], ROUTING_KEY);
    }
    let bodies: Vec<Value> = got.iter().map(|r| r.json()).collect();
    let actions: Vec<(&str, &str)> =
        bodies.iter().map(|b| (b["event_action"].as_str().unwrap_or("?"), b["dedup_key"].as_str().unwrap_or("?"))).collect();
    let key1 = format!("opsdeck:war-room:incident:{}", checkout.seq);
    let key2 = format!("opsdeck:war-room:incident:{}", typo.seq);
    assert_eq!(
        actions,
        [("trigger", key1.as_str()), ("acknowledge", key1.as_str()), ("trigger", key2.as_str()), ("resolve", key1.as_str())]
    );

    let trigger = &bodies[0];
    let payload = &trigger["payload"];
    assert_eq!(payload["summary"], "P1 Checkout errors (incident #1 in war-room)");
    assert_eq!(payload["source"], "opsdeck:war-room");
    assert_eq!(payload["severity"], "error", "P1 is the plan's second severity");
    assert!(payload["timestamp"].as_str().is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok()), "ISO 8601: {payload}");
    assert_eq!(payload["component"], "war-room");
    assert_eq!(payload["group"], "opsdeck");
    assert_eq!(payload["class"], "incident");
    assert_eq!(payload["custom_details"]["incident"], checkout.seq);
    assert_eq!(payload["custom_details"]["title"], "Checkout errors");
    assert_eq!(payload["custom_details"]["by"], "alice");
    assert_eq!(trigger["client"], "opsdeck");
    assert_eq!(bodies[2]["payload"]["severity"], "critical", "re-triggered with the new severity");
    assert_eq!(bodies[2]["payload"]["custom_details"]["severity"], "P0");
    for follow_up in [&bodies[1], &bodies[3]] {
        let mut keys: Vec<&String> = follow_up.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(keys, ["dedup_key", "event_action", "routing_key"], "acknowledge and resolve carry no payload: {follow_up}");
    }

    // The routing key went to PagerDuty only: not into the room's journal.
    let all = alice.journal.sync(0).await.expect("sync");
    let stored = serde_json::to_string(&all.iter().map(|e| &e.payload).collect::<Vec<_>>()).expect("json");
    assert!(!stored.contains(ROUTING_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_is_final_and_throttling_is_retried() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (bad_url, bad) = recorder(StatusCode::BAD_REQUEST, json!({"status": "invalid event", "errors": ["routing_key is invalid"]})).await;
    let (busy_url, busy) = recorder(StatusCode::TOO_MANY_REQUESTS, json!({})).await;
    let text = format!(
        "[deck]\nname = \"war room\"\n\
         [[notify]]\nid = \"pd-bad\"\npagerduty_routing_key_env = \"PD_KEY\"\npagerduty_url = \"{bad_url}/v2/enqueue\"\n\
         [[notify]]\nid = \"pd-busy\"\npagerduty_routing_key_env = \"PD_KEY\"\npagerduty_url = \"{busy_url}/v2/enqueue\"\n"
    );
    let source = Source::new("plan.toml", text);
    let (plan, diags) = parse_source(&source, &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", diags.render(&[&source])));
    let mut alice = Console::new(dir.path(), "alice", &plan.notify, &plan.severities, &[("PD_KEY", ROUTING_KEY)]);
    let incident = alice.act(Body::IncidentOpened { title: "Checkout errors".into(), severity: "P2".into() }).await;

    let mut records = wait_for_deliveries(&alice.journal, 2, common::PATIENCE).await;
    records.sort();
    assert_eq!(
        records,
        [
            ("pd-bad".to_string(), incident.seq, false, "HTTP 400".to_string()),
            ("pd-busy".to_string(), incident.seq, false, "HTTP 429 after 3 attempts".to_string()),
        ]
    );
    assert_eq!((requests(&bad).len(), requests(&busy).len()), (1, 3));
    assert_eq!(requests(&bad)[0].json()["payload"]["severity"], "warning", "P2 maps to warning");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_lowered_out_of_the_routed_severities_is_still_updated_and_resolved() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, seen) = recorder(StatusCode::ACCEPTED, accepted()).await;
    let plan = plan(&url, "severities = [\"P0\", \"P1\"]\n");
    let env = [("PD_KEY", ROUTING_KEY)];
    let mut alice = Console::new(dir.path(), "alice", &plan.notify, &plan.severities, &env);
    let mut bob = Console::new(dir.path(), "bob", &plan.notify, &plan.severities, &env);

    let incident = alice.act(Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }).await;
    // Bob, another console, lowers and resolves it: his console follows the
    // incident too, from the events it read.
    bob.follow().await;
    bob.act(Body::IncidentSeverity { incident: incident.seq, from: "P1".into(), to: "P2".into(), reason: "one region".into() }).await;
    bob.act(Body::IncidentStatus { incident: incident.seq, from: Status::Investigating, to: Status::Resolved }).await;
    // A new P2 is not followed; a P0 after it is sent (in order: once it
    // is delivered, the P2 would have been too).
    bob.act(Body::IncidentOpened { title: "Slow search".into(), severity: "P2".into() }).await;
    let last = bob.act(Body::IncidentOpened { title: "Site down".into(), severity: "P0".into() }).await;

    let records = wait_for_deliveries(&alice.journal, 4, common::PATIENCE).await;
    assert_eq!(records.len(), 4, "{records:?}");
    let bodies: Vec<Value> = requests(&seen).iter().map(|r| r.json()).collect();
    let actions: Vec<&str> = bodies.iter().map(|b| b["event_action"].as_str().unwrap_or("?")).collect();
    assert_eq!(actions, ["trigger", "trigger", "resolve", "trigger"], "{bodies:#?}");
    assert_eq!(bodies[1]["payload"]["severity"], "warning", "updated to P2's severity");
    assert!(bodies[..3].iter().all(|b| b["dedup_key"] == format!("opsdeck:war-room:incident:{}", incident.seq)));
    assert_eq!(bodies[3]["dedup_key"], format!("opsdeck:war-room:incident:{}", last.seq), "the P2 was not sent");
}
