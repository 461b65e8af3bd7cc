//! Exactly once across processes: two real `opsdeck` consoles (two OS
//! processes in pseudo-terminals) on one PostgreSQL room confirm the same
//! rollback at the same instant, round after round (a fresh room each
//! round). In every other round the race is certain: the consoles reach the
//! store through a proxy that holds every byte until both have claimed, so
//! neither can see the other's claim first. In the rest the scheduler
//! decides: both claim, or one sees the other's claim and refuses.
//!
//! The command appends the pid of the console that runs it to a file and
//! then waits until the test lets it end (once the other console has
//! answered), so no round depends on how fast anything is. What is asserted
//! lasts: the journal (the claims, exactly one holding, one run finished),
//! the file (one execution, by the holder's console) and the screens (the
//! other console names the holder).

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::PATIENCE;
use common::proxy::Proxy;
use common::pty::Console;
use opsdeck::adapters::journal::{Actor, Body, Journal, Outcome};
use opsdeck_core::launch::Runs;

const ROUNDS: usize = 20;

fn plan(dir: &Path, ran: &Path, release: &Path) -> PathBuf {
    let text = format!(
        r#"
[deck]
name = "Race"
environment = "test"
[[check]]
id = "local"
command = {{ run = "echo 1", output = "number" }}
[[rollback]]
id = "race"
title = "Race to roll back"
run = "echo \"$PPID\" >> '{}'; while [ ! -e '{}' ]; do sleep 0.05; done; echo rolled back"
danger = "low"
timeout = "120s"
"#,
        ran.display(),
        release.display()
    );
    let path = dir.join("race.toml");
    std::fs::write(&path, text).expect("plan written");
    path
}

async fn journal_events(url: &str, room: &str) -> Vec<opsdeck::adapters::journal::Event> {
    let actor = Actor { name: "checker".into(), host: "test".into(), from: None };
    let j = Journal::open(Some(url), room, actor, true).await.expect("journal");
    j.sync(0).await.expect("events")
}

