//! Offline honesty, end to end: consoles on the real PostgreSQL through a
//! proxy the test breaks (refused, partitioned, failed over), each driven as
//! the console loop drives it: a `JournalLink` whose messages are folded into
//! a `State` by the loop's own `from_journal`. The bounds are correctness
//! bounds (what a person at the console sees), not benchmarks.

mod common;

use std::time::{Duration, Instant};

use common::PATIENCE;
use common::proxy::Proxy;
use opsdeck::adapters::journal::facade::STORE_TIMEOUT;
use opsdeck::adapters::journal::postgres::DEFAULT_ACQUIRE_TIMEOUT;
use opsdeck::adapters::journal::{Actor, AnyStore, Appended, Body, Journal, Outcome, PgStore, Spool, Store, Subject};
use opsdeck::shell::action::Action;
use opsdeck::shell::app::console::from_journal;
use opsdeck::shell::app::journal_link::{FromJournal, JournalLink};
use opsdeck::shell::app::room::StoreStatus;
use opsdeck::shell::app::state::{Effect, QUEUED_OFFLINE, State};
use opsdeck_core::config::{Source, parse_source};
use opsdeck_core::event::fresh_key;

const PLAN: &str = r#"
[deck]
name = "Offline honesty"
[[check]]
id = "local"
command = { run = "echo 1", output = "number" }
[[checklist]]
id = "go"
items = ["Backups taken", "Flag on"]
[[rollback]]
id = "race"
run = "echo rolled back"
danger = "low"
"#;

/// One console: its journal's link, its state, and what its appends answered.
struct Console {
    link: JournalLink,
    state: State,
    answers: Vec<(Instant, Result<Appended, String>)>,
    /// What the journal's health said, as it changed (online, queued).
    healths: Vec<(bool, u64)>,
    effects: Vec<Effect>,
    _spool: tempfile::TempDir,
}

impl Console {
    async fn start(store: PgStore, room: &str, name: &str) -> Console {
        let dir = tempfile::tempdir().expect("tempdir");
        let spool = Spool::open(dir.path().join("spool.db")).await.expect("spool");
        let actor = Actor { name: name.into(), host: "test".into(), from: None };
        let journal = Journal::new(AnyStore::Postgres(store), room, actor.clone(), false, Some(spool)).expect("journal");
        let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
        let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
        let mut state = State::new(&plan, "dark", now_ms()).with_launch(opsdeck::adapters::launch_docs::load(&plan));
        state.join_room(room.to_string(), actor, false);
        state.set_store(StoreStatus { kind: "postgres".into(), online: true, ..StoreStatus::default() });
        Console { link: JournalLink::start(journal), state, answers: Vec::new(), healths: Vec::new(), effects: Vec::new(), _spool: dir }
    }

