//! Silencing a check from the console: `S` on a check asks for how long and
//! why, and appends a silence the whole room sees; `S` on a silenced check
//! lifts it. A silenced check keeps showing its state; it only stops
//! triggers from firing on it until the silence expires.

use super::form::{Field, Form};
use super::incident_actions::FormPurpose;
use super::state::{Effect, Overlay, Pane, State};
use crate::adapters::journal::Body;
use crate::shell::ui::format::clock;
use opsdeck_core::domain::silences::check_target;

/// Durations offered, as written and in minutes.
const FOR: [(&str, i64); 6] = [("15m", 15), ("30m", 30), ("1h", 60), ("2h", 120), ("4h", 240), ("8h", 480)];

impl State {
    /// The check the user is on: the open detail, or the selected row.
    fn check_in_focus(&self) -> Option<String> {
        let row = self.detail.or_else(|| if self.focus == Pane::Metrics { self.selected_row() } else { None })?;
        self.board.rows.get(row).map(|r| r.id.clone())
    }

    /// `S`: a form to silence the check, or lifting its silence.
    pub fn silence_action(&mut self) -> Vec<Effect> {
        let Some(check) = self.check_in_focus() else {
            self.error("select a check to silence");
            return Vec::new();
        };
        let target = check_target(&check);
        if let Some(s) = self.room.silences.active(&target, self.now_ms) {
            let by = s.by.name.clone();
            self.say(format!("lifting the silence {by} set on {check}…"));
            return vec![Effect::Append(Body::SilenceLifted { target })];
        }
        let options = FOR.iter().map(|(label, _)| label.to_string()).collect();
        let fields = vec![Field::text("Reason"), Field::choice("For", options, 2)];
        self.overlay = Overlay::Form(Form::new(format!("Silence {check}"), FormPurpose::Silence(check), fields));
        Vec::new()
    }

    /// `:silence ID 30m REASON` and `:unsilence ID`, for checks and triggers.
    pub fn silence_by_id(&mut self, id: &str, set: Option<(i64, String)>) -> Vec<Effect> {
        if self.room.read_only {
            self.error("read-only console: this one watches and cannot change the room");
            return Vec::new();
        }
        let target = if self.board.rows.iter().any(|r| r.id == id) {
            check_target(id)
        } else if self.triggers.rules().iter().any(|r| r.id == id) {
            format!("trigger:{id}")
        } else {
            self.error(format!("no check or trigger `{id}`"));
            return Vec::new();
        };
        match set {
            Some((minutes, reason)) => {
                let until_ms = self.now_ms + minutes * 60_000;
                self.say(format!("silencing {id} until {}…", clock(until_ms, &self.tz)));
                vec![Effect::Append(Body::SilenceSet { target, until_ms, reason })]
            }
            None if self.room.silences.active(&target, self.now_ms).is_none() => {
                self.error(format!("{id} is not silenced"));
                Vec::new()
            }
            None => vec![Effect::Append(Body::SilenceLifted { target })],
        }
    }

    pub fn submit_silence(&mut self, check: String) -> Vec<Effect> {
        let Overlay::Form(form) = &mut self.overlay else { return Vec::new() };
        let reason = form.get("Reason");
        if reason.is_empty() {
            form.error = Some("a reason is needed: the room will read it".into());
            return Vec::new();
        }
        let minutes = FOR.iter().find(|(label, _)| *label == form.get("For")).map_or(60, |(_, m)| *m);
        let until_ms = self.now_ms + minutes * 60_000;
        self.overlay = Overlay::None;
        self.say(format!("silencing {check} until {}…", clock(until_ms, &self.tz)));
        vec![Effect::Append(Body::SilenceSet { target: check_target(&check), until_ms, reason })]
    }
}
