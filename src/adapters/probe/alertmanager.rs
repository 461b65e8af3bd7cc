//! `alertmanager` probe: how many alerts are firing. Its value (`alerts`)
//! is the number of active alerts, neither silenced nor inhibited, that
//! match every matcher of the check's `filter` (Alertmanager applies the
//! filter itself, with its own `filter` parameter). The reading's note
//! names them, with their `summary` annotations, so the reason and the
//! detail say which alerts fire. An Alertmanager that cannot be reached,
//! or refuses the request, makes no value: the check is UNKNOWN with the
//! reason.

use std::time::Duration;

use super::{ProbeEnv, ProbeError, ProbeResult, Reading};
use crate::adapters::alertmanager::api::{Alert, Api};
use opsdeck_core::config::alertmanager::{AlertmanagerProbe, matchers};
use opsdeck_core::metrics::selector::Matcher;

/// Longest note kept: the reason and the detail stay readable.
const MAX_NOTE: usize = 240;

pub struct AlertmanagerProber {
    api: Api,
    filter: Vec<Matcher>,
}

impl AlertmanagerProber {
    pub fn new(spec: &AlertmanagerProbe, env: &ProbeEnv) -> Result<Self, ProbeError> {
        let filter = matchers(&spec.filter).map_err(ProbeError::new)?;
        let api = Api::new(spec.url.as_deref(), spec.url_env.as_deref(), &spec.headers_env, env).map_err(ProbeError::new)?;
        Ok(Self { api, filter })
    }

    /// One query of the active alerts, bounded by `timeout`.
    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        let alerts = self.api.alerts(&self.filter, timeout).await.map_err(ProbeError::new)?;
        let reading = Reading::new().with("alerts", alerts.len() as f64);
        Ok(match note(&alerts) {
            Some(note) => reading.with_note(note),
            None => reading,
        })
    }
}

/// `HighLatency (API p99 over 1s); DiskFull ×2 (disk almost full)`: each
/// alert name once, with how many fire and the first summary, cut to
/// [`MAX_NOTE`] characters with how many more there are. `None` when none fire.
pub fn note(alerts: &[Alert]) -> Option<String> {
    let mut named: Vec<(String, usize, Option<String>)> = Vec::new();
    for alert in alerts {
        let name = alert.labels.get("alertname").cloned().unwrap_or_else(|| "(no alertname)".to_string());
        let summary = alert.annotations.get("summary").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        match named.iter_mut().find(|(n, _, _)| *n == name) {
            Some(entry) => {
                entry.1 += 1;
                if entry.2.is_none() {
                    entry.2 = summary;
                }
            }
            None => named.push((name, 1, summary)),
        }
    }
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let parts: Vec<String> = named
        .iter()
        .map(|(name, n, summary)| {
            let count = if *n > 1 { format!(" ×{n}") } else { String::new() };
            match summary {
                Some(s) => format!("{name}{count} ({s})"),
                None => format!("{name}{count}"),
            }
        })
        .collect();
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        let sep = if out.is_empty() { "" } else { "; " };
        let left = parts.len() - i;
        if out.chars().count() + sep.len() + part.chars().count() > MAX_NOTE {
            if out.is_empty() {
                out = part.chars().take(MAX_NOTE).collect::<String>() + "…";
                if left > 1 {
                    out.push_str(&format!(" and {} more", left - 1));
                }
            } else {
                out.push_str(&format!("; and {left} more"));
            }
            return Some(out);
        }
        out.push_str(sep);
        out.push_str(part);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(name: &str, summary: Option<&str>) -> Alert {
        Alert {
            labels: [("alertname".to_string(), name.to_string())].into(),
            annotations: summary.map(|s| ("summary".to_string(), s.to_string())).into_iter().collect(),
        }
    }

    #[test]
    fn notes_name_alerts_with_summaries_and_stay_short() {
        assert_eq!(note(&[]), None);
        let some = [alert("HighLatency", Some("API p99 over 1s")), alert("DiskFull", None), alert("DiskFull", Some("disk at 97%"))];
        assert_eq!(note(&some).as_deref(), Some("DiskFull ×2 (disk at 97%); HighLatency (API p99 over 1s)"));
        let many: Vec<Alert> = (0..40).map(|i| alert(&format!("Alert{i:02}"), Some("something is wrong here"))).collect();
        let n = note(&many).unwrap();
        assert!(n.chars().count() <= MAX_NOTE + 20 && n.ends_with("more"), "{n}");
        let long = [alert("X", Some(&"y".repeat(500)))];
        assert!(note(&long).unwrap().chars().count() <= MAX_NOTE + 1);
    }
}
