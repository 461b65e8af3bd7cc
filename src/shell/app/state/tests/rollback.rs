//! Rollbacks across consoles, with a tiny in-memory room: one run per lock,
//! a double Enter, an abandoned run needing its id typed, the two-person
//! rule, previews, and trigger proposals recorded once, vetoed or run on
//! no answer. How proposals close is in `proposals`.

use super::room::Room;
use super::*;
use crate::adapters::journal::{Subject, Verdict};
use crate::shell::app::probing::Probing;
use crate::shell::app::state::TYPE_ID;

pub(super) const PLAN: &str = r#"
[deck]
name = "Rollback test"
[defaults]
raise_after = 1
clear_after = 1
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
band = { target = "< 200", critical = "> 1000" }
[[rollback]]
id = "plain"
run = "echo rolling back"
danger = "low"
[[rollback]]
id = "twoman"
run = "echo two"
two_person = true
[[rollback]]
id = "peek"
run = "echo real"
preview = "echo would do it"
verify = "echo verified"
[[trigger]]
id = "api-bad"
when = ["api critical for 0s"]
propose = "plain"
mode = "auto"
countdown = "10s"
cooldown = "5m"
"#;

pub(super) fn console(name: &str) -> State {
    console_with(PLAN, name)
}

/// A console on `plan`, acting as `name`, with the rollback pane open.
pub(super) fn console_with(plan: &str, name: &str) -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", plan), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", 1_000);
    act_as(&mut s, Actor { name: name.into(), host: "bastion-1".into(), from: None });
    store_online(&mut s, true);
    s.update(Action::ViewRollback);
    s
}

pub(super) fn started(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::StartRun(s) => Some(s.script.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn select(s: &mut State, id: &str) {
    let pos = s.rollback().defs().iter().position(|r| r.id == id).expect("action in the plan");
    // The rollback pane has the focus: the cursor keys move to the action.
    s.update(Action::Top);
    for _ in 0..pos {
        s.update(Action::Down);
    }
}

pub(super) fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        s.type_char(c);
    }
}

#[test]
fn the_palette_shows_the_rollbacks_by_action_name() {
    let mut s = console("alice");
    s.update(Action::ViewMetrics);
    assert_eq!(s.focus(), Pane::Metrics);
    s.update(Action::Palette);
    typed(&mut s, "view.rollback");
    s.update(Action::Submit);
    assert_eq!((s.focus(), s.main()), (Pane::Rollback, Pane::Rollback), "{:?}", s.message());
}

pub(super) fn msg(s: &State) -> String {
    s.message().map(|m| m.text.clone()).unwrap_or_default()
}

#[test]
fn two_consoles_pressing_at_once_get_one_run_and_the_other_is_told_who() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    for s in [&mut alice, &mut bob] {
        assert!(s.update(Action::RollbackRun).is_empty(), "the confirmation opens first");
        assert!(matches!(s.overlay(), Overlay::Form(_)));
    }
    let a = alice.update(Action::Submit);
    let b = bob.update(Action::Submit);
    assert!(room.append(&alice, a).is_empty());
    assert!(room.append(&bob, b).is_empty());
    assert_eq!(room.events.len(), 2, "both claims reach the room");
    let ran_a = started(&room.deliver(&mut alice));
    let ran_b = started(&room.deliver(&mut bob));
    assert_eq!(ran_a, vec!["echo rolling back".to_string()]);
    assert!(ran_b.is_empty(), "bob's claim lost: no second execution");
    assert_eq!(
        msg(&bob),
        "not run: alice@bastion-1 is running plain since 00:00:01"
            .replace("00:00:01", &crate::shell::ui::format::clock(1_000, &jiff::tz::TimeZone::system()))
    );
}

#[test]
fn a_double_enter_is_harmless() {
    let (mut alice, mut room) = (console("alice"), Room::default());
    alice.update(Action::RollbackRun);
    let first = alice.update(Action::Submit);
    assert_eq!(first.len(), 1, "one claim");
    // The second Enter lands on the pane again: refused while the claim is on its way.
    assert!(alice.update(Action::RollbackRun).is_empty());
    assert!(*alice.overlay() == Overlay::None, "no second confirmation: {:?}", alice.message());
    assert!(msg(&alice).contains("already claimed here"), "{}", msg(&alice));
    room.append(&alice, first);
    assert_eq!(started(&room.deliver(&mut alice)).len(), 1);
    // While it runs, Enter says who runs it.
    alice.update(Action::RollbackRun);
    assert!(msg(&alice).contains("alice@bastion-1 is running plain since"), "{}", msg(&alice));
    assert_eq!(room.events.len(), 1);
}

