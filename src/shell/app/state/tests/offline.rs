//! While the store is away: what this console queued shows here at once
//! as pending, is replaced (never doubled) by its stored copy, and the
//! banner, the count and the offline message follow the journal's health.

use super::*;
use crate::adapters::journal::NewEvent;
use crate::shell::app::state::QUEUED_OFFLINE;
use opsdeck_core::launch::ItemStatus;

const PLAN: &str = r#"
[deck]
name = "Offline"
room = "offline"
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
[[checklist]]
id = "go"
items = ["Backups taken", "Flag on"]
"#;

fn console() -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", 1_000).with_launch(crate::adapters::launch_docs::load(&plan));
    s.join_room("offline".into(), Actor { name: "alice".into(), host: "h".into(), from: None }, false);
    store_online(&mut s, true);
    s
}

/// The loop's part: each appended body becomes an event of this console.
fn made(s: &State, effects: Vec<Effect>) -> Vec<NewEvent> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Append(body) => Some(NewEvent::new(s.room().name(), s.room().actor(), s.now_ms(), &body)),
            _ => None,
        })
        .collect()
}

fn open_incident(s: &mut State, title: &str) -> Vec<Effect> {
    s.update(Action::IncidentNew);
    for c in title.chars() {
        s.type_char(c);
    }
    s.update(Action::Submit)
}

#[test]
fn an_incident_and_a_tick_queued_offline_show_at_once_and_are_replaced_by_their_stored_copies() {
    let mut s = console();
    let effects = open_incident(&mut s, "Checkout errors");
    let opened = made(&s, effects);
    assert_eq!(opened.len(), 1);
    s.update(Action::ViewChecklist);
    let ticked = made(&s, s.clone().update(Action::ItemTick));
    s.update(Action::ItemTick);
    // The journal queued both.
    s.store_health(false, 2);
    s.append_queued();
    s.queued_here(opened.clone());
    s.queued_here(ticked.clone());
    assert!(!s.room().store().online);
    assert_eq!(s.room().store().queued, 2);
    let pending = s.room().pending().incidents();
    assert_eq!(pending.len(), 1, "the incident shows here, as pending");
    assert_eq!(pending[0].title, "Checkout errors");
    assert!(s.room().incidents().is_empty(), "but it is not in the room");
    let item = s.launch().defs().items().next().map(|i| i.id.clone()).expect("an item");
    assert_eq!(s.room().pending().item(&item), Some(ItemStatus::Done));
    assert_eq!(s.progress().item(&item).status, ItemStatus::Open);
    // A second tick of the same item while it is queued is refused: it would be a second event.
    assert!(s.update(Action::ItemTick).is_empty());
    assert!(s.message().is_some_and(|m| m.text.contains("queued here")), "{:?}", s.message());

    // The store is back: the flush stored both, and the journal says so.
    s.say(QUEUED_OFFLINE);
    s.store_health(true, 0);
    assert!(s.room().store().online);
    assert_eq!(s.room().store().queued, 0);
    assert_eq!(s.message(), None, "the offline message is gone");
    let stored: Vec<Event> = opened.into_iter().chain(ticked).enumerate().map(|(i, e)| e.stored(i as i64 + 1)).collect();
    for e in stored.clone() {
        s.apply_event(e);
    }
    assert!(s.room().pending().is_empty());
    assert_eq!(s.room().incidents().len(), 1, "one incident: the stored copy, not two");
    assert_eq!(s.progress().item(&item).status, ItemStatus::Done);
    // A late "queued" for an event already stored adds nothing.
    s.queued_here(vec![NewEvent::new(
        "offline",
        &s.room().actor().clone(),
        1_000,
        &Body::IncidentNote { incident: 1, text: "x".into(), comms: false },
    )]);
    let again = NewEvent {
        key: stored[0].key.clone(),
        ..NewEvent::new(
            "offline",
            &s.room().actor().clone(),
            1_000,
            &Body::IncidentOpened { title: "Checkout errors".into(), severity: "P2".into() },
        )
    };
    s.queued_here(vec![again]);
    assert!(s.room().pending().incidents().is_empty(), "already stored: not pending again");
}

#[test]
fn health_clears_only_the_offline_message() {
    let mut s = console();
    s.error("not run: bob@h is running plain since 14:02");
    s.store_health(true, 0);
    assert!(s.message().is_some(), "another message stays");
    s.append_queued();
    s.store_health(true, 1);
    assert!(s.message().is_some(), "still queued: the message stays");
    s.store_health(true, 0);
    assert!(s.message().is_none());
}
