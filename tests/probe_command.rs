//! The `command` prober running real processes through `sh -c`: output
//! modes, cwd and env, bounded output, and killing the whole process group on
//! timeout and when the probe is dropped.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use opsdeck::adapters::probe::command::CommandProber;
use opsdeck::adapters::probe::schedule::run_once;
use opsdeck::adapters::probe::{ProbeEnv, ProbeResult, Prober};
use opsdeck_core::config::Check;
use toml::{Table, Value};

/// A command check as the plan would declare it.
struct Spec {
    run: String,
    output: &'static str,
    cwd: Option<&'static str>,
    env: Vec<(&'static str, String)>,
    assert: Vec<&'static str>,
    value: Option<&'static str>,
}

fn spec(run: impl Into<String>, output: &'static str) -> Spec {
    Spec { run: run.into(), output, cwd: None, env: Vec::new(), assert: Vec::new(), value: None }
}

impl Spec {
    fn check(&self) -> Check {
        let mut command = Table::new();
        command.insert("run".into(), Value::from(self.run.as_str()));
        command.insert("output".into(), Value::from(self.output));
        if let Some(cwd) = self.cwd {
            command.insert("cwd".into(), Value::from(cwd));
        }
        let env: Table = self.env.iter().map(|(k, v)| (k.to_string(), Value::from(v.as_str()))).collect();
        command.insert("env".into(), Value::Table(env));
        let mut check = Table::new();
        check.insert("id".into(), Value::from("cmd"));
        check.insert("command".into(), Value::Table(command));
        let asserts: Vec<Value> = self.assert.iter().map(|a| Value::from(*a)).collect();
        check.insert("assert".into(), Value::Array(asserts));
        if let Some(v) = self.value {
            check.insert("value".into(), Value::from(v));
        }
        check.try_into().unwrap()
    }

    fn prober(&self, base_dir: &Path) -> CommandProber {
        let check = self.check();
        let opsdeck_core::config::Probe::Command(cmd) = &check.probe else { unreachable!() };
        CommandProber::new(cmd, &check, &ProbeEnv::from_process(base_dir.to_path_buf())).unwrap()
    }

    async fn probe(&self) -> ProbeResult {
        let dir = tempfile::tempdir().unwrap();
        self.prober(dir.path()).probe(Duration::from_secs(10)).await
    }
}

#[tokio::test]
async fn exit_codes_are_values() {
    let r = spec("exit 0", "exit_code").probe().await.unwrap();
    assert_eq!((r.get("value"), r.get("exit_code")), (Some(0.0), Some(0.0)));
    let r = spec("echo nope >&2; exit 3", "exit_code").probe().await.unwrap();
    assert_eq!((r.get("value"), r.get("exit_code")), (Some(3.0), Some(3.0)));
}

#[tokio::test]
async fn missing_command_is_an_error_not_a_value() {
    let err = spec("no-such-command-opsdeck", "exit_code").probe().await.unwrap_err();
    assert!(err.0.starts_with("command not found (exit 127): ") && err.0.contains("not found"), "{err}");
}

#[tokio::test]
async fn number_output() {
    let r = spec("echo '  17.25 requests'", "number").probe().await.unwrap();
    assert_eq!(r.get("value"), Some(17.25));
    let err = spec("echo abc", "number").probe().await.unwrap_err();
    assert_eq!(err.0, "stdout was \"abc\", expected a number");
    let err = spec("echo 5; echo 'replica lag unknown: no primary' >&2; exit 3", "number").probe().await.unwrap_err();
    assert_eq!(err.0, "exit 3: replica lag unknown: no primary");
    let long = "e".repeat(300);
    let err = spec(format!("echo {long} >&2; exit 1"), "number").probe().await.unwrap_err();
    assert_eq!(err.0, format!("exit 1: {}…", "e".repeat(80)));
}

#[tokio::test]
async fn json_output_with_assertions_and_a_value() {
    let body = r#"echo '{"status": "healthy", "queue": {"depth": 12}, "uptime": 3600.5}'"#;
    let mut s = spec(body, "json");
    s.assert = vec![r#"$.status == "healthy""#, "$.queue.depth < 100"];
    s.value = Some("$.uptime");
    let r = s.probe().await.unwrap();
    assert_eq!(r.get("$.uptime"), Some(3600.5));
    assert_eq!(r.get("exit_code"), Some(0.0));

    s.assert = vec![r#"$.status == "healthy""#, "$.queue.depth < 10"];
    let err = s.probe().await.unwrap_err();
    assert_eq!(err.0, "$.queue.depth was 12");

    s.assert = vec![];
    s.value = Some("$.missing");
    assert_eq!(s.probe().await.unwrap_err().0, "$.missing is missing");

    let err = spec("echo not-json", "json").probe().await.unwrap_err();
    assert_eq!(err.0, "stdout was \"not-json\", expected JSON");
}

#[tokio::test]
async fn cwd_and_env_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scripts")).unwrap();
    std::fs::write(dir.path().join("scripts/depth.txt"), "41\n").unwrap();
    let mut s = spec("echo $(( $(cat depth.txt) + EXTRA ))", "number");
    s.cwd = Some("scripts");
    s.env = vec![("EXTRA", "1".into())];
    let r = s.prober(dir.path()).probe(Duration::from_secs(10)).await;
    assert_eq!(r.unwrap().get("value"), Some(42.0));

    // Without `cwd`, the command runs in the plan's directory.
    let s = spec("test -d scripts && echo 1", "number");
    let r = s.prober(dir.path()).probe(Duration::from_secs(10)).await;
    assert_eq!(r.unwrap().get("value"), Some(1.0));

    // The inherited environment is still there.
    let r = spec("test -n \"$PATH\"", "exit_code").probe().await.unwrap();
    assert_eq!(r.get("value"), Some(0.0));

    let mut s = spec("true", "exit_code");
    s.cwd = Some("missing-dir");
    let err = s.prober(dir.path()).probe(Duration::from_secs(10)).await.unwrap_err();
    assert!(err.0.starts_with("working directory ") && err.0.ends_with("missing-dir not found"), "{err}");
}

#[tokio::test]
async fn huge_output_stays_bounded_and_finishes() {
    let started = Instant::now();
    let r = spec("yes | head -c 50000000", "exit_code").probe().await.unwrap();
    assert_eq!(r.get("value"), Some(0.0));
    assert!(started.elapsed() < Duration::from_secs(10));
    // Huge output is not JSON we can judge, and says so.
    let err = spec("yes | head -c 5000000", "json").probe().await.unwrap_err();
    assert_eq!(err.0, "stdout is over 64 KiB, expected one JSON document");
}

/// A command that starts a background `sleep` (writing its pid to
/// $PIDFILE) and then sleeps itself.
fn sleeper(dir: &Path) -> (Spec, PathBuf) {
    let pidfile = dir.join("bg.pid");
    let mut s = spec("sleep 30 & echo $! > \"$PIDFILE\"; sleep 30", "exit_code");
    s.env = vec![("PIDFILE", pidfile.display().to_string())];
    (s, pidfile)
}

/// Is the process alive? A zombie waiting for init counts as dead.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
            state != Some('Z')
        }
    }
}

