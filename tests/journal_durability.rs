//! An acknowledged SQLite append survives SIGKILL: this test binary re-runs
//! itself as an appender (env `OPSDECK_TEST_APPENDER_DIR`), which appends in
//! a loop and prints `ack <seq> <key>` after each append returns; the parent
//! kills it mid-stream and checks every acknowledged event is stored.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use opsdeck::adapters::journal::{Actor, Body, NewEvent, SqliteStore, Store, read_all};

const DIR_VAR: &str = "OPSDECK_TEST_APPENDER_DIR";
const ROOM: &str = "durability";

/// The child's role; a no-op when run as a normal test.
#[test]
fn appender_child() {
    let Ok(dir) = std::env::var(DIR_VAR) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SqliteStore::new(dir);
        let actor = Actor { name: "child".into(), host: "test".into(), from: None };
        let mut out = std::io::stdout().lock();
        for i in 0.. {
            let body = Body::IncidentNote { incident: 1, text: format!("note {i}"), comms: false };
            let stored = store.append(NewEvent::new(ROOM, &actor, i, &body)).await.unwrap();
            writeln!(out, "ack {} {}", stored.seq, stored.key).unwrap();
            out.flush().unwrap();
        }
    });
}

#[tokio::test]
async fn acknowledged_appends_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "appender_child", "--nocapture", "--test-threads=1"])
        .env(DIR_VAR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    let start = Instant::now();
    while acked.len() < 150 {
        let line = lines.next().expect("the appender stopped early").unwrap();
        if let Some(rest) = line.strip_prefix("ack ") {
            let (seq, key) = rest.split_once(' ').unwrap();
            acked.push((seq.parse::<i64>().unwrap(), key.to_string()));
        }
        assert!(start.elapsed() < Duration::from_secs(60), "appender too slow");
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    // Acknowledgements already in the pipe count too.
    for line in lines {
        if let Some(rest) = line.unwrap().strip_prefix("ack ") {
            let (seq, key) = rest.split_once(' ').unwrap();
            acked.push((seq.parse().unwrap(), key.to_string()));
        }
    }

    let store = SqliteStore::new(dir.path());
    let stored = read_all(&store, ROOM, 0, 500).await.unwrap();
    assert!(stored.len() >= acked.len(), "{} stored, {} acked", stored.len(), acked.len());
    for (seq, key) in &acked {
        let e = &stored[(*seq - 1) as usize];
        assert_eq!((e.seq, &e.key), (*seq, key), "acknowledged event {seq}");
    }
    let seqs: Vec<i64> = stored.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=stored.len() as i64).collect::<Vec<_>>());
    eprintln!("{} acknowledged before SIGKILL, {} stored", acked.len(), stored.len());
    // The room still takes appends after the crash.
    let next = store.append(NewEvent::new(ROOM, &stored[0].actor, 0, &Body::IncidentAcknowledged { incident: 1 })).await.unwrap();
    assert_eq!(next.seq, stored.len() as i64 + 1);
}
