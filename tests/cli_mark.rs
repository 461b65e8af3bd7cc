//! `opsdeck mark`: the real binary appends a marker that a console already
//! following the room sees within a second (PostgreSQL), works on SQLite
//! too, and fails fast and clearly, without spooling, when the store is down.

mod common;

use std::time::{Duration, Instant};

use opsdeck::adapters::journal::{Actor, AnyStore, Body, Journal, SqliteStore, Wake};
use tokio::process::Command;

fn room_name() -> String {
    format!("mark-test-{:08x}", fastrand::u32(..))
}

fn watcher() -> Actor {
    Actor { name: "watcher".into(), host: "test".into(), from: None }
}

async fn mark(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env_remove("OPSDECK_STORE")
        .kill_on_drop(true)
        .output()
        .await
        .expect("run opsdeck mark")
}

/// Follows `journal` the way the console does (wake, then sync) until a marker shows up.
async fn next_marker(journal: &Journal, wakes: &mut tokio::sync::mpsc::Receiver<Wake>, within: Duration) -> Option<(i64, Body, Actor)> {
    let deadline = Instant::now() + within;
    let mut last = 0;
    loop {
        for e in journal.sync(last).await.expect("sync") {
            last = e.seq;
            if let Some(body @ Body::Marker { .. }) = Body::of(&e) {
                return Some((e.seq, body, e.actor));
            }
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, wakes.recv()).await {
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_marker_from_the_shell_reaches_a_following_console_within_a_second() {
    let url = common::postgres_url();
    let room = room_name();
    let console = Journal::open(Some(&url), &room, watcher(), true).await.expect("open the room");
    let mut wakes = console.subscribe();
    // The subscription is live once its first wake (Resync) arrives.
    let first = tokio::time::timeout(Duration::from_secs(5), wakes.recv()).await.expect("listening");
    assert_eq!(first, Some(Wake::Resync));

    let out = mark(&["mark", "deploy v1.2.0", "--room", &room, "--store", &url, "--as", "ci"]).await;
    let done = Instant::now();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}: {}{}", out.status, stdout, String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("recorded marker #1 in room {room} as ci@")), "{stdout}");
    assert!(stdout.contains("deploy v1.2.0"), "{stdout}");

    let (seq, body, actor) =
        next_marker(&console, &mut wakes, Duration::from_secs(1)).await.expect("the console saw the marker within a second");
    eprintln!("marker seen {:?} after the command exited", done.elapsed());
    assert_eq!(seq, 1);
    assert_eq!(body, Body::Marker { text: "deploy v1.2.0".into() });
    assert_eq!(actor.name, "ci", "recorded as --as");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_store_fails_fast_with_a_clear_message() {
    let started = Instant::now();
    let out = mark(&["mark", "deploy v1.2.0", "--room", "r", "--store", "postgres://ci:hunter2@127.0.0.1:1/x"]).await;
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("store postgres://ci:***@127.0.0.1:1/x unreachable"), "{stderr}");
    assert!(stderr.to_lowercase().contains("connection refused"), "names the reason: {stderr}");
    assert!(stderr.contains("marker not recorded"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "no password: {stderr}");
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sqlite_store_works_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = format!("sqlite:{}", dir.path().display());
    for text in ["deploy v1.2.0", "deploy v1.2.1"] {
        let out = mark(&["mark", text, "--room", "launch", "--store", &store]).await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let journal = Journal::new(AnyStore::Sqlite(SqliteStore::new(dir.path())), "launch", watcher(), true, None).expect("journal");
    let texts: Vec<(i64, Option<Body>)> = journal.sync(0).await.expect("read").into_iter().map(|e| (e.seq, Body::of(&e))).collect();
    assert_eq!(texts, [(1, Some(Body::Marker { text: "deploy v1.2.0".into() })), (2, Some(Body::Marker { text: "deploy v1.2.1".into() }))]);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_room_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = format!("sqlite:{}", dir.path().display());
    let out = mark(&["mark", "deploy", "--store", &store]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --room NAME or --plan PLAN"));
    let out = mark(&["mark", "  ", "--room", "r", "--store", &store]).await;
    assert_eq!(out.status.code(), Some(2));
}
