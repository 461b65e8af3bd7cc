//! The command line (clap): global options and one module per subcommand.

mod check;
mod check_markdown;
mod check_secrets;
mod demo;
mod export;
pub mod gate;
mod import;
mod man;
mod mark;
mod room_status;
mod rounds;
mod run;
mod serve;
pub mod status;
pub mod triggers;

use std::io;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;
use color_eyre::eyre::WrapErr;

/// A terminal operations console for launch day and incident war rooms.
///
/// opsdeck watches the services you are launching, walks your checklists and
/// runbooks, tracks incidents and guards rollbacks, for everyone in the room.
///
/// It reads a plan (one TOML file) that says what to watch and how to judge
/// it: HTTP endpoints, Prometheus, Alertmanager, PostgreSQL, Redis and job
/// queues, TLS certificates and shell probes, each against target,
/// acceptable and critical bands; the checklists and runbooks the team keeps
/// in Markdown; incident severities; guarded rollbacks and the triggers that
/// propose them. Every action goes to the room's journal (SQLite, or
/// PostgreSQL shared by the war room). `opsdeck demo` shows it against a
/// simulated shop with nothing to install; `opsdeck schema` gives editors
/// the plan's JSON Schema.
#[derive(Debug, Parser)]
#[command(name = "opsdeck", version, about, long_about, propagate_version = true)]
pub struct Cli {
    /// Theme: a shipped name (dark, light, ansi16, mono), a name in the user
    /// theme directory, or a path to a theme file. Overrides NO_COLOR.
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub theme: Option<String>,

    /// Keymap: a shipped preset (default, vim), a name in the user keymap
    /// directory, or a path to a keymap file.
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub keymap: Option<String>,

    /// Draw with ASCII only (no block characters or symbols); the default
    /// when the locale is not UTF-8.
    #[arg(long, global = true)]
    pub ascii: bool,

    /// The journal store: a PostgreSQL URL shared by the war room
    /// (postgres://…); without it, an SQLite file per room in the state directory.
    #[arg(long, global = true, env = "OPSDECK_STORE", value_name = "URL", hide_env_values = true)]
    pub store: Option<String>,

    /// The room (journal scope); default: the plan's `deck.room`.
    #[arg(long, global = true, value_name = "NAME")]
    pub room: Option<String>,

    /// Act under this name instead of the OS user.
    #[arg(long = "as", global = true, value_name = "NAME")]
    pub as_name: Option<String>,

