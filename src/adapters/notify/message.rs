//! The bodies sent to webhooks: Slack's `{"text": …}`, and for a generic
//! JSON webhook the event itself (room, seq, kind, at, actor, payload) with
//! the subscribed kind and the plain sentence.

use serde_json::{Value, json};

use super::classify::Notice;
use super::target::Format;
use crate::adapters::journal::Event;

/// What to POST to a target of `format` about `event`.
pub fn body(format: Format, event: &Event, notice: &Notice) -> Value {
    match format {
        Format::Slack => slack(notice),
        Format::Json => webhook(event, notice),
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
        let n = Notice { kind: "incident.opened".into(), emoji: ":rotating_light:", text: "P1 incident #12 opened by alice".into() };
        assert_eq!(body(Format::Slack, &e, &n), json!({"text": ":rotating_light: P1 incident #12 opened by alice"}));
        let j = body(Format::Json, &e, &n);
        assert_eq!(j["room"], "test");
        assert_eq!(j["seq"], 12);
        assert_eq!(j["kind"], "incident.opened");
        assert_eq!(j["at"], "2026-03-10T13:58:00Z");
        assert_eq!(j["actor"]["name"], "alice");
        assert_eq!(j["payload"]["title"], "Checkout errors");
        assert_eq!(j["text"], "P1 incident #12 opened by alice");
    }
}
