//! `opsdeck triggers PLAN [--replay] [--since 1h] [--json]`: the plan's
//! triggers (conditions, mode, grace, cooldown), or, with `--replay`, what
//! they would have done over the room's recorded samples — in a shared
//! (PostgreSQL) room the samples its one prober wrote to the room's store,
//! so every console replays the same history; alone, those this machine's
//! console recorded — with the room's markers and silences. Nothing is run
//! or appended.

use std::path::Path;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};
use serde::Serialize;

use crate::adapters::journal::{AnyStore, Event, read_all};
use crate::adapters::probe::schedule::now_ms;
use crate::adapters::prober::{ROOM_RETENTION_MS, room_samples};
use crate::adapters::samples::{self, RecordedSample, SampleDb};
use opsdeck_core::config::sections::{Combine, OnNoAnswer, TriggerMode};
use opsdeck_core::config::{self, Plan, TimeSpan};
use opsdeck_core::format::clock;
use opsdeck_core::trigger::{Happening, replay};

/// What `triggers` was asked.
pub struct Args<'a> {
    pub plan: &'a Path,
    pub replay: bool,
    pub since: TimeSpan,
    pub json: bool,
    pub store: Option<&'a str>,
    pub room: Option<&'a str>,
}

pub async fn run(args: &Args<'_>) -> Result<ExitCode> {
    let loaded = config::load_plan(args.plan);
    let sources: Vec<&config::Source> = loaded.source.iter().collect();
    let Some(plan) = loaded.plan else {
        eprint!("{}", loaded.diagnostics.render(&sources));
        eprintln!("{}: invalid plan; run `opsdeck check {}`", args.plan.display(), args.plan.display());
        return Ok(ExitCode::from(crate::shell::cli::status::INVALID_PLAN));
    };
    let room = args.room.map_or_else(|| plan.deck.room(), str::to_string);
    if args.replay { replay_room(&plan, &room, args).await } else { Ok(list(&plan, args.json)) }
}

#[derive(Serialize)]
struct TriggerJson<'a> {
    id: &'a str,
    mode: &'static str,
    #[serde(rename = "match")]
    combine: &'static str,
    when: &'a [String],
    propose: Option<&'a str>,
    grace: String,
    cooldown: String,
    countdown: Option<String>,
    on_no_answer: Option<&'static str>,
}

fn mode_name(m: TriggerMode) -> &'static str {
    match m {
        TriggerMode::Advise => "advise",
        TriggerMode::Confirm => "confirm",
        TriggerMode::Auto => "auto",
    }
}

fn list(plan: &Plan, json: bool) -> ExitCode {
    let items: Vec<TriggerJson> = plan
        .triggers
        .iter()
        .map(|t| TriggerJson {
            id: &t.id,
            mode: mode_name(t.mode),
            combine: match t.combine {
                Combine::Any => "any",
                Combine::All => "all",
            },
            when: &t.when,
            propose: t.propose.as_deref(),
            grace: t.grace.to_string(),
            cooldown: t.cooldown.to_string(),
            countdown: (t.mode == TriggerMode::Auto).then(|| t.countdown.to_string()),
            on_no_answer: (t.mode == TriggerMode::Auto).then_some(match t.on_no_answer {
                OnNoAnswer::Run => "run",
                OnNoAnswer::Cancel => "cancel",
            }),
        })
        .collect();
    if json {
        print_json(&items);
        return ExitCode::SUCCESS;
    }
    if items.is_empty() {
        println!("{} has no [[trigger]]", plan.deck.name);
        return ExitCode::SUCCESS;
    }
    for t in &items {
        let action = match (t.mode, t.propose) {
            ("auto", Some(rb)) => format!(
                "auto: runs {rb} after a {} countdown anyone can veto (no answer: {})",
                t.countdown.as_deref().unwrap_or("?"),
                t.on_no_answer.unwrap_or("run")
            ),
            ("confirm", Some(rb)) => format!("confirm: proposes {rb}, a person confirms"),
            _ => "advise: a banner with the reason".to_string(),
        };
        println!("{}  {action}", t.id);
        let join = match (t.when.len(), t.combine) {
            (1, _) => "when:",
            (_, "all") => "when all of:",
            _ => "when any of:",
        };
        println!("  {join}");
        for w in t.when {
            println!("    - {w}");
        }
        let grace =
            if t.grace == "0s" { "no grace after a deploy marker".to_string() } else { format!("grace {} after a deploy marker", t.grace) };
        println!("  {grace} · cooldown {}", t.cooldown);
    }
    ExitCode::SUCCESS
}

