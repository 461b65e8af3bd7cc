//! Shared by integration tests: where the real services are. Tests never
//! skip when a service is missing: they fail, naming the URL they tried.
#![allow(dead_code)]

pub mod alertmanager;
pub mod certs;
pub mod frames;
pub mod notify;
pub mod pg_cluster;
pub mod proxy;
pub mod psql;
pub mod pty;
pub mod readings;
pub mod redis_tls;
pub mod serve;
pub mod tls;
pub mod wait;

#[allow(unused_imports)] // each test file uses some of them
pub use wait::{PATIENCE, wait_for_some, wait_for_some_async, wait_until, wait_until_async};

/// PostgreSQL for tests: `OPSDECK_TEST_POSTGRES_URL`, else the local server.
pub fn postgres_url() -> String {
    std::env::var("OPSDECK_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Redis for tests: `OPSDECK_TEST_REDIS_URL`, else the local server.
pub fn redis_url() -> String {
    std::env::var("OPSDECK_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A TCP server on 127.0.0.1 that accepts connections and never answers:
/// the hung target every probe must time out on. Stops when the task is aborted.
pub async fn silent_server() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let addr = listener.local_addr().expect("its address");
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (addr, task)
}

/// Waits until `n` sessions of the test PostgreSQL `LISTEN` on `room`'s
/// channel: from then on, what is appended to the room reaches their
/// subscribers by notification (a subscriber's "ready" signal).
pub async fn wait_for_listeners(room: &str, n: i64) {
    let url = postgres_url();
    let pool = sqlx::PgPool::connect(&url).await.unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
    let listen = format!("LISTEN \"{}\"", opsdeck::adapters::journal::room::channel(room));
    let what = format!("{n} sessions to run {listen}");
    wait_until_async(&what, PATIENCE, async || {
        let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle' AND starts_with(query, $1)")
            .bind(&listen)
            .fetch_one(&pool)
            .await
            .expect("reading pg_stat_activity");
        sessions >= n
    })
    .await;
    pool.close().await;
}
