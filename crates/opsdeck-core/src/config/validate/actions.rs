//! Validation of `[[rollback]]`, `[[trigger]]` and `[[maintenance]]`: commands,
//! conditions over known checks, proposals of known rollbacks, windows.

use super::super::condition::Condition;
use super::super::diagnostic::Diagnostics;
use super::super::locate::KeyPath;
use super::super::sections::{Rollback, Trigger, TriggerMode};
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
    if t.expire_after.is_zero() {
        diags.push(ctx.error(&at("expire_after"), "`expire_after` is zero; expected a positive duration like \"10m\""));
    } else if t.mode == TriggerMode::Auto && !t.countdown.is_zero() && t.expire_after <= t.countdown {
        // Point at what the plan wrote: `expire_after`, or the countdown
        // when the default (10m) is what falls short.
        let written = ctx.located.span(&at("expire_after"), false) != ctx.located.span(&KeyPath::item("trigger", i), false);
        let key = if written { "expire_after" } else { "countdown" };
        diags.push(ctx.error(
            &at(key),
            format!(
                "the proposal would expire (expire_after {}) before its countdown ({}) ends; expected `expire_after` longer than `countdown`",
                t.expire_after, t.countdown
            ),
        ));
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
    let from = m.from.as_deref().and_then(|v| read("from", v, diags));
    let until = m.until.as_deref().and_then(|v| read("until", v, diags));
    if let (Some(from), Some(until)) = (from, until)
        && from >= until
    {
        diags.push(ctx.error(&at("until"), "the window ends before it starts; expected `until` after `from`"));
    }
    match &m.every {
        Some(every) => {
            if let Err(e) = every.parse::<super::super::recurrence::Recurrence>() {
                diags.push(ctx.error(&at("every"), e));
            }
        }
        None => {
            for (key, value) in [("from", &m.from), ("until", &m.until)] {
                if value.is_none() {
                    diags.push(ctx.error(
                        &KeyPath::item("maintenance", i),
                        format!(
                            "a maintenance window needs `{key}` (RFC 3339), or `every` for one that recurs, like \"Sun 02:00-04:00 UTC\""
                        ),
                    ));
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use crate::config::{Plan, Source, TimeSpan, parse_source};

    const PLAN: &str = r#"
[deck]
name = "expiry"
[[check]]
id = "api"
tcp = { address = "127.0.0.1:1" }
[[rollback]]
id = "prev"
run = "true"
[[trigger]]
id = "t"
when = ["api down for 30s"]
propose = "prev"
"#;

    fn load(more: &str) -> Result<Plan, String> {
        let source = Source::new("p.toml", format!("{PLAN}{more}"));
        let (plan, d) = parse_source(&source, &|_| true);
        plan.ok_or_else(|| d.render(&[]))
    }

    #[test]
    fn expire_after_defaults_to_ten_minutes_and_must_be_positive() {
        let plan = load("mode = \"confirm\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.triggers[0].expire_after, TimeSpan::from_secs(600));
        let plan = load("mode = \"confirm\"\nexpire_after = \"90s\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.triggers[0].expire_after, TimeSpan::from_secs(90));
        let e = load("expire_after = \"0s\"\n").err().unwrap_or_default();
        assert!(e.contains("trigger[t].expire_after: `expire_after` is zero; expected a positive duration like \"10m\""), "{e}");
        let e = load("expire_after = \"10\"\n").err().unwrap_or_default();
        assert!(e.contains("duration \"10\" has no unit"), "{e}");
    }

    #[test]
    fn an_auto_proposal_must_not_expire_before_its_countdown_ends() {
        let e = load("mode = \"auto\"\ncountdown = \"15m\"\n").err().unwrap_or_default();
        assert!(
            e.contains("trigger[t].countdown: the proposal would expire (expire_after 10m) before its countdown (15m) ends"),
            "the default falls short: the countdown is named: {e}"
        );
        let e = load("mode = \"auto\"\ncountdown = \"2m\"\nexpire_after = \"2m\"\n").err().unwrap_or_default();
        assert!(e.contains("trigger[t].expire_after: the proposal would expire (expire_after 2m) before its countdown (2m) ends"), "{e}");
        assert!(load("mode = \"auto\"\ncountdown = \"2m\"\nexpire_after = \"3m\"\n").is_ok());
    }
}
