//! Rollback keys and the guarded confirmation.
//!
//! Enter on an action opens a confirmation that says what will run and
//! where, runs the `preview` here (not claimed) and shows its output; a
//! `danger = "high"` or `confirm = "type"` action, or one whose last run
//! was abandoned, needs its id typed. Confirming appends a claim on the
//! action's lock; the command runs only when this console's claim comes
//! back holding (see [`opsdeck_core::launch::runs`]), so two consoles
//! pressing at once get one run and the other is told who runs it. A
//! `two_person` action first records a request and runs once another
//! person approves it. After a successful run, `verify` is claimed and run
//! the same way.
//!
//! A proposal that closed without a decision (expired, or frozen into
//! advice; see [`opsdeck_core::rollback`]) cannot be confirmed or vetoed:
//! the key says why, and a confirmation opened while it was open refuses
//! to run it. Pressing run again opens a confirmation to roll back by hand.

use super::{RollbackView, claim};
use crate::adapters::journal::{Body, Verdict, event::fresh_key};
use crate::shell::action::Action;
use crate::shell::app::form::{Field, Form};
use crate::shell::app::purpose::{FormPurpose, RollbackForm};
use crate::shell::app::state::cx::Cx;
use crate::shell::app::state::effect::{Effect, StartRun};
use crate::shell::app::state::runs_here::LEASE_MS;
use opsdeck_core::config::sections::{ConfirmMode, Danger, Rollback};
use opsdeck_core::launch::runs::rollback_lock;

/// The label of the typed-confirmation field.
pub const TYPE_ID: &str = "Type the action id";

/// How many lines of a preview's output the confirmation shows.
const PREVIEW_LINES: usize = 8;

