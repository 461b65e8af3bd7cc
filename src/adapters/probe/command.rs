//! `command` probe: runs a shell command (see [`super::shell`]) and reads its
//! result as an exit code, a number on stdout, or a JSON document checked by
//! the check's `assert` lines.
//!
//! - `exit_code`: `exit_code` and `value` are the code; a non-zero exit is a
//!   value, not an error.
//! - `number`: the first word of stdout is `value`; a non-zero exit is an
//!   error (`exit 3: <first line of stderr>`).
//! - `json`: stdout is parsed, every `assert` must hold (the first failure is
//!   the reason), and a `$`-path `value` is read into the reading under that
//!   name, beside `exit_code`; a non-zero exit is only an error when stdout
//!   is not JSON.
//!
//! In every mode, exit 127 and 126 (the shell's "command not found" and "not
//! executable"), death by a signal and the timeout are errors. The command
//! runs in `cwd` resolved against the plan's directory (the plan's directory
//! when unset), with the check's `env` added to the inherited environment.
//! Output quoted in a reason has this process's secrets masked before it
//! is cut to length (so a cut never leaves half a secret unmasked).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::json_assert::{Assertion, Condition, evaluate_all, extract_number};
use super::shell::{CAPTURE_LIMIT, Captured, RunError, ShellCommand, run_shell};
use super::{ProbeEnv, ProbeError, ProbeResult, Reading, io_reason, short_duration};
use crate::secrets::Redactor;
use opsdeck_core::config::Check;
use opsdeck_core::config::check::{CommandOutput, CommandProbe};

/// Longest stderr excerpt quoted in a reason.
const REASON_CHARS: usize = 80;
/// Longest stdout excerpt quoted in a reason.
const QUOTE_CHARS: usize = 40;

pub struct CommandProber {
    run: String,
    output: CommandOutput,
    cwd: Option<PathBuf>,
    env: Vec<(String, String)>,
    assertions: Vec<Assertion>,
    /// The `$`-path whose number the check judges (json output).
    json_value: Option<String>,
    /// Every assertion as the last run judged it (secrets masked).
    conditions: Vec<Condition>,
}

impl CommandProber {
    pub fn new(spec: &CommandProbe, check: &Check, env: &ProbeEnv) -> Result<Self, ProbeError> {
        let assertions = check.assert.iter().map(|a| Assertion::parse(a)).collect::<Result<Vec<_>, _>>().map_err(ProbeError::new)?;
        if !assertions.is_empty() && spec.output != CommandOutput::Json {
            return Err(ProbeError::new("`assert` needs output = \"json\" on a command check"));
        }
        let value = check.value_name();
        let json_value = (spec.output == CommandOutput::Json && value.starts_with('$')).then(|| value.to_string());
        Ok(Self {
            conditions: assertions.iter().map(Assertion::unreached).collect(),
            run: spec.run.clone(),
            output: spec.output,
            cwd: resolve_cwd(&env.base_dir, spec.cwd.as_deref()),
            env: spec.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            assertions,
            json_value,
        })
    }

    /// Runs the command once and reads its result; every assertion's result
    /// is kept (see [`Self::conditions`]).
    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        self.conditions = self.assertions.iter().map(Assertion::unreached).collect();
        let cmd = ShellCommand { run: &self.run, cwd: self.cwd.as_deref(), env: &self.env };
        let finished = match run_shell(&cmd, own_deadline(timeout)).await {
            Ok(f) => f,
            Err(RunError::TimedOut) => {
                return Err(ProbeError::new(format!("timeout after {} (killed)", short_duration(timeout))));
            }
            Err(RunError::Spawn(e)) => return Err(ProbeError::new(spawn_reason(&e, &cmd))),
            Err(RunError::Wait(e)) => return Err(ProbeError::new(io_reason(&e))),
        };
        let exit = match finished.status.code() {
            Some(code) => code,
            None => {
                use std::os::unix::process::ExitStatusExt;
                let signal = finished.status.signal().unwrap_or(0);
                return Err(ProbeError::new(format!("killed by signal {signal}")));
            }
        };
        let outcome = Outcome { exit, stdout: &finished.stdout, stderr: &finished.stderr, secrets: crate::secrets::installed() };
        outcome.read(self.output, &self.assertions, self.json_value.as_deref(), &mut self.conditions)
    }

    /// Every `assert` of the check as the last run judged it: all unreached
    /// when its stdout was no JSON document.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }
}

/// The deadline the prober enforces itself: a little before the scheduler's
/// (which equals `timeout`), so that the kill and its reason come from here.
fn own_deadline(timeout: Duration) -> Duration {
    timeout.saturating_sub((timeout / 10).min(Duration::from_millis(50)))
}

