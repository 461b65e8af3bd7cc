//! Running the real `opsdeck` in a pseudo-terminal and reading its screen
//! through a VT100 parser, as a person would see it.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub struct Console {
    pub parser: Arc<Mutex<vt100::Parser>>,
    pub child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    keys: Box<dyn Write + Send>,
    pump: Option<std::thread::JoinHandle<()>>,
}

impl Console {
    /// Starts `opsdeck ARGS` at `cols`x`rows` with its config and state in `home`.
    pub fn start(args: &[&str], home: &Path, cols: u16, rows: u16) -> Console {
        Console::start_with_env(args, home, cols, rows, &[])
    }

    /// [`Console::start`] with these variables added to its environment.
    pub fn start_with_env(args: &[&str], home: &Path, cols: u16, rows: u16, env: &[(&str, &str)]) -> Console {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_opsdeck"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env_remove("OPSDECK_STORE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Console::spawn(cmd, cols, rows)
    }

    /// Runs any command (`ssh` to `opsdeck serve`) at `cols`x`rows`.
    pub fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> Console {
        let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("a pty");
        let child = pair.slave.spawn_command(cmd).expect("the command starts");
        drop(pair.slave);
        let rows_nz = std::num::NonZero::new(rows).expect("rows");
        let cols_nz = std::num::NonZero::new(cols).expect("cols");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows_nz, cols_nz, 0)));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let feed = parser.clone();
        let pump = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut p) = feed.lock() {
                    p.process(&buf[..n]);
                }
            }
        });
        let keys = pair.master.take_writer().expect("pty writer");
        Console { parser, child, master: pair.master, keys, pump: Some(pump) }
    }

    /// Resizes the terminal (the program gets SIGWINCH; `ssh` sends a
    /// window change) and the parser that reads it.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.master.resize(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("pty resized");
        if let Ok(mut p) = self.parser.lock() {
            p.screen_mut().set_size(std::num::NonZero::new(rows).expect("rows"), std::num::NonZero::new(cols).expect("cols"));
        }
    }

    pub fn text(&self) -> String {
        self.parser.lock().map(|p| p.screen().contents()).unwrap_or_default()
    }

    /// Waits until the screen shows `needle`; panics with the screen if not.
    pub fn wait_for(&self, needle: &str) {
        self.wait_screen(&format!("the screen to show {needle:?}"), Duration::from_secs(20), |s| s.contains(needle));
    }

    /// Waits until the screen no longer shows `needle` (an overlay closed,
    /// a key taken); panics with the screen if it stays.
    pub fn wait_gone(&self, needle: &str) {
        self.wait_screen(&format!("{needle:?} to leave the screen"), Duration::from_secs(20), |s| !s.contains(needle));
    }

    /// Waits, at most `within`, until `cond` holds for the screen; returns
    /// that screen. Panics naming `what`, with the screen, if it never does.
    pub fn wait_screen(&self, what: &str, within: Duration, cond: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let screen = self.text();
            if cond(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "waited {within:?} for {what}, in vain; the screen shows:\n{screen}");
            std::thread::sleep(super::wait::POLL);
        }
    }

    pub fn press(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).expect("key sent");
        self.keys.flush().expect("flushed");
    }

    /// Types text and waits until the screen shows it (the field drew it).
    /// Keys reach the console in order, so what is pressed next follows it
    /// even when the same words were already on the screen.
    pub fn type_text(&mut self, text: &str) {
        self.press(text.as_bytes());
        self.wait_for(text);
    }

    /// Waits for the process to exit; returns whether it succeeded.
    pub fn wait_exit(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.success();
            }
            assert!(Instant::now() < deadline, "opsdeck did not quit:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process id of opsdeck.
    pub fn pid(&self) -> i32 {
        self.child.process_id().and_then(|p| i32::try_from(p).ok()).expect("opsdeck has a pid")
    }

    /// Sends `signal` to opsdeck.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill only sends a signal to our own child.
        let sent = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(sent, 0, "signal {signal} sent");
    }

    /// Waits for the process to exit; returns its exit code.
    pub fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.signal().is_none(), "opsdeck was killed by {:?}:\n{}", status.signal(), self.text());
                return status.exit_code();
            }
            assert!(Instant::now() < deadline, "opsdeck did not exit:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the terminal is in cooked mode (canonical input and echo on):
    /// false while a program holds it raw.
    pub fn cooked(&self) -> bool {
        let fd = self.master.as_raw_fd().expect("the pty's fd");
        // SAFETY: tcgetattr writes into the zeroed struct we own; fd is the
        // open pty master, whose attributes are the terminal's.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0, "tcgetattr");
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }

    /// After exit: whether the terminal was given back (main screen, cursor shown).
    pub fn restored(&mut self) -> (bool, bool) {
        let _ = self.master.resize(PtySize { rows: 1, cols: 1, pixel_width: 0, pixel_height: 0 });
        if let Some(p) = self.pump.take() {
            drop(std::mem::replace(&mut self.keys, Box::new(std::io::sink())));
            let _ = p.join();
        }
        let p = self.parser.lock().expect("parser");
        (!p.screen().alternate_screen(), !p.screen().hide_cursor())
    }
}
