//! One conformance suite for every journal store, run against SQLite files
//! in a temp dir and the real PostgreSQL; plus PostgreSQL notifications
//! between two connections.

mod common;

use std::collections::HashSet;
use std::str::FromStr;
use std::time::{Duration, Instant};

use opsdeck::adapters::journal::{Actor, Body, NewEvent, PgStore, SqliteStore, Store, Wake, read_all};
use opsdeck_core::event::fresh_key;
use sqlx::postgres::PgConnectOptions;
use tokio::sync::mpsc;

fn actor(name: &str) -> Actor {
    Actor { name: name.into(), host: "bastion-1".into(), from: Some("10.0.0.5".into()) }
}

fn new_room(prefix: &str) -> String {
    format!("{prefix}-{}", &fresh_key()[..12])
}

fn note(room: &str, i: i64) -> NewEvent {
    NewEvent::new(
        room,
        &actor("alice"),
        1_795_615_200_000 + i,
        &Body::IncidentNote { incident: 1, text: format!("note {i}"), comms: i % 2 == 0 },
    )
}

async fn pg() -> PgStore {
    let url = common::postgres_url();
    PgStore::connect(&url).await.unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e:?}"))
}

/// Everything a store must do, each part in its own room.
async fn conformance<S: Store + Clone + 'static>(store: S) {
    appends_are_numbered_and_replayed_in_order(&store).await;
    appends_are_idempotent(&store).await;
    concurrent_appenders_get_gapless_unique_seqs(&store).await;
    since_pages(&store).await;
    batches_behave_like_appends(&store).await;
    presence_lists_recent_actors(&store).await;
}

async fn appends_are_numbered_and_replayed_in_order<S: Store>(store: &S) {
    let room = new_room("order");
    assert_eq!(store.latest_seq(&room).await.unwrap(), 0);
    assert!(store.since(&room, 0, 10).await.unwrap().is_empty());
    let mut appended = Vec::new();
    for i in 1..=3 {
        let e = note(&room, i);
        let stored = store.append(e.clone()).await.unwrap();
        // The role is the store's to say (PostgreSQL: the session's; SQLite: none).
        assert_eq!(stored, e.stored(i).vouched_by(stored.role.clone()), "append {i}");
        appended.push(stored);
    }
    assert_eq!(store.latest_seq(&room).await.unwrap(), 3);
    assert_eq!(store.since(&room, 0, 10).await.unwrap(), appended);
    assert_eq!(store.since(&room, 2, 10).await.unwrap(), appended[2..]);
    // Another room is numbered on its own.
    let other = new_room("order-other");
    assert_eq!(store.append(note(&other, 9)).await.unwrap().seq, 1);
}

async fn appends_are_idempotent<S: Store + Clone + 'static>(store: &S) {
    let room = new_room("idem");
    let e = note(&room, 1);
    let first = store.append(e.clone()).await.unwrap();
    let again = store.append(e.clone()).await.unwrap();
    assert_eq!(first, again);
    // Same key, different content: the original wins.
    let mut changed = e.clone();
    changed.payload = serde_json::json!({"text": "rewritten"});
    assert_eq!(store.append(changed).await.unwrap(), first);
    // The duplicate did not use up a seq.
    assert_eq!(store.append(note(&room, 2)).await.unwrap().seq, 2);
    assert_eq!(store.since(&room, 0, 10).await.unwrap().len(), 2);
    // Racing duplicates (a double Enter on two paths) store one event.
    let e = note(&room, 3);
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let (s, e) = (store.clone(), e.clone());
            tokio::spawn(async move { s.append(e).await })
        })
        .collect();
    for r in racers {
        assert_eq!(r.await.unwrap().unwrap().seq, 3);
    }
    assert_eq!(store.latest_seq(&room).await.unwrap(), 3);
}

async fn concurrent_appenders_get_gapless_unique_seqs<S: Store + Clone + 'static>(store: &S) {
    let room = new_room("concurrent");
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (store, room) = (store.clone(), room.clone());
            tokio::spawn(async move {
                let mut mine = Vec::new();
                for i in 0..50 {
                    let e = note(&room, t * 1000 + i);
                    let stored = store.append(e.clone()).await.unwrap();
                    assert_eq!(stored.key, e.key);
                    mine.push((stored.seq, e.key));
                }
                mine
            })
        })
        .collect();
    let mut appended = Vec::new();
    for t in tasks {
        appended.extend(t.await.unwrap());
    }
    appended.sort();
    let seqs: Vec<i64> = appended.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, (1..=400).collect::<Vec<_>>());
    let stored = read_all(store, &room, 0, 1000).await.unwrap();
    let stored: Vec<(i64, String)> = stored.into_iter().map(|e| (e.seq, e.key)).collect();
    assert_eq!(stored, appended, "every acknowledged event, at its seq");
}

