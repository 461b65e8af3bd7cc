//! One SSH session channel: waits for the client's pty (its `TERM` and
//! size), environment (`COLORTERM`, `LANG`) and shell request, sets the
//! terminal up (alternate screen, hidden cursor), seats the session at a
//! desk, and then carries keys and window changes to the desk and frames
//! from its slot to the client (a writer task of its own, paced by SSH's
//! window). When the desk ends the session (quit, key removed) or the
//! client goes, the terminal is given back (cursor shown, main screen)
//! before the channel closes.

use std::sync::Arc;

use russh::server::Msg;
use russh::{Channel, ChannelMsg};
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};

use super::frame::FrameSlot;
use super::lobby::{Attach, Ending, Input, Lobby, Term, Who};

/// Alternate screen, cursor hidden, screen cleared.
const SET_UP: &[u8] = b"\x1b[?1049h\x1b[?25l\x1b[2J";
/// Attributes reset, cursor shown, main screen.
const RESTORE: &[u8] = b"\x1b[0m\x1b[?25h\x1b[?1049l";

/// Serves one session channel until either side ends it.
pub async fn run(lobby: Arc<Lobby>, who: Who, channel: Channel<Msg>) {
    let (mut read, write) = channel.split();
    let Some(term) = prelude(&mut read).await else { return };
    if write.data_bytes(SET_UP.to_vec()).await.is_err() {
        return;
    }
    let name = who.entry.name.clone();
    let (input, desk_input) = mpsc::channel(64);
    let slot = Arc::new(FrameSlot::default());
    let (ended_tx, mut ended) = oneshot::channel();
    let attach = Attach { who, term, input: desk_input, slot: slot.clone(), ended: ended_tx };
    if let Some(attach) = lobby.reseat(attach) {
        let id = lobby.desk_id();
        tokio::spawn(super::desk::run(lobby.clone(), id, attach));
    }
    let writer = {
        let slot = slot.clone();
        let mut out = write.make_writer();
        tokio::spawn(async move {
            while let Some(frame) = slot.next().await {
                if out.write_all(&frame).await.is_err() || out.flush().await.is_err() {
                    break;
                }
                slot.sent(frame.len());
            }
        })
    };
    let why = loop {
        tokio::select! {
            msg = read.wait() => match msg {
                Some(ChannelMsg::Data { data }) => {
                    if input.send(Input::Bytes(data.to_vec())).await.is_err() {
                        break None;
                    }
                }
                Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                    let (cols, rows) = (clamp(col_width), clamp(row_height));
                    if input.send(Input::Resize { cols, rows }).await.is_err() {
                        break None;
                    }
                }
                Some(ChannelMsg::Eof | ChannelMsg::Close) | None => break None,
                Some(_) => {}
            },
            ending = &mut ended => break Some(ending.unwrap_or_else(|_| Ending { status: 1, why: "opsdeck: the console ended".into() })),
        }
    };
    // The desk parks (the connection dropped) or has ended; let the writer
    // send what it holds, then give the terminal back.
    drop(input);
    slot.close();
    let (bytes, frames) = slot.totals();
    let _ = writer.await;
    tracing::info!("{name}'s session ended: {bytes} bytes in {frames} frames");
    if let Some(ending) = why {
        let mut bye = RESTORE.to_vec();
        bye.extend_from_slice(ending.why.as_bytes());
        bye.extend_from_slice(b"\r\n");
        let _ = write.data_bytes(bye).await;
        let _ = write.exit_status(ending.status).await;
        let _ = write.eof().await;
        let _ = write.close().await;
    } else {
        let _ = write.data_bytes(RESTORE.to_vec()).await;
    }
}

/// The client's terminal, once it asked for a shell; `None` if the channel
/// closed first.
async fn prelude(read: &mut russh::ChannelReadHalf) -> Option<Term> {
    let mut term = Term { term: String::new(), colorterm: None, lang: None, cols: 80, rows: 24 };
    loop {
        match read.wait().await? {
            ChannelMsg::RequestPty { term: t, col_width, row_height, .. } => {
                term.term = t;
                term.cols = clamp(col_width);
                term.rows = clamp(row_height);
            }
            ChannelMsg::SetEnv { variable_name, variable_value, .. } => match variable_name.as_str() {
                "COLORTERM" => term.colorterm = Some(variable_value),
                "LANG" | "LC_ALL" | "LC_CTYPE" => term.lang = Some(variable_value),
                _ => {}
            },
            ChannelMsg::RequestShell { .. } => return Some(term),
            ChannelMsg::Eof | ChannelMsg::Close => return None,
            _ => {}
        }
    }
}

/// A window dimension the console can draw at (1 to 1000).
fn clamp(n: u32) -> u16 {
    u16::try_from(n.clamp(1, 1000)).unwrap_or(80)
}
