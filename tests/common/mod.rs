//! Shared by integration tests: where the real services are. Tests never
//! skip when a service is missing: they fail, naming the URL they tried.
#![allow(dead_code)]

pub mod pty;

/// PostgreSQL for tests: `OPSDECK_TEST_POSTGRES_URL`, else the local server.
pub fn postgres_url() -> String {
    std::env::var("OPSDECK_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Redis for tests: `OPSDECK_TEST_REDIS_URL`, else the local server.
pub fn redis_url() -> String {
    std::env::var("OPSDECK_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}
