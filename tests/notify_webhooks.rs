//! Notifications against real HTTP servers on 127.0.0.1: Slack and JSON
//! payloads, retries of 5xx, a hung webhook that times out without holding
//! up the console or the other target, a full queue — each outcome
//! recorded on the timeline as `notify.delivery`. Only the console that
//! appended an event notifies it. (An unset variable: tests/notify_quiet.rs.)

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;
use tokio::net::TcpListener;

use opsdeck::adapters::journal::{Actor, AnyStore, Body, Event, Journal, SqliteStore, Status};
use opsdeck::adapters::notify::{Notifier, Policy};
use opsdeck_core::config::Notify;
use opsdeck_core::config::sections::default_severities;

/// Short timeouts and backoff so the tests take a few seconds at most; a
/// hung target's timeout still leaves the rest seconds to go through.
fn policy() -> Policy {
    Policy { timeout: Duration::from_secs(1), attempts: 3, backoff: Duration::from_millis(20), queue: 8 }
}

/// What a webhook server received: every JSON body, in order.
type Seen = Arc<Mutex<Vec<Value>>>;

/// A webhook on a fresh port answering `status` to every POST; returns its URL.
async fn webhook(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let router = Router::new().route(
        "/hook",
        post(move |axum::Json(body): axum::Json<Value>| {
            let log = log.clone();
            async move {
                log.lock().expect("log").push(body);
                status
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    (format!("http://{addr}/hook"), seen)
}

fn received(seen: &Seen) -> Vec<Value> {
    seen.lock().expect("log").clone()
}

fn notify(id: Option<&str>, slack_env: Option<&str>, webhook_env: Option<&str>, on: &[&str]) -> Notify {
    Notify {
        id: id.map(str::to_string),
        slack_webhook_env: slack_env.map(str::to_string),
        webhook_env: webhook_env.map(str::to_string),
        on: on.iter().map(|s| s.to_string()).collect(),
        ..Notify::default()
    }
}

/// A console's side of the journal: appends claim their key first, and it
/// follows the room, showing the notifier every event (as the console's link does).
struct Console {
    journal: Journal,
    notifier: Notifier,
    seen: i64,
}

impl Console {
    fn new(dir: &std::path::Path, who: &str, notifies: &[Notify], env: &[(&str, &str)]) -> Console {
        let actor = Actor { name: who.into(), host: "test".into(), from: None };
        let journal = Journal::new(AnyStore::Sqlite(SqliteStore::new(dir)), "war-room", actor, false, None).expect("journal");
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let notifier =
            Notifier::with_env(notifies, &default_severities(), journal.clone(), policy(), move |k| env.get(k).cloned()).expect("notifier");
        Console { journal, notifier, seen: 0 }
    }

    /// Appends `body` as this console; returns the stored event once followed.
    async fn act(&mut self, body: Body) -> Event {
        let event = self.journal.new_event(&body);
        self.notifier.claim(&event.key);
        let stored = self.journal.append(event).await.expect("append").event().cloned().expect("stored");
        self.follow().await;
        stored
    }

    async fn follow(&mut self) {
        let events = self.journal.sync(self.seen).await.expect("sync");
        if let Some(last) = events.last() {
            self.seen = last.seq;
        }
        self.notifier.observe(&events);
    }
}

/// The room's delivery records as (notify, about, ok, detail).
async fn deliveries(journal: &Journal) -> Vec<(String, i64, bool, String)> {
    let events = journal.sync(0).await.expect("sync");
    events
        .iter()
        .filter_map(|e| match Body::of(e) {
            Some(Body::NotifyDelivery { notify, about, ok, detail }) => Some((notify, about, ok, detail)),
            _ => None,
        })
        .collect()
}

/// Waits until the room has `n` delivery records.
async fn wait_for_deliveries(journal: &Journal, n: usize, within: Duration) -> Vec<(String, i64, bool, String)> {
    let deadline = Instant::now() + within;
    loop {
        let got = deliveries(journal).await;
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn opened() -> Body {
    Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_and_json_webhooks_get_readable_payloads_from_the_appending_console_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (slack_url, slack) = webhook(StatusCode::OK).await;
    let (hook_url, hook) = webhook(StatusCode::NO_CONTENT).await;
    let notifies = [
        notify(None, Some("SLACK_URL"), None, &["incident.opened", "incident.severity"]),
        notify(Some("status-page"), None, Some("HOOK_URL"), &["incident.opened"]),
    ];
    let env = [("SLACK_URL", slack_url.as_str()), ("HOOK_URL", hook_url.as_str())];
    let mut alice = Console::new(dir.path(), "alice", &notifies, &env);
    let mut bob = Console::new(dir.path(), "bob", &notifies, &env);

    let incident = alice.act(opened()).await;
    bob.follow().await;
    bob.act(Body::IncidentNote { incident: incident.seq, text: "looking".into(), comms: false }).await;
    let raised =
        bob.act(Body::IncidentSeverity { incident: incident.seq, from: "P1".into(), to: "P0".into(), reason: "all regions".into() }).await;
    alice.follow().await;

    let mut records = wait_for_deliveries(&alice.journal, 3, common::PATIENCE).await;
    records.sort();
    assert_eq!(
        records,
        [
            ("SLACK_URL".to_string(), incident.seq, true, "HTTP 200".to_string()),
            ("SLACK_URL".to_string(), raised.seq, true, "HTTP 200".to_string()),
            ("status-page".to_string(), incident.seq, true, "HTTP 204".to_string()),
        ]
    );
    // Every console followed everything, yet each event went out once.
    let texts: Vec<Value> = received(&slack).into_iter().map(|b| b["text"].clone()).collect();
    assert_eq!(
        texts,
        [
            ":rotating_light: P1 incident #1 opened by alice: Checkout errors",
            ":arrow_up: Incident #1 (Checkout errors) severity raised P1 → P0 by bob: all regions",
        ]
    );
    let json = received(&hook);
    assert_eq!(json.len(), 1, "{json:?}");
    let j = &json[0];
    assert_eq!((j["room"].as_str(), j["seq"].as_i64(), j["kind"].as_str()), (Some("war-room"), Some(1), Some("incident.opened")));
    assert_eq!(j["actor"]["name"], "alice");
    assert_eq!(j["payload"]["title"], "Checkout errors");
    assert_eq!(j["text"], "P1 incident #1 opened by alice: Checkout errors");
    assert!(j["at"].as_str().is_some_and(|at| at.ends_with('Z')), "{j}");

    // Delivery records themselves are never notified, whoever follows them.
    // Both follow them, then alice opens another incident: each target
    // delivers in order, so once that one is delivered, whatever the records
    // had set off would have been delivered too.
    alice.follow().await;
    bob.follow().await;
    let later = alice.act(Body::IncidentOpened { title: "Search slow".into(), severity: "P1".into() }).await;
    let records = wait_for_deliveries(&alice.journal, 5, common::PATIENCE).await;
    assert_eq!(records.iter().filter(|r| r.1 == later.seq).count(), 2, "{records:?}");
    assert_eq!((received(&slack).len(), received(&hook).len()), (3, 2), "only the later incident went out");
    assert!(received(&slack)[2]["text"].as_str().is_some_and(|t| t.contains("Search slow")), "{:?}", received(&slack));
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_and_client_errors_are_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (broken_url, broken) = webhook(StatusCode::INTERNAL_SERVER_ERROR).await;
    let (gone_url, gone) = webhook(StatusCode::NOT_FOUND).await;
    let notifies = [
        notify(Some("broken"), None, Some("BROKEN"), &["incident.opened"]),
        notify(Some("gone"), Some("GONE"), None, &["incident.opened"]),
    ];
    let mut alice = Console::new(dir.path(), "alice", &notifies, &[("BROKEN", &broken_url), ("GONE", &gone_url)]);
    let incident = alice.act(opened()).await;

    let mut records = wait_for_deliveries(&alice.journal, 2, common::PATIENCE).await;
    records.sort();
    assert_eq!(
        records,
        [
            ("broken".to_string(), incident.seq, false, "HTTP 500 after 3 attempts".to_string()),
            ("gone".to_string(), incident.seq, false, "HTTP 404".to_string()),
        ]
    );
    assert_eq!((received(&broken).len(), received(&gone).len()), (3, 1), "500 tried three times, 404 once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_webhook_times_out_without_holding_up_the_console_or_other_targets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (hung, _server) = common::silent_server().await;
    let hung_url = format!("http://{hung}/hook");
    let (slack_url, slack) = webhook(StatusCode::OK).await;
    let notifies =
        [notify(Some("hung"), None, Some("HUNG"), &["incident.opened"]), notify(None, Some("SLACK"), None, &["incident.opened"])];
    let mut alice = Console::new(dir.path(), "alice", &notifies, &[("HUNG", &hung_url), ("SLACK", &slack_url)]);

    let event = alice.journal.new_event(&opened());
    alice.notifier.claim(&event.key);
    let stored = alice.journal.append(event).await.expect("append").event().cloned().expect("stored");
    let offered = Instant::now();
    alice.notifier.observe(std::slice::from_ref(&stored));
    eprintln!("observe returned after {:?}", offered.elapsed());

    // The room's order tells what went on while the hung target was tried
    // (it cannot be recorded before its three timeouts): slack's record
    // first, then the console's next append, then the hung one's record.
    let first = wait_for_deliveries(&alice.journal, 1, common::PATIENCE).await;
    assert_eq!(first, [("SLACK".to_string(), 1, true, "HTTP 200".to_string())], "slack went through while the other hung");
    assert_eq!(received(&slack).len(), 1);

    // The console keeps appending meanwhile (observe did not wait either).
    let note = alice.act(Body::IncidentStatus { incident: 1, from: Status::Investigating, to: Status::Identified }).await;
    assert_eq!(note.seq, 3, "event, slack's delivery record, this one");

    let all = wait_for_deliveries(&alice.journal, 2, common::PATIENCE).await;
    assert_eq!(all.get(1), Some(&("hung".to_string(), 1, false, "timed out after 1s ×3".to_string())));
    let took = offered.elapsed();
    let three = 3 * policy().timeout;
    assert!(took >= three && took < 2 * three, "three timeouts plus backoff, each bounded: {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_queue_drops_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (hung, _server) = common::silent_server().await;
    let hung_url = format!("http://{hung}/hook");
    let notifies = [notify(Some("hung"), None, Some("HUNG"), &["incident.opened"])];
    let actor = Actor { name: "alice".into(), host: "test".into(), from: None };
    let journal = Journal::new(AnyStore::Sqlite(SqliteStore::new(dir.path())), "war-room", actor, false, None).expect("journal");
    let tight = Policy { queue: 1, attempts: 1, ..policy() };
    let notifier =
        Notifier::with_env(&notifies, &default_severities(), journal.clone(), tight, move |k| (k == "HUNG").then(|| hung_url.clone()))
            .expect("notifier");
    let mut events = Vec::new();
    for n in 0..4 {
        let event = journal.new_event(&Body::IncidentOpened { title: format!("incident {n}"), severity: "P2".into() });
        notifier.claim(&event.key);
        events.push(journal.append(event).await.expect("append").event().cloned().expect("stored"));
    }
    notifier.observe(&events);
    let records = wait_for_deliveries(&journal, 4, common::PATIENCE).await;
    let dropped = records.iter().filter(|r| r.3 == "dropped: 1 notifications already waiting").count();
    assert!(dropped >= 2, "at most one in flight and one waiting: {records:?}");
    assert!(records.iter().all(|r| !r.2));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_consoles_journal_link_notifies_what_it_appends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (slack_url, slack) = webhook(StatusCode::OK).await;
    let notifies = [notify(None, Some("SLACK"), None, &["incident.opened"])];
    let console = Console::new(dir.path(), "alice", &notifies, &[("SLACK", &slack_url)]);
    let mut link = opsdeck::shell::app::journal_link::JournalLink::start_with(console.journal.clone(), Some(console.notifier.clone()));
    link.append(opened()).expect("queued for append");
    let records = wait_for_deliveries(&console.journal, 1, common::PATIENCE).await;
    assert_eq!(records, [("SLACK".to_string(), 1, true, "HTTP 200".to_string())]);
    assert_eq!(received(&slack).len(), 1);
    while link.messages.try_recv().is_ok() {}
}
