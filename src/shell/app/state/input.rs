//! Where keys go: the overlay's keys (help, the `:` palette and `/` filter
//! prompts, forms), moving the focus between panes, and routing every
//! other key to the view it belongs to — by the focus, the open detail or
//! the timeline. What changes the room is refused on a read-only console.
//! The palette's commands are run here.

use super::chrome::{Overlay, PromptKind, Prompted};
use super::{Effect, MetricsView, Pane, Part, State};
use crate::shell::action::Action;
use crate::shell::app::palette;
use crate::shell::app::panes::Filtered;
use crate::shell::app::purpose::FormPurpose;
use crate::shell::keymap::Context;

impl State {
    /// The keymap contexts that apply now, most specific first.
    pub fn key_contexts(&self) -> Vec<Context> {
        self.contexts_over(self.chrome.overlay())
    }

    /// The keymap contexts of what is behind the overlay (as if none were open).
    pub fn pane_key_contexts(&self) -> Vec<Context> {
        self.contexts_over(&Overlay::None)
    }

    fn contexts_over(&self, overlay: &Overlay) -> Vec<Context> {
        match overlay {
            Overlay::Prompt { .. } | Overlay::Form(_) => vec![Context::Input],
            Overlay::Help { .. } => vec![Context::Help, Context::Global],
            Overlay::None if self.incidents.timeline_open() => vec![Context::Timeline, Context::Global],
            Overlay::None if self.metrics.detail().is_some() => vec![Context::Detail, Context::Global],
            Overlay::None => {
                let pane = match self.chrome.focus() {
                    Pane::Metrics => Context::Metrics,
                    Pane::Incidents => Context::Incidents,
                    Pane::Changes => Context::Changes,
                    Pane::Checklist => Context::Checklist,
                    Pane::Runbook => Context::Runbook,
                    Pane::Rollback => Context::Rollback,
                };
                vec![pane, Context::Global]
            }
        }
    }

