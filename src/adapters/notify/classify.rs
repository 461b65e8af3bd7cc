//! [`Classifier`]: which subscribable event (`NOTIFY_EVENTS`) a journal
//! event is, and the sentence that tells it. It follows the whole room (in
//! seq order) because some answers need history: an incident's title for
//! its severity change, and whether a `run.claimed` of a rollback actually
//! holds its lock so that it is `rollback.started` and the `run.finished`
//! of that run is `rollback.finished`. Who holds a lock is not decided
//! here: the classifier folds the console's own [`Runs`] (the run-lock
//! rule of [`opsdeck_core::launch::runs`]), so it announces exactly the claims
//! every console runs, at the lease boundary and for repeated run ids too.
//!
//! | subscribable        | journal event                                        |
//! |---------------------|------------------------------------------------------|
//! | `incident.opened`   | `incident.opened`                                    |
//! | `incident.acknowledged` | `incident.acknowledged`                          |
//! | `incident.severity` | `incident.severity`                                  |
//! | `incident.status`   | `incident.status`                                    |
//! | `rollback.started`  | `run.claimed` of a rollback that holds its lock (a repeated run id is not a claim) |
//! | `rollback.finished` | the first `run.finished` of such a run               |
//! | `marker`            | `marker` (`opsdeck mark`, or a marker set in a console) |
//! | others              | an event of that very kind (e.g. a future `trigger.fired`) |
//!
//! `notify.delivery` is never a notice: deliveries do not notify.
//!
//! For routing (`severities`, `triggers`) and for targets that track an
//! incident (PagerDuty, Grafana), a notice also says which incident it
//! concerns, with that incident's severity *after* the event, and which
//! trigger: a firing's or proposal's own, and for a rollback run, the
//! trigger whose proposal of that rollback was decided `run` last before
//! the run's claim (each such decision accounts for one run; a rollback
//! run by hand with no decided proposal waiting concerns no trigger).

use std::collections::{HashMap, HashSet};

use crate::adapters::journal::{Body, Event, Outcome, Status, Subject, Verdict};
use opsdeck_core::config::Severity;
use opsdeck_core::config::sections::NOTIFY_EVENTS;
use opsdeck_core::domain::severity::{Direction, direction};
use opsdeck_core::format::duration;
use opsdeck_core::launch::{Folded, Runs};

/// A journal event as a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The subscribable kind (`incident.opened`, `rollback.finished`, …).
    pub kind: String,
    /// A Slack emoji code for the message (`:rotating_light:`).
    pub emoji: &'static str,
    /// The plain sentence (`P1 incident #12 opened by alice: Checkout errors`).
    pub text: String,
    /// The incident it concerns, as it stands after the event.
    pub incident: Option<Incident>,
    /// The trigger it concerns.
    pub trigger: Option<String>,
}

/// An incident as the classifier knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// Its number in the room: the seq of its opening.
    pub id: i64,
    /// Empty when its opening was not seen.
    pub title: String,
    /// Its severity (empty when its opening was not seen).
    pub severity: String,
    /// When it was opened (0 when not seen).
    pub opened_ms: i64,
}

impl Notice {
    /// The sentence with its emoji, for Slack.
    pub fn slack_text(&self) -> String {
        format!("{} {}", self.emoji, self.text)
    }
}

/// Follows a room's events; see the module doc.
#[derive(Debug, Default)]
pub struct Classifier {
    severities: Vec<Severity>,
    incidents: HashMap<i64, Incident>,
    /// Rollback runs started on a trigger's proposal: run → trigger.
    run_triggers: HashMap<String, String>,
    /// Proposals whose `run` decision already accounts for a run.
    spent: HashSet<i64>,
    /// The room's claimed runs, folded by the one run-lock rule.
    runs: Runs,
    /// Firings and proposals, to notify the one every console agrees on
    /// and not the duplicates (see [`opsdeck_core::rollback`]).
    rollbacks: opsdeck_core::rollback::Rollbacks,
    last_seq: i64,
}

impl Classifier {
    pub fn new(severities: &[Severity]) -> Classifier {
        Classifier { severities: severities.to_vec(), ..Classifier::default() }
    }

