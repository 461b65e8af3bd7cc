//! Two consoles in pseudo-terminals on one PostgreSQL room, with a checklist
//! read from a Markdown doc: what alice ticks shows ticked, with her name,
//! on bob's screen; what bob claims shows on alice's; progress counts agree.

mod common;

use std::path::Path;

use common::pty::Console;

const DOC: &str = "# Payments cut-over

## Before the window

- [ ] Freeze merges to the payments repo
- [x] Warm the standby database
- [ ] Page the card-network liaison

## During the window 🚀

- [ ] Switch the router to the new processor
- [ ] Watch the authorisation rate for ten minutes
";

fn plan(dir: &Path, room: &str) -> String {
    std::fs::write(dir.join("cutover.md"), DOC).expect("doc written");
    let plan = format!(
        r#"
[deck]
name = "Payments cut-over"
environment = "staging"
room = "{room}"

[[check]]
id = "local"
tcp = {{ address = "127.0.0.1:9" }}

[[checklist]]
id = "cutover"
from = "cutover.md"
"#
    );
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).expect("plan written");
    path.to_string_lossy().into_owned()
}

#[test]
fn a_tick_in_one_console_shows_in_the_other_with_its_actor() {
    let url = common::postgres_url();
    let dir = tempfile::tempdir().expect("temp dir");
    let room = format!("checklist-room-{:08x}", fastrand::u32(..));
    let plan = plan(dir.path(), &room);
    let (home_a, home_b) = (dir.path().join("a"), dir.path().join("b"));
    let mut alice = Console::start(&["run", &plan, "--store", &url, "--as", "alice"], &home_a, 120, 36);
    let mut bob = Console::start(&["run", &plan, "--store", &url, "--as", "bob"], &home_b, 120, 36);
    for c in [&mut alice, &mut bob] {
        c.wait_for("▸Metrics");
        c.press(b"2");
        c.wait_for("▸Checklist 0/5 done");
        c.wait_for("During the window 🚀");
    }
    alice.press(b" ");
    alice.wait_for("Checklist 1/5 done");
    bob.wait_for("Checklist 1/5 done");
    bob.wait_for("[✓] Freeze merges to the payments repo");
    bob.wait_for("alice ");
    bob.wait_for("launch 1/5 (20%)");

    bob.press(b"\x1b[B");
    bob.press(b"c");
    alice.wait_for("bob is on this since");

    alice.press(b"\x1b[B");
    alice.press(b"s");
    alice.wait_for("Skip: Warm the standby database");
    alice.type_text("done last night");
    alice.press(b"\r");
    bob.wait_for("skipped by alice");
    bob.wait_for("done last night");
    bob.wait_for("1/5 done · 1 skipped");

    for c in [&mut alice, &mut bob] {
        c.press(b"q");
        assert!(c.wait_exit());
    }
}
