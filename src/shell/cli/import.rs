//! `opsdeck import DOC.md [--json]`: reads a Markdown document and prints what
//! the importer makes of it (a summary and a plan fragment, or the model as JSON).

use std::path::Path;
use std::process::ExitCode;

use opsdeck_core::import::{import_named, render};

/// Prints the import of `doc`; exit 1 when the file cannot be read.
pub fn run(doc: &Path, json: bool) -> ExitCode {
    let bytes = match std::fs::read(doc) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("opsdeck import: cannot read {}: {e}", doc.display());
            return ExitCode::from(1);
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let name = doc.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let imported = import_named(&text, &name);
    if json {
        match serde_json::to_string_pretty(&imported) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("opsdeck import: cannot encode JSON: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        print!("{}", render::summary(&imported, &doc.display().to_string()));
    }
    ExitCode::SUCCESS
}