    /// Watch only: see everything, change nothing (enforced by the journal).
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Log level of the console's log file (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "info", value_name = "LEVEL")]
    pub log_level: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a plan and everything it references (theme, keymap, Markdown
    /// files); print a summary. Exit 0 when valid, 1 when not.
    Check {
        /// The plan file (TOML).
        plan: std::path::PathBuf,
    },
    /// The console against a simulated shop living through a scripted story
    /// (healthy, latency spike, error burst, recovery); nothing to install.
    Demo {
        /// Run the story faster (2 = twice as fast).
        #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
        speed: f64,
    },
    /// Run the console against a plan.
    Run {
        /// The plan file (TOML).
        plan: std::path::PathBuf,
    },
    /// Poll every check once, print a table (or JSON) and exit by the worst
    /// state: 2 if any is critical, else 3 if any is unknown, else 1 if any
    /// is degraded, else 0; 4 for an invalid plan or flags.
    ///
    /// With --for it is a deploy gate (like an Argo Rollouts AnalysisRun):
    /// a round (every check probed once) every --every for as long as --for.
    /// A round with a critical check fails, else one with an unknown check is
    /// inconclusive. The run ends failed once failed rounds exceed
    /// --failure-limit, inconclusive once inconclusive rounds exceed
    /// --inconclusive-limit, else successful after --for. Exit 0 successful,
    /// 2 failed, 3 inconclusive, 4 invalid plan or flags.
    ///
    /// With --store postgres://… probe nothing: print the room's current
    /// states as its one prober judged them (one round; --for is refused).
    Status {
        /// The plan file (TOML).
        plan: std::path::PathBuf,
        /// Print one JSON object: verdict, started, finished, rounds and
        /// checks (id, kind, state, value, unit, reason, latency_ms,
        /// failures, unknowns, and conditions: every `assert` with passed
        /// and actual).
        #[arg(long)]
        json: bool,
        /// Be a deploy gate: poll in rounds for this long ("10m").
        #[arg(long = "for", value_name = "DURATION")]
        span: Option<opsdeck_core::config::TimeSpan>,
        /// With --for: the time between rounds [default: 10s].
        #[arg(long, value_name = "DURATION")]
        every: Option<opsdeck_core::config::TimeSpan>,
        /// With --for: failed rounds tolerated; one more fails the run [default: 0].
        #[arg(long, value_name = "N")]
        failure_limit: Option<u32>,
        /// With --for: inconclusive rounds tolerated; one more ends the run
        /// inconclusive [default: 0].
        #[arg(long, value_name = "N")]
        inconclusive_limit: Option<u32>,
    },
    /// Print an incident's post-mortem in Markdown, from the room's journal.
    Export {
        /// The incident's number (as shown in the console: #42).
        #[arg(long, value_name = "ID")]
        incident: i64,
        /// A plan to take the room and severities from.
        #[arg(long, value_name = "PLAN")]
        plan: Option<std::path::PathBuf>,
    },
    /// Read a Markdown deployment doc or runbook and show what it imports as:
    /// phases with item and step counts, bands, warnings and a plan fragment.
    /// Exit 1 when the file cannot be read.
    Import {
        /// The Markdown document.
        doc: std::path::PathBuf,
        /// Print the imported model as JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Append a marker (`deploy v1.2.0`) to the room's journal, as --as or
    /// user@host. Never queued: exit 0 recorded, 1 not recorded (store
    /// unreachable or refused), 2 usage (no room, empty text, invalid plan).
    Mark {
        /// What happened, e.g. "deploy v1.2.0".
        text: String,
        /// A plan to take the room from (when --room is not given).
        #[arg(long, value_name = "PLAN")]
        plan: Option<std::path::PathBuf>,
    },
    /// List the plan's triggers (conditions, mode, grace, cooldown), or with
    /// --replay show what they would have done over the room's recorded
    /// samples (with --store postgres://… the room's prober's, kept 24 h;
    /// else this machine's console's, kept one hour), without doing anything.
    Triggers {
        /// The plan file (TOML).
        plan: std::path::PathBuf,
        /// Re-run the triggers over the room's recorded samples and journal
        /// markers and silences; print a timeline of what would have happened.
        #[arg(long)]
        replay: bool,
        /// How far back to replay.
        #[arg(long, default_value = "1h", value_name = "DURATION")]
        since: opsdeck_core::config::TimeSpan,
        /// Print JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Serve the console over SSH: every key in --keys gets its own console
    /// on one shared room (one prober, one journal); `ssh -p PORT host`.
    Serve {
        /// The plan file (TOML); not with --demo.
        #[arg(required_unless_present = "demo", conflicts_with = "demo")]
        plan: Option<std::path::PathBuf>,
        /// Serve the demo's simulated shop and built-in plan.
        #[arg(long)]
        demo: bool,
        /// With --demo: run the story faster (2 = twice as fast).
        #[arg(long, default_value_t = 1.0, value_name = "FACTOR", requires = "demo")]
        speed: f64,
        /// Where to accept SSH connections.
        #[arg(long, default_value = "127.0.0.1:2222", value_name = "ADDR:PORT")]
        listen: String,
        /// Who may come in: one `KEYTYPE BASE64 NAME ROLE` line per key,
        /// ROLE operator or observer; re-read when it changes.
        #[arg(long, value_name = "FILE")]
        keys: std::path::PathBuf,
        /// The server's private key (OpenSSH format); default: one
        /// generated on first start and kept in the state directory.
        #[arg(long, value_name = "FILE")]
        host_key: Option<std::path::PathBuf>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// For bash: `opsdeck completions bash > ~/.local/share/bash-completion/completions/opsdeck`;
    /// the Debian package installs the bash, zsh and fish scripts itself.
    Completions {
        /// The shell to complete for.
        shell: Shell,
    },
    /// Print the opsdeck(1) manual page (roff), or write every page into a
    /// directory.
    ///
    /// Without --dir, print opsdeck(1) to stdout: `opsdeck man | man -l -`.
    /// With --dir, write opsdeck.1 and one page per subcommand
    /// (opsdeck-run.1, opsdeck-status.1, …) into DIR, made when missing.
    /// The pages are generated from the same definitions as --help.
    Man {
        /// Write every page into this directory instead of printing opsdeck(1).
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
    /// Print the plan's JSON Schema, for editors: save it and put
    /// `#:schema ./plan.schema.json` at the top of the plan.
    Schema,
}

/// The exit code for a command line clap refused: 4 for `opsdeck status`
/// (a gate's usage errors must not read as a verdict: 2 is "failed"),
/// clap's own 2 for every other command.
pub fn usage_exit_code() -> u8 {
    let lenient = Cli::command().ignore_errors(true).try_get_matches();
    match lenient.as_ref().ok().and_then(clap::ArgMatches::subcommand_name) {
        Some("status") => status::INVALID_PLAN,
        _ => 2,
    }
}

/// Runs a parsed command line; the exit code says how it went.
pub fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    let console = run::ConsoleArgs {
        theme: cli.theme.as_deref(),
        keymap: cli.keymap.as_deref(),
        ascii: cli.ascii,
        store: cli.store.as_deref(),
        room: cli.room.as_deref(),
        as_name: cli.as_name.as_deref(),
        read_only: cli.read_only,
    };
    match cli.command {
        Command::Check { ref plan } => Ok(check::run(plan, cli.theme.as_deref(), cli.keymap.as_deref())),
        Command::Demo { speed } => {
            let _log = crate::logging::init(&cli.log_level)?;
            console_runtime()?.block_on(demo::run(&console, speed))
        }
        Command::Run { ref plan } => {
            let _log = crate::logging::init(&cli.log_level)?;
            console_runtime()?.block_on(run::run(plan, &console))
        }
        Command::Status { ref plan, json, span, every, failure_limit, inconclusive_limit } => {
            let from_room = cli
                .store
                .as_deref()
                .filter(|s| s.starts_with("postgres"))
                .map(|store| status::FromRoom { store, room: cli.room.as_deref() });
            let flags = status::Flags { json, span, every, failure_limit, inconclusive_limit };
            Ok(runtime()?.block_on(status::run(plan, &flags, from_room)))
        }
        Command::Export { incident, ref plan } => {
            runtime()?.block_on(export::run(incident, plan.as_deref(), cli.store.as_deref(), cli.room.as_deref()))
        }
        Command::Import { ref doc, json } => Ok(import::run(doc, json)),
        Command::Mark { ref text, ref plan } => {
            let args = mark::MarkArgs {
                text,
                plan: plan.as_deref(),
                store: cli.store.as_deref(),
                room: cli.room.as_deref(),
                as_name: cli.as_name.as_deref(),
                read_only: cli.read_only,
            };
            runtime()?.block_on(mark::run(&args))
        }
        Command::Triggers { ref plan, replay, since, json } => {
            let args = triggers::Args { plan, replay, since, json, store: cli.store.as_deref(), room: cli.room.as_deref() };
            runtime()?.block_on(triggers::run(&args))
        }
        Command::Serve { ref plan, demo, speed, ref listen, ref keys, ref host_key } => {
            if cli.as_name.is_some() || cli.read_only {
                eprintln!("opsdeck serve: --as and --read-only do not apply: each key's line in --keys says who it is and its role");
                return Ok(ExitCode::from(2));
            }
            let _log = crate::logging::init(&cli.log_level)?;
            let opts = crate::serve::Options {
                listen: listen.clone(),
                keys: keys.clone(),
                host_key: host_key.clone(),
                store: cli.store.clone(),
                room: cli.room.clone(),
                theme: cli.theme.clone(),
                keymap: cli.keymap.clone(),
                ascii: cli.ascii,
            };
            match plan {
                Some(plan) if !demo => runtime()?.block_on(serve::run(plan, opts)),
                _ => runtime()?.block_on(serve::demo(speed, opts)),
            }
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "opsdeck", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { ref dir } => man::run(dir.as_deref()),
        Command::Schema => {
            println!("{}", opsdeck_core::config::schema::plan_schema());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runtime() -> color_eyre::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().wrap_err("cannot start the async runtime")
}

/// The console's runtime: one thread for the loop, the probes and the
/// journal link (blocking work still goes to tokio's blocking pool, and
/// SQLite to sqlx's own thread). An idle console then wakes one thread per
/// event instead of handing each sample between workers, and keeps one
/// allocator arena rather than one per worker (glibc's default is eight
/// per core), which is most of its resident memory.
fn console_runtime() -> color_eyre::Result<tokio::runtime::Runtime> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter (glibc takes its own lock); arenas made later obey it.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    tokio::runtime::Builder::new_current_thread().enable_all().build().wrap_err("cannot start the async runtime")
}
