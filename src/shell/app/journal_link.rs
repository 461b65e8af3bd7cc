//! The console's link to the room's journal, as tasks that talk to the loop
//! by messages: one appends what the reducer asks for; one follows the room
//! (on every wake-up — a notification, a reconnect, our own append, or a
//! slow safety poll — it reads everything after the last seq it has seen);
//! one reports the store's health and who else is here every few seconds;
//! and one passes on the journal's [`Health`](crate::adapters::journal::Health) the
//! moment an append or a flush changes it, so the banner and the queued
//! count follow the store, not the report's timer. Events the appender
//! queued are sent too, for the console to show as pending. What the user
//! asked for ([`JournalLink::append`]) is answered apart from what the
//! console records by itself ([`JournalLink::record`]), so only the user's
//! own actions are acknowledged on the status bar. With a
//! [`Notifier`], the appender claims each event before appending it and the
//! follower shows it every event it reads (see [`crate::adapters::notify`]);
//! a [`Mirror`] of silences to Alertmanager is told the same way.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::adapters::alertmanager::Mirror;
use crate::adapters::journal::{Actor, Appended, Body, Event, Journal, NewEvent, Upkeep};
use crate::adapters::notify::Notifier;

/// What the journal tells the loop.
#[derive(Debug)]
pub enum FromJournal {
    /// New events of the room, in seq order.
    Events(Vec<Event>),
    /// How an append the user asked for went.
    Appended(Result<Appended, String>),
    /// How an append the console made by itself went (see [`JournalLink::record`]).
    Recorded(Result<Appended, String>),
    /// Store health and presence.
    Status { online: bool, queued: u64, present: Vec<(Actor, i64)>, problem: Option<String> },
    /// The store's health changed: an append was spooled, or a flush stored
    /// events (sent at once, not at the next report).
    Health { online: bool, queued: u64 },
    /// Events this console queued (and, at start, those an earlier run left
    /// in the spool): to show as pending until their stored copies arrive.
    Queued(Vec<NewEvent>),
    /// Something about the store to say once on the status bar (its
    /// `sslmode=prefer` connection fell back to plain text).
    Notice(String),
}

/// One append for the appender: the body, the key it must have (a fresh
/// one when `None`), and whether the user asked for it.
#[derive(Debug)]
struct Request {
    body: Body,
    key: Option<String>,
    users: bool,
}

impl Request {
    /// The answer the loop gets.
    fn answer(&self, result: Result<Appended, String>) -> FromJournal {
        if self.users { FromJournal::Appended(result) } else { FromJournal::Recorded(result) }
    }
}

/// Running link; dropping it stops its tasks.
pub struct JournalLink {
    appends: mpsc::Sender<Request>,
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
/// This and the other periods here fall on the process's wake grid (see
/// [`crate::adapters::wake_grid`]), with the clock's tick.
const SAFETY_POLL: Duration = Duration::from_secs(10);
/// How often presence is read and reported with the health (a change of
/// health is reported at once besides).
const STATUS_EVERY: Duration = Duration::from_secs(10);
/// A console not seen for this long has left the room.
pub const PRESENCE_WINDOW: Duration = Duration::from_secs(45);

impl JournalLink {
    pub fn start(journal: Journal) -> JournalLink {
        JournalLink::start_with(journal, None)
    }

    /// [`JournalLink::start`], notifying this console's events through `notifier`.
    pub fn start_with(journal: Journal, notifier: Option<Notifier>) -> JournalLink {
        JournalLink::start_outbound(journal, notifier, None)
    }

