//! `opsdeck serve` driven by the real OpenSSH client: keys made by
//! `ssh-keygen` in a temp dir, `ssh` in a pseudo-terminal read through a
//! VT100 parser, against the real server on a free port. Two operators and
//! an observer share one room; the observer changes nothing; an unknown key
//! is refused; a client killed mid-session and reconnected finds its
//! place (and a run it started kept running); a key removed from the file
//! ends its session; each session has its own size and colours; a client
//! that stops reading delays nobody; twenty sessions stay responsive.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::pty::Console;
use common::serve::{Serve, host_key_of};

/// Tabs from the metrics pane to the incidents pane.
fn to_incidents(c: &mut Console) {
    c.wait_for("▸Metrics");
    for pane in ["▸Checklist", "▸Runbook", "▸Incidents"] {
        c.press(b"\t");
        c.wait_for(pane);
    }
}

#[test]
fn two_operators_and_an_observer_share_one_room() {
    let serve = Serve::start(&[("alice", "operator"), ("carol", "operator"), ("bob", "observer")]);
    let mut alice = serve.ssh("alice", 110, 34);
    let mut carol = serve.ssh("carol", 110, 34);
    let mut bob = serve.ssh("bob", 110, 34);
    for c in [&mut alice, &mut carol, &mut bob] {
        c.wait_for("API health");
        assert!(c.parser.lock().expect("parser").screen().alternate_screen(), "on the alternate screen");
        to_incidents(c);
    }
    // Each console has its own pane: alice's tabs moved nobody else.
    alice.press(b"n");
    alice.wait_for("Open an incident");
    alice.type_text("Checkout errors in eu-west");
    alice.press(b"\t");
    alice.wait_for("‹ P");
    alice.press(b"\r");
    alice.wait_for("Incidents (1 open)");
    carol.wait_for("Checkout errors in eu-west");
    bob.wait_for("Checkout errors in eu-west");

    // carol raises it; alice and bob see it.
    carol.press(b"v");
    carol.wait_for("Severity of #");
    carol.press(b"\x1b[A");
    carol.wait_for("‹ P0 ›");
    carol.press(b"\t");
    carol.type_text("every region");
    carol.press(b"\r");
    alice.wait_for("◆ P0");
    bob.wait_for("◆ P0");

    // The observer: no form opens, nothing reaches the journal, and the
    // help has no actions that change the room.
    let before = serve.events().len();
    bob.press(b"n");
    bob.press(b"v");
    std::thread::sleep(Duration::from_millis(800));
    let screen = bob.text();
    assert!(!screen.contains("Open an incident") && !screen.contains("Severity of #"), "no form for an observer:\n{screen}");
    bob.press(b"?");
    bob.wait_for("Keys · keymap default");
    let help = bob.text();
    alice.press(b"?");
    alice.wait_for("Keys · keymap default");
    let alice_help = alice.text();
    assert!(alice_help.contains("ncident"), "an operator's help names the incident actions:\n{alice_help}");
    assert!(
        help.lines().filter(|l| l.contains("ncident")).count() < alice_help.lines().filter(|l| l.contains("ncident")).count(),
        "the observer's help lacks them:\n{help}"
    );
    let events = serve.events();
    assert!(events[before..].iter().all(|e| e.actor.name != "bob"), "bob appended nothing");

    // Events carry the key's name and fingerprint.
    let opened = events.iter().find(|e| e.kind == "incident.opened").expect("the incident was recorded");
    assert_eq!(opened.actor.name, "alice");
    let from = opened.actor.from.clone().unwrap_or_default();
    let fingerprint = Command::new("ssh-keygen").arg("-lf").arg(serve.key("alice.pub")).output().expect("ssh-keygen -l");
    let fingerprint = String::from_utf8_lossy(&fingerprint.stdout).split_whitespace().nth(1).unwrap_or_default().to_string();
    assert!(from.contains(&fingerprint) && fingerprint.starts_with("SHA256:"), "{from:?} carries {fingerprint}");
    assert!(events.iter().any(|e| e.kind == "incident.severity" && e.actor.name == "carol"));

    // Quitting gives the terminal back.
    alice.press(b"\x1b");
    alice.wait_gone("Keys · keymap default");
    alice.press(b"q");
    assert!(alice.wait_exit(), "ssh ended cleanly");
    assert_eq!(alice.restored(), (true, true), "main screen, cursor shown");
}

