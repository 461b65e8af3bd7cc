//! The `redis` prober's BullMQ counts against queues the real `bullmq` npm
//! package fills (tests/bullmq/queues.mjs, its locked packages installed with
//! `npm ci` into a temp dir): each count is what BullMQ's own getters say, running and paused.
//! Keys live under a unique prefix and are deleted afterwards. Node, npm
//! (and the registry, or npm's cache) and Redis are needed: without them
//! this fails.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use opsdeck::adapters::probe::redis::RedisProber;
use opsdeck::adapters::probe::{Clients, ProbeEnv, Reading};
use opsdeck_core::config::check::{QueueCount, RedisProbe};
use serde_json::Value;

const URL_VAR: &str = "OPSDECK_TEST_REDIS_BULLMQ_URL";

/// The Node project in a temp dir, with `bullmq` installed.
fn node_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bullmq");
    for file in ["package.json", "package-lock.json", "queues.mjs"] {
        std::fs::copy(src.join(file), dir.path().join(file)).expect("copy the node project");
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir.path())
        .output()
        .expect("npm runs (Node and npm are needed for this test)");
    assert!(out.status.success(), "npm ci failed:\n{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// Runs a step of queues.mjs and returns BullMQ's counts.
fn bullmq(project: &Path, prefix: &str, step: &str) -> Value {
    let port = common::redis_url().rsplit(':').next().and_then(|p| p.trim_end_matches('/').parse::<u16>().ok()).unwrap_or(6379);
    let out = Command::new("node").args(["queues.mjs", &port.to_string(), prefix, step]).current_dir(project).output().expect("node runs");
    assert!(out.status.success(), "queues.mjs {step} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("queues.mjs printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

async fn reading(queue: &str, count: QueueCount) -> Reading {
    let url = common::redis_url();
    let env = ProbeEnv { env: Arc::new(move |k| (k == URL_VAR).then(|| url.clone())), base_dir: ".".into(), clients: Clients::default() };
    let spec = RedisProbe {
        url: None,
        url_env: Some(URL_VAR.into()),
        metric: None,
        queue: Some(queue.into()),
        count: Some(count),
        command: None,
        ca_file: None,
        cert_file: None,
        key_file: None,
    };
    let mut prober = RedisProber::new(&spec, &env).expect("prober builds");
    prober.probe(Duration::from_secs(5)).await.unwrap_or_else(|e| panic!("probe failed: {e}"))
}

fn n(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("BullMQ said no {key}: {v}"))
}

/// Each count as opsdeck reads it, against BullMQ's own numbers.
async fn compare(queue: &str, bull: &Value, paused: f64) {
    let want = [
        (QueueCount::Wait, n(bull, "waiting")),
        (QueueCount::Prioritized, n(bull, "prioritized")),
        (QueueCount::Delayed, n(bull, "delayed")),
        (QueueCount::WaitingChildren, n(bull, "waiting_children")),
        (QueueCount::Active, n(bull, "active")),
        (QueueCount::Failed, n(bull, "failed")),
        (QueueCount::Paused, paused),
    ];
    for (count, expected) in want {
        let r = reading(queue, count).await;
        assert_eq!(r.get("jobs"), Some(expected), "count = {count:?} against BullMQ's {bull}");
    }
}

async fn clean(prefix: &str) {
    let client = redis::Client::open(common::redis_url().as_str()).expect("redis url");
    let mut con = client.get_multiplexed_async_connection().await.expect("Redis is needed for this test");
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}:*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut con)
            .await
            .expect("scan");
        if !keys.is_empty() {
            redis::cmd("DEL").arg(&keys).exec_async(&mut con).await.expect("del");
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}

#[tokio::test]
async fn counts_follow_bullmq_running_and_paused() {
    let project = node_project();
    let prefix = format!("opsdeck-bullmq-{}-{}", std::process::id(), fastrand::u64(..));
    let queue = format!("{prefix}:emails");

    let running = bullmq(project.path(), &prefix, "fill");
    // What queues.mjs put there, as BullMQ counts it: the two children of the
    // flow wait with the three plain jobs; prioritized jobs are not waiting.
    assert_eq!(
        (n(&running, "waiting"), n(&running, "prioritized"), n(&running, "delayed"), n(&running, "waiting_children")),
        (5.0, 2.0, 4.0, 1.0),
        "{running}"
    );
    assert_eq!(running["paused"], Value::Bool(false));
    compare(&queue, &running, 0.0).await;
    assert_eq!(reading(&queue, QueueCount::Wait).await.get("queue_paused"), Some(0.0));

    let paused = bullmq(project.path(), &prefix, "pause");
    assert_eq!(paused["paused"], Value::Bool(true), "{paused}");
    // Paused, BullMQ still counts the jobs as waiting; the pause holds back
    // the waiting and the prioritized ones.
    compare(&queue, &paused, n(&paused, "waiting") + n(&paused, "prioritized")).await;
    let r = reading(&queue, QueueCount::Paused).await;
    assert_eq!(r.get("queue_paused"), Some(1.0));
    assert_eq!(r.get("wait"), Some(5.0), "getWaitingCount() counts a paused queue's jobs");
    clean(&prefix).await;
}