    /// Takes `event` into account and says what it is as a notification
    /// (`None` when it is none). Events at or below the last seq seen are ignored.
    pub fn apply(&mut self, event: &Event) -> Option<Notice> {
        if event.seq <= self.last_seq {
            return None;
        }
        self.last_seq = event.seq;
        let who = &event.actor.name;
        self.rollbacks.apply(event);
        let Some(body) = event.body() else {
            return unreadable(event);
        };
        match body {
            Body::IncidentOpened { title, severity } => {
                let text = format!("{severity} incident #{} opened by {who}: {title}", event.seq);
                let incident = Incident { id: event.seq, title: title.clone(), severity: severity.clone(), opened_ms: event.at_ms };
                self.incidents.insert(event.seq, incident);
                self.about(event.seq, notice("incident.opened", ":rotating_light:", text))
            }
            Body::IncidentAcknowledged { incident } => {
                let text = format!("{} acknowledged by {who}", self.incident(*incident));
                self.about(*incident, notice("incident.acknowledged", ":eyes:", text))
            }
            Body::IncidentSeverity { incident, from, to, reason } => {
                let (verb, emoji) = match direction(&self.severities, from, to) {
                    Direction::Raised => ("raised", ":arrow_up:"),
                    Direction::Lowered => ("lowered", ":arrow_down:"),
                    Direction::Changed => ("changed", ":arrows_counterclockwise:"),
                };
                let reason = if reason.trim().is_empty() { String::new() } else { format!(": {}", reason.trim()) };
                let text = format!("{} severity {verb} {from} → {to} by {who}{reason}", self.incident(*incident));
                let known = self.incidents.entry(*incident).or_insert_with(|| Incident {
                    id: *incident,
                    title: String::new(),
                    severity: String::new(),
                    opened_ms: 0,
                });
                known.severity.clone_from(to);
                self.about(*incident, notice("incident.severity", emoji, text))
            }
            Body::IncidentStatus { incident, from, to } => {
                let emoji = if matches!(to, Status::Resolved | Status::Closed) { ":white_check_mark:" } else { ":mag:" };
                let text = format!("{} is {} (was {}), by {who}", self.incident(*incident), to.name(), from.name());
                self.about(*incident, notice("incident.status", emoji, text))
            }
            Body::RunClaimed { run, .. } => match self.runs.apply(event, body) {
                Folded::Claimed => self.rollback_started(run, who, event.seq),
                Folded::Renewed | Folded::Finished | Folded::Ignored => None,
            },
            Body::RunRenewed { .. } => {
                self.runs.apply(event, body);
                None
            }
            Body::RunFinished { run, outcome, exit_code, duration_ms, .. } => match self.runs.apply(event, body) {
                Folded::Finished => self.rollback_finished(run, *outcome, *exit_code, *duration_ms, who),
                Folded::Claimed | Folded::Renewed | Folded::Ignored => None,
            },
            Body::TriggerFired { .. } | Body::RollbackProposed { .. } if self.rollbacks.is_duplicate(event.seq) => None,
            Body::TriggerFired { trigger, reason, mode, rollback, .. } => {
                let then = rollback.as_ref().filter(|_| mode != "advise").map(|r| format!(" ({mode}: proposes {r})")).unwrap_or_default();
                Some(by(trigger, notice("trigger.fired", ":warning:", format!("Trigger {trigger} fired{then}: {reason}"))))
            }
            Body::RollbackProposed { trigger, rollback, reason, deadline_ms, on_no_answer, .. } => {
                let when = match deadline_ms {
                    Some(d) => format!("; {on_no_answer}s in {}s unless vetoed", (d - event.at_ms).max(0) / 1000),
                    None => "; waiting for a person to confirm".into(),
                };
                Some(by(
                    trigger,
                    notice("rollback.proposed", ":rewind:", format!("Trigger {trigger} proposes rollback {rollback}{when}: {reason}")),
                ))
            }
            Body::Marker { text } => Some(notice("marker", ":round_pushpin:", format!("Marker by {who}: {}", text.trim()))),
            Body::IncidentRole { .. }
            | Body::IncidentNote { .. }
            | Body::IncidentLink { .. }
            | Body::ChecklistTicked { .. }
            | Body::ChecklistClaimed { .. }
            | Body::ChecklistSkipped { .. }
            | Body::ChecklistUndone { .. }
            | Body::StepConfirmed { .. }
            | Body::StepSkipped { .. }
            | Body::RunbookAborted { .. }
            | Body::RunbookRestarted { .. }
            | Body::SilenceSet { .. }
            | Body::SilenceLifted { .. }
            | Body::RollbackRequested { .. }
            | Body::RollbackApproved { .. }
            | Body::RollbackDecided { .. }
            | Body::RollbackExpired { .. }
            | Body::CheckState { .. }
            | Body::NotifyDelivery { .. }
            | Body::AlertmanagerSilence { .. } => None,
        }
    }

