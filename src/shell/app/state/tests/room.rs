//! A tiny in-memory store for reducer tests with several consoles: appends
//! get the next seq (an append under a key already stored stores nothing),
//! and every console folds the same events in order.

use super::*;
use crate::adapters::journal::{NewEvent, Outcome};

#[derive(Default)]
pub(super) struct Room {
    pub events: Vec<Event>,
}

impl Room {
    /// Stores the appends among `effects`; returns the others.
    pub fn append(&mut self, by: &State, effects: Vec<Effect>) -> Vec<Effect> {
        let mut rest = Vec::new();
        for e in effects {
            match e {
                Effect::Append(body) => {
                    let seq = self.events.len() as i64 + 1;
                    self.events.push(NewEvent::new(by.room().name(), by.room().actor(), by.now_ms(), &body).stored(seq));
                }
                Effect::AppendOnce { body, key } => {
                    if !self.events.iter().any(|e| e.key == key) {
                        let seq = self.events.len() as i64 + 1;
                        let event = NewEvent { key, ..NewEvent::new(by.room().name(), by.room().actor(), by.now_ms(), &body) };
                        self.events.push(event.stored(seq));
                    }
                }
                other => rest.push(other),
            }
        }
        rest
    }

    /// Folds every stored event into `s` (already folded ones are skipped);
    /// returns what folding set off.
    pub fn deliver(&self, s: &mut State) -> Vec<Effect> {
        let mut out = Vec::new();
        for e in &self.events {
            out.extend(s.apply_event(e.clone()));
        }
        out
    }

    /// Records that `run` succeeded, as `by`.
    pub fn finish(&mut self, by: &State, run: &str) {
        let body = Body::RunFinished {
            run: run.into(),
            outcome: Outcome::Succeeded,
            exit_code: Some(0),
            duration_ms: 5,
            output: "done".into(),
            truncated: false,
        };
        self.append(by, vec![Effect::Append(body)]);
    }
}
