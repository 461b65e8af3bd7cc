//! `opsdeck status PLAN [--json] [--for … --every …]`: the entry point.
//! Without `--for`, every check is probed once, all in parallel (a scraped
//! counter twice, a second apart, for its rate: see [`Rounds::single`]), and
//! the run exits by the worst state (CRITICAL anywhere 2, else UNKNOWN 3, else
//! DEGRADED 1, else 0); with `--for` it is a deploy gate polling in rounds
//! (see [`super::gate`] for the rules, [`super::rounds`] for the polling)
//! that exits by its verdict. Prints a table (and, for a gate, a line per
//! round on stderr and a verdict line) or one JSON [`Report`]. With
//! `--store postgres://…` it probes nothing and reports the room's current
//! states instead, as one round (see [`super::room_status`]).
//! Secrets are masked in every string printed (see [`crate::secrets`]).

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::gate::{self, Policy, RoundOutcome, Verdict};
use super::rounds::{CheckCounts, Rounds};
use crate::adapters::journal::AnyStore;
use crate::adapters::probe::ProbeEnv;
use crate::adapters::probe::json_assert::Condition;
use crate::secrets::Redactor;
use crate::shell::ui::format;
use opsdeck_core::config::{self, Level, TimeSpan};
use opsdeck_core::metrics::Health;
use opsdeck_core::metrics::board::{Board, Row};

/// Exit code when the plan itself is invalid, or the flags are.
pub const INVALID_PLAN: u8 = 4;

/// The flags of `opsdeck status` as given (defaults are applied here, so
/// that gate flags without `--for` can be refused).
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags {
    pub json: bool,
    pub span: Option<TimeSpan>,
    pub every: Option<TimeSpan>,
    pub failure_limit: Option<u32>,
    pub inconclusive_limit: Option<u32>,
}

impl Flags {
    /// The gate's policy (`None`: one round), or a usage error.
    pub fn policy(&self) -> Result<Option<Policy>, String> {
        let Some(span) = self.span else {
            let given = [
                (self.every.is_some(), "--every"),
                (self.failure_limit.is_some(), "--failure-limit"),
                (self.inconclusive_limit.is_some(), "--inconclusive-limit"),
            ];
            return match given.iter().find(|(set, _)| *set) {
                Some((_, flag)) => Err(format!("{flag} needs --for: it sets how a gate polls, and without --for status probes once")),
                None => Ok(None),
            };
        };
        let every = self.every.map_or(gate::DEFAULT_EVERY, TimeSpan::get);
        Policy::new(span.get(), every, self.failure_limit.unwrap_or(0), self.inconclusive_limit.unwrap_or(0)).map(Some)
    }
}

/// What `--json` prints: the run's verdict, when it ran, how many rounds,
/// and every check.
#[derive(Debug, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    /// RFC 3339, UTC.
    pub started: String,
    /// RFC 3339, UTC.
    pub finished: String,
    pub rounds: u32,
    pub checks: Vec<CheckStatus>,
}

/// One check's result, as printed with `--json`.
#[derive(Debug, Serialize)]
pub struct CheckStatus {
    pub id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub value: Option<f64>,
    pub unit: Option<&'static str>,
    pub reason: String,
    /// What the last reading said beside its value (`connected in plain
    /// text: …`); absent when it said nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub latency_ms: Option<f64>,
    /// Rounds in which the check was CRITICAL.
    pub failures: u32,
    /// Rounds in which the check was UNKNOWN.
    pub unknowns: u32,
    /// Every `assert` of the check as the last round judged it.
    pub conditions: Vec<Condition>,
}

/// Exit code of a single round: CRITICAL anywhere 2, else UNKNOWN anywhere
/// 3, else DEGRADED 1, else 0.
pub fn single_round_exit(states: impl IntoIterator<Item = Health>) -> u8 {
    let states: Vec<Health> = states.into_iter().collect();
    match RoundOutcome::of(states.iter().copied()) {
        RoundOutcome::Failed => 2,
        RoundOutcome::Inconclusive => 3,
        RoundOutcome::Successful if states.contains(&Health::Degraded) => 1,
        RoundOutcome::Successful => 0,
    }
}

