//! `check` warns about each secret too short to mask safely (under
//! [`MIN_SECRET_CHARS`] characters), naming the variable and where the plan
//! names it, never the value (see [`crate::secrets`]).

use crate::secrets::{MIN_SECRET_CHARS, Redactor, Unmaskable};
use opsdeck_core::config::locate::Seg;
use opsdeck_core::config::{Diagnostic, Diagnostics, Source, locate_key};

/// One warning per secret of `redactor` too short to mask. A variable named
/// by an `*_env` key points at that key; an `env` table entry names its key
/// without quoting the line (which holds the value); one from the process
/// environment only has no place in the plan.
pub fn warnings(plan_source: &Source, redactor: &Redactor) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for short in redactor.unmaskable() {
        diags.push(warning(plan_source, short));
    }
    diags
}

fn warning(source: &Source, short: &Unmaskable) -> Diagnostic {
    let what = format!("{} `{}`", short.part.describe(), short.var);
    let consequence =
        format!("is under {MIN_SECRET_CHARS} characters, too short to mask safely: it will show as is wherever it is printed");
    match &short.at {
        Some(at) => {
            let (span, key) = locate_key(source, at);
            // `….env.NAME = "value"`: the line would show the value.
            let inline = matches!(at.0.iter().rev().nth(1), Some(Seg::Key(k)) if k == "env");
            let span = if inline { None } else { span };
            Diagnostic::warning(&source.path, span, key, format!("{what} {consequence}"))
        }
        None => Diagnostic::warning(&source.path, None, "", format!("{what} (from the environment) {consequence}")),
    }
}