async fn since_pages<S: Store>(store: &S) {
    let room = new_room("paging");
    let events: Vec<NewEvent> = (1..=25).map(|i| note(&room, i)).collect();
    for e in &events {
        store.append(e.clone()).await.unwrap();
    }
    let seqs = |v: Vec<opsdeck::adapters::journal::Event>| v.into_iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(store.since(&room, 0, 10).await.unwrap()), (1..=10).collect::<Vec<_>>());
    assert_eq!(seqs(store.since(&room, 10, 10).await.unwrap()), (11..=20).collect::<Vec<_>>());
    assert_eq!(seqs(store.since(&room, 20, 10).await.unwrap()), (21..=25).collect::<Vec<_>>());
    assert!(store.since(&room, 25, 10).await.unwrap().is_empty());
    let all = read_all(store, &room, 0, 7).await.unwrap();
    let keys: Vec<&str> = all.iter().map(|e| e.key.as_str()).collect();
    let want: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, want);
    assert_eq!(read_all(store, &room, 20, 5).await.unwrap().len(), 5);
}

async fn batches_behave_like_appends<S: Store>(store: &S) {
    let room = new_room("batch");
    let before = store.append(note(&room, 1)).await.unwrap();
    let fresh = note(&room, 2);
    let batch = vec![
        note(&room, 1), // same content as the first, but a fresh key: new
        fresh.clone(),
        NewEvent { key: before.key.clone(), ..note(&room, 3) },
        fresh.clone(),
    ];
    let out = store.append_batch(batch).await.unwrap();
    let seqs: Vec<i64> = out.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [2, 3, 1, 3]);
    assert_eq!(out[2], before);
    assert_eq!(store.latest_seq(&room).await.unwrap(), 3);
    assert!(store.append_batch(Vec::new()).await.unwrap().is_empty());
    let mixed = vec![note(&room, 4), note("elsewhere", 5)];
    assert!(store.append_batch(mixed).await.is_err());
    assert_eq!(store.latest_seq(&room).await.unwrap(), 3);
}

