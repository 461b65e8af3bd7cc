//! The serve process's room: what every session shares (the plan, the
//! journal's store, the prober, the keys) and the desks, each one
//! console. A connection takes the desk its key left behind when a
//! previous connection dropped (pane, selection, filter and runs as they
//! were), else a new one. The lobby also keeps the order of the operator
//! desks: the first of them decides for the room (see the hub).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, watch};

use super::frame::FrameSlot;
use super::hub::Hub;
use super::keys::{Entry, KeyRing};
use crate::adapters::journal::AnyStore;
use opsdeck_core::config::Plan;

/// Who is at the other end of a connection: the key's entry and address.
#[derive(Debug, Clone)]
pub struct Who {
    pub entry: Entry,
    pub peer: Option<SocketAddr>,
}

/// The client's terminal, from its pty and env requests.
#[derive(Debug, Clone)]
pub struct Term {
    pub term: String,
    pub colorterm: Option<String>,
    pub lang: Option<String>,
    pub cols: u16,
    pub rows: u16,
}

/// What a session sends its desk.
#[derive(Debug)]
pub enum Input {
    Bytes(Vec<u8>),
    Resize { cols: u16, rows: u16 },
}

/// Why a desk ended its session, and the exit status `ssh` reports.
#[derive(Debug)]
pub struct Ending {
    pub status: u32,
    pub why: String,
}

/// A connection taking a desk: its keys, its frame slot, and where the
/// desk says why it ended the session (quit, key removed).
pub struct Attach {
    pub who: Who,
    pub term: Term,
    pub input: mpsc::Receiver<Input>,
    pub slot: Arc<FrameSlot>,
    pub ended: oneshot::Sender<Ending>,
}

/// What the serve's sessions share.
pub struct Lobby {
    pub plan: Arc<Plan>,
    pub store: AnyStore,
    pub room: String,
    /// This machine's name, the host of every session's actor.
    pub host: String,
    /// `--theme` / `--keymap`, as for `opsdeck run`.
    pub theme: Option<String>,
    pub keymap: Option<String>,
    /// `--ascii`.
    pub ascii: bool,
    pub hub: Arc<Hub>,
    pub ring: watch::Receiver<Arc<KeyRing>>,
    /// Desks whose connection dropped, by key fingerprint.
    parked: Mutex<HashMap<String, Vec<mpsc::Sender<Attach>>>>,
    /// Operator desks still open, oldest first: the first decides.
    operators: watch::Sender<Vec<u64>>,
    next_id: AtomicU64,
}

impl Lobby {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        plan: Arc<Plan>,
        store: AnyStore,
        room: String,
        host: String,
        look: (Option<String>, Option<String>, bool),
        hub: Arc<Hub>,
        ring: watch::Receiver<Arc<KeyRing>>,
    ) -> Arc<Lobby> {
        let (theme, keymap, ascii) = look;
        Arc::new(Lobby {
            plan,
            store,
            room,
            host,
            theme,
            keymap,
            ascii,
            hub,
            ring,
            parked: Mutex::new(HashMap::new()),
            operators: watch::Sender::new(Vec::new()),
            next_id: AtomicU64::new(1),
        })
    }

    /// Gives `attach` to the desk its key left behind; gives it back when
    /// there is none (the caller opens a new desk, numbered by [`Lobby::desk_id`]).
    pub fn reseat(&self, mut attach: Attach) -> Option<Attach> {
        let fingerprint = attach.who.entry.fingerprint.clone();
        loop {
            let parked = self.parked.lock().ok().and_then(|mut p| p.get_mut(&fingerprint).and_then(Vec::pop));
            let Some(desk) = parked else { return Some(attach) };
            match desk.try_send(attach) {
                Ok(()) => return None,
                Err(mpsc::error::TrySendError::Full(a) | mpsc::error::TrySendError::Closed(a)) => attach = a,
            }
        }
    }

    /// A number for a new desk.
    pub fn desk_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// A desk whose connection dropped waits here for its key's return.
    pub fn park(&self, fingerprint: &str, desk: mpsc::Sender<Attach>) {
        if let Ok(mut p) = self.parked.lock() {
            p.entry(fingerprint.to_string()).or_default().push(desk);
        }
    }

    /// An operator desk opened: it decides if it is the first.
    pub fn operator_opened(&self, id: u64) {
        self.operators.send_modify(|ids| ids.push(id));
    }

    /// A desk closed (operator or not).
    pub fn desk_closed(&self, id: u64) {
        self.operators.send_if_modified(|ids| {
            let before = ids.len();
            ids.retain(|d| *d != id);
            ids.len() != before
        });
    }

    /// Which desk decides, as it changes.
    pub fn deciding(&self) -> watch::Receiver<Vec<u64>> {
        self.operators.subscribe()
    }
}
