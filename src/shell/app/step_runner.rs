//! Runs the commands this console's claims won: one task per run that owns
//! the process (see [`crate::adapters::exec`]), renews the claim's lease while it
//! runs, wakes the loop to redraw as output arrives (at most every
//! [`REDRAW_EVERY`]), and reports the result for the loop to record.
//!
//! If this console dies, nothing renews the lease: the room sees the run
//! as abandoned once it expires.
//!
//! Steps of one runbook share a shell session on this console: what a step
//! exports and the directory it ends in carry to the next, and the
//! runbook's first runnable step starts afresh.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::live::LiveOutput;
use super::state::{SessionUse, StartRun};
use crate::adapters::exec::session::{self, Session};
use crate::adapters::exec::{RunResult, RunSpec, Running};
use crate::adapters::journal::{Body, Outcome};
use crate::secrets::Redactor;

/// Shortest time between two redraws asked for by a run's output.
pub const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// What a run tells the loop.
#[derive(Debug)]
pub enum RunNews {
    /// New output to draw.
    Output,
    /// The lease needs renewing: append this.
    Renew(Body),
    /// The run ended: append this (the `run.finished` event).
    Finished { run: String, body: Body },
    /// A rollback's preview ended (not recorded: it is not a claimed run).
    /// `generation` tells the newest preview from one it replaced (see
    /// [`StepRunner::is_latest_preview`]).
    Preview { action: String, generation: u64, ok: bool, output: String },
}

/// Why a run is asked to stop before it ends by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopWhy {
    /// A person cancelled it.
    Cancel,
    /// The console is ending (a signal): recorded as interrupted.
    Interrupt,
}

/// The runs of this console, and its one preview: previews are
/// latest-wins, so starting one stops the one before (its whole process
/// group) and only the newest result is shown.
pub struct StepRunner {
    cancels: HashMap<String, oneshot::Sender<StopWhy>>,
    /// The preview running now: its generation and how to stop it.
    preview: Option<(u64, oneshot::Sender<()>)>,
    generations: u64,
    /// Each runbook's shell session on this console.
    sessions: Sessions,
    news_tx: mpsc::Sender<RunNews>,
    pub news: mpsc::Receiver<RunNews>,
}

/// The runbooks' sessions, shared with the tasks that end their steps.
#[derive(Clone, Default)]
struct Sessions(Arc<Mutex<HashMap<String, Session>>>);

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The environment and directory of a step continuing its runbook's session.
    fn continued(&self, use_: &SessionUse, env: &[(String, String)], cwd: Option<&Path>) -> (Vec<(String, String)>, Option<PathBuf>) {
        let mut all = self.lock();
        if use_.fresh {
            all.remove(&use_.runbook);
        }
        match all.get(&use_.runbook) {
            Some(s) => (session::merged(env, s), session::directory(s, cwd)),
            None => (env.to_vec(), cwd.map(Path::to_path_buf)),
        }
    }

    /// Keeps what a finished step left (a step that could not say keeps the last).
    fn keep(&self, runbook: String, left: Option<Session>) {
        if let Some(s) = left {
            self.lock().insert(runbook, s);
        }
    }
}

impl Default for StepRunner {
    fn default() -> Self {
        let (news_tx, news) = mpsc::channel(64);
        StepRunner { cancels: HashMap::new(), preview: None, generations: 0, sessions: Sessions::default(), news_tx, news }
    }
}

impl StepRunner {
    /// Starts a run; returns its live output for the pane.
    pub fn start(&mut self, start: StartRun, now_ms: i64) -> LiveOutput {
        let (env, cwd) = match &start.session {
            Some(use_) => self.sessions.continued(use_, &start.env, start.cwd.as_deref()),
            None => (start.env.clone(), start.cwd.clone()),
        };
        let secrets = secrets_for(&env);
        let spec = RunSpec {
            script: start.script,
            interpreter: start.interpreter,
            session: start.session.is_some(),
            sql: start.sql.as_ref().map(sql_url),
            env,
            cwd,
            timeout: start.timeout,
            secrets,
        };
        let running = Running::start(spec);
        let keep = start.session.map(|s| (self.sessions.clone(), s.runbook));
        let live = LiveOutput { started_ms: now_ms, view: running.live() };
        let (cancel_tx, cancel_rx) = oneshot::channel();
        self.cancels.insert(start.run.clone(), cancel_tx);
        let renew_every = Duration::from_millis((start.lease_ms / 3).max(1_000) as u64);
        tokio::spawn(supervise(start.run, running, cancel_rx, renew_every, self.news_tx.clone(), keep));
        live
    }

