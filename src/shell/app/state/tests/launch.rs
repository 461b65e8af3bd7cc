//! Checklist and runbook keys as the room sees them.

use super::room::Room;
use super::*;
use crate::adapters::journal::Outcome;
use opsdeck_core::launch::{ItemStatus, StepStatus};

const LAUNCH_PLAN: &str = r#"
[deck]
name = "Test launch"
[defaults]
raise_after = 1
clear_after = 1
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
band = { target = "< 200", critical = "> 1000" }
[[checklist]]
id = "go"
items = ["Backups taken", { text = "API healthy", verify = "api", phase = "Launch" }]
[[runbook]]
id = "deploy"
steps = [
  { title = "Announce" },
  { title = "Migrate", run = "echo migrating" },
  { title = "Flip the flag", run = "echo flip", confirm = true },
]
"#;

fn console(name: &str) -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", LAUNCH_PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", 1_000).with_launch(crate::adapters::launch_docs::load(&plan));
    act_as(&mut s, Actor { name: name.into(), host: "h".into(), from: None });
    store_online(&mut s, true);
    s
}

#[test]
fn ticking_an_item_reaches_every_console_with_its_actor() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    alice.update(Action::ViewChecklist);
    assert_eq!(alice.focus(), Pane::Checklist);
    let effects = alice.update(Action::ItemTick);
    room.append(&alice, effects);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    let id = bob.launch().defs().checklists[0].phases[0].items[0].id.clone();
    let item = bob.progress().item(&id);
    assert_eq!(item.status, ItemStatus::Done);
    assert_eq!(item.by.unwrap().0.name, "alice");
    assert_eq!(bob.launch_tally().done, 1);
    let again = alice.update(Action::ItemTick);
    assert!(again.is_empty());
    assert!(alice.message().unwrap().text.contains("already done by alice"));
}

#[test]
fn skipping_needs_a_reason() {
    let mut s = console("alice");
    s.update(Action::ViewChecklist);
    s.update(Action::ItemSkip);
    assert!(s.update(Action::Submit).is_empty(), "no reason, no skip");
    for c in "not needed".chars() {
        s.type_char(c);
    }
    let effects = s.update(Action::Submit);
    assert!(matches!(effects.as_slice(), [Effect::Append(Body::ChecklistSkipped { reason, .. })] if reason == "not needed"));
}

#[test]
fn a_check_that_holds_ticks_its_item_once_with_evidence() {
    let mut s = console("alice");
    assert!(s.verify_items().is_empty(), "api has no data yet");
    s.apply_sample(&ok(0, 2_000, 120.0));
    let effects = s.verify_items();
    let [Effect::Append(Body::ChecklistTicked { evidence: Some(evidence), .. })] = effects.as_slice() else { panic!("{effects:?}") };
    assert!(evidence.starts_with("api 120ms OK at "), "{evidence}");
    assert!(s.verify_items().is_empty(), "asked once, waiting for the room");
    let mut failing = console("bob");
    failing.apply_sample(&ok(0, 2_000, 5_000.0));
    assert!(failing.verify_items().is_empty(), "a critical check ticks nothing");
    read_only(&mut failing);
    failing.apply_sample(&ok(0, 3_000, 100.0));
    assert!(failing.verify_items().is_empty(), "a read-only console ticks nothing");
}

#[test]
fn steps_walk_in_order_and_a_run_starts_only_when_its_claim_holds() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    for s in [&mut alice, &mut bob] {
        s.update(Action::ViewRunbook);
    }
    alice.update(Action::Down);
    assert!(alice.update(Action::StepRun).is_empty(), "step 2 waits for step 1");
    assert!(alice.message().unwrap().text.contains("step 1 comes first"));
    alice.update(Action::Up);
    let effects = alice.update(Action::StepRun);
    assert!(matches!(effects.as_slice(), [Effect::Append(Body::StepConfirmed { .. })]));
    room.append(&alice, effects);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    assert_eq!(alice.launch().step_selected(), 1, "the cursor follows to the next step");
    assert_eq!(bob.launch().step_selected(), 1);
    // Both press Enter on "Migrate" before either claim is back.
    let a = alice.update(Action::StepRun);
    let b = bob.update(Action::StepRun);
    room.append(&alice, a);
    room.append(&bob, b);
    let started_a = room.deliver(&mut alice);
    let started_b = room.deliver(&mut bob);
    assert!(matches!(started_a.as_slice(), [Effect::StartRun(StartRun { script, .. })] if script == "echo migrating"), "{started_a:?}");
    assert!(started_b.is_empty(), "bob's claim lost: {started_b:?}");
    assert!(bob.message().unwrap().text.contains("alice@h is running it"), "{:?}", bob.message());
    let Some(Effect::StartRun(run)) = started_a.into_iter().next() else { unreachable!() };
    let finished = Body::RunFinished {
        run: run.run,
        outcome: Outcome::Succeeded,
        exit_code: Some(0),
        duration_ms: 12,
        output: "migrating".into(),
        truncated: false,
    };
    room.append(&alice, vec![Effect::Append(finished)]);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    let migrate = bob.launch().defs().runbooks[0].steps[1].id.clone();
    assert_eq!(bob.progress().step("deploy", &migrate).status, StepStatus::Done);
    assert_eq!(bob.launch().step_selected(), 1, "the cursor stays on the run's output");
    assert!(bob.update(Action::StepRun).is_empty());
    assert_eq!(bob.launch().step_selected(), 2, "Enter on a finished step moves to the next");
    // "Flip the flag" is marked confirm: Enter opens a question first.
    assert!(bob.update(Action::StepRun).is_empty());
    assert!(matches!(bob.overlay(), Overlay::Form(_)));
    let claim = bob.update(Action::Submit);
    assert!(matches!(claim.as_slice(), [Effect::Append(Body::RunClaimed { .. })]), "{claim:?}");
}

#[test]
fn an_offline_console_does_not_claim() {
    let (mut s, mut room) = (console("alice"), Room::default());
    s.update(Action::ViewRunbook);
    let confirm = s.update(Action::StepRun);
    room.append(&s, confirm);
    room.deliver(&mut s);
    store_online(&mut s, false);
    assert!(s.update(Action::StepRun).is_empty());
    assert!(s.message().unwrap().text.contains("offline"), "{:?}", s.message());
}
