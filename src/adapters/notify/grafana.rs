//! Grafana annotation bodies (`POST <grafana>/api/annotations`): every
//! notice as an organisation annotation, `text` its sentence and `tags`
//! `opsdeck`, the room, what it is about (`deploy` for a marker,
//! `rollback`, `incident`, `trigger`), the event (`rollback.finished`), and
//! where known the incident's severity and the trigger. Annotations with a
//! known span are regions: a finished rollback from its start to its end,
//! a resolved or closed incident from its opening to now.

use serde_json::{Value, json};

use super::classify::Notice;
use crate::adapters::journal::{Body, Event, Status};

/// The annotation for `event`.
pub fn body(event: &Event, notice: &Notice) -> Value {
    let about = match notice.kind.as_str() {
        "marker" => "deploy",
        k if k.starts_with("rollback.") => "rollback",
        k if k.starts_with("incident.") => "incident",
        k if k.starts_with("trigger.") => "trigger",
        _ => "opsdeck",
    };
    let mut tags = vec!["opsdeck".to_string(), event.room.clone(), about.to_string(), notice.kind.clone()];
    if let Some(sev) = notice.incident.as_ref().map(|i| i.severity.clone()).filter(|s| !s.is_empty()) {
        tags.push(sev);
    }
    if let Some(trigger) = &notice.trigger {
        tags.push(trigger.clone());
    }
    tags.dedup();
    let mut annotation = json!({ "time": event.at_ms, "tags": tags, "text": notice.text });
    if let Some(start) = region_start(event, notice) {
        annotation["time"] = json!(start);
        annotation["timeEnd"] = json!(event.at_ms);
    }
    annotation
}

/// Where a region that ends with `event` began, when it has one.
fn region_start(event: &Event, notice: &Notice) -> Option<i64> {
    match event.body()? {
        Body::RunFinished { duration_ms, .. } if notice.kind == "rollback.finished" => Some(event.at_ms - (*duration_ms).max(0)),
        Body::IncidentStatus { to: Status::Resolved | Status::Closed, .. } => {
            notice.incident.as_ref().map(|i| i.opened_ms).filter(|ms| *ms > 0 && *ms <= event.at_ms)
        }
        _ => None,
    }
}
