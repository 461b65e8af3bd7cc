//! `opsdeck status PLAN [--json]`: poll every check once, all in parallel,
//! print a table or JSON, and exit by the worst state — a deploy gate. With
//! `--store postgres://…` it probes nothing and prints the room's current
//! states instead (see [`super::room_status`]).
//! Secrets are masked in both (see [`crate::secrets`]).

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::adapters::journal::AnyStore;
use crate::adapters::probe::ProbeEnv;
use crate::adapters::probe::schedule::probe_check_once;
use crate::secrets::Redactor;
use crate::shell::ui::format;
use opsdeck_core::config::{self, Level};
use opsdeck_core::metrics::Health;
use opsdeck_core::metrics::board::{Board, Row};

/// Exit code when the plan itself is invalid.
pub const INVALID_PLAN: u8 = 4;

/// One check's result, as printed with `--json`.
#[derive(Debug, Serialize)]
pub struct CheckStatus {
    pub id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub value: Option<f64>,
    pub unit: Option<&'static str>,
    pub reason: String,
    pub latency_ms: Option<f64>,
}

/// Exit code for a state: 0 ok/acceptable, 1 degraded, 2 critical, 3 unknown.
pub fn exit_code(h: Health) -> u8 {
    match h {
        Health::Ok | Health::Acceptable => 0,
        Health::Degraded => 1,
        Health::Critical => 2,
        Health::Unknown => 3,
    }
}

/// Where `status` reads the room from instead of probing (`--store postgres://…`).
pub struct FromRoom<'a> {
    pub store: &'a str,
    pub room: Option<&'a str>,
}

pub async fn run(path: &Path, json: bool, from_room: Option<FromRoom<'_>>) -> ExitCode {
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
    let board = match from_room {
        Some(from) => {
            let room = from.room.map_or_else(|| plan.deck.room(), str::to_string);
            let read = async { super::room_status::room_board(&plan, &AnyStore::open(Some(from.store))?, &room).await };
            match read.await {
                Ok((board, who)) => {
                    eprintln!("{}", secrets.redact(&who));
                    board
                }
                Err(e) => {
                    eprintln!("cannot read the room's states: {}", secrets.redact(&format!("{e:#}")));
                    return ExitCode::from(exit_code(Health::Unknown));
                }
            }
        }
        None => probed_board(&plan).await,
    };
    let statuses: Vec<CheckStatus> = board.rows.iter().map(|r| status_of(r, &secrets)).collect();
    if json {
        match serde_json::to_string_pretty(&statuses) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("cannot write JSON: {e}"),
        }
    } else {
        print!("{}", secrets.redact(&table(&board)));
    }
    if plan.checks.is_empty() {
        // A gate that checked nothing must not pass.
        eprintln!("{}: the plan has no checks: nothing was verified", path.display());
        return ExitCode::from(exit_code(Health::Unknown));
    }
    let worst = board.rows.iter().map(|r| exit_code(r.health())).max().unwrap_or(0);
    ExitCode::from(worst)
}

/// Every check probed once, all in parallel, and judged.
async fn probed_board(plan: &config::Plan) -> Board {
    let env = ProbeEnv::from_process(plan.base_dir.clone());
    let runs = plan.checks.iter().enumerate().map(|(i, c)| probe_check_once(i, c, &plan.defaults, &env));
    let samples = futures::future::join_all(runs).await;
    let mut board = Board::from_plan(plan);
    for s in &samples {
        board.apply(s);
    }
    board
}

fn status_of(r: &Row, secrets: &Redactor) -> CheckStatus {
    CheckStatus {
        id: r.id.clone(),
        kind: r.kind,
        state: r.health().label(),
        value: r.eval.last_value(),
        unit: r.unit.map(|u| u.symbol),
        reason: secrets.redact(r.eval.reason()).into_owned(),
        latency_ms: r.last_latency_ms.map(|l| (l * 10.0).round() / 10.0),
    }
}

/// Width of the table's VALUE column.
const VALUE_COLUMN: usize = 10;

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
            r.eval.reason(),
            vw = VALUE_COLUMN
        ));
    }
    out
}
