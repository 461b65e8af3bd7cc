//! [`Mirror`]: what the console holds to mirror its own silences to
//! Alertmanager (see the module doc of the alertmanager adapter for the
//! rules). It owns one task that works through the silences set and
//! lifted by this console, in order, and, at start, the task that mirrors
//! the plan's maintenance windows. Both end once every clone of the
//! `Mirror` is dropped and the work in flight is done.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{mpsc, watch};

use super::api::Api;
use super::outlet::{Outcome, Outlet};
use super::windows;
use crate::adapters::journal::{Body, Event, Journal};
use crate::adapters::probe::ProbeEnv;
use crate::adapters::probe::schedule::now_ms;
use opsdeck_core::config::Plan;
use opsdeck_core::config::alertmanager::{marker, silence_matchers, window_silences};
use opsdeck_core::event::MirrorAction;

/// One silence of this console to mirror.
enum Job {
    /// `silence.set` of seq `about`.
    Set { about: i64, target: String, matchers: Vec<String>, until_ms: i64, reason: String },
    /// `silence.lifted` of seq `about`.
    Lift { about: i64, target: String },
}

/// Mirrors this console's silences; cheap to clone.
#[derive(Clone)]
pub struct Mirror {
    inner: Arc<Inner>,
}

struct Inner {
    plan: Plan,
    claimed: Mutex<HashSet<String>>,
    jobs: mpsc::UnboundedSender<Job>,
    /// True once every maintenance window is mirrored (or has ended).
    windows_done: watch::Receiver<bool>,
}

impl Mirror {
    /// The console's mirror: `None` when the plan has no `[alertmanager]`
    /// or the console is read-only. Reads the URL and headers from the
    /// process environment. Call within a tokio runtime.
    pub fn for_console(plan: &Plan, journal: &Journal) -> Option<Mirror> {
        if journal.is_read_only() {
            return None;
        }
        Mirror::spawn(plan, journal.clone(), &ProbeEnv::from_process(plan.base_dir.clone()))
    }

    /// Starts the mirror's tasks for `plan` (`None` without `[alertmanager]`),
    /// with the environment `env` (tests inject it).
    pub fn spawn(plan: &Plan, journal: Journal, env: &ProbeEnv) -> Option<Mirror> {
        let table = plan.alertmanager.as_ref()?;
        let api = Api::new(table.url.as_deref(), table.url_env.as_deref(), &table.headers_env, env);
        if let Err(e) = &api {
            tracing::warn!("alertmanager: silences cannot be mirrored: {e}");
        }
        let actor = journal.actor();
        let outlet = Arc::new(Outlet { api, room: journal.room().to_string(), creator: format!("{}@{}", actor.name, actor.host), journal });
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(work(outlet.clone(), queue));
        let (done, windows_done) = watch::channel(false);
        let planned = window_silences(plan);
        tokio::spawn(async move {
            windows::mirror(outlet, planned).await;
            let _ = done.send(true);
        });
        Some(Mirror { inner: Arc::new(Inner { plan: plan.clone(), claimed: Mutex::default(), jobs, windows_done }) })
    }

    /// Waits until every maintenance window of the plan is mirrored (or
    /// has ended): at once when there are none, never while Alertmanager
    /// cannot be reached.
    pub async fn windows_mirrored(&self) {
        let mut done = self.inner.windows_done.clone();
        let _ = done.wait_for(|d| *d).await;
    }

    /// Marks the event with idempotency key `key` as this console's: call
    /// it before appending the event. It is mirrored when observed.
    pub fn claim(&self, key: &str) {
        lock(&self.inner.claimed).insert(key.to_string());
    }

    /// Withdraws a claim (the append failed for good).
    pub fn unclaim(&self, key: &str) {
        lock(&self.inner.claimed).remove(key);
    }

    /// Every event of the room, in seq order, as the console reads it:
    /// this console's silences of targets with `silence_matchers` are
    /// queued for mirroring. Never waits for the network.
    pub fn observe(&self, events: &[Event]) {
        for event in events {
            if !lock(&self.inner.claimed).remove(&event.key) {
                continue;
            }
            let job = match event.body() {
                Some(Body::SilenceSet { target, until_ms, reason }) => {
                    let matchers = silence_matchers(&self.inner.plan, target).to_vec();
                    if matchers.is_empty() {
                        continue;
                    }
                    Job::Set { about: event.seq, target: target.clone(), matchers, until_ms: *until_ms, reason: reason.clone() }
                }
                Some(Body::SilenceLifted { target }) if !silence_matchers(&self.inner.plan, target).is_empty() => {
                    Job::Lift { about: event.seq, target: target.clone() }
                }
                _ => continue,
            };
            if self.inner.jobs.send(job).is_err() {
                tracing::warn!("alertmanager: the mirror has stopped; event #{} not mirrored", event.seq);
            }
        }
    }
}

/// Works through the jobs in order, recording each outcome.
async fn work(outlet: Arc<Outlet>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    while let Some(job) = jobs.recv().await {
        let outcome = match job {
            Job::Set { about, target, matchers, until_ms, reason } => {
                let result = set(&outlet, &target, &matchers, until_ms, &reason).await;
                Outcome { target, about, action: MirrorAction::Created, result }
            }
            Job::Lift { about, target } => {
                let result = lift(&outlet, &target).await;
                Outcome { target, about, action: MirrorAction::Expired, result }
            }
        };
        outlet.record(outcome).await;
    }
}

/// Replaces the target's mirrored silence (if any) by one until `until_ms`.
async fn set(outlet: &Outlet, target: &str, matchers: &[String], until_ms: i64, reason: &str) -> Result<(Vec<String>, String), String> {
    let mark = marker(&outlet.room, target, None);
    let replaced: Vec<String> = outlet.marked(&mark).await?.into_iter().map(|s| s.id).collect();
    outlet.expire(&replaced).await?;
    let id = outlet.create(matchers, now_ms(), until_ms, reason, &mark).await?;
    let also = if replaced.is_empty() { String::new() } else { format!(", replacing {}", replaced.join(", ")) };
    Ok((vec![id], format!("{} until {} UTC{also}", matchers.join(", "), opsdeck_core::format::utc(until_ms))))
}

/// Expires every live silence mirrored for the target, whoever made it.
async fn lift(outlet: &Outlet, target: &str) -> Result<(Vec<String>, String), String> {
    let ids: Vec<String> = outlet.marked(&marker(&outlet.room, target, None)).await?.into_iter().map(|s| s.id).collect();
    let expired = outlet.expire(&ids).await?;
    let detail = if expired.is_empty() { "no live silence to expire".to_string() } else { "lifted in opsdeck".to_string() };
    Ok((expired, detail))
}

/// The lock, even if a panicking holder poisoned it (single inserts and removes keep it consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
