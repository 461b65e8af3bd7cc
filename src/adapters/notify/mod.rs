//! Notifications: telling Slack or a JSON webhook about some of the room's
//! events (`[[notify]]` in the plan), and recording on the timeline how
//! each delivery went (`notify.delivery`).
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
//! `HTTP 500 after 3 attempts`, `timed out after 5s ×3`, `env SLACK_URL is
//! not set`). Delivery records are never notified themselves.
//!
//! - [`policy`]: timeouts, retries, queue size; [`target`]: a `[[notify]]`
//!   entry with its URL read from the environment;
//! - [`classify`]: which subscribable event (`incident.opened`,
//!   `rollback.finished`, …) a journal event is, and its sentence;
//! - [`message`]: the Slack and JSON payloads; [`deliver`]: one delivery
//!   with retries; [`notifier`]: the [`Notifier`] the console holds.

pub mod classify;
pub mod deliver;
pub mod message;
pub mod notifier;
pub mod policy;
pub mod target;

pub use classify::{Classifier, Notice};
pub use deliver::{Delivery, deliver};
pub use notifier::Notifier;
pub use policy::Policy;
pub use target::{Format, Target};