    /// [`JournalLink::start_with`], also mirroring this console's silences
    /// to Alertmanager through `mirror`.
    pub fn start_outbound(journal: Journal, notifier: Option<Notifier>, mirror: Option<Mirror>) -> JournalLink {
        let (to_loop, messages) = mpsc::channel(256);
        let (appends, mut requests) = mpsc::channel::<Request>(64);
        let read_now = Arc::new(Notify::new());
        let upkeep = journal.spawn_upkeep(Duration::from_secs(3));

        let follower = {
            let (journal, to_loop, read_now, notifier, mirror) =
                (journal.clone(), to_loop.clone(), read_now.clone(), notifier.clone(), mirror.clone());
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
                            if let Some(m) = &mirror {
                                m.observe(&events);
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
                        _ = crate::adapters::wake_grid::sleep_to_next(SAFETY_POLL) => {}
                    }
                }
            })
        };

        let appender = {
            let (journal, to_loop, read_now) = (journal.clone(), to_loop.clone(), read_now.clone());
            tokio::spawn(async move {
                while let Some(request) = requests.recv().await {
                    let mut event = journal.new_event(&request.body);
                    if let Some(key) = &request.key {
                        event.key.clone_from(key);
                    }
                    let key = event.key.clone();
                    if let Some(n) = &notifier {
                        n.claim(&key);
                    }
                    if let Some(m) = &mirror {
                        m.claim(&key);
                    }
                    let result = journal.append(event.clone()).await.map_err(|e| format!("{e:#}"));
                    if matches!(result, Ok(Appended::Queued { .. })) && to_loop.send(FromJournal::Queued(vec![event])).await.is_err() {
                        return;
                    }
                    if let Err(e) = &result {
                        tracing::warn!("journal append refused: {e}");
                        if let Some(n) = &notifier {
                            n.unclaim(&key);
                        }
                        if let Some(m) = &mirror {
                            m.unclaim(&key);
                        }
                    }
                    read_now.notify_one();
                    if to_loop.send(request.answer(result)).await.is_err() {
                        return;
                    }
                }
            })
        };

        let health = {
            let (journal, to_loop, read_now) = (journal.clone(), to_loop.clone(), read_now.clone());
            tokio::spawn(async move {
                let mut health = journal.health();
                // What an earlier run left in the spool is this console's too.
                journal.refresh_health().await;
                match journal.spooled().await {
                    Ok(left) if !left.is_empty() => {
                        if to_loop.send(FromJournal::Queued(left)).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("reading the journal spool: {e:#}"),
                }
                let mut queued = 0;
                loop {
                    let now = *health.borrow_and_update();
                    if now.queued < queued {
                        // A flush stored events: read them now, not at the next wake
                        // (the listener may still be reconnecting).
                        read_now.notify_one();
                    }
                    queued = now.queued;
                    if to_loop.send(FromJournal::Health { online: now.online, queued: now.queued }).await.is_err() {
                        return;
                    }
                    if health.changed().await.is_err() {
                        return;
                    }
                }
            })
        };

        let reporter = tokio::spawn(async move {
            let mut health = journal.health();
            let mut noticed = false;
            loop {
                health.borrow_and_update();
                let (present, problem) = match journal.present(PRESENCE_WINDOW).await {
                    Ok(p) => (p, None),
                    Err(e) => (Vec::new(), Some(format!("{e:#}"))),
                };
                let now = *health.borrow();
                // A flush that succeeded while presence was being read makes
                // that read's failure old news.
                let problem = problem.filter(|_| !(health.has_changed().unwrap_or(false) && now.online));
                let status = FromJournal::Status { online: now.online && problem.is_none(), queued: now.queued, present, problem };
                if to_loop.send(status).await.is_err() {
                    return;
                }
                if !noticed && let Some(notice) = journal.store().notice() {
                    noticed = true;
                    if to_loop.send(FromJournal::Notice(format!("the journal store: {notice}"))).await.is_err() {
                        return;
                    }
                }
                crate::adapters::wake_grid::sleep_to_next(STATUS_EVERY).await;
            }
        });

        JournalLink { appends, messages, tasks: vec![follower, health, reporter], appender, _upkeep: upkeep }
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
                    if let FromJournal::Appended(r) | FromJournal::Recorded(r) = msg {
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
            if let FromJournal::Appended(r) | FromJournal::Recorded(r) = msg {
                outcomes.push(r);
            }
        }
        outcomes
    }

    /// Asks for an event the user asked for to be appended; the answer
    /// comes as [`FromJournal::Appended`].
    pub fn append(&self, body: Body) -> Result<(), String> {
        self.send(Request { body, key: None, users: true })
    }

    /// Asks for an event the console makes by itself (an automatic tick, a
    /// trigger's firing or proposal, a run's renewal or end) to be
    /// appended, under `key` when it has one every console derives alike;
    /// the answer comes as [`FromJournal::Recorded`].
    pub fn record(&self, body: Body, key: Option<String>) -> Result<(), String> {
        self.send(Request { body, key, users: false })
    }

    fn send(&self, request: Request) -> Result<(), String> {
        self.appends.try_send(request).map_err(|_| "the journal is busy; try again".to_string())
    }
}