#[test]
fn an_abandoned_run_needs_its_id_typed_and_then_runs_again() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    alice.update(Action::RollbackRun);
    let claim = alice.update(Action::Submit);
    room.append(&alice, claim);
    assert_eq!(started(&room.deliver(&mut alice)).len(), 1);
    room.deliver(&mut bob);
    // Alice's console dies: no renewal, no finish. Inside the lease bob is refused.
    bob.set_now(20_000);
    bob.update(Action::RollbackRun);
    assert!(msg(&bob).contains("alice@bastion-1 is running plain"), "{}", msg(&bob));
    bob.set_now(40_000);
    assert!(RollbackView::abandoned(&bob.rollback().defs()[0], bob.progress(), bob.now_ms()));
    bob.update(Action::RollbackRun);
    let Overlay::Form(form) = bob.overlay() else { panic!("a confirmation") };
    assert!(form.fields.iter().any(|f| f.label == TYPE_ID), "abandoned: the id must be typed");
    assert!(form.error.as_deref().unwrap_or("").contains("abandoned"));
    typed(&mut bob, "plan");
    assert!(bob.update(Action::Submit).is_empty(), "a wrong id runs nothing");
    let Overlay::Form(form) = bob.overlay() else { panic!("still open") };
    assert_eq!(form.error.as_deref(), Some("type plain to run it"));
    bob.update(Action::Backspace);
    typed(&mut bob, "in");
    let claim = bob.update(Action::Submit);
    room.append(&bob, claim);
    assert_eq!(started(&room.deliver(&mut bob)), vec!["echo rolling back".to_string()], "the lease ran out: bob's claim holds");
}

#[test]
fn two_person_runs_only_after_another_person_approves() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    select(&mut alice, "twoman");
    select(&mut bob, "twoman");
    alice.update(Action::RollbackRun);
    let req = alice.update(Action::Submit);
    assert!(matches!(req.as_slice(), [Effect::Append(Body::RollbackRequested { .. })]), "{req:?}");
    room.append(&alice, req);
    assert!(started(&room.deliver(&mut alice)).is_empty(), "nothing runs on a request");
    room.deliver(&mut bob);
    assert!(alice.update(Action::RollbackApprove).is_empty());
    assert_eq!(msg(&alice), "a different person must approve your request");
    bob.update(Action::RollbackRun);
    assert!(msg(&bob).contains("asked to run it"), "{}", msg(&bob));
    let approve = bob.update(Action::RollbackApprove);
    room.append(&bob, approve);
    assert!(room.deliver(&mut bob).is_empty(), "the approver claims nothing");
    let claim = room.deliver(&mut alice);
    assert!(matches!(claim.as_slice(), [Effect::Append(Body::RunClaimed { .. })]), "the requester claims: {claim:?}");
    room.append(&alice, claim);
    assert_eq!(started(&room.deliver(&mut alice)), vec!["echo two".to_string()]);
    assert!(started(&room.deliver(&mut bob)).is_empty());
    let timeline: Vec<_> = room.events.iter().map(|e| (e.kind.as_str(), e.actor.name.as_str())).collect();
    assert_eq!(timeline, vec![("rollback.requested", "alice"), ("rollback.approved", "bob"), ("run.claimed", "alice")]);
}

