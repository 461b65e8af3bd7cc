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
use crate::adapters::journal::{Appended, Journal};
use crate::adapters::probe::ProbeEnv;
use crate::adapters::probe::schedule::{self, now_ms};
use crate::shell::keymap::Key;
use crate::shell::look::Look;
use crate::shell::theme::{self, ThemeLoader};
use crate::shell::ui::{self, View};
use opsdeck_core::config::Plan;

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

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// A signal ended it (its number); the process should exit with 128 + it.
    Signal(i32),
}

/// How long the console waits, once told to end, for its runs to stop and
/// its last appends to reach the store (or the spool).
const WIND_DOWN: Duration = Duration::from_secs(8);

/// Runs the console until the user quits or a signal ends it.
pub async fn run(plan: &Plan, mut look: Look, env: ProbeEnv, opts: Options) -> Result<Ended> {
    let mut signals = Signals::listen().wrap_err("cannot listen for signals")?;
    let (tx, samples) = mpsc::channel(4096);
    let mut samples = crate::adapters::samples::record_through(samples, plan, opts.journal.room());
    let tasks = schedule::spawn_all(&plan.checks, &plan.defaults, &env, tx);
    // Restores the terminal when dropped: on quit, on error, on a signal;
    // on a panic the crash hook does (not ratatui's hook: see `crash`).
    let terminal_in_use = crate::shell::crash::TerminalInUse::claim();
    crossterm::terminal::enable_raw_mode().wrap_err("cannot set up the terminal")?;
    crossterm::execute!(stdout(), crossterm::terminal::EnterAlternateScreen).wrap_err("cannot set up the terminal")?;
    // Never dropped: ratatui's `Drop` shows the cursor with `eprintln!` on
    // failure, which panics when the terminal is gone (a hangup);
    // `terminal_in_use` restores everything, ignoring such errors.
    let mut terminal = std::mem::ManuallyDrop::new(
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(stdout())).wrap_err("cannot set up the terminal")?,
    );
    let launch = crate::adapters::launch_docs::load(plan);
    for w in &launch.warnings {
        tracing::warn!("{w}");
    }
    let mut state = State::new(plan, &look.theme.name, now_ms()).with_launch(launch);
    state.join_room(opts.journal.room().to_string(), opts.journal.actor().clone(), opts.journal.is_read_only());
    let store_kind = if opts.journal.store().is_shared() { "postgres" } else { "sqlite" };
    state.set_store(StoreStatus { kind: store_kind.to_string(), online: true, ..StoreStatus::default() });
    let notifier = crate::adapters::notify::Notifier::for_console(plan, &opts.journal);
    let mut link = JournalLink::start_with(opts.journal.clone(), notifier);
    let mut runner = StepRunner::default();
    // Results of finished runs not yet taken by the journal link.
    let mut unrecorded: Vec<crate::adapters::journal::Body> = Vec::new();
    let mut events = EventStream::new();
    let mut keys = KeyReader::default();
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;
    let mut next_tick = Instant::now() + Duration::from_secs(1);
    let result: Result<Ended> = loop {
        if dirty && last_frame.elapsed() >= FRAME {
            state.set_clock(now_ms(), crate::logging::warnings());
            let view = View { state: &state, theme: &look.theme, keymap: &look.keymap, ascii: opts.ascii };
            let mut out = stdout();
            let _ = crossterm::queue!(out, BeginSynchronizedUpdate);
            let mut rows = 0;
            let drawn = terminal.draw(|f| rows = ui::render(f, &view).metrics_rows);
            let _ = crossterm::execute!(out, EndSynchronizedUpdate);
            let _ = out.flush();
            if let Err(e) = drawn {
                break signal_or(&mut signals, Err(e).wrap_err("cannot draw to the terminal")).await;
            }
            if rows > 0 {
                state.set_page_rows(rows);
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
                                break Ok(Ended::Quit);
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
                    break signal_or(&mut signals, Err(e).wrap_err("cannot read the keyboard")).await;
                }
                None => break signal_or(&mut signals, Ok(Ended::Quit)).await,
            },
            signal = signals.next() => {
                tracing::warn!("ending on signal {signal}");
                break Ok(Ended::Signal(signal));
            }
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
                    RunNews::Preview { action, generation, ok, output } => {
                        if runner.is_latest_preview(generation) {
                            state.preview_done(&action, ok, &output);
                        }
                    }
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
    for t in tasks {
        t.abort();
    }
    if !matches!(result, Ok(Ended::Quit)) {
        // Give the terminal back first: the person sees the console end at
        // once, even while runs are still being stopped.
        drop(terminal_in_use);
        wind_down(&mut runner, link, unrecorded).await;
    }
    result
}

