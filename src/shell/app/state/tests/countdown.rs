//! The nearest countdown, which the status bar always shows: an `auto`
//! proposal's, an incident's acknowledgement deadline or its next comms
//! update, whichever ends first (an overdue one first of all).

use super::*;
use crate::adapters::journal::{NewEvent, Status, Verdict};
use crate::shell::app::state::Countdown;

const PLAN: &str = r#"
[deck]
name = "Countdowns"
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
[[rollback]]
id = "previous-release"
run = "echo rolled back"
danger = "low"
"#;

const MINUTE: i64 = 60_000;
/// When the first event happened.
const T0: i64 = 1_795_615_200_000;

fn console() -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0).with_time_zone(jiff::tz::TimeZone::UTC);
    act_as(&mut s, Actor { name: "alice".into(), host: "h".into(), from: None });
    s
}

/// Folds `body` as the room's next event, at `at_ms`.
fn happened(s: &mut State, at_ms: i64, body: Body) {
    let seq = s.room().last_seq() + 1;
    s.apply_event(NewEvent::new(s.room().name(), s.room().actor(), at_ms, &body).stored(seq));
}

#[test]
fn the_nearest_of_the_rooms_countdowns_is_the_one_that_ends_first() {
    let mut s = console();
    assert_eq!(s.nearest_countdown(), None, "nothing counts down");

    // A P1 incident: acknowledge within an hour, update every hour.
    happened(&mut s, T0, Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() });
    s.set_now(T0 + 10 * MINUTE);
    assert_eq!(s.nearest_countdown(), Some(Countdown::Ack { incident: 1, remaining_ms: 50 * MINUTE }));

    // Acknowledged: its clock stops; the update is due an hour after the acknowledgement.
    happened(&mut s, T0 + 20 * MINUTE, Body::IncidentAcknowledged { incident: 1 });
    s.set_now(T0 + 30 * MINUTE);
    assert_eq!(s.nearest_countdown(), Some(Countdown::Update { incident: 1, remaining_ms: 50 * MINUTE }));

    // An auto proposal ends sooner.
    let deadline_ms = Some(T0 + 30 * MINUTE + 42_000);
    happened(
        &mut s,
        T0 + 30 * MINUTE,
        Body::RollbackProposed {
            trigger: "api-bad".into(),
            rollback: "previous-release".into(),
            reason: "api critical".into(),
            deadline_ms,
            on_no_answer: "run".into(),
            console: "c1".into(),
        },
    );
    assert_eq!(s.nearest_countdown(), Some(Countdown::Rollback { rollback: "previous-release".into(), runs: true, remaining_ms: 42_000 }));

    // Once decided it counts no more; a late update is the most pressing of all.
    happened(
        &mut s,
        T0 + 31 * MINUTE,
        Body::RollbackDecided { proposal: 3, rollback: "previous-release".into(), verdict: Verdict::Vetoed, no_answer: false },
    );
    s.set_now(T0 + 85 * MINUTE);
    assert_eq!(s.nearest_countdown(), Some(Countdown::Update { incident: 1, remaining_ms: -5 * MINUTE }));

    // A comms note restarts the update clock; a resolved incident counts nothing down.
    happened(&mut s, T0 + 85 * MINUTE, Body::IncidentNote { incident: 1, text: "Customers informed".into(), comms: true });
    assert_eq!(s.nearest_countdown(), Some(Countdown::Update { incident: 1, remaining_ms: 60 * MINUTE }));
    happened(&mut s, T0 + 86 * MINUTE, Body::IncidentStatus { incident: 1, from: Status::Investigating, to: Status::Resolved });
    assert_eq!(s.nearest_countdown(), None);
}
