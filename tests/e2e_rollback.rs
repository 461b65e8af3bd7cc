//! The whole loop in a pseudo-terminal, as a person sees it: the demo shop
//! degrades, the trigger proposes the rollback, the user opens it, reads
//! the preview, types the action's id, and the command runs and its output
//! shows; the shop recovers.

mod common;

use std::time::{Duration, Instant};

use common::pty::Console;

/// Waits up to `secs` for `needle` on the screen.
fn wait_long(c: &Console, needle: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if c.text().contains(needle) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("screen never showed {needle:?} within {secs}s; it shows:\n{}", c.text());
}

#[test]
fn the_trigger_proposes_the_user_types_the_id_and_the_rollback_runs() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut c = Console::start(&["demo", "--speed", "2", "--as", "alice"], home.path(), 110, 34);
    c.wait_for("Demo shop launch");
    c.press(b"4");
    c.wait_for("previous-release");
    c.wait_for("never run");
    // The latency spike makes the trigger propose the rollback (at speed 2,
    // p95 critical for 10s: about 40 s in, well before the story recovers).
    wait_long(&c, "PROPOSED by errors-high", 90);
    assert!(c.text().contains("rollback previous-release proposed"), "the status bar says so:\n{}", c.text());
    c.press(b"\r");
    // The preview's output (the shop's health JSON), not its command line,
    // which the form shows while the preview runs and which names the same
    // words: confirming before the preview ends is refused.
    wait_long(&c, "\"uptime\":", 20);
    assert!(c.text().contains("would switch the demo shop from 3.0.0-demo back to 2.9.4"), "{}", c.text());
    c.wait_for("Type the action id");
    // A wrong id runs nothing.
    c.type_text("previous");
    c.press(b"\r");
    c.wait_for("type previous-release to run it");
    c.type_text("-release");
    c.press(b"\r");
    wait_long(&c, "rolled back from 3.0.0-demo to 2.9.4", 15);
    c.wait_for("succeeded exit 0");
    c.wait_for("verify check api");
    // The timeline has the whole story, with who did what.
    c.press(b"t");
    c.wait_for("Trigger errors-high proposes rollback previous-release");
    c.wait_for("Confirmed rollback previous-release");
    c.press(b"q");
    assert!(c.wait_exit(), "opsdeck quits cleanly");
}
