//! End to end: the real `opsdeck demo` in a pseudo-terminal, read through a
//! VT100 parser as a person would see it. Opens help, moves focus, opens a
//! detail, quits, and checks that the terminal was given back (alternate
//! screen left, cursor shown).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Waits until the screen shows `needle`; panics with the screen if not.
    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.text().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("screen never showed {needle:?}; it shows:\n{}", self.text());
    }
}

#[test]
fn demo_in_a_pseudo_terminal() {
    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.args(["demo", "--speed", "4"]);
    cmd.env("TERM", "xterm-256color");
    cmd.env("LANG", "C.UTF-8");
    let home = tempfile::tempdir().expect("temp dir");
    cmd.env("XDG_CONFIG_HOME", home.path());
    cmd.env("XDG_STATE_HOME", home.path());
    let mut child = pair.slave.spawn_command(cmd).expect("opsdeck starts");
    drop(pair.slave);
    let parser = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZero::new(30).expect("rows"),
        std::num::NonZero::new(100).expect("cols"),
        0,
    )));
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
    let mut keys = pair.master.take_writer().expect("pty writer");
    let mut press = |k: &[u8]| {
        keys.write_all(k).expect("key sent");
        keys.flush().expect("flushed");
    };
    let screen = Screen {
        parser: parser.clone(),
    };

    screen.wait_for("DEMO");
    screen.wait_for("▸Metrics (9)");
    screen.wait_for("API health");
    assert!(
        parser.lock().expect("parser").screen().alternate_screen(),
        "runs on the alternate screen"
    );

    press(b"?");
    screen.wait_for("Keys · keymap default");
    screen.wait_for("Quit opsdeck");
    press(b"\x1b");
    screen.wait_for("▸Metrics");

    press(b"\t");
    screen.wait_for("▸Changes");
    press(b"\t");
    screen.wait_for("▸Metrics");

    press(b"/");
    press(b"api");
    screen.wait_for("filter \"api\"");
    press(b"\r");
    press(b"\r");
    screen.wait_for("Why");
    screen.wait_for("Band       target < 200");
    press(b"\x1b");

    press(b"q");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "opsdeck did not quit:\n{}",
            screen.text()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    drop(pair.master);
    let _ = pump.join();
    let p = parser.lock().expect("parser");
    assert!(
        !p.screen().alternate_screen(),
        "the alternate screen was left"
    );
    assert!(!p.screen().hide_cursor(), "the cursor is shown again");
}
