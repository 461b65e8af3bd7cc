//! The task that supervises one run, from the working-directory check to
//! the [`RunResult`]: reads stdout and stderr as they come (each through its
//! own [`LineCleaner`], so lines of the two streams are never mixed), feeds
//! the bounded [`Capture`] and the [`LiveTail`](super::LiveTail), and stops
//! the process group on timeout, cancel, or when the script exits.
//!
//! Stopping, in every case: SIGTERM to the whole group, then SIGKILL to
//! whatever is left after [`TERM_GRACE`]. The group counts as gone when the
//! script is reaped and no other member is running (zombies waiting for a
//! reaper do not count where `/proc` tells them apart), or [`KILL_SETTLE`]
//! after the SIGKILL. Output already in
//! the pipes is read to its end, for at most [`PIPE_GRACE`] after that (a
//! process that left the group with `setsid` can hold the pipes open
//! forever). Should the script itself not die even after SIGKILL (stuck in
//! the kernel, e.g. a hung NFS mount), the run gives up after
//! [`STUCK_LIMIT`] and says so in `error`.

use std::collections::HashMap;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tempfile::NamedTempFile;
use tokio::io::AsyncReadExt;
use tokio::process::Child;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::capture::Capture;
use super::clean::{Batch, LineCleaner};
use super::interpreter::Interpreter;
use super::live::{LiveTail, LiveWriter, Stream};
use super::process::{self, GroupSlot, KillOnDrop};
use super::redact::Secrets;
use super::session::{self, SessionFiles};
use super::{RunResult, RunSpec};
use crate::adapters::journal::Outcome;

/// How long the group has between SIGTERM and SIGKILL.
pub const TERM_GRACE: Duration = Duration::from_secs(2);
/// After SIGKILL, how long members that still answer (zombies) are waited for.
pub const KILL_SETTLE: Duration = Duration::from_secs(1);
/// After SIGKILL, how long the script itself is waited for before giving up.
pub const STUCK_LIMIT: Duration = Duration::from_secs(5);
/// Once the group is gone, how long the pipes may stay open.
pub const PIPE_GRACE: Duration = Duration::from_secs(1);
/// How often a stopping group is looked at.
const POLL: Duration = Duration::from_millis(50);
/// Bytes asked for by one read of a pipe.
const READ_SIZE: usize = 64 * 1024;

/// What the task and the handle share besides the live tail.
#[derive(Debug, Default)]
pub(crate) struct Control {
    pub(crate) group: GroupSlot,
    cancelled: AtomicBool,
    wake: Notify,
}

impl Control {
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        // Stores a permit when the task is not waiting right now.
        self.wake.notify_one();
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

/// Why the run was stopped before the script ended by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Cancelled,
    TimedOut,
}

/// Runs `spec` to its end; never panics on bad input.
pub(crate) async fn run(spec: RunSpec, control: Arc<Control>, live: LiveWriter) -> RunResult {
    let started = Instant::now();
    let secrets = Arc::new(Secrets::new(&spec.secrets));
    if let Some(url) = &spec.sql {
        return run_sql(&spec, url.as_deref(), &control, &live, &secrets, started).await;
    }
    let mut result = match prepare(&spec, &control).await {
        Err(message) => RunResult::not_started(message),
        Ok((script, files, mut child)) => {
            let mut supervisor = Supervisor::new(&control, &live, &secrets);
            let mut result = supervisor.supervise(&mut child, spec.timeout).await;
            // The script file goes only now: `sh` reads it as it runs.
            drop(script);
            if let Some(files) = files {
                // Compared with the console's own environment only: what the runbook or an
                // earlier step set is carried on, not lost as "unchanged".
                let inherited: HashMap<String, String> = std::env::vars().collect();
                result.session = files.read(&inherited);
            }
            result
        }
    };
    if control.is_cancelled() && result.outcome == Outcome::NotStarted {
        result.outcome = Outcome::Cancelled;
    }
    result.duration = started.elapsed();
    if let Some(error) = &result.error {
        result.error = Some(secrets.redact_line(error).into_owned());
    }
    live.update(LiveTail::finish);
    result
}

/// An `sql` step: through the PostgreSQL driver rather than a process.
async fn run_sql(
    spec: &RunSpec,
    url: Result<&str, &String>,
    control: &Control,
    live: &LiveWriter,
    secrets: &Secrets,
    started: Instant,
) -> RunResult {
    let base = spec.cwd.clone().unwrap_or_default();
    let cancelled = async {
        while !control.is_cancelled() {
            control.wake.notified().await;
        }
    };
    let mut result = match url {
        _ if control.is_cancelled() => RunResult::not_started("cancelled before it started"),
        Err(why) => RunResult::not_started(why.clone()),
        Ok(url) => super::sql::run(url, &spec.script, spec.timeout, &base, cancelled).await,
    };
    result.output = secrets.redact(&result.output).into_owned();
    if let Some(error) = &result.error {
        result.error = Some(secrets.redact_line(error).into_owned());
    }
    result.duration = started.elapsed();
    let shown = if result.output.is_empty() { String::new() } else { format!("{}\n", result.output) };
    live.update(|t| {
        t.push_lines(&shown, shown.lines().count() as u64);
        t.finish();
    });
    result
}

