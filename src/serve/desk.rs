//! One console of `opsdeck serve`, for one key: its own state (pane,
//! selection, filter, theme), journal link (appending as the key's name,
//! read-only for an observer) and runs, fed by the serve's one prober. It
//! draws into its session's frame slot only when the session's writer is
//! free, at most once per frame interval, each frame one synchronized
//! update. When the connection drops the desk keeps going without a
//! screen (its runs run, the room's events fold in) and waits for its key
//! to come back (an hour at most); it ends when the person quits or the
//! key leaves the file.

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Instant, sleep_until};

use super::backend::{ScreenHandle, SshBackend};
use super::hub::{HubNews, share};
use super::input::decode;
use super::keys::Role;
use super::lobby::{Attach, Ending, Input, Lobby, Term};
use crate::adapters::journal::{Actor, Journal};
use crate::adapters::probe::schedule::now_ms;
use crate::shell::app::console::{Console, Flow, Msg, Parts, starting_state, store_kind, tell_unset_notifiers};
use crate::shell::app::journal_link::JournalLink;
use crate::shell::app::step_runner::StepRunner;
use crate::shell::look;
use crate::shell::theme::ThemeLoader;

/// Shortest time between two frames of one session.
const FRAME: Duration = Duration::from_millis(33);

/// How long a desk whose connection dropped waits for its key to return.
pub const PARK_FOR: Duration = Duration::from_secs(3600);

/// The desk's connection, while it has one.
struct Seat {
    input: mpsc::Receiver<Input>,
    slot: Arc<super::frame::FrameSlot>,
    ended: tokio::sync::oneshot::Sender<Ending>,
}

