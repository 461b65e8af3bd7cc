//! The `postgres` prober against a real PostgreSQL (`common::postgres_url()`):
//! every built-in metric, a session blocked by a row lock, custom SQL, and
//! the reasons given when it cannot measure. Names are unique per run so
//! tests on the same server do not disturb each other.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use opsdeck::adapters::probe::postgres::PostgresProber;
use opsdeck::adapters::probe::{Clients, ProbeEnv};
use opsdeck_core::config::check::{PostgresMetric, PostgresProbe};
use sqlx::{Connection, Executor, PgConnection};

const URL_VAR: &str = "OPSDECK_TEST_PG_PROBE_DSN";
const TIMEOUT: Duration = Duration::from_secs(5);

/// An environment where only `URL_VAR` is set, to `url`.
fn env_with(url: &str, clients: &Clients) -> ProbeEnv {
    let url = url.to_string();
    ProbeEnv { env: Arc::new(move |k| (k == URL_VAR).then(|| url.clone())), base_dir: ".".into(), clients: clients.clone() }
}

fn spec(metric: Option<PostgresMetric>, sql: Option<&str>) -> PostgresProbe {
    PostgresProbe { url: None, url_env: Some(URL_VAR.into()), metric, sql: sql.map(str::to_string) }
}

fn prober(env: &ProbeEnv, metric: Option<PostgresMetric>, sql: Option<&str>) -> PostgresProber {
    PostgresProber::new(&spec(metric, sql), env).expect("prober builds")
}

fn metric_prober(env: &ProbeEnv, metric: PostgresMetric) -> PostgresProber {
    prober(env, Some(metric), None)
}

fn unique(stem: &str) -> String {
    format!("{stem}_{}_{}", std::process::id(), fastrand::u32(..))
}

/// The test URL with another database name.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{db}{query}")
}

async fn connect() -> PgConnection {
    let url = common::postgres_url();
    PgConnection::connect(&url).await.unwrap_or_else(|e| panic!("PostgreSQL at {url} is needed for this test: {e}"))
}

#[tokio::test]
async fn every_metric_gives_a_plausible_number() {
    let clients = Clients::default();
    let env = env_with(&common::postgres_url(), &clients);
    use PostgresMetric::*;
    for metric in [Up, ConnectionsUsedRatio, LongestTransactionS, BlockedSessions, ReplicationLagBytes, ReplicationLagS] {
        let r = metric_prober(&env, metric).probe(TIMEOUT).await.unwrap_or_else(|e| panic!("{metric:?}: {e}"));
        let v = r.get(metric.name()).expect("the metric's own value");
        assert_eq!(r.get("up"), Some(1.0), "{metric:?}");
        match metric {
            Up => assert_eq!(v, 1.0),
            ConnectionsUsedRatio => {
                assert!(v > 0.0 && v <= 1.0, "ratio {v}");
                assert!(r.get("connections").unwrap() >= 1.0);
                assert!(r.get("max_connections").unwrap() >= 1.0);
            }
            ReplicationLagBytes | ReplicationLagS => {
                assert!(v >= 0.0, "{metric:?} {v}");
                assert!(matches!(r.get("standby"), Some(s) if s == 0.0 || s == 1.0));
                assert!(r.get("replicas").unwrap() >= 0.0);
            }
            _ => assert!(v >= 0.0, "{metric:?} {v}"),
        }
    }
}

