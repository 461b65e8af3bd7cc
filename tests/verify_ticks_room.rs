//! Items ticked by their verifying check, across a room on the real
//! PostgreSQL: consoles driven as the loop drives them (the state the loop
//! starts with, a `JournalLink` whose messages are folded by the loop's own
//! `from_journal`, samples handed in), the store cut through a proxy where
//! the test needs it offline.
//!
//! - An undo sticks for the whole room while the check still holds from
//!   before it; a new transition to OK ticks the item again, once for the
//!   room however many consoles see it.
//! - A console that starts offline with ticks waiting in its spool does not
//!   queue them again; when the store is back each item is ticked once.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::proxy::Proxy;
use opsdeck::adapters::journal::{Actor, AnyStore, Appended, Body, Journal, PgStore, Spool, read_all};
use opsdeck::adapters::probe::Reading;
use opsdeck::adapters::probe::schedule::Sample;
use opsdeck::shell::action::Action;
use opsdeck::shell::app::console::{from_journal, starting_state};
use opsdeck::shell::app::journal_link::{FromJournal, JournalLink};
use opsdeck::shell::app::state::{Effect, State};
use opsdeck_core::config::{Plan, Source, parse_source};
use opsdeck_core::event::fresh_key;
use opsdeck_core::launch::ItemStatus;

const PLAN: &str = r#"
[deck]
name = "Verified launch"
[defaults]
raise_after = 1
clear_after = 1
stale_after = "1h"
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/health" }
band = { target = "< 200", critical = "> 1s" }
[[check]]
id = "db"
http = { url = "http://127.0.0.1:1/db" }
band = { target = "< 200", critical = "> 1s" }
[[checklist]]
id = "go"
items = [{ text = "API healthy", verify = "api" }, { text = "DB healthy", verify = "db" }, "Announce"]
"#;

/// The plan's checks, by their row on the board.
const API: usize = 0;
const DB: usize = 1;

fn plan() -> Plan {
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    plan.unwrap_or_else(|| panic!("{}", d.render(&[])))
}

/// One console: its journal and link, its state, and how the appends the
/// console made by itself were answered.
struct Console {
    journal: Journal,
    link: JournalLink,
    state: State,
    recorded: Vec<Result<Appended, String>>,
}

impl Console {
    /// Starts as the loop does, on `store`, spooling to `spool`.
    async fn start(store: PgStore, room: &str, name: &str, spool: &Path) -> Console {
        let spool = Spool::open(spool).await.expect("spool");
        let actor = Actor { name: name.into(), host: "test".into(), from: None };
        let journal = Journal::new(AnyStore::Postgres(store), room, actor, false, Some(spool)).expect("journal");
        let plan = plan();
        let launch = opsdeck::adapters::launch_docs::load(&plan);
        let state = starting_state(&plan, "dark", &journal, launch, now_ms()).await;
        Console { link: JournalLink::start(journal.clone()), journal, state, recorded: Vec::new() }
    }

