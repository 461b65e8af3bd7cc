//! The bodies sent to targets: Slack's `{"text": …}`; for a generic JSON
//! webhook the event itself (room, seq, kind, at, actor, payload) with the
//! subscribed kind and the plain sentence; PagerDuty's and Grafana's in
//! their own modules.

use serde_json::{Value, json};

use super::classify::Notice;
use super::target::Format;
use super::{grafana, pagerduty};
use crate::adapters::journal::Event;
use opsdeck_core::config::Severity;

/// What to POST to a target of `format` about `event`; `None` when the
/// event changes nothing there (a PagerDuty alert's status that it has no
/// word for).
pub fn body(format: Format, event: &Event, notice: &Notice, severities: &[Severity]) -> Option<Value> {
    match format {
        Format::Slack => Some(slack(notice)),
        Format::Json => Some(webhook(event, notice)),
        Format::PagerDuty => pagerduty::body(event, notice, severities),
        Format::Grafana => Some(grafana::body(event, notice)),
    }
}

/// `{"text": ":rotating_light: P1 incident #12 opened by alice: Checkout errors"}`.
pub fn slack(notice: &Notice) -> Value {
    json!({ "text": notice.slack_text() })
}

/// The event as JSON: `room`, `seq`, `kind` (the journal's), `event` (the
/// subscribed name, e.g. `rollback.finished` for a `run.finished`), `at`
/// (RFC 3339, UTC), `at_ms`, `actor` {name, host, from?}, `payload`, `text`.
pub fn webhook(event: &Event, notice: &Notice) -> Value {
    let at = jiff::Timestamp::from_millisecond(event.at_ms).map(|t| t.to_string()).unwrap_or_default();
    json!({
        "room": event.room,
        "seq": event.seq,
        "kind": event.kind,
        "event": notice.kind,
        "at": at,
        "at_ms": event.at_ms,
        "actor": event.actor,
        "payload": event.payload,
        "text": notice.text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::journal::Body;
    use opsdeck_core::testing::{T0, event};

    #[test]
    fn payloads_carry_the_event_and_its_sentence() {
        let e = event(12, T0, "alice", Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() });
        let n = Notice {
            kind: "incident.opened".into(),
            emoji: ":rotating_light:",
            text: "P1 incident #12 opened by alice".into(),
            incident: None,
            trigger: None,
        };
        assert_eq!(body(Format::Slack, &e, &n, &[]), Some(json!({"text": ":rotating_light: P1 incident #12 opened by alice"})));
        let j = body(Format::Json, &e, &n, &[]).expect("a body");
        assert_eq!(j["room"], "test");
        assert_eq!(j["seq"], 12);
        assert_eq!(j["kind"], "incident.opened");
        assert_eq!(j["at"], "2026-03-10T13:58:00Z");
        assert_eq!(j["actor"]["name"], "alice");
        assert_eq!(j["payload"]["title"], "Checkout errors");
        assert_eq!(j["text"], "P1 incident #12 opened by alice");
    }
}
