//! The console: the one owner of [`State`], driven by messages. Each
//! [`Msg`] (a key, a resize, a probe sample, what the journal says, news of
//! a run, the clock) is handled by the reducer; the effects it returns are
//! carried out here (appends to the journal link, runs and previews on the
//! step runner, theme switches); and the console draws only when handling
//! a message changed something on screen. Appends set off by a key are the
//! user's and are acknowledged on the status bar ("saved to the room as
//! event #N"); those the console makes by itself (from samples, the clock,
//! the room's events, its runs) are recorded without a word.
//!
//! Generic over the ratatui [`Backend`]: the real loop (`app::run`)
//! feeds it from the terminal, the probes, the journal and a timer on a
//! crossterm backend; a test feeds it a script on `TestBackend` and reads
//! the frames.

use std::mem::ManuallyDrop;

use ratatui::Terminal;
use ratatui::backend::Backend;

use super::journal_link::{FromJournal, JournalLink};
use super::keys::{KeyOutcome, KeyReader};
use super::pacing::{Change, Pacer};
use super::probing::Probing;
use super::room::StoreStatus;
use super::state::{Effect, State};
use super::step_runner::{RunNews, StepRunner};
use crate::adapters::journal::{Appended, Body, Journal};
use crate::adapters::probe::schedule::Sample;
use crate::shell::keymap::Key;
use crate::shell::look::Look;
use crate::shell::theme::{self, ThemeLoader};
use crate::shell::ui::{self, View};
use opsdeck_core::config::Plan;
use opsdeck_core::launch::Launch;

/// Everything that reaches the console.
#[derive(Debug)]
pub enum Msg {
    /// A key, decoded once from the terminal's event.
    Key(Key),
    /// The terminal changed size.
    Resize,
    /// A probe run's result: this console's, or one the room's prober
    /// recorded (read back from the room's samples).
    Sample(Sample),
    /// Who probes and judges for this console changed.
    Probing(Probing),
    /// What the journal link says: the room's events, how an append went,
    /// the store's health and who is here.
    Journal(FromJournal),
    /// A run or preview of this console printed, needs its lease renewed, or ended.
    Run(RunNews),
    /// The clock (unix ms): staleness, countdowns, deadlines.
    Tick(i64),
}

/// What the loop does after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// What the console reaches outside its state with.
pub struct Parts {
    /// Where `theme NAME` looks for user themes.
    pub themes: ThemeLoader,
    pub link: JournalLink,
    pub runner: StepRunner,
    /// `sqlite` or `postgres`, for the status bar.
    pub store_kind: &'static str,
    /// ASCII-only glyphs.
    pub ascii: bool,
}

/// What a console leaves behind for winding down: its runs, its link to
/// the journal and the run results the link has not taken yet.
pub struct Remains {
    pub runner: StepRunner,
    pub link: JournalLink,
    pub unrecorded: Vec<Body>,
}

pub struct Console<B: Backend> {
    /// Never dropped: ratatui's `Drop` shows the cursor with `eprintln!`
    /// on failure, which panics when the terminal is gone (a hangup); the
    /// shell's `TerminalInUse` guard restores the real terminal instead.
    terminal: ManuallyDrop<Terminal<B>>,
    state: State,
    look: Look,
    keys: KeyReader,
    parts: Parts,
    /// Results of finished runs the journal link has not taken yet.
    unrecorded: Vec<Body>,
    /// What changed on screen since the last frame, and when the next
    /// one is due.
    pacer: Pacer,
    frames: u64,
}

