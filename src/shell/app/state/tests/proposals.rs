//! How proposals close, once for the room: an `auto` countdown under the
//! two-person rule ending in a request, proposals expiring (recovered, or
//! unanswered) and frozen into advice.

use super::rollback::{PLAN, console, console_with, fire, judge_and_follower, msg, select, started};
use super::room::Room;
use super::*;
use crate::adapters::journal::Verdict;

/// The whole frame as the console draws it, with the default keymap.
fn screen(s: &State) -> String {
    let keymap = crate::shell::keymap::KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }
        .load("default")
        .expect("default keymap");
    let theme = crate::shell::theme::ThemeLoader::new(None, ".".into()).load("dark").map(|(t, _)| t).expect("dark theme");
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 50)).expect("test terminal");
    let view = crate::shell::ui::View { state: s, theme: &theme, keymap: &keymap, ascii: false };
    terminal
        .draw(|f| {
            crate::shell::ui::render(f, &view);
        })
        .expect("draw");
    format!("{}", terminal.backend())
}

fn kinds(room: &Room) -> Vec<&str> {
    room.events.iter().map(|e| e.kind.as_str()).collect()
}

const SEVERITIES: &str = "\n[[severity]]\nid = \"SEV1\"\nname = \"Major\"\nrespond_within = \"15m\"\ntwo_person = true\n";

#[test]
fn an_auto_countdown_under_the_two_person_rule_ends_waiting_for_approval_never_in_a_run() {
    // The rollback's own rule, and the one an open SEV1 incident imposes.
    let own = PLAN.replace("propose = \"plain\"", "propose = \"twoman\"");
    let by_severity = format!("{PLAN}{SEVERITIES}");
    for (plan, action, command) in [(own.as_str(), "twoman", "echo two"), (by_severity.as_str(), "plain", "echo rolling back")] {
        let (mut alice, mut bob, mut room) = (console_with(plan, "alice"), console_with(plan, "bob"), Room::default());
        if action == "plain" {
            room.append(&alice, vec![Effect::Append(Body::IncidentOpened { title: "Payments down".into(), severity: "SEV1".into() })]);
        }
        let a = fire(&mut alice, 2_000);
        room.append(&alice, a);
        room.deliver(&mut alice);
        room.deliver(&mut bob);
        alice.set_now(12_100);
        let over = alice.tick_triggers();
        let [Effect::Append(Body::RollbackRequested { action: asked, .. })] = over.as_slice() else {
            panic!("{action}: the countdown asks for approval instead of running: {over:?}")
        };
        assert_eq!(asked, action);
        assert!(msg(&alice).contains(&format!("{action} waits for a second person's approval")), "{}", msg(&alice));
        room.append(&alice, over);
        assert!(room.deliver(&mut alice).is_empty(), "{action}: nothing is claimed on no answer");
        room.deliver(&mut bob);
        alice.set_now(13_000);
        assert!(alice.tick_triggers().is_empty(), "{action}: the countdown ended once");
        for s in [&mut alice, &mut bob] {
            let p = s.rollback().rollbacks().open_proposal(action).expect("still proposed");
            assert!(p.waits_for_approval(), "{action}");
            select(s, action);
            let shown = screen(s);
            assert!(shown.contains("waiting for a second person's approval · proposed by api-bad, alice asked at"), "{action}:\n{shown}");
            assert!(shown.contains(&format!("PROPOSED {action}: waiting for a second person's approval")), "{action}:\n{shown}");
        }
        // Alice cannot approve her console's own request; bob can, and alice's console runs it.
        assert!(alice.update(Action::RollbackApprove).is_empty());
        let approve = bob.update(Action::RollbackApprove);
        room.append(&bob, approve);
        let run = room.deliver(&mut alice);
        assert!(
            matches!(
                run.as_slice(),
                [
                    Effect::Append(Body::RollbackDecided { verdict: Verdict::Run, no_answer: false, .. }),
                    Effect::Append(Body::RunClaimed { .. })
                ]
            ),
            "{action}: {run:?}"
        );
        room.append(&alice, run);
        assert_eq!(started(&room.deliver(&mut alice)), vec![command.to_string()]);
        let tail: Vec<&str> = kinds(&room).into_iter().rev().take(5).collect();
        assert_eq!(tail, ["run.claimed", "rollback.decided", "rollback.approved", "rollback.requested", "rollback.proposed"], "{action}");
    }
}

