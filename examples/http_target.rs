//! A fast local HTTP target for load benchmarks (see `benches/probe_load.sh`):
//! every GET answers `{"status":"ok"}` over keep-alive and is counted, except
//! `GET /count`, which answers how many were counted so far. It prints
//! `port N` once it listens, so a script can read where.
//! Run: cargo run --release --example http_target [-- --port N] [-- --threads N]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use color_eyre::eyre::{Result, WrapErr, eyre};

/// Requests answered so far, `/count` aside.
type Hits = Arc<AtomicU64>;

/// The value after `--name`, parsed; `default` when the flag is absent.
fn flag(name: &str, default: usize) -> Result<usize> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => {
            let text = args.get(i + 1).ok_or_else(|| eyre!("{name} needs a number"))?;
            text.parse().wrap_err_with(|| format!("{name} {text}: not a number"))
        }
    }
}

async fn health(State(hits): State<Hits>) -> impl IntoResponse {
    hits.fetch_add(1, Ordering::Relaxed);
    ([(CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#)
}

async fn count(State(hits): State<Hits>) -> String {
    hits.load(Ordering::Relaxed).to_string()
}

fn main() -> Result<()> {
    let port = flag("--port", 0)?;
    let threads = flag("--threads", 1)?.max(1);
    let port = u16::try_from(port).wrap_err("--port is out of range")?;
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build().wrap_err("cannot start the runtime")?;
    rt.block_on(async move {
        let hits = Hits::default();
        let app = axum::Router::new().route("/count", axum::routing::get(count)).fallback(axum::routing::get(health)).with_state(hits);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.wrap_err("cannot listen")?;
        println!("port {}", listener.local_addr().wrap_err("no local address")?.port());
        axum::serve(listener, app).await.wrap_err("serving failed")
    })
}