impl<B: Backend> Console<B> {
    pub fn new(terminal: Terminal<B>, state: State, look: Look, parts: Parts) -> Console<B> {
        Console {
            terminal: ManuallyDrop::new(terminal),
            state,
            look,
            keys: KeyReader::default(),
            parts,
            unrecorded: Vec::new(),
            pacer: Pacer::default(),
            frames: 0,
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn terminal(&self) -> &Terminal<B> {
        &self.terminal
    }

    /// Frames drawn so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Whether a frame is wanted: something changed since the last one.
    pub fn wants_frame(&self) -> bool {
        self.pacer.pending().is_some()
    }

    /// When the next frame is due: at once (one frame interval after the
    /// last) for keys, the journal and runs; coalesced for samples and the
    /// clock (see the pacing module); `None` while nothing changed.
    pub fn frame_due(&self) -> Option<std::time::Instant> {
        self.pacer.due()
    }

    /// The next message from the journal link or the step runner (cancel
    /// safe, for the loop's `select!`); `None` once both have closed.
    pub async fn next_inbound(&mut self) -> Option<Msg> {
        let Parts { link, runner, .. } = &mut self.parts;
        tokio::select! {
            Some(msg) = link.messages.recv() => Some(Msg::Journal(msg)),
            Some(news) = runner.news.recv() => Some(Msg::Run(news)),
            else => None,
        }
    }

    /// Handles one message: the reducer, then its effects.
    pub fn handle(&mut self, msg: Msg) -> Flow {
        let by = if matches!(msg, Msg::Key(_)) { By::User } else { By::Console };
        // Samples and the clock change only data: their frames are coalesced.
        let kind = if matches!(msg, Msg::Sample(_) | Msg::Tick(_)) { Change::Data } else { Change::Prompt };
        let (changed, effects) = match msg {
            Msg::Key(key) => match self.keys.read(&self.look.keymap, &self.state, key) {
                KeyOutcome::Run(action) => (true, self.state.update(action)),
                KeyOutcome::Type(c) => {
                    self.state.type_char(c);
                    (true, Vec::new())
                }
                // The status bar shows the keys typed so far of a sequence.
                KeyOutcome::Pending => (true, Vec::new()),
                KeyOutcome::Ignored => (false, Vec::new()),
            },
            Msg::Resize => (true, Vec::new()),
            Msg::Sample(sample) => {
                let mut effects = self.state.apply_sample(&sample);
                effects.extend(self.state.verify_items());
                (true, effects)
            }
            Msg::Probing(probing) => {
                let changed = self.state.room().probing() != &probing;
                self.state.set_probing(probing);
                (changed, Vec::new())
            }
            Msg::Journal(msg) => {
                let before = Shown::of(&self.state);
                let effects = from_journal(&mut self.state, msg, self.parts.store_kind);
                (Shown::of(&self.state) != before, effects)
            }
            Msg::Run(news) => (self.run_news(news), Vec::new()),
            Msg::Tick(now_ms) => {
                self.record_finished();
                let mut effects = self.state.tick(now_ms);
                effects.extend(self.state.tick_triggers());
                (true, effects)
            }
        };
        if changed {
            self.pacer.changed(kind);
        }
        self.carry_out(effects, by)
    }

    /// Draws a frame at `now_ms` if something changed since the last one;
    /// returns whether it drew.
    pub fn draw(&mut self, now_ms: i64) -> Result<bool, B::Error> {
        if self.pacer.pending().is_none() {
            return Ok(false);
        }
        self.state.set_clock(now_ms, crate::logging::warnings());
        let view = View { state: &self.state, theme: &self.look.theme, keymap: &self.look.keymap, ascii: self.parts.ascii };
        let mut areas = ui::Areas::default();
        self.terminal.draw(|f| areas = ui::render(f, &view))?;
        if areas.metrics_rows > 0 {
            self.state.set_page_rows(areas.metrics_rows);
        }
        self.pacer.drawn(std::time::Instant::now(), areas.ticking);
        self.frames += 1;
        Ok(true)
    }

    /// Forgets what the terminal shows, so that the next frame draws
    /// everything (another terminal took over this console: `opsdeck serve`).
    pub fn repaint(&mut self) {
        if let Err(e) = self.terminal.clear() {
            tracing::warn!("cannot clear the terminal: {e}");
        }
        self.pacer.changed(Change::Prompt);
    }

    /// Ends the console: what winding down needs. The terminal is left
    /// as it is (see the field's note).
    pub fn into_remains(self) -> Remains {
        Remains { runner: self.parts.runner, link: self.parts.link, unrecorded: self.unrecorded }
    }

    /// News of a run; true when it changes the screen.
    fn run_news(&mut self, news: RunNews) -> bool {
        let changed = match news {
            RunNews::Output => true,
            RunNews::Renew(body) => {
                if let Err(e) = self.parts.link.record(body, None) {
                    tracing::warn!("cannot renew a run's lease: {e}");
                }
                false
            }
            RunNews::Finished { run, body } => {
                self.parts.runner.finished(&run);
                self.unrecorded.push(body);
                true
            }
            RunNews::Preview { action, generation, ok, output } => {
                let latest = self.parts.runner.is_latest_preview(generation);
                if latest {
                    self.state.preview_done(&action, ok, &output);
                }
                latest
            }
        };
        self.record_finished();
        changed
    }

    /// A finished run must reach the journal: retried until the link takes it.
    fn record_finished(&mut self) {
        let link = &self.parts.link;
        self.unrecorded.retain(|body| link.record(body.clone(), None).is_err());
    }

    /// Carries out the reducer's effects; `by` says whose the appends are.
    fn carry_out(&mut self, effects: Vec<Effect>, by: By) -> Flow {
        for effect in effects {
            match effect {
                Effect::Quit => return Flow::Quit,
                Effect::SetTheme(name) => self.switch_theme(&name),
                Effect::NextTheme => {
                    let next = next_theme(&self.look.theme.name);
                    self.switch_theme(next);
                }
                Effect::Append(body) => {
                    let asked = match by {
                        By::User => self.parts.link.append(body),
                        By::Console => self.parts.link.record(body, None),
                    };
                    if let Err(e) = asked {
                        self.state.error(e);
                    }
                }
                Effect::AppendOnce { body, key } => {
                    if let Err(e) = self.parts.link.record(body, Some(key)) {
                        self.state.error(e);
                    }
                }
                Effect::StartRun(start) => {
                    let run = start.run.clone();
                    let live = self.parts.runner.start(start, crate::adapters::probe::schedule::now_ms());
                    self.state.run_started(run, live);
                }
                Effect::Preview(start) => {
                    self.parts.runner.preview(start);
                }
                Effect::StopPreview => self.parts.runner.stop_preview(),
                Effect::CancelRun(run) => {
                    if !self.parts.runner.cancel(&run) {
                        self.state.error("that run has already ended");
                    }
                }
            }
        }
        Flow::Continue
    }

    fn switch_theme(&mut self, name: &str) {
        match self.parts.themes.load(name) {
            Ok((theme, _)) => {
                self.state.theme_switched(&theme.name);
                self.state.say(format!("theme {}", theme.name));
                self.look.theme = theme.for_depth(self.look.depth);
            }
            Err(report) => {
                let first = report.diagnostics.items.first().map_or_else(|| format!("cannot load theme {name}"), |d| d.message.clone());
                self.state.error(first);
            }
        }
        self.pacer.changed(Change::Prompt);
    }
}

/// Whose appends a message's effects are: the user's (a key) or the
/// console's own doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    User,
    Console,
}

/// What of the journal's side the screen shows: a message from the
/// journal that changes none of it (a status report saying what the last
/// one said) draws nothing.
#[derive(PartialEq)]
struct Shown {
    last_seq: i64,
    store: StoreStatus,
    present: Vec<String>,
    message: Option<super::state::Message>,
    pending: usize,
}

impl Shown {
    fn of(state: &State) -> Shown {
        let room = state.room();
        Shown {
            last_seq: room.last_seq(),
            store: room.store().clone(),
            present: room.present().iter().map(|(a, _)| a.to_string()).collect(),
            message: state.message().cloned(),
            pending: room.pending().len(),
        }
    }
}

/// The console's state for this plan, room and person, before anything
/// arrives: the store is taken to be online until the link says otherwise.
pub fn initial_state(plan: &Plan, theme_name: &str, journal: &Journal, launch: Launch, now_ms: i64) -> State {
    let mut state = State::new(plan, theme_name, now_ms).with_launch(launch);
    state.join_room(journal.room().to_string(), journal.actor().clone(), journal.is_read_only());
    state.set_store(StoreStatus { kind: store_kind(journal).to_string(), online: true, ..StoreStatus::default() });
    state
}

/// [`initial_state`] with what an earlier run left in the journal's spool
/// already pending, so that nothing in it is appended again before the
/// journal link reports it (an automatic tick queued offline stays one
/// tick however often the console restarts offline).
pub async fn starting_state(plan: &Plan, theme_name: &str, journal: &Journal, launch: Launch, now_ms: i64) -> State {
    let mut state = initial_state(plan, theme_name, journal, launch, now_ms);
    match journal.spooled().await {
        Ok(left) => state.queued_here(left),
        Err(e) => tracing::warn!("reading the journal spool: {e:#}"),
    }
    state
}

/// Says once, on the status bar, which notification targets send nothing
/// because a variable they need is not set (the notifier logged each once).
pub fn tell_unset_notifiers(state: &mut State, notifier: Option<&crate::adapters::notify::Notifier>) {
    let unset = notifier.map(crate::adapters::notify::Notifier::unset).unwrap_or_default();
    if !unset.is_empty() {
        state.error(unset.join("; "));
    }
}

/// `postgres` or `sqlite`, for the status bar.
pub fn store_kind(journal: &Journal) -> &'static str {
    if journal.store().is_shared() { "postgres" } else { "sqlite" }
}