#[test]
fn a_proposal_expires_once_when_the_api_recovers_and_then_cannot_be_confirmed_vetoed_or_counted_down() {
    let (mut alice, mut bob, mut carol, mut room) = (console("alice"), console("bob"), console("carol"), Room::default());
    let a = fire(&mut alice, 2_000);
    room.append(&alice, a);
    for s in [&mut alice, &mut bob, &mut carol] {
        room.deliver(s);
    }
    // Bob opens the confirmation while it is proposed; carol confirms before she hears of the expiry.
    bob.update(Action::RollbackRun);
    carol.update(Action::RollbackRun);
    let late = carol.update(Action::Submit);
    // The api answers well again: with `clear_after = 1` one sample clears the condition.
    alice.apply_sample(&super::ok(0, 4_000, 80.0));
    alice.set_now(4_000);
    let expired = alice.tick_triggers();
    assert!(
        matches!(expired.as_slice(), [Effect::Append(Body::RollbackExpired { cause: crate::adapters::journal::Expiry::Cleared, detail, .. })] if detail == "api recovered"),
        "{expired:?}"
    );
    room.append(&alice, expired);
    alice.set_now(4_500);
    assert!(alice.tick_triggers().is_empty(), "recorded once");
    room.append(&carol, late);
    for s in [&mut alice, &mut bob] {
        room.deliver(s);
    }
    assert!(room.deliver(&mut carol).is_empty(), "carol's confirmation came after the expiry: nothing runs");
    assert_eq!(msg(&carol), "not run: the proposal closed first (expired: api recovered)");
    for s in [&alice, &bob, &carol] {
        let p = &s.rollback().rollbacks().proposals[0];
        assert!(!p.is_open() && p.decided.is_none(), "closed, undecided, the same on every console");
    }
    assert!(bob.update(Action::Submit).is_empty(), "bob's confirmation does not run an expired proposal");
    let Overlay::Form(form) = bob.overlay() else { panic!("the confirmation stays open") };
    assert!(
        form.error.as_deref().unwrap_or("").starts_with("not run: the proposal is closed (expired: api recovered)"),
        "{:?}",
        form.error
    );
    bob.update(Action::Close);
    assert!(bob.update(Action::RollbackVeto).is_empty());
    assert_eq!(msg(&bob), "nothing to veto: the proposal of plain is closed (expired: api recovered)");
    alice.set_now(12_100);
    assert!(alice.tick_triggers().is_empty(), "no countdown decides an expired proposal");
    let text = opsdeck_core::domain::timeline::describe(&room.events[2], &[]);
    assert_eq!(text, "The proposal of rollback plain expired: api recovered");
    assert!(screen(&bob).contains("proposed by api-bad, expired: api recovered"), "{}", screen(&bob));
}

#[test]
fn an_unanswered_proposal_expires_after_expire_after() {
    let plan = PLAN.replace("mode = \"auto\"", "mode = \"confirm\"\nexpire_after = \"1m\"");
    let (mut alice, mut bob, mut room) = (console_with(&plan, "alice"), console_with(&plan, "bob"), Room::default());
    judge_and_follower(&mut alice, &mut bob);
    let a = fire(&mut alice, 2_000);
    room.append(&alice, a);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    alice.set_now(61_999);
    assert!(alice.tick_triggers().is_empty(), "not a minute yet");
    bob.set_now(62_000);
    assert!(bob.tick_triggers().is_empty(), "bob follows the room's judge: he does not expire it");
    alice.set_now(62_000);
    let expired = alice.tick_triggers();
    assert!(
        matches!(expired.as_slice(), [Effect::Append(Body::RollbackExpired { cause: crate::adapters::journal::Expiry::Unanswered, detail, .. })] if detail == "1m"),
        "{expired:?}"
    );
    room.append(&alice, expired);
    room.deliver(&mut bob);
    assert!(bob.update(Action::RollbackVeto).is_empty());
    assert_eq!(msg(&bob), "nothing to veto: the proposal of plain is closed (expired after 1m unanswered)");
    // Pressing run now rolls back by hand, and the confirmation says so.
    bob.update(Action::RollbackRun);
    let Overlay::Form(form) = bob.overlay() else { panic!("a confirmation") };
    assert!(
        form.notes
            .iter()
            .any(|n| n == "trigger api-bad proposed it, but its proposal is closed (expired after 1m unanswered): this runs it by hand"),
        "{:?}",
        form.notes
    );
}

