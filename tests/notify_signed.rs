//! Signed JSON webhooks against a real HTTP server on 127.0.0.1: every
//! request carries `X-Opsdeck-Timestamp` and `X-Opsdeck-Signature:
//! sha256=<hex>`, which the test verifies the way the README tells a
//! receiver to — HMAC-SHA256 of `<timestamp>.<raw body>` — computed here
//! with the `hmac` crate and again with the `openssl` command; a changed
//! body or timestamp does not verify. Routing: `severities` and `triggers`
//! keep out incidents and firings the entry does not list.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use axum::http::StatusCode;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use common::notify::{Console, Request, recorder, requests, wait_for_deliveries};
use opsdeck::adapters::journal::Body;
use opsdeck_core::config::{Plan, Source, parse_source};

const SECRET: &str = "whsec_5f0c1e9a7b3d";

fn plan() -> Plan {
    let text = r#"
[deck]
name = "war room"
[[check]]
id = "api"
tcp = { address = "127.0.0.1:1" }
[[trigger]]
id = "errors-high"
when = ["api down for 30s"]
[[trigger]]
id = "latency"
when = ["api down for 5m"]
[[notify]]
id = "status-page"
webhook_env = "HOOK_URL"
secret_env = "HOOK_SECRET"
on = ["incident.opened", "trigger.fired"]
severities = ["P0", "P1"]
triggers = ["errors-high"]
"#;
    let source = Source::new("plan.toml", text);
    let (plan, diags) = parse_source(&source, &|k| k.starts_with("HOOK_"));
    plan.unwrap_or_else(|| panic!("{}", diags.render(&[&source])))
}

fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// What `openssl dgst -sha256 -hmac SECRET` says of `message`.
fn openssl_hex(secret: &str, message: &[u8]) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", secret])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the openssl command");
    child.stdin.take().expect("stdin").write_all(message).expect("write");
    let out = child.wait_with_output().expect("openssl ran");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("utf-8").trim().rsplit(' ').next().expect("a digest").to_string()
}

/// The receiver's check: the signature over the timestamp and the raw body.
fn verifies(r: &Request, secret: &str) -> bool {
    let (Some(ts), Some(sig)) = (r.header("x-opsdeck-timestamp"), r.header("x-opsdeck-signature")) else { return false };
    let mut message = format!("{ts}.").into_bytes();
    message.extend_from_slice(&r.raw);
    sig == format!("sha256={}", hmac_hex(secret, &message))
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_bodies_are_signed_and_routed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, seen) = recorder(StatusCode::OK, json!({"ok": true})).await;
    let plan = plan();
    let hook = format!("{url}/hooks/opsdeck");
    let mut alice = Console::new(dir.path(), "alice", &plan.notify, &plan.severities, &[("HOOK_URL", &hook), ("HOOK_SECRET", SECRET)]);

    let p1 = alice.act(Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }).await;
    alice.act(Body::IncidentOpened { title: "Slow search".into(), severity: "P2".into() }).await;
    let fire = |trigger: &str| Body::TriggerFired {
        trigger: trigger.into(),
        reason: "api down".into(),
        mode: "advise".into(),
        rollback: None,
        frozen: None,
    };
    alice.act(fire("latency")).await;
    let fired = alice.act(fire("errors-high")).await;

    let records = wait_for_deliveries(&alice.journal, 2, common::PATIENCE).await;
    let abouts: Vec<(i64, bool)> = records.iter().map(|r| (r.1, r.2)).collect();
    assert_eq!(abouts, [(p1.seq, true), (fired.seq, true)], "the P2 and latency's firing are not routed here: {records:?}");

    let got = requests(&seen);
    assert_eq!(got.len(), 2, "{got:#?}");
    let now = jiff::Timestamp::now().as_second();
    for r in &got {
        assert_eq!(r.path, "/hooks/opsdeck");
        let ts: i64 = r.header("x-opsdeck-timestamp").expect("timestamp header").parse().expect("unix seconds");
        assert!((now - ts).abs() < 60, "signed just now: {ts} vs {now}");
        let sig = r.header("x-opsdeck-signature").expect("signature header");
        let mut message = format!("{ts}.").into_bytes();
        message.extend_from_slice(&r.raw);
        assert_eq!(sig, format!("sha256={}", hmac_hex(SECRET, &message)));
        assert_eq!(sig, format!("sha256={}", openssl_hex(SECRET, &message)), "openssl agrees");
        assert!(verifies(r, SECRET));
        assert!(!verifies(r, "another secret"));
        let mut tampered = r.clone();
        tampered.raw.push(b' ');
        assert!(!verifies(&tampered, SECRET), "a changed body does not verify");
        let mut replayed = r.clone();
        replayed.headers.insert("x-opsdeck-timestamp".into(), (ts + 600).to_string());
        assert!(!verifies(&replayed, SECRET), "a changed timestamp does not verify");
    }
    assert_eq!(got[0].json()["event"], "incident.opened");
    assert_eq!(got[0].json()["payload"]["severity"], "P1");
    assert_eq!(got[1].json()["event"], "trigger.fired");
    assert_eq!(got[1].json()["payload"]["trigger"], "errors-high");
    assert!(!String::from_utf8_lossy(&got[0].raw).contains(SECRET), "the secret signs, it is not sent");
}
