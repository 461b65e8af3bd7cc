//! The child process: the script file, starting `/bin/sh FILE` in a session
//! (and so a process group) of its own, and signalling that whole group.
//!
//! A new session rather than only a new process group: the child then has
//! no controlling terminal, so a command that wants to prompt on `/dev/tty`
//! (`sudo`, `ssh` asking for a password) fails at once with a message
//! instead of being stopped by SIGTTIN until the timeout, or drawing over
//! the console's screen.
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

use super::interpreter::Interpreter;

/// Writes `script` to a fresh temporary file (mode 0600, removed when the
/// returned value is dropped).
pub(crate) fn write_script(script: &str) -> io::Result<NamedTempFile> {
    let mut file = tempfile::Builder::new().prefix("opsdeck-run-").suffix(".sh").tempfile()?;
    file.write_all(script.as_bytes())?;
    file.flush()?;
    Ok(file)
}

/// Starts `INTERPRETER SCRIPT` (`/bin/sh SCRIPT` for most) with stdin from /dev/null, stdout and stderr
/// piped, `env` added to the inherited environment, in `cwd` when given, as
/// the leader of a new session and process group (whose id is its pid).
pub(crate) fn spawn(interpreter: &Interpreter, script: &Path, env: &[(String, String)], cwd: Option<&Path>) -> io::Result<Child> {
    let mut command = Command::new(&interpreter.program);
    command
        .args(&interpreter.args)
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .envs(env.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    // SAFETY: runs in the forked child before exec; setsid is
    // async-signal-safe and touches no memory of ours.
    unsafe {
        command.pre_exec(|| if libc::setsid() == -1 { Err(io::Error::last_os_error()) } else { Ok(()) });
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

    /// Some process of the group is still alive. Zombies do not count when
    /// `/proc` can tell (an orphan's zombie lasts until some reaper gets to
    /// it, which could be a while); where it cannot, they do.
    pub(crate) fn alive(&self) -> bool {
        let pgid = self.pgid.load(Ordering::SeqCst);
        if !self.signal(0) {
            return false;
        }
        live_members(pgid).unwrap_or(true)
    }
}

/// Whether a process of group `pgid` is running (not a zombie), from
/// `/proc/PID/stat`; `None` when `/proc` cannot be read.
fn live_members(pgid: libc::pid_t) -> Option<bool> {
    let dir = std::fs::read_dir("/proc").ok()?;
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        // Gone meanwhile, or not ours to read: skip.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        if let Some((state, group)) = state_and_group(&stat)
            && group == pgid
            && state != "Z"
            && state != "X"
        {
            return Some(true);
        }
    }
    Some(false)
}

/// The state (`R`, `S`, `Z`, …) and process group of a `/proc/PID/stat`
/// line: `pid (comm) state ppid pgrp …`, where comm may hold spaces and
/// parentheses (hence the last `)`).
fn state_and_group(stat: &str) -> Option<(&str, libc::pid_t)> {
    let (_, rest) = stat.rsplit_once(") ")?;
    let mut fields = rest.split(' ');
    let state = fields.next()?;
    let _ppid = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    Some((state, group))
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
    fn stat_lines_are_parsed() {
        let stat = "4242 (sh) S 1 4242 4242 0 -1 4194560 109 0 0 0";
        assert_eq!(state_and_group(stat), Some(("S", 4242)));
        let odd = "77 (a) b (c) Z 1 70 70 0";
        assert_eq!(state_and_group(odd), Some(("Z", 70)));
        assert_eq!(state_and_group("garbage"), None);
    }

    #[test]
    fn our_own_group_is_alive() {
        // SAFETY: getpgrp has no preconditions.
        let own = unsafe { libc::getpgrp() };
        assert_eq!(live_members(own), Some(true));
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
