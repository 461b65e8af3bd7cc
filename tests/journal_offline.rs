//! The Journal facade against the real PostgreSQL through a TCP proxy the
//! test can cut (the shared server is never stopped): backends killed with
//! pg_terminate_backend, appends spooled while offline, replayed in order
//! and exactly once; and read-only consoles refused.

mod common;

use std::time::{Duration, Instant};

use common::proxy::Proxy;
use opsdeck::adapters::journal::facade::STORE_TIMEOUT;
use opsdeck::adapters::journal::{Actor, AnyStore, Appended, Body, Journal, PgStore, Spool, SqliteStore, Store, is_read_only, read_all};
use opsdeck_core::event::fresh_key;

fn actor() -> Actor {
    Actor { name: "alice".into(), host: "bastion-1".into(), from: None }
}

fn note(i: usize) -> Body {
    Body::IncidentNote { incident: 1, text: format!("note {i}"), comms: false }
}

/// A PostgreSQL store reached through a fresh proxy, its connections named `app`.
async fn proxied(app: &str) -> (Proxy, PgStore) {
    let proxy = Proxy::to_postgres().await;
    let store = PgStore::lazy_with(proxy.options(app), Duration::from_secs(1));
    (proxy, store)
}

async fn direct() -> PgStore {
    let url = common::postgres_url();
    PgStore::connect(&url).await.unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e:?}"))
}