/// Runs a desk for `first`'s key until it quits or the key is removed.
pub async fn run(lobby: Arc<Lobby>, id: u64, first: Attach) {
    let fingerprint = first.who.entry.fingerprint.clone();
    let operator = first.who.entry.role == Role::Operator;
    let (mut console, screen) = match open(&lobby, &first).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("cannot open a console for {}: {e:#}", first.who.entry.name);
            let _ = first.ended.send(Ending { status: 1, why: format!("opsdeck: cannot open a console: {e:#}") });
            return;
        }
    };
    if operator {
        lobby.operator_opened(id);
    }
    let mut deciding = lobby.deciding();
    let mut ring = lobby.ring.clone();
    let mut news = lobby.hub.news.subscribe();
    let mut hub_probing = lobby.hub.probing.borrow().clone();
    let decides = |ids: &[u64]| ids.first() == Some(&id);
    let mut i_decide = decides(&deciding.borrow_and_update());
    console.handle(Msg::Probing(share(&hub_probing, i_decide, &lobby.hub.actor)));
    let (back_tx, mut back) = mpsc::channel::<Attach>(1);
    let mut seat = Some(sit(&mut console, &screen, first));
    let mut last_frame = Instant::now() - FRAME;
    let mut next_tick = Instant::now() + Duration::from_secs(1);
    let mut parked_until: Option<Instant> = None;
    let why: Ending = loop {
        if let Some(s) = &seat
            && console.wants_frame()
            && last_frame.elapsed() >= FRAME
            && console.frame_due().is_some_and(|due| due <= std::time::Instant::now())
            && s.slot.is_idle()
        {
            let mut out = screen.writer();
            let _ = crossterm::queue!(out, BeginSynchronizedUpdate);
            if let Err(e) = console.draw(now_ms()) {
                tracing::warn!("cannot draw a session's frame: {e}");
            }
            let _ = crossterm::queue!(out, EndSynchronizedUpdate);
            s.slot.put(screen.take());
            last_frame = Instant::now();
        }
        let wants = seat.is_some() && console.wants_frame();
        // Samples and the clock are coalesced as in `run` (see the console's pacing).
        let paced = console.frame_due().map(Instant::from_std).unwrap_or(last_frame + FRAME);
        let frame_due = paced.max(last_frame + FRAME);
        let busy = seat.as_ref().filter(|s| wants && !s.slot.is_idle()).map(|s| s.slot.clone());
        let flow = tokio::select! {
            input = async { match &mut seat { Some(s) => s.input.recv().await, None => std::future::pending().await } } => match input {
                Some(Input::Bytes(bytes)) => {
                    let mut flow = Flow::Continue;
                    for key in decode(&bytes) {
                        flow = console.handle(Msg::Key(key));
                        if flow == Flow::Quit {
                            break;
                        }
                    }
                    flow
                }
                Some(Input::Resize { cols, rows }) => {
                    screen.resize(cols, rows);
                    console.handle(Msg::Resize)
                }
                None => {
                    // The connection dropped: wait for the key to come back.
                    if let Some(s) = seat.take() {
                        s.slot.close();
                    }
                    lobby.park(&fingerprint, back_tx.clone());
                    parked_until = Some(Instant::now() + PARK_FOR);
                    Flow::Continue
                }
            },
            Some(attach) = back.recv() => {
                seat = Some(sit(&mut console, &screen, attach));
                parked_until = None;
                Flow::Continue
            }
            _ = sleep_until(parked_until.unwrap_or(next_tick)), if parked_until.is_some() => {
                tracing::info!("{fingerprint}'s desk waited {PARK_FOR:?} for its key in vain and closes");
                break Ending { status: 1, why: String::new() };
            }
            heard = news.recv() => match heard {
                Ok(HubNews::Sample(sample)) => console.handle(Msg::Sample(sample)),
                Ok(HubNews::Probing(p)) => {
                    hub_probing = p;
                    console.handle(Msg::Probing(share(&hub_probing, i_decide, &lobby.hub.actor)))
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("a desk fell {n} samples behind the prober and skipped them");
                    Flow::Continue
                }
                Err(broadcast::error::RecvError::Closed) => break Ending { status: 1, why: "opsdeck: the prober stopped".into() },
            },
            Ok(()) = deciding.changed() => {
                i_decide = decides(&deciding.borrow_and_update());
                console.handle(Msg::Probing(share(&hub_probing, i_decide, &lobby.hub.actor)))
            }
            Ok(()) = ring.changed() => {
                if ring.borrow_and_update().holds(&fingerprint) {
                    Flow::Continue
                } else {
                    break Ending { status: 1, why: "opsdeck: your key was removed from the keys file".into() };
                }
            }
            Some(msg) = console.next_inbound() => console.handle(msg),
            _ = async { if let Some(slot) = &busy { slot.wait_idle().await } }, if busy.is_some() => Flow::Continue,
            _ = sleep_until(frame_due), if wants => Flow::Continue,
            _ = sleep_until(next_tick) => {
                next_tick += Duration::from_secs(1);
                console.handle(Msg::Tick(now_ms()))
            }
        };
        if flow == Flow::Quit {
            break Ending { status: 0, why: "opsdeck: bye".into() };
        }
    };
    lobby.desk_closed(id);
    if let Some(s) = seat {
        s.slot.close();
        let _ = s.ended.send(why);
    }
    let remains = console.into_remains();
    for outcome in remains.link.finish(Duration::from_secs(3)).await {
        if let Err(e) = outcome {
            tracing::warn!("the journal refused an append while a desk closed: {e}");
        }
    }
}

/// Takes a connection: its size, a full repaint.
fn sit(console: &mut Console<SshBackend>, screen: &ScreenHandle, attach: Attach) -> Seat {
    screen.resize(attach.term.cols, attach.term.rows);
    console.repaint();
    console.handle(Msg::Resize);
    Seat { input: attach.input, slot: attach.slot, ended: attach.ended }
}

