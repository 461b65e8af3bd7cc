//! The simulated shop as a real HTTP server on 127.0.0.1: `GET /api/health`
//! (JSON, answered after about the story's current p50 latency) and
//! `GET /metrics` (Prometheus text). State advances lazily when a request
//! arrives, so an idle demo does no work. `POST /admin/rollback` is the
//! demo's rollback: during the spike or the error burst it skips the story
//! ahead into the recovery, where the errors have cleared.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Json};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::story::{Conditions, Phase, Story};
use super::traffic::Traffic;

/// Reported by the health endpoint.
pub const VERSION: &str = "3.0.0-demo";

/// A running simulated shop. Dropping it stops the server.
pub struct DemoService {
    /// Where it listens (127.0.0.1, a free port).
    pub addr: SocketAddr,
    sim: Arc<Sim>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Seconds into the recovery at which the story's errors have cleared.
const ERRORS_CLEAR_S: f64 = 8.0;

/// What the handlers share.
struct Sim {
    story: Story,
    started: Instant,
    /// How far rollbacks skipped the story ahead.
    skipped: Mutex<Duration>,
    traffic: Mutex<Traffic>,
}

impl Sim {
    fn elapsed(&self) -> Duration {
        self.started.elapsed() + *self.skipped.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Skips ahead to the recovery when the shop is in trouble; returns what happened.
    fn roll_back(&self) -> String {
        let now = self.elapsed();
        let t = self.story.script_time(now);
        let phase = self.story.at(now).phase;
        if !matches!(phase, Phase::LatencySpike | Phase::ErrorBurst) {
            return format!("the shop is in its {phase} phase: nothing to roll back; 2.9.4 already serves");
        }
        // Into the recovery, where the errors have cleared and the queue drains.
        let ahead = (Phase::Recovery.window().0 + ERRORS_CLEAR_S - t).max(0.0) / self.story.speed();
        *self.skipped.lock().unwrap_or_else(PoisonError::into_inner) += Duration::try_from_secs_f64(ahead).unwrap_or(Duration::ZERO);
        format!("rolled back from {VERSION} to 2.9.4 during the {phase}: the shop recovers now")
    }

    /// Brings the counters up to `now`; returns the metrics page if asked.
    fn advance(&self, now: Duration, page: bool) -> Option<String> {
        let mut traffic = self.traffic.lock().unwrap_or_else(PoisonError::into_inner);
        traffic.advance(&self.story, now);
        page.then(|| traffic.exposition(&self.story.at(now)))
    }
}

impl DemoService {
    /// Binds 127.0.0.1 on a free port and serves in a spawned task.
    /// Must be called within a tokio runtime.
    pub async fn start(story: Story) -> std::io::Result<DemoService> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let sim =
            Arc::new(Sim { story, started: Instant::now(), skipped: Mutex::new(Duration::ZERO), traffic: Mutex::new(Traffic::new()) });
        let app = Router::new()
            .route("/api/health", get(health))
            .route("/metrics", get(metrics))
            .route("/admin/rollback", post(roll_back))
            .with_state(Arc::clone(&sim));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serving.await {
                tracing::warn!("demo service stopped: {e}");
            }
        });
        Ok(DemoService { addr, sim, stop: Some(stop), task: Some(task) })
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn story(&self) -> Story {
        self.sim.story
    }

    /// What the story says right now (for a status line: "latency spike").
    pub fn conditions_now(&self) -> Conditions {
        self.sim.story.at(self.sim.elapsed())
    }

    /// Stops accepting requests and waits for the ones in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for DemoService {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn health(State(sim): State<Arc<Sim>>) -> impl IntoResponse {
    let now = sim.elapsed();
    let c = sim.story.at(now);
    // Keep the counters current even when only the health check polls.
    sim.advance(now, false);
    let jitter = 0.9 + 0.2 * fastrand::f64();
    let wait = Duration::try_from_secs_f64(c.latency_ms_p50 * jitter / 1000.0).unwrap_or(Duration::ZERO).min(Duration::from_secs(10));
    tokio::time::sleep(wait).await;
    Json(json!({
        "status": if c.healthy { "healthy" } else { "degraded" },
        "database": "connected",
        "uptime": now.as_secs(),
        "queue": { "depth": c.queue_depth },
        "version": VERSION,
    }))
}

async fn metrics(State(sim): State<Arc<Sim>>) -> impl IntoResponse {
    let body = sim.advance(sim.elapsed(), true).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}

async fn roll_back(State(sim): State<Arc<Sim>>) -> impl IntoResponse {
    let text = sim.roll_back();
    sim.advance(sim.elapsed(), false);
    format!("{text}\n")
}