/// Where `status` reads the room from instead of probing (`--store postgres://…`).
pub struct FromRoom<'a> {
    pub store: &'a str,
    pub room: Option<&'a str>,
}

/// Now, as printed in a report: RFC 3339 in UTC, to the millisecond.
fn now_text() -> String {
    format!("{:.3}", jiff::Timestamp::now())
}

pub async fn run(path: &Path, flags: &Flags, from_room: Option<FromRoom<'_>>) -> ExitCode {
    let policy = match flags.policy() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("opsdeck status: {e}");
            return ExitCode::from(INVALID_PLAN);
        }
    };
    if policy.is_some() && from_room.is_some() {
        eprintln!(
            "opsdeck status: --for is not supported with --store postgres://…: the room's states are read once; run the gate without --store to probe the targets yourself"
        );
        return ExitCode::from(INVALID_PLAN);
    }
    let loaded = config::load_plan(path);
    let sources: Vec<&config::Source> = loaded.source.iter().collect();
    let Some(plan) = loaded.plan else {
        eprint!("{}", loaded.diagnostics.render(&sources));
        eprintln!("{}: invalid plan; run `opsdeck check {}`", path.display(), path.display());
        return ExitCode::from(INVALID_PLAN);
    };
    // Warnings (unset variables …) show up as UNKNOWN reasons below; errors cannot happen here.
    debug_assert_eq!(loaded.diagnostics.count(Level::Error), 0);
    let secrets = Redactor::for_process(Some(&plan));
    crate::secrets::install(secrets.clone());
    let started = now_text();
    if let Some(from) = from_room {
        let room = from.room.map_or_else(|| plan.deck.room(), str::to_string);
        let read = async { super::room_status::room_board(&plan, &AnyStore::open(Some(from.store))?, &room).await };
        let board = match read.await {
            Ok((board, who)) => {
                eprintln!("{}", secrets.redact(&who));
                board
            }
            Err(e) => {
                eprintln!("cannot read the room's states: {}", secrets.redact(&format!("{e:#}")));
                return ExitCode::from(3);
            }
        };
        let counts: Vec<CheckCounts> = board.rows.iter().map(|r| counts_of(r.health())).collect();
        let verdict = Verdict::from(RoundOutcome::of(board.rows.iter().map(Row::health)));
        let report = Report { verdict, started, finished: now_text(), rounds: 1, checks: statuses(&board, &counts, |_| &[], &secrets) };
        return finish(path, &plan, flags.json, &report, &board, &secrets, single_round_exit(board.rows.iter().map(Row::health)));
    }

    let mut rounds = Rounds::new(&plan, &ProbeEnv::from_process(plan.base_dir.clone()));
    let (verdict, code) = match (&policy, plan.checks.is_empty()) {
        // A gate that checked nothing must not pass.
        (_, true) => (Verdict::Inconclusive, 3),
        (None, false) => {
            let outcome = rounds.single().await;
            rounds.tally.count(outcome);
            (Verdict::from(outcome), single_round_exit(rounds.board.rows.iter().map(Row::health)))
        }
        (Some(policy), false) => {
            let verdict = super::rounds::poll(&mut rounds, policy, |r| eprintln!("{}", progress_line(r, policy))).await;
            (verdict, verdict.exit_code())
        }
    };
    let checks = statuses(&rounds.board, &rounds.counts, |i| rounds.conditions(i), &secrets);
    let report = Report { verdict, started, finished: now_text(), rounds: rounds.tally.rounds, checks };
    let code = finish(path, &plan, flags.json, &report, &rounds.board, &secrets, code);
    if !flags.json
        && let Some(policy) = &policy
    {
        println!("{}", verdict_line(&report, &rounds, policy));
    }
    code
}

/// Prints the report (JSON or the table) and says so when the plan has no
/// checks; returns `code`.
fn finish(path: &Path, plan: &config::Plan, json: bool, report: &Report, board: &Board, secrets: &Redactor, code: u8) -> ExitCode {
    if json {
        match serde_json::to_string_pretty(report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("cannot write JSON: {e}"),
        }
    } else {
        print!("{}", secrets.redact(&table(board)));
    }
    if plan.checks.is_empty() {
        eprintln!("{}: the plan has no checks: nothing was verified", path.display());
    }
    ExitCode::from(code)
}

