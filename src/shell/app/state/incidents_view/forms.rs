//! The incident keys and forms: what each action asks for, and turning a
//! submitted form into a journal event — checked against the lifecycle
//! rules first, with a second Enter for a severity downgrade.

use super::IncidentsView;
use crate::adapters::journal::{Body, Role, Status};
use crate::shell::action::Action;
use crate::shell::app::form::{Field, Form};
use crate::shell::app::purpose::FormPurpose;
use crate::shell::app::state::cx::Cx;
use crate::shell::app::state::effect::Effect;
use opsdeck_core::domain::{Verdict, check};

impl IncidentsView {
    /// Starts an incident action: a form, or (acknowledge) the event itself.
    pub(super) fn incident_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        let room = cx.room();
        let severities: Vec<String> = room.severities().iter().map(|s| s.id.clone()).collect();
        if action == Action::IncidentNew {
            let default = severities.len().saturating_sub(2).min(1);
            let fields = vec![Field::text("Title"), Field::choice("Severity", severities, default)];
            cx.open_form(Form::new("Open an incident", FormPurpose::OpenIncident, fields));
            return Vec::new();
        }
        let Some(id) = self.current(room) else {
            cx.error(format!("no incident selected; {} opens one", Action::IncidentNew.key()));
            return Vec::new();
        };
        let Some(incident) = room.incidents().get(id) else { return Vec::new() };
        let form = match action {
            Action::IncidentAck => return submit_body(Body::IncidentAcknowledged { incident: id }, false, cx),
            Action::IncidentNote => {
                Form::new(format!("Note on #{id}"), FormPurpose::Note(id), vec![Field::text("Note"), Field::toggle("Comms update", false)])
            }
            Action::IncidentSeverity => {
                let at = severities.iter().position(|s| *s == incident.severity).unwrap_or(0);
                Form::new(
                    format!("Severity of #{id}"),
                    FormPurpose::Severity(id),
                    vec![Field::choice("Severity", severities, at), Field::text("Reason")],
                )
            }
            Action::IncidentStatus => {
                let names: Vec<String> = Status::ALL.iter().map(|s| s.name().to_string()).collect();
                let next = Status::ALL.iter().position(|s| *s == incident.status).map_or(0, |i| (i + 1).min(Status::ALL.len() - 1));
                Form::new(format!("Status of #{id}"), FormPurpose::Status(id), vec![Field::choice("Status", names, next)])
            }
            Action::IncidentRole => {
                let roles: Vec<String> = Role::ALL.iter().map(|r| r.name().to_string()).collect();
                Form::new(
                    format!("Hand over a role on #{id}"),
                    FormPurpose::Role(id),
                    vec![Field::choice("Role", roles, 0), Field::text("Person")],
                )
            }
            Action::IncidentLink => {
                Form::new(format!("Link a check to #{id}"), FormPurpose::Link(id), vec![Field::choice("Check", self.checks.clone(), 0)])
            }
            _ => return Vec::new(),
        };
        cx.open_form(form);
        Vec::new()
    }

    /// Enter in an incident form: build the event and check it.
    pub fn submit(&mut self, purpose: FormPurpose, cx: &mut Cx) -> Vec<Effect> {
        let Some(form) = cx.form() else { return Vec::new() };
        let incidents = cx.room().incidents();
        let confirmed = form.confirm.is_some();
        let body = match purpose {
            FormPurpose::OpenIncident => Body::IncidentOpened { title: form.get("Title"), severity: form.get("Severity") },
            FormPurpose::Note(id) => Body::IncidentNote { incident: id, text: form.get("Note"), comms: form.get("Comms update") == "yes" },
            FormPurpose::Severity(id) => {
                let from = incidents.get(id).map(|i| i.severity.clone()).unwrap_or_default();
                Body::IncidentSeverity { incident: id, from, to: form.get("Severity"), reason: form.get("Reason") }
            }
            FormPurpose::Status(id) => {
                let from = incidents.get(id).map_or(Status::Investigating, |i| i.status);
                let to = Status::ALL.iter().copied().find(|s| s.name() == form.get("Status")).unwrap_or(from);
                Body::IncidentStatus { incident: id, from, to }
            }
            FormPurpose::Role(id) => {
                let role = Role::ALL.iter().copied().find(|r| r.name() == form.get("Role")).unwrap_or(Role::Commander);
                Body::IncidentRole { incident: id, role, person: form.get("Person") }
            }
            FormPurpose::Link(id) => Body::IncidentLink { incident: id, check: form.get("Check") },
            // Not an incident form: the state hands those to their own views.
            FormPurpose::Launch(_) | FormPurpose::Rollback(_) | FormPurpose::Silence(_) => return Vec::new(),
        };
        submit_body(body, confirmed, cx)
    }
}

/// Checks an intended event against the lifecycle rules; appends it when
/// they allow (after confirmation where they ask for one).
fn submit_body(body: Body, confirmed: bool, cx: &mut Cx) -> Vec<Effect> {
    let room = cx.room();
    match check(room.incidents(), room.severities(), &body) {
        Err(why) => {
            match cx.form_mut() {
                Some(f) => f.error = Some(why),
                None => cx.error(why),
            }
            Vec::new()
        }
        Ok(Verdict::NeedsConfirmation(question)) if !confirmed => {
            match cx.form_mut() {
                Some(f) => {
                    f.confirm =
                        Some(format!("{question}: press {} again to confirm, {} to cancel", Action::Submit.key(), Action::Cancel.key()))
                }
                None => cx.error(question),
            }
            Vec::new()
        }
        Ok(_) => {
            cx.close_overlay();
            cx.say("saving…");
            vec![Effect::Append(body)]
        }
    }
}
