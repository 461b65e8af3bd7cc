//! Running one shell command for a probe: `sh -c RUN` in a process group of
//! its own, stdin closed, stdout and stderr captured up to [`CAPTURE_LIMIT`]
//! each (the rest is read and thrown away, so the command never blocks on a
//! full pipe and memory stays bounded).
//!
//! The whole process group gets SIGKILL when the deadline passes, when the run
//! is dropped midway (the scheduler's own timeout cancels the future), and
//! right after the command exits, so a probe never leaves anything running.

use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};

/// Most bytes kept of stdout, and of stderr.
pub const CAPTURE_LIMIT: usize = 64 * 1024;

/// How long to keep reading the pipes after the command exited, in case
/// something that left the process group still holds them open.
const PIPE_GRACE: Duration = Duration::from_millis(250);

/// What to run, where, and with which extra environment variables (added to
/// the inherited environment).
pub struct ShellCommand<'a> {
    pub run: &'a str,
    pub cwd: Option<&'a Path>,
    pub env: &'a [(String, String)],
}

/// The first [`CAPTURE_LIMIT`] bytes of a stream.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Captured {
    pub bytes: Vec<u8>,
    /// More was written than was kept.
    pub truncated: bool,
}

impl Captured {
    fn push(&mut self, chunk: &[u8]) {
        let room = CAPTURE_LIMIT.saturating_sub(self.bytes.len());
        if chunk.len() > room {
            self.truncated = true;
        }
        self.bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }

    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// A command that ran to its end.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Captured,
    pub stderr: Captured,
}

#[derive(Debug)]
pub enum RunError {
    /// The command could not be started.
    Spawn(io::Error),
    /// The deadline passed; the process group was killed.
    TimedOut,
    /// Waiting for the command failed.
    Wait(io::Error),
}

/// Runs the command to its end or until `deadline` passes.
pub async fn run_shell(cmd: &ShellCommand<'_>, deadline: Duration) -> Result<Finished, RunError> {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(cmd.run)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .envs(cmd.env.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = cmd.cwd {
        command.current_dir(dir);
    }
    let mut child = command.spawn().map_err(RunError::Spawn)?;
    // From here on, dropping `group` (an early return, or this future being
    // dropped) kills everything the command started.
    let mut group = GroupGuard::new(child.id());
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(RunError::Wait(io::Error::other("the command's pipes are missing")));
    };
    let mut out = Captured::default();
    let mut err = Captured::default();
    let waited = tokio::time::timeout(deadline, wait_and_drain(&mut child, &mut group, stdout, stderr, &mut out, &mut err)).await;
    match waited {
        Ok(Ok(status)) => Ok(Finished { status, stdout: out, stderr: err }),
        Ok(Err(e)) => Err(RunError::Wait(e)),
        Err(_) => {
            // The leader is not reaped yet, so its pid still names the group.
            // Dropping `child` hands the killed leader to tokio's reaper.
            group.kill();
            Err(RunError::TimedOut)
        }
    }
}

async fn wait_and_drain(
    child: &mut Child,
    group: &mut GroupGuard,
    stdout: impl AsyncRead + Unpin,
    stderr: impl AsyncRead + Unpin,
    out: &mut Captured,
    err: &mut Captured,
) -> io::Result<ExitStatus> {
    let drains = async {
        tokio::join!(drain(stdout, out), drain(stderr, err));
    };
    tokio::pin!(drains);
    let mut drained = false;
    let status = tokio::select! {
        status = child.wait() => status?,
        () = &mut drains => {
            drained = true;
            child.wait().await?
        }
    };
    group.leader_exited();
    if !drained {
        let _ = tokio::time::timeout(PIPE_GRACE, drains).await;
    }
    Ok(status)
}

/// Reads a stream to its end, keeping the first [`CAPTURE_LIMIT`] bytes.
async fn drain(mut reader: impl AsyncRead + Unpin, into: &mut Captured) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => into.push(&buf[..n]),
        }
    }
}

/// Kills the command's process group (SIGKILL) when dropped, unless the
/// group leader has been reaped.
struct GroupGuard {
    /// The group id (the leader's pid) while the leader is not reaped.
    pgid: Option<libc::pid_t>,
}

impl GroupGuard {
    fn new(leader: Option<u32>) -> Self {
        let pgid = leader
            .and_then(|pid| libc::pid_t::try_from(pid).ok())
            // killpg(0) would signal our own group: never.
            .filter(|pid| *pid > 0);
        Self { pgid }
    }

    fn kill(&self) {
        if let Some(pgid) = self.pgid {
            // SAFETY: killpg only sends a signal; `pgid` is positive and is
            // the group our child leads (its pid is not reused before reaping).
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }

    /// The leader exited and was reaped: kill what it left behind, then
    /// forget the id. (Were the group already empty, its id could in theory
    /// be recycled between the reap and this signal; that needs the pid
    /// counter to wrap within microseconds.)
    fn leader_exited(&mut self) {
        self.kill();
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_keeps_the_first_bytes_only() {
        let mut c = Captured::default();
        c.push(&[b'a'; 1000]);
        assert!(!c.truncated);
        c.push(&vec![b'b'; CAPTURE_LIMIT]);
        assert_eq!(c.bytes.len(), CAPTURE_LIMIT);
        assert!(c.truncated);
        assert_eq!(&c.bytes[..1000], &[b'a'; 1000][..]);
        c.push(b"c");
        assert_eq!(c.bytes.len(), CAPTURE_LIMIT);
    }

    #[test]
    fn guard_never_targets_our_own_group() {
        assert_eq!(GroupGuard::new(Some(0)).pgid, None);
        assert_eq!(GroupGuard::new(None).pgid, None);
        assert_eq!(GroupGuard::new(Some(u32::MAX)).pgid, None);
        let mut g = GroupGuard::new(Some(4242));
        assert_eq!(g.pgid, Some(4242));
        g.pgid = None; // do not signal a made-up group on drop
    }

    #[tokio::test]
    async fn huge_output_is_bounded_and_drained() {
        let cmd = ShellCommand { run: "yes | head -c 50000000; echo done >&2", cwd: None, env: &[] };
        let f = run_shell(&cmd, Duration::from_secs(30)).await.unwrap();
        assert!(f.status.success());
        assert_eq!(f.stdout.bytes.len(), CAPTURE_LIMIT);
        assert!(f.stdout.truncated);
        assert_eq!(f.stderr.text(), "done\n");
    }
}
