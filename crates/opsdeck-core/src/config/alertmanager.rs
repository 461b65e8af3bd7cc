//! Alertmanager in the plan: the `alertmanager` probe of a check (how many
//! active alerts match a filter), the plan-level `[alertmanager]` table
//! that opsdeck mirrors its silences to, and the marker that names a
//! mirrored silence in Alertmanager so any console can find it again.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::metrics::selector::Matcher;

/// `alertmanager = { url | url_env, filter = ['severity="critical"'], headers_env }`:
/// the number of active alerts (not silenced, not inhibited) matching
/// every matcher of `filter`.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerProbe {
    /// Base URL of Alertmanager (`http://alertmanager:9093`).
    pub url: Option<String>,
    pub url_env: Option<String>,
    /// Label matchers, one per string, all of which an alert must meet.
    #[serde(default)]
    pub filter: Vec<String>,
    /// Header values read from environment variables (`Authorization = "AM_TOKEN"`).
    #[serde(default)]
    pub headers_env: BTreeMap<String, String>,
}

/// `[alertmanager]`: where opsdeck's silences (set in the console, or the
/// plan's `[[maintenance]]` windows) are mirrored as Alertmanager silences.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerTable {
    pub url: Option<String>,
    pub url_env: Option<String>,
    #[serde(default)]
    pub headers_env: BTreeMap<String, String>,
}

/// The `silence_matchers` of a silence target (`check:ID` or
/// `trigger:ID`); empty when it has none (nothing is mirrored).
pub fn silence_matchers<'p>(plan: &'p super::Plan, target: &str) -> &'p [String] {
    let found = match target.split_once(':') {
        Some(("check", id)) => plan.checks.iter().find(|c| c.id == id).map(|c| c.silence_matchers.as_slice()),
        Some(("trigger", id)) => plan.triggers.iter().find(|t| t.id == id).map(|t| t.silence_matchers.as_slice()),
        _ => None,
    };
    found.unwrap_or_default()
}

/// One target of a `[[maintenance]]` window that has `silence_matchers`:
/// the silence the window stands for in Alertmanager.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSilence {
    pub target: String,
    /// The window's times as written (RFC 3339) and as unix milliseconds.
    pub from: String,
    pub until: String,
    pub from_ms: i64,
    pub until_ms: i64,
    pub reason: String,
    pub matchers: Vec<String>,
}

/// Every target of every maintenance window that has matchers to mirror
/// (windows whose times do not read were refused by validation).
pub fn window_silences(plan: &super::Plan) -> Vec<WindowSilence> {
    let mut out = Vec::new();
    for w in &plan.maintenance {
        let Some((from_ms, until_ms)) = w.window_ms() else { continue };
        for target in w.targets() {
            let matchers = silence_matchers(plan, &target);
            if matchers.is_empty() {
                continue;
            }
            let matchers = matchers.to_vec();
            out.push(WindowSilence {
                target,
                from: w.from.clone().unwrap_or_default(),
                until: w.until.clone().unwrap_or_default(),
                from_ms,
                until_ms,
                reason: w.reason.clone(),
                matchers,
            });
        }
    }
    out
}

/// Parses every matcher of a list that passed validation; a matcher that
/// does not read is an error naming it (never the case for a valid plan).
pub fn matchers(texts: &[String]) -> Result<Vec<Matcher>, String> {
    texts.iter().map(|t| Matcher::parse(t).map_err(|e| format!("matcher {t:?}: {e}"))).collect()
}

/// The marker opsdeck writes at the end of a mirrored silence's comment:
/// it names the room and the silence target, and for a maintenance window
/// its two times, so that a console (this one after a restart, or another)
/// finds the silence it stands for without any other record.
pub fn marker(room: &str, target: &str, window: Option<(&str, &str)>) -> String {
    match window {
        Some((from, until)) => format!("[opsdeck room={room} target={target} window={from}/{until}]"),
        None => format!("[opsdeck room={room} target={target}]"),
    }
}

/// The comment of a mirrored silence: the reason, then the marker.
pub fn comment(reason: &str, marker: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() { marker.to_string() } else { format!("{reason} {marker}") }
}

/// True when `comment` ends with `marker` (the reason before it is free text).
pub fn has_marker(comment: &str, marker: &str) -> bool {
    comment.trim_end().ends_with(marker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_room_target_and_window() {
        let m = marker("shop", "check:api", None);
        assert_eq!(m, "[opsdeck room=shop target=check:api]");
        let c = comment("deploying v2", &m);
        assert_eq!(c, "deploying v2 [opsdeck room=shop target=check:api]");
        assert!(has_marker(&c, &m));
        assert!(!has_marker(&c, &marker("shop", "check:db", None)));
        let w = marker("shop", "check:db", Some(("2026-11-28T22:00:00Z", "2026-11-28T23:00:00Z")));
        assert!(!has_marker(&c, &w) && has_marker(&comment("", &w), &w));
        assert_eq!(matchers(&[r#"a="1""#.to_string()]).unwrap().len(), 1);
    }

    #[test]
    fn targets_with_matchers_and_their_windows() {
        let text = r#"
[deck]
name = "p"
[[check]]
id = "api"
tcp = { address = "a:1" }
silence_matchers = ['alertname="HighLatency"', 'service="api"']
[[check]]
id = "db"
tcp = { address = "a:2" }
[[trigger]]
id = "t"
when = ["api critical for 1m"]
silence_matchers = ['alertname="ApiDown"']
[[maintenance]]
from = "2026-11-28T22:00:00Z"
until = "2026-11-28T23:00:00Z"
reason = "upgrade"
checks = ["api", "db"]
triggers = ["t"]
[alertmanager]
url = "http://am:9093"
"#;
        let (plan, d) = crate::config::parse_source(&crate::config::Source::new("p.toml", text), &|_| true);
        let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
        assert_eq!(silence_matchers(&plan, "check:api").len(), 2);
        assert!(silence_matchers(&plan, "check:db").is_empty() && silence_matchers(&plan, "nope").is_empty());
        let w = window_silences(&plan);
        let targets: Vec<&str> = w.iter().map(|w| w.target.as_str()).collect();
        assert_eq!(targets, ["check:api", "trigger:t"], "db has no matchers");
        assert_eq!((w[0].until_ms - w[0].from_ms, w[0].reason.as_str()), (3_600_000, "upgrade"));
        assert!(matchers(&["a".to_string()]).unwrap_err().starts_with("matcher \"a\": "));
    }
}
