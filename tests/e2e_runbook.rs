//! End to end in a pseudo-terminal: walk a three-step runbook (confirm a
//! manual step, run a command and see its output, see a failing command's
//! exit code), find the progress again after a restart; cancel a long step
//! and see its process gone; let a step print 50 MB and stay responsive
//! with the stored output bounded.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::pty::Console;
use opsdeck::adapters::journal::{Body, SqliteStore, read_all};

const DOWN: &[u8] = b"\x1b[B";

fn write_plan(dir: &Path, steps: &str) -> String {
    let plan = format!(
        r#"
[deck]
name = "Runbook walk"
environment = "staging"
room = "walk"

[[check]]
id = "local"
tcp = {{ address = "127.0.0.1:9" }}

[[runbook]]
id = "walk"
title = "Walk the runbook"
env = {{ WHO = "the-runbook", DEPLOY_TOKEN = "tok-very-secret-42" }}
steps = [
{steps}
]
"#
    );
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).expect("plan written");
    path.to_string_lossy().into_owned()
}

fn console(home: &Path, plan: &str) -> Console {
    let store = format!("sqlite:{}", home.join("journal").display());
    Console::start(&["run", plan, "--store", &store, "--as", "alice"], home, 120, 40)
}

/// The room's events, read from the console's SQLite journal.
fn events(home: &Path) -> Vec<opsdeck::adapters::journal::Event> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = SqliteStore::new(home.join("journal"));
        read_all(&store, "walk", 0, 1000).await.expect("events")
    })
}

#[test]
fn walk_three_steps_then_find_the_progress_after_a_restart() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = write_plan(
        home.path(),
        r#"  { title = "Tell the room we start" },
  { title = "Greet", run = "echo \"hello from $WHO, token $DEPLOY_TOKEN\"" },
  { title = "Check the canary", run = "echo canary is unhappy >&2; exit 4" },"#,
    );
    let mut c = console(home.path(), &plan);
    c.wait_for("▸Metrics");
    c.press(b"3");
    c.wait_for("▸Runbook: Walk the runbook 0/3 steps");
    c.press(b"\r");
    c.wait_for("1/3 steps");
    c.wait_for("Step 2: Greet");
    c.press(b"\r");
    c.wait_for("hello from the-runbook, token ***");
    c.wait_for("succeeded exit 0");
    c.press(b"\r");
    c.wait_for("step 3 is next: Enter runs it");
    c.wait_for("Step 3: Check the canary");
    c.press(b"\r");
    c.wait_for("failed exit 4");
    c.wait_for("canary is unhappy");
    c.wait_for("Enter retries");
    c.press(b"q");
    assert!(c.wait_exit(), "clean exit");

    let finished: Vec<(String, Option<i32>)> = events(home.path())
        .iter()
        .filter_map(|e| match Body::of(e) {
            Some(Body::RunFinished { output, exit_code, .. }) => Some((output, exit_code)),
            _ => None,
        })
        .collect();
    assert_eq!(finished.len(), 2, "{finished:?}");
    assert_eq!(finished[0], ("hello from the-runbook, token ***".to_string(), Some(0)));
    assert_eq!(finished[1].1, Some(4));
    assert!(!finished.iter().any(|(o, _)| o.contains("tok-very-secret-42")), "the secret never reaches the journal");

    let mut again = console(home.path(), &plan);
    again.press(b"3");
    again.wait_for("▸Runbook: Walk the runbook 2/3 steps");
    again.wait_for("exit 4");
    again.wait_for("Step 3: Check the canary");
    again.wait_for("canary is unhappy");
    again.press(b"q");
    assert!(again.wait_exit());
}

#[test]
fn cancelling_a_long_step_kills_its_processes() {
    let home = tempfile::tempdir().expect("temp dir");
    let pid_file = home.path().join("sleep.pid");
    let step = format!(r#"  {{ title = "Wait a minute", run = "sleep 60 & echo $! > {}; wait" }},"#, pid_file.display());
    let plan = write_plan(home.path(), &step);
    let mut c = console(home.path(), &plan);
    c.wait_for("▸Metrics");
    c.press(b"3");
    c.wait_for("Step 1: Wait a minute");
    c.press(b"\r");
    c.wait_for("x cancels");
    let deadline = Instant::now() + Duration::from_secs(10);
    let pid = loop {
        if let Ok(text) = std::fs::read_to_string(&pid_file)
            && let Ok(pid) = text.trim().parse::<i32>()
        {
            break pid;
        }
        assert!(Instant::now() < deadline, "the step never started its sleep");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(Path::new(&format!("/proc/{pid}")).exists(), "sleep runs");
    c.press(b"x");
    c.wait_for("cancelled after");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Path::new(&format!("/proc/{pid}")).exists() && !zombie(pid) {
        assert!(Instant::now() < deadline, "sleep {pid} survived the cancel");
        std::thread::sleep(Duration::from_millis(50));
    }
    c.press(b"q");
    assert!(c.wait_exit());
}

/// A killed process its parent has not reaped yet is gone for our purposes.
fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z')))
}

#[test]
fn fifty_megabytes_of_output_stay_bounded_and_the_console_answers() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = write_plan(
        home.path(),
        r#"  { title = "Print a flood", run = "yes 'a line of a very chatty deploy script' | head -c 50000000; echo flood-done" },
  { title = "Afterwards" },"#,
    );
    let mut c = console(home.path(), &plan);
    c.wait_for("▸Metrics");
    c.press(b"3");
    c.wait_for("Step 1: Print a flood");
    c.press(b"\r");
    // While it prints, the console still moves its cursor.
    c.press(DOWN);
    c.wait_for("Step 2: Afterwards");
    c.press(b"\x1b[A");
    c.wait_for("Step 1: Print a flood");
    c.wait_for("succeeded exit 0");
    c.press(b"q");
    assert!(c.wait_exit());
    let outputs: Vec<(String, bool)> = events(home.path())
        .iter()
        .filter_map(|e| match Body::of(e) {
            Some(Body::RunFinished { output, truncated, .. }) => Some((output, truncated)),
            _ => None,
        })
        .collect();
    let [(output, truncated)] = outputs.as_slice() else { panic!("{} finished runs", outputs.len()) };
    assert!(*truncated);
    assert!(output.len() <= 70 * 1024, "stored output is {} bytes", output.len());
    assert!(output.contains("omitted"), "the cut is marked");
    assert!(output.ends_with("flood-done"), "the tail is kept");
}
