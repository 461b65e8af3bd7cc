//! Markdown import: deployment docs and runbooks, read as they are, into phases
//! of checklist items and runbook steps, band rows and warnings (see DESIGN.md,
//! "Markdown import"). Pure: no I/O, and no input makes it panic.
//!
//! Decisions: a document with exactly one `#` heading takes it as its title and
//! as its top phase; fenced `sh`/`bash`/`shell`/`zsh` blocks run, `console`
//! transcripts and data/config/plain blocks (see [`attrs::SILENT`]) are skipped
//! silently, other languages are skipped with a warning.

mod anchors;
pub mod attrs;
mod bands;
mod blocks;
mod chunks;
mod fences;
pub mod ids;
pub mod model;
mod mojibake;
mod parse;
mod prose;
pub mod render;
mod render_offers;
mod section;
mod text;

pub use model::{BandRow, FrontMatter, Imported, Item, Phase, SeverityOffer, Step, StepKind, Threshold, TriggerOffer, Warning};

/// Imports a Markdown document; items above every heading go to a "(no phase)" phase.
pub fn import(markdown: &str) -> Imported {
    with_prose(parse::run(markdown, None), markdown)
}

/// Like [`import`], naming the phase of items above every heading after the document.
pub fn import_named(markdown: &str, doc_name: &str) -> Imported {
    with_prose(parse::run(markdown, Some(doc_name)), markdown)
}

/// Adds what the document's prose offers: severities and triggers.
fn with_prose(mut doc: Imported, markdown: &str) -> Imported {
    prose::read(markdown, &mut doc);
    doc
}