    /// Runs a rollback's preview: unclaimed, bounded and redacted like a
    /// run; its output comes back as [`RunNews::Preview`]. A preview still
    /// running is stopped first (SIGTERM to its group, then SIGKILL) and
    /// reports nothing. Returns the new preview's generation.
    pub fn preview(&mut self, start: StartRun) -> u64 {
        self.stop_preview();
        self.generations += 1;
        let generation = self.generations;
        let (stop_tx, mut stop) = oneshot::channel();
        self.preview = Some((generation, stop_tx));
        let secrets = secrets_for(&start.env);
        let spec = RunSpec {
            script: start.script,
            interpreter: start.interpreter,
            session: false,
            sql: None,
            env: start.env,
            cwd: start.cwd,
            timeout: start.timeout,
            secrets,
        };
        let news = self.news_tx.clone();
        let action = start.run;
        tokio::spawn(async move {
            let mut running = Running::start(spec);
            let r = tokio::select! {
                r = running.wait() => r,
                _ = &mut stop => {
                    running.cancel();
                    let _ = running.wait().await;
                    return;
                }
            };
            let output = match &r.error {
                Some(e) => format!("{}\n[opsdeck] {e}", r.output),
                None => r.output.clone(),
            };
            let _ = news.send(RunNews::Preview { action, generation, ok: r.outcome.is_success(), output }).await;
        });
        generation
    }

    /// Stops the running preview, if any; its result is never shown.
    pub fn stop_preview(&mut self) {
        if let Some((_, stop)) = self.preview.take() {
            let _ = stop.send(());
        }
    }

    /// Whether a preview's result is the newest one's (a result that was
    /// already on its way when a newer preview started is not).
    pub fn is_latest_preview(&self, generation: u64) -> bool {
        generation == self.generations
    }

    /// Asks a run to stop (its whole process group is killed).
    pub fn cancel(&mut self, run: &str) -> bool {
        match self.cancels.remove(run) {
            Some(tx) => tx.send(StopWhy::Cancel).is_ok(),
            None => false,
        }
    }

    /// Stops every run because the console is ending: each process group
    /// gets SIGTERM, then SIGKILL after [`crate::adapters::exec::TERM_GRACE`], and
    /// each result comes back as [`RunNews::Finished`] with the outcome
    /// `interrupted`. Returns how many runs were told.
    pub fn interrupt_all(&mut self) -> usize {
        self.cancels.drain().filter(|(_, tx)| !tx.is_closed()).map(|(_, tx)| tx.send(StopWhy::Interrupt)).filter(Result::is_ok).count()
    }

    /// Forgets a finished run.
    pub fn finished(&mut self, run: &str) {
        self.cancels.remove(run);
    }
}

/// A `sql` step's URL, read from the console's environment when a variable names it.
fn sql_url(source: &opsdeck_core::launch::SqlSource) -> Result<String, String> {
    match (&source.url, &source.url_env) {
        (Some(url), _) => Ok(url.clone()),
        (None, Some(var)) => std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| format!("environment variable {var} is not set: the step has no database to run against")),
        (None, None) => Err("the step names no database (`dsn_env` or `check`)".into()),
    }
}

/// What a run masks: everything secret in this process (the plan's
/// variables, the console's environment; see [`crate::secrets`]) and, by
/// name and URL shape, the run's own environment.
fn secrets_for(env: &[(String, String)]) -> Vec<String> {
    let mut values = crate::secrets::installed().values().to_vec();
    values.extend_from_slice(Redactor::build(None, env).values());
    values
}

