//! Silencing a check from the console: `S` on a check asks for how long and
//! why, and appends a silence the whole room sees; `S` on a silenced check
//! lifts it; `:silence ID 30m REASON` and `:unsilence ID` do it by id, for
//! triggers too. A silenced check keeps showing its state; it only stops
//! triggers from firing on it until the silence expires.

use super::MetricsView;
use crate::adapters::journal::Body;
use crate::shell::app::form::{Field, Form};
use crate::shell::app::panes::Pane;
use crate::shell::app::purpose::FormPurpose;
use crate::shell::app::state::cx::Cx;
use crate::shell::app::state::effect::Effect;
use opsdeck_core::domain::silences::check_target;
use opsdeck_core::format::clock;

/// Durations offered, as written and in minutes.
const FOR: [(&str, i64); 6] = [("15m", 15), ("30m", 30), ("1h", 60), ("2h", 120), ("4h", 240), ("8h", 480)];

impl MetricsView {
    /// The check the user is on: the open detail, or the selected row.
    fn check_in_focus(&self, cx: &Cx) -> Option<String> {
        let row = self.detail.or_else(|| {
            if cx.focus() == Pane::Metrics { self.selected_row(cx.filter(crate::shell::app::panes::Filtered::Metrics)) } else { None }
        })?;
        self.board.rows.get(row).map(|r| r.id.clone())
    }

    /// `S`: a form to silence the check, or lifting its silence.
    pub(super) fn silence_action(&mut self, cx: &mut Cx) -> Vec<Effect> {
        let Some(check) = self.check_in_focus(cx) else {
            cx.error("select a check to silence");
            return Vec::new();
        };
        let target = check_target(&check);
        if let Some(s) = cx.room().silences().active(&target, cx.now_ms()) {
            let by = s.by.name.clone();
            cx.say(format!("lifting the silence {by} set on {check}…"));
            return vec![Effect::Append(Body::SilenceLifted { target })];
        }
        let options = FOR.iter().map(|(label, _)| label.to_string()).collect();
        let fields = vec![Field::text("Reason"), Field::choice("For", options, 2)];
        cx.open_form(Form::new(format!("Silence {check}"), FormPurpose::Silence(check), fields));
        Vec::new()
    }

    /// `:silence ID 30m REASON` and `:unsilence ID`, for checks and triggers
    /// (`trigger` says whether the plan has a trigger `id`).
    pub fn silence_by_id(&self, id: &str, set: Option<(i64, String)>, trigger: bool, cx: &mut Cx) -> Vec<Effect> {
        if cx.room().read_only() {
            cx.error("read-only console: this one watches and cannot change the room");
            return Vec::new();
        }
        let target = if self.board.rows.iter().any(|r| r.id == id) {
            check_target(id)
        } else if trigger {
            format!("trigger:{id}")
        } else {
            cx.error(format!("no check or trigger `{id}`"));
            return Vec::new();
        };
        match set {
            Some((minutes, reason)) => {
                let until_ms = cx.now_ms() + minutes * 60_000;
                cx.say(format!("silencing {id} until {}…", clock(until_ms, cx.tz())));
                vec![Effect::Append(Body::SilenceSet { target, until_ms, reason })]
            }
            None if cx.room().silences().active(&target, cx.now_ms()).is_none() => {
                cx.error(format!("{id} is not silenced"));
                Vec::new()
            }
            None => vec![Effect::Append(Body::SilenceLifted { target })],
        }
    }

    /// Enter in the silence form of `check`.
    pub fn submit_silence(check: String, cx: &mut Cx) -> Vec<Effect> {
        let now_ms = cx.now_ms();
        let Some(form) = cx.form_mut() else { return Vec::new() };
        let reason = form.get("Reason");
        if reason.is_empty() {
            form.error = Some("a reason is needed: the room will read it".into());
            return Vec::new();
        }
        let minutes = FOR.iter().find(|(label, _)| *label == form.get("For")).map_or(60, |(_, m)| *m);
        let until_ms = now_ms + minutes * 60_000;
        cx.close_overlay();
        cx.say(format!("silencing {check} until {}…", clock(until_ms, cx.tz())));
        vec![Effect::Append(Body::SilenceSet { target: check_target(&check), until_ms, reason })]
    }
}