/// What one round counts for a check in that state.
fn counts_of(h: Health) -> CheckCounts {
    CheckCounts { failures: u32::from(h == Health::Critical), unknowns: u32::from(h == Health::Unknown) }
}

/// Every row of the board as reported, secrets masked.
fn statuses<'a>(
    board: &Board,
    counts: &[CheckCounts],
    conditions: impl Fn(usize) -> &'a [Condition],
    secrets: &Redactor,
) -> Vec<CheckStatus> {
    let mask = |s: &str| secrets.redact(s).into_owned();
    board
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let c = counts.get(i).copied().unwrap_or_default();
            CheckStatus {
                id: r.id.clone(),
                kind: r.kind,
                state: r.health().label(),
                value: r.eval.last_value(),
                unit: r.unit.map(|u| u.symbol),
                reason: mask(r.eval.reason()),
                note: r.last_reading.as_ref().and_then(|l| l.note.as_deref()).map(mask),
                latency_ms: r.last_latency_ms.map(|l| (l * 10.0).round() / 10.0),
                failures: c.failures,
                unknowns: c.unknowns,
                conditions: conditions(i).iter().map(|c| c.masked(&mask)).collect(),
            }
        })
        .collect()
}

/// `round 3/60: 1 critical (api), 0 unknown — failures 1/2, inconclusive 0/3`.
fn progress_line(rounds: &Rounds, policy: &Policy) -> String {
    let named = |state: Health, label: &str| {
        let ids = rounds.ids_in(state);
        if ids.is_empty() { format!("0 {label}") } else { format!("{} {label} ({})", ids.len(), ids.join(", ")) }
    };
    format!(
        "round {}/{}: {}, {} — failures {}/{}, inconclusive {}/{}",
        rounds.tally.rounds,
        policy.rounds(),
        named(Health::Critical, "critical"),
        named(Health::Unknown, "unknown"),
        rounds.tally.failures,
        policy.failure_limit,
        rounds.tally.inconclusive,
        policy.inconclusive_limit
    )
}

/// `verdict: failed after 3 of 10 rounds (failures 2 > limit 1, inconclusive 0/0)`.
fn verdict_line(report: &Report, rounds: &Rounds, policy: &Policy) -> String {
    let t = &rounds.tally;
    let why = match report.verdict {
        Verdict::Failed => format!("failures {} > limit {}", t.failures, policy.failure_limit),
        Verdict::Inconclusive if report.checks.is_empty() => "the plan has no checks".to_string(),
        Verdict::Inconclusive => format!("inconclusive rounds {} > limit {}", t.inconclusive, policy.inconclusive_limit),
        Verdict::Successful => {
            format!("failures {}/{}, inconclusive {}/{}", t.failures, policy.failure_limit, t.inconclusive, policy.inconclusive_limit)
        }
    };
    format!("verdict: {} after {} of {} rounds ({why})", report.verdict.label(), t.rounds, policy.rounds())
}

/// Width of the table's VALUE column.
const VALUE_COLUMN: usize = 10;

/// The REASON column: the state's reason, and the last reading's note.
fn reason_and_note(r: &Row) -> String {
    match r.last_reading.as_ref().and_then(|l| l.note.as_deref()) {
        Some(note) if r.eval.reason().is_empty() => format!("note: {note}"),
        Some(note) => format!("{} (note: {note})", r.eval.reason()),
        None => r.eval.reason().to_string(),
    }
}

/// A plain table for people and CI logs.
pub fn table(board: &Board) -> String {
    let id_w = board.rows.iter().map(|r| r.id.chars().count()).max().unwrap_or(5).max(5);
    let mut out = format!("{:<10} {:<id_w$} {:<10} {:>vw$}  {}\n", "STATE", "CHECK", "KIND", "VALUE", "REASON", vw = VALUE_COLUMN);
    for r in &board.rows {
        let value = r.eval.last_value().map(|v| format::value_within(v, r.unit, VALUE_COLUMN)).unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<10} {:<id_w$} {:<10} {:>vw$}  {}\n",
            r.health().label(),
            r.id,
            r.kind,
            value,
            reason_and_note(r),
            vw = VALUE_COLUMN
        ));
    }
    out
}
