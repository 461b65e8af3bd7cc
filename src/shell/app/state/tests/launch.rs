//! Checklist and runbook keys as the room sees them.

use super::room::Room;
use super::*;
use crate::adapters::journal::{NewEvent, Outcome};
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
    let [Effect::AppendOnce { body: Body::ChecklistTicked { evidence: Some(evidence), .. }, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(evidence.starts_with("api 120ms OK at "), "{evidence}");
    assert!(s.verify_items().is_empty(), "asked once, waiting for the room");
    let mut failing = console("bob");
    failing.apply_sample(&ok(0, 2_000, 5_000.0));
    assert!(failing.verify_items().is_empty(), "a critical check ticks nothing");
    read_only(&mut failing);
    failing.apply_sample(&ok(0, 3_000, 100.0));
    assert!(failing.verify_items().is_empty(), "a read-only console ticks nothing");
}

/// The automatic ticks among `effects`, as (item, key).
fn verify_ticks(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::AppendOnce { body: Body::ChecklistTicked { item, .. }, key } => Some((item.clone(), key.clone())),
            _ => None,
        })
        .collect()
}

/// How many `checklist.ticked` events the room stored.
fn ticks_in(room: &Room) -> usize {
    room.events.iter().filter(|e| matches!(e.body(), Some(Body::ChecklistTicked { .. }))).count()
}

#[test]
fn an_undone_item_stays_undone_for_the_room_until_its_check_holds_anew() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    let api = alice.launch().defs().checklists[0].phases[1].items[0].id.clone();
    let sample_all = |consoles: [&mut State; 2], at: i64, ms: f64, room: &mut Room| {
        for s in consoles {
            s.set_now(at);
            s.apply_sample(&ok(0, at, ms));
            let effects = s.verify_items();
            room.append(s, effects);
        }
    };
    // Both see the check hold: the same key, one tick for the room.
    sample_all([&mut alice, &mut bob], 2_000, 120.0, &mut room);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    assert_eq!(ticks_in(&room), 1, "two consoles, one tick");
    assert_eq!(bob.progress().item(&api).status, ItemStatus::Done);

    // Alice undoes it; the check still holds everywhere: it stays undone.
    alice.set_now(3_000);
    alice.update(Action::ViewChecklist);
    alice.update(Action::Down);
    let undo = alice.update(Action::ItemUndo);
    assert!(matches!(undo.as_slice(), [Effect::Append(Body::ChecklistUndone { .. })]), "{undo:?}");
    room.append(&alice, undo);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    for at in [4_000, 4_500] {
        for s in [&mut alice, &mut bob] {
            s.set_now(at);
            s.apply_sample(&ok(0, at, 110.0));
            assert_eq!(verify_ticks(&s.verify_items()), vec![], "{}: the check held before the undo", s.room().actor().name);
        }
    }
    assert_eq!(alice.progress().item(&api).status, ItemStatus::Open);

    // A console that starts now sees the check hold from its first sample: no transition to OK either.
    let mut carol = console("carol");
    room.deliver(&mut carol);
    carol.set_now(4_800);
    carol.apply_sample(&ok(0, 4_800, 100.0));
    assert_eq!(verify_ticks(&carol.verify_items()), vec![], "a restart is not a transition to OK");

    // The check fails and comes back: a new transition to OK ticks it again, once for the room.
    sample_all([&mut alice, &mut bob], 5_000, 5_000.0, &mut room);
    alice.set_now(6_000);
    alice.apply_sample(&ok(0, 6_000, 120.0));
    bob.set_now(6_000);
    bob.apply_sample(&ok(0, 6_000, 130.0));
    let (a, b) = (alice.verify_items(), bob.verify_items());
    assert_eq!(verify_ticks(&a).len(), 1, "{a:?}");
    assert_eq!(verify_ticks(&a), verify_ticks(&b), "both consoles make the same tick");
    room.append(&alice, a);
    room.append(&bob, b);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    assert_eq!(ticks_in(&room), 2, "one more tick for the room");
    assert_eq!(alice.progress().item(&api).status, ItemStatus::Done);
    assert_eq!(verify_ticks(&alice.verify_items()), vec![], "done: nothing more");

    // A person can still tick an undone item by hand.
    alice.set_now(7_000);
    let undo = alice.update(Action::ItemUndo);
    room.append(&alice, undo);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    bob.update(Action::ViewChecklist);
    bob.update(Action::Down);
    let tick = bob.update(Action::ItemTick);
    assert!(matches!(tick.as_slice(), [Effect::Append(Body::ChecklistTicked { evidence: None, .. })]), "{tick:?}");
    room.append(&bob, tick);
    room.deliver(&mut alice);
    assert_eq!(alice.progress().item(&api).by.map(|(a, _)| a.name), Some("bob".into()));
}

#[test]
fn a_tick_waiting_in_the_spool_is_not_asked_for_again() {
    let mut s = console("alice");
    s.apply_sample(&ok(0, 2_000, 120.0));
    let Some(Effect::AppendOnce { body, key }) = s.clone().verify_items().into_iter().next() else { panic!("no tick") };
    // An earlier run queued this tick; this one starts with it pending.
    let queued = NewEvent { key, ..NewEvent::new(s.room().name(), s.room().actor(), 1_500, &body) };
    s.queued_here(vec![queued.clone()]);
    assert_eq!(verify_ticks(&s.verify_items()), vec![], "the queued tick is the one");
    s.apply_event(queued.stored(1));
    assert!(s.room().pending().is_empty());
    assert_eq!(verify_ticks(&s.verify_items()), vec![], "done");
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
