//! The console loop: the one owner of [`State`]. It waits in `select!` on
//! the keyboard, probe samples and a one-second clock; it draws only when
//! something changed, at most once per frame interval, each frame wrapped
//! in a synchronized update so slow links see no tearing.

use std::io::{Write, stdout};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::journal_link::{FromJournal, JournalLink};
use super::keys::{KeyOutcome, KeyReader};
use super::room::StoreStatus;
use super::state::{Effect, State};
use super::step_runner::{RunNews, StepRunner};
use crate::config::Plan;
use crate::journal::{Appended, Journal};
use crate::keymap::Key;
use crate::look::Look;
use crate::probe::ProbeEnv;
use crate::probe::schedule::{self, now_ms};
use crate::theme::{self, ThemeLoader};
use crate::ui::{self, View};

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(33);

/// How the console is run.
pub struct Options {
    pub ascii: bool,
    /// Where `theme NAME` looks for user themes.
    pub themes: ThemeLoader,
    /// The room's journal.
    pub journal: Journal,
}

/// Restores the terminal when dropped: on quit, on error, and while
/// unwinding from a panic (ratatui's panic hook restores it too).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Runs the console until the user quits.
pub async fn run(plan: &Plan, mut look: Look, env: ProbeEnv, opts: Options) -> Result<()> {
    let (tx, samples) = mpsc::channel(4096);
    let mut samples = crate::samples::record_through(samples, plan, opts.journal.room());
    let tasks = schedule::spawn_all(&plan.checks, &plan.defaults, &env, tx);
    let mut terminal = ratatui::try_init().wrap_err("cannot set up the terminal")?;
    let _guard = TerminalGuard;
    let launch = crate::launch::load(plan);
    for w in &launch.warnings {
        tracing::warn!("{w}");
    }
    let mut state = State::new(plan, &look.theme.name, now_ms()).with_launch(launch);
    state.room.name = opts.journal.room().to_string();
    state.room.actor = opts.journal.actor().clone();
    state.room.read_only = opts.journal.is_read_only();
    let store_kind = if opts.journal.store().is_shared() { "postgres" } else { "sqlite" };
    state.room.store = StoreStatus { kind: store_kind.to_string(), online: true, ..StoreStatus::default() };
    let notifier = crate::notify::Notifier::for_console(plan, &opts.journal);
    let mut link = JournalLink::start_with(opts.journal.clone(), notifier);
    let mut runner = StepRunner::default();
    // Results of finished runs not yet taken by the journal link.
    let mut unrecorded: Vec<crate::journal::Body> = Vec::new();
    let mut events = EventStream::new();
    let mut keys = KeyReader::default();
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;
    let mut next_tick = Instant::now() + Duration::from_secs(1);
    let result: Result<()> = loop {
        if dirty && last_frame.elapsed() >= FRAME {
            state.now_ms = now_ms();
            state.log_warnings = crate::logging::warnings();
            let view = View { state: &state, theme: &look.theme, keymap: &look.keymap, ascii: opts.ascii };
            let mut out = stdout();
            let _ = crossterm::queue!(out, BeginSynchronizedUpdate);
            let mut rows = 0;
            let drawn = terminal.draw(|f| rows = ui::render(f, &view).metrics_rows);
            let _ = crossterm::execute!(out, EndSynchronizedUpdate);
            let _ = out.flush();
            if let Err(e) = drawn {
                break Err(e).wrap_err("cannot draw to the terminal");
            }
            if rows > 0 {
                state.page_rows = rows;
            }
            dirty = false;
            last_frame = Instant::now();
        }
        // When a frame is due but too soon, wake up for it.
        let frame_due = if dirty { last_frame + FRAME } else { next_tick };
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    match keys.read(&look.keymap, &state, Key::from_event(k)) {
                        KeyOutcome::Run(action) => {
                            let effects = state.update(action);
                            let mut outside = Outside { look: &mut look, themes: &opts.themes, link: &link, runner: &mut runner };
                            if outside.carry_out(&mut state, effects) {
                                return finish(tasks, Ok(()));
                            }
                        }
                        KeyOutcome::Type(c) => state.type_char(c),
                        KeyOutcome::Pending | KeyOutcome::Ignored => {}
                    }
                    dirty = true;
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::error!("keyboard: {e}");
                    break Err(e).wrap_err("cannot read the keyboard");
                }
                None => break Ok(()),
            },
            Some(sample) = samples.recv() => {
                state.apply_sample(&sample);
                // Coalesce whatever else already arrived into the same frame.
                while let Ok(more) = samples.try_recv() {
                    state.apply_sample(&more);
                }
                let effects = state.verify_items();
                Outside { look: &mut look, themes: &opts.themes, link: &link, runner: &mut runner }.carry_out(&mut state, effects);
                dirty = true;
            }
            Some(msg) = link.messages.recv() => {
                let effects = from_journal(&mut state, msg, store_kind);
                Outside { look: &mut look, themes: &opts.themes, link: &link, runner: &mut runner }.carry_out(&mut state, effects);
                dirty = true;
            }
            Some(news) = runner.news.recv() => {
                match news {
                    RunNews::Output => {}
                    RunNews::Renew(body) => {
                        if let Err(e) = link.append(body) {
                            tracing::warn!("cannot renew a run's lease: {e}");
                        }
                    }
                    RunNews::Finished { run, body } => {
                        runner.finished(&run);
                        unrecorded.push(body);
                    }
                    RunNews::Preview { action, ok, output } => state.preview_done(&action, ok, &output),
                }
                // A finished run must reach the journal: retried until the link takes it.
                unrecorded.retain(|body| link.append(body.clone()).is_err());
                dirty = true;
            }
            _ = sleep_until(frame_due), if dirty => {}
            _ = sleep_until(next_tick) => {
                unrecorded.retain(|body| link.append(body.clone()).is_err());
                state.tick(now_ms());
                let effects = state.tick_triggers();
                Outside { look: &mut look, themes: &opts.themes, link: &link, runner: &mut runner }.carry_out(&mut state, effects);
                next_tick += Duration::from_secs(1);
                dirty = true;
            }
        }
    };
    finish(tasks, result)
}

