//! Journal events: what happened, in which room, when, by whom, with a
//! store-assigned sequence number (the room's total order) and an
//! idempotency key (so a retried append is stored once). Payloads are JSON
//! with a schema version; [`Body`] is their typed form.

use std::fmt;
use std::sync::Arc;

use crate::metrics::Health;
use serde::{Deserialize, Serialize};

mod tagged;
pub mod vocabulary;

pub use vocabulary::{Expiry, MirrorAction, Outcome, Role, Status, Subject, Verdict};

/// Version of the payload schemas below; bump when one changes shape.
pub const EVENT_VERSION: u16 = 1;

/// Who did something: the OS user at a host, and the SSH client address
/// when the console runs over SSH (`alice@bastion-1 from 10.0.0.5`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Actor {
    /// A placeholder until the console knows who it runs as.
    pub fn unknown() -> Actor {
        Actor { name: "unknown".into(), host: "unknown".into(), from: None }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.host)?;
        if let Some(from) = &self.from {
            write!(f, " from {from}")?;
        }
        Ok(())
    }
}

/// An event as stored: every field is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the room's total order, assigned by the store (1, 2, …).
    pub seq: i64,
    pub room: String,
    /// When it happened (unix milliseconds, the appending console's clock).
    pub at_ms: i64,
    pub actor: Actor,
    /// `incident.opened`, `incident.note`, … (see [`Body`]).
    pub kind: String,
    pub version: u16,
    /// Shared, like the body: the folds that keep an event (an incident's
    /// timeline) clone it, and a payload's copy was most of that clone's cost.
    pub payload: Arc<serde_json::Value>,
    /// Unique per logical append; a second append with the same key is a no-op.
    pub key: String,
    /// Who the store vouches appended it: the database role the console
    /// was connected as (PostgreSQL's `session_user`), set by the server,
    /// not by the console. `None` for SQLite and for events stored before
    /// the journal recorded roles. The actor's name is only what the
    /// console says (`--as`); this cannot be chosen by the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// What the event says, decoded once when the event was made or read
    /// (see [`Event::body`]); never serialised.
    #[serde(skip, default = "not_decoded")]
    decoded: Decoded,
}

/// An event's body as this version reads it.
#[derive(Debug, Clone, PartialEq)]
enum Decoded {
    /// Shared: an event is cloned into the folds that keep it (an
    /// incident's timeline), and its body need not be copied each time.
    Body(Arc<Body>),
    /// A kind this version does not know, or a payload that does not match
    /// its kind: kept and shown on the timeline as unreadable, never folded.
    Unreadable(String),
}

fn not_decoded() -> Decoded {
    Decoded::Unreadable("not decoded".into())
}

impl Event {
    /// A stored event from its parts, its body decoded here, once. An
    /// unreadable body is logged (once per event read) and kept as such.
    #[allow(clippy::too_many_arguments)]
    pub fn decode(
        seq: i64,
        room: String,
        at_ms: i64,
        actor: Actor,
        kind: String,
        version: u16,
        payload: serde_json::Value,
        key: String,
    ) -> Event {
        let decoded = match tagged::body(&kind, &payload) {
            Ok(body) => Decoded::Body(Arc::new(body)),
            Err(e) => {
                // serde's message can quote the payload, and a payload can
                // hold a secret: the reason keeps its shape, not the text.
                let why = without_quoted_text(&e.to_string());
                tracing::warn!("event {seq} of room {room:?} ({kind}) is unreadable: {why}");
                Decoded::Unreadable(why)
            }
        };
        Event { seq, room, at_ms, actor, kind, version, payload: Arc::new(payload), key, role: None, decoded }
    }

    /// The event with the role its store vouches for (see [`Event::role`]).
    pub fn vouched_by(mut self, role: Option<String>) -> Event {
        self.role = role;
        self
    }

    /// Who did it, as far as rules that count people are concerned (the
    /// two-person rule): the role the store vouches for, else the name the
    /// console gave.
    pub fn identity(&self) -> &str {
        self.role.as_deref().unwrap_or(&self.actor.name)
    }

    /// The same event decoded again, after its `kind` or `payload` was
    /// changed in place.
    pub fn redecode(self) -> Event {
        let role = self.role;
        let payload = Arc::unwrap_or_clone(self.payload);
        Event::decode(self.seq, self.room, self.at_ms, self.actor, self.kind, self.version, payload, self.key).vouched_by(role)
    }

    /// The typed body; `None` when this version cannot read it (see
    /// [`Event::unreadable`]).
    pub fn body(&self) -> Option<&Body> {
        match &self.decoded {
            Decoded::Body(b) => Some(b.as_ref()),
            Decoded::Unreadable(_) => None,
        }
    }