/// Checks the working directory, resolves the interpreter, writes the
/// script file (wrapped to save its session when asked and it is a shell),
/// starts it.
async fn prepare(spec: &RunSpec, control: &Control) -> Result<(NamedTempFile, Option<SessionFiles>, Child), String> {
    if control.is_cancelled() {
        return Err("cancelled before it started".into());
    }
    if let Some(dir) = &spec.cwd {
        match tokio::fs::metadata(dir).await {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(format!("working directory {} is not a directory", dir.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(format!("working directory {} does not exist", dir.display()));
            }
            Err(e) => return Err(format!("working directory {}: {e}", dir.display())),
        }
    }
    let interpreter = Interpreter::resolve(&spec.interpreter)?;
    let files = if spec.session && interpreter.is_shell() {
        Some(SessionFiles::new().map_err(|e| format!("could not make a directory for the step's session: {e}"))?)
    } else {
        None
    };
    let text = match &files {
        Some(_) => session::wrap(&spec.script),
        None => spec.script.clone(),
    };
    let script = process::write_script(&text).map_err(|e| format!("could not write the script to a temporary file: {e}"))?;
    let mut env = spec.env.clone();
    env.extend(files.iter().flat_map(SessionFiles::env));
    let child = process::spawn(&interpreter, script.path(), &env, spec.cwd.as_deref())
        .map_err(|e| format!("could not start {} {}: {e}", interpreter.program.display(), script.path().display()))?;
    control.group.set(child.id());
    Ok((script, files, child))
}

/// One run's output handling and stop bookkeeping.
struct Supervisor<'a> {
    control: &'a Control,
    live: &'a LiveWriter,
    cleaners: [LineCleaner; 2],
    batch: Batch,
    capture: Capture,
    bytes_seen: u64,
    /// Things that went wrong besides the exit status, for `error`.
    notes: Vec<String>,
    status: Option<io::Result<ExitStatus>>,
    stop: Option<Stop>,
    /// When SIGTERM went to the group (stop, or the script exited).
    term_at: Option<Instant>,
    kill_at: Option<Instant>,
    /// When the group was found gone (or given up on).
    group_done_at: Option<Instant>,
}

impl<'a> Supervisor<'a> {
    fn new(control: &'a Control, live: &'a LiveWriter, secrets: &Arc<Secrets>) -> Self {
        Supervisor {
            control,
            live,
            cleaners: [LineCleaner::new(Arc::clone(secrets)), LineCleaner::new(Arc::clone(secrets))],
            batch: Batch::default(),
            capture: Capture::default(),
            bytes_seen: 0,
            notes: Vec::new(),
            status: None,
            stop: None,
            term_at: None,
            kill_at: None,
            group_done_at: None,
        }
    }