/// Folds what the journal says into the state; returns what folding set off.
pub fn from_journal(state: &mut State, msg: FromJournal, store_kind: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        FromJournal::Events(events) => {
            state.expect_events(events.len());
            for e in events {
                effects.extend(state.apply_event(e));
            }
        }
        // The acknowledgement must not hide an error said meanwhile (a lost claim's "not run: alice is running …").
        FromJournal::Appended(Ok(Appended::Stored(e))) if !state.message().is_some_and(|m| m.is_error) => {
            state.say(format!("saved to the room as event #{}", e.seq))
        }
        FromJournal::Appended(Ok(Appended::Stored(_))) => {}
        FromJournal::Appended(Ok(Appended::Queued { .. })) => state.append_queued(),
        FromJournal::Appended(Err(e)) => state.error(e),
        // The console's own appends are not acknowledged: the user did not ask for them.
        FromJournal::Recorded(Ok(Appended::Stored(_))) => {}
        FromJournal::Recorded(Ok(Appended::Queued { .. })) => state.append_queued(),
        FromJournal::Recorded(Err(e)) => state.error(e),
        FromJournal::Status { online, queued, present, problem } => {
            state.set_store(StoreStatus { kind: store_kind.to_string(), online, queued: queued as usize, problem });
            state.store_health(online, queued);
            state.set_present(present);
        }
        FromJournal::Health { online, queued } => state.store_health(online, queued),
        FromJournal::Queued(events) => state.queued_here(events),
        FromJournal::Notice(text) => state.say(text),
    }
    effects
}

/// The shipped theme after `current` (wrapping), for the cycle key.
fn next_theme(current: &str) -> &'static str {
    let names: Vec<&'static str> = theme::SHIPPED.iter().map(|(n, _)| *n).collect();
    let i = names.iter().position(|n| *n == current).map_or(0, |i| (i + 1) % names.len());
    names[i]
}
