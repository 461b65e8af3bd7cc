//! End to end: the real `opsdeck demo` in a pseudo-terminal, read through a
//! VT100 parser as a person would see it. Opens help, moves focus, opens a
//! detail, quits, and checks that the terminal was given back (alternate
//! screen left, cursor shown).

mod common;

use common::pty::Console;

#[test]
fn demo_in_a_pseudo_terminal() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut c = Console::start(&["demo", "--speed", "4"], home.path(), 100, 30);
    c.wait_for("DEMO");
    c.wait_for("▸Metrics (9)");
    c.wait_for("API health");
    assert!(c.parser.lock().expect("parser").screen().alternate_screen(), "runs on the alternate screen");

    // Each key waits for its effect: an Esc followed at once by another key
    // would reach the program as one Alt-chord.
    c.press(b"?");
    c.wait_for("Keys · keymap default");
    c.wait_for("Quit opsdeck");
    c.press(b"\x1b");
    // The help closed: the Esc was read on its own, so the Tab below cannot join it.
    c.wait_gone("Keys · keymap default");
    c.wait_for("▸Metrics");

    c.press(b"\t");
    c.wait_for("▸Checklist");
    c.press(b"\t");
    c.wait_for("▸Runbook");
    c.press(b"\t");
    c.wait_for("▸Incidents");
    c.press(b"\t");
    c.wait_for("▸Changes");
    c.press(b"\t");
    c.wait_for("▸Rollback");
    c.press(b"\t");
    c.wait_for("▸Metrics");

    c.press(b"/");
    c.type_text("health");
    c.wait_for("filter \"health\"");
    c.wait_for("Metrics (1 of 9");
    c.press(b"\r");
    c.press(b"\r");
    c.wait_for("Why");
    c.wait_for("Band       target < 200");
    c.press(b"\x1b");
    c.wait_gone("Band       target < 200");
    c.wait_for("▸Metrics");

    c.press(b"q");
    assert!(c.wait_exit(), "clean exit");
    assert_eq!(c.restored(), (true, true), "alternate screen left and cursor shown");
}