/// `cwd` relative to the plan's directory; the plan's directory when unset.
fn resolve_cwd(base_dir: &Path, cwd: Option<&str>) -> Option<PathBuf> {
    match cwd {
        Some(c) => Some(base_dir.join(c)),
        None if base_dir.as_os_str().is_empty() => None,
        None => Some(base_dir.to_path_buf()),
    }
}

fn spawn_reason(e: &std::io::Error, cmd: &ShellCommand<'_>) -> String {
    if let Some(dir) = cmd.cwd
        && !dir.is_dir()
    {
        return format!("working directory {} not found", dir.display());
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => "command not found: sh".into(),
        _ => format!("cannot start the command: {}", io_reason(e)),
    }
}

/// A command's exit code and captured output, and what to mask in quotes of it.
struct Outcome<'a> {
    exit: i32,
    stdout: &'a Captured,
    stderr: &'a Captured,
    secrets: &'a Redactor,
}

impl Outcome<'_> {
    /// The reading, or why there is none; `conditions` gets every
    /// assertion's result when stdout was a JSON document.
    fn read(
        &self,
        output: CommandOutput,
        assertions: &[Assertion],
        json_value: Option<&str>,
        conditions: &mut Vec<Condition>,
    ) -> Result<Reading, ProbeError> {
        match self.exit {
            127 => {
                return Err(ProbeError::new(self.exit_reason("command not found (exit 127)")));
            }
            126 => {
                return Err(ProbeError::new(self.exit_reason("not executable (exit 126)")));
            }
            _ => {}
        }
        let code = f64::from(self.exit);
        let reading = Reading::new().with("exit_code", code);
        match output {
            CommandOutput::ExitCode => Ok(reading.with("value", code)),
            CommandOutput::Number => {
                if self.exit != 0 {
                    return Err(ProbeError::target_failed(self.exit_reason(&format!("exit {}", self.exit))));
                }
                Ok(reading.with("value", parse_number(&self.stdout_text()).map_err(ProbeError::new)?))
            }
            CommandOutput::Json => {
                let body = match self.json() {
                    Ok(body) => body,
                    Err(_) if self.exit != 0 => {
                        return Err(ProbeError::target_failed(self.exit_reason(&format!("exit {}", self.exit))));
                    }
                    Err(e) => return Err(ProbeError::new(e)),
                };
                let (judged, held) = evaluate_all(assertions, &body);
                *conditions = judged.iter().map(|c| c.masked(&|s: &str| self.secrets.redact(s).into_owned())).collect();
                held.map_err(ProbeError::target_failed)?;
                match json_value {
                    Some(path) => Ok(reading.with(path, extract_number(&body, path).map_err(ProbeError::new)?)),
                    None => Ok(reading),
                }
            }
        }
    }

    fn json(&self) -> Result<Value, String> {
        if self.stdout.truncated {
            return Err(format!("stdout is over {} KiB, expected one JSON document", CAPTURE_LIMIT / 1024));
        }
        serde_json::from_slice(&self.stdout.bytes).map_err(|_| format!("{}, expected JSON", describe_stdout(&self.stdout_text())))
    }

    /// Stdout with secrets masked, for quoting.
    fn stdout_text(&self) -> String {
        self.secrets.redact(&self.stdout.text()).into_owned()
    }

    /// `exit 3: <first line of stderr>`, or just `exit 3` when stderr is empty.
    fn exit_reason(&self, head: &str) -> String {
        match first_line(&self.secrets.redact(&self.stderr.text()), REASON_CHARS) {
            Some(line) => format!("{head}: {line}"),
            None => head.to_string(),
        }
    }
}

/// The first word of stdout as a finite number.
fn parse_number(stdout: &str) -> Result<f64, String> {
    stdout
        .split_whitespace()
        .next()
        .and_then(|word| word.parse::<f64>().ok())
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{}, expected a number", describe_stdout(stdout)))
}

/// `stdout was "abc"` or `stdout was empty`.
fn describe_stdout(stdout: &str) -> String {
    match first_line(stdout, QUOTE_CHARS) {
        Some(line) => format!("stdout was \"{line}\""),
        None => "stdout was empty".into(),
    }
}