    /// `rollback.started` for a new claim (folded by the run-lock rule) of
    /// `run`, when it holds a rollback's lock.
    fn rollback_started(&mut self, run: &str, who: &str, seq: i64) -> Option<Notice> {
        let action = rollback_action(&self.runs.held(run)?.subject)?.to_string();
        let decided = self
            .rollbacks
            .last_proposal_of(&action)
            .filter(|p| p.seq < seq && !self.spent.contains(&p.seq) && matches!(p.decided, Some((Verdict::Run, ..))))
            .map(|p| (p.seq, p.trigger.clone()));
        let n = notice("rollback.started", ":rewind:", format!("Rollback {action} started by {who}"));
        match decided {
            Some((proposal, trigger)) => {
                self.spent.insert(proposal);
                self.run_triggers.insert(run.to_string(), trigger.clone());
                Some(by(&trigger, n))
            }
            None => Some(n),
        }
    }

    /// `rollback.finished` for the first finish of such a run.
    fn rollback_finished(&self, run: &str, outcome: Outcome, exit_code: Option<i32>, duration_ms: i64, who: &str) -> Option<Notice> {
        let action = rollback_action(&self.runs.held(run)?.subject)?;
        let exit = exit_code.filter(|_| outcome != Outcome::Succeeded).map(|c| format!(" (exit {c})")).unwrap_or_default();
        let emoji = if outcome.is_success() { ":white_check_mark:" } else { ":x:" };
        let text = format!("Rollback {action} {}{exit} after {}, run by {who}", outcome.name(), duration(duration_ms));
        let n = notice("rollback.finished", emoji, text);
        Some(match self.run_triggers.get(run) {
            Some(trigger) => by(trigger, n),
            None => n,
        })
    }

    /// `Incident #12 (Checkout errors)`, or `Incident #12` before its opening was seen.
    fn incident(&self, id: i64) -> String {
        match self.incidents.get(&id).filter(|i| !i.title.is_empty()) {
            Some(i) => format!("Incident #{id} ({})", i.title),
            None => format!("Incident #{id}"),
        }
    }

    /// `n`, about incident `id` as it now stands.
    fn about(&self, id: i64, n: Notice) -> Option<Notice> {
        let incident =
            self.incidents.get(&id).cloned().unwrap_or(Incident { id, title: String::new(), severity: String::new(), opened_ms: 0 });
        Some(Notice { incident: Some(incident), ..n })
    }
}

/// An event this version cannot read (an unknown kind, a corrupt payload):
/// a plain notice when the plan subscribes to its stored kind name.
fn unreadable(event: &Event) -> Option<Notice> {
    let kind = NOTIFY_EVENTS.iter().find(|k| **k == event.kind)?;
    let text = format!("{} by {}", event.kind, event.actor.name);
    Some(notice(kind, ":bell:", text))
}

fn notice(kind: &str, emoji: &'static str, text: String) -> Notice {
    Notice { kind: kind.to_string(), emoji, text, incident: None, trigger: None }
}

/// `n`, concerning `trigger`.
fn by(trigger: &str, n: Notice) -> Notice {
    Notice { trigger: Some(trigger.to_string()), ..n }
}

