//! `opsdeck run PLAN`: the console against a plan.

use std::path::Path;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use crate::adapters::journal::{Journal, identity};
use crate::adapters::probe::ProbeEnv;
use crate::paths;
use crate::shell::app::run::{self, Options};
use crate::shell::look;
use crate::shell::theme::ThemeLoader;
use opsdeck_core::config::{self, Level, Plan};

/// Settings shared by the console commands.
pub struct ConsoleArgs<'a> {
    pub theme: Option<&'a str>,
    pub keymap: Option<&'a str>,
    pub ascii: bool,
    pub store: Option<&'a str>,
    pub room: Option<&'a str>,
    pub as_name: Option<&'a str>,
    pub read_only: bool,
}

pub async fn run(path: &Path, args: &ConsoleArgs<'_>) -> Result<ExitCode> {
    let loaded = config::load_plan(path);
    let sources: Vec<&config::Source> = loaded.source.iter().collect();
    let Some(plan) = loaded.plan else {
        eprint!("{}", loaded.diagnostics.render(&sources));
        eprintln!("{}: invalid: {} errors", path.display(), loaded.diagnostics.count(Level::Error));
        return Ok(ExitCode::from(1));
    };
    console(&plan, args, ProbeEnv::from_process(plan.base_dir.clone())).await
}

/// Loads the look and runs the console on a valid plan.
pub async fn console(plan: &Plan, args: &ConsoleArgs<'_>, env: ProbeEnv) -> Result<ExitCode> {
    // Before any probe, run or append: from here on nothing secret leaves the process.
    crate::secrets::install(crate::secrets::Redactor::for_process(Some(plan)));
    let look = match look::load(args.theme, args.keymap, plan.deck.theme.as_deref(), plan.deck.keymap.as_deref(), &plan.base_dir, None) {
        Ok(l) => l,
        Err(report) => {
            eprint!("{}", report.render());
            return Ok(ExitCode::from(1));
        }
    };
    let room = args.room.map(str::to_string).unwrap_or_else(|| plan.deck.room());
    let actor = identity::current(args.as_name);
    let journal = Journal::open(args.store, &room, actor, args.read_only)
        .await
        .wrap_err_with(|| format!("cannot open the journal of room {room}"))?;
    let opts = Options { ascii: args.ascii || !locale_is_utf8(), themes: ThemeLoader::new(paths::user_themes(), ".".into()), journal };
    match run::run(plan, look, env, opts).await? {
        run::Ended::Quit => Ok(ExitCode::SUCCESS),
        run::Ended::Signal(n) => Ok(ExitCode::from(u8::try_from(128 + n).unwrap_or(u8::MAX))),
    }
}

/// True when the locale promises UTF-8 (LC_ALL, then LC_CTYPE, then LANG).
pub fn locale_is_utf8() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .is_some_and(|v| v.to_ascii_lowercase().replace('-', "").contains("utf8"))
}
