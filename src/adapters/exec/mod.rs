//! Running one shell command for a person at the console (a runbook step, a
//! rollback action), safely: the whole process group is stopped on timeout,
//! on cancel and when the handle is dropped; output is cleaned, secrets are
//! masked, and memory stays bounded whatever the command prints.
//!
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! use opsdeck::adapters::exec::{RunSpec, Running, secret_values};
//!
//! let env = vec![("API_TOKEN".to_string(), "tok-12345".to_string())];
//! let spec = RunSpec { secrets: secret_values(&env), env, ..RunSpec::new("./deploy.sh --rollback", Duration::from_secs(300)) };
//! let mut run = Running::start(spec);
//! let mut live = run.live();
//! loop {
//!     tokio::select! {
//!         result = run.wait() => { println!("{}: {}", result.outcome.name(), result.output); break }
//!         _ = live.changed() => { let _lines = live.last_lines(40); /* redraw */ }
//!     }
//! }
//! # }
//! ```
//!
//! How a run goes:
//! - the script text is written to its own temporary file (mode 0600,
//!   removed when the run ends) and run as `/bin/sh FILE` (or the step's
//!   [`RunSpec::interpreter`], resolved on the console's `PATH`), stdin from
//!   `/dev/null`, in a new session and process group (no controlling
//!   terminal: a command prompting on `/dev/tty` fails at once instead of
//!   hanging or drawing over the console), with [`RunSpec::env`] added to the
//!   inherited environment, in [`RunSpec::cwd`] when set (a missing one gives
//!   [`Outcome::NotStarted`] and says why in [`RunResult::error`]);
//! - stopping (timeout, [`Running::cancel`], or the script exiting and
//!   leaving background processes behind) sends SIGTERM to the whole group,
//!   then SIGKILL after [`TERM_GRACE`] (2 s) to whatever is left. A step
//!   cannot leave anything running: to start something lasting, detach it
//!   from the group (`setsid`, `systemd-run`);
//! - dropping the [`Running`] handle before the end sends SIGKILL to the
//!   group at once;
//! - stdout and stderr are read concurrently; their lines are merged in the
//!   order they complete (a line is never mixed with the other stream's),
//!   cleaned (ANSI escapes and control characters removed, invalid UTF-8
//!   replaced, tabs expanded, `\r` progress lines reduced to their last
//!   state, lines over 8 KiB cut into pieces), [`RunSpec::secrets`]
//!   masked as `***`, and URL credentials (`scheme://user:***@host`,
//!   `?token=***`) masked by shape;
//! - the stored output keeps the first 16 KiB and the last 48 KiB of lines
//!   with a marker line between (`… 49.8 MB (1200 lines) omitted …`); the
//!   live view keeps the last 1000 lines.
//!
//! - with [`RunSpec::session`], a shell step's exported variables and final
//!   directory come back in [`RunResult::session`] for the next step of
//!   its runbook (see `session`).
//!
//! Files: `process` (script file, spawning, the process group), `interpreter`
//! (which program runs the script), `session` (what carries between steps), `run` (the
//! supervising task), `clean` (raw bytes to clean lines), `redact`
//! (secrets), `capture` (bounded head and tail), `live` (the live tail for
//! the UI).

mod capture;
mod clean;
pub mod interpreter;
mod live;
mod process;
mod redact;
mod run;
pub mod session;
mod sql;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::task::JoinHandle;

pub use crate::adapters::journal::Outcome;
pub use capture::{HEAD_LIMIT, TAIL_LIMIT};
pub use clean::{MAX_LINE, MAX_RAW_LINE};
pub use interpreter::SHELL;
pub use live::{LIVE_LINE_MAX, LIVE_LINES, LiveTail, LiveView};
pub use redact::{MASK, MIN_SECRET_CHARS, secret_values};
pub use run::{KILL_SETTLE, PIPE_GRACE, STUCK_LIMIT, TERM_GRACE};

use live::LiveWriter;
use run::Control;

/// What to run.
#[derive(Clone)]
pub struct RunSpec {
    /// Script text, run from a file by `/bin/sh` or [`RunSpec::interpreter`].
    pub script: String,
    /// The command words that run the script (`["bash"]`, `["python3", "-u"]`); empty: `/bin/sh`.
    pub interpreter: Vec<String>,
    /// Hand the step's session (exported variables, directory) back when it
    /// ends; only a shell has one.
    pub session: bool,
    /// The script is SQL, run through the PostgreSQL driver (see `sql`), not
    /// a process: the database's URL, or why there is none (a variable unset).
    pub sql: Option<Result<String, String>>,
    /// Added to (or overriding) the console's own environment.
    pub env: Vec<(String, String)>,
    /// Working directory; the console's own when `None`.
    pub cwd: Option<PathBuf>,
    /// From the start of the process to the SIGTERM.
    pub timeout: Duration,
    /// Values masked as `***` in the output (the console gives
    /// [`crate::secrets::Redactor::values`]; [`secret_values`] picks those
    /// of an environment by name). Empty values are ignored; a value with
    /// newlines is masked line by line.
    pub secrets: Vec<String>,
}