async fn supervise(
    run: String,
    mut running: Running,
    mut cancel: oneshot::Receiver<StopWhy>,
    renew_every: Duration,
    news: mpsc::Sender<RunNews>,
    keep: Option<(Sessions, String)>,
) {
    let mut live = running.live();
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + renew_every, renew_every);
    let mut cancelled = false;
    let mut interrupted = false;
    let mut last_redraw = tokio::time::Instant::now() - REDRAW_EVERY;
    let mut output_open = true;
    let mut result = loop {
        tokio::select! {
            result = running.wait() => break result,
            why = &mut cancel, if !cancelled => {
                cancelled = true;
                // A dropped sender (the runner gone) stops the run too.
                interrupted = why.is_ok_and(|w| w == StopWhy::Interrupt);
                running.cancel();
            }
            _ = renew.tick() => {
                // A full queue means the loop is busy: the next tick tries again.
                let _ = news.try_send(RunNews::Renew(Body::RunRenewed { run: run.clone() }));
            }
            changed = live.changed(), if output_open => {
                output_open = changed;
                if last_redraw.elapsed() < REDRAW_EVERY {
                    tokio::time::sleep(REDRAW_EVERY.saturating_sub(last_redraw.elapsed())).await;
                }
                live.mark_seen();
                last_redraw = tokio::time::Instant::now();
                let _ = news.try_send(RunNews::Output);
            }
        }
    };
    if interrupted && result.outcome == Outcome::Cancelled {
        result.outcome = Outcome::Interrupted;
        result.error.get_or_insert_with(|| "stopped: the console was ended by a signal".to_string());
    }
    if let Some((sessions, runbook)) = keep {
        sessions.keep(runbook, result.session.take());
    }
    let body = finished_body(&run, &result);
    // The result must reach the journal: wait for room in the queue.
    let _ = news.send(RunNews::Finished { run, body }).await;
}

/// The `run.finished` event for a result; why it did not start, or what
/// killed it, leads the stored output.
pub fn finished_body(run: &str, r: &RunResult) -> Body {
    let output = match &r.error {
        Some(e) if r.output.is_empty() => format!("[opsdeck] {e}"),
        Some(e) => format!("{}\n[opsdeck] {e}", r.output),
        None => r.output.clone(),
    };
    Body::RunFinished {
        run: run.to_string(),
        outcome: r.outcome,
        exit_code: r.exit_code,
        duration_ms: r.duration.as_millis() as i64,
        output,
        truncated: r.truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preview_of(script: String) -> StartRun {
        StartRun {
            run: "peek".into(),
            script,
            interpreter: Vec::new(),
            session: None,
            sql: None,
            env: Vec::new(),
            cwd: None,
            timeout: Duration::from_secs(30),
            lease_ms: 30_000,
        }
    }

    /// Real processes: a second preview stops the first one's process group,
    /// and only the second one's result comes back.
    #[tokio::test]
    async fn a_new_preview_stops_the_old_one_and_only_the_newest_result_is_shown() {
        let dir = tempfile::tempdir().expect("temp dir");
        let marker = dir.path().join("first-stopped");
        let mut runner = StepRunner::default();
        let ready = dir.path().join("first-ready");
        let first = runner.preview(preview_of(format!(
            "trap 'echo stopped > {}; exit 1' TERM; echo up > {}; sleep 30 & wait",
            marker.display(),
            ready.display()
        )));
        // Replace it only once it runs (its trap set), as a person would.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !ready.exists() {
            assert!(tokio::time::Instant::now() < deadline, "the first preview never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let second = runner.preview(preview_of("echo second".into()));
        assert!(!runner.is_latest_preview(first) && runner.is_latest_preview(second));
        let news = tokio::time::timeout(Duration::from_secs(20), runner.news.recv()).await.expect("a result").expect("news");
        let RunNews::Preview { generation, output, .. } = news else { panic!("{news:?}") };
        assert_eq!((generation, output.trim()), (second, "second"), "only the newest preview reports");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !marker.exists() {
            assert!(tokio::time::Instant::now() < deadline, "the first preview's group was never told to stop");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
