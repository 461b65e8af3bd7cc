//! `opsdeck export --incident ID`: an incident's post-mortem in Markdown,
//! folded from the room's journal (`--store`, `--room` or `--plan`), with
//! secrets masked (see [`crate::secrets`]: the journal masks them as events
//! are appended, and this masks what older or other consoles stored).

use std::path::Path;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use crate::adapters::journal::{Actor, Journal, read_all};
use crate::adapters::probe::schedule::now_ms;
use crate::secrets::Redactor;
use opsdeck_core::config::{self, Severity, sections::default_severities};
use opsdeck_core::domain::{Incidents, postmortem};

pub async fn run(incident: i64, plan: Option<&Path>, store: Option<&str>, room: Option<&str>) -> Result<ExitCode> {
    let (plan_room, severities, secrets): (Option<String>, Vec<Severity>, Redactor) = match plan {
        Some(path) => {
            let loaded = config::load_plan(path);
            let sources: Vec<&config::Source> = loaded.source.iter().collect();
            let Some(plan) = loaded.plan else {
                eprint!("{}", loaded.diagnostics.render(&sources));
                return Ok(ExitCode::from(1));
            };
            let secrets = Redactor::for_process(Some(&plan));
            (Some(plan.deck.room()), plan.severities, secrets)
        }
        None => (None, default_severities(), Redactor::for_process(None)),
    };
    // A usage error: said as such, never as a report with source locations.
    let Some(room) = room.map(str::to_string).or(plan_room) else {
        eprintln!("opsdeck export: which room? give --room NAME or --plan PLAN");
        return Ok(ExitCode::from(2));
    };
    let journal =
        Journal::open(store, &room, Actor::unknown(), true).await.wrap_err_with(|| format!("cannot open the journal of room {room}"))?;
    let events = read_all(journal.store(), &room, 0, 1000).await.wrap_err_with(|| format!("cannot read the journal of room {room}"))?;
    let mut incidents = Incidents::default();
    for e in &events {
        incidents.apply(e);
    }
    let Some(found) = incidents.get(incident) else {
        let known: Vec<String> = incidents.list(&severities).map(|i| format!("#{} {}", i.id, i.title)).collect();
        let hint = if known.is_empty() { "it has no incidents".to_string() } else { format!("it has {}", known.join(", ")) };
        eprintln!("opsdeck: no incident #{incident} in room {room}; {hint}");
        return Ok(ExitCode::from(1));
    };
    print!("{}", secrets.redact(&postmortem(found, &events, &severities, &room, now_ms())));
    Ok(ExitCode::SUCCESS)
}
