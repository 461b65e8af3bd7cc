//! `exec` running real processes through `/bin/sh`: outcomes and exit codes,
//! env and cwd, the whole process group stopped on timeout, cancel, drop
//! and script exit, bounded output under 50 MB, secrets masked, ANSI
//! stripped. Timings are generous: the machine may be small and busy.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use opsdeck::adapters::exec::{
    HEAD_LIMIT, LIVE_LINE_MAX, LIVE_LINES, LiveView, Outcome, RunResult, RunSpec, Running, TAIL_LIMIT, secret_values,
};

/// Long enough for anything here to finish on a busy machine.
const PATIENCE: Duration = Duration::from_secs(60);

fn spec(script: &str) -> RunSpec {
    RunSpec::new(script, PATIENCE)
}

async fn run(spec: RunSpec) -> RunResult {
    let mut running = Running::start(spec);
    match tokio::time::timeout(PATIENCE * 2, running.wait()).await {
        Ok(result) => result,
        Err(_) => panic!("the run did not end"),
    }
}

/// Is the process alive? A zombie waiting for its reaper counts as dead.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
            state != Some('Z')
        }
    }
}

/// Waits (a while) for every pid to be gone.
async fn assert_all_gone(pids: &[u32]) {
    assert!(!pids.is_empty());
    common::wait_until_async(&format!("processes {pids:?} to be gone"), PATIENCE, async || pids.iter().all(|&pid| !alive(pid))).await;
}

/// The numbers after `pid ` in lines like `pid 1234`.
fn pids_in<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
    lines.into_iter().filter_map(|l| l.strip_prefix("pid ")).filter_map(|n| n.trim().parse().ok()).collect()
}

/// Waits until the live view shows `count` pids, and returns them.
async fn live_pids(live: &LiveView, count: usize) -> Vec<u32> {
    let started = Instant::now();
    loop {
        let pids = pids_in(live.last_lines(LIVE_LINES).iter().map(String::as_str));
        if pids.len() >= count {
            return pids;
        }
        assert!(started.elapsed() < PATIENCE, "the script never printed its pids");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts a background sleeper and a foreground one, printing both pids
/// and the shell's own.
const SLEEPERS: &str = "echo \"pid $$\"\nsleep 60 &\necho \"pid $!\"\nsh -c 'echo \"pid $$\"; exec sleep 60'\necho not reached\n";

#[tokio::test]
async fn exit_zero_succeeds() {
    let r = run(spec("echo hello; echo world")).await;
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!(r.exit_code, Some(0));
    assert_eq!(r.signal, None);
    assert_eq!(r.output, "hello\nworld");
    assert!(!r.truncated);
    assert_eq!(r.bytes_seen, 12);
    assert_eq!(r.error, None);
    assert!(r.duration > Duration::ZERO);
}

#[tokio::test]
async fn exit_three_fails() {
    let r = run(spec("echo before\nexit 3\necho after")).await;
    assert_eq!(r.outcome, Outcome::Failed);
    assert_eq!(r.exit_code, Some(3));
    assert_eq!(r.output, "before");
    assert_eq!(r.error, None);
}

#[tokio::test]
async fn killed_by_a_signal_fails_and_says_so() {
    let r = run(spec("kill -KILL $$")).await;
    assert_eq!(r.outcome, Outcome::Failed);
    assert_eq!(r.exit_code, None);
    assert_eq!(r.signal, Some(9));
    assert_eq!(r.error.as_deref(), Some("killed by signal 9 (SIGKILL)"));
}

#[tokio::test]
async fn env_and_cwd_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    std::fs::write(cwd.join("marker.txt"), "here").unwrap();
    let mut s = spec("echo \"$GREETING $TARGET\"; pwd; cat marker.txt; echo; test -n \"$PATH\" && echo inherited");
    s.env = vec![("GREETING".into(), "hello".into()), ("TARGET".into(), "prod eu-1".into())];
    s.cwd = Some(cwd.clone());
    let r = run(s).await;
    assert_eq!(r.outcome, Outcome::Succeeded, "{r:?}");
    assert_eq!(r.output, format!("hello prod eu-1\n{}\nhere\ninherited", cwd.display()));
}

#[tokio::test]
async fn missing_cwd_is_not_started() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let mut s = spec("echo should not run");
    s.cwd = Some(missing.clone());
    let r = run(s).await;
    assert_eq!(r.outcome, Outcome::NotStarted);
    assert_eq!(r.exit_code, None);
    assert_eq!(r.output, "");
    let error = r.error.unwrap_or_default();
    assert!(error.contains("does not exist") && error.contains(&missing.display().to_string()), "{error}");
}