#[derive(Serialize)]
struct ReplayJson<'a> {
    room: &'a str,
    since_ms: i64,
    samples: usize,
    timeline: Vec<HappeningJson<'a>>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct HappeningJson<'a> {
    at_ms: i64,
    time: String,
    trigger: &'a str,
    status: &'static str,
    text: &'a str,
}

async fn replay_room(plan: &Plan, room: &str, args: &Args<'_>) -> Result<ExitCode> {
    let now = now_ms();
    let since_ms = now.saturating_sub(i64::try_from(args.since.get().as_millis()).unwrap_or(i64::MAX));
    let (recorded, kept_where) = recorded_samples(args.store, room, since_ms).await?;
    let mut notes = Vec::new();
    if recorded.is_empty() {
        let msg = format!("no recorded samples for room {room} in the last {}: {kept_where}", args.since);
        if args.json {
            print_json(&ReplayJson { room, since_ms, samples: 0, timeline: Vec::new(), notes: vec![msg] });
        } else {
            println!("{msg}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let events = match journal_events(args.store, room).await {
        Ok(events) => events,
        Err(e) => {
            notes.push(format!("markers and silences not read (replayed without them): {e:#}"));
            Vec::new()
        }
    };
    let tz = jiff::tz::TimeZone::system();
    let result = replay(plan, &recorded, &events, &|at_ms| clock(at_ms, &tz));
    notes.extend(result.problems.iter().cloned());
    if !result.unknown_checks.is_empty() {
        notes.push(format!("samples of checks no longer in the plan were skipped: {}", result.unknown_checks.join(", ")));
    }
    if args.json {
        let timeline = result.timeline.iter().map(|h| HappeningJson {
            at_ms: h.at_ms,
            time: clock(h.at_ms, &tz),
            trigger: &h.trigger,
            status: h.status,
            text: &h.text,
        });
        print_json(&ReplayJson { room, since_ms, samples: result.samples, timeline: timeline.collect(), notes });
        return Ok(ExitCode::SUCCESS);
    }
    let (first, last) = (recorded.first().map_or(now, |s| s.at_ms), recorded.last().map_or(now, |s| s.at_ms));
    println!(
        "replay of room {room}: {} samples from {} to {} (shadow: nothing was run or recorded)",
        result.samples,
        clock(first, &tz),
        clock(last, &tz)
    );
    for n in &notes {
        println!("note: {n}");
    }
    if result.timeline.is_empty() {
        println!("no trigger would have done anything: all stayed armed");
    }
    print!("{}", timeline_text(&result.timeline, &tz));
    Ok(ExitCode::SUCCESS)
}

/// `14:02:11 rollback-api  would fire (confirm): …`, ids padded to one column.
pub fn timeline_text(timeline: &[Happening], tz: &jiff::tz::TimeZone) -> String {
    let w = timeline.iter().map(|h| h.trigger.chars().count()).max().unwrap_or(0);
    timeline.iter().map(|h| format!("{} {:<w$}  {}\n", clock(h.at_ms, tz), h.trigger, h.text)).collect()
}

/// The room's events; an SQLite room that does not exist yet has none (and is not created).
/// The samples of `room` taken since `since_ms`, oldest first: the room's
/// own (written by its one prober) in a shared store, else those this
/// machine's consoles recorded; and where such samples are kept, for when
/// there are none.
async fn recorded_samples(store: Option<&str>, room: &str, since_ms: i64) -> Result<(Vec<RecordedSample>, String)> {
    if let Some(url) = store.filter(|s| s.starts_with("postgres"))
        && let AnyStore::Postgres(pg) = AnyStore::open(Some(url))?
    {
        let rows =
            room_samples::read_since_ms(&pg, room, since_ms).await.wrap_err_with(|| format!("reading the samples of room {room}"))?;
        let hours = ROOM_RETENTION_MS / 3_600_000;
        return Ok((rows, format!("the room's prober records them to the room's store and keeps {hours} h")));
    }
    let path = samples::path_for(room).ok_or_else(|| color_eyre::eyre::eyre!("no state directory (is HOME set?) to read samples from"))?;
    let rows = match SampleDb::open_existing(&path).await? {
        Some(db) => {
            let rows = db.read_since(since_ms).await?;
            db.close().await;
            rows
        }
        None => Vec::new(),
    };
    Ok((rows, format!("the console (`opsdeck run`) records them to {} and keeps one hour", path.display())))
}

async fn journal_events(store: Option<&str>, room: &str) -> Result<Vec<Event>> {
    let store = AnyStore::open(store)?;
    if let AnyStore::Sqlite(s) = &store
        && !s.path_of(room)?.exists()
    {
        return Ok(Vec::new());
    }
    read_all(&store, room, 0, 1000).await.wrap_err_with(|| format!("reading the journal of room {room}"))
}

fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("cannot write JSON: {e}"),
    }
}