    /// Folds what the link says, as the loop does, until `done` or `within`.
    async fn fold_until(&mut self, within: Duration, done: impl Fn(&Console) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.link.messages.recv()).await {
                Ok(Some(msg)) => {
                    if let FromJournal::Appended(r) = &msg {
                        let r = match r {
                            Ok(a) => Ok(a.clone()),
                            Err(e) => Err(e.clone()),
                        };
                        self.answers.push((Instant::now(), r));
                    }
                    if let FromJournal::Health { online, queued } = &msg {
                        self.healths.push((*online, *queued));
                    }
                    self.state.set_now(now_ms());
                    let effects = from_journal(&mut self.state, msg, "postgres");
                    self.carry_out(effects);
                }
                Ok(None) | Err(_) => return done(self),
            }
        }
        true
    }

    /// The loop's part for appends; other effects are kept for the test.
    fn carry_out(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Append(body) => self.link.append(body).expect("the link takes it"),
                other => self.effects.push(other),
            }
        }
    }

    fn act(&mut self, action: Action) {
        self.state.set_now(now_ms());
        let effects = self.state.update(action);
        self.carry_out(effects);
    }

    fn open_incident(&mut self, title: &str) {
        self.act(Action::IncidentNew);
        for c in title.chars() {
            self.state.type_char(c);
        }
        self.act(Action::Submit);
    }

    fn last_answer(&self) -> Option<&Result<Appended, String>> {
        self.answers.last().map(|(_, r)| r)
    }

    fn offline_banner(&self) -> (bool, usize) {
        (!self.state.room().store().online, self.state.room().store().queued)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_the_store_refuses_the_banner_the_count_and_the_pending_incident_follow_at_once() {
    let admin = direct().await;
    let proxy = Proxy::to_postgres().await;
    let room = room("honest");
    let mut alice = Console::start(proxy.store("opsdeck-test-honest"), &room, "alice").await;
    alice.open_incident("Online one");
    assert!(alice.fold_until(PATIENCE, |c| c.state.room().incidents().len() == 1).await, "online: stored and shown");

    // The server goes away: connecting is refused.
    proxy.refuse().await;
    let asked = Instant::now();
    alice.open_incident("Opened offline");
    let queued = |c: &Console| matches!(c.last_answer(), Some(Ok(Appended::Queued { .. })));
    assert!(alice.fold_until(PATIENCE, queued).await, "the append was queued: {:?}", alice.last_answer());
    let answered = alice.answers.last().map(|(t, _)| *t).expect("answered");
    assert!(answered - asked < DEFAULT_ACQUIRE_TIMEOUT, "a refused store is told at once, not after the timeout: {:?}", answered - asked);
    // The same moment, on its own console, the incident shows as pending.
    let pending = alice.state.room().pending().incidents();
    assert_eq!(pending.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), vec!["Opened offline"]);
    assert_eq!(alice.state.room().incidents().len(), 1, "not in the room");
    assert_eq!(alice.state.message().map(|m| m.text.as_str()), Some(QUEUED_OFFLINE));
    // The banner follows the journal's health as the spool changes, not the
    // status report that comes every two seconds.
    let banner = |n: u64| move |c: &Console| c.healths.contains(&(false, n)) && c.offline_banner() == (true, n as usize);
    assert!(
        alice.fold_until(PATIENCE, banner(1)).await,
        "OFFLINE · 1 queued, from the journal's health: {:?} after {:?}",
        alice.offline_banner(),
        alice.healths
    );

    // A tick behind the first queued event: queued at once, shown at once.
    alice.act(Action::ViewChecklist);
    alice.act(Action::ItemTick);
    assert!(
        alice.fold_until(PATIENCE, banner(2)).await,
        "OFFLINE · 2 queued, from the journal's health: {:?} after {:?}",
        alice.offline_banner(),
        alice.healths
    );
    let item = alice.state.launch().defs().items().next().map(|i| i.id.clone()).expect("an item");
    assert_eq!(alice.state.room().pending().item(&item), Some(opsdeck_core::launch::ItemStatus::Done), "the tick shows as pending");

    // The server is back; the upkeep flushes within its round.
    proxy.restore().await;
    common::wait_until_async("the upkeep to flush the spool", PATIENCE, async || admin.latest_seq(&room).await.expect("latest") >= 3).await;
    let flushed = Instant::now();
    let back = |c: &Console| {
        c.offline_banner() == (false, 0)
            && c.state.message().is_none()
            && c.state.room().pending().is_empty()
            && c.state.room().incidents().len() == 2
            && c.state.progress().item(&c.state.launch().defs().items().next().map(|i| i.id.clone()).unwrap_or_default()).status
                == opsdeck_core::launch::ItemStatus::Done
    };
    // Read at once, not at the follower's next safety poll (every 5 s).
    assert!(
        alice.fold_until(Duration::from_secs(4), back).await,
        "soon after the flush: online, 0 queued, the message gone, the pending events replaced by their stored copies: \
         banner {:?}, message {:?}, pending {}, incidents {}",
        alice.offline_banner(),
        alice.state.message(),
        alice.state.room().pending().len(),
        alice.state.room().incidents().len()
    );
    eprintln!("online and settled {:?} after the flush", flushed.elapsed());
    let titles: Vec<String> = alice.state.room().incidents().list(alice.state.room().severities()).map(|i| i.title.clone()).collect();
    assert_eq!(titles.len(), 2, "no duplicate: {titles:?}");

    // The first action after recovery is stored, not left on "saving…".
    let asked = Instant::now();
    alice.open_incident("After recovery");
    // Held, it would be queued once the journal's store timeout ran out.
    let stored = |c: &Console| matches!(c.last_answer(), Some(Ok(Appended::Stored(_))));
    assert!(alice.fold_until(STORE_TIMEOUT, stored).await, "stored: {:?}", alice.last_answer());
    eprintln!("first action after recovery stored after {:?}", asked.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_failover_the_first_action_is_not_held_by_a_dead_connection() {
    let proxy = Proxy::to_postgres().await;
    let room = room("failover");
    let store = proxy.store("opsdeck-test-failover");
    let mut alice = Console::start(store.clone(), &room, "alice").await;
    alice.open_incident("Before");
    assert!(alice.fold_until(PATIENCE, |c| c.state.room().incidents().len() == 1).await);
    // Several connections in the pool, as a busy console has.
    let reads: Vec<_> = (0..4).map(|_| store.since(&room, 0, 10)).collect();
    for r in futures::future::join_all(reads).await {
        r.expect("read");
    }
    // Every connection open now goes silent for good; new ones work.
    proxy.partition();
    proxy.restore().await;
    for title in ["First after", "Second after"] {
        let asked = Instant::now();
        alice.open_incident(title);
        let n = alice.answers.len();
        let answered = |c: &Console| c.answers.len() > n;
        assert!(alice.fold_until(PATIENCE, answered).await);
        let took = asked.elapsed();
        eprintln!("{title}: answered after {took:?}");
        // A dead connection costs the ping that finds it dead, not the wait
        // for a connection (after which the journal would queue it).
        assert!(
            matches!(alice.last_answer(), Some(Ok(Appended::Stored(_)))) && took < DEFAULT_ACQUIRE_TIMEOUT,
            "{title}: stored, not queued behind a dead connection: {:?} after {took:?}",
            alice.last_answer()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rollback_claimed_offline_does_not_run_again_and_no_console_names_an_ended_holder() {
    let proxy = Proxy::to_postgres().await;
    let room = room("offline-race");
    let mut alice = Console::start(proxy.store("opsdeck-test-race-alice"), &room, "alice").await;
    let mut bob = Console::start(direct().await, &room, "bob").await;
    for c in [&mut alice, &mut bob] {
        c.act(Action::ViewRollback);
    }
    // Alice's store goes away before her console knows: her claim is queued.
    proxy.refuse().await;
    alice.act(Action::RollbackRun);
    alice.act(Action::Submit);
    let queued = |c: &Console| matches!(c.last_answer(), Some(Ok(Appended::Queued { .. })));
    assert!(alice.fold_until(PATIENCE, queued).await, "{:?}", alice.last_answer());
    // Bob claims, runs and finishes it meanwhile.
    bob.act(Action::RollbackRun);
    bob.act(Action::Submit);
    let started = |c: &Console| c.effects.iter().any(|e| matches!(e, Effect::StartRun(_)));
    assert!(bob.fold_until(PATIENCE, started).await, "bob's claim holds: {:?}", bob.state.message());
    let run = bob
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartRun(s) => Some(s.run.clone()),
            _ => None,
        })
        .expect("bob's run");
    bob.link
        .append(Body::RunFinished {
            run: run.clone(),
            outcome: Outcome::Succeeded,
            exit_code: Some(0),
            duration_ms: 5,
            output: "rolled back".into(),
            truncated: false,
        })
        .expect("taken");
    let finished = |c: &Console| c.state.progress().runs.get(&run).is_some_and(|r| r.finish.is_some());
    assert!(bob.fold_until(PATIENCE, finished).await);
    // Alice's store is back: her claim reaches the room after bob's run.
    proxy.restore().await;
    let claims = |c: &Console| c.state.progress().runs.in_order().count() == 2;
    assert!(alice.fold_until(PATIENCE, claims).await, "alice's claim reached the room");
    assert!(bob.fold_until(PATIENCE, claims).await);
    // Let anything alice's console would do about it reach the room.
    alice.fold_until(Duration::from_secs(1), |_| false).await;
    bob.fold_until(Duration::from_secs(1), |_| false).await;
    assert!(!started(&alice), "no second execution: {:?}", alice.effects);
    for c in [&alice, &bob] {
        let runs = &c.state.progress().runs;
        let holders: Vec<_> = runs.in_order().filter(|r| !r.lost).map(|r| r.actor.name.clone()).collect();
        assert_eq!(holders, vec!["bob".to_string()], "{}: one claim held, bob's", c.state.room().actor().name);
        let named = runs.active("rollback:race").or_else(|| runs.last_for(&Subject::Rollback { action: "race".into() }));
        let named = named.map(|r| (r.actor.name.clone(), r.finish.as_ref().map(|f| f.outcome)));
        assert_eq!(named, Some(("bob".into(), Some(Outcome::Succeeded))), "{} names bob's run", c.state.room().actor().name);
        let said = c.state.message().map(|m| m.text.clone()).unwrap_or_default();
        assert!(!said.contains("is running"), "{}: {said}", c.state.room().actor().name);
    }
    let said = alice.state.message().map(|m| m.text.clone()).unwrap_or_default();
    assert!(said.starts_with("not run: bob@test claimed race first (succeeded"), "{said}");
}