#[test]
fn an_unknown_key_is_refused_and_the_host_key_is_kept() {
    let serve = Serve::start(&[("alice", "operator")]);
    // The host key was made on the first start and is kept.
    let host_key = serve.home.path().join("state/opsdeck/serve/host_ed25519");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&host_key).expect("host key kept").permissions());
    assert_eq!(mode & 0o777, 0o600, "private");
    let first = host_key_of(&serve.said);
    assert!(first.starts_with("SHA256:"), "{}", serve.said);
    let serve = serve.restart(&["--demo", "--speed", "4"]);
    assert_eq!(host_key_of(&serve.said), first, "the same host key after a restart");

    let mut eve = serve.ssh("eve", 80, 24);
    // Said at authentication (the pump may show it just after ssh exits).
    eve.wait_for("Permission denied (publickey)");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = eve.child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "ssh with an unknown key still runs:\n{}", eve.text());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "refused");
}

#[test]
fn a_dropped_client_finds_its_place_and_a_removed_key_is_shown_out() {
    let serve = Serve::start(&[("alice", "operator"), ("carol", "operator")]);
    let mut alice = serve.ssh("alice", 100, 30);
    alice.wait_for("▸Metrics");
    alice.press(b"\t");
    alice.wait_for("▸Checklist");
    // The checklist's own filter (each pane keeps its own).
    alice.press(b"/");
    alice.type_text("checkout");
    alice.press(b"\r");
    alice.wait_gone("Enter keeps");
    alice.wait_for("filter \"checkout\"");
    // Killed mid-session: no goodbye, the TCP connection just goes.
    alice.child.kill().expect("ssh killed");
    let _ = alice.child.wait();
    let again = serve.ssh("alice", 100, 30);
    again.wait_for("▸Checklist");
    again.wait_for("filter \"checkout\"");
    // A different key gets its own console, from the start.
    let carol = serve.ssh("carol", 100, 30);
    carol.wait_for("▸Metrics");

    serve.set_keys(&[("alice", "operator")]);
    carol.wait_for("your key was removed");
    let mut carol = carol;
    assert!(!carol.wait_exit(), "the session ended");
    again.wait_for("▸Checklist");
}

#[test]
fn twenty_sessions_stay_responsive() {
    let people: Vec<(String, &str)> = (0..20).map(|i| (format!("p{i:02}"), "operator")).collect();
    let refs: Vec<(&str, &str)> = people.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    let serve = Serve::start(&refs);
    let mut consoles: Vec<Console> = people.iter().map(|(n, _)| serve.ssh(n, 80, 24)).collect();
    for c in &consoles {
        c.wait_for("API health");
    }
    let started = Instant::now();
    for c in &mut consoles {
        c.press(b"\t");
    }
    for c in &consoles {
        c.wait_for("▸Checklist");
    }
    let took = started.elapsed();
    eprintln!("20 sessions: a key reached every screen within {took:?}");
    assert!(took < Duration::from_secs(10), "responsive: {took:?}");
}