    async fn supervise(&mut self, child: &mut Child, timeout: Duration) -> RunResult {
        let control = self.control;
        let mut guard = KillOnDrop::new(&control.group);
        let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
            self.notes.push("the command's output pipes are missing".into());
            self.begin_stop(None);
            return self.result(timeout);
        };
        let mut out_buf = vec![0u8; READ_SIZE];
        let mut err_buf = vec![0u8; READ_SIZE];
        let (mut out_open, mut err_open) = (true, true);
        let deadline = Instant::now().checked_add(timeout);
        let timer = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now));
        tokio::pin!(timer);
        loop {
            if self.finished(out_open || err_open) {
                break;
            }
            let watching = self.status.is_none() && self.stop.is_none();
            if watching && self.control.is_cancelled() {
                self.begin_stop(Some(Stop::Cancelled));
                continue;
            }
            tokio::select! {
                read = stdout.read(&mut out_buf), if out_open => out_open = self.absorb(Stream::Stdout, read, &out_buf),
                read = stderr.read(&mut err_buf), if err_open => err_open = self.absorb(Stream::Stderr, read, &err_buf),
                waited = child.wait(), if self.status.is_none() => {
                    self.status = Some(waited);
                    // Whatever the script left running goes with it.
                    self.begin_stop(None);
                }
                () = &mut timer, if watching && deadline.is_some() => self.begin_stop(Some(Stop::TimedOut)),
                () = self.control.wake.notified(), if watching => {}
                () = tokio::time::sleep(POLL), if self.term_at.is_some() => {}
                else => break,
            }
        }
        if self.group_done_at.is_some() {
            guard.disarm();
        }
        drop(guard);
        self.control.group.clear();
        self.result(timeout)
    }

    /// Sends SIGTERM to the group, once; records why.
    fn begin_stop(&mut self, why: Option<Stop>) {
        if why.is_some() && self.stop.is_none() && self.status.is_none() {
            self.stop = why;
        }
        if self.term_at.is_none() {
            self.term_at = Some(Instant::now());
            if !self.control.group.signal(libc::SIGTERM) && self.status.is_some() {
                self.group_done_at = self.term_at;
            }
        }
    }

    /// Moves the stop along (SIGKILL after the grace) and says whether the
    /// run is over.
    fn finished(&mut self, pipes_open: bool) -> bool {
        let now = Instant::now();
        if let (Some(term_at), None) = (self.term_at, self.group_done_at) {
            if self.status.is_some() && !self.control.group.alive() {
                // Only zombies left, or nobody: a last SIGKILL catches any
                // straggler forked while the group was being looked at.
                self.control.group.signal(libc::SIGKILL);
                self.group_done_at = Some(now);
            } else if let Some(kill_at) = self.kill_at {
                if self.status.is_some() && now >= kill_at + KILL_SETTLE {
                    self.group_done_at = Some(now);
                } else if self.status.is_none() && now >= kill_at + STUCK_LIMIT {
                    self.notes.push(format!(
                        "the command did not exit within {} of SIGKILL (stuck in the kernel?); stopped waiting for it",
                        humantime::format_duration(STUCK_LIMIT)
                    ));
                    return true;
                }
            } else if now >= term_at + TERM_GRACE {
                self.control.group.signal(libc::SIGKILL);
                self.kill_at = Some(now);
            }
        }
        let Some(done_at) = self.group_done_at else { return false };
        if self.status.is_none() {
            return false;
        }
        if !pipes_open {
            return true;
        }
        if now >= done_at + PIPE_GRACE {
            self.notes.push("stopped reading output: a process outside the command's process group still holds its pipes".into());
            return true;
        }
        false
    }

    /// Handles one read of a pipe; returns whether the pipe is still open.
    fn absorb(&mut self, stream: Stream, read: io::Result<usize>, buf: &[u8]) -> bool {
        match read {
            Ok(0) => {
                self.end_stream(stream);
                false
            }
            Ok(n) => {
                self.take(stream, &buf[..n.min(buf.len())]);
                true
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => true,
            Err(e) => {
                self.notes.push(format!("reading {}: {e}", stream_name(stream)));
                self.end_stream(stream);
                false
            }
        }
    }

    fn take(&mut self, stream: Stream, chunk: &[u8]) {
        self.bytes_seen += chunk.len() as u64;
        self.batch.clear();
        let cleaner = &mut self.cleaners[stream as usize];
        cleaner.feed(chunk, &mut self.batch);
        let pending = cleaner.pending();
        self.publish(stream, chunk.len() as u64, pending);
    }

    fn end_stream(&mut self, stream: Stream) {
        self.batch.clear();
        self.cleaners[stream as usize].finish(&mut self.batch);
        self.publish(stream, 0, None);
    }

    /// Hands the current batch to the capture and the live tail.
    fn publish(&mut self, stream: Stream, bytes: u64, pending: Option<String>) {
        self.capture.push(&self.batch.text);
        let batch = &self.batch;
        self.live.update(|tail| {
            tail.add_bytes(bytes);
            tail.push_lines(&batch.text, batch.lines);
            tail.set_pending(stream, pending);
        });
    }

    fn result(&mut self, timeout: Duration) -> RunResult {
        let (output, truncated) = std::mem::take(&mut self.capture).finish();
        let mut notes = std::mem::take(&mut self.notes);
        let (mut exit_code, mut signal) = (None, None);
        match &self.status {
            Some(Ok(status)) => {
                exit_code = status.code();
                signal = status.signal();
            }
            Some(Err(e)) => notes.insert(0, format!("waiting for the command failed: {e}")),
            None => {}
        }
        let outcome = match self.stop {
            Some(Stop::Cancelled) => Outcome::Cancelled,
            Some(Stop::TimedOut) => {
                notes.insert(0, format!("timed out after {}", humantime::format_duration(timeout)));
                Outcome::TimedOut
            }
            None if exit_code == Some(0) => Outcome::Succeeded,
            None => {
                if let Some(sig) = signal {
                    notes.insert(0, format!("killed by signal {}", signal_name(sig)));
                }
                Outcome::Failed
            }
        };
        RunResult {
            outcome,
            exit_code,
            signal,
            duration: Duration::ZERO,
            output,
            truncated,
            bytes_seen: self.bytes_seen,
            error: (!notes.is_empty()).then(|| notes.join("; ")),
            session: None,
        }
    }
}

fn stream_name(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    }
}

/// `9 (SIGKILL)` for the usual suspects, the number otherwise.
fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => return sig.to_string(),
    };
    format!("{sig} ({name})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(libc::SIGKILL), "9 (SIGKILL)");
        assert_eq!(signal_name(libc::SIGTERM), "15 (SIGTERM)");
        assert_eq!(signal_name(63), "63");
    }
}
