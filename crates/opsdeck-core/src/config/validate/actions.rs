//! Validation of `[[rollback]]`, `[[trigger]]` and `[[notify]]`: commands,
//! conditions over known checks, proposals of known rollbacks, webhooks.

use super::super::condition::Condition;
use super::super::diagnostic::Diagnostics;
use super::super::locate::KeyPath;
use super::super::sections::{NOTIFY_EVENTS, Notify, Rollback, Trigger, TriggerMode};
use super::Ctx;
use super::procedures::unknown;

pub fn rollback_ok(ctx: &Ctx, i: usize, rb: &Rollback, check_ids: &[&str], diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("rollback", i).key(k);
    if rb.run.trim().is_empty() {
        diags.push(ctx.error(&at("run"), "empty command; expected the shell command that rolls back"));
    }
    if rb.timeout.is_zero() {
        diags.push(ctx.error(&at("timeout"), "timeout is zero; expected a positive duration like \"3m\""));
    }
    if let Some(check) = &rb.verify_check
        && !check_ids.contains(&check.as_str())
    {
        diags.push(ctx.error(&at("verify_check"), unknown("check", check, check_ids)));
    }
}

pub fn trigger_ok(ctx: &Ctx, i: usize, t: &Trigger, check_ids: &[&str], rollback_ids: &[&str], diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("trigger", i).key(k);
    if t.when.is_empty() {
        diags.push(ctx.error(&at("when"), "no conditions; expected at least one, like \"api critical for 1m\""));
    }
    for (j, text) in t.when.iter().enumerate() {
        let path = at("when").index(j);
        match text.parse::<Condition>() {
            Err(e) => diags.push(ctx.error(&path, e)),
            Ok(cond) if !check_ids.contains(&cond.check()) => diags.push(ctx.error(&path, unknown("check", cond.check(), check_ids))),
            Ok(_) => {}
        }
    }
    match &t.propose {
        Some(rb) if !rollback_ids.contains(&rb.as_str()) => diags.push(ctx.error(&at("propose"), unknown("rollback", rb, rollback_ids))),
        None if t.mode != TriggerMode::Advise => diags.push(ctx.error(
            &at("mode"),
            "modes `confirm` and `auto` propose a rollback; expected `propose = \"<rollback id>\"` or mode = \"advise\"",
        )),
        _ => {}
    }
    if t.mode == TriggerMode::Auto && t.countdown.is_zero() {
        diags.push(
            ctx.error(&at("countdown"), "an `auto` trigger needs a countdown others can veto; expected a positive duration like \"60s\""),
        );
    }
}

pub fn notify_ok(ctx: &Ctx, i: usize, n: &Notify, diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("notify", i).key(k);
    match (&n.slack_webhook_env, &n.webhook_env) {
        (Some(_), Some(_)) => {
            diags.push(ctx.error(&at("webhook_env"), "both `slack_webhook_env` and `webhook_env` are set; expected one per [[notify]]"))
        }
        (None, None) => diags.push(ctx.error(&KeyPath::item("notify", i), "notify needs `slack_webhook_env` or `webhook_env`")),
        (Some(var), None) => ctx.env_should_be_set(&at("slack_webhook_env"), var, "nothing will be sent until it is", diags),
        (None, Some(var)) => ctx.env_should_be_set(&at("webhook_env"), var, "nothing will be sent until it is", diags),
    }
    if n.on.is_empty() {
        diags.push(ctx.error(&at("on"), format!("no events; expected some of {}", NOTIFY_EVENTS.join(", "))));
    }
    for (j, event) in n.on.iter().enumerate() {
        if !NOTIFY_EVENTS.contains(&event.as_str()) {
            diags.push(ctx.error(&at("on").index(j), format!("unknown event `{event}`; expected one of {}", NOTIFY_EVENTS.join(", "))));
        }
    }
}

/// A maintenance window: two RFC 3339 times in order, a reason, and checks
/// and triggers the plan has.
pub fn maintenance_ok(
    ctx: &Ctx,
    i: usize,
    m: &super::super::sections::Maintenance,
    check_ids: &[&str],
    trigger_ids: &[&str],
    diags: &mut Diagnostics,
) {
    let at = |k: &str| KeyPath::item("maintenance", i).key(k);
    let read = |k: &str, v: &str, diags: &mut Diagnostics| match v.parse::<jiff::Timestamp>() {
        Ok(t) => Some(t),
        Err(_) => {
            diags.push(ctx.error(&at(k), format!("cannot read time \"{v}\"; expected RFC 3339 like \"2026-11-28T22:00:00Z\"")));
            None
        }
    };
    if let (Some(from), Some(until)) = (read("from", &m.from, diags), read("until", &m.until, diags))
        && from >= until
    {
        diags.push(ctx.error(&at("until"), "the window ends before it starts; expected `until` after `from`"));
    }
    if m.reason.trim().is_empty() {
        diags.push(ctx.error(&at("reason"), "a maintenance window needs a reason"));
    }
    if m.checks.is_empty() && m.triggers.is_empty() {
        diags.push(ctx.error(&KeyPath::item("maintenance", i), "maintenance needs `checks` or `triggers`"));
    }
    for (j, c) in m.checks.iter().enumerate() {
        if !check_ids.contains(&c.as_str()) {
            diags.push(ctx.error(&at("checks").index(j), super::procedures::unknown("check", c, check_ids)));
        }
    }
    for (j, t) in m.triggers.iter().enumerate() {
        if !trigger_ids.contains(&t.as_str()) {
            diags.push(ctx.error(&at("triggers").index(j), super::procedures::unknown("trigger", t, trigger_ids)));
        }
    }
}
