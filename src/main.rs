//! The `opsdeck` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = opsdeck::cli::Cli::parse();
    match opsdeck::cli::run(cli) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("opsdeck: {report:?}");
            ExitCode::from(2)
        }
    }
}
