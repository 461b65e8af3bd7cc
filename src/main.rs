//! The `opsdeck` binary: parses the command line and hands over to the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    opsdeck::shell::crash::install();
    let cli = opsdeck::shell::cli::Cli::parse();
    match opsdeck::shell::cli::run(cli) {
        Ok(code) => code,
        Err(report) => {
            // Not eprintln!: with the terminal gone (a hangup) it would panic.
            let _ = writeln!(std::io::stderr(), "opsdeck: {report:?}");
            ExitCode::from(2)
        }
    }
}