/// The first non-blank line, trimmed and cut to `max` characters.
fn first_line(text: &str, max: usize) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    if line.chars().count() > max { Some(format!("{}…", line.chars().take(max).collect::<String>())) } else { Some(line.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(s: &str) -> Captured {
        Captured { bytes: s.as_bytes().to_vec(), truncated: false }
    }

    fn read(exit: i32, out: &str, err: &str, mode: CommandOutput) -> Result<Reading, String> {
        let (stdout, stderr) = (captured(out), captured(err));
        let o = Outcome { exit, stdout: &stdout, stderr: &stderr, secrets: &Redactor::EMPTY };
        o.read(mode, &[], None, &mut Vec::new()).map_err(|e| e.0)
    }

    #[test]
    fn exit_codes_are_values() {
        let r = read(3, "", "boom", CommandOutput::ExitCode).unwrap();
        assert_eq!(r.get("value"), Some(3.0));
        assert_eq!(r.get("exit_code"), Some(3.0));
    }

    #[test]
    fn numbers_are_the_first_word() {
        let r = read(0, "  42.5 items\nmore\n", "", CommandOutput::Number).unwrap();
        assert_eq!(r.get("value"), Some(42.5));
        assert_eq!(read(0, "abc\n", "", CommandOutput::Number), Err("stdout was \"abc\", expected a number".into()));
        assert_eq!(read(0, "\n", "", CommandOutput::Number), Err("stdout was empty, expected a number".into()));
        assert!(read(0, "NaN", "", CommandOutput::Number).is_err());
    }

    #[test]
    fn failures_quote_stderr() {
        assert_eq!(read(3, "1", "\n  disk full  \nmore", CommandOutput::Number), Err("exit 3: disk full".into()));
        assert_eq!(read(2, "", "", CommandOutput::Number), Err("exit 2".into()));
        assert_eq!(
            read(127, "", "sh: 1: nope: not found", CommandOutput::ExitCode),
            Err("command not found (exit 127): sh: 1: nope: not found".into())
        );
    }

    #[test]
    fn json_reads_assertions_and_values() {
        let (out, err) = (captured(r#"{"status":"ok","uptime":12}"#), captured(""));
        let o = Outcome { exit: 1, stdout: &out, stderr: &err, secrets: &Redactor::EMPTY };
        let ok = [Assertion::parse(r#"$.status == "ok""#).unwrap()];
        let r = o.read(CommandOutput::Json, &ok, Some("$.uptime"), &mut Vec::new()).unwrap();
        assert_eq!(r.get("$.uptime"), Some(12.0));
        assert_eq!(r.get("exit_code"), Some(1.0));
        let bad = [Assertion::parse(r#"$.status == "down""#).unwrap()];
        let mut conditions = Vec::new();
        assert_eq!(o.read(CommandOutput::Json, &bad, None, &mut conditions), Err(ProbeError::target_failed(r#"$.status was "ok""#)));
        assert_eq!(conditions, [bad[0].evaluate(&serde_json::json!({"status": "ok"}))]);
        assert_eq!(read(0, "not json", "", CommandOutput::Json), Err("stdout was \"not json\", expected JSON".into()));
        assert_eq!(read(4, "oops", "bad thing", CommandOutput::Json), Err("exit 4: bad thing".into()));
    }

    #[test]
    fn quotes_are_masked_before_they_are_cut() {
        let secret = format!("tok-{}", "s".repeat(REASON_CHARS));
        let secrets = Redactor::build(None, &[("API_TOKEN".to_string(), secret.clone())]);
        let (out, err) = (captured(&format!("{secret}\n")), captured(&format!("{} {secret}", "x".repeat(REASON_CHARS - 10))));
        let o = Outcome { exit: 3, stdout: &out, stderr: &err, secrets: &secrets };
        let reason = o.read(CommandOutput::Number, &[], None, &mut Vec::new()).unwrap_err().0;
        assert_eq!(reason, format!("exit 3: {} ***", "x".repeat(REASON_CHARS - 10)));
        let o = Outcome { exit: 0, ..o };
        assert_eq!(o.read(CommandOutput::Number, &[], None, &mut Vec::new()).unwrap_err().0, "stdout was \"***\", expected a number");
    }

    #[test]
    fn long_lines_are_cut() {
        let long = "x".repeat(200);
        let cut = first_line(&long, REASON_CHARS).unwrap();
        assert_eq!(cut.chars().count(), REASON_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(first_line(" \n\t\n", 10), None);
    }

    #[test]
    fn cwd_is_relative_to_the_plan() {
        let base = Path::new("/plans/checkout");
        assert_eq!(resolve_cwd(base, Some("scripts")), Some(PathBuf::from("/plans/checkout/scripts")));
        assert_eq!(resolve_cwd(base, Some("/tmp")), Some(PathBuf::from("/tmp")));
        assert_eq!(resolve_cwd(base, None), Some(base.to_path_buf()));
        assert_eq!(resolve_cwd(Path::new(""), None), None);
    }

    #[test]
    fn own_deadline_is_a_little_earlier() {
        assert_eq!(own_deadline(Duration::from_secs(2)), Duration::from_millis(1950));
        assert_eq!(own_deadline(Duration::from_millis(200)), Duration::from_millis(180));
    }
}