#[tokio::test]
async fn a_session_blocked_by_a_row_lock_is_counted() {
    let table = unique("opsdeck_probe_lock");
    let mut setup = connect().await;
    setup
        .execute(sqlx::AssertSqlSafe(format!("create table {table} (id int primary key, n int); insert into {table} values (1, 0)")))
        .await
        .unwrap();

    let mut holder = connect().await;
    holder.execute(sqlx::AssertSqlSafe(format!("begin; select * from {table} where id = 1 for update"))).await.unwrap();
    let mut waiter = connect().await;
    let update = format!("update {table} set n = n + 1 where id = 1");
    let blocked = tokio::spawn(async move {
        let r = waiter.execute(sqlx::AssertSqlSafe(update)).await;
        (waiter, r.map(|done| done.rows_affected()))
    });

    let clients = Clients::default();
    let env = env_with(&common::postgres_url(), &clients);
    let mut p = metric_prober(&env, PostgresMetric::BlockedSessions);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = 0.0;
    while Instant::now() < deadline {
        seen = p.probe(TIMEOUT).await.unwrap().get("blocked_sessions").unwrap();
        if seen >= 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The lock holder is idle in a transaction: the longest one is at least its age.
    let longest =
        metric_prober(&env, PostgresMetric::LongestTransactionS).probe(TIMEOUT).await.unwrap().get("longest_transaction_s").unwrap();

    holder.execute("rollback").await.unwrap();
    let (_waiter, updated) = blocked.await.unwrap();
    setup.execute(sqlx::AssertSqlSafe(format!("drop table {table}"))).await.unwrap();

    assert!(seen >= 1.0, "blocked_sessions never reached 1 (last {seen})");
    assert!(longest > 0.0, "longest_transaction_s {longest}");
    assert_eq!(updated.unwrap(), 1, "the blocked update went through once released");
}

#[tokio::test]
async fn custom_sql_returns_numbers_or_says_why_not() {
    let clients = Clients::default();
    let env = env_with(&common::postgres_url(), &clients);
    for (sql, want) in [
        ("select 42", 42.0),
        ("select 2.5::float8", 2.5),
        ("select 12345.678::numeric", 12345.678),
        ("select count(*) from (values (1), (2), (3)) v", 3.0),
        ("select 7::smallint, 'extra columns are ignored'", 7.0),
        ("select true", 1.0),
    ] {
        let r = prober(&env, None, Some(sql)).probe(TIMEOUT).await;
        let r = r.unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(r.get("value"), Some(want), "{sql}");
        assert_eq!(r.get("up"), Some(1.0));
    }
    for (sql, reason) in [
        ("select 1 where false", "query returned no rows"),
        ("select 'abc'", "query returned text, expected a number"),
        ("select null::int", "query returned NULL, expected a number"),
        ("select now()", "query returned timestamptz, expected a number"),
    ] {
        let e = prober(&env, None, Some(sql)).probe(TIMEOUT).await.unwrap_err();
        assert_eq!(e.0, reason, "{sql}");
    }
}

#[tokio::test]
async fn bad_sql_gives_the_servers_message_and_writes_are_refused() {
    let clients = Clients::default();
    let env = env_with(&common::postgres_url(), &clients);
    let e = prober(&env, None, Some("selec 1")).probe(TIMEOUT).await.unwrap_err();
    assert_eq!(e.0, "syntax error at or near \"selec\"");
    let missing = unique("opsdeck_no_such_table");
    let sql = format!("select count(*) from {missing}");
    let e = prober(&env, None, Some(&sql)).probe(TIMEOUT).await.unwrap_err();
    assert_eq!(e.0, format!("relation \"{missing}\" does not exist"));
    let sql = format!("create table {missing} as select 1 as x");
    let e = prober(&env, None, Some(&sql)).probe(TIMEOUT).await.unwrap_err();
    assert_eq!(e.0, "cannot execute CREATE TABLE AS in a read-only transaction");
}

#[tokio::test]
async fn slow_queries_time_out_and_leave_the_pool_usable() {
    let clients = Clients::default();
    let env = env_with(&common::postgres_url(), &clients);
    let started = Instant::now();
    let e = prober(&env, None, Some("select pg_sleep(10)")).probe(Duration::from_secs(1)).await.unwrap_err();
    assert_eq!(e.0, "timeout after 1s");
    assert!(started.elapsed() < Duration::from_secs(8), "well before the query's 10 s: {:?}", started.elapsed());
    // Same DSN, same pool: the next probe still works.
    let r = prober(&env, None, Some("select 5")).probe(TIMEOUT).await.unwrap();
    assert_eq!(r.get("value"), Some(5.0));
}

#[tokio::test]
async fn a_refused_port_says_connection_refused() {
    let clients = Clients::default();
    let env = env_with("postgres://opsdeck:secret-pw@127.0.0.1:1/db", &clients);
    let mut p = metric_prober(&env, PostgresMetric::Up);
    // The pool retries a refusal for part of the budget, then one direct
    // attempt says why; past the budget the reason would be "timeout after".
    // A budget with room to spare for that attempt on a busy machine.
    let budget = Duration::from_secs(4);
    let started = Instant::now();
    let e = p.probe(budget).await.unwrap_err();
    assert_eq!(e.0, "connection refused");
    assert!(started.elapsed() < budget, "within the budget: {:?}", started.elapsed());
    // Retried on the next probe, with the same answer.
    assert_eq!(p.probe(budget).await.unwrap_err().0, "connection refused");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (addr, silent) = common::silent_server().await;
    let clients = Clients::default();
    let env = env_with(&format!("postgres://opsdeck@{addr}/db"), &clients);
    let started = Instant::now();
    let e = metric_prober(&env, PostgresMetric::Up).probe(Duration::from_secs(2)).await.unwrap_err();
    silent.abort();
    assert_eq!(e.0, "timeout after 2s");
    // One timeout, not one per stage (connect, then query): under twice the budget.
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_missing_database_is_named_without_the_url() {
    let db = unique("opsdeck_no_such_db");
    let url = with_database(&common::postgres_url(), &db);
    let clients = Clients::default();
    let env = env_with(&url, &clients);
    let e = metric_prober(&env, PostgresMetric::Up).probe(TIMEOUT).await.unwrap_err();
    assert_eq!(e.0, format!("database \"{db}\" does not exist"));
    assert!(!e.0.contains(&url));
}

#[test]
fn an_unset_variable_is_named() {
    let env = ProbeEnv { env: Arc::new(|_| None), base_dir: ".".into(), clients: Clients::default() };
    let e = PostgresProber::new(&spec(Some(PostgresMetric::Up), None), &env).err().expect("no URL, no prober");
    assert!(e.0.contains(URL_VAR), "{e}");
}
