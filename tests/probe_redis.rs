//! The `redis` prober against a real Redis (`common::redis_url()`): each
//! metric, BullMQ-shaped queues, hit ratio from deltas, numeric commands and
//! the reasons given when it cannot measure. Keys live under a unique random
//! prefix and are deleted afterwards; nothing flushes the server.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use opsdeck::adapters::probe::redis::RedisProber;
use opsdeck::adapters::probe::{Clients, ProbeEnv, Reading};
use opsdeck_core::config::check::{QueueCount, RedisMetric, RedisProbe};
use redis::aio::MultiplexedConnection;

const URL_VAR: &str = "OPSDECK_TEST_REDIS_PROBE_URL";
const TIMEOUT: Duration = Duration::from_secs(5);

fn env_with(url: &str) -> ProbeEnv {
    let url = url.to_string();
    ProbeEnv { env: Arc::new(move |k| (k == URL_VAR).then(|| url.clone())), base_dir: ".".into(), clients: Clients::default() }
}

fn spec() -> RedisProbe {
    RedisProbe {
        url: None,
        url_env: Some(URL_VAR.into()),
        metric: None,
        queue: None,
        count: None,
        command: None,
        ca_file: None,
        cert_file: None,
        key_file: None,
    }
}

fn prober(env: &ProbeEnv, spec: RedisProbe) -> RedisProber {
    RedisProber::new(&spec, env).expect("prober builds")
}

fn metric(env: &ProbeEnv, m: RedisMetric) -> RedisProber {
    prober(env, RedisProbe { metric: Some(m), ..spec() })
}

fn command(env: &ProbeEnv, words: &[&str]) -> RedisProber {
    let words = words.iter().map(|w| w.to_string()).collect();
    prober(env, RedisProbe { command: Some(words), ..spec() })
}

async fn ok(p: &mut RedisProber) -> Reading {
    p.probe(TIMEOUT).await.unwrap_or_else(|e| panic!("probe failed: {e}"))
}

fn unique_prefix() -> String {
    format!("opsdeck-test-{}-{}", std::process::id(), fastrand::u64(..))
}

async fn connect() -> MultiplexedConnection {
    let url = common::redis_url();
    let client = redis::Client::open(url.as_str()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap_or_else(|e| panic!("Redis at {url} is needed for this test: {e}"))
}

async fn run(con: &mut MultiplexedConnection, words: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(words[0]);
    for w in &words[1..] {
        cmd.arg(*w);
    }
    cmd.query_async(con).await.unwrap()
}

/// Deletes every key under `prefix` (SCAN, not KEYS: the server is shared).
async fn clean(con: &mut MultiplexedConnection, prefix: &str) {
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) =
            redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(format!("{prefix}*")).arg("COUNT").arg(1000).query_async(con).await.unwrap();
        if !keys.is_empty() {
            redis::cmd("DEL").arg(&keys).exec_async(con).await.unwrap();
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}

#[tokio::test]
async fn each_metric_gives_a_plausible_number() {
    let env = env_with(&common::redis_url());
    let r = ok(&mut metric(&env, RedisMetric::Up)).await;
    assert_eq!(r.get("up"), Some(1.0));

    let r = ok(&mut metric(&env, RedisMetric::MemoryUsedRatio)).await;
    let ratio = r.get("memory_used_ratio").unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "ratio {ratio}");
    assert!(r.get("used_memory_bytes").unwrap() > 0.0);
    assert!(r.get("memory_limit_bytes").unwrap() >= r.get("used_memory_bytes").unwrap());

    let r = ok(&mut metric(&env, RedisMetric::ConnectedClients)).await;
    assert!(r.get("connected_clients").unwrap() >= 1.0, "at least ourselves");

    let mut evictions = metric(&env, RedisMetric::Evictions);
    assert_eq!(ok(&mut evictions).await.get("evictions"), Some(0.0), "first probe");
    assert!(ok(&mut evictions).await.get("evictions").unwrap() >= 0.0);
}

