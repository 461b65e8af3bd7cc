//! Bounds on the plan's timing, checked where the plan is read so that
//! nothing later (the scheduler's jitter, deadlines, leases) ever computes
//! with an absurd duration: poll intervals between [`MIN_EVERY`] and
//! [`MAX_EVERY`], timeouts no longer than the interval they run in,
//! positive staleness limits and comms intervals, numeric ports in URLs.

use std::time::Duration;

use super::super::check::Check;
use super::super::diagnostic::Diagnostics;
use super::super::duration::TimeSpan;
use super::super::locate::KeyPath;
use super::super::sections::{Defaults, Severity};
use super::Ctx;

/// The shortest poll interval: faster polling is a load test, not a check.
pub const MIN_EVERY: Duration = Duration::from_millis(100);
/// The longest poll interval.
pub const MAX_EVERY: Duration = Duration::from_secs(30 * 24 * 3600);

/// `[defaults]`: the interval is in bounds, the timeout fits in it.
pub fn defaults_ok(ctx: &Ctx, d: &Defaults, diags: &mut Diagnostics) {
    let path = |k: &str| KeyPath::from("defaults").key(k);
    let every_ok = every_in_bounds(ctx, &path("every"), d.every, diags);
    positive(ctx, &path("timeout"), "timeout", d.timeout, diags);
    positive(ctx, &path("stale_after"), "stale_after", d.stale_after, diags);
    // The built-in 2 s timeout is not the plan's doing: with a shorter
    // `every` it is cut to the interval, like any inherited timeout.
    let timeout_written = ctx.located.root_table("defaults").is_some_and(|t| t.contains_key("timeout"));
    if every_ok && timeout_written && d.timeout > d.every {
        diags.push(ctx.error(&path("timeout"), longer_than_every(d.timeout, d.every)));
    }
}

/// A check's own `every`, `timeout` and `stale_after`. A timeout inherited
/// from `[defaults]` that is longer than the check's own interval is not an
/// error: the check's probes are then cut at its interval (see
/// [`crate::reading::Timing::for_check`]); a timeout the check sets
/// itself must fit in its interval.
pub fn check_ok(ctx: &Ctx, i: usize, c: &Check, defaults: &Defaults, diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("check", i).key(k);
    let every_ok = match c.every {
        Some(every) => every_in_bounds(ctx, &at("every"), every, diags),
        None => true,
    };
    if let Some(t) = c.timeout {
        positive(ctx, &at("timeout"), "timeout", t, diags);
        let every = c.every.unwrap_or(defaults.every);
        if every_ok && t > every {
            diags.push(ctx.error(&at("timeout"), longer_than_every(t, every)));
        }
    }
    if let Some(s) = c.stale_after {
        positive(ctx, &at("stale_after"), "stale_after", s, diags);
    }
    // A reading older than `stale_after` shows as UNKNOWN (stale): with a
    // limit shorter than the interval, the check goes stale between every two polls.
    let every = c.every.unwrap_or(defaults.every);
    let stale = c.stale_after.unwrap_or(defaults.stale_after);
    if every_ok && stale.get() <= every.get() {
        let (key, whence) = match c.stale_after {
            Some(_) => (at("stale_after"), "its"),
            None => (at(if c.every.is_some() { "every" } else { "id" }), "the default"),
        };
        diags.push(ctx.warning(
            &key,
            format!(
                "{whence} stale_after ({stale}) is not longer than every ({every}): the check turns stale (UNKNOWN) between polls; set `stale_after` to at least twice `every`, e.g. \"{}\"",
                TimeSpan::from_secs(every.get().as_secs().saturating_mul(3).max(1))
            ),
        ));
    }
}

/// A severity's comms interval, when it has one, is positive; its description, when written, says something.
pub fn severity_ok(ctx: &Ctx, i: usize, s: &Severity, diags: &mut Diagnostics) {
    if let Some(u) = s.update_every {
        positive(ctx, &KeyPath::item("severity", i).key("update_every"), "update_every", u, diags);
    }
    if let super::super::Deadline::Within(t) = s.respond_within {
        positive(ctx, &KeyPath::item("severity", i).key("respond_within"), "respond_within", t, diags);
    }
    if s.description.as_deref().is_some_and(|d| d.trim().is_empty()) {
        diags.push(ctx.warning(
            &KeyPath::item("severity", i).key("description"),
            "empty description; expected what makes an incident this severe, or no `description`",
        ));
    }
}

/// A URL written in the plan parses, with a numeric port when it has one.
pub fn url_ok(ctx: &Ctx, path: &KeyPath, url: &str, diags: &mut Diagnostics) {
    if let Err(e) = url::Url::parse(url.trim()) {
        let hint = match e {
            url::ParseError::InvalidPort => "; a port is a number from 1 to 65535, as in \"http://host:8080/health\"",
            _ => "; expected a URL like \"https://host:8443/health\"",
        };
        diags.push(ctx.error(path, format!("\"{url}\" is not a valid URL: {e}{hint}")));
    }
}

fn every_in_bounds(ctx: &Ctx, path: &KeyPath, every: TimeSpan, diags: &mut Diagnostics) -> bool {
    let ok = (MIN_EVERY..=MAX_EVERY).contains(&every.get());
    if !ok {
        diags.push(ctx.error(
            path,
            format!("poll interval {every} is out of bounds; expected from {} to {}", TimeSpan(MIN_EVERY), TimeSpan(MAX_EVERY)),
        ));
    }
    ok
}

fn positive(ctx: &Ctx, path: &KeyPath, key: &str, span: TimeSpan, diags: &mut Diagnostics) {
    if span.is_zero() {
        diags.push(ctx.error(path, format!("`{key}` is zero; expected a positive duration")));
    }
}

fn longer_than_every(timeout: TimeSpan, every: TimeSpan) -> String {
    format!(
        "timeout {timeout} is longer than the poll interval {every}; expected at most {every} (a probe must end before the next one starts)"
    )
}
