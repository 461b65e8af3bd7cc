//! The plan's smaller sections: `[deck]`, `[defaults]`, `[[severity]]`,
//! `[[checklist]]`, `[[runbook]]`, `[[rollback]]`, `[[trigger]]`, `[[notify]]`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::doc_ref::DocRef;
use super::duration::{Deadline, TimeSpan};

/// `[deck]`: what this console is about.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deck {
    pub name: String,
    /// Shown as a banner; `production` (or `prod`) is drawn in the critical colour.
    #[serde(default = "default_environment")]
    pub environment: String,
    /// Journal scope shared by the war room; defaults to a slug of `name`.
    pub room: Option<String>,
    /// Theme name or file, unless `--theme` or `NO_COLOR` says otherwise.
    pub theme: Option<String>,
    /// Keymap preset name or file, unless `--keymap` says otherwise.
    pub keymap: Option<String>,
}

fn default_environment() -> String {
    "production".into()
}

impl Deck {
    pub fn is_production(&self) -> bool {
        matches!(self.environment.to_ascii_lowercase().as_str(), "production" | "prod")
    }

    /// The room name: explicit, or the deck name lower-cased with dashes.
    pub fn room(&self) -> String {
        self.room.clone().unwrap_or_else(|| slug(&self.name))
    }
}

/// Lower-case letters, digits and single dashes.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `[defaults]`: polling and hysteresis settings every check inherits.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Defaults {
    pub every: TimeSpan,
    pub timeout: TimeSpan,
    pub raise_after: u32,
    pub clear_after: u32,
    pub stale_after: TimeSpan,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            every: TimeSpan::from_secs(5),
            timeout: TimeSpan::from_secs(2),
            raise_after: 3,
            clear_after: 2,
            stale_after: TimeSpan::from_secs(30),
        }
    }
}

/// `[[severity]]`: an incident severity and its deadlines.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Severity {
    pub id: String,
    pub name: String,
    pub respond_within: Deadline,
    /// What makes an incident this severe (the criteria), shown where severities are chosen.
    pub description: Option<String>,
    /// How often the comms update is due while the incident is open.
    pub update_every: Option<TimeSpan>,
    /// While an incident of this severity is open, every rollback needs a
    /// second person's approval (the two-person rule).
    #[serde(default)]
    pub two_person: bool,
    /// PagerDuty's severity for it (`critical`, `error`, `warning`,
    /// `info`); by default by rank: first critical, then error, warning, info.
    pub pagerduty_severity: Option<String>,
}

/// P0–P3 as used when a plan names no severities.
pub fn default_severities() -> Vec<Severity> {
    let sev = |id: &str, name: &str, respond: Deadline, update: Option<u64>| Severity {
        id: id.into(),
        name: name.into(),
        respond_within: respond,
        description: None,
        update_every: update.map(|m| TimeSpan::from_secs(m * 60)),
        two_person: false,
        pagerduty_severity: None,
    };
    vec![
        sev("P0", "Critical", Deadline::Within(TimeSpan::from_secs(15 * 60)), Some(30)),
        sev("P1", "High", Deadline::Within(TimeSpan::from_secs(3600)), Some(60)),
        sev("P2", "Medium", Deadline::Within(TimeSpan::from_secs(4 * 3600)), Some(240)),
        sev("P3", "Low", Deadline::NextBusinessDay, None),
    ]
}

/// `[[checklist]]`: launch items, from a Markdown doc or written inline.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub id: Option<String>,
    pub title: Option<String>,
    /// Markdown file, relative to the plan file, or one section of it (`guide.md#slug`).
    pub from: Option<DocRef>,
    #[serde(default)]
    pub items: Vec<ChecklistItem>,
    /// For a Markdown checklist: item id (`{#id}` in the doc) → the check
    /// whose holding ticks it.
    #[serde(default)]
    pub verify: BTreeMap<String, String>,
}

/// An inline checklist item: a sentence, or a table with a verifying check.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ChecklistItem {
    Text(String),
    Detailed(DetailedItem),
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailedItem {
    pub text: String,
    pub id: Option<String>,
    pub phase: Option<String>,
    /// A check whose holding ticks the item automatically.
    pub verify: Option<String>,
}

impl ChecklistItem {
    pub fn verify(&self) -> Option<&str> {
        match self {
            ChecklistItem::Text(_) => None,
            ChecklistItem::Detailed(d) => d.verify.as_deref(),
        }
    }
}

/// `[[runbook]]`: a procedure walked step by step.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    pub id: String,
    pub title: Option<String>,
    /// Markdown file, relative to the plan file, or one section of it (`guide.md#slug`).
    pub from: Option<DocRef>,
    #[serde(default)]
    pub steps: Vec<RunbookStep>,
    /// Environment for runnable steps.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    pub cwd: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunbookStep {
    pub title: String,
    /// Shell command; a step without one is confirmed by hand.
    pub run: Option<String>,
    #[serde(default)]
    pub confirm: bool,
    pub timeout: Option<TimeSpan>,
    /// Also offer this step as a guarded rollback action.
    #[serde(default)]
    pub rollback: bool,
}

/// How a rollback is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmMode {
    /// Enter on a preview dialog.
    #[default]
    Enter,
    /// Typing the action's id.
    Type,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, schemars::JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Danger {
    Low,
    #[default]
    Medium,
    High,
}

