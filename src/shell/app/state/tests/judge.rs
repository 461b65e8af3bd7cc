//! One judge per room: the console holding the prober lease records its
//! checks' state changes; a follower shows exactly those, in the judge's
//! words, never its own; `local` checks are judged by each console; a
//! follower that takes over judges on from the room's last state.

use super::room::Room;
use super::*;
use crate::shell::app::probing::Probing;

const PLAN: &str = r#"
[deck]
name = "judge"
[defaults]
raise_after = 2
clear_after = 2
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
band = { target = "< 200", critical = "> 1000" }
[[check]]
id = "disk"
command = { run = "df" }
local = true
"#;

fn console(name: &str) -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", 0);
    act_as(&mut s, Actor { name: name.into(), host: "bastion-1".into(), from: None });
    store_online(&mut s, true);
    s
}

fn appended_states(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Append(Body::CheckState { check, to, .. }) => Some((check.clone(), to.label().to_string())),
            _ => None,
        })
        .collect()
}

#[test]
fn every_console_shows_the_judges_state_and_reason() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    alice.set_probing(Probing::ForRoom { since_ms: 0 });
    bob.set_probing(Probing::Following { prober: alice.room().actor().clone(), since_ms: 0 });
    for (n, ms) in [100.0, 1500.0, 1500.0].into_iter().enumerate() {
        let at = 1_000 * (n as i64 + 1);
        let recorded = alice.apply_sample(&ok(0, at, ms));
        // The follower gets the same sample from the room's samples, and judges nothing itself.
        assert!(bob.apply_sample(&ok(0, at, ms)).is_empty());
        room.append(&alice, recorded);
        room.deliver(&mut bob);
        let (a, b) = (&alice.metrics().board().rows[0], &bob.metrics().board().rows[0]);
        assert_eq!((a.health(), a.eval.reason(), a.eval.since_ms()), (b.health(), b.eval.reason(), b.eval.since_ms()), "after {ms}");
    }
    let kinds: Vec<_> = room.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["check.state", "check.state"], "first sample, then the raise: {:?}", room.events);
    assert_eq!(bob.metrics().board().rows[0].health(), opsdeck_core::metrics::Health::Critical);
    assert_eq!(bob.metrics().changes().len(), 2, "the follower's changes pane shows the judge's changes");
    // Staleness is the judge's call too.
    assert!(bob.tick(999_000).is_empty());
    assert_eq!(bob.metrics().board().rows[0].health(), opsdeck_core::metrics::Health::Critical);
    assert_eq!(appended_states(&alice.tick(999_000)), [("api".to_string(), "UNKNOWN".to_string())]);
}

#[test]
fn a_local_check_is_judged_by_each_console_and_never_recorded() {
    let (mut alice, mut bob) = (console("alice"), console("bob"));
    alice.set_probing(Probing::ForRoom { since_ms: 0 });
    bob.set_probing(Probing::Following { prober: alice.room().actor().clone(), since_ms: 0 });
    let reading = |at| Sample { check: 1, at_ms: at, latency_ms: 1.0, result: Ok(Reading::new().with("value", 42.0)) };
    assert!(appended_states(&alice.apply_sample(&reading(1_000))).is_empty(), "a local check's state is not the room's");
    assert!(bob.apply_sample(&reading(1_000)).is_empty());
    assert!(alice.metrics().board().rows[1].health().holds());
    assert!(bob.metrics().board().rows[1].health().holds(), "bob judged his own reading");
}

#[test]
fn a_follower_that_takes_over_starts_from_the_rooms_last_state() {
    let (mut alice, mut bob, mut room) = (console("alice"), console("bob"), Room::default());
    alice.set_probing(Probing::ForRoom { since_ms: 0 });
    for at in [1_000, 2_000] {
        let recorded = alice.apply_sample(&ok(0, at, 1500.0));
        room.append(&alice, recorded);
    }
    // Bob joins late: he has none of the samples, only the room's record.
    room.deliver(&mut bob);
    bob.set_probing(Probing::Following { prober: alice.room().actor().clone(), since_ms: 0 });
    assert_eq!(bob.metrics().board().rows[0].health(), opsdeck_core::metrics::Health::Critical, "adopted on joining");
    bob.set_probing(Probing::ForRoom { since_ms: 3_000 });
    assert!(appended_states(&bob.apply_sample(&ok(0, 3_000, 1500.0))).is_empty(), "still critical: no change to record");
    assert!(appended_states(&bob.apply_sample(&ok(0, 4_000, 100.0))).is_empty(), "clear_after 2: not yet");
    assert_eq!(appended_states(&bob.apply_sample(&ok(0, 5_000, 100.0))), [("api".to_string(), "OK".to_string())]);
}
