//! The child process: the script file, starting `/bin/sh FILE` in a process
//! group of its own, and signalling that whole group.
//!
//! The group id is the leader's pid, held in a [`GroupSlot`] that the run's
//! task and its [`Running`](super::Running) handle share, so either can kill
//! the group (the handle does on drop). A pid cannot be reused while a
//! process of its group lives; once the group is gone and the leader reaped,
//! the slot is cleared so nothing signals a recycled id later.

use std::io::{self, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicI32, Ordering};

use tempfile::NamedTempFile;
use tokio::process::{Child, Command};

/// The shell that runs scripts (absolute: a plan's `PATH` must not change
/// which shell runs).
pub const SHELL: &str = "/bin/sh";

/// Writes `script` to a fresh temporary file (mode 0600, removed when the
/// returned value is dropped).
pub(crate) fn write_script(script: &str) -> io::Result<NamedTempFile> {
    let mut file = tempfile::Builder::new().prefix("opsdeck-run-").suffix(".sh").tempfile()?;
    file.write_all(script.as_bytes())?;
    file.flush()?;
    Ok(file)
}

/// Starts `/bin/sh SCRIPT` with stdin from /dev/null, stdout and stderr
/// piped, `env` added to the inherited environment, in `cwd` when given, as
/// the leader of a new process group.
pub(crate) fn spawn(script: &Path, env: &[(String, String)], cwd: Option<&Path>) -> io::Result<Child> {
    let mut command = Command::new(SHELL);
    command
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .envs(env.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    command.spawn()
}

/// The process group of a run, while it may have members.
#[derive(Debug, Default)]
pub(crate) struct GroupSlot {
    /// The group id, 0 when none.
    pgid: AtomicI32,
}

impl GroupSlot {
    /// Remembers the group led by `leader` (a pid from `Child::id`).
    pub(crate) fn set(&self, leader: Option<u32>) {
        let pgid = leader
            .and_then(|pid| libc::pid_t::try_from(pid).ok())
            // killpg(0) and negative ids would signal other groups: never.
            .filter(|pid| *pid > 0)
            .unwrap_or(0);
        self.pgid.store(pgid, Ordering::SeqCst);
    }

    /// Forgets the group: nothing is signalled any more.
    pub(crate) fn clear(&self) {
        self.pgid.store(0, Ordering::SeqCst);
    }

    /// Sends `signal` to every process of the group. `false` when there is
    /// no group (any more) to signal.
    pub(crate) fn signal(&self, signal: libc::c_int) -> bool {
        let pgid = self.pgid.load(Ordering::SeqCst);
        if pgid <= 0 {
            return false;
        }
        // SAFETY: killpg only sends a signal; `pgid` is positive and names
        // the group our child leads (see the module doc on reuse).
        let sent = unsafe { libc::killpg(pgid, signal) };
        sent == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }

    /// Some process of the group still exists (zombies included).
    pub(crate) fn alive(&self) -> bool {
        self.signal(0)
    }
}

/// Kills the group with SIGKILL when dropped, unless disarmed: covers every
/// early return and the run's task being aborted.
pub(crate) struct KillOnDrop<'a> {
    slot: &'a GroupSlot,
    armed: bool,
}

impl<'a> KillOnDrop<'a> {
    pub(crate) fn new(slot: &'a GroupSlot) -> Self {
        KillOnDrop { slot, armed: true }
    }

    pub(crate) fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.slot.signal(libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_never_targets_our_own_group() {
        let slot = GroupSlot::default();
        for leader in [None, Some(0), Some(u32::MAX)] {
            slot.set(leader);
            assert!(!slot.signal(0), "{leader:?}");
        }
        slot.set(Some(4242));
        assert_eq!(slot.pgid.load(Ordering::SeqCst), 4242);
        slot.clear();
        assert!(!slot.alive());
    }

    #[test]
    fn script_file_holds_the_script_and_is_removed() {
        let file = write_script("echo hi").unwrap();
        let path = file.path().to_path_buf();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "echo hi");
        drop(file);
        assert!(!path.exists());
    }
}
