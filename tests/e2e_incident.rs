//! End to end in a pseudo-terminal: open an incident from the incidents
//! pane, raise it to P0 with a reason, and see it in the pane and on the
//! room's timeline; then restart and find it again (it was in the journal).

mod common;

use common::pty::Console;

const UP: &[u8] = b"\x1b[A";

#[test]
fn open_an_incident_and_raise_it_to_p0() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut c = Console::start(&["demo", "--as", "alice"], home.path(), 110, 34);
    c.wait_for("▸Metrics");
    for pane in ["▸Checklist", "▸Runbook", "▸Incidents"] {
        c.press(b"\t");
        c.wait_for(pane);
    }
    c.press(b"n");
    c.wait_for("Open an incident");
    c.type_text("Checkout errors in eu-west");
    c.press(b"\t");
    c.wait_for("‹ P");
    c.press(b"\r");
    // The row itself (not the form's text, nor the demo's own appends
    // saying "saved to the room"): the incident is folded and selected.
    c.wait_for("Incidents (1 open)");
    c.wait_for("investigating");
    c.press(b"v");
    c.wait_for("Severity of #");
    c.wait_for("‹ P1 ›");
    c.press(UP);
    c.wait_for("‹ P0 ›");
    c.press(b"\t");
    c.type_text("every region is failing");
    c.press(b"\r");
    c.wait_for("◆ P0");
    c.press(b"t");
    c.wait_for("Timeline · room demo-shop");
    c.wait_for("Severity raised");
    c.wait_for("alice");
    c.press(b"\x1b");
    // The timeline closed: the Esc was read on its own, so the q cannot join it.
    c.wait_gone("Timeline · room demo-shop");
    c.wait_for("▸Incidents");
    c.press(b"q");
    assert!(c.wait_exit(), "clean exit");
    assert_eq!(c.restored(), (true, true), "terminal restored");

    // The journal kept it: a new console on the same room shows it.
    let mut again = Console::start(&["demo", "--as", "bob"], home.path(), 110, 34);
    again.wait_for("◆ P0");
    again.wait_for("Checkout errors in eu-west");
    again.press(b"q");
    assert!(again.wait_exit());
}