#[tokio::test]
async fn a_client_blocked_in_blpop_is_counted() {
    let key = format!("{}:list", unique_prefix());
    let mut blocker = connect().await;
    let k = key.clone();
    let blocked = tokio::spawn(async move {
        let popped: Option<(String, String)> = redis::cmd("BLPOP").arg(&k).arg(10).query_async(&mut blocker).await.unwrap();
        popped
    });
    let env = env_with(&common::redis_url());
    let mut p = metric(&env, RedisMetric::BlockedClients);
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut seen = 0.0;
    while Instant::now() < deadline && seen < 1.0 {
        seen = ok(&mut p).await.get("blocked_clients").unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut con = connect().await;
    run(&mut con, &["RPUSH", &key, "go"]).await;
    let popped = blocked.await.unwrap();
    clean(&mut con, &key).await;
    assert!(seen >= 1.0, "blocked_clients never reached 1");
    assert_eq!(popped, Some((key, "go".into())));
}

#[tokio::test]
async fn bullmq_queue_counts() {
    let prefix = unique_prefix();
    let queue = format!("{prefix}:emails");
    let mut con = connect().await;
    let k = |s: &str| format!("{queue}:{s}");
    run(&mut con, &["RPUSH", &k("wait"), "1", "2", "3"]).await;
    run(&mut con, &["ZADD", &k("prioritized"), "5", "4"]).await;
    run(&mut con, &["RPUSH", &k("active"), "5", "6"]).await;
    run(&mut con, &["RPUSH", &k("paused"), "7"]).await;
    run(&mut con, &["ZADD", &k("delayed"), "1", "8", "2", "9", "3", "10", "4", "11", "5", "12"]).await;
    run(&mut con, &["ZADD", &k("failed"), "1", "13", "2", "14", "3", "15", "4", "16", "5", "17", "6", "18"]).await;

    let env = env_with(&common::redis_url());
    let by_default = ok(&mut prober(&env, RedisProbe { queue: Some(queue.clone()), ..spec() })).await;
    let failed = ok(&mut prober(&env, RedisProbe { queue: Some(queue.clone()), count: Some(QueueCount::Failed), ..spec() })).await;
    let empty = ok(&mut prober(&env, RedisProbe { queue: Some(format!("{prefix}:none")), ..spec() })).await;
    clean(&mut con, &prefix).await;

    // The layout of an older BullMQ, written by hand: its `paused` list
    // counts as waiting (getWaitingCount() did), prioritized jobs do not.
    // tests/probe_bullmq.rs checks the counts against the real package.
    for (name, want) in [("wait", 4.0), ("active", 2.0), ("paused", 1.0), ("delayed", 5.0), ("failed", 6.0), ("prioritized", 1.0)] {
        assert_eq!(by_default.get(name), Some(want), "{name}");
    }
    assert_eq!(by_default.get("queue_paused"), Some(0.0));
    assert_eq!(by_default.get("jobs"), Some(4.0), "jobs counts waiting by default");
    assert_eq!(failed.get("jobs"), Some(6.0));
    assert_eq!(empty.get("jobs"), Some(0.0));
    assert_eq!(empty.get("failed"), Some(0.0));
}

/// `n` GETs of `key` in one pipeline.
async fn gets(con: &mut MultiplexedConnection, n: usize, key: impl Fn(usize) -> String) {
    let mut pipe = redis::pipe();
    for i in 0..n {
        pipe.cmd("GET").arg(key(i)).ignore();
    }
    pipe.exec_async(con).await.unwrap();
}

/// The server's (keyspace_hits, keyspace_misses), read by the test itself.
async fn keyspace(con: &mut MultiplexedConnection) -> (f64, f64) {
    let info: String = redis::cmd("INFO").arg("stats").query_async(con).await.unwrap();
    let field = |name: &str| -> f64 {
        let line = info.lines().find_map(|l| l.strip_prefix(&format!("{name}:")));
        line.unwrap().trim().parse().unwrap()
    };
    (field("keyspace_hits"), field("keyspace_misses"))
}

/// (hits, misses) the prober counted in its interval: ratio × lookups.
fn counted(r: &Reading) -> (f64, f64) {
    let (ratio, lookups) = (r.get("hit_ratio").unwrap(), r.get("lookups").unwrap());
    (ratio * lookups, (1.0 - ratio) * lookups)
}

#[tokio::test]
async fn hit_ratio_follows_the_traffic_between_probes() {
    const N: f64 = 500.0;
    let prefix = unique_prefix();
    let present = format!("{prefix}:present");
    let mut con = connect().await;
    run(&mut con, &["SET", &present, "x"]).await;
    let env = env_with(&common::redis_url());
    let mut p = metric(&env, RedisMetric::HitRatio);
    let first = ok(&mut p).await.get("hit_ratio").unwrap();
    assert!((0.0..=1.0).contains(&first), "since start: {first}");

    // Other tests share the server, so the prober's interval holds our
    // lookups plus maybe some of theirs: at least ours, and at most what the
    // server counted over a window (read by us) enclosing the interval.
    let mut check = async |hit: bool| {
        let before = keyspace(&mut con).await;
        ok(&mut p).await;
        if hit {
            gets(&mut con, N as usize, |_| present.clone()).await;
        } else {
            gets(&mut con, N as usize, |i| format!("{prefix}:missing:{i}")).await;
        }
        let reading = ok(&mut p).await;
        let after = keyspace(&mut con).await;
        let (hits, misses) = counted(&reading);
        let (most_hits, most_misses) = (after.0 - before.0 + 0.5, after.1 - before.1 + 0.5);
        let ours = if hit { hits } else { misses };
        assert!(ours >= N - 0.5, "{reading:?}");
        assert!(hits <= most_hits && misses <= most_misses, "{reading:?} {before:?} {after:?}");
    };
    check(true).await;
    check(false).await;
    clean(&mut con, &prefix).await;
}

#[tokio::test]
async fn commands_give_numbers_or_say_why_not() {
    let prefix = unique_prefix();
    let list = format!("{prefix}:jobs");
    let text = format!("{prefix}:text");
    let float = format!("{prefix}:float");
    let mut con = connect().await;
    run(&mut con, &["RPUSH", &list, "a", "b", "c"]).await;
    run(&mut con, &["SET", &text, "abc"]).await;
    run(&mut con, &["SET", &float, "2.25"]).await;
    let env = env_with(&common::redis_url());

    let llen = command(&env, &["LLEN", &list]).probe(TIMEOUT).await;
    let get_float = command(&env, &["GET", &float]).probe(TIMEOUT).await;
    let get_text = command(&env, &["GET", &text]).probe(TIMEOUT).await;
    let get_nil = command(&env, &["GET", &format!("{prefix}:nothing")]).probe(TIMEOUT).await;
    let unknown = command(&env, &["OPSDECKNOSUCHCOMMAND"]).probe(TIMEOUT).await;
    clean(&mut con, &prefix).await;

    assert_eq!(llen.unwrap().get("value"), Some(3.0));
    assert_eq!(get_float.unwrap().get("value"), Some(2.25));
    assert_eq!(get_text.unwrap_err().0, "reply was \"abc\", expected a number");
    assert_eq!(get_nil.unwrap_err().0, "reply was nil, expected a number");
    let e = unknown.unwrap_err().0;
    assert!(e.starts_with("ERR unknown command"), "{e}");
}

#[tokio::test]
async fn a_refused_port_says_connection_refused() {
    let url = "redis://:secret-pw@127.0.0.1:1";
    let env = env_with(url);
    let mut p = metric(&env, RedisMetric::Up);
    let e = p.probe(Duration::from_secs(2)).await.unwrap_err();
    assert_eq!(e.0, "connection refused");
    // Creation is retried on the next probe.
    assert_eq!(p.probe(Duration::from_secs(2)).await.unwrap_err().0, "connection refused");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (addr, silent) = common::silent_server().await;
    let env = env_with(&format!("redis://{addr}"));
    let started = Instant::now();
    let e = metric(&env, RedisMetric::Up).probe(Duration::from_secs(2)).await.unwrap_err();
    silent.abort();
    assert_eq!(e.0, "timeout after 2s");
    // One timeout, not one per stage (connect, then command): under twice the budget.
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
}

#[test]
fn an_unset_variable_is_named() {
    let env = ProbeEnv { env: Arc::new(|_| None), base_dir: ".".into(), clients: Clients::default() };
    let e = RedisProber::new(&RedisProbe { metric: Some(RedisMetric::Up), ..spec() }, &env).err().expect("no URL, no prober");
    assert!(e.0.contains(URL_VAR), "{e}");
}