/// The console of a new desk: the key's actor and role, the look its
/// terminal can show.
async fn open(lobby: &Lobby, first: &Attach) -> Result<(Console<SshBackend>, ScreenHandle)> {
    let plan = &lobby.plan;
    let who = &first.who;
    let from = match who.peer {
        Some(peer) => format!("{} key {}", peer.ip(), who.entry.fingerprint),
        None => format!("key {}", who.entry.fingerprint),
    };
    let actor = Actor { name: who.entry.name.clone(), host: lobby.host.clone(), from: Some(from) };
    let read_only = who.entry.role == Role::Observer;
    let journal = Journal::new(lobby.store.clone(), &lobby.room, actor, read_only, None).wrap_err("cannot open the room's journal")?;
    let theme = lobby.theme.as_deref().or_else(|| colours_for(&first.term));
    let depth = crate::shell::theme::depth::Depth::detect(first.term.colorterm.as_deref(), Some(&first.term.term));
    let look =
        look::load(theme, lobby.keymap.as_deref(), plan.deck.theme.as_deref(), plan.deck.keymap.as_deref(), &plan.base_dir, Some(depth))
            .map_err(|r| color_eyre::eyre::eyre!("{}", r.render()))?;
    let launch = crate::adapters::launch_docs::load(plan);
    let mut state = starting_state(plan, &look.theme.name, &journal, launch, now_ms()).await;
    let notifier = crate::adapters::notify::Notifier::for_console(plan, &journal);
    tell_unset_notifiers(&mut state, notifier.as_ref());
    let mirror = crate::adapters::alertmanager::Mirror::for_console(plan, &journal);
    let parts = Parts {
        themes: ThemeLoader::new(crate::paths::user_themes(), ".".into()),
        store_kind: store_kind(&journal),
        link: JournalLink::start_outbound(journal, notifier, mirror),
        runner: StepRunner::default(),
        ascii: lobby.ascii || !utf8(first.term.lang.as_deref()),
    };
    let screen = ScreenHandle::new(first.term.cols, first.term.rows);
    let terminal = ratatui::Terminal::new(SshBackend::new(screen.clone())).wrap_err("cannot set up the session's terminal")?;
    Ok((Console::new(terminal, state, look, parts), screen))
}

/// The theme a client's terminal can show, when it is not the plan's:
/// `mono` for a terminal without colour (`dumb`, `vt100`, none named),
/// `ansi16` for one that names neither 256 colours nor true colour.
pub fn colours_for(term: &Term) -> Option<&'static str> {
    let t = term.term.to_ascii_lowercase();
    let truecolor = term.colorterm.as_deref().is_some_and(|c| matches!(c.to_ascii_lowercase().as_str(), "truecolor" | "24bit"));
    if t.is_empty() || t == "dumb" || t.starts_with("vt1") || t.starts_with("vt2") {
        Some("mono")
    } else if truecolor || t.contains("256") || t.contains("direct") || t.contains("truecolor") {
        None
    } else {
        Some("ansi16")
    }
}

/// Whether the client's locale (its `LANG`, when sent) is UTF-8; unsent counts as UTF-8.
fn utf8(lang: Option<&str>) -> bool {
    lang.is_none_or(|v| v.is_empty() || v.to_ascii_lowercase().replace('-', "").contains("utf8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(t: &str, colorterm: Option<&str>) -> Term {
        Term { term: t.into(), colorterm: colorterm.map(str::to_string), lang: None, cols: 80, rows: 24 }
    }

    #[test]
    fn the_theme_follows_what_the_terminal_can_show() {
        assert_eq!(colours_for(&term("xterm-256color", None)), None);
        assert_eq!(colours_for(&term("xterm", Some("truecolor"))), None);
        assert_eq!(colours_for(&term("xterm", None)), Some("ansi16"));
        assert_eq!(colours_for(&term("dumb", None)), Some("mono"));
        assert!(utf8(None) && utf8(Some("en_US.UTF-8")) && !utf8(Some("C")));
    }
}