#[tokio::test]
async fn cwd_that_is_a_file_is_not_started() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut s = spec("echo should not run");
    s.cwd = Some(file.path().to_path_buf());
    let r = run(s).await;
    assert_eq!(r.outcome, Outcome::NotStarted);
    assert!(r.error.unwrap_or_default().contains("is not a directory"));
}

#[tokio::test]
async fn stdin_is_empty() {
    let r = run(spec("cat; echo read-nothing")).await;
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!(r.output, "read-nothing");
}

#[tokio::test]
async fn script_file_is_removed_afterwards() {
    let r = run(spec("echo \"$0\"")).await;
    assert_eq!(r.outcome, Outcome::Succeeded);
    let path = Path::new(&r.output);
    assert!(r.output.ends_with(".sh"), "{}", r.output);
    assert!(!path.exists(), "{} still exists", path.display());
}

#[tokio::test]
async fn timeout_kills_the_whole_group() {
    let mut s = spec(SLEEPERS);
    // Long enough for the script to start all three on a busy machine.
    s.timeout = Duration::from_secs(3);
    let r = run(s).await;
    assert_eq!(r.outcome, Outcome::TimedOut);
    assert_eq!(r.error.as_deref(), Some("timed out after 3s"));
    assert!(!r.output.contains("not reached"));
    let pids = pids_in(r.output.lines());
    assert_eq!(pids.len(), 3, "{}", r.output);
    assert_all_gone(&pids).await;
}

#[tokio::test]
async fn cancel_kills_the_whole_group_quickly() {
    let mut running = Running::start(spec(SLEEPERS));
    let pids = live_pids(&running.live(), 3).await;
    let cancelled_at = Instant::now();
    running.cancel();
    let r = tokio::time::timeout(PATIENCE, running.wait()).await.expect("cancel ends the run");
    // SIGTERM is enough for sh and sleep: no need to wait for the SIGKILL.
    assert!(cancelled_at.elapsed() < Duration::from_secs(15), "{:?}", cancelled_at.elapsed());
    assert_eq!(r.outcome, Outcome::Cancelled);
    assert_eq!(r.signal, Some(libc::SIGTERM));
    assert_all_gone(&pids).await;
    // The result stays available.
    assert_eq!(running.wait().await, r);
    assert_eq!(running.try_result(), Some(r));
}

#[tokio::test]
async fn processes_ignoring_sigterm_get_sigkill() {
    let script = format!("trap '' TERM\n{SLEEPERS}");
    let mut running = Running::start(spec(&script));
    let pids = live_pids(&running.live(), 3).await;
    running.cancel();
    let r = tokio::time::timeout(PATIENCE, running.wait()).await.expect("cancel ends the run");
    assert_eq!(r.outcome, Outcome::Cancelled);
    assert_eq!(r.signal, Some(libc::SIGKILL));
    assert!(r.duration >= opsdeck::adapters::exec::TERM_GRACE);
    assert_all_gone(&pids).await;
}

#[tokio::test]
async fn dropping_the_handle_kills_the_group() {
    let running = Running::start(spec(SLEEPERS));
    let pids = live_pids(&running.live(), 3).await;
    drop(running);
    assert_all_gone(&pids).await;
}

