//! The console's link to the room's journal, as tasks that talk to the loop
//! by messages: one appends what the reducer asks for; one follows the room
//! (on every wake-up — a notification, a reconnect, our own append, or a
//! slow safety poll — it reads everything after the last seq it has seen);
//! one reports the store's health and who else is here. With a
//! [`Notifier`], the appender claims each event before appending it and the
//! follower shows it every event it reads (see [`crate::notify`]).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::journal::{Actor, Appended, Body, Event, Journal, Upkeep};
use crate::notify::Notifier;

/// What the journal tells the loop.
#[derive(Debug)]
pub enum FromJournal {
    /// New events of the room, in seq order.
    Events(Vec<Event>),
    /// How this console's append went.
    Appended(Result<Appended, String>),
    /// Store health and presence.
    Status { online: bool, queued: u64, present: Vec<(Actor, i64)>, problem: Option<String> },
}

/// Running link; dropping it stops its tasks.
pub struct JournalLink {
    appends: mpsc::Sender<Body>,
    pub messages: mpsc::Receiver<FromJournal>,
    /// Follower and reporter.
    tasks: Vec<JoinHandle<()>>,
    appender: JoinHandle<()>,
    _upkeep: Upkeep,
}

impl Drop for JournalLink {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        self.appender.abort();
    }
}

/// How often the follower reads even without a wake-up (a safety net).
const SAFETY_POLL: Duration = Duration::from_secs(5);
/// How often health and presence are reported.
const STATUS_EVERY: Duration = Duration::from_secs(2);
/// A console not seen for this long has left the room.
pub const PRESENCE_WINDOW: Duration = Duration::from_secs(45);

impl JournalLink {
    pub fn start(journal: Journal) -> JournalLink {
        JournalLink::start_with(journal, None)
    }

    /// [`JournalLink::start`], notifying this console's events through `notifier`.
    pub fn start_with(journal: Journal, notifier: Option<Notifier>) -> JournalLink {
        let (to_loop, messages) = mpsc::channel(256);
        let (appends, mut requests) = mpsc::channel::<Body>(64);
        let read_now = Arc::new(Notify::new());
        let upkeep = journal.spawn_upkeep(Duration::from_secs(3));

        let follower = {
            let (journal, to_loop, read_now, notifier) = (journal.clone(), to_loop.clone(), read_now.clone(), notifier.clone());
            tokio::spawn(async move {
                let mut wakes = journal.subscribe();
                let mut last_seq = 0;
                loop {
                    match journal.sync(last_seq).await {
                        Ok(events) if !events.is_empty() => {
                            last_seq = events.last().map_or(last_seq, |e| e.seq);
                            if let Some(n) = &notifier {
                                n.observe(&events);
                            }
                            if to_loop.send(FromJournal::Events(events)).await.is_err() {
                                return;
                            }
                        }
                        Ok(_) => {}
                        Err(e) => tracing::debug!("journal sync: {e:#}"),
                    }
                    tokio::select! {
                        w = wakes.recv() => if w.is_none() { wakes = journal.subscribe(); },
                        _ = read_now.notified() => {}
                        _ = tokio::time::sleep(SAFETY_POLL) => {}
                    }
                }
            })
        };

        let appender = {
            let (journal, to_loop, read_now) = (journal.clone(), to_loop.clone(), read_now.clone());
            tokio::spawn(async move {
                while let Some(body) = requests.recv().await {
                    let event = journal.new_event(&body);
                    let key = event.key.clone();
                    if let Some(n) = &notifier {
                        n.claim(&key);
                    }
                    let result = journal.append(event).await.map_err(|e| format!("{e:#}"));
                    if let Err(e) = &result {
                        tracing::warn!("journal append refused: {e}");
                        if let Some(n) = &notifier {
                            n.unclaim(&key);
                        }
                    }
                    read_now.notify_one();
                    if to_loop.send(FromJournal::Appended(result)).await.is_err() {
                        return;
                    }
                }
            })
        };

        let reporter = tokio::spawn(async move {
            loop {
                let queued = journal.queued().await.unwrap_or(0);
                let (present, problem) = match journal.present(PRESENCE_WINDOW).await {
                    Ok(p) => (p, None),
                    Err(e) => (Vec::new(), Some(format!("{e:#}"))),
                };
                let status = FromJournal::Status { online: !journal.is_offline() && problem.is_none(), queued, present, problem };
                if to_loop.send(status).await.is_err() {
                    return;
                }
                tokio::time::sleep(STATUS_EVERY).await;
            }
        });

        JournalLink { appends, messages, tasks: vec![follower, reporter], appender, _upkeep: upkeep }
    }

    /// Takes no more appends and waits, at most `within`, for those already
    /// asked for to be stored or spooled (an append under way is never cut
    /// short by the console ending). Returns how the last ones went.
    pub async fn finish(mut self, within: Duration) -> Vec<Result<Appended, String>> {
        // Replacing the sender closes the appender's queue behind what it holds.
        self.appends = mpsc::channel(1).0;
        for t in &self.tasks {
            t.abort();
        }
        let (appender, messages) = (&mut self.appender, &mut self.messages);
        let mut outcomes = Vec::new();
        let deadline = tokio::time::sleep(within);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut *appender => break,
                Some(msg) = messages.recv() => {
                    if let FromJournal::Appended(r) = msg {
                        outcomes.push(r);
                    }
                }
                _ = &mut deadline => {
                    tracing::warn!("the journal did not take the last appends within {within:?}");
                    appender.abort();
                    break;
                }
            }
        }
        while let Ok(msg) = messages.try_recv() {
            if let FromJournal::Appended(r) = msg {
                outcomes.push(r);
            }
        }
        outcomes
    }

    /// Asks for an event to be appended; the answer comes as a message.
    pub fn append(&self, body: Body) -> Result<(), String> {
        self.appends.try_send(body).map_err(|_| "the journal is busy; try again".to_string())
    }
}