    /// Why the body cannot be read, when it cannot.
    pub fn unreadable(&self) -> Option<&str> {
        match &self.decoded {
            Decoded::Body(_) => None,
            Decoded::Unreadable(why) => Some(why),
        }
    }
}

/// `invalid type: string "hunter2", expected u64` without what was quoted:
/// `invalid type: string "…", expected u64`.
fn without_quoted_text(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            out.push_str(if quoted { "\"" } else { "\"…" });
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

/// An event before the store has numbered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub room: String,
    pub at_ms: i64,
    pub actor: Actor,
    pub kind: String,
    pub version: u16,
    pub payload: serde_json::Value,
    pub key: String,
}

impl NewEvent {
    /// A new event with a fresh idempotency key.
    pub fn new(room: &str, actor: &Actor, at_ms: i64, body: &Body) -> NewEvent {
        let (kind, payload) = body.to_parts();
        NewEvent { room: room.to_string(), at_ms, actor: actor.clone(), kind, version: EVENT_VERSION, payload, key: fresh_key() }
    }

    /// The stored form once the store has assigned `seq`.
    pub fn stored(self, seq: i64) -> Event {
        Event::decode(seq, self.room, self.at_ms, self.actor, self.kind, self.version, self.payload, self.key)
    }
}

/// 128 random bits as hex: unique enough for idempotency keys.
pub fn fresh_key() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// The typed payloads. An incident is identified by the `seq` of its
/// `incident.opened` event.
///
/// A fold matches a body exhaustively: the kinds it handles, then the ones
/// it ignores in one arm, never `_`, so that a new variant is a compile
/// error wherever it must be handled. Logic tells kinds apart by variant;
/// the stored `kind` string is for storage and filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Body {
    #[serde(rename = "incident.opened")]
    IncidentOpened { title: String, severity: String },
    #[serde(rename = "incident.acknowledged")]
    IncidentAcknowledged { incident: i64 },
    #[serde(rename = "incident.severity")]
    IncidentSeverity { incident: i64, from: String, to: String, reason: String },
    #[serde(rename = "incident.status")]
    IncidentStatus { incident: i64, from: Status, to: Status },
    #[serde(rename = "incident.role")]
    IncidentRole { incident: i64, role: Role, person: String },
    /// A note; `comms` marks it as the update sent to stakeholders, which
    /// restarts the update-every countdown. A note starting `TODO:` is an action item.
    #[serde(rename = "incident.note")]
    IncidentNote {
        incident: i64,
        text: String,
        #[serde(default)]
        comms: bool,
    },
    #[serde(rename = "incident.link")]
    IncidentLink { incident: i64, check: String },

    /// A checklist item is done. `item` is its stable id
    /// (`checklist/item`); `evidence` says why when `opsdeck` ticked it
    /// from a verifying check (`api 182 ms, target`).
    /// Every checklist and step event also carries the item's text (or the
    /// step's title) as it read then, so the timeline, exports and
    /// notifications read well without the plan.
    #[serde(rename = "checklist.ticked")]
    ChecklistTicked {
        item: String,
        #[serde(default)]
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<String>,
    },
    /// Someone is on this item (`bob is on this`).
    #[serde(rename = "checklist.claimed")]
    ChecklistClaimed {
        item: String,
        #[serde(default)]
        text: String,
    },
    #[serde(rename = "checklist.skipped")]
    ChecklistSkipped {
        item: String,
        #[serde(default)]
        text: String,
        reason: String,
    },
    /// Back to open: undoes a tick, a skip or a claim.
    #[serde(rename = "checklist.undone")]
    ChecklistUndone {
        item: String,
        #[serde(default)]
        text: String,
    },

    /// A manual runbook step confirmed by a person.
    #[serde(rename = "runbook.step_confirmed")]
    StepConfirmed {
        runbook: String,
        step: String,
        #[serde(default)]
        title: String,
    },
    #[serde(rename = "runbook.step_skipped")]
    StepSkipped {
        runbook: String,
        step: String,
        #[serde(default)]
        title: String,
        reason: String,
    },
    /// The runbook was given up at a failed step.
    #[serde(rename = "runbook.aborted")]
    RunbookAborted { runbook: String, reason: String },
    /// Start the runbook over: every step back to pending.
    #[serde(rename = "runbook.restarted")]
    RunbookRestarted { runbook: String },

    /// A command run (a runbook step or a rollback) is claimed. Whether the
    /// claim holds its lock is decided by the one run-lock rule in
    /// `launch::runs`; a console runs only once its own claim holds.
    #[serde(rename = "run.claimed")]
    RunClaimed {
        run: String,
        lock: String,
        subject: Subject,
        lease_ms: i64,
        /// What runs: the step's title or the rollback's.
        #[serde(default)]
        title: String,
    },
    /// The running console is alive: the lease runs on from this event.
    #[serde(rename = "run.renewed")]
    RunRenewed { run: String },
    #[serde(rename = "run.finished")]
    RunFinished {
        run: String,
        outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        duration_ms: i64,
        /// Bounded, ANSI stripped, secrets redacted.
        output: String,
        #[serde(default)]
        truncated: bool,
    },

    /// A deploy (or any) marker: starts trigger grace periods, drawn on charts.
    #[serde(rename = "marker")]
    Marker { text: String },
    /// A check or trigger fires nothing until `until_ms`.
    #[serde(rename = "silence.set")]
    SilenceSet { target: String, until_ms: i64, reason: String },
    #[serde(rename = "silence.lifted")]
    SilenceLifted { target: String },
    /// A person asks to run a `two_person` rollback; it runs only once a
    /// different person approves (`rollback.approved` with the same `request`).
    #[serde(rename = "rollback.requested")]
    RollbackRequested { request: String, action: String },
    /// A second person approves a requested run; the requester's console then claims and runs it.
    #[serde(rename = "rollback.approved")]
    RollbackApproved { request: String, action: String },
    /// A trigger's conditions held: its reason, the mode in force and the
    /// rollback it names. Every console may record one; the fold keeps the
    /// first per trigger within its cooldown (the rollback fold does).
    #[serde(rename = "trigger.fired")]
    TriggerFired {
        trigger: String,
        reason: String,
        mode: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rollback: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frozen: Option<String>,
    },
    /// A `confirm` or `auto` trigger proposes a rollback; an `auto` one
    /// decides by itself at `deadline_ms` unless answered. `console` is the
    /// console that recorded it: the one that acts on no answer.
    #[serde(rename = "rollback.proposed")]
    RollbackProposed {
        trigger: String,
        rollback: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline_ms: Option<i64>,
        on_no_answer: String,
        console: String,
    },
    /// What became of a proposal (the seq of its `rollback.proposed`): the
    /// first decision counts. `no_answer` when the countdown decided.
    #[serde(rename = "rollback.decided")]
    RollbackDecided {
        proposal: i64,
        rollback: String,
        verdict: Verdict,
        #[serde(default)]
        no_answer: bool,
    },
    /// A proposal (the seq of its `rollback.proposed`) expired undecided:
    /// its conditions cleared (`detail` names what recovered) or nobody
    /// answered within `expire_after` (`detail` is that duration). Recorded
    /// once, by the console that recorded the proposal; it closes the
    /// proposal if no decision came first.
    #[serde(rename = "rollback.expired")]
    RollbackExpired { proposal: i64, rollback: String, cause: Expiry, detail: String },
    /// A check's state changed, as the room's one judge (the console
    /// holding the prober lease) evaluated it: every console of the room
    /// shows this state and reason. `since_ms` is when the sample that
    /// changed it was taken.
    #[serde(rename = "check.state")]
    CheckState { check: String, from: Health, to: Health, reason: String, since_ms: i64 },
    /// What happened to one notification of event `about` (its seq).
    #[serde(rename = "notify.delivery")]
    NotifyDelivery { notify: String, about: i64, ok: bool, detail: String },
    /// What became of mirroring the silence of `target` to the plan's
    /// `[alertmanager]`: created (for the `silence.set` of seq `about`, or
    /// for a `[[maintenance]]` window when `about` is 0) or expired (for
    /// the `silence.lifted` of seq `about`). `silence` holds the
    /// Alertmanager silence ids (comma-separated; empty when none);
    /// `detail` the failure's reason, or what was done.
    #[serde(rename = "silence.mirrored")]
    AlertmanagerSilence { target: String, about: i64, action: MirrorAction, ok: bool, silence: String, detail: String },
}

/// Payload keys whose strings identify something other events refer to
/// (ids, locks, enum names): left alone when secrets are masked in a
/// payload's text, so that masking never breaks a reference.
pub const IDENTITY_FIELDS: &[&str] = &[
    "run",
    "lock",
    "item",
    "runbook",
    "step",
    "check",
    "trigger",
    "rollback",
    "action",
    "request",
    "target",
    "notify",
    "console",
    "type",
    "severity",
    "from",
    "to",
    "role",
    "outcome",
    "verdict",
    "cause",
    "mode",
    "on_no_answer",
    "silence",
];

impl Body {
    /// The event kind and JSON payload.
    pub fn to_parts(&self) -> (String, serde_json::Value) {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        let kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or_default().to_string();
        let payload = v.get_mut("payload").map(serde_json::Value::take).unwrap_or_default();
        (kind, payload)
    }

    /// The typed body of a stored event (decoded when the event was read;
    /// this only clones it); `None` for what this version cannot read.
    pub fn of(event: &Event) -> Option<Body> {
        event.body().cloned()
    }
}

#[cfg(test)]
mod tests;