#[tokio::test]
async fn background_processes_do_not_outlive_the_script() {
    let started = Instant::now();
    let r = run(spec("sleep 60 &\necho \"pid $!\"\necho done")).await;
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert!(started.elapsed() < Duration::from_secs(30), "waited for the background sleeper");
    assert_all_gone(&pids_in(r.output.lines())).await;
}

#[tokio::test]
async fn wait_is_cancel_safe() {
    let mut running = Running::start(spec("sleep 1; echo late"));
    assert!(!running.is_finished());
    assert_eq!(running.try_result(), None);
    // A wait dropped midway leaves the run going.
    assert!(tokio::time::timeout(Duration::from_millis(100), running.wait()).await.is_err());
    let r = running.wait().await;
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!(r.output, "late");
    assert!(running.is_finished());
}

#[tokio::test]
async fn huge_single_line_output_is_bounded() {
    let s = spec("head -c 50000000 /dev/zero | tr '\\0' 'x'; echo; echo end");
    let mut running = Running::start(s);
    let live = running.live();
    let r = tokio::time::timeout(PATIENCE * 2, running.wait()).await.expect("50 MB is read in time");
    assert_eq!(r.outcome, Outcome::Succeeded, "{:?}", r.error);
    assert!(r.bytes_seen >= 50_000_000, "{}", r.bytes_seen);
    assert!(r.truncated);
    assert!(r.output.len() <= HEAD_LIMIT + TAIL_LIMIT + 100, "{}", r.output.len());
    let markers: Vec<&str> = r.output.lines().filter(|l| l.contains("omitted")).collect();
    assert_eq!(markers.len(), 1);
    assert!(markers[0].starts_with("… ") && markers[0].contains(" MB "), "{}", markers[0]);
    assert!(r.output.starts_with("xxxx"));
    assert!(r.output.ends_with("x\nend"), "{}", &r.output[r.output.len() - 20..]);
    assert_live_bounded(&live, r.bytes_seen);
}

#[tokio::test]
async fn many_short_lines_are_bounded() {
    let s = spec("yes 'a line of output' | head -n 1000000; echo end");
    let mut running = Running::start(s);
    let live = running.live();
    let r = tokio::time::timeout(PATIENCE * 2, running.wait()).await.expect("a million lines are read in time");
    assert_eq!(r.outcome, Outcome::Succeeded, "{:?}", r.error);
    assert_eq!(r.bytes_seen, 17_000_004);
    assert!(r.truncated);
    assert!(r.output.len() <= HEAD_LIMIT + TAIL_LIMIT + 100);
    assert!(r.output.lines().all(|l| l == "a line of output" || l == "end" || l.contains("omitted")));
    assert!(r.output.ends_with("a line of output\nend"));
    assert_live_bounded(&live, r.bytes_seen);
    assert_eq!(live.read(|t| t.total_lines()), 1_000_001);
    assert_eq!(live.last_lines(2), vec!["a line of output", "end"]);
}

fn assert_live_bounded(live: &LiveView, bytes: u64) {
    live.read(|t| {
        assert!(t.is_finished());
        assert_eq!(t.bytes_seen(), bytes);
        assert!(t.lines().len() <= LIVE_LINES);
        assert!(t.lines().all(|l| l.len() <= LIVE_LINE_MAX + '…'.len_utf8()));
    });
}