impl RunSpec {
    /// A script with no extra environment, no working directory, no secrets.
    pub fn new(script: impl Into<String>, timeout: Duration) -> RunSpec {
        RunSpec {
            script: script.into(),
            interpreter: Vec::new(),
            session: false,
            sql: None,
            env: Vec::new(),
            cwd: None,
            timeout,
            secrets: Vec::new(),
        }
    }
}

/// Shows variable names but never values, and how many secrets there are.
impl fmt::Debug for RunSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("RunSpec")
            .field("script", &self.script)
            .field("interpreter", &self.interpreter)
            .field("session", &self.session)
            .field("sql", &self.sql.as_ref().map(|_| "<url>"))
            .field("env", &names)
            .field("cwd", &self.cwd)
            .field("timeout", &self.timeout)
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    pub outcome: Outcome,
    /// The script's exit code, when it exited (rather than being killed).
    pub exit_code: Option<i32>,
    /// The signal that killed the script, if one did.
    pub signal: Option<i32>,
    /// From the start of the run to its result.
    pub duration: Duration,
    /// Cleaned, secret-masked output, at most about 64 KiB (see the module
    /// doc), no trailing newline.
    pub output: String,
    /// Some output was left out of `output`.
    pub truncated: bool,
    /// Raw bytes read from stdout and stderr.
    pub bytes_seen: u64,
    /// What went wrong besides the exit status, for a person: why it did not
    /// start, `timed out after 30s`, `killed by signal 9 (SIGKILL)`, …
    pub error: Option<String>,
    /// What the step leaves its runbook's next step, when [`RunSpec::session`] asked.
    pub session: Option<session::Session>,
}

impl RunResult {
    fn not_started(error: impl Into<String>) -> RunResult {
        RunResult {
            outcome: Outcome::NotStarted,
            exit_code: None,
            signal: None,
            duration: Duration::ZERO,
            output: String::new(),
            truncated: false,
            bytes_seen: 0,
            error: Some(error.into()),
            session: None,
        }
    }
}

/// A command that was started: cancel it, watch it, wait for its result.
/// Dropping it before the end kills the whole process group (SIGKILL).
#[derive(Debug)]
pub struct Running {
    control: std::sync::Arc<Control>,
    live: LiveView,
    task: Option<JoinHandle<RunResult>>,
    result: Option<RunResult>,
}

impl Running {
    /// Starts the run on the current tokio runtime. Never panics: problems
    /// (no runtime, bad working directory, no shell) end the run at once as
    /// [`Outcome::NotStarted`].
    pub fn start(spec: RunSpec) -> Running {
        let control = std::sync::Arc::new(Control::default());
        let (writer, live) = LiveWriter::new();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let task = runtime.spawn(run::run(spec, std::sync::Arc::clone(&control), writer));
                Running { control, live, task: Some(task), result: None }
            }
            Err(e) => {
                writer.update(LiveTail::finish);
                let result = RunResult::not_started(format!("no tokio runtime to run it on: {e}"));
                Running { control, live, task: None, result: Some(result) }
            }
        }
    }

    /// Stops the run: SIGTERM to the whole process group, SIGKILL after
    /// [`TERM_GRACE`]. The outcome is [`Outcome::Cancelled`] unless the
    /// script had already ended. Returns at once; [`wait`](Self::wait) for
    /// the result.
    pub fn cancel(&self) {
        self.control.cancel();
    }

    /// A view of the output as it arrives, for drawing.
    pub fn live(&self) -> LiveView {
        self.live.clone()
    }

    /// The run is over and [`wait`](Self::wait) returns at once.
    pub fn is_finished(&self) -> bool {
        self.result.is_some() || self.task.as_ref().is_some_and(JoinHandle::is_finished)
    }

    /// Waits for the result. Cancel-safe (dropping this future leaves the
    /// run going; use it in `select!`), and callable again: a later call
    /// returns the same result.
    pub async fn wait(&mut self) -> RunResult {
        if let Some(task) = self.task.as_mut() {
            let joined = task.await;
            self.task = None;
            self.result = Some(joined.unwrap_or_else(|e| RunResult {
                outcome: Outcome::Failed,
                error: Some(format!("the task running the command failed: {e}")),
                ..RunResult::not_started(String::new())
            }));
        }
        self.result.clone().unwrap_or_else(|| RunResult::not_started("the run has no result"))
    }

    /// The result if the run is over, without waiting (for a UI tick loop).
    /// `None` while it runs; in a task whose tokio budget is spent it can
    /// also be `None` just after the end: ask again on the next tick.
    pub fn try_result(&mut self) -> Option<RunResult> {
        if self.result.is_none() && self.is_finished() {
            use futures::FutureExt;
            return self.wait().now_or_never();
        }
        self.result.clone()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = &self.task
            && !task.is_finished()
        {
            // At once, without waiting for the task to notice the abort;
            // the aborted task kills the group again as it unwinds.
            self.control.group.signal(libc::SIGKILL);
            task.abort();
        }
    }
}