async fn presence_lists_recent_actors<S: Store>(store: &S) {
    let room = new_room("presence");
    let (alice, bob) = (actor("alice"), actor("bob"));
    store.heartbeat(&room, "console-1", &alice).await.unwrap();
    store.heartbeat(&room, "console-2", &alice).await.unwrap();
    store.heartbeat(&room, "console-3", &bob).await.unwrap();
    let here = store.present(&room, Duration::from_secs(60)).await.unwrap();
    let names: HashSet<&str> = here.iter().map(|(a, _)| a.name.as_str()).collect();
    assert_eq!(here.len(), 2, "{here:?}");
    assert_eq!(names, HashSet::from(["alice", "bob"]));
    assert!(here.iter().all(|(_, seen)| *seen > 1_700_000_000_000));
    // Only bob keeps beating: alice drops out of a short window. The pause
    // is longer than the window, so alice is out however the test is
    // scheduled; the window is wide enough to keep bob in on a busy machine.
    let window = Duration::from_secs(2);
    tokio::time::sleep(window + Duration::from_millis(500)).await;
    store.heartbeat(&room, "console-3", &bob).await.unwrap();
    let here = store.present(&room, window).await.unwrap();
    assert_eq!(here.len(), 1, "{here:?}");
    assert_eq!(here[0].0, bob);
    assert!(store.present("nobody-here", Duration::from_secs(60)).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::new(dir.path().join("rooms"));
    conformance(store.clone()).await;
    // One WAL-mode file per room.
    let files: Vec<String> =
        std::fs::read_dir(store.dir()).unwrap().map(|f| f.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(files.iter().any(|f| f.starts_with("order-") && f.ends_with(".db")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with(".db-wal")), "{files:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_conforms() {
    conformance(pg().await).await;
}

/// Pages are windows of seqs; a gap (rows deleted by hand) must not end a
/// read early: the events after it are still read, in order.
#[tokio::test]
async fn postgres_pages_read_past_a_gap_in_seqs() {
    let store = pg().await;
    let room = new_room("gap");
    for i in 1..=12 {
        store.append(note(&room, i)).await.unwrap();
    }
    sqlx::query("DELETE FROM journal_events WHERE room = $1 AND seq BETWEEN 3 AND 8").bind(&room).execute(&store.pool()).await.unwrap();
    let seqs = |v: Vec<opsdeck::adapters::journal::Event>| v.into_iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(store.since(&room, 0, 4).await.unwrap()), vec![1, 2, 9, 10]);
    assert_eq!(seqs(store.since(&room, 10, 4).await.unwrap()), vec![11, 12]);
    assert_eq!(seqs(read_all(&store, &room, 0, 3).await.unwrap()), vec![1, 2, 9, 10, 11, 12]);
}

#[tokio::test]
async fn sqlite_room_names_become_safe_distinct_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::new(dir.path());
    for r in ["Launch Day", "launch day", "../escape", "a/b"] {
        store.append(note(r, 1)).await.unwrap();
        let path = store.path_of(r).unwrap();
        assert_eq!(path.parent(), Some(dir.path()), "{r}");
        assert!(path.exists(), "{r}");
        assert_eq!(store.since(r, 0, 10).await.unwrap()[0].room, r);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().filter(|f| { f.as_ref().unwrap().path().extension().is_some_and(|x| x == "db") }).count(),
        4
    );
    assert!(store.append(note("", 1)).await.is_err());
}

/// The first wake within `limit`, if any.
async fn next_wake(rx: &mut mpsc::Receiver<Wake>, limit: Duration) -> Option<Wake> {
    tokio::time::timeout(limit, rx.recv()).await.ok().flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_on_one_connection_wakes_a_subscriber_on_another() {
    let (a, b) = (pg().await, pg().await);
    let room = new_room("notify");
    let mut wakes = b.subscribe(&room);
    assert_eq!(next_wake(&mut wakes, common::PATIENCE).await, Some(Wake::Resync));
    // An `Appended` wake comes only from the server's notification (the
    // subscriber does not poll): its seq is the proof, the time is reported.
    for i in 1..=5 {
        let start = Instant::now();
        let stored = a.append(note(&room, i)).await.unwrap();
        let wake = next_wake(&mut wakes, common::PATIENCE).await;
        let took = start.elapsed();
        assert_eq!(wake, Some(Wake::Appended { seq: stored.seq }));
        eprintln!("append {i}: delivered to the other connection after {took:?}");
        // And the consumer's read finds it.
        assert_eq!(b.since(&room, stored.seq - 1, 10).await.unwrap()[0].key, stored.key);
    }
    // A duplicate append commits nothing and notifies nothing: the next
    // wake is the next new event's (notifications arrive in commit order).
    let e = note(&room, 6);
    let first = a.append(e.clone()).await.unwrap();
    assert_eq!(next_wake(&mut wakes, common::PATIENCE).await, Some(Wake::Appended { seq: first.seq }));
    assert_eq!(a.append(e).await.unwrap().seq, first.seq);
    let next = a.append(note(&room, 7)).await.unwrap();
    assert_eq!(next_wake(&mut wakes, common::PATIENCE).await, Some(Wake::Appended { seq: next.seq }), "no wake for the duplicate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_resyncs_after_its_connection_is_killed() {
    let url = common::postgres_url();
    let a = pg().await;
    let app = format!("opsdeck-test-listen-{}", &fresh_key()[..8]);
    let options = PgConnectOptions::from_str(&url).unwrap().application_name(&app);
    let b = PgStore::lazy_with(options, Duration::from_secs(3));
    let room = new_room("resync");
    let mut wakes = b.subscribe(&room);
    assert_eq!(next_wake(&mut wakes, common::PATIENCE).await, Some(Wake::Resync));
    let killed: Vec<bool> = sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
        .bind(&app)
        .fetch_all(&a.pool())
        .await
        .unwrap();
    assert_eq!(killed, [true], "one listening backend");
    // Whatever was sent meanwhile is lost: the subscriber says "resync".
    assert_eq!(next_wake(&mut wakes, common::PATIENCE).await, Some(Wake::Resync));
    let stored = a.append(note(&room, 1)).await.unwrap();
    assert_eq!(next_wake(&mut wakes, common::PATIENCE).await, Some(Wake::Appended { seq: stored.seq }));
}