#[test]
fn a_run_started_by_a_dropped_session_keeps_running() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = home.path().join("plan.toml");
    std::fs::write(
        &plan,
        r#"
[deck]
name = "Walk"
environment = "staging"
room = "walk"

[[check]]
id = "local"
tcp = { address = "127.0.0.1:9" }

[[runbook]]
id = "walk"
title = "Walk the runbook"
steps = [
  { title = "Slow step", run = "echo begun-$((40+2)); sleep 3; echo ended-$((40+2))" },
]
"#,
    )
    .expect("plan written");
    let plan = plan.to_string_lossy().into_owned();
    let serve = Serve::start_with(&[("alice", "operator")], home, &[plan.as_str()]);
    let mut alice = serve.ssh("alice", 120, 40);
    alice.wait_for("▸Metrics");
    alice.press(b"3");
    alice.wait_for("▸Runbook: Walk the runbook 0/1 steps");
    alice.press(b"\r");
    alice.wait_for("begun-42");
    alice.child.kill().expect("ssh killed");
    let _ = alice.child.wait();
    let again = serve.ssh("alice", 120, 40);
    again.wait_for("▸Runbook: Walk the runbook");
    again.wait_for("ended-42");
    again.wait_for("succeeded exit 0");
}

#[test]
fn a_client_that_stops_reading_delays_nobody() {
    let serve = Serve::start(&[("alice", "operator"), ("carol", "operator")]);
    let mut alice = serve.ssh("alice", 100, 30);
    let mut carol = serve.ssh("carol", 100, 30);
    alice.wait_for("▸Metrics");
    carol.wait_for("▸Metrics");
    // carol's ssh stops reading: its socket and SSH window fill up.
    // SAFETY: kill only sends a signal to our own child.
    let carol_pid = carol.child.process_id().and_then(|p| i32::try_from(p).ok()).expect("pid");
    assert_eq!(unsafe { libc::kill(carol_pid, libc::SIGSTOP) }, 0);
    let started = Instant::now();
    for (key, pane) in [(b"3", "▸Runbook"), (b"1", "▸Metrics"), (b"3", "▸Runbook")] {
        alice.press(key);
        alice.wait_for(pane);
    }
    std::thread::sleep(Duration::from_secs(3));
    for (key, pane) in [(b"1", "▸Metrics"), (b"3", "▸Runbook")] {
        alice.press(key);
        alice.wait_for(pane);
    }
    eprintln!("alice's six panes while carol read nothing: {:?}", started.elapsed());
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(carol_pid, libc::SIGCONT) }, 0);
    carol.press(b"3");
    carol.wait_for("▸Runbook");
}

#[test]
fn each_session_has_its_size_and_colours() {
    let serve = Serve::start(&[("alice", "operator"), ("carol", "operator")]);
    let alice = serve.ssh("alice", 100, 30);
    let carol = serve.ssh_as("carol", 100, 30, "xterm");
    alice.wait_for("API health");
    carol.wait_for("API health");
    // (RGB cells, cells from the 256-colour palette beyond the first 16)
    let colours = |c: &Console| {
        let p = c.parser.lock().expect("parser");
        let screen = p.screen();
        let (rows, cols) = screen.size();
        let (mut rgb, mut indexed) = (0, 0);
        for r in 0..rows.get() {
            for col in 0..cols.get() {
                if let Some(cell) = screen.cell(r, col) {
                    for colour in [cell.fgcolor(), cell.bgcolor()] {
                        match colour {
                            vt100::Color::Rgb(..) => rgb += 1,
                            vt100::Color::Idx(i) if i >= 16 => indexed += 1,
                            _ => {}
                        }
                    }
                }
            }
        }
        (rgb, indexed)
    };
    let (rgb, indexed) = colours(&alice);
    assert!(
        rgb == 0 && indexed > 0,
        "a 256-colour terminal without COLORTERM gets the plan's theme in 256 colours: {rgb} RGB, {indexed} indexed"
    );
    assert_eq!(colours(&carol), (0, 0), "a plain xterm gets 16 colours");

    // alice's window shrinks: her console redraws at 80x24 (its bottom row
    // is the status bar again); carol's stays 100 wide.
    alice.resize(80, 24);
    alice.wait_screen("a frame at 80x24", Duration::from_secs(20), |s| s.lines().nth(23).is_some_and(|l| l.contains("? help")));
    let carol_width = carol.text().lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(carol_width > 80, "carol keeps her width: {carol_width}");
}
