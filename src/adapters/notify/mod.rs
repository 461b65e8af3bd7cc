//! Notifications: telling Slack, a JSON webhook (signed when it has a
//! secret), PagerDuty or Grafana about some of the room's events
//! (`[[notify]]` in the plan, routed by event, severity and trigger), and
//! recording on the timeline how each delivery went (`notify.delivery`).
//!
//! **Who sends.** Every console in a room sees every event, but each event
//! must be notified once. The rule: *the console that appended an event
//! sends its notifications.* A console knows its own events by their
//! idempotency keys: it [`Notifier::claim`]s a key just before appending
//! (so the claim is in place whatever order the append's answer and the
//! room's wake-up arrive in), and [`Notifier::observe`]s every event the
//! room's follower reads; a claimed event is notified when it is first
//! observed, with its store-assigned seq. An event appended while the
//! store was unreachable is spooled and notified when it reaches the room.
//! Consequences: a console that quits before its event is observed (or
//! whose spooled events are flushed by a later run) does not notify it; an
//! event is never notified by two consoles.
//!
//! **Never blocks the console.** `claim` and `observe` only classify the
//! event and hand a job to a per-target bounded queue ([`Policy::queue`]);
//! a full queue drops the job with a warning and a failed delivery record.
//! One task per target delivers its jobs in order, so a hung Slack does
//! not delay the JSON webhook. Each request has a timeout; connect errors,
//! timeouts, 5xx and 429 are retried with exponential backoff and jitter;
//! other statuses are final.
//!
//! **On the timeline.** After the last attempt the outcome is appended as
//! `Body::NotifyDelivery { notify, about, ok, detail }` (`HTTP 200`,
//! `HTTP 500 after 3 attempts`, `timed out after 5s ×3`). Delivery records
//! are never notified themselves. A target whose variables are not set is
//! said once, when the notifier starts (the log, and the console's status
//! bar), never per event; `opsdeck check` warns about it too.
//!
//! - [`policy`]: timeouts, retries, queue size; [`target`]: a `[[notify]]`
//!   entry with its URL read from the environment;
//! - [`classify`]: which subscribable event (`incident.opened`,
//!   `rollback.finished`, …) a journal event is, and its sentence;
//! - [`message`]: the Slack and JSON payloads, [`pagerduty`] and
//!   [`grafana`] theirs; [`sign`]: the webhook signature; [`deliver`]: one
//!   delivery with retries; [`notifier`]: the [`Notifier`] the console holds.

pub mod classify;
pub mod deliver;
pub mod grafana;
pub mod message;
pub mod notifier;
pub mod pagerduty;
pub mod policy;
pub mod sign;
pub mod target;

pub use classify::{Classifier, Incident, Notice};
pub use deliver::{Delivery, deliver};
pub use notifier::Notifier;
pub use policy::Policy;
pub use target::{Auth, Endpoint, Format, Target};
