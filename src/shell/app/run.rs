//! The console loop: feeds the [`Console`] from its sources and paces its
//! frames. It waits in `select!` on the keyboard, probe samples, the room's
//! eyes (who probes, the room's samples: see [`super::room_eyes`]), the
//! journal link, the step runner, signals and a one-second clock, turns
//! each into a [`Msg`], and draws when the console says a frame is due:
//! at once for keys, the journal and runs, coalesced for samples and the
//! clock (see [`super::pacing`]), on the lean backend (few bytes per
//! change, a synchronized update around a frame of several rows, so slow
//! links see no tearing).

use std::io::{Write, stdout};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::console::{Console, Flow, Msg, Parts, Remains, starting_state, store_kind, tell_unset_notifiers};
use super::journal_link::JournalLink;
use super::probing::Probing;
use super::room_eyes::{EyesNews, RoomEyes};
use super::step_runner::{RunNews, StepRunner};
use crate::adapters::journal::Journal;
use crate::adapters::probe::ProbeEnv;
use crate::adapters::probe::schedule::{ProbeSet, now_ms};
use crate::shell::keymap::Key;
use crate::shell::look::Look;
use crate::shell::theme::ThemeLoader;
use opsdeck_core::config::Plan;

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
pub async fn run(plan: &Plan, look: Look, env: ProbeEnv, opts: Options) -> Result<Ended> {
    let mut signals = Signals::listen().wrap_err("cannot listen for signals")?;
    let (tx, samples) = mpsc::channel(4096);
    let mut samples = crate::adapters::samples::record_through(samples, plan, opts.journal.room());
    let mut probes = ProbeSet::new(&plan.checks, &plan.defaults, &env, tx);
    let mut eyes = RoomEyes::start(plan, &opts.journal);
    // Restores the terminal when dropped: on quit, on error, on a signal;
    // on a panic the crash hook does (not ratatui's hook: see `crash`).
    let terminal_in_use = crate::shell::crash::TerminalInUse::claim();
    crossterm::terminal::enable_raw_mode().wrap_err("cannot set up the terminal")?;
    crossterm::execute!(stdout(), crossterm::terminal::EnterAlternateScreen).wrap_err("cannot set up the terminal")?;
    let terminal = ratatui::Terminal::new(crate::shell::lean_backend::LeanBackend::new(stdout())).wrap_err("cannot set up the terminal")?;
    let launch = crate::adapters::launch_docs::load(plan);
    for w in &launch.warnings {
        tracing::warn!("{w}");
    }
    let mut state = starting_state(plan, &look.theme.name, &opts.journal, launch, now_ms()).await;
    let notifier = crate::adapters::notify::Notifier::for_console(plan, &opts.journal);
    tell_unset_notifiers(&mut state, notifier.as_ref());
    let mut console = Console::new(terminal, state, look, parts(plan, opts, notifier));
    probe_for(&mut probes, eyes.probing());
    console.handle(Msg::Probing(eyes.probing().clone()));
    let mut events = super::terminal_events::TerminalEvents::start().wrap_err("cannot read the keyboard")?;
    give_back_startup_pages_soon();
    // The clock ticks as the wall clock's seconds turn, on the wake grid the
    // probes' slots and the room's poll share (one wake for all three).
    let mut next_tick = crate::adapters::wake_grid::next(Duration::from_secs(1));
    let result: Result<Ended> = loop {
        if console.frame_due().is_some_and(|due| due <= std::time::Instant::now())
            && let Some(turn) = crate::shell::crash::frame_turn()
        {
            // The backend wraps a frame that changes several rows in a
            // synchronized update, and writes nothing for an unchanged one.
            let drawn = console.draw(now_ms());
            let _ = stdout().flush();
            drop(turn);
            if let Err(e) = drawn {
                break signal_or(&mut signals, Err(e).wrap_err("cannot draw to the terminal")).await;
            }
        }
        // When a frame is wanted but not due yet, wake up for it.
        let frame_due = console.frame_due().map_or(next_tick, Instant::from_std);
        let flow = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => console.handle(Msg::Key(Key::from_event(k))),
                Some(Ok(Event::Resize(..))) => {
                    crate::shell::lean_backend::note_resize();
                    console.handle(Msg::Resize)
                }
                Some(Ok(_)) => Flow::Continue,
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
                eyes.probed(&sample);
                let mut flow = console.handle(Msg::Sample(sample));
                // Coalesce whatever else already arrived into the same frame.
                while let Ok(more) = samples.try_recv() {
                    eyes.probed(&more);
                    flow = console.handle(Msg::Sample(more));
                }
                flow
            }
            news = eyes.next() => match news {
                EyesNews::Probing(probing) => {
                    probe_for(&mut probes, &probing);
                    console.handle(Msg::Probing(probing))
                }
                EyesNews::Samples(batch) => {
                    let mut flow = Flow::Continue;
                    for sample in batch {
                        flow = console.handle(Msg::Sample(sample));
                    }
                    flow
                }
            },
            Some(msg) = console.next_inbound() => console.handle(msg),
            _ = sleep_until(frame_due), if console.wants_frame() => Flow::Continue,
            _ = sleep_until(next_tick) => {
                next_tick += Duration::from_secs(1);
                console.handle(Msg::Tick(now_ms()))
            }
        };
        if flow == Flow::Quit {
            break Ok(Ended::Quit);
        }
    };
    drop(probes);
    // Hand the room's probing to another console at once (bounded: a store
    // that does not answer leaves the lease to expire).
    eyes.release().await;
    let remains = console.into_remains();
    if !matches!(result, Ok(Ended::Quit)) {
        // Give the terminal back first: the person sees the console end at
        // once, even while runs are still being stopped.
        drop(terminal_in_use);
        wind_down(remains).await;
    }
    result
}

/// How long after start the console gives back what it needed only to
/// start: past its start-up, its first probes and frames.
const STARTED_AFTER: Duration = Duration::from_secs(10);

/// Gives back, [`STARTED_AFTER`] from now, the pages only start-up used
/// (see [`crate::resident`]). Once only: giving them back every two
/// minutes as well made the soak's RSS swing between 15 and 19 MB (the
/// pages in use come back around each one, read ahead), where once it
/// holds at about 16 MB.
fn give_back_startup_pages_soon() {
    tokio::spawn(async {
        tokio::time::sleep(STARTED_AFTER).await;
        let given = crate::resident::give_back_startup_pages();
        tracing::debug!("gave back {} KiB of start-up pages (heap trimmed: {})", given.mapped / 1024, given.heap_trimmed);
    });
}

/// Probes the checks `probing` says this console probes: all of them, or
/// only the `local` ones while the room's prober probes the rest.
fn probe_for(probes: &mut ProbeSet, probing: &Probing) {
    let all = probing.probes_room_checks();
    probes.probe_only(|check| all || check.local);
}

/// The journal link (notifying through the plan's targets, mirroring
/// silences to its Alertmanager) and the step runner.
fn parts(plan: &Plan, opts: Options, notifier: Option<crate::adapters::notify::Notifier>) -> Parts {
    let mirror = crate::adapters::alertmanager::Mirror::for_console(plan, &opts.journal);
    Parts {
        themes: opts.themes,
        link: JournalLink::start_outbound(opts.journal.clone(), notifier, mirror),
        runner: StepRunner::default(),
        store_kind: store_kind(&opts.journal),
        ascii: opts.ascii,
    }
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
async fn wind_down(remains: Remains) {
    let Remains { mut runner, link, mut unrecorded } = remains;
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
        if let Err(e) = link.record(body, None) {
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
