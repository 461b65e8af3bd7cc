//! The loop's side of one prober per room: asks the room who probes (the
//! prober lease, see [`crate::adapters::prober`]) and, as the answer
//! changes, writes this console's samples to the room (while it holds the
//! lease) or reads the room's samples back (while another console does).
//! Tells the loop who probes now ([`Probing`]) so that it probes the right
//! checks and the state follows the right judge. Alone (SQLite) there is
//! nothing to ask: the console is its own prober.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::probing::Probing;
use crate::adapters::journal::{AnyStore, Journal};
use crate::adapters::probe::schedule::{Sample, now_ms};
use crate::adapters::prober::{Duty, DutyHandle, RoomWriter, duty, follow};
use opsdeck_core::config::Plan;
use opsdeck_core::recorded::RecordedSample;

/// How much of the room's history a console reads when it starts
/// following: enough for the detail charts and the p95 column.
pub const WARM_UP: Duration = Duration::from_secs(15 * 60);

/// What the room says.
#[derive(Debug)]
pub enum EyesNews {
    /// Who probes changed.
    Probing(Probing),
    /// Samples the room's prober recorded, in order, not yet seen here.
    Samples(Vec<Sample>),
}

/// What one wait heard.
enum Heard {
    /// The duty changed (false: its loop ended).
    Duty(bool),
    Page(Option<Vec<RecordedSample>>),
}

/// One console's eyes on its room.
pub struct RoomEyes {
    shared: Option<Shared>,
    probing: Probing,
}

/// A shared room's side.
struct Shared {
    journal: Journal,
    duty: DutyHandle,
    changes: watch::Receiver<Duty>,
    /// Check ids by plan position, and back; which are `local`.
    ids: Vec<String>,
    index: HashMap<String, usize>,
    local: Vec<bool>,
    /// The writer of this console's samples while it holds the lease.
    writer: Option<RoomWriter>,
    /// The room's samples while another console holds it.
    reader: Option<mpsc::Receiver<Vec<RecordedSample>>>,
    /// The newest sample time fed per check, so a warm-up that overlaps
    /// what was seen feeds nothing twice.
    newest: Vec<i64>,
}

impl RoomEyes {
    /// Starts asking the room of `journal` who probes (PostgreSQL), or
    /// settles for probing alone (SQLite). Needs a tokio runtime.
    pub fn start(plan: &Plan, journal: &Journal) -> RoomEyes {
        let AnyStore::Postgres(pg) = journal.store() else {
            return RoomEyes { shared: None, probing: Probing::Alone };
        };
        // A read-only console cannot record the room's judgments: it never probes for the room.
        let start = if journal.is_read_only() { duty::spawn_watching } else { duty::spawn };
        let duty = start(pg.clone(), journal.room().to_string(), journal.console_id().to_string(), journal.actor().clone());
        let ids: Vec<String> = plan.checks.iter().map(|c| c.id.clone()).collect();
        let shared = Shared {
            journal: journal.clone(),
            changes: duty.duty(),
            duty,
            index: ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect(),
            local: plan.checks.iter().map(|c| c.local).collect(),
            newest: vec![i64::MIN; ids.len()],
            ids,
            writer: None,
            reader: None,
        };
        RoomEyes { shared: Some(shared), probing: Probing::Asking }
    }

    /// Who probes for this console now.
    pub fn probing(&self) -> &Probing {
        &self.probing
    }

    /// The next thing the room says (cancel safe, for the loop's `select!`);
    /// pending forever alone.
    pub async fn next(&mut self) -> EyesNews {
        let Some(shared) = &mut self.shared else {
            return std::future::pending().await;
        };
        loop {
            let heard = {
                let (changes, reader) = (&mut shared.changes, &mut shared.reader);
                let reading = async {
                    match reader {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    changed = changes.changed() => Heard::Duty(changed.is_ok()),
                    page = reading => Heard::Page(page),
                }
            };
            match heard {
                // The duty loop ended (released): nothing more to hear.
                Heard::Duty(false) => return std::future::pending().await,
                Heard::Duty(true) => {
                    let duty = shared.changes.borrow_and_update().clone();
                    let probing = shared.switch(duty);
                    if probing != self.probing {
                        self.probing = probing.clone();
                        return EyesNews::Probing(probing);
                    }
                }
                Heard::Page(Some(page)) => {
                    let fresh = shared.fresh(page);
                    if !fresh.is_empty() {
                        return EyesNews::Samples(fresh);
                    }
                }
                Heard::Page(None) => shared.reader = None,
            }
        }
    }

    /// A sample this console probed: written to the room while this
    /// console probes for it (not a `local` check's: each console has its own).
    pub fn probed(&mut self, sample: &Sample) {
        let Some(shared) = &mut self.shared else { return };
        if let Some(newest) = shared.newest.get_mut(sample.check) {
            *newest = (*newest).max(sample.at_ms);
        }
        if let Some(writer) = &shared.writer
            && !shared.local.get(sample.check).copied().unwrap_or(true)
        {
            writer.record(sample);
        }
    }

    /// Lets the room's lease go (a graceful quit: the next console to ask
    /// takes over at once rather than after the lease expires).
    pub async fn release(self) {
        if let Some(shared) = self.shared {
            drop(shared.writer);
            shared.duty.release().await;
        }
    }
}

impl Shared {
    /// Starts or stops writing and reading the room's samples for `duty`;
    /// returns what it means for the console.
    fn switch(&mut self, duty: Duty) -> Probing {
        match duty {
            Duty::Probing { since_ms } => {
                self.reader = None;
                if self.writer.is_none() {
                    let AnyStore::Postgres(pg) = self.journal.store() else { return Probing::Alone };
                    let room = self.journal.room().to_string();
                    let (writer, _task) = RoomWriter::spawn(pg.clone(), room, self.journal.console_id().to_string(), self.ids.clone());
                    self.writer = Some(writer);
                }
                Probing::ForRoom { since_ms }
            }
            Duty::Following { prober, since_ms } => {
                self.writer = None;
                if self.reader.is_none()
                    && let (AnyStore::Postgres(pg), Some(wake)) = (self.journal.store(), self.journal.samples_wake())
                {
                    let warm = now_ms().saturating_sub(WARM_UP.as_millis() as i64);
                    self.reader = Some(follow::spawn(pg.clone(), self.journal.room().to_string(), warm, wake));
                }
                Probing::Following { prober, since_ms }
            }
            Duty::Offline { reason } => {
                self.writer = None;
                self.reader = None;
                if reason == duty::ASKING { Probing::Asking } else { Probing::Local { reason } }
            }
        }
    }

    /// The samples of `page` this console has not fed yet, as samples of
    /// its plan (a check the plan does not have is skipped).
    fn fresh(&mut self, page: Vec<RecordedSample>) -> Vec<Sample> {
        page.into_iter()
            .filter_map(|r| {
                let i = *self.index.get(&r.check)?;
                let newest = self.newest.get_mut(i)?;
                if r.at_ms <= *newest || self.local.get(i).copied().unwrap_or(true) {
                    return None;
                }
                *newest = r.at_ms;
                Some(r.to_sample(i))
            })
            .collect()
    }
}