#[test]
fn the_preview_runs_first_and_a_successful_run_is_verified() {
    let (mut alice, mut room) = (console("alice"), Room::default());
    select(&mut alice, "peek");
    let effects = alice.update(Action::RollbackRun);
    let [Effect::Preview(p)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(p.script, "echo would do it");
    assert!(alice.update(Action::Submit).is_empty(), "not before the preview is read");
    alice.preview_done("peek", true, "would do it\n");
    let Overlay::Form(form) = alice.overlay() else { panic!("open") };
    assert!(form.notes.iter().any(|n| n == "  would do it"), "{:?}", form.notes);
    assert!(form.notes.iter().any(|n| n == "$ echo real"));
    assert!(form.notes.iter().any(|n| n.starts_with("on bastion-1 in ")));
    let claim = alice.update(Action::Submit);
    room.append(&alice, claim);
    let ran = room.deliver(&mut alice);
    let Some(Effect::StartRun(start)) = ran.first() else { panic!("{ran:?}") };
    let run = start.run.clone();
    room.finish(&alice, &run);
    let verify = room.deliver(&mut alice);
    let [Effect::Append(Body::RunClaimed { subject: Subject::Verify { action }, lock, .. })] = verify.as_slice() else {
        panic!("{verify:?}")
    };
    assert_eq!((action.as_str(), lock.as_str()), ("peek", "rollback:peek:verify"));
    room.append(&alice, verify);
    assert_eq!(started(&room.deliver(&mut alice)), vec!["echo verified".to_string()]);
}

/// Both consoles see the api go critical and evaluate on their clock.
pub(super) fn fire(s: &mut State, at: i64) -> Vec<Effect> {
    s.apply_sample(&super::ok(0, at, 5_000.0));
    s.set_now(at);
    s.tick_triggers()
}

#[test]
fn a_firing_is_recorded_once_and_a_veto_from_another_console_stops_it() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    let a = fire(&mut alice, 2_000);
    let b = fire(&mut bob, 2_000);
    assert_eq!(a.len(), 2, "trigger.fired and rollback.proposed: {a:?}");
    assert_eq!(b.len(), 2);
    room.append(&alice, a);
    room.append(&bob, b);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    for s in [&alice, &bob] {
        assert_eq!(s.rollback().rollbacks().proposals.len(), 1, "the same one proposal on every console");
        assert_eq!(s.rollback().rollbacks().open_proposal("plain").map(|p| p.seq), Some(2));
    }
    // A tick later nothing new is recorded: the room has the firing.
    bob.set_now(3_000);
    assert!(bob.tick_triggers().is_empty());
    bob.set_now(5_000);
    let veto = bob.update(Action::RollbackVeto);
    room.append(&bob, veto);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    alice.set_now(20_000);
    assert!(alice.tick_triggers().is_empty(), "vetoed: the countdown decides nothing");
    let p = &alice.rollback().rollbacks().proposals[0];
    let (verdict, by, _, _) = p.decided.clone().expect("decided");
    assert_eq!((verdict, by.name.as_str()), (Verdict::Vetoed, "bob"));
    let text = opsdeck_core::domain::timeline::describe(room.events.last().unwrap(), &[]);
    assert_eq!(text, "Vetoed rollback plain");
}

/// `alice` probes and judges for the room; `bob` follows her.
pub(super) fn judge_and_follower(alice: &mut State, bob: &mut State) {
    alice.set_probing(Probing::ForRoom { since_ms: 0 });
    bob.set_probing(Probing::Following { prober: alice.room().actor().clone(), since_ms: 0 });
}

#[test]
fn no_answer_runs_it_on_the_rooms_judge() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    judge_and_follower(&mut alice, &mut bob);
    let a = fire(&mut alice, 2_000);
    room.append(&alice, a);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    bob.apply_sample(&super::ok(0, 2_000, 5_000.0));
    bob.set_now(12_500);
    assert!(bob.tick_triggers().is_empty(), "bob follows the room's judge: he does not decide");
    alice.set_now(11_000);
    assert!(alice.tick_triggers().is_empty(), "the countdown is not over");
    alice.set_now(12_100);
    let decided = alice.tick_triggers();
    assert!(
        matches!(decided.as_slice(), [Effect::Append(Body::RollbackDecided { verdict: Verdict::Run, no_answer: true, .. })]),
        "{decided:?}"
    );
    room.append(&alice, decided);
    alice.set_now(12_200);
    assert!(alice.tick_triggers().is_empty(), "decided once");
    let claim = room.deliver(&mut alice);
    assert!(room.deliver(&mut bob).is_empty());
    assert!(matches!(claim.as_slice(), [Effect::Append(Body::RunClaimed { .. })]), "{claim:?}");
    room.append(&alice, claim);
    assert_eq!(started(&room.deliver(&mut alice)), vec!["echo rolling back".to_string()]);
}

