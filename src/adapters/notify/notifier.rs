//! [`Notifier`]: what the console holds to notify its own events (see the
//! module doc of [`crate::adapters::notify`] for the rule). It owns one delivery task
//! per target, each fed by a bounded queue, and one task that records the
//! outcomes on the timeline. The tasks end once every clone of the
//! `Notifier` is dropped and the deliveries in flight are done
//! ([`Notifier::finish`] waits for that). Every body is sent with this
//! process's secrets masked (see [`crate::secrets`]). A target with an unset
//! variable gets no task: it is logged once here, and [`Notifier::unset`]
//! tells the console what to show.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::classify::Classifier;
use super::deliver::{self, deliver};
use super::message;
use super::policy::Policy;
use super::target::{Endpoint, Target};
use crate::adapters::journal::{Body, Event, Journal};
use opsdeck_core::config::{Notify, Plan, Severity};

/// One notification waiting for its target's task.
struct Job {
    about: i64,
    body: Value,
}

/// A target and the queue of its delivery task.
struct Outlet {
    target: Target,
    queue: Option<mpsc::Sender<Job>>,
    /// Incidents some event of which passed this target's routing (seen
    /// from every console's events alike): their later events pass too.
    followed: Mutex<HashSet<i64>>,
}

impl Outlet {
    /// Whether the target wants `notice`: by its routing, or because it
    /// follows the incident already (so an alert lowered out of the
    /// target's `severities` is still updated and resolved there).
    fn wants(&self, notice: &super::Notice) -> bool {
        let routed = self.target.wants(notice);
        let Some(id) = notice.incident.as_ref().map(|i| i.id) else { return routed };
        let mut followed = lock(&self.followed);
        if routed {
            followed.insert(id);
            return true;
        }
        followed.contains(&id) && self.target.entry.events().contains(&notice.kind)
    }
}

