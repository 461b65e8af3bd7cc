//! For notification tests: an HTTP server on 127.0.0.1 that records every
//! request it gets (path, headers, raw body) and answers a fixed status,
//! and a console's side of a real SQLite journal with a real `Notifier`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde_json::Value;
use tokio::net::TcpListener;

use opsdeck::adapters::journal::{Actor, AnyStore, Body, Event, Journal, SqliteStore};
use opsdeck::adapters::notify::{Notifier, Policy};
use opsdeck_core::config::{Notify, Severity};

/// One request as the server got it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub raw: Vec<u8>,
}

impl Request {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.raw).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.raw)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

pub type Seen = Arc<Mutex<Vec<Request>>>;

/// A server on a fresh port answering `status` (with `answer` as JSON) to
/// every POST on any path; returns its base URL (`http://127.0.0.1:PORT`).
pub async fn recorder(status: StatusCode, answer: Value) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let router = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let (log, answer) = (log.clone(), answer.clone());
        async move {
            let headers = headers.iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
            log.lock().expect("log").push(Request { path: uri.path().to_string(), headers, raw: body.to_vec() });
            (status, axum::Json(answer))
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    (format!("http://{addr}"), seen)
}

pub fn requests(seen: &Seen) -> Vec<Request> {
    seen.lock().expect("log").clone()
}

/// Short timeouts and backoff: a test takes seconds at most.
pub fn policy() -> Policy {
    Policy { timeout: Duration::from_secs(2), attempts: 3, backoff: Duration::from_millis(20), queue: 16 }
}

/// A console's side of the journal: appends claim their key first, and it
/// follows the room, showing the notifier every event.
pub struct Console {
    pub journal: Journal,
    pub notifier: Notifier,
    seen: i64,
}

impl Console {
    pub fn new(dir: &std::path::Path, who: &str, notifies: &[Notify], severities: &[Severity], env: &[(&str, &str)]) -> Console {
        let actor = Actor { name: who.into(), host: "test".into(), from: None };
        let journal = Journal::new(AnyStore::Sqlite(SqliteStore::new(dir)), "war-room", actor, false, None).expect("journal");
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let notifier = Notifier::with_env(notifies, severities, journal.clone(), policy(), move |k| env.get(k).cloned()).expect("notifier");
        Console { journal, notifier, seen: 0 }
    }

    /// Appends `body` as this console; returns the stored event once followed.
    pub async fn act(&mut self, body: Body) -> Event {
        let event = self.journal.new_event(&body);
        self.notifier.claim(&event.key);
        let stored = self.journal.append(event).await.expect("append").event().cloned().expect("stored");
        self.follow().await;
        stored
    }

    pub async fn follow(&mut self) {
        let events = self.journal.sync(self.seen).await.expect("sync");
        if let Some(last) = events.last() {
            self.seen = last.seq;
        }
        self.notifier.observe(&events);
    }
}

/// The room's delivery records as (notify, about, ok, detail).
pub async fn deliveries(journal: &Journal) -> Vec<(String, i64, bool, String)> {
    let events = journal.sync(0).await.expect("sync");
    events
        .iter()
        .filter_map(|e| match Body::of(e) {
            Some(Body::NotifyDelivery { notify, about, ok, detail }) => Some((notify, about, ok, detail)),
            _ => None,
        })
        .collect()
}

/// Waits until the room has `n` delivery records (or `within` passes).
pub async fn wait_for_deliveries(journal: &Journal, n: usize, within: Duration) -> Vec<(String, i64, bool, String)> {
    let deadline = Instant::now() + within;
    loop {
        let got = deliveries(journal).await;
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