#[test]
fn a_judge_that_takes_over_mid_countdown_decides_it_once() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    judge_and_follower(&mut alice, &mut bob);
    let a = fire(&mut alice, 2_000);
    room.append(&alice, a);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    // Alice is gone before the countdown ends; bob takes the lease.
    bob.set_now(5_000);
    assert!(bob.tick_triggers().is_empty(), "following: nothing to decide");
    bob.set_probing(Probing::ForRoom { since_ms: 6_000 });
    bob.apply_sample(&super::ok(0, 6_000, 5_000.0));
    bob.set_now(11_000);
    assert!(bob.tick_triggers().is_empty(), "the countdown from the journal is not over");
    bob.set_now(12_100);
    let decided = bob.tick_triggers();
    assert!(
        matches!(decided.as_slice(), [Effect::Append(Body::RollbackDecided { verdict: Verdict::Run, no_answer: true, proposal: 2, .. })]),
        "the proposal alice recorded, decided by bob: {decided:?}"
    );
    room.append(&bob, decided);
    bob.set_now(12_200);
    assert!(bob.tick_triggers().is_empty(), "decided once");
    let claim = room.deliver(&mut bob);
    assert!(matches!(claim.as_slice(), [Effect::Append(Body::RunClaimed { .. })]), "the judge that decided runs it: {claim:?}");
}

#[test]
fn confirming_a_proposal_runs_only_if_no_veto_came_first() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    let a = fire(&mut alice, 2_000);
    room.append(&alice, a);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    alice.update(Action::RollbackRun);
    let confirm = alice.update(Action::Submit);
    assert!(matches!(confirm.as_slice(), [Effect::Append(Body::RollbackDecided { verdict: Verdict::Run, .. })]), "{confirm:?}");
    let veto = bob.update(Action::RollbackVeto);
    room.append(&bob, veto);
    room.append(&alice, confirm);
    assert!(room.deliver(&mut alice).is_empty(), "bob's veto reached the room first");
    assert!(msg(&alice).contains("bob@bastion-1 decided on this proposal first"), "{}", msg(&alice));
}

#[test]
fn a_read_only_console_records_nothing() {
    let mut s = console("carol");
    read_only(&mut s);
    assert!(fire(&mut s, 2_000).is_empty());
    assert!(s.update(Action::RollbackRun).is_empty());
    assert!(msg(&s).contains("read-only"));
}

#[test]
fn a_severity_with_the_two_person_rule_holds_every_rollback_while_its_incident_is_open() {
    let text = format!(
        "{PLAN}\n[[severity]]\nid = \"SEV1\"\nname = \"Major\"\nrespond_within = \"15m\"\ntwo_person = true\n[[severity]]\nid = \"SEV2\"\nname = \"Minor\"\nrespond_within = \"1h\"\n"
    );
    let (plan, d) = parse_source(&Source::new("p.toml", &text), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut alice = State::new(&plan, "dark", 1_000);
    act_as(&mut alice, Actor { name: "alice".into(), host: "bastion-1".into(), from: None });
    store_online(&mut alice, true);
    let mut room = Room::default();
    let def = alice.rollback().defs().iter().find(|r| r.id == "plain").cloned().expect("plain");
    assert_eq!(alice.two_person_rule(&def), None, "no incident yet");
    room.append(&alice, vec![Effect::Append(Body::IncidentOpened { title: "Checkout down".into(), severity: "SEV2".into() })]);
    room.deliver(&mut alice);
    assert_eq!(alice.two_person_rule(&def), None, "SEV2 does not ask for it");
    room.append(&alice, vec![Effect::Append(Body::IncidentOpened { title: "Payments down".into(), severity: "SEV1".into() })]);
    room.deliver(&mut alice);
    assert_eq!(alice.two_person_rule(&def).as_deref(), Some("two-person rule while SEV1 incident #2 is open"));
    alice.update(Action::ViewRollback);
    select(&mut alice, "plain");
    alice.update(Action::RollbackRun);
    let req = alice.update(Action::Submit);
    assert!(matches!(req.as_slice(), [Effect::Append(Body::RollbackRequested { .. })]), "asks the room first: {req:?}");
}

/// What the rollback pane's state line is built from: the claim it names.
fn named(s: &State) -> Option<(String, Option<crate::adapters::journal::Outcome>)> {
    let def = s.rollback().defs()[s.rollback().selected()].clone();
    let lock = opsdeck_core::launch::runs::rollback_lock(&def);
    s.progress
        .runs
        .active(&lock)
        .or_else(|| s.progress().runs.last_for(&Subject::Rollback { action: def.id.clone() }))
        .map(|c| (c.actor.name.clone(), c.finish.as_ref().map(|f| f.outcome)))
}

#[test]
fn a_claim_made_offline_that_reaches_the_room_after_the_race_loses_and_names_no_ended_holder() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    // Alice confirms at 1s while her store is away: her claim waits in her spool.
    alice.update(Action::RollbackRun);
    let queued = alice.update(Action::Submit);
    // Bob confirms at 2s, runs it and finishes at 5s.
    bob.set_now(2_000);
    bob.update(Action::RollbackRun);
    let claim = bob.update(Action::Submit);
    room.append(&bob, claim);
    let ran = room.deliver(&mut bob);
    let Some(Effect::StartRun(start)) = ran.first() else { panic!("{ran:?}") };
    bob.set_now(5_000);
    room.finish(&bob, &start.run);
    room.deliver(&mut bob);
    // Alice's store is back at 8s: her claim (made at 1s) reaches the room last.
    room.append(&alice, queued);
    alice.set_now(8_000);
    let effects = room.deliver(&mut alice);
    assert!(started(&effects).is_empty(), "no second execution: {effects:?}");
    assert!(effects.is_empty(), "nothing to record either: the claim simply lost: {effects:?}");
    assert_eq!(
        msg(&alice),
        format!(
            "not run: bob@bastion-1 claimed plain first (succeeded at {})",
            crate::shell::ui::format::clock(5_000, &jiff::tz::TimeZone::system())
        )
    );
    room.deliver(&mut bob);
    for s in [&alice, &bob] {
        assert_eq!(
            named(s),
            Some(("bob".into(), Some(crate::adapters::journal::Outcome::Succeeded))),
            "bob's run, on {}",
            s.room().actor().name
        );
    }
}