async fn terminate(admin: &PgStore, app: &str) -> usize {
    let killed: Vec<bool> = sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
        .bind(app)
        .fetch_all(&admin.pool())
        .await
        .unwrap();
    killed.len()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &fresh_key()[..12])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_made_offline_are_stored_once_and_in_order_when_the_store_returns() {
    let admin = direct().await;
    let app = unique("opsdeck-test-offline");
    let room = unique("offline");
    let (proxy, store) = proxied(&app).await;
    let spool_dir = tempfile::tempdir().unwrap();
    let spool_path = spool_dir.path().join("spool").join("room.db");
    let spool = Spool::open(&spool_path).await.unwrap();
    let journal = Journal::new(AnyStore::Postgres(store), &room, actor(), false, Some(spool)).unwrap();
    let mut made = Vec::new(); // keys, in the order the console made them

    // Online.
    for i in 0..3 {
        let e = journal.new_event(&note(i));
        made.push(e.key.clone());
        let Appended::Stored(stored) = journal.append(e).await.unwrap() else {
            panic!("online append was queued");
        };
        assert_eq!(stored.seq, i as i64 + 1);
    }

    // Backends killed under the journal: appends still succeed (stored
    // through a new connection, or queued; either way not lost).
    assert!(terminate(&admin, &app).await >= 1);
    for i in 3..6 {
        let e = journal.new_event(&note(i));
        made.push(e.key.clone());
        let got = journal.append(e).await.unwrap();
        eprintln!("append after pg_terminate_backend: queued = {}", got.is_queued());
    }
    journal.flush().await.unwrap();

    // Network gone: appends are queued; after the first, without even
    // trying the store (no connection reaches the proxy).
    proxy.cut();
    terminate(&admin, &app).await;
    let mut double_enter = None;
    let mut tried = None;
    for i in 6..12 {
        let e = journal.new_event(&note(i));
        made.push(e.key.clone());
        let start = Instant::now();
        let got = journal.append(e.clone()).await.unwrap();
        assert_eq!(got, Appended::Queued { key: e.key.clone() });
        eprintln!("offline append {i}: queued after {:?}", start.elapsed());
        match tried {
            None => tried = Some(proxy.accepted()),
            Some(n) => assert_eq!(proxy.accepted(), n, "offline append {i} tried the store again"),
        }
        double_enter.get_or_insert(e);
    }
    assert!(journal.is_offline());
    // A retried append while offline is queued once.
    journal.append(double_enter.unwrap()).await.unwrap();
    assert_eq!(journal.queued().await.unwrap(), 6);
    // Flushing while offline keeps everything.
    assert!(journal.flush().await.is_err());
    assert_eq!(journal.queued().await.unwrap(), 6);

    // The console restarts while offline: the spool file carries the queue.
    drop(journal);
    let store = PgStore::lazy_with(proxy.options(&app), Duration::from_secs(1));
    let spool = Spool::open(&spool_path).await.unwrap();
    let journal = Journal::new(AnyStore::Postgres(store), &room, actor(), false, Some(spool)).unwrap();
    assert_eq!(journal.queued().await.unwrap(), 6);
    let e = journal.new_event(&note(12));
    made.push(e.key.clone());
    assert!(journal.append(e).await.unwrap().is_queued(), "queued behind the spool");

    // Back online: one flush stores them, oldest first.
    proxy.restore().await;
    assert_eq!(journal.flush().await.unwrap(), 7);
    assert_eq!(journal.queued().await.unwrap(), 0);
    assert!(!journal.is_offline());
    let e = journal.new_event(&note(13));
    made.push(e.key.clone());
    assert!(!journal.append(e).await.unwrap().is_queued());

    let stored = read_all(&admin, &room, 0, 5).await.unwrap();
    let keys: Vec<&String> = stored.iter().map(|e| &e.key).collect();
    assert_eq!(keys, made.iter().collect::<Vec<_>>(), "each event once, in order");
    let seqs: Vec<i64> = stored.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=14).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_silent_network_times_out_into_the_spool_and_nothing_is_doubled() {
    let admin = direct().await;
    let app = unique("opsdeck-test-stall");
    let room = unique("stall");
    let (proxy, store) = proxied(&app).await;
    let spool_dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(spool_dir.path().join("s.db")).await.unwrap();
    let journal = Journal::new(AnyStore::Postgres(store), &room, actor(), false, Some(spool)).unwrap();
    let mut made = Vec::new();
    for i in 0..2 {
        let e = journal.new_event(&note(i));
        made.push(e.key.clone());
        assert!(!journal.append(e).await.unwrap().is_queued());
    }
    proxy.stall();
    for i in 2..5 {
        let e = journal.new_event(&note(i));
        made.push(e.key.clone());
        let start = Instant::now();
        assert!(journal.append(e).await.unwrap().is_queued());
        let took = start.elapsed();
        eprintln!("stalled append {i}: queued after {took:?}");
        // Bounded by the journal's store timeout, not held by the stall.
        assert!(took < 3 * STORE_TIMEOUT, "{took:?}");
    }
    // The held bytes go through late (the timed-out append may even
    // commit then); the keys make the replay harmless.
    proxy.restore().await;
    common::wait_until_async("a flush to succeed", common::PATIENCE, async || journal.flush().await.is_ok()).await;
    let stored = read_all(&admin, &room, 0, 100).await.unwrap();
    let keys: Vec<&String> = stored.iter().map(|e| &e.key).collect();
    assert_eq!(keys, made.iter().collect::<Vec<_>>(), "each event once, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn upkeep_flushes_by_itself_when_the_store_returns() {
    let admin = direct().await;
    let app = unique("opsdeck-test-upkeep");
    let room = unique("upkeep");
    let (proxy, store) = proxied(&app).await;
    let spool_dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(spool_dir.path().join("s.db")).await.unwrap();
    let journal = Journal::new(AnyStore::Postgres(store), &room, actor(), false, Some(spool)).unwrap();
    proxy.cut();
    for i in 0..4 {
        assert!(journal.record(&note(i)).await.unwrap().is_queued());
    }
    let before = proxy.accepted();
    let _upkeep = journal.spawn_upkeep(Duration::from_millis(300));
    common::wait_until_async("upkeep to try the cut store", common::PATIENCE, async || proxy.accepted() > before).await;
    assert_eq!(journal.queued().await.unwrap(), 4, "nothing stored while cut");
    proxy.restore().await;
    common::wait_until_async("upkeep to flush the spool", common::PATIENCE, async || journal.queued().await.unwrap() == 0).await;
    assert_eq!(admin.latest_seq(&room).await.unwrap(), 4);
    // Upkeep also heartbeats (after the flush in the same round, so wait).
    common::wait_until_async("upkeep to heartbeat", common::PATIENCE, async || {
        let here = admin.present(&room, Duration::from_secs(60)).await.unwrap();
        here.first().map(|(a, _)| a) == Some(&actor())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_console_cannot_append_to_either_store() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = AnyStore::Sqlite(SqliteStore::new(dir.path()));
    let pg = AnyStore::Postgres(direct().await);
    for store in [sqlite, pg] {
        let room = unique("read-only");
        let spool = Spool::open(dir.path().join(format!("{room}-spool.db"))).await.unwrap();
        let journal = Journal::new(store.clone(), &room, actor(), true, Some(spool)).unwrap();
        assert!(journal.is_read_only());
        let err = journal.record(&note(1)).await.unwrap_err();
        assert!(is_read_only(&err), "{err:?}");
        assert_eq!(err.to_string(), "read-only console: appends are refused");
        assert_eq!(store.latest_seq(&room).await.unwrap(), 0);
        assert_eq!(journal.queued().await.unwrap(), 0);
        // Observers still see everything and show up as present.
        let writer = Journal::new(store.clone(), &room, actor(), false, None).unwrap();
        writer.record(&note(2)).await.unwrap();
        assert_eq!(journal.sync(0).await.unwrap().len(), 1);
        journal.heartbeat().await.unwrap();
        assert_eq!(journal.present(Duration::from_secs(60)).await.unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_journals_store_directly_and_sync_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::open(Some(&format!("sqlite:{}", dir.path().display()))).unwrap();
    let journal = Journal::new(store, "local", actor(), false, None).unwrap();
    let mut wakes = journal.subscribe();
    assert_eq!(tokio::time::timeout(common::PATIENCE, wakes.recv()).await.unwrap(), Some(opsdeck::adapters::journal::Wake::Resync));
    let e = journal.new_event(&note(0));
    let first = journal.append(e.clone()).await.unwrap();
    assert_eq!(journal.append(e).await.unwrap(), first, "double Enter");
    for i in 1..2500 {
        journal.record(&note(i)).await.unwrap();
    }
    assert_eq!(journal.sync(0).await.unwrap().len(), 2500);
    assert_eq!(journal.sync(2400).await.unwrap().len(), 100);
    assert_eq!(journal.latest_seq().await.unwrap(), 2500);
    assert!(matches!(
        tokio::time::timeout(common::PATIENCE, wakes.recv()).await.unwrap(),
        Some(opsdeck::adapters::journal::Wake::Appended { .. })
    ));
    let other = Journal::new(journal.store().clone(), "elsewhere", actor(), false, None).unwrap();
    let mut wrong_room = journal.new_event(&note(1));
    wrong_room.room = "elsewhere".into();
    assert!(journal.append(wrong_room.clone()).await.is_err());
    assert!(other.append(wrong_room).await.is_ok());
    assert!(AnyStore::open(Some("mysql://x")).is_err());
}