/// `[[rollback]]`: a guarded action.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rollback {
    pub id: String,
    pub title: Option<String>,
    pub run: String,
    /// Dry run shown before confirming.
    pub preview: Option<String>,
    /// Command run afterwards to check the result.
    pub verify: Option<String>,
    /// Or a check that must hold afterwards.
    pub verify_check: Option<String>,
    #[serde(default = "default_rollback_timeout")]
    pub timeout: TimeSpan,
    #[serde(default)]
    pub danger: Danger,
    #[serde(default)]
    pub confirm: ConfirmMode,
    /// At most one run per lock key is active across the room (default: id).
    pub lock: Option<String>,
    /// A second person must approve the run.
    #[serde(default)]
    pub two_person: bool,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    pub cwd: Option<PathBuf>,
}

fn default_rollback_timeout() -> TimeSpan {
    TimeSpan::from_secs(300)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum TriggerMode {
    /// A banner with the reason.
    #[default]
    Advise,
    /// Proposes the rollback; a person confirms.
    Confirm,
    /// Runs after a visible countdown anyone can veto.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    #[default]
    Any,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnNoAnswer {
    /// Run the rollback when the countdown ends.
    #[default]
    Run,
    /// Drop the proposal when the countdown ends.
    Cancel,
}

/// `[[trigger]]`: a rule over the metrics that proposes a rollback.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub id: String,
    /// Conditions such as `"error-rate critical for 1m"`.
    pub when: Vec<String>,
    #[serde(default, rename = "match")]
    pub combine: Combine,
    pub propose: Option<String>,
    #[serde(default)]
    pub mode: TriggerMode,
    /// Countdown of `auto` mode.
    #[serde(default = "default_countdown")]
    pub countdown: TimeSpan,
    #[serde(default)]
    pub on_no_answer: OnNoAnswer,
    /// Quiet period after a deploy marker.
    #[serde(default)]
    pub grace: TimeSpan,
    /// Minimum time between two firings.
    #[serde(default = "default_cooldown")]
    pub cooldown: TimeSpan,
    /// An open proposal expires after this long unanswered (it also
    /// expires once its conditions have cleared).
    #[serde(default = "default_expire_after")]
    pub expire_after: TimeSpan,
    /// Alertmanager matchers of the silence mirrored to `[alertmanager]`
    /// whenever this trigger is silenced (as for a check).
    #[serde(default)]
    pub silence_matchers: Vec<String>,
}

fn default_countdown() -> TimeSpan {
    TimeSpan::from_secs(60)
}

fn default_cooldown() -> TimeSpan {
    TimeSpan::from_secs(600)
}

fn default_expire_after() -> TimeSpan {
    TimeSpan::from_secs(600)
}

/// `[[maintenance]]`: a planned window during which checks and triggers
/// fire nothing (they still show their state), like a silence written ahead:
/// once (`from`, `until`) or again and again (`every = "Sun 02:00-04:00 UTC"`,
/// optionally bounded by `from` and `until`).
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    /// RFC 3339 times, e.g. `2026-11-28T22:00:00Z`.
    pub from: Option<String>,
    pub until: Option<String>,
    /// A recurring window (see [`super::recurrence`]).
    pub every: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub checks: Vec<String>,
    #[serde(default)]
    pub triggers: Vec<String>,
}

impl Maintenance {
    /// A one-off window as unix milliseconds, if both times read (`None` for a recurring one).
    pub fn window_ms(&self) -> Option<(i64, i64)> {
        if self.every.is_some() {
            return None;
        }
        Some((ms(self.from.as_deref()?)?, ms(self.until.as_deref()?)?))
    }

    /// A recurring window's rule, with the bounds `from`/`until` put on it.
    pub fn recurrence(&self) -> Option<(super::recurrence::Recurrence, Option<i64>, Option<i64>)> {
        let rule = self.every.as_deref()?.parse().ok()?;
        Some((rule, self.from.as_deref().and_then(ms), self.until.as_deref().and_then(ms)))
    }

    /// How the window reads in a summary.
    pub fn describe(&self) -> String {
        match (&self.every, &self.from, &self.until) {
            (Some(every), None, None) => format!("every {every}"),
            (Some(every), from, until) => {
                format!("every {every} ({} → {})", from.as_deref().unwrap_or("now"), until.as_deref().unwrap_or("on"))
            }
            (None, from, until) => format!("{} → {}", from.as_deref().unwrap_or("?"), until.as_deref().unwrap_or("?")),
        }
    }

    /// Silence targets: `check:ID` and `trigger:ID`.
    pub fn targets(&self) -> impl Iterator<Item = String> + '_ {
        self.checks.iter().map(|c| format!("check:{c}")).chain(self.triggers.iter().map(|t| format!("trigger:{t}")))
    }
}

fn ms(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond())
}

pub use super::notify::{NOTIFY_EVENTS, Notify, NotifyKind};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_makes_room_names() {
        assert_eq!(slug("Checkout v2 — Launch!"), "checkout-v2-launch");
    }

    #[test]
    fn default_severities_match_the_convention() {
        let s = default_severities();
        let ids: Vec<_> = s.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["P0", "P1", "P2", "P3"]);
        assert_eq!(s[0].respond_within.to_string(), "15m");
        assert_eq!(s[1].respond_within.to_string(), "1h");
        assert_eq!(s[2].respond_within.to_string(), "4h");
        assert_eq!(s[3].respond_within, Deadline::NextBusinessDay);
    }
}