#[test]
fn a_stale_claim_that_ends_not_started_is_no_longer_named_as_running() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    // Alice confirms at 1s while offline; her claim reaches the room at 20s, first.
    alice.update(Action::RollbackRun);
    let queued = alice.update(Action::Submit);
    room.append(&alice, queued);
    // Bob confirms at 20s, before alice's console has seen her claim come back.
    bob.set_now(20_000);
    bob.update(Action::RollbackRun);
    let claim = bob.update(Action::Submit);
    room.append(&bob, claim);
    assert!(started(&room.deliver(&mut bob)).is_empty(), "bob's claim lost to alice's");
    assert!(msg(&bob).contains("alice@bastion-1 is running plain since"), "{}", msg(&bob));
    // Alice's console finds its claim too late and records it not started.
    alice.set_now(20_100);
    let not_run = room.deliver(&mut alice);
    assert!(
        matches!(not_run.as_slice(), [Effect::Append(Body::RunFinished { outcome: crate::adapters::journal::Outcome::NotStarted, .. })]),
        "{not_run:?}"
    );
    room.append(&alice, not_run);
    room.deliver(&mut bob);
    assert!(!msg(&bob).contains("is running"), "bob is told it ended: {}", msg(&bob));
    assert!(msg(&bob).contains("not started"), "{}", msg(&bob));
    assert!(bob.progress().runs.active("rollback:plain").is_none());
    // Nothing holds the lock now: bob can claim it again, and it runs.
    bob.set_now(21_000);
    bob.update(Action::RollbackRun);
    let again = bob.update(Action::Submit);
    room.append(&bob, again);
    assert_eq!(started(&room.deliver(&mut bob)), vec!["echo rolling back".to_string()]);
}

#[test]
fn closing_a_rollback_form_stops_its_preview_and_reopening_starts_a_new_one() {
    let mut alice = console("alice");
    select(&mut alice, "peek");
    assert!(matches!(alice.update(Action::RollbackRun).as_slice(), [Effect::Preview(_)]));
    assert_eq!(alice.update(Action::Close), vec![Effect::StopPreview], "Esc stops the preview nobody will read");
    assert!(matches!(alice.update(Action::RollbackRun).as_slice(), [Effect::Preview(_)]), "a new preview");
    alice.preview_done("peek", true, "would do it\n");
    assert!(alice.update(Action::Close).is_empty(), "a finished preview needs no stopping");
}

#[test]
fn a_follower_that_saw_a_firing_it_could_not_record_fires_it_once_it_judges() {
    let (mut alice, mut bob) = (console("alice"), console("bob"));
    judge_and_follower(&mut alice, &mut bob);
    assert!(fire(&mut bob, 2_000).is_empty(), "following: nothing recorded");
    // The judge died before recording; bob takes over while it still holds.
    bob.set_probing(Probing::ForRoom { since_ms: 2_500 });
    let took_over = fire(&mut bob, 3_000);
    assert!(
        matches!(took_over.as_slice(), [Effect::Append(Body::TriggerFired { .. }), Effect::Append(Body::RollbackProposed { .. })]),
        "seeing a firing while following started no cooldown of its own: {took_over:?}"
    );
}