fn rollback_action(subject: &Subject) -> Option<&str> {
    match subject {
        Subject::Rollback { action } => Some(action),
        Subject::Step { .. } | Subject::Verify { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::config::sections::default_severities;
    use opsdeck_core::testing::{T0, event};

    fn texts(bodies: Vec<(&str, Body)>) -> Vec<Option<(String, String)>> {
        let mut c = Classifier::new(&default_severities());
        bodies
            .into_iter()
            .enumerate()
            .map(|(n, (who, b))| c.apply(&event(n as i64 + 1, T0 + n as i64 * 1000, who, b)).map(|x| (x.kind.clone(), x.slack_text())))
            .collect()
    }

    fn some(kind: &str, text: &str) -> Option<(String, String)> {
        Some((kind.to_string(), text.to_string()))
    }

    #[test]
    fn incidents_read_as_sentences() {
        let got = texts(vec![
            ("alice", Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }),
            ("bob", Body::IncidentSeverity { incident: 1, from: "P1".into(), to: "P0".into(), reason: "all regions".into() }),
            ("bob", Body::IncidentNote { incident: 1, text: "looking".into(), comms: false }),
            ("carol", Body::IncidentStatus { incident: 1, from: Status::Investigating, to: Status::Resolved }),
            ("carol", Body::NotifyDelivery { notify: "SLACK".into(), about: 1, ok: true, detail: "HTTP 200".into() }),
        ]);
        assert_eq!(
            got,
            [
                some("incident.opened", ":rotating_light: P1 incident #1 opened by alice: Checkout errors"),
                some("incident.severity", ":arrow_up: Incident #1 (Checkout errors) severity raised P1 → P0 by bob: all regions"),
                None,
                some("incident.status", ":white_check_mark: Incident #1 (Checkout errors) is resolved (was investigating), by carol"),
                None,
            ]
        );
    }

    #[test]
    fn only_the_claim_that_holds_a_rollback_starts_and_finishes_it() {
        let claim = |run: &str| Body::RunClaimed {
            title: String::new(),
            run: run.into(),
            lock: "rollback/vercel-previous".into(),
            subject: Subject::Rollback { action: "vercel-previous".into() },
            lease_ms: 30_000,
        };
        let finish = |run: &str| Body::RunFinished {
            run: run.into(),
            outcome: Outcome::Failed,
            exit_code: Some(1),
            duration_ms: 42_000,
            output: String::new(),
            truncated: false,
        };
        let got = texts(vec![("alice", claim("r1")), ("bob", claim("r2")), ("bob", finish("r2")), ("alice", finish("r1"))]);
        assert_eq!(
            got,
            [
                some("rollback.started", ":rewind: Rollback vercel-previous started by alice"),
                None,
                None,
                some("rollback.finished", ":x: Rollback vercel-previous failed (exit 1) after 42s, run by alice"),
            ]
        );
    }

    /// The run of a run event.
    fn run_of(e: &Event) -> String {
        match e.body().cloned() {
            Some(Body::RunClaimed { run, .. } | Body::RunFinished { run, .. }) => run,
            other => panic!("not a claim or finish: {other:?}"),
        }
    }

    #[test]
    fn the_notifier_announces_exactly_the_rollbacks_the_console_runs() {
        let claim = |run: &str| Body::RunClaimed {
            title: String::new(),
            run: run.into(),
            lock: "rollback:prev".into(),
            subject: Subject::Rollback { action: "prev".into() },
            lease_ms: 30_000,
        };
        let finish = |run: &str| Body::RunFinished {
            run: run.into(),
            outcome: Outcome::Succeeded,
            exit_code: Some(0),
            duration_ms: 9_000,
            output: String::new(),
            truncated: false,
        };
        let events = [
            // Alice holds; her console dies (no renewal): her lease ends at T0+30s, inclusive.
            event(1, T0, "alice", claim("r1")),
            // Bob claims at exactly the end of alice's lease: it still holds, bob loses.
            event(2, T0 + 30_000, "bob", claim("r2")),
            // Carol, a millisecond later: alice's claim is abandoned, bob's lost, carol's holds.
            event(3, T0 + 30_001, "carol", claim("r3")),
            // Carol's claim appended twice: one claim.
            event(4, T0 + 30_002, "carol", claim("r3")),
            event(5, T0 + 40_000, "carol", finish("r3")),
            // Dave's claim made offline while carol ran reaches the room after she finished: it loses.
            event(6, T0 + 35_000, "dave", claim("r4")),
            // Carol's claim replayed long after: still one claim, nothing starts.
            event(7, T0 + 100_000, "carol", claim("r3")),
        ];
        let mut console = opsdeck_core::launch::Progress::default();
        let mut notifier = Classifier::new(&default_severities());
        let (mut started, mut finished) = (Vec::new(), Vec::new());
        for e in &events {
            console.apply(e);
            match notifier.apply(e).map(|n| n.kind) {
                Some(k) if k == "rollback.started" => started.push(run_of(e)),
                Some(k) if k == "rollback.finished" => finished.push(run_of(e)),
                other => assert_eq!(other, None, "seq {}", e.seq),
            }
        }
        let held: Vec<String> = console.runs.in_order().filter(|c| !c.lost).map(|c| c.run.clone()).collect();
        let ended: Vec<String> = console.runs.in_order().filter(|c| !c.lost && c.finish.is_some()).map(|c| c.run.clone()).collect();
        assert_eq!(held, ["r1", "r3"], "the console runs alice's and, once her lease ran out, carol's");
        assert_eq!(started, held, "announced as started: exactly the claims the console holds, once each");
        assert_eq!(finished, ended, "announced as finished: exactly their finishes");
    }

    #[test]
    fn a_firing_recorded_by_two_consoles_is_notified_once() {
        let fired = || Body::TriggerFired {
            trigger: "errors-high".into(),
            reason: "error-rate critical".into(),
            mode: "auto".into(),
            rollback: Some("prev".into()),
            frozen: None,
        };
        let proposed = || Body::RollbackProposed {
            trigger: "errors-high".into(),
            rollback: "prev".into(),
            reason: "error-rate critical".into(),
            deadline_ms: Some(T0 + 61_000),
            on_no_answer: "run".into(),
            console: "c1".into(),
        };
        let got = texts(vec![("alice", fired()), ("alice", proposed()), ("bob", fired()), ("bob", proposed())]);
        assert_eq!(
            got,
            [
                some("trigger.fired", ":warning: Trigger errors-high fired (auto: proposes prev): error-rate critical"),
                some(
                    "rollback.proposed",
                    ":rewind: Trigger errors-high proposes rollback prev; runs in 60s unless vetoed: error-rate critical"
                ),
                None,
                None,
            ]
        );
    }

    #[test]
    fn notices_know_their_incident_and_trigger() {
        let mut c = Classifier::new(&default_severities());
        let mut n = 0;
        let mut next = |who: &str, b: Body| {
            n += 1;
            c.apply(&event(n, T0 + n * 1000, who, b))
        };
        let opened = next("alice", Body::IncidentOpened { title: "Checkout errors".into(), severity: "P2".into() }).expect("a notice");
        let incident = opened.incident.clone().expect("its incident");
        assert_eq!((incident.id, incident.severity.as_str(), incident.opened_ms), (1, "P2", T0 + 1000));
        let ack = next("bob", Body::IncidentAcknowledged { incident: 1 }).expect("a notice");
        assert_eq!((ack.kind.as_str(), ack.text.as_str()), ("incident.acknowledged", "Incident #1 (Checkout errors) acknowledged by bob"));
        next("bob", Body::IncidentSeverity { incident: 1, from: "P2".into(), to: "P0".into(), reason: String::new() });
        let status =
            next("bob", Body::IncidentStatus { incident: 1, from: Status::Investigating, to: Status::Resolved }).expect("a notice");
        assert_eq!(status.incident.map(|i| i.severity), Some("P0".into()), "the severity after the raise");
        let marker = next("ci", Body::Marker { text: " deploy v1.2.0 ".into() }).expect("a notice");
        assert_eq!((marker.kind.as_str(), marker.text.as_str(), marker.incident), ("marker", "Marker by ci: deploy v1.2.0", None));

        let proposed = |trigger: &str| Body::RollbackProposed {
            trigger: trigger.into(),
            rollback: "prev".into(),
            reason: "api down".into(),
            deadline_ms: None,
            on_no_answer: "cancel".into(),
            console: "c1".into(),
        };
        let claim = |run: &str| Body::RunClaimed {
            title: String::new(),
            run: run.into(),
            lock: "rollback:prev".into(),
            subject: Subject::Rollback { action: "prev".into() },
            lease_ms: 30_000,
        };
        let finish = |run: &str| Body::RunFinished {
            run: run.into(),
            outcome: Outcome::Succeeded,
            exit_code: Some(0),
            duration_ms: 1_000,
            output: String::new(),
            truncated: false,
        };
        let p = next("alice", proposed("errors-high")).expect("a notice");
        assert_eq!(p.trigger.as_deref(), Some("errors-high"));
        next("bob", Body::RollbackDecided { proposal: 6, rollback: "prev".into(), verdict: Verdict::Run, no_answer: false });
        let started = next("bob", claim("r1")).expect("a notice");
        let finished = next("bob", finish("r1")).expect("a notice");
        assert_eq!((started.trigger.as_deref(), finished.trigger.as_deref()), (Some("errors-high"), Some("errors-high")));
        let by_hand = next("bob", claim("r2")).expect("a notice");
        assert_eq!(by_hand.trigger, None, "the decision accounted for one run");
        next("bob", finish("r2"));
        next("alice", proposed("latency"));
        next("bob", Body::RollbackDecided { proposal: 11, rollback: "prev".into(), verdict: Verdict::Vetoed, no_answer: false });
        assert_eq!(next("bob", claim("r3")).expect("a notice").trigger, None, "a vetoed proposal starts nothing");
    }

    #[test]
    fn unknown_subscribed_kinds_pass_and_old_seqs_are_ignored() {
        let mut c = Classifier::new(&default_severities());
        let mut e = event(5, T0, "alice", Body::Marker { text: "x".into() });
        e.kind = "trigger.fired".into();
        let mut e = e.redecode();
        let n = c.apply(&e).expect("subscribable");
        assert_eq!((n.kind.as_str(), n.text.as_str()), ("trigger.fired", "trigger.fired by alice"));
        assert_eq!(c.apply(&e), None, "seen already");
        e.seq = 6;
        e.kind = "something.else".into();
        let e = e.redecode();
        assert_eq!(c.apply(&e), None);
    }
}