/// When the terminal fails (read or write error, end of input), a hangup
/// is usually why, and its signal follows at once: waits a moment for it so
/// the exit code says what happened; else `otherwise`.
async fn signal_or(signals: &mut Signals, otherwise: Result<Ended>) -> Result<Ended> {
    tokio::select! {
        n = signals.next() => Ok(Ended::Signal(n)),
        _ = tokio::time::sleep(Duration::from_millis(250)) => otherwise,
    }
}

/// After a signal or an error: stops this console's runs (SIGTERM to each group, SIGKILL
/// after a grace) and records each as interrupted, then lets the appends
/// already asked for finish, all within [`WIND_DOWN`].
async fn wind_down(runner: &mut StepRunner, link: JournalLink, mut unrecorded: Vec<crate::adapters::journal::Body>) {
    let deadline = Instant::now() + WIND_DOWN;
    let mut running = runner.interrupt_all();
    while running > 0 {
        tokio::select! {
            news = runner.news.recv() => match news {
                Some(RunNews::Finished { run, body }) => {
                    runner.finished(&run);
                    unrecorded.push(body);
                    running -= 1;
                }
                Some(_) => {}
                None => break,
            },
            _ = sleep_until(deadline) => {
                tracing::warn!("{running} run(s) did not stop in time; their lease will show them abandoned");
                break;
            }
        }
    }
    for body in unrecorded {
        if let Err(e) = link.append(body) {
            tracing::warn!("cannot record a run's end: {e}");
        }
    }
    for outcome in link.finish(deadline.saturating_duration_since(Instant::now())).await {
        if let Err(e) = outcome {
            tracing::warn!("the journal refused an append while ending: {e}");
        }
    }
}

/// The signals that end the console: SIGTERM (`kill`), SIGHUP (a closed SSH
/// session or terminal), SIGINT (`kill -INT`; Ctrl-C is a key in raw mode).
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals { term: signal(SignalKind::terminate())?, hup: signal(SignalKind::hangup())?, int: signal(SignalKind::interrupt())? })
    }

    /// The next signal's number.
    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.term.recv() => libc::SIGTERM,
            _ = self.hup.recv() => libc::SIGHUP,
            _ = self.int.recv() => libc::SIGINT,
        }
    }
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
                    state.run_started(run, live);
                }
                Effect::Preview(start) => {
                    self.runner.preview(start);
                }
                Effect::StopPreview => self.runner.stop_preview(),
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
        FromJournal::Appended(Ok(Appended::Stored(e))) if !state.message().is_some_and(|m| m.is_error) => {
            state.say(format!("saved to the room as event #{}", e.seq))
        }
        FromJournal::Appended(Ok(Appended::Stored(_))) => {}
        FromJournal::Appended(Ok(Appended::Queued { .. })) => state.append_queued(),
        FromJournal::Appended(Err(e)) => state.error(e),
        FromJournal::Status { online, queued, present, problem } => {
            state.set_store(StoreStatus { kind: store_kind.to_string(), online, queued: queued as usize, problem });
            state.store_health(online, queued);
            state.set_present(present);
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
            state.theme_switched(&theme.name);
            state.say(format!("theme {}", theme.name));
            look.theme = theme;
        }
        Err(report) => {
            let first = report.diagnostics.items.first().map_or_else(|| format!("cannot load theme {name}"), |d| d.message.clone());
            state.error(first);
        }
    }
}