/// Notifies this console's events; cheap to clone. See [`crate::adapters::notify`].
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    outlets: Vec<Outlet>,
    claimed: Mutex<HashSet<String>>,
    classifier: Mutex<Classifier>,
    severities: Vec<Severity>,
    records: mpsc::UnboundedSender<Body>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Notifier {
    /// The console's notifier for `plan`: `None` when the plan has no
    /// `[[notify]]` or the console is read-only (it appends nothing, so it
    /// has nothing to notify). Reads URLs from the process environment.
    pub fn for_console(plan: &Plan, journal: &Journal) -> Option<Notifier> {
        if plan.notify.is_empty() || journal.is_read_only() {
            return None;
        }
        match Notifier::spawn(&plan.notify, &plan.severities, journal.clone(), Policy::default()) {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::error!("notifications are off: {e:#}");
                None
            }
        }
    }

    /// Starts the tasks for `notifies`, URLs from the process environment.
    /// Call within a tokio runtime.
    pub fn spawn(notifies: &[Notify], severities: &[Severity], journal: Journal, policy: Policy) -> Result<Notifier> {
        Notifier::with_env(notifies, severities, journal, policy, |k| std::env::var(k).ok())
    }

    /// [`Notifier::spawn`] with the environment looked up by `env` (tests).
    pub fn with_env(
        notifies: &[Notify],
        severities: &[Severity],
        journal: Journal,
        policy: Policy,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Notifier> {
        let client = deliver::client().wrap_err("cannot start the HTTP client for notifications")?;
        let (records, pending) = mpsc::unbounded_channel();
        let mut tasks = vec![tokio::spawn(record_all(journal, pending))];
        let outlets = notifies
            .iter()
            .filter_map(|n| Target::from_config(n, &env))
            .map(|target| {
                if let Some(why) = target.unset() {
                    tracing::warn!("notify {}: {why}; nothing will be sent to it", target.name);
                }
                let queue = target.endpoint.clone().map(|to| {
                    let (tx, rx) = mpsc::channel(policy.queue.max(1));
                    tasks.push(tokio::spawn(deliver_all(target.name.clone(), to, rx, client.clone(), policy.clone(), records.clone())));
                    tx
                });
                Outlet { target, queue, followed: Mutex::default() }
            })
            .collect();
        let inner = Inner {
            outlets,
            claimed: Mutex::default(),
            classifier: Mutex::new(Classifier::new(severities)),
            severities: severities.to_vec(),
            records,
            tasks: Mutex::new(tasks),
        };
        Ok(Notifier { inner: Arc::new(inner) })
    }

    /// What to tell the person once about targets that send nothing:
    /// `notify slack: env SLACK_URL is not set; nothing is sent to it`.
    pub fn unset(&self) -> Vec<String> {
        let unset = self.inner.outlets.iter().filter_map(|o| o.target.unset().map(|why| (o.target.name.as_str(), why)));
        unset.map(|(name, why)| format!("notify {name}: {why}; nothing is sent to it")).collect()
    }

    /// Takes no more notifications and waits, at most `within`, for those
    /// queued to be delivered and recorded (for a command that ends right
    /// after appending, like `opsdeck mark`). Returns whether they all were.
    /// Does not wait when other clones of this notifier remain.
    pub async fn finish(self, within: Duration) -> bool {
        let Ok(inner) = Arc::try_unwrap(self.inner) else {
            return false;
        };
        let tasks = std::mem::take(&mut *lock(&inner.tasks));
        // Dropping the queues and the recorder's sender lets the tasks end once drained.
        drop(inner);
        tokio::time::timeout(within, futures::future::join_all(tasks)).await.is_ok()
    }

    /// The targets, by name.
    pub fn targets(&self) -> Vec<&str> {
        self.inner.outlets.iter().map(|o| o.target.name.as_str()).collect()
    }

    /// Marks the event with idempotency key `key` as this console's: call
    /// it before appending the event. It is notified when observed.
    pub fn claim(&self, key: &str) {
        lock(&self.inner.claimed).insert(key.to_string());
    }

    /// Withdraws a claim (the append failed for good).
    pub fn unclaim(&self, key: &str) {
        lock(&self.inner.claimed).remove(key);
    }

    /// Every event of the room, in seq order, as the console reads it.
    /// Claimed events the plan subscribes to are queued for delivery;
    /// never waits for the network.
    pub fn observe(&self, events: &[Event]) {
        for event in events {
            let notice = lock(&self.inner.classifier).apply(event);
            let mine = lock(&self.inner.claimed).remove(&event.key);
            if let Some(notice) = notice {
                self.dispatch(event, &notice, mine);
            }
        }
    }

    /// Sends `notice` to the targets that want it, when `mine`; every
    /// notice is routed, so each target follows the same incidents in every console.
    fn dispatch(&self, event: &Event, notice: &super::Notice, mine: bool) {
        let wanting: Vec<&Outlet> = self.inner.outlets.iter().filter(|o| o.wants(notice)).collect();
        if !mine {
            return;
        }
        for outlet in wanting {
            let target = &outlet.target;
            // Unset: said once when the notifier started, not per event.
            let Some(queue) = &outlet.queue else { continue };
            let Some(mut body) = message::body(target.format, event, notice, &self.inner.severities) else { continue };
            crate::secrets::installed().redact_json(&mut body, &[]);
            let job = Job { about: event.seq, body };
            match queue.try_send(job) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!("notify {}: queue full; event #{} dropped", target.name, event.seq);
                    self.record(&target.name, event.seq, false, format!("dropped: {} notifications already waiting", queue.max_capacity()));
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    tracing::warn!("notify {}: delivery task gone; event #{} not sent", target.name, event.seq);
                    self.record(&target.name, event.seq, false, "not sent: notifications stopped".into());
                }
            }
        }
    }

    fn record(&self, notify: &str, about: i64, ok: bool, detail: String) {
        let _ = self.inner.records.send(Body::NotifyDelivery { notify: notify.to_string(), about, ok, detail });
    }
}

/// Delivers one target's jobs in order and sends each outcome to the recorder.
async fn deliver_all(
    name: String,
    to: Endpoint,
    mut jobs: mpsc::Receiver<Job>,
    client: reqwest::Client,
    policy: Policy,
    records: mpsc::UnboundedSender<Body>,
) {
    while let Some(job) = jobs.recv().await {
        let done = deliver(&client, &to, &job.body, &policy).await;
        if done.ok {
            tracing::info!("notify {name}: event #{}: {}", job.about, done.detail);
        } else {
            tracing::warn!("notify {name}: event #{} not delivered: {}", job.about, done.detail);
        }
        let record = Body::NotifyDelivery { notify: name.clone(), about: job.about, ok: done.ok, detail: done.detail };
        if records.send(record).is_err() {
            return;
        }
    }
}

/// Appends delivery records to the journal, in the order they come.
async fn record_all(journal: Journal, mut records: mpsc::UnboundedReceiver<Body>) {
    while let Some(body) = records.recv().await {
        if let Err(e) = journal.record(&body).await {
            tracing::warn!("notify: cannot record a delivery: {e:#}");
        }
    }
}

/// The lock, even if a panicking holder poisoned it (the data stays consistent: single inserts and removes).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