    /// Folds what the link says, as the loop does, until `done` or `within`.
    async fn fold_until(&mut self, within: Duration, done: impl Fn(&Console) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.link.messages.recv()).await {
                Ok(Some(msg)) => {
                    if let FromJournal::Recorded(r) = &msg {
                        self.recorded.push(r.clone());
                    }
                    self.state.set_now(now_ms());
                    let effects = from_journal(&mut self.state, msg, "postgres");
                    self.carry_out(effects, false);
                }
                Ok(None) | Err(_) => return done(self),
            }
        }
        true
    }

    /// The loop's part for appends: a key's are the user's, the rest the console's.
    fn carry_out(&mut self, effects: Vec<Effect>, users: bool) {
        for e in effects {
            match e {
                Effect::Append(body) if users => self.link.append(body).expect("the link takes it"),
                Effect::Append(body) => self.link.record(body, None).expect("the link takes it"),
                Effect::AppendOnce { body, key } => self.link.record(body, Some(key)).expect("the link takes it"),
                other => panic!("not expected here: {other:?}"),
            }
        }
    }

    fn act(&mut self, action: Action) {
        self.state.set_now(now_ms());
        let effects = self.state.update(action);
        self.carry_out(effects, true);
    }

    /// A sample of `check` answering in `ms` at `at_ms`, and the automatic
    /// ticks it sets off (carried out); returns the items they tick.
    fn sample(&mut self, check: usize, at_ms: i64, ms: f64) -> Vec<String> {
        self.state.set_now(at_ms);
        let reading = Reading::new().with("latency_ms", ms);
        self.state.apply_sample(&Sample { check, at_ms, latency_ms: 3.0, result: Ok(reading) });
        let effects = self.state.verify_items();
        let items = effects
            .iter()
            .filter_map(|e| match e {
                Effect::AppendOnce { body: Body::ChecklistTicked { item, .. }, .. } => Some(item.clone()),
                _ => None,
            })
            .collect();
        self.carry_out(effects, false);
        items
    }

    fn item(&self, n: usize) -> String {
        self.state.launch().defs().items().nth(n).map(|i| i.id.clone()).expect("the plan's item")
    }

    fn status(&self, n: usize) -> ItemStatus {
        self.state.progress().item(&self.item(n)).status
    }

    /// The console's own appends answered so far were all stored.
    fn recorded_stored(&self, n: usize) -> bool {
        self.recorded.len() >= n && self.recorded.iter().all(|r| matches!(r, Ok(Appended::Stored(_))))
    }
}

fn now_ms() -> i64 {
    opsdeck::adapters::journal::store::now_ms()
}

fn room(prefix: &str) -> String {
    format!("{prefix}-{}", &fresh_key()[..12])
}

async fn direct() -> PgStore {
    let url = common::postgres_url();
    PgStore::connect(&url).await.unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e:?}"))
}

