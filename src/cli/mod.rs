//! The command line (clap): global options and one module per subcommand.

mod check;

use std::io;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

/// A terminal operations console for launch day and incident war rooms.
///
/// opsdeck watches the services you are launching, walks your checklists and
/// runbooks, tracks incidents and guards rollbacks, for everyone in the room.
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: Shell },
}

/// Runs a parsed command line; the exit code says how it went.
pub fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    match cli.command {
        Command::Check { ref plan } => Ok(check::run(
            plan,
            cli.theme.as_deref(),
            cli.keymap.as_deref(),
        )),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "opsdeck", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}
