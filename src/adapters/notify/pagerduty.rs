//! PagerDuty Events API v2 bodies: an incident's life as one PagerDuty
//! alert. `incident.opened` triggers, `incident.acknowledged` acknowledges,
//! `incident.status` to resolved or closed resolves (back to an open status
//! triggers again), and `incident.severity` triggers again with the new
//! severity. Every event of an incident carries the same `dedup_key`,
//! `opsdeck:<room>:incident:<number>`, whichever console sends it. Other
//! status changes (investigating → identified, …) send nothing.
//!
//! The severity is the incident's plan severity mapped to PagerDuty's: the
//! severity's `pagerduty_severity` when the plan sets it, else by rank in
//! the plan's list (first `critical`, second `error`, third `warning`, the
//! rest `info`). The routing key is not here: it is a secret, set in the
//! body only as it is sent.

use serde_json::{Value, json};

use super::classify::{Incident, Notice};
use crate::adapters::journal::{Body, Event, Status};
use opsdeck_core::config::Severity;

/// PagerDuty's `summary` limit, in characters.
const SUMMARY_MAX: usize = 1024;

/// What to tell PagerDuty about `event`; `None` when it changes nothing there.
pub fn body(event: &Event, notice: &Notice, severities: &[Severity]) -> Option<Value> {
    let incident = notice.incident.as_ref()?;
    let action = match (notice.kind.as_str(), event.body()) {
        ("incident.opened" | "incident.severity", _) => "trigger",
        ("incident.acknowledged", _) => "acknowledge",
        ("incident.status", Some(Body::IncidentStatus { from, to, .. })) => match (closed(*from), closed(*to)) {
            (false, true) => "resolve",
            (true, false) => "trigger",
            _ => return None,
        },
        _ => return None,
    };
    let dedup_key = dedup_key(&event.room, incident.id);
    if action != "trigger" {
        return Some(json!({ "event_action": action, "dedup_key": dedup_key }));
    }
    let at = jiff::Timestamp::from_millisecond(event.at_ms).map(|t| t.to_string()).unwrap_or_default();
    Some(json!({
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "client": "opsdeck",
        "payload": {
            "summary": summary(&event.room, incident, notice),
            "source": format!("opsdeck:{}", event.room),
            "severity": severity(severities, &incident.severity),
            "timestamp": at,
            "component": event.room,
            "group": "opsdeck",
            "class": "incident",
            "custom_details": {
                "room": event.room,
                "incident": incident.id,
                "title": incident.title,
                "severity": incident.severity,
                "event": notice.kind,
                "text": notice.text,
                "by": event.actor.name,
                "seq": event.seq,
            },
        },
    }))
}

/// One key per incident of a room: the same from every console.
pub fn dedup_key(room: &str, incident: i64) -> String {
    format!("opsdeck:{room}:incident:{incident}")
}

/// PagerDuty's severity for plan severity `id` (see the module doc).
pub fn severity(severities: &[Severity], id: &str) -> &'static str {
    let Some((rank, sev)) = severities.iter().enumerate().find(|(_, s)| s.id == id) else {
        return "error";
    };
    if let Some(explicit) = sev.pagerduty_severity.as_deref().and_then(known) {
        return explicit;
    }
    match rank {
        0 => "critical",
        1 => "error",
        2 => "warning",
        _ => "info",
    }
}

fn known(s: &str) -> Option<&'static str> {
    ["critical", "error", "warning", "info"].into_iter().find(|k| *k == s)
}

fn closed(status: Status) -> bool {
    matches!(status, Status::Resolved | Status::Closed)
}

/// `P1 Checkout errors (incident #12 in war-room)`, at most 1024 characters.
fn summary(room: &str, incident: &Incident, notice: &Notice) -> String {
    let text = if incident.title.is_empty() {
        notice.text.clone()
    } else {
        format!("{} {} (incident #{} in {room})", incident.severity, incident.title, incident.id)
    };
    text.chars().take(SUMMARY_MAX).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::config::sections::default_severities;

    #[test]
    fn severities_map_by_rank_or_explicitly() {
        let mut sevs = default_severities();
        let got: Vec<&str> = ["P0", "P1", "P2", "P3", "P9"].iter().map(|id| severity(&sevs, id)).collect();
        assert_eq!(got, ["critical", "error", "warning", "info", "error"]);
        sevs[1].pagerduty_severity = Some("critical".into());
        assert_eq!(severity(&sevs, "P1"), "critical");
    }
}
