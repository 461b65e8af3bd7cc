//! Shared by integration tests: where the real services are. Tests never
//! skip when a service is missing: they fail, naming the URL they tried.
#![allow(dead_code)]

pub mod proxy;
pub mod pty;
pub mod tls;

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