fn finish(tasks: Vec<tokio::task::JoinHandle<()>>, result: Result<()>) -> Result<()> {
    for t in tasks {
        t.abort();
    }
    result
}

/// What effects reach outside the state: the theme, the journal, the runs.
struct Outside<'a> {
    look: &'a mut Look,
    themes: &'a ThemeLoader,
    link: &'a JournalLink,
    runner: &'a mut StepRunner,
}

impl Outside<'_> {
    /// Carries out the reducer's effects; true when the console should quit.
    fn carry_out(&mut self, state: &mut State, effects: Vec<Effect>) -> bool {
        for effect in effects {
            match effect {
                Effect::Quit => return true,
                Effect::SetTheme(name) => switch_theme(state, self.look, self.themes, &name),
                Effect::NextTheme => {
                    let next = next_theme(&self.look.theme.name);
                    switch_theme(state, self.look, self.themes, next);
                }
                Effect::Append(body) => {
                    if let Err(e) = self.link.append(body) {
                        state.error(e);
                    }
                }
                Effect::StartRun(start) => {
                    let run = start.run.clone();
                    let live = self.runner.start(start, now_ms());
                    state.live.insert(run, live);
                }
                Effect::Preview(start) => self.runner.preview(start),
                Effect::CancelRun(run) => {
                    if !self.runner.cancel(&run) {
                        state.error("that run has already ended");
                    }
                }
            }
        }
        false
    }
}

/// Folds what the journal says into the state; returns what folding set off.
pub fn from_journal(state: &mut State, msg: FromJournal, store_kind: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        FromJournal::Events(events) => {
            for e in events {
                effects.extend(state.apply_event(e));
            }
        }
        // The acknowledgement must not hide an error said meanwhile (a lost claim's "not run: alice is running …").
        FromJournal::Appended(Ok(Appended::Stored(e))) if !state.message.as_ref().is_some_and(|m| m.is_error) => {
            state.say(format!("saved to the room as event #{}", e.seq))
        }
        FromJournal::Appended(Ok(Appended::Stored(_))) => {}
        FromJournal::Appended(Ok(Appended::Queued { .. })) => state.append_queued(),
        FromJournal::Appended(Err(e)) => state.error(e),
        FromJournal::Status { online, queued, present, problem } => {
            state.room.store = StoreStatus { kind: store_kind.to_string(), online, queued: queued as usize, problem };
            state.store_health(online, queued);
            state.room.present = present;
        }
        FromJournal::Health { online, queued } => state.store_health(online, queued),
        FromJournal::Queued(events) => state.queued_here(events),
    }
    effects
}

/// The shipped theme after `current` (wrapping), for the cycle key.
fn next_theme(current: &str) -> &'static str {
    let names: Vec<&'static str> = theme::SHIPPED.iter().map(|(n, _)| *n).collect();
    let i = names.iter().position(|n| *n == current).map_or(0, |i| (i + 1) % names.len());
    names[i]
}

fn switch_theme(state: &mut State, look: &mut Look, loader: &ThemeLoader, name: &str) {
    match loader.load(name) {
        Ok((theme, _)) => {
            state.theme_name = theme.name.clone();
            state.say(format!("theme {}", theme.name));
            look.theme = theme;
        }
        Err(report) => {
            let first = report.diagnostics.items.first().map_or_else(|| format!("cannot load theme {name}"), |d| d.message.clone());
            state.error(first);
        }
    }
}