/// The background pid, once the command has written it.
fn written_pid(pidfile: &Path) -> Option<u32> {
    std::fs::read_to_string(pidfile).ok()?.trim().parse().ok()
}

/// Waits for the background pid to be written, then for it to die.
async fn assert_group_killed(pidfile: &Path) {
    let pid = common::wait_for_some_async("the command to write the background pid", common::PATIENCE, async || written_pid(pidfile)).await;
    common::wait_until_async(&format!("background process {pid} to be killed"), common::PATIENCE, async || !alive(pid)).await;
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let (s, pidfile) = sleeper(dir.path());
    let started = Instant::now();
    // Long enough for `sh` to start its background sleep on a busy machine.
    let err = s.prober(dir.path()).probe(Duration::from_secs(3)).await.unwrap_err();
    assert_eq!(err.0, "timeout after 3s (killed)");
    assert!(started.elapsed() < Duration::from_secs(20), "did not wait for the 30 s sleep: {:?}", started.elapsed());
    assert_group_killed(&pidfile).await;
}

#[tokio::test]
async fn dropping_the_probe_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let (s, pidfile) = sleeper(dir.path());
    let mut p = s.prober(dir.path());
    // Dropped midway (as the scheduler's own timeout drops it), once the
    // background sleep runs.
    tokio::select! {
        r = p.probe(Duration::from_secs(60)) => panic!("the probe ended by itself: {r:?}"),
        _ = common::wait_for_some_async("the background sleep to start", common::PATIENCE, async || written_pid(&pidfile)) => {}
    }
    assert_group_killed(&pidfile).await;
}

#[tokio::test]
async fn scheduler_timeout_reports_the_kill() {
    let dir = tempfile::tempdir().unwrap();
    let (s, pidfile) = sleeper(dir.path());
    let env = ProbeEnv::from_process(dir.path().to_path_buf());
    let mut prober = Prober::build(&s.check(), &env).unwrap();
    let sample = run_once(0, &mut prober, Duration::from_secs(3)).await;
    assert_eq!(sample.result.unwrap_err().0, "timeout after 3s (killed)");
    assert_group_killed(&pidfile).await;
}

#[tokio::test]
async fn leftover_background_processes_are_cleaned_up() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("bg.pid");
    // The command itself exits at once, leaving a sleeper behind that keeps
    // stdout open; the probe must neither wait for it nor leave it running.
    let mut s = spec("sleep 30 & echo $! > \"$PIDFILE\"; echo 7", "number");
    s.env = vec![("PIDFILE", pidfile.display().to_string())];
    let started = Instant::now();
    let r = s.prober(dir.path()).probe(Duration::from_secs(10)).await;
    assert_eq!(r.unwrap().get("value"), Some(7.0));
    assert!(started.elapsed() < Duration::from_secs(10), "did not wait for the 30 s sleep: {:?}", started.elapsed());
    assert_group_killed(&pidfile).await;
}

#[test]
fn assertions_need_json_output() {
    let mut s = spec("true", "exit_code");
    s.assert = vec!["$.status"];
    let check = s.check();
    let opsdeck_core::config::Probe::Command(cmd) = &check.probe else { unreachable!() };
    let err = CommandProber::new(cmd, &check, &ProbeEnv::from_process(PathBuf::new())).err().unwrap();
    assert_eq!(err.0, "`assert` needs output = \"json\" on a command check");
}
