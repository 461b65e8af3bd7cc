//! The incident keys and forms: what each action asks for, and turning a
//! submitted form into a journal event — checked against the lifecycle
//! rules first, with a second Enter for a severity downgrade.

use super::form::{Field, Form};
pub use super::purpose::FormPurpose;
use super::state::{Effect, Overlay, State};
use crate::adapters::journal::{Body, Role, Status};
use crate::shell::action::Action;
use opsdeck_core::domain::{Verdict, check};

impl State {
    /// The incident the user is on: the open one, or the selected row.
    pub fn current_incident(&self) -> Option<i64> {
        self.incident_open.or_else(|| self.incident_rows().get(self.incident_selected).copied())
    }

    /// Incident ids in the pane's order.
    pub fn incident_rows(&self) -> Vec<i64> {
        self.room.incidents.list(&self.room.severities).map(|i| i.id).collect()
    }

    /// Starts an incident action: a form, or (acknowledge) the event itself.
    pub fn incident_action(&mut self, action: Action) -> Vec<Effect> {
        let severities: Vec<String> = self.room.severities.iter().map(|s| s.id.clone()).collect();
        if action == Action::IncidentNew {
            let default = severities.len().saturating_sub(2).min(1);
            let fields = vec![Field::text("Title"), Field::choice("Severity", severities, default)];
            self.overlay = Overlay::Form(Form::new("Open an incident", FormPurpose::OpenIncident, fields));
            return Vec::new();
        }
        let Some(id) = self.current_incident() else {
            self.error(format!("no incident selected; {} opens one", Action::IncidentNew.key()));
            return Vec::new();
        };
        let Some(incident) = self.room.incidents.get(id) else { return Vec::new() };
        let form = match action {
            Action::IncidentAck => return self.submit_body(Body::IncidentAcknowledged { incident: id }, false),
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
            Action::IncidentLink => Form::new(
                format!("Link a check to #{id}"),
                FormPurpose::Link(id),
                vec![Field::choice("Check", self.board.rows.iter().map(|r| r.id.clone()).collect(), 0)],
            ),
            _ => return Vec::new(),
        };
        self.overlay = Overlay::Form(form);
        Vec::new()
    }

    /// Enter in a form: build the event and check it.
    pub fn submit_form(&mut self) -> Vec<Effect> {
        let Overlay::Form(form) = &self.overlay else { return Vec::new() };
        let confirmed = form.confirm.is_some();
        let body = match form.purpose.clone() {
            FormPurpose::OpenIncident => Body::IncidentOpened { title: form.get("Title"), severity: form.get("Severity") },
            FormPurpose::Note(id) => Body::IncidentNote { incident: id, text: form.get("Note"), comms: form.get("Comms update") == "yes" },
            FormPurpose::Severity(id) => {
                let from = self.room.incidents.get(id).map(|i| i.severity.clone()).unwrap_or_default();
                Body::IncidentSeverity { incident: id, from, to: form.get("Severity"), reason: form.get("Reason") }
            }
            FormPurpose::Status(id) => {
                let from = self.room.incidents.get(id).map_or(Status::Investigating, |i| i.status);
                let to = Status::ALL.iter().copied().find(|s| s.name() == form.get("Status")).unwrap_or(from);
                Body::IncidentStatus { incident: id, from, to }
            }
            FormPurpose::Role(id) => {
                let role = Role::ALL.iter().copied().find(|r| r.name() == form.get("Role")).unwrap_or(Role::Commander);
                Body::IncidentRole { incident: id, role, person: form.get("Person") }
            }
            FormPurpose::Link(id) => Body::IncidentLink { incident: id, check: form.get("Check") },
            FormPurpose::Launch(purpose) => return self.submit_launch_form(purpose),
            FormPurpose::Rollback(purpose) => return self.submit_rollback_form(purpose),
            FormPurpose::Silence(check) => return self.submit_silence(check),
        };
        self.submit_body(body, confirmed)
    }

    /// Checks an intended event against the lifecycle rules; appends it when
    /// they allow (after confirmation where they ask for one).
    fn submit_body(&mut self, body: Body, confirmed: bool) -> Vec<Effect> {
        match check(&self.room.incidents, &self.room.severities, &body) {
            Err(why) => {
                match &mut self.overlay {
                    Overlay::Form(f) => f.error = Some(why),
                    _ => self.error(why),
                }
                Vec::new()
            }
            Ok(Verdict::NeedsConfirmation(question)) if !confirmed => {
                match &mut self.overlay {
                    Overlay::Form(f) => {
                        f.confirm =
                            Some(format!("{question}: press {} again to confirm, {} to cancel", Action::Submit.key(), Action::Cancel.key()))
                    }
                    _ => self.error(question),
                }
                Vec::new()
            }
            Ok(_) => {
                self.overlay = Overlay::None;
                self.say("saving…");
                vec![Effect::Append(body)]
            }
        }
    }
}