/// Whether `screen` tells that `holder` runs it: the rollback's detail
/// while the run goes on, on every console but the one running it.
fn names(screen: &str, holder: &str) -> bool {
    screen.contains(&format!("running on {holder}@"))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_confirming_together_run_the_rollback_once() {
    let proxy = Proxy::to_postgres().await;
    let url = proxy.url();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut raced = 0;
    for round in 0..ROUNDS {
        let certain = round % 2 == 0;
        let ran = dir.path().join(format!("ran-{round}.txt"));
        let release = dir.path().join(format!("release-{round}"));
        let plan = plan(dir.path(), &ran, &release);
        let plan_s = plan.to_string_lossy().to_string();
        let room = format!("race-{:08x}-{round}", fastrand::u32(..));
        let start = |name: &str| {
            let home = dir.path().join(format!("home-{name}-{round}"));
            Console::start(&["run", &plan_s, "--store", &url, "--room", &room, "--as", name], &home, 120, 34)
        };
        let mut alice = start("alice");
        let mut bob = start("bob");
        let pids = [("alice", alice.pid()), ("bob", bob.pid())];
        for c in [&mut alice, &mut bob] {
            c.wait_for("Race");
            c.press(b"4");
            c.wait_for("never run");
            c.press(b"\r");
            c.wait_for("Enter runs it");
        }
        if certain {
            proxy.stall();
        }
        // Both confirm within microseconds of each other.
        alice.press(b"\r");
        bob.press(b"\r");
        if certain {
            // Both have claimed while the store held everything back: neither
            // could have seen the other's claim.
            for c in [&alice, &bob] {
                c.wait_for("claiming race");
            }
            proxy.restore().await;
        } else {
            // Keys are read in order: once an Esc has closed the form (a
            // console that saw the other's claim first refuses and keeps it
            // open), that console's Enter has been handled too.
            for c in [&mut alice, &mut bob] {
                c.press(b"\x1b");
            }
            for c in [&alice, &bob] {
                c.wait_gone("Enter runs it");
            }
        }
        // The console that does not run it names the one that does, while
        // that run still goes on; only then may the run end.
        let deadline = Instant::now() + PATIENCE;
        let (holder, other) = loop {
            let (a, b) = (alice.text(), bob.text());
            if names(&b, "alice") {
                break ("alice", "bob");
            }
            if names(&a, "bob") {
                break ("bob", "alice");
            }
            assert!(Instant::now() < deadline, "round {round}: neither console names the other as running it\n{a}\n---\n{b}");
            std::thread::sleep(common::wait::POLL);
        };
        std::fs::write(&release, "").expect("release written");
        for c in [&alice, &bob] {
            c.wait_screen(&format!("round {round}: the run to finish"), PATIENCE, |s| s.contains("succeeded exit 0"));
        }
        if certain {
            // Its claim lost, and its status bar says to whom, and how that run ended.
            let loser = if other == "alice" { &alice } else { &bob };
            let said = format!("not run: {holder}@");
            loser.wait_screen(&format!("round {round}: {other} to say who claimed it first"), PATIENCE, |s| {
                s.lines().any(|l| l.contains(&said) && l.contains("claimed race first (succeeded"))
            });
        }
        let holder_pid = pids.iter().find(|(name, _)| *name == holder).map(|(_, pid)| *pid).expect("the holder's pid");
        // Both consoles quit: nothing they could still start is left.
        for c in [&mut alice, &mut bob] {
            if c.text().contains("Enter runs it") {
                c.press(b"\x1b");
                c.wait_gone("Enter runs it");
            }
            c.press(b"q");
            assert!(c.wait_exit(), "round {round}: a console did not quit cleanly:\n{}", c.text());
        }

        let events = journal_events(&common::postgres_url(), &room).await;
        let mut runs = Runs::default();
        for e in &events {
            if let Some(body) = Body::of(e) {
                runs.apply(e, &body);
            }
        }
        let claims: Vec<_> = runs.in_order().collect();
        let kinds: Vec<_> = events.iter().map(|e| format!("{} by {}", e.kind, e.actor.name)).collect();
        let holding: Vec<_> = claims.iter().filter(|c| !c.lost).collect();
        assert_eq!(holding.len(), 1, "round {round}: exactly one claim holds: {kinds:?}");
        assert_eq!(holding[0].actor.name, holder, "round {round}: the holder is the one named on screen: {kinds:?}");
        let finished: Vec<_> = claims.iter().filter_map(|c| c.finish.as_ref().map(|f| (c.run.clone(), f.outcome))).collect();
        assert_eq!(
            finished,
            [(holding[0].run.clone(), Outcome::Succeeded)],
            "round {round}: exactly one run finished, the holder's: {kinds:?}"
        );
        if certain {
            assert_eq!(claims.len(), 2, "round {round}: both claimed before either saw the other's claim: {kinds:?}");
        } else {
            assert!((1..=2).contains(&claims.len()), "round {round}: one or two claims: {kinds:?}");
        }
        if let [first, second] = claims[..] {
            raced += 1;
            let lost = if first.lost { first } else { second };
            assert_eq!(lost.actor.name, other, "round {round}: {kinds:?}");
            assert_eq!(lost.lost_to.as_deref(), Some(holding[0].run.as_str()), "round {round}: lost to the holder: {kinds:?}");
            let apart = (second.claimed_at_ms - first.claimed_at_ms).abs();
            eprintln!("round {round}: both claimed, {apart} ms apart");
        }
        let executions = std::fs::read_to_string(&ran).unwrap_or_default();
        assert_eq!(
            executions.lines().collect::<Vec<_>>(),
            [holder_pid.to_string()],
            "round {round}: the command ran exactly once, by {holder}'s console"
        );
    }
    eprintln!("{ROUNDS} rounds, one execution each; both consoles claimed in {raced}");
    assert!(raced * 2 >= ROUNDS, "the certain races alone are half the rounds: {raced}");
}