#[test]
fn a_freeze_turns_an_open_proposal_into_advice_and_an_unfreeze_does_not_reopen_it() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    let a = fire(&mut alice, 2_000);
    room.append(&alice, a);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    bob.update(Action::RollbackRun);
    bob.set_now(3_000);
    room.append(&bob, vec![Effect::Append(Body::Marker { text: "freeze: migration 42 is irreversible".into() })]);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    alice.set_now(12_100);
    assert!(alice.tick_triggers().is_empty(), "a frozen proposal is not counted down");
    assert!(bob.update(Action::Submit).is_empty(), "nor confirmed");
    let Overlay::Form(form) = bob.overlay() else { panic!("the confirmation stays open") };
    assert!(
        form.error
            .as_deref()
            .unwrap_or("")
            .starts_with("not run: the proposal is closed (advice only: frozen by “freeze: migration 42 is irreversible”)"),
        "{:?}",
        form.error
    );
    bob.update(Action::Close);
    bob.update(Action::RollbackVeto);
    assert!(msg(&bob).contains("advice only: frozen by “freeze: migration 42 is irreversible”"), "{}", msg(&bob));
    for s in [&alice, &bob] {
        let shown = screen(s);
        assert!(shown.contains("ADVICE from api-bad: frozen by “freeze: migration 42 is irreversible”"), "{shown}");
        assert!(shown.contains("ADVICE (frozen by “freeze: migration 42 is irreversible”): consider plain"), "{shown}");
    }
    bob.set_now(13_000);
    room.append(&bob, vec![Effect::Append(Body::Marker { text: "unfreeze: migration verified".into() })]);
    room.deliver(&mut alice);
    alice.set_now(14_000);
    assert!(alice.tick_triggers().is_empty(), "the unfreeze does not reopen it");
    assert!(alice.rollback().rollbacks().open_proposal("plain").is_none());
    assert!(screen(&alice).contains("ADVICE from api-bad"), "still advice after the unfreeze");
}

#[test]
fn a_request_waiting_for_a_proposal_is_withdrawn_when_a_freeze_closes_it() {
    let plan = format!("{PLAN}{SEVERITIES}");
    let (mut alice, mut bob, mut room) = (console_with(&plan, "alice"), console_with(&plan, "bob"), Room::default());
    room.append(&alice, vec![Effect::Append(Body::IncidentOpened { title: "Payments down".into(), severity: "SEV1".into() })]);
    let a = fire(&mut alice, 2_000);
    room.append(&alice, a);
    room.deliver(&mut alice);
    room.deliver(&mut bob);
    // Bob presses run on the proposal: under the SEV1 rule that asks for approval.
    bob.update(Action::RollbackRun);
    let req = bob.update(Action::Submit);
    assert!(matches!(req.as_slice(), [Effect::Append(Body::RollbackRequested { .. })]), "{req:?}");
    room.append(&bob, req);
    room.append(&alice, vec![Effect::Append(Body::Marker { text: "freeze".into() })]);
    room.deliver(&mut bob);
    assert_eq!(msg(&bob), "plain no longer waits for approval: its proposal is advice only under the freeze “freeze”");
    room.deliver(&mut alice);
    assert!(alice.update(Action::RollbackApprove).is_empty());
    assert_eq!(msg(&alice), "not approved: its proposal is advice only under the freeze “freeze”");
}
