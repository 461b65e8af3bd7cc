//! The `opsdeck` binary: parses the command line and hands over to the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    opsdeck::shell::crash::install();
    // Before anything makes a TLS client (see the tls module).
    opsdeck::tls::provider();
    let cli = match opsdeck::shell::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(opsdeck::shell::cli::usage_exit_code());
        }
        // --help and --version.
        Err(e) => e.exit(),
    };
    match opsdeck::shell::cli::run(cli) {
        Ok(code) => code,
        Err(report) => {
            // Not eprintln!: with the terminal gone (a hangup) it would panic.
            let _ = writeln!(std::io::stderr(), "opsdeck: {report:?}");
            ExitCode::from(2)
        }
    }
}
