//! What keys do to the state: moving through the panes, the `:` palette
//! and `/` filter prompts, forms, and the actions that write to the room
//! (dispatched to the incident, checklist, runbook, rollback and silence
//! modules).

use super::*;

impl State {
    pub(super) fn pane_action(&mut self, action: Action) -> Vec<Effect> {
        let page = self.page_rows.max(1);
        match action {
            Action::Help => self.overlay = Overlay::Help { scroll: 0 },
            Action::Palette => self.overlay = Overlay::Prompt { kind: PromptKind::Palette, text: String::new() },
            Action::Filter => self.overlay = Overlay::Prompt { kind: PromptKind::Filter, text: self.filter.clone() },
            Action::FocusNext | Action::FocusPrev => {
                let panes = self.panes();
                let i = panes.iter().position(|p| *p == self.focus).unwrap_or(0);
                let n = panes.len();
                let next = if action == Action::FocusNext { (i + 1) % n } else { (i + n - 1) % n };
                self.focus_pane(panes[next]);
            }
            Action::ViewMetrics => self.focus_pane(Pane::Metrics),
            Action::ViewChecklist | Action::ViewRunbook => {
                let (pane, empty) = match action {
                    Action::ViewChecklist => (Pane::Checklist, self.launch.checklists.is_empty()),
                    _ => (Pane::Runbook, self.launch.runbooks.is_empty()),
                };
                if empty {
                    self.error(format!("the plan has no {}; add a [[{}]] section", pane.name(), pane.name()));
                } else {
                    self.focus_pane(pane);
                }
            }
            Action::ViewRollback => {
                if self.panes().contains(&Pane::Rollback) {
                    self.focus_pane(Pane::Rollback);
                } else {
                    self.error("the plan has no rollback; add a [[rollback]] section");
                }
            }
            Action::RunbookNext | Action::RunbookPrev => self.switch_runbook(action == Action::RunbookNext),
            Action::SortCycle => {
                let row = self.selected_row();
                self.sort = self.sort.next();
                self.keep_selection(row);
                self.say(format!("sorted {}", self.sort.label()));
            }
            Action::ThemeCycle => return vec![Effect::NextTheme],
            a if a.changes_the_room() => return self.room_action(a),
            Action::Timeline => {
                self.timeline_open = !self.timeline_open;
                self.timeline_scroll = 0;
            }
            Action::Close if self.timeline_open => self.timeline_open = false,
            Action::Close if self.incident_open.is_some() => self.incident_open = None,
            Action::Close if self.detail.is_some() => self.detail = None,
            Action::Close if !self.filter.is_empty() => self.filter.clear(),
            Action::Open => match self.focus {
                Pane::Metrics => self.detail = self.selected_row(),
                Pane::Incidents => self.incident_open = self.current_incident(),
                Pane::Changes => {
                    if let Some(c) = self.changes.get(self.changes_scroll) {
                        self.detail = Some(c.check);
                        self.focus_pane(Pane::Metrics);
                    }
                }
                Pane::Checklist | Pane::Runbook | Pane::Rollback => {}
            },
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                let (pos, len) = match (self.timeline_open, self.focus) {
                    (true, _) => (self.timeline_scroll, self.room.events.len()),
                    (false, Pane::Metrics) => (self.selected, self.visible_rows().len()),
                    (false, Pane::Incidents) => (self.incident_selected, self.room.incidents.len()),
                    (false, Pane::Changes) => (self.changes_scroll, self.changes.len()),
                    (false, Pane::Checklist) => (self.item_selected, self.visible_items().len()),
                    (false, Pane::Runbook) => (self.step_selected, self.current_runbook().map_or(0, |r| r.steps.len())),
                    (false, Pane::Rollback) => (self.rollback_selected, self.rollback_defs.len()),
                };
                let last = len.saturating_sub(1);
                let new = match action {
                    Action::Up => pos.saturating_sub(1),
                    Action::Down => (pos + 1).min(last),
                    Action::Top => 0,
                    Action::Bottom => last,
                    Action::PageUp => pos.saturating_sub(page),
                    _ => (pos + page).min(last),
                };
                match (self.timeline_open, self.focus) {
                    (true, _) => self.timeline_scroll = new,
                    (false, Pane::Metrics) => {
                        self.selected = new;
                        if self.detail.is_some() {
                            self.detail = self.selected_row();
                        }
                    }
                    (false, Pane::Incidents) => {
                        self.incident_selected = new;
                        if self.incident_open.is_some() {
                            self.incident_open = self.current_incident_row();
                        }
                    }
                    (false, Pane::Changes) => self.changes_scroll = new,
                    (false, Pane::Checklist) => self.item_selected = new,
                    (false, Pane::Rollback) => self.rollback_selected = new,
                    (false, Pane::Runbook) => {
                        self.step_selected = new;
                        self.runbook_touched = true;
                    }
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// An action that writes to the room: refused on a read-only console.
    fn room_action(&mut self, action: Action) -> Vec<Effect> {
        if self.room.read_only {
            self.error("read-only console: this one watches and cannot change the room");
            return Vec::new();
        }
        match action {
            Action::ItemTick | Action::ItemClaim | Action::ItemSkip | Action::ItemUndo => self.checklist_action(action),
            Action::CheckSilence => self.silence_action(),
            Action::StepRun | Action::StepCancel | Action::StepSkip | Action::RunbookAbort | Action::RunbookRestart => {
                self.runbook_action(action)
            }
            Action::RollbackRun | Action::RollbackVeto | Action::RollbackApprove | Action::RollbackCancel => self.rollback_action(action),
            _ => self.incident_action(action),
        }
    }

    pub(super) fn prompt_action(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Prompt { kind, text } = &mut self.overlay else {
            return Vec::new();
        };
        let kind = *kind;
        match action {
            Action::Cancel | Action::Close => {
                if kind == PromptKind::Filter {
                    self.filter.clear();
                }
                self.overlay = Overlay::None;
            }
            Action::Backspace => {
                text.pop();
                if kind == PromptKind::Filter {
                    self.filter = text.clone();
                }
            }
            Action::Complete if kind == PromptKind::Palette => *text = palette::complete(text),
            Action::Submit => {
                let text = std::mem::take(text);
                self.overlay = Overlay::None;
                if kind == PromptKind::Palette {
                    return self.run_command(&text);
                }
                self.filter = text;
                self.selected = 0;
            }
            _ => {}
        }
        Vec::new()
    }

    /// Keys while a form is open.
    pub(super) fn form_action(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Form(form) = &mut self.overlay else { return Vec::new() };
        match action {
            Action::Cancel | Action::Close => {
                self.overlay = Overlay::None;
                // A preview nobody will read is stopped (latest-wins).
                if self.previewing.take().is_some() {
                    return vec![Effect::StopPreview];
                }
            }
            Action::Submit => return self.submit_form(),
            Action::Backspace => form.backspace(),
            Action::Complete | Action::FocusNext => form.next_field(),
            Action::PrevField | Action::FocusPrev => form.prev_field(),
            Action::Up => form.cycle(false),
            Action::Down => form.cycle(true),
            _ => {}
        }
        Vec::new()
    }

    /// The incident under the cursor of the incidents pane.
    fn current_incident_row(&self) -> Option<i64> {
        self.incident_rows().get(self.incident_selected).copied()
    }

    /// Typed characters go to the open prompt or form.
    pub fn type_char(&mut self, c: char) {
        if let Overlay::Form(form) = &mut self.overlay {
            form.type_char(c);
            return;
        }
        if let Overlay::Prompt { kind, text } = &mut self.overlay {
            text.push(c);
            if *kind == PromptKind::Filter {
                self.filter = text.clone();
                self.selected = 0;
            }
        }
    }

    fn run_command(&mut self, line: &str) -> Vec<Effect> {
        match palette::parse(line) {
            Ok(palette::Command::Quit) => return vec![Effect::Quit],
            Ok(palette::Command::Help) => self.overlay = Overlay::Help { scroll: 0 },
            Ok(palette::Command::Focus(p)) => self.focus_pane(p),
            Ok(palette::Command::Timeline) => self.timeline_open = true,
            Ok(palette::Command::Silence { id, minutes, reason }) => return self.silence_by_id(&id, Some((minutes, reason))),
            Ok(palette::Command::Unsilence(id)) => return self.silence_by_id(&id, None),
            Ok(palette::Command::Filter(f)) => {
                self.filter = f;
                self.selected = 0;
            }
            Ok(palette::Command::Sort(s)) => self.sort = s,
            Ok(palette::Command::Theme(t)) => return vec![Effect::SetTheme(t)],
            // The prompt is closed by now: the action acts on what is behind it.
            Ok(palette::Command::Run(action)) => return self.update(action),
            Ok(palette::Command::Open(id)) => match self.board.rows.iter().position(|r| r.id == id) {
                Some(i) => {
                    self.filter.clear();
                    self.focus_pane(Pane::Metrics);
                    self.detail = Some(i);
                    self.keep_selection(Some(i));
                }
                None => self.error(format!("no check `{id}`")),
            },
            Err(e) => self.error(e),
        }
        Vec::new()
    }
}