impl RollbackView {
    /// Run, veto, approve or cancel the selected action.
    pub(super) fn rollback_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        let Some(def) = self.selected_def().cloned() else {
            cx.error("the plan has no rollback");
            return Vec::new();
        };
        let me = cx.room().actor();
        match action {
            Action::RollbackRun => self.open_form(&def, cx),
            Action::RollbackVeto => {
                let Some(seq) = self.rollbacks.open_proposal(&def.id).map(|p| p.seq) else {
                    cx.error(match self.lapsed_proposal(&def.id, cx.now_ms()).and_then(|p| p.lapsed.as_ref()) {
                        Some(lapse) => format!("nothing to veto: the proposal of {} is closed ({lapse})", def.id),
                        None => format!("nothing proposes {} now", def.id),
                    });
                    return Vec::new();
                };
                cx.say("vetoing…");
                vec![Effect::Append(Body::RollbackDecided {
                    proposal: seq,
                    rollback: def.id.clone(),
                    verdict: Verdict::Vetoed,
                    no_answer: false,
                })]
            }
            Action::RollbackApprove => match self.rollbacks.waiting_request(&def.id).cloned() {
                None => {
                    let withdrawn = self.rollbacks.last_request(&def.id).and_then(|q| q.withdrawn.clone());
                    cx.error(match withdrawn {
                        Some(why) => format!("not approved: {why}"),
                        None => format!("nobody is asking to run {}", def.id),
                    });
                    Vec::new()
                }
                Some(q) if q.by.name == me.name => {
                    cx.error("a different person must approve your request");
                    Vec::new()
                }
                Some(q) => {
                    cx.say("approving…");
                    vec![Effect::Append(Body::RollbackApproved { request: q.request.clone(), action: def.id.clone() })]
                }
            },
            Action::RollbackCancel => {
                let run = cx.progress().runs.active(&rollback_lock(&def)).map(|c| c.run.clone());
                match run {
                    Some(run) if cx.runs().is_live(&run) => {
                        cx.say("cancelling: killing the rollback's processes…");
                        vec![Effect::CancelRun(run)]
                    }
                    Some(_) => {
                        cx.error("another console runs it; only that console can cancel it");
                        Vec::new()
                    }
                    None => {
                        cx.error("nothing is running here");
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    /// The confirmation: what runs, where, the preview, and a typed id when needed.
    fn open_form(&mut self, def: &Rollback, cx: &mut Cx) -> Vec<Effect> {
        if let Some(why) = self.busy(def, cx) {
            cx.error(why);
            return Vec::new();
        }
        let room = cx.room();
        let abandoned = RollbackView::abandoned(def, cx.progress(), cx.now_ms());
        let typed = abandoned || def.danger == Danger::High || def.confirm == ConfirmMode::Type;
        let fields = if typed { vec![Field::text(TYPE_ID)] } else { Vec::new() };
        let proposal = self.rollbacks.open_proposal(&def.id).map(|p| p.seq);
        let mut form = Form::new(
            format!("Roll back: {}", def.title.as_deref().unwrap_or(&def.id)),
            FormPurpose::Rollback(RollbackForm::Run { action: def.id.clone(), proposal }),
            fields,
        );
        for line in def.run.lines().take(4) {
            form.notes.push(format!("$ {line}"));
        }
        let cwd = def.cwd.as_ref().map_or_else(|| "the console's directory".to_string(), |c| c.display().to_string());
        let danger = match def.danger {
            Danger::Low => "low",
            Danger::Medium => "medium",
            Danger::High => "HIGH",
        };
        form.notes.push(format!("on {} in {cwd} · danger {danger} · lock {}", room.actor().host, rollback_lock(def)));
        if let Some(p) = self.rollbacks.open_proposal(&def.id) {
            form.notes.push(format!("proposed by trigger {}: {}", p.trigger, p.reason));
        } else if let Some(p) = self.lapsed_proposal(&def.id, cx.now_ms())
            && let Some(lapse) = &p.lapsed
        {
            form.notes.push(format!("trigger {} proposed it, but its proposal is closed ({lapse}): this runs it by hand", p.trigger));
        }
        if let Some(why) = RollbackView::two_person_rule(def, room) {
            form.notes.push(format!("{why}: it runs once another person approves"));
        }
        let mut effects = Vec::new();
        if let Some(preview) = &def.preview {
            form.notes.push(format!("preview `{}`: running…", first_line(preview)));
            self.previewing = Some(def.id.clone());
            effects.push(Effect::Preview(StartRun {
                run: def.id.clone(),
                script: preview.clone(),
                interpreter: Vec::new(),
                session: None,
                sql: None,
                env: def.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                cwd: def.cwd.clone(),
                timeout: def.timeout.get().min(std::time::Duration::from_secs(30)),
                lease_ms: LEASE_MS,
            }));
        }
        if abandoned {
            form.error = Some("its last run was abandoned: that console went quiet and the command's real state is unknown".into());
        }
        let (submit, cancel) = (Action::Submit.key(), Action::Cancel.key());
        let how = if typed { format!("type {} and {submit} runs it", def.id) } else { format!("{submit} runs it") };
        form.confirm = Some(format!("{how}; {cancel} does not"));
        cx.open_form(form);
        effects
    }

    /// The preview of `action` ended here: its output goes into the open confirmation.
    pub fn preview_done(&mut self, action: &str, ok: bool, output: &str, cx: &mut Cx) {
        if self.previewing.as_deref() == Some(action) {
            self.previewing = None;
        }
        let Some(form) = cx.form_mut() else { return };
        if !matches!(&form.purpose, FormPurpose::Rollback(RollbackForm::Run { action: a, .. }) if a == action) {
            return;
        }
        form.notes.retain(|n| !n.ends_with(": running…"));
        let lines: Vec<&str> = output.lines().collect();
        let from = lines.len().saturating_sub(PREVIEW_LINES);
        form.notes.push(if ok { "preview:".to_string() } else { "preview FAILED:".to_string() });
        form.notes.extend(lines[from..].iter().map(|l| format!("  {l}")));
        if lines.is_empty() {
            form.notes.push("  (no output)".into());
        }
    }

    /// Enter in a rollback form.
    pub fn submit(&mut self, purpose: RollbackForm, cx: &mut Cx) -> Vec<Effect> {
        let RollbackForm::Run { action, proposal } = purpose;
        let Some(def) = self.def(&action).cloned() else { return Vec::new() };
        let busy = self.busy(&def, cx);
        let lapsed = proposal.and_then(|seq| self.rollbacks.proposal(seq)).and_then(|p| p.lapsed.clone());
        let previewing = self.previewing.as_deref() == Some(def.id.as_str());
        let Some(form) = cx.form_mut() else { return Vec::new() };
        if form.fields.iter().any(|f| f.label == TYPE_ID) && form.get(TYPE_ID) != def.id {
            form.error = Some(format!("type {} to run it", def.id));
            return Vec::new();
        }
        if previewing {
            form.error = Some("the preview is still running: read it before confirming".into());
            return Vec::new();
        }
        if let Some(why) = busy {
            form.error = Some(why);
            return Vec::new();
        }
        if let Some(lapse) = lapsed {
            // The proposal this confirms closed while the form was open.
            let (close, run) = (Action::Close.key(), Action::RollbackRun.key());
            form.error = Some(format!("not run: the proposal is closed ({lapse}); {close}, then {run} rolls back by hand"));
            return Vec::new();
        }
        cx.close_overlay();
        if RollbackView::two_person_rule(&def, cx.room()).is_some() {
            let request = fresh_key()[..12].to_string();
            self.my_requests.insert(request.clone(), def.id.clone());
            cx.say(format!("asked the room: {} runs once another person approves (a)", def.id));
            return vec![Effect::Append(Body::RollbackRequested { request, action: def.id })];
        }
        if let Some(seq) = self.rollbacks.open_proposal(&def.id).map(|p| p.seq) {
            // Run only once this decision counts: a veto that reached the room first wins.
            self.my_decisions.insert(seq, def.id.clone());
            cx.say(format!("confirming {}…", def.id));
            return vec![Effect::Append(Body::RollbackDecided {
                proposal: seq,
                rollback: def.id,
                verdict: Verdict::Run,
                no_answer: false,
            })];
        }
        claim(&def, false, cx)
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
