//! From key presses to actions: the focused context's bindings first, then
//! the global ones; multi-key sequences (`g g`) wait for their next key;
//! unbound printable keys type into an open prompt.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::shell::action::Action;
use crate::shell::keymap::{Context, Key, Keymap, Lookup};

use super::state::{Overlay, State};

/// What a key press turned into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Run(Action),
    Type(char),
    /// Part of a longer sequence; waiting for the next key.
    Pending,
    Ignored,
}

/// Keys pressed so far in a sequence.
#[derive(Debug, Default)]
pub struct KeyReader {
    pending: Vec<Key>,
}

impl KeyReader {
    pub fn pending(&self) -> &[Key] {
        &self.pending
    }

    pub fn read(&mut self, keymap: &Keymap, state: &State, key: Key) -> KeyOutcome {
        let ctxs = state.key_contexts();
        self.pending.push(key);
        match resolve(keymap, &ctxs, &self.pending) {
            Lookup::Run(a) => {
                self.pending.clear();
                KeyOutcome::Run(a)
            }
            Lookup::Pending => KeyOutcome::Pending,
            Lookup::None => {
                let was_sequence = self.pending.len() > 1;
                self.pending.clear();
                // A broken sequence: try the last key on its own.
                if was_sequence {
                    return self.read(keymap, state, key);
                }
                match (key.code, state.overlay()) {
                    (KeyCode::Char(c), Overlay::Prompt { .. } | Overlay::Form(_))
                        if !key.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                    {
                        KeyOutcome::Type(c)
                    }
                    _ => KeyOutcome::Ignored,
                }
            }
        }
    }
}

fn resolve(keymap: &Keymap, ctxs: &[Context], keys: &[Key]) -> Lookup {
    let mut pending = false;
    for ctx in ctxs {
        match keymap.lookup(*ctx, keys) {
            Lookup::Run(a) => return Lookup::Run(a),
            Lookup::Pending => pending = true,
            Lookup::None => {}
        }
    }
    if pending { Lookup::Pending } else { Lookup::None }
}
