//! Validation of `[[checklist]]` and `[[runbook]]`: a source file that exists
//! or inline entries, and checks named by `verify` that exist.

use std::path::Path;

use super::super::diagnostic::Diagnostics;
use super::super::locate::KeyPath;
use super::super::resolve_relative;
use super::super::sections::{Checklist, Runbook};
use super::Ctx;

pub fn checklist_ok(ctx: &Ctx, i: usize, list: &Checklist, check_ids: &[&str], diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("checklist", i).key(k);
    match (&list.from, list.items.is_empty()) {
        (Some(_), false) => diags.push(ctx.error(&at("items"), "both `from` and `items` are set; expected one of them")),
        (None, true) => diags.push(ctx.error(&KeyPath::item("checklist", i), "checklist needs `from` (a Markdown file) or `items`")),
        (Some(from), true) => file_exists(ctx, &at("from"), from.path(), diags),
        (None, false) => {}
    }
    for (j, item) in list.items.iter().enumerate() {
        if let Some(check) = item.verify()
            && !check_ids.contains(&check)
        {
            diags.push(ctx.error(&at("items").index(j).key("verify"), unknown("check", check, check_ids)));
        }
    }
    for check in list.verify.values() {
        if !check_ids.contains(&check.as_str()) {
            diags.push(ctx.error(&at("verify"), unknown("check", check, check_ids)));
        }
    }
    if list.from.is_none() && !list.verify.is_empty() {
        diags.push(ctx.error(&at("verify"), "`verify` maps the items of a Markdown checklist; inline items take `verify` themselves"));
    }
}

pub fn runbook_ok(ctx: &Ctx, i: usize, book: &Runbook, diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("runbook", i).key(k);
    match (&book.from, book.steps.is_empty()) {
        (Some(_), false) => diags.push(ctx.error(&at("steps"), "both `from` and `steps` are set; expected one of them")),
        (None, true) => diags.push(ctx.error(&KeyPath::item("runbook", i), "runbook needs `from` (a Markdown file) or `steps`")),
        (Some(from), true) => file_exists(ctx, &at("from"), from.path(), diags),
        (None, false) => {}
    }
    for (j, step) in book.steps.iter().enumerate() {
        if step.rollback && step.run.is_none() {
            diags.push(ctx.error(&at("steps").index(j).key("rollback"), "a rollback step needs `run`: the command that rolls back"));
        }
    }
    if let Some(cwd) = &book.cwd
        && !resolve_relative(ctx.base_dir, cwd).is_dir()
    {
        diags.push(ctx.warning(&at("cwd"), format!("directory \"{}\" does not exist here", cwd.display())));
    }
}

/// A referenced file must exist (relative paths start at the plan's directory).
pub fn file_exists(ctx: &Ctx, path: &KeyPath, file: &Path, diags: &mut Diagnostics) {
    let full = resolve_relative(ctx.base_dir, file);
    if !full.is_file() {
        diags.push(ctx.error(
            path,
            format!("file \"{}\" not found (looked for {}); paths are relative to the plan file", file.display(), full.display()),
        ));
    }
}

/// "unknown check `x`; expected one of a, b, c".
pub fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for k in known {
        if !names.contains(k) {
            names.push(k);
        }
    }
    let near = super::super::suggest::closest(name, names.iter().copied()).map(|n| format!("; did you mean `{n}`?")).unwrap_or_default();
    if names.is_empty() {
        format!("unknown {what} `{name}`; the plan defines no {what}")
    } else {
        format!("unknown {what} `{name}`; expected one of {}{near}", names.join(", "))
    }
}
