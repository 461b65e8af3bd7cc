//! CPU cost of probing: 200 HTTP checks at a 1 s interval against a local
//! server (run in a child process, so its CPU is not counted) for 30 s.
//! Prints samples per second and the share of one core used by the probes.
//! Run: cargo bench --bench probe_cpu   (OPSDECK_BENCH_SECS to change 30)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use opsdeck::adapters::probe::ProbeEnv;
use opsdeck::adapters::probe::schedule::spawn_all;

#[path = "support.rs"]
mod support;

const CHECKS: usize = 200;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// The child: a tiny HTTP server printing its port, answering `{"status":"ok"}`.
async fn serve() {
    let app = axum::Router::new().route("/health", axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    println!("port {}", listener.local_addr().expect("addr").port());
    axum::serve(listener, app).await.expect("serve");
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if std::env::args().any(|a| a == "--serve") {
        rt.block_on(serve());
        return;
    }
    let secs: u64 = std::env::var("OPSDECK_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let mut child = Command::new(std::env::current_exe().expect("exe")).arg("--serve").stdout(Stdio::piped()).spawn().expect("server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("port line");
    let port = line.trim().trim_start_matches("port ").to_string();
    let plan = support::plan(CHECKS, &format!("http://127.0.0.1:{port}/health"), "1s");
    let (samples, errors, cpu, wall) = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
        let env = ProbeEnv::from_process(".".into());
        let cpu0 = cpu_seconds();
        let started = Instant::now();
        let tasks = spawn_all(&plan.checks, &plan.defaults, &env, tx);
        let (mut n, mut errors) = (0u64, 0u64);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while let Ok(Some(s)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            n += 1;
            errors += u64::from(s.result.is_err());
        }
        for t in tasks {
            t.abort();
        }
        (n, errors, cpu_seconds() - cpu0, started.elapsed().as_secs_f64())
    });
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "{CHECKS} http checks every 1s for {wall:.0}s: {samples} samples ({:.0}/s, {errors} errors), CPU {:.1}% of one core ({:.0} µs per probe)",
        samples as f64 / wall,
        cpu / wall * 100.0,
        cpu / samples.max(1) as f64 * 1e6
    );
}
