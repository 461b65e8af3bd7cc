//! `opsdeck serve` for the tests that drive it with the real OpenSSH
//! client: a server on a free port in its own home, keys made by
//! `ssh-keygen`, `ssh` in a pseudo-terminal, and the room's events read
//! back from its journal.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::pty::Console;
use opsdeck::adapters::journal::{SqliteStore, read_all};
use portable_pty::CommandBuilder;

/// A running `opsdeck serve --demo` with its home and keys.
pub struct Serve {
    pub child: Child,
    pub port: u16,
    pub home: tempfile::TempDir,
    /// What it said when it started listening.
    pub said: String,
}

/// Starts `opsdeck serve WHAT` in `home`; its process, port and first line.
pub fn spawn(home: &Path, what: &[&str]) -> (Child, u16, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("serve")
        .args(what)
        .args(["--listen", "127.0.0.1:0", "--keys"])
        .arg(home.join("keys"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("OPSDECK_STORE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("opsdeck serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    lines.read_line(&mut line).expect("serve says where it listens");
    let port = line
        .split(" on 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    // Keep draining what it says so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.lines() {});
    (child, port, line)
}

/// The host key fingerprint in what serve said.
pub fn host_key_of(said: &str) -> String {
    said.split("host key ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or_default().to_string()
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes an Ed25519 key pair `name` in `dir`; returns its public line.
pub fn keygen(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    let ok =
        Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"]).arg(&path).status().expect("ssh-keygen runs");
    assert!(ok.success(), "ssh-keygen made {name}");
    let public = std::fs::read_to_string(path.with_extension("pub")).expect("public key");
    public.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

impl Serve {
    /// The demo, with keys for `people` ((name, role)), plus `eve` who is not in the file.
    pub fn start(people: &[(&str, &str)]) -> Serve {
        Serve::start_with(people, tempfile::tempdir().expect("temp dir"), &["--demo", "--speed", "4"])
    }

    /// [`Serve::start`] in `home`, serving what `what` says (a plan or `--demo`).
    pub fn start_with(people: &[(&str, &str)], home: tempfile::TempDir, what: &[&str]) -> Serve {
        let keys: String = people.iter().map(|(name, role)| format!("{} {name} {role}\n", keygen(home.path(), name))).collect();
        keygen(home.path(), "eve");
        std::fs::write(home.path().join("keys"), keys).expect("keys file");
        let (child, port, said) = spawn(home.path(), what);
        Serve { child, port, home, said }
    }

    /// Stops the server and starts it again in the same home (keys, state).
    pub fn restart(mut self, what: &[&str]) -> Serve {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, port, said) = spawn(self.home.path(), what);
        self.child = child;
        self.port = port;
        self.said = said;
        self
    }

    pub fn key(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// `ssh` with `name`'s key, in a pseudo-terminal of `cols`x`rows`.
    pub fn ssh(&self, name: &str, cols: u16, rows: u16) -> Console {
        self.ssh_as(name, cols, rows, "xterm-256color")
    }

    /// [`Serve::ssh`] from a terminal that calls itself `term`.
    pub fn ssh_as(&self, name: &str, cols: u16, rows: u16, term: &str) -> Console {
        let mut cmd = CommandBuilder::new("ssh");
        cmd.arg("-F");
        cmd.arg("/dev/null");
        cmd.arg("-i");
        cmd.arg(self.key(name));
        for opt in ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "IdentitiesOnly=yes", "BatchMode=yes", "LogLevel=ERROR"] {
            cmd.arg("-o");
            cmd.arg(opt);
        }
        cmd.arg("-p");
        cmd.arg(self.port.to_string());
        cmd.arg("-tt");
        cmd.arg(format!("{name}@127.0.0.1"));
        cmd.env("TERM", term);
        cmd.env("LANG", "C.UTF-8");
        Console::spawn(cmd, cols, rows)
    }

    /// The demo room's events, read from its SQLite journal.
    pub fn events(&self) -> Vec<opsdeck::adapters::journal::Event> {
        self.events_of("demo-shop")
    }

    /// The events of `room`, read from its SQLite journal.
    pub fn events_of(&self, room: &str) -> Vec<opsdeck::adapters::journal::Event> {
        let store = SqliteStore::new(self.home.path().join("state").join("opsdeck").join("rooms"));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(read_all(&store, room, 0, 1000)).expect("journal readable")
    }

    pub fn set_keys(&self, people: &[(&str, &str)]) {
        let keys: String = people
            .iter()
            .map(|(name, role)| {
                let public = std::fs::read_to_string(self.key(name).with_extension("pub")).expect("public key");
                format!("{} {name} {role}\n", public.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            })
            .collect();
        std::fs::write(self.home.path().join("keys"), keys).expect("keys file");
    }
}