/// How many `checklist.ticked` events of `item` the room stored.
async fn ticks_of(store: &PgStore, room: &str, item: &str) -> usize {
    let events = read_all(store, room, 0, 100).await.expect("the room's events");
    events.iter().filter(|e| matches!(e.body(), Some(Body::ChecklistTicked { item: i, .. }) if i == item)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_undo_sticks_for_the_room_until_the_check_makes_a_new_transition_to_ok() {
    let admin = direct().await;
    let room = room("verify-undo");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut alice = Console::start(direct().await, &room, "alice", &dir.path().join("alice.db")).await;
    let mut bob = Console::start(direct().await, &room, "bob", &dir.path().join("bob.db")).await;
    let item = alice.item(0);
    let wait = Duration::from_secs(10);

    // Both consoles see the check hold: one tick for the room.
    let t = now_ms();
    assert_eq!(alice.sample(API, t, 120.0), vec![item.clone()]);
    assert_eq!(bob.sample(API, t, 130.0), vec![item.clone()]);
    for c in [&mut alice, &mut bob] {
        assert!(c.fold_until(wait, |c| c.status(0) == ItemStatus::Done && c.recorded_stored(1)).await, "{:?}", c.recorded);
    }
    assert_eq!(ticks_of(&admin, &room, &item).await, 1, "two consoles asked, the room stored one tick");

    // Alice undoes it.
    alice.act(Action::ViewChecklist);
    alice.act(Action::ItemUndo);
    for c in [&mut alice, &mut bob] {
        assert!(c.fold_until(wait, |c| c.status(0) == ItemStatus::Open).await, "the undo reached {}", c.state.room().actor().name);
    }
    let undone_at = alice.state.progress().item(&item).undone.map(|(_, at)| at).expect("the undo's time");

    // The check still holds from before the undo: no console ticks it again.
    for at in [undone_at + 1, undone_at + 2] {
        assert_eq!(alice.sample(API, at.max(now_ms()), 110.0), Vec::<String>::new(), "alice: the undo sticks");
        assert_eq!(bob.sample(API, at.max(now_ms()), 115.0), Vec::<String>::new(), "bob: the undo sticks");
    }
    // Nor does a console that joins the room now, seeing the check hold from its first sample.
    let mut carol = Console::start(direct().await, &room, "carol", &dir.path().join("carol.db")).await;
    let last = alice.state.room().last_seq();
    assert!(carol.fold_until(wait, |c| c.state.room().last_seq() >= last).await, "carol read the room");
    assert_eq!(carol.status(0), ItemStatus::Open);
    assert_eq!(carol.sample(API, (undone_at + 3).max(now_ms()), 100.0), Vec::<String>::new(), "carol: the undo sticks");

    // The check fails and comes back after the undo: a new transition to
    // OK ticks the item again, on every console that saw it, once for the room.
    let t = (undone_at + 4).max(now_ms());
    for c in [&mut alice, &mut bob] {
        assert_eq!(c.sample(API, t, 5_000.0), Vec::<String>::new(), "critical ticks nothing");
        assert_eq!(c.sample(API, t + 1, 120.0), vec![item.clone()], "{}: the check is OK again", c.state.room().actor().name);
    }
    for c in [&mut alice, &mut bob] {
        assert!(c.fold_until(wait, |c| c.status(0) == ItemStatus::Done && c.recorded_stored(2)).await, "{:?}", c.recorded);
    }
    assert!(carol.fold_until(wait, |c| c.status(0) == ItemStatus::Done).await, "carol sees it ticked");
    assert_eq!(ticks_of(&admin, &room, &item).await, 2, "one more tick for the room");
    let evidence = carol.state.progress().item(&item).note.unwrap_or_default();
    assert!(evidence.starts_with("api 120ms OK at "), "the evidence of the new transition: {evidence}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ticks_waiting_in_the_spool_are_not_queued_again_on_an_offline_start_and_reach_the_room_once() {
    let admin = direct().await;
    let proxy = Proxy::to_postgres().await;
    let room = room("verify-spool");
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = dir.path().join("spool.db");
    let wait = Duration::from_secs(10);
    proxy.refuse().await;

    // The console starts with the store away; the API holds: its tick is queued.
    let mut first = Console::start(proxy.store("opsdeck-test-verify-spool"), &room, "alice", &spool).await;
    let (api_item, db_item) = (first.item(0), first.item(1));
    assert_eq!(first.sample(API, now_ms(), 120.0), vec![api_item.clone()]);
    let queued = |c: &Console| matches!(c.recorded.last(), Some(Ok(Appended::Queued { .. })));
    assert!(first.fold_until(wait, queued).await, "queued: {:?}", first.recorded);
    assert_eq!(first.journal.queued().await.expect("spool"), 1);
    drop(first);

    // It starts again, the store still away: the tick in the spool is
    // pending at once, and the API holding again asks for nothing more;
    // the DB, holding for the first time, is queued behind it.
    let mut again = Console::start(proxy.store("opsdeck-test-verify-spool"), &room, "alice", &spool).await;
    assert_eq!(again.state.room().pending().item(&api_item), Some(ItemStatus::Done), "the earlier run's tick is pending");
    assert_eq!(again.sample(API, now_ms(), 110.0), Vec::<String>::new(), "not queued again");
    assert_eq!(again.sample(DB, now_ms(), 90.0), vec![db_item.clone()]);
    assert!(again.fold_until(wait, queued).await, "queued: {:?}", again.recorded);
    assert_eq!(again.journal.queued().await.expect("spool"), 2, "one tick per item in the spool");

    // The store is back: the upkeep flushes the spool; each item is ticked once.
    proxy.restore().await;
    let settled = |c: &Console| c.status(0) == ItemStatus::Done && c.status(1) == ItemStatus::Done && c.state.room().pending().is_empty();
    assert!(
        again.fold_until(Duration::from_secs(20), settled).await,
        "flushed and read back: pending {}",
        again.state.room().pending().len()
    );
    assert_eq!(again.sample(API, now_ms(), 100.0), Vec::<String>::new(), "done: nothing more");
    assert_eq!(ticks_of(&admin, &room, &api_item).await, 1);
    assert_eq!(ticks_of(&admin, &room, &db_item).await, 1);
}
