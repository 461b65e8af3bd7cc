//! Two consoles on one PostgreSQL room: what one appends, the other folds
//! at once (notified, not at its next safety poll), and their states
//! converge. A read-only console's append is refused by the journal itself.

mod common;

use std::time::{Duration, Instant};

use opsdeck::adapters::journal::{Actor, Body, Journal, Status};
use opsdeck::shell::app::journal_link::{FromJournal, JournalLink};
use opsdeck::shell::app::room::RoomState;
use opsdeck_core::config::sections::default_severities;

fn actor(name: &str) -> Actor {
    Actor { name: name.into(), host: "test".into(), from: None }
}

fn room_name() -> String {
    format!("war-room-test-{:08x}", fastrand::u32(..))
}

/// Folds messages from `link` into `state` until `done(state)` or the deadline.
async fn fold_until(link: &mut JournalLink, state: &mut RoomState, within: Duration, done: impl Fn(&RoomState) -> bool) -> bool {
    let deadline = Instant::now() + within;
    while !done(state) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, link.messages.recv()).await {
            Ok(Some(FromJournal::Events(events))) => {
                for e in events {
                    state.apply(e);
                }
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return false,
        }
    }
    true
}

#[tokio::test(flavor = "multi_thread")]
async fn two_consoles_converge_at_once() {
    let url = common::postgres_url();
    let room = room_name();
    let a = Journal::open(Some(&url), &room, actor("alice"), false).await.expect("journal a");
    let b = Journal::open(Some(&url), &room, actor("bob"), false).await.expect("journal b");
    let mut link_a = JournalLink::start(a);
    let mut link_b = JournalLink::start(b);
    let mut state_a = RoomState::new(room.clone(), actor("alice"), false, default_severities());
    let mut state_b = RoomState::new(room.clone(), actor("bob"), false, default_severities());
    // Both followers listen before the first append.
    common::wait_for_listeners(&room, 2).await;

    link_a.append(Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }).expect("queued for append");
    let sent = Instant::now();
    // Notified: well before the follower's safety poll (every 5 s) would read it.
    assert!(
        fold_until(&mut link_b, &mut state_b, Duration::from_secs(4), |s| !s.incidents().is_empty()).await,
        "bob saw the incident at once"
    );
    let seen_after = sent.elapsed();
    let incident = state_b.incidents().list(&default_severities()).next().expect("one incident").clone();
    assert_eq!(incident.opened_by.name, "alice", "with the actor's name");

    link_b
        .append(Body::IncidentSeverity { incident: incident.id, from: "P1".into(), to: "P0".into(), reason: "all regions".into() })
        .expect("queued");
    link_a.append(Body::IncidentStatus { incident: incident.id, from: Status::Investigating, to: Status::Identified }).expect("queued");
    let both = |s: &RoomState| s.events().len() == 3;
    assert!(fold_until(&mut link_a, &mut state_a, common::PATIENCE, both).await, "alice has all three");
    assert!(fold_until(&mut link_b, &mut state_b, common::PATIENCE, both).await, "bob has all three");
    let seqs = |s: &RoomState| s.events().iter().map(|e| (e.seq, e.key.clone())).collect::<Vec<_>>();
    assert_eq!(seqs(&state_a), seqs(&state_b), "the same events in the same order");
    let (ia, ib) = (state_a.incidents().get(incident.id).expect("a"), state_b.incidents().get(incident.id).expect("b"));
    assert_eq!((ia.severity.as_str(), ia.status), ("P0", Status::Identified));
    assert_eq!((ib.severity.as_str(), ib.status), (ia.severity.as_str(), ia.status));
    eprintln!("propagation from alice's append to bob's fold: {seen_after:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_console_cannot_append() {
    let url = common::postgres_url();
    let room = room_name();
    let watcher = Journal::open(Some(&url), &room, actor("carol"), true).await.expect("journal");
    let err = watcher.record(&Body::IncidentOpened { title: "x".into(), severity: "P3".into() }).await.expect_err("refused");
    assert!(format!("{err:#}").contains("read-only"), "{err:#}");
    assert!(watcher.sync(0).await.expect("readable").is_empty(), "nothing was written");
}