    /// A key with no overlay open.
    pub(super) fn pane_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Help => self.chrome.open(Overlay::Help { scroll: 0 }),
            Action::Palette => self.chrome.open(Overlay::Prompt { kind: PromptKind::Palette, text: String::new() }),
            Action::Filter => match self.filter_target() {
                Some(pane) => {
                    let text = self.chrome.filter(pane).to_string();
                    self.chrome.open(Overlay::Prompt { kind: PromptKind::Filter(pane), text });
                }
                None => self.chrome.error(format!(
                    "the {} pane has no filter; / filters the metrics, the checklist or the timeline",
                    self.chrome.focus().name()
                )),
            },
            Action::FocusNext | Action::FocusPrev => {
                let panes = self.panes();
                let i = panes.iter().position(|p| *p == self.chrome.focus()).unwrap_or(0);
                let n = panes.len();
                let next = if action == Action::FocusNext { (i + 1) % n } else { (i + n - 1) % n };
                self.focus_pane(panes[next]);
            }
            Action::FocusIncidents => self.focus_pane(Pane::Incidents),
            Action::ViewMetrics => self.focus_pane(Pane::Metrics),
            Action::ViewChecklist | Action::ViewRunbook => {
                let launch = self.launch.defs();
                let (pane, empty) = match action {
                    Action::ViewChecklist => (Pane::Checklist, launch.checklists.is_empty()),
                    _ => (Pane::Runbook, launch.runbooks.is_empty()),
                };
                if empty {
                    self.chrome.error(format!("the plan has no {}; add a [[{}]] section", pane.name(), pane.name()));
                } else {
                    self.focus_pane(pane);
                }
            }
            Action::ViewRollback => {
                if self.panes().contains(&Pane::Rollback) {
                    self.focus_pane(Pane::Rollback);
                } else {
                    self.chrome.error("the plan has no rollback; add a [[rollback]] section");
                }
            }
            Action::RunbookNext | Action::RunbookPrev => return self.to(Part::Launch, action),
            Action::SortCycle => return self.to(Part::Metrics, action),
            Action::ThemeCycle => return vec![Effect::NextTheme],
            a if a.changes_the_room() => return self.room_action(a),
            Action::Timeline => return self.to(Part::Incidents, action),
            Action::Close if self.incidents.timeline_open() || self.incidents.open().is_some() => {
                return self.to(Part::Incidents, action);
            }
            Action::Close if self.metrics.detail().is_some() => return self.to(Part::Metrics, action),
            Action::Close if self.filter_target().is_some_and(|p| !self.chrome.filter(p).is_empty()) => {
                if let Some(pane) = self.filter_target() {
                    self.chrome.clear_filter(pane);
                    self.filtered(pane);
                }
            }
            Action::Open => match self.chrome.focus() {
                Pane::Metrics | Pane::Changes => return self.to(Part::Metrics, action),
                Pane::Incidents => return self.to(Part::Incidents, action),
                Pane::Checklist | Pane::Runbook | Pane::Rollback => {}
            },
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                let part = match (self.incidents.timeline_open(), self.chrome.focus()) {
                    (true, _) | (false, Pane::Incidents) => Part::Incidents,
                    (false, Pane::Metrics | Pane::Changes) => Part::Metrics,
                    (false, Pane::Checklist | Pane::Runbook) => Part::Launch,
                    (false, Pane::Rollback) => Part::Rollback,
                };
                return self.to(part, action);
            }
            _ => {}
        }
        Vec::new()
    }

    /// An action that writes to the room: refused on a read-only console.
    fn room_action(&mut self, action: Action) -> Vec<Effect> {
        if self.room.read_only() {
            self.chrome.error("read-only console: this one watches and cannot change the room");
            return Vec::new();
        }
        let part = match action {
            Action::ItemTick | Action::ItemClaim | Action::ItemSkip | Action::ItemUndo => Part::Launch,
            Action::CheckSilence => Part::Metrics,
            Action::StepRun | Action::StepCancel | Action::StepSkip | Action::RunbookAbort | Action::RunbookRestart => Part::Launch,
            Action::RollbackRun | Action::RollbackVeto | Action::RollbackApprove | Action::RollbackCancel => Part::Rollback,
            _ => Part::Incidents,
        };
        self.to(part, action)
    }

    /// Keys while a prompt is open.
    pub(super) fn prompt_action(&mut self, action: Action) -> Vec<Effect> {
        match self.chrome.prompt_key(action) {
            Prompted::Nothing => Vec::new(),
            Prompted::Command(line) => self.run_command(&line),
            Prompted::Filtered(pane) => {
                self.filtered(pane);
                Vec::new()
            }
        }
    }

    /// Keys while a form is open.
    pub(super) fn form_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Cancel | Action::Close => {
                self.chrome.close();
                // A preview nobody will read is stopped (latest-wins).
                if self.rollback.stop_preview() {
                    return vec![Effect::StopPreview];
                }
            }
            Action::Submit => return self.submit_form(),
            a => self.chrome.form_key(a),
        }
        Vec::new()
    }

    /// Enter in a form: the view it is for builds the event.
    fn submit_form(&mut self) -> Vec<Effect> {
        let Some(purpose) = self.chrome.form().map(|f| f.purpose.clone()) else { return Vec::new() };
        // A choice typed into that matches no option is not saved as another.
        if let Some(form) = self.chrome.form_mut()
            && let Some(why) = form.unmatched_choice()
        {
            form.error = Some(why);
            return Vec::new();
        }
        let mut cx = super::Cx::new(&mut self.chrome, &self.room, &self.progress, &mut self.runs);
        match purpose {
            FormPurpose::Launch(purpose) => self.launch.submit(purpose, &mut cx),
            FormPurpose::Rollback(purpose) => self.rollback.submit(purpose, &mut cx),
            FormPurpose::Silence(check) => MetricsView::submit_silence(check, &mut cx),
            purpose => self.incidents.submit(purpose, &mut cx),
        }
    }

    /// Typed characters go to the open prompt or form.
    pub fn type_char(&mut self, c: char) {
        if let Some(pane) = self.chrome.type_char(c) {
            self.filtered(pane);
        }
    }

    /// `:silence ID 30m REASON` and `:unsilence ID`, for checks and triggers.
    fn silence_by_id(&mut self, id: &str, set: Option<(i64, String)>) -> Vec<Effect> {
        let trigger = self.rollback.has_trigger(id);
        let mut cx = super::Cx::new(&mut self.chrome, &self.room, &self.progress, &mut self.runs);
        self.metrics.silence_by_id(id, set, trigger, &mut cx)
    }

    fn run_command(&mut self, line: &str) -> Vec<Effect> {
        match palette::parse(line) {
            Ok(palette::Command::Quit) => return vec![Effect::Quit],
            Ok(palette::Command::Help) => self.chrome.open(Overlay::Help { scroll: 0 }),
            Ok(palette::Command::Focus(p)) => self.focus_pane(p),
            Ok(palette::Command::Timeline) => self.incidents.show_timeline(),
            Ok(palette::Command::Silence { id, minutes, reason }) => return self.silence_by_id(&id, Some((minutes, reason))),
            Ok(palette::Command::Unsilence(id)) => return self.silence_by_id(&id, None),
            Ok(palette::Command::Filter(f)) => match self.filter_target() {
                Some(pane) => {
                    self.chrome.set_filter(pane, f);
                    self.filtered(pane);
                }
                None => self.chrome.error(format!("the {} pane has no filter", self.chrome.focus().name())),
            },
            Ok(palette::Command::Sort(s)) => self.metrics.set_sort(s),
            Ok(palette::Command::Theme(t)) => return vec![Effect::SetTheme(t)],
            // The prompt is closed by now: the action acts on what is behind it.
            Ok(palette::Command::Run(action)) => return self.update(action),
            Ok(palette::Command::Open(id)) => match self.metrics.row_of(&id) {
                Some(i) => {
                    self.chrome.clear_filter(Filtered::Metrics);
                    self.focus_pane(Pane::Metrics);
                    self.metrics.open_detail(i, "");
                }
                None => self.chrome.error(format!("no check `{id}`")),
            },
            Err(e) => self.chrome.error(e),
        }
        Vec::new()
    }
}