#[tokio::test]
async fn secrets_are_masked_in_output_and_live_tail() {
    let env = vec![("API_TOKEN".to_string(), "tok-abc-12345".to_string()), ("REGION".to_string(), "eu-west-1".to_string())];
    let mut s = spec(
        "echo \"token is $API_TOKEN in $REGION\"\n\
         echo \"$API_TOKEN\" >&2\n\
         printf 'split: tok-abc'\n\
         sleep 1\n\
         printf -- '-12345 end\\n'\n",
    );
    s.secrets = secret_values(&env);
    s.env = env;
    let mut running = Running::start(s);
    let live = running.live();
    // While the secret is half written, the live view must not show its start.
    let started = Instant::now();
    while !running.is_finished() && started.elapsed() < PATIENCE {
        for line in live.last_lines(LIVE_LINES) {
            assert!(!line.contains("tok-abc"), "live view shows {line:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let r = running.wait().await;
    assert_eq!(r.outcome, Outcome::Succeeded);
    // Standard output and standard error are read apart: the first two
    // lines may come in either order; the split secret comes last (after the sleep).
    let in_any_order = |mut lines: Vec<String>| {
        let last = lines.pop();
        lines.sort();
        (lines, last)
    };
    let masked = (vec!["***".to_string(), "token is *** in eu-west-1".to_string()], Some("split: *** end".to_string()));
    assert_eq!(in_any_order(r.output.lines().map(str::to_string).collect()), masked, "{:?}", r.output);
    assert_eq!(in_any_order(live.last_lines(10)), masked);
}

#[tokio::test]
async fn ansi_colours_are_stripped() {
    let r = run(spec("printf '\\033[1;31mred\\033[0m and \\033[32mgreen\\033[m\\n'; printf 'a\\tb\\n'")).await;
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!(r.output, "red and green\na       b");
}

#[tokio::test]
async fn progress_lines_keep_their_last_state() {
    let r = run(spec("printf '10%%\\r50%%\\r100%%\\n'; printf 'dos\\r\\n'")).await;
    assert_eq!(r.output, "100%\ndos");
}

#[tokio::test]
async fn stdout_and_stderr_are_merged_in_arrival_order() {
    // Each line is written only once the run has read the one before (the
    // test says so with a file), so the arrival order is the script's order.
    let dir = tempfile::tempdir().unwrap();
    let go = |n: u32| dir.path().join(format!("go-{n}"));
    let wait = |n: u32| format!("while [ ! -e '{}' ]; do sleep 0.02; done", go(n).display());
    let script = format!("echo one; {}; echo two >&2; {}; echo three; {}; echo four >&2", wait(1), wait(2), wait(3));
    let mut running = Running::start(spec(&script));
    let live = running.live();
    for (n, line) in [(1, "one"), (2, "two"), (3, "three")] {
        common::wait_until_async(&format!("the run to read {line:?}"), PATIENCE, async || live.last_lines(1) == [line]).await;
        std::fs::write(go(n), "").unwrap();
    }
    let r = tokio::time::timeout(PATIENCE, running.wait()).await.expect("the run ends");
    assert_eq!(r.outcome, Outcome::Succeeded);
    assert_eq!(r.output, "one\ntwo\nthree\nfour");
}

#[tokio::test]
async fn invalid_utf8_is_replaced() {
    let r = run(spec("printf 'ok \\377 end\\n'")).await;
    assert_eq!(r.output, "ok \u{FFFD} end");
}

#[tokio::test]
async fn live_view_follows_the_run_and_ends() {
    let mut running = Running::start(spec("echo first; sleep 0.3; echo second"));
    let mut live = running.live();
    let mut seen = Vec::new();
    while live.changed().await {
        seen = live.last_lines(10);
    }
    assert_eq!(seen, vec!["first", "second"]);
    assert!(live.read(|t| t.is_finished()));
    assert_eq!(running.wait().await.outcome, Outcome::Succeeded);
}

#[test]
fn starting_without_a_runtime_is_not_started() {
    let mut running = Running::start(spec("echo hi"));
    let r = running.try_result().expect("a result at once");
    assert_eq!(r.outcome, Outcome::NotStarted);
    assert!(r.error.unwrap_or_default().contains("runtime"));
}

#[tokio::test]
async fn runs_in_its_own_session_without_a_terminal() {
    // Field 6 of /proc/PID/stat is the session id (sh's name has no spaces).
    let r = run(spec("test \"$(cut -d' ' -f6 /proc/$$/stat)\" = \"$$\" && echo own-session; (exec 3</dev/tty) 2>/dev/null || echo no-tty"))
        .await;
    assert_eq!(r.output, "own-session\nno-tty");
}
