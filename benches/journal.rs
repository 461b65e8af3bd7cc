//! Journal figures: append latency (SQLite with synchronous=FULL, and
//! PostgreSQL), the replay a console does at start for 100,000 events
//! (reading them, folding them into the console's state, and the two
//! together), and NOTIFY propagation from one PostgreSQL connection to another.
//! Run: cargo bench --bench journal
//! (PostgreSQL from OPSDECK_TEST_POSTGRES_URL, else the local test server;
//! SQLite files in a temp dir; OPSDECK_BENCH_REPLAY to change 100000.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opsdeck::adapters::journal::{Actor, AnyStore, Body, Journal, NewEvent, PgStore, SqliteStore, Store, Wake};
use opsdeck::shell::app::console::{from_journal, initial_state};
use opsdeck::shell::app::journal_link::FromJournal;
use opsdeck_core::event::fresh_key;
use opsdeck_core::metrics::Health;

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support.rs"]
mod support;

const APPENDS: usize = 1000;
const NOTIFIES: usize = 200;

fn actor() -> Actor {
    Actor { name: "alice".into(), host: "bastion-1".into(), from: Some("10.0.0.5".into()) }
}

fn note(room: &str, i: usize) -> NewEvent {
    let body = Body::IncidentNote {
        incident: 1,
        text: format!("note {i}: rolled back checkout-api to v2.41.3, error rate falling"),
        comms: i.is_multiple_of(10),
    };
    NewEvent::new(room, &actor(), 1_795_615_200_000 + i as i64, &body)
}

fn pct(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn report(what: &str, mut d: Vec<Duration>) {
    d.sort();
    println!(
        "{what:<40} n={:<5} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms",
        d.len(),
        pct(&d, 0.5).as_secs_f64() * 1e3,
        pct(&d, 0.99).as_secs_f64() * 1e3,
        d[d.len() - 1].as_secs_f64() * 1e3,
    );
}

async fn append_latency<S: Store>(what: &str, store: &S, room: &str) {
    let mut took = Vec::with_capacity(APPENDS);
    for i in 0..APPENDS {
        let e = note(room, i);
        let start = Instant::now();
        store.append(e).await.unwrap();
        took.push(start.elapsed());
    }
    let total: Duration = took.iter().sum();
    report(what, took);
    println!("{:<40} {:.0} appends/s, one at a time", "", APPENDS as f64 / total.as_secs_f64());
}

/// The room a replay reads: an incident opened, then notes on it, with a
/// check's state changing every 100th event (kinds the console folds).
fn history(room: &str, i: usize) -> NewEvent {
    if i == 0 {
        let body = Body::IncidentOpened { title: "checkout-api error rate".into(), severity: "SEV2".into() };
        return NewEvent::new(room, &actor(), 1_795_615_200_000, &body);
    }
    if i.is_multiple_of(100) {
        let (from, to) = if i.is_multiple_of(200) { (Health::Ok, Health::Critical) } else { (Health::Critical, Health::Ok) };
        let body =
            Body::CheckState { check: "check-000".into(), from, to, reason: format!("p95 {i} ms"), since_ms: 1_795_615_200_000 + i as i64 };
        return NewEvent::new(room, &actor(), 1_795_615_200_000 + i as i64, &body);
    }
    note(room, i)
}

/// What a console waits for at start: the follower's first `sync(0)` (every
/// event of the room, in the journal's pages) and the loop folding them
/// into the state it starts from (`console::from_journal`).
async fn replay(what: &str, store: AnyStore, room: &str, n: usize) {
    let start = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let batch = chunk.iter().map(|&i| history(room, i)).collect();
        store.append_batch(batch).await.unwrap();
    }
    let load = start.elapsed();
    let kind = if store.is_shared() { "postgres" } else { "sqlite" };
    let journal = Journal::new(store, room, actor(), false, None).unwrap();
    let plan = support::plan(50, "http://127.0.0.1:1/", "5s");
    let launch = opsdeck::adapters::launch_docs::load(&plan);

    let start = Instant::now();
    let events = journal.sync(0).await.unwrap();
    let read = start.elapsed();
    assert_eq!(events.len(), n);
    let start = Instant::now();
    let mut state = initial_state(&plan, "dark", &journal, launch, support::T0);
    let effects = from_journal(&mut state, FromJournal::Events(events), kind);
    let fold = start.elapsed();
    assert_eq!(state.room().last_seq(), n as i64);
    assert!(state.room().events().iter().all(|e| e.body().is_some()), "every event readable");
    drop(effects);
    let total = read + fold;
    println!(
        "{what:<40} {n} events: read {:>7.1} ms + fold {:>7.1} ms = {:>7.1} ms ({:.0} events/s; bulk load took {:.1} s)",
        read.as_secs_f64() * 1e3,
        fold.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        n as f64 / total.as_secs_f64(),
        load.as_secs_f64(),
    );
}

async fn notify_latency(url: &str) {
    let (a, b) = (PgStore::connect(url).await.unwrap(), PgStore::connect(url).await.unwrap());
    let room = format!("bench-notify-{}", &fresh_key()[..8]);
    let mut wakes = b.subscribe(&room);
    assert_eq!(wakes.recv().await, Some(Wake::Resync));
    let arrived: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let arrived2 = arrived.clone();
    let listener = tokio::spawn(async move {
        while let Some(w) = wakes.recv().await {
            if let Wake::Appended { seq } = w {
                arrived2.lock().unwrap().insert(seq, Instant::now());
            }
        }
    });
    let mut sent = Vec::with_capacity(NOTIFIES);
    for i in 0..NOTIFIES {
        let start = Instant::now();
        let stored = a.append(note(&room, i)).await.unwrap();
        let committed = Instant::now();
        sent.push((stored.seq, start, committed));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    listener.abort();
    let arrived = std::mem::take(&mut *arrived.lock().unwrap());
    let mut from_call = Vec::new();
    let mut from_ack = Vec::new();
    for (seq, start, committed) in sent {
        let at = *arrived.get(&seq).unwrap_or_else(|| panic!("seq {seq} never arrived"));
        from_call.push(at - start);
        from_ack.push(at.saturating_duration_since(committed));
    }
    report("NOTIFY: append called → wake on conn B", from_call);
    report("NOTIFY: append returned → wake on conn B", from_ack);
    cleanup(&a, &room).await;
}

async fn cleanup(store: &PgStore, room: &str) {
    for sql in ["DELETE FROM journal_events WHERE room = $1", "DELETE FROM journal_rooms WHERE room = $1"] {
        sqlx::query(sql).bind(room).execute(&store.pool()).await.unwrap();
    }
}

fn main() {
    let replay_n: usize = std::env::var("OPSDECK_BENCH_REPLAY").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        println!("SQLite files in {} (WAL, synchronous=FULL)", dir.path().display());
        let sqlite = SqliteStore::new(dir.path());
        append_latency("SQLite append", &sqlite, "bench-append").await;
        replay("SQLite replay", AnyStore::Sqlite(sqlite.clone()), "bench-replay", replay_n).await;

        let url = common::postgres_url();
        let pg = PgStore::connect(&url).await.unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e:?}"));
        println!("PostgreSQL at {url}");
        let room = format!("bench-append-{}", &fresh_key()[..8]);
        append_latency("PostgreSQL append", &pg, &room).await;
        cleanup(&pg, &room).await;
        let room = format!("bench-replay-{}", &fresh_key()[..8]);
        replay("PostgreSQL replay", AnyStore::Postgres(pg.clone()), &room, replay_n).await;
        cleanup(&pg, &room).await;
        notify_latency(&url).await;
    });
}
