//! One prober per room, the store side, against the real PostgreSQL (each
//! test in its own room): the prober lease (one holder among racers,
//! renewal, takeover after the TTL, release), the duty loop (probing,
//! following, a killed prober replaced within 10 s, a store cut through a
//! proxy, an observer role granted by the shipped `grant.sql`), the room's
//! samples table (the batched writer, reads, pruning) and the follower's
//! reader woken by the journal's `LISTEN` connection.

mod common;

use common::psql::psql;

use std::time::{Duration, Instant};

use common::proxy::Proxy;
use opsdeck::adapters::journal::{Actor, Body, NewEvent, PgStore, Store, Wake, is_denied};
use opsdeck::adapters::probe::schedule::{Sample, now_ms};
use opsdeck::adapters::probe::{ProbeError, Reading};
use opsdeck::adapters::prober::duty::{self, ATTEMPT_TIMEOUT, OBSERVER, UNREACHABLE};
use opsdeck::adapters::prober::{Duty, LEASE_TTL, RENEW_EVERY, RoomWriter, follow, lease, room_samples};
use opsdeck::adapters::samples::{Outcome, RecordedSample};
use opsdeck::secrets::{self, Redactor};
use opsdeck_core::event::fresh_key;
use tokio::sync::watch;

/// What the room promises: another console probes within this of the prober's death.
const TAKEOVER_PROMISE: Duration = Duration::from_secs(10);

fn person(name: &str) -> Actor {
    Actor { name: name.into(), host: format!("{name}-laptop"), from: None }
}

fn room(prefix: &str) -> String {
    format!("{prefix}-{:08x}", fastrand::u32(..))
}

async fn pg() -> PgStore {
    let url = common::postgres_url();
    PgStore::connect(&url).await.unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e:?}"))
}

/// Waits (at most PATIENCE) until the duty satisfies `pred`; returns it.
async fn until(rx: &mut watch::Receiver<Duty>, what: &str, mut pred: impl FnMut(&Duty) -> bool) -> Duty {
    let found = match tokio::time::timeout(common::PATIENCE, rx.wait_for(|d| pred(d))).await {
        Ok(Ok(duty)) => Some(duty.clone()),
        Ok(Err(_)) => panic!("the duty loop ended while waiting for {what}"),
        Err(_) => None,
    };
    found.unwrap_or_else(|| panic!("waited {:?} for {what}, in vain (duty: {:?})", common::PATIENCE, *rx.borrow()))
}

fn probing(d: &Duty) -> bool {
    matches!(d, Duty::Probing { .. })
}

fn following(who: &Actor) -> impl FnMut(&Duty) -> bool + '_ {
    move |d| matches!(d, Duty::Following { prober, .. } if prober == who)
}

fn offline(d: &Duty) -> bool {
    matches!(d, Duty::Offline { .. })
}

/// When the duty first satisfies `pred`, watched from now in the background.
fn when(mut rx: watch::Receiver<Duty>, pred: fn(&Duty) -> bool) -> tokio::task::JoinHandle<Instant> {
    tokio::spawn(async move {
        rx.wait_for(pred).await.expect("the duty loop runs");
        Instant::now()
    })
}

fn reading(check: &str, at_ms: i64, value: f64) -> RecordedSample {
    RecordedSample { check: check.into(), at_ms, latency_ms: 3.5, outcome: Outcome::Reading(vec![("latency_ms".into(), value)]) }
}

fn failure(check: &str, at_ms: i64) -> RecordedSample {
    RecordedSample { check: check.into(), at_ms, latency_ms: 1.0, outcome: Outcome::Failed { reason: "HTTP 503".into(), answered: true } }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn consoles_racing_for_a_free_lease_get_exactly_one() {
    let pg = pg().await;
    for round in 0..5 {
        let room = room("race");
        let racers = (0..8).map(|i| {
            let (pg, room) = (pg.clone(), room.clone());
            tokio::spawn(
                async move { lease::take_or_renew(&pg, &room, &format!("console-{i}"), &person(&format!("p{i}")), LEASE_TTL).await },
            )
        });
        let mut holders = Vec::new();
        for racer in futures::future::join_all(racers).await {
            holders.push(racer.expect("the racer ran").expect("the store answers"));
        }
        let winners: Vec<_> = holders.iter().filter(|h| h.ours).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one racer holds the lease: {holders:#?}");
        assert!(holders.iter().all(|h| h.console_id == winners[0].console_id), "round {round}: every racer names the same holder");
        let now = lease::holder(&pg, &room).await.expect("read").expect("held");
        assert_eq!((now.console_id.as_str(), now.ours), (winners[0].console_id.as_str(), false));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_holder_keeps_the_lease_by_renewing_it() {
    let (pg, room) = (pg().await, room("renew"));
    let (alice, bob) = (person("alice"), person("bob"));
    let ttl = Duration::from_secs(1);
    let first = lease::take_or_renew(&pg, &room, "a", &alice, ttl).await.expect("take");
    assert!(first.ours);
    let mut expires = first.expires_ms;
    // Over twice the TTL, renewing well within it: nobody else gets it.
    for _ in 0..8 {
        tokio::time::sleep(ttl / 3).await;
        let other = lease::take_or_renew(&pg, &room, "b", &bob, ttl).await.expect("ask");
        assert!(!other.ours, "a held lease is not taken");
        assert_eq!((other.console_id.as_str(), &other.actor), ("a", &alice));
        let renewed = lease::take_or_renew(&pg, &room, "a", &alice, ttl).await.expect("renew");
        assert!(renewed.ours);
        assert_eq!(renewed.since_ms, first.since_ms, "a renewal keeps the time the lease was taken");
        assert!(renewed.expires_ms > expires, "a renewal moves the expiry");
        expires = renewed.expires_ms;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_that_stops_renewing_is_replaced_after_the_ttl() {
    let (pg, room) = (pg().await, room("silent"));
    let last_renewal = Instant::now();
    let a = lease::take_or_renew(&pg, &room, "a", &person("alice"), LEASE_TTL).await.expect("take");
    assert!(a.ours);
    // Console b asks at the duty loop's pace until it holds the lease.
    let b = loop {
        let b = lease::take_or_renew(&pg, &room, "b", &person("bob"), LEASE_TTL).await.expect("ask");
        if b.ours {
            break b;
        }
        assert_eq!(b.console_id, "a");
        assert!(last_renewal.elapsed() < common::PATIENCE, "the silent holder was never replaced");
        tokio::time::sleep(RENEW_EVERY).await;
    };
    let takeover = last_renewal.elapsed();
    println!("a holder silent since its last renewal was replaced after {takeover:?} (TTL {LEASE_TTL:?})");
    assert!(takeover + Duration::from_millis(20) >= LEASE_TTL, "replaced before its lease ended: {takeover:?}");
    assert!(takeover < TAKEOVER_PROMISE, "replaced after {takeover:?}");
    assert!(b.since_ms > a.since_ms, "a new holder's lease starts anew");
    assert_eq!(lease::holder(&pg, &room).await.expect("read").map(|h| h.console_id).as_deref(), Some("b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_lease_is_taken_at_the_next_attempt_and_an_expired_one_is_nobodys() {
    let (pg, room) = (pg().await, room("release"));
    assert!(lease::holder(&pg, &room).await.expect("read").is_none(), "nobody holds a new room's lease");
    assert!(lease::take_or_renew(&pg, &room, "a", &person("alice"), LEASE_TTL).await.expect("take").ours);
    assert!(!lease::take_or_renew(&pg, &room, "b", &person("bob"), LEASE_TTL).await.expect("ask").ours);
    lease::release(&pg, &room, "b").await.expect("releasing another's lease is harmless");
    assert_eq!(lease::holder(&pg, &room).await.expect("read").map(|h| h.console_id).as_deref(), Some("a"), "still a's");
    lease::release(&pg, &room, "a").await.expect("release");
    assert!(lease::holder(&pg, &room).await.expect("read").is_none());
    let b = lease::take_or_renew(&pg, &room, "b", &person("bob"), LEASE_TTL).await.expect("ask");
    assert!(b.ours, "the next attempt takes a released lease");

    let short = self::room("expired");
    assert!(lease::take_or_renew(&pg, &short, "c", &person("carol"), Duration::from_millis(200)).await.expect("take").ours);
    common::wait_until_async("the short lease to expire", common::PATIENCE, async || {
        lease::holder(&pg, &short).await.expect("read").is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_duties_one_probes_and_the_other_follows_it() {
    let (pg, room) = (pg().await, room("duty"));
    let (alice, bob) = (person("alice"), person("bob"));
    let a = duty::spawn(pg.clone(), room.clone(), "a".into(), alice.clone());
    let Duty::Probing { since_ms } = until(&mut a.duty(), "a to probe", probing).await else { unreachable!() };
    let b = duty::spawn(pg.clone(), room.clone(), "b".into(), bob.clone());
    let followed = until(&mut b.duty(), "b to follow alice", following(&alice)).await;
    assert_eq!(followed, Duty::Following { prober: alice.clone(), since_ms });
    let held = lease::holder(&pg, &room).await.expect("read").expect("held");
    assert_eq!((held.console_id.as_str(), held.since_ms), ("a", since_ms));
    // Several renewals later, nothing changed.
    let mut changes = a.duty();
    changes.mark_unchanged();
    tokio::time::sleep(RENEW_EVERY * 3).await;
    assert!(!changes.has_changed().expect("running"), "a renewal is not a change: {:?}", a.current());
    assert_eq!(b.current(), followed);

    // A graceful quit: b takes over at its next attempt, not after the TTL.
    let released = Instant::now();
    a.release().await;
    until(&mut b.duty(), "b to probe after a released", probing).await;
    let handover = released.elapsed();
    println!("after a release, the follower probed within {handover:?}");
    assert!(handover < LEASE_TTL, "waited for the expiry: {handover:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_prober_is_replaced_within_ten_seconds() {
    let (pg, room) = (pg().await, room("killed"));
    let (alice, bob) = (person("alice"), person("bob"));
    let a = duty::spawn(pg.clone(), room.clone(), "a".into(), alice.clone());
    until(&mut a.duty(), "a to probe", probing).await;
    let b = duty::spawn(pg.clone(), room.clone(), "b".into(), bob);
    until(&mut b.duty(), "b to follow", following(&alice)).await;
    // As SIGKILL would: the task is gone, the lease is not released.
    let killed = Instant::now();
    drop(a);
    until(&mut b.duty(), "b to take over", probing).await;
    let takeover = killed.elapsed();
    println!("a killed prober was replaced after {takeover:?} (promise: {TAKEOVER_PROMISE:?})");
    assert!(takeover < TAKEOVER_PROMISE, "took over after {takeover:?}");
    assert_eq!(lease::holder(&pg, &room).await.expect("read").map(|h| h.console_id).as_deref(), Some("b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_that_loses_the_store_goes_offline_at_once_and_follows_again_when_it_returns() {
    let (pg, room) = (pg().await, room("cut-follower"));
    let alice = person("alice");
    let proxy = Proxy::to_postgres().await;
    let through = PgStore::lazy_with(proxy.options(&format!("opsdeck-test-{room}")), Duration::from_secs(1));
    let a = duty::spawn(pg.clone(), room.clone(), "a".into(), alice.clone());
    until(&mut a.duty(), "a to probe", probing).await;
    let b = duty::spawn(through, room.clone(), "b".into(), person("bob"));
    until(&mut b.duty(), "b to follow", following(&alice)).await;

    let cut = Instant::now();
    proxy.cut();
    let down = until(&mut b.duty(), "b to go offline", offline).await;
    let noticed = cut.elapsed();
    println!("a follower cut from the store went offline after {noticed:?}");
    assert_eq!(down, Duty::Offline { reason: UNREACHABLE.into() });
    assert!(noticed < RENEW_EVERY + ATTEMPT_TIMEOUT * 2, "a follower goes offline at its first failed attempt: {noticed:?}");
    assert!(probing(&a.current()), "the prober is not disturbed");

    proxy.restore().await;
    until(&mut b.duty(), "b to follow again", following(&alice)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_prober_that_loses_the_store_stops_before_its_successor_starts() {
    let (pg, room) = (pg().await, room("cut-prober"));
    let (alice, bob) = (person("alice"), person("bob"));
    let proxy = Proxy::to_postgres().await;
    let through = PgStore::lazy_with(proxy.options(&format!("opsdeck-test-{room}")), Duration::from_secs(1));
    let a = duty::spawn(through, room.clone(), "a".into(), alice.clone());
    until(&mut a.duty(), "a to probe", probing).await;
    let b = duty::spawn(pg.clone(), room.clone(), "b".into(), bob.clone());
    until(&mut b.duty(), "b to follow", following(&alice)).await;
    let (a_stops, b_starts) = (when(a.duty(), offline), when(b.duty(), probing));

    let cut = Instant::now();
    proxy.cut();
    let a_stopped = a_stops.await.expect("watched");
    let b_started = b_starts.await.expect("watched");
    let (stopped, started) = (a_stopped - cut, b_started - cut);
    println!("the prober cut from the store stopped after {stopped:?}; its successor started after {started:?}");
    assert!(a_stopped <= b_started, "both probed for the room at once ({stopped:?} vs {started:?})");
    // It kept its lease for what was left of it (renewed at most RENEW_EVERY before the cut).
    assert!(stopped + Duration::from_millis(100) >= LEASE_TTL - RENEW_EVERY, "gave up its lease early: {stopped:?}");
    assert!(started < TAKEOVER_PROMISE, "took over after {started:?}");
    assert_eq!(a.current(), Duty::Offline { reason: UNREACHABLE.into() });

    proxy.restore().await;
    until(&mut a.duty(), "a to follow its successor", following(&bob)).await;
}

/// The test server's URL connecting as `role` instead of the owner.
fn as_role(role: &str) -> String {
    let mut url = url::Url::parse(&common::postgres_url()).expect("test URL");
    url.set_username(role).expect("a URL with a user");
    url.to_string()
}

/// Login roles made for one test, dropped with their grants at the end.
struct Roles(Vec<String>);

impl Roles {
    /// An operator and an observer, granted by the shipped grant.sql.
    fn granted() -> Roles {
        let roles = Roles(["op", "obs"].iter().map(|n| format!("opsdeck_{n}_{:08x}", fastrand::u32(..))).collect());
        for n in &roles.0 {
            psql(&["-c", &format!("CREATE ROLE {n} LOGIN")]);
        }
        psql(&["-v", &format!("operator={}", roles.0[0]), "-v", &format!("observer={}", roles.0[1]), "-f", "migrations/roles/grant.sql"]);
        roles
    }
}

impl Drop for Roles {
    fn drop(&mut self) {
        common::psql::drop_roles(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_may_probe_for_the_room_and_an_observer_never_does() {
    // The owner migrates first, then grants.
    let owner = pg().await;
    let roles = Roles::granted();
    let room = room("roles");
    let operator = PgStore::connect(&as_role(&roles.0[0])).await.expect("operator store");
    let observer = PgStore::connect(&as_role(&roles.0[1])).await.expect("observer store");
    let (olga, otto) = (person("olga"), person("otto"));

    // The observer, alone in the room: refused the lease, so it probes for itself.
    let refused = lease::take_or_renew(&observer, &room, "obs", &otto, LEASE_TTL).await.expect_err("refused");
    assert!(is_denied(&refused), "{refused:#}");
    let watching = duty::spawn(observer.clone(), room.clone(), "obs".into(), otto.clone());
    let mut seen = Vec::new();
    let mut changes = watching.duty();
    let alone = until(&mut changes, "the observer to hear it may not probe", |d| d != &Duty::Offline { reason: duty::ASKING.into() }).await;
    assert_eq!(alone, Duty::Offline { reason: OBSERVER.into() });
    seen.push(alone);

    // The operator may do all the prober does.
    let prober = duty::spawn(operator.clone(), room.clone(), "op".into(), olga.clone());
    until(&mut prober.duty(), "the operator to probe", probing).await;
    let last = room_samples::insert_batch(&operator, &room, "op", &[reading("api", now_ms(), 1.0)]).await.expect("the operator writes");
    assert_eq!(room_samples::last_id(&observer, &room).await.expect("the observer reads"), last);
    assert_eq!(room_samples::prune(&operator, &room, 0).await.expect("the operator prunes"), 0);
    seen.push(until(&mut changes, "the observer to follow the operator", following(&olga)).await);

    // The server refuses the observer's samples.
    let refused = room_samples::insert_batch(&observer, &room, "obs", &[reading("api", now_ms(), 2.0)]).await.expect_err("refused");
    assert!(is_denied(&refused), "{refused:#}");
    assert!(room_samples::prune(&observer, &room, i64::MAX).await.is_err(), "an observer cannot delete samples");
    assert_eq!(room_samples::read_after(&owner, &room, 0, 10).await.expect("read").len(), 1, "nothing was written");

    // The operator quits: the observer is alone again, and still does not probe.
    prober.release().await;
    seen.push(until(&mut changes, "the observer alone again", offline).await);
    assert_eq!(seen.last(), Some(&Duty::Offline { reason: OBSERVER.into() }));
    assert!(lease::holder(&owner, &room).await.expect("read").is_none());
    assert!(!seen.iter().any(probing), "the observer never probes: {seen:?}");
    drop(watching);
}

const SECRET: &str = "tok-5e1f-0a9c";

fn sample(check: usize, at_ms: i64, fail: bool) -> Sample {
    let result = if fail {
        Err(ProbeError::target_failed(format!("HTTP 401 for token {SECRET}")))
    } else {
        Ok(Reading::new().with("latency_ms", at_ms as f64 % 1000.0).with("status", 200.0))
    };
    Sample { check, at_ms, latency_ms: 2.0, result }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_stores_every_sample_in_order_with_secrets_masked() {
    secrets::install(Redactor::build(None, &[("PROBE_TOKEN".into(), SECRET.into())]));
    let (pg, room) = (pg().await, room("writer"));
    let (writer, task) = RoomWriter::spawn(pg.clone(), room.clone(), "console-w".into(), vec!["api".into(), "db".into()]);
    let start = now_ms() - 60_000;
    for i in 0..2_500 {
        writer.record(&sample(i % 2, start + i as i64, i % 10 == 0));
    }
    writer.record(&sample(7, start, false)); // no such check: ignored
    assert_eq!(writer.dropped(), 0);
    drop(writer);
    tokio::time::timeout(common::PATIENCE, task).await.expect("the writer finishes").expect("the writer ran");

    let mut back = Vec::new();
    let mut last = 0;
    loop {
        let page = room_samples::read_after(&pg, &room, last, 1_000).await.expect("read");
        let Some((id, _)) = page.last() else { break };
        last = *id;
        back.extend(page);
    }
    assert_eq!(back.len(), 2_500);
    assert!(back.windows(2).all(|w| w[0].0 < w[1].0), "ids increase");
    for (i, (_, s)) in back.iter().enumerate() {
        assert_eq!(s.at_ms, start + i as i64, "sample {i} in the order recorded");
        assert_eq!(s.check, ["api", "db"][i % 2]);
        match &s.outcome {
            Outcome::Failed { reason, answered: true } => {
                assert_eq!(i % 10, 0);
                assert_eq!(reason, "HTTP 401 for token ***", "the secret is masked");
            }
            Outcome::Reading(values) => {
                assert_eq!(values, &vec![("latency_ms".into(), (start + i as i64) as f64 % 1000.0), ("status".into(), 200.0)])
            }
            other => panic!("sample {i}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_samples_read_by_id_by_time_and_per_check() {
    let (pg, room) = (pg().await, room("reads"));
    assert_eq!(room_samples::last_id(&pg, &room).await.expect("read"), 0);
    assert_eq!(room_samples::insert_batch(&pg, &room, "c", &[]).await.expect("nothing to write"), 0);
    let t = now_ms() - 10_000;
    let first = vec![reading("api", t + 5, 1.0), failure("db", t + 1), reading("api", t + 2, 2.0)];
    let last_of_first = room_samples::insert_batch(&pg, &room, "c", &first).await.expect("write");
    let second = vec![reading("db", t + 3, 3.0), reading("api", t + 2, 4.0)];
    let last = room_samples::insert_batch(&pg, &room, "c", &second).await.expect("write");
    assert_eq!(room_samples::last_id(&pg, &room).await.expect("read"), last);

    let by_id = room_samples::read_after(&pg, &room, 0, 100).await.expect("read");
    let samples: Vec<_> = by_id.iter().map(|(_, s)| s.clone()).collect();
    assert_eq!(samples, [first.clone(), second.clone()].concat(), "in the order written");
    assert_eq!(by_id[2].0, last_of_first);
    assert_eq!(room_samples::read_after(&pg, &room, last_of_first, 100).await.expect("read").len(), 2);
    assert_eq!(room_samples::read_after(&pg, &room, 0, 2).await.expect("read").len(), 2, "limited");

    let by_time = room_samples::read_since_ms(&pg, &room, t + 2).await.expect("read");
    let order: Vec<(i64, f64)> = by_time.iter().map(|s| (s.at_ms, s.latency_ms)).collect();
    assert_eq!(by_time.len(), 4, "from t+2 on: {by_time:?}");
    assert!(order.windows(2).all(|w| w[0].0 <= w[1].0), "time order");
    assert_eq!(by_time[0], first[2], "ties in the order written");
    assert_eq!(by_time[1], second[1]);

    let latest = room_samples::latest_per_check(&pg, &room).await.expect("read");
    assert_eq!(latest, vec![first[0].clone(), second[0].clone()], "the newest of api, then of db");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_removes_only_the_old_samples_of_its_room() {
    let pg = pg().await;
    let (a, b) = (room("prune-a"), room("prune-b"));
    let now = now_ms();
    let day = 24 * 3_600_000;
    for r in [&a, &b] {
        let batch = vec![reading("api", now - day - 2, 1.0), reading("api", now - day - 1, 2.0), reading("api", now - 5, 3.0)];
        room_samples::insert_batch(&pg, r, "c", &batch).await.expect("write");
    }
    assert_eq!(room_samples::prune(&pg, &a, now - opsdeck::adapters::prober::ROOM_RETENTION_MS).await.expect("prune"), 2);
    let left: Vec<_> = room_samples::read_since_ms(&pg, &a, 0).await.expect("read").iter().map(|s| s.at_ms).collect();
    assert_eq!(left, vec![now - 5]);
    assert_eq!(room_samples::read_since_ms(&pg, &b, 0).await.expect("read").len(), 3, "another room is untouched");
    assert_eq!(room_samples::prune(&pg, &a, now - day).await.expect("prune again"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_gets_the_history_then_new_samples_woken_by_the_journal_listener() {
    let (pg, writer, room) = (pg().await, pg().await, room("follow"));
    let now = now_ms();
    let old = vec![reading("api", now - 7_200_000, 1.0)];
    let history = vec![reading("api", now - 600_000, 2.0), failure("db", now - 500_000), reading("api", now - 400_000, 3.0)];
    room_samples::insert_batch(&writer, &room, "p", &old).await.expect("write");
    room_samples::insert_batch(&writer, &room, "p", &history).await.expect("write");

    // The journal's subscription: its one LISTEN connection wakes the follower too.
    let mut wakes = pg.subscribe(&room);
    assert_eq!(tokio::time::timeout(common::PATIENCE, wakes.recv()).await.expect("listening"), Some(Wake::Resync));
    let mut probe_wake = pg.samples_wake(&room);
    probe_wake.mark_unchanged();
    let mut samples = follow::spawn(pg.clone(), room.clone(), now - 3_600_000, pg.samples_wake(&room));
    let first = tokio::time::timeout(common::PATIENCE, samples.recv()).await.expect("the history").expect("running");
    assert_eq!(first, history, "the samples of the last hour, not older");

    let mut latencies = Vec::new();
    for i in 0..5 {
        let batch = vec![reading("api", now_ms(), f64::from(i)), reading("db", now_ms(), f64::from(i))];
        let written = Instant::now();
        room_samples::insert_batch(&writer, &room, "p", &batch).await.expect("write");
        let got = tokio::time::timeout(common::PATIENCE, samples.recv()).await.expect("new samples").expect("running");
        latencies.push(written.elapsed());
        assert_eq!(got, batch, "round {i}");
    }
    println!("samples reached the follower after {latencies:?} (fallback poll: {:?})", follow::POLL_EVERY);
    let slowest = latencies.iter().max().copied().unwrap_or_default();
    assert!(slowest < follow::POLL_EVERY / 2, "not woken by the notification: {latencies:?}");
    assert!(probe_wake.has_changed().expect("the store lives"), "the listener poked the samples wake");

    // One LISTEN session for the room, and the samples woke no event reader.
    let listen = format!("LISTEN \"{}\"", opsdeck::adapters::journal::room::channel(&room));
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE starts_with(query, $1)")
        .bind(&listen)
        .fetch_one(&writer.pool())
        .await
        .expect("pg_stat_activity");
    assert_eq!(sessions, 1, "the follower opened no LISTEN of its own");
    assert!(wakes.try_recv().is_err(), "sample notifications are not journal wakes");
    let event =
        writer.append(NewEvent::new(&room, &person("alice"), now_ms(), &Body::Marker { text: "deploy".into() })).await.expect("append");
    let wake = tokio::time::timeout(common::PATIENCE, wakes.recv()).await.expect("a wake");
    assert_eq!(wake, Some(Wake::Appended { seq: event.seq }));
    drop(samples);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_retries_after_the_store_returns() {
    let (pg, room) = (pg().await, room("follow-cut"));
    let proxy = Proxy::to_postgres().await;
    let through = PgStore::lazy_with(proxy.options(&format!("opsdeck-test-{room}")), Duration::from_secs(1));
    let key = fresh_key();
    let mut samples = follow::spawn(through.clone(), room.clone(), 0, through.samples_wake(&room));
    proxy.cut();
    let batch = vec![reading(&key, now_ms(), 1.0)];
    room_samples::insert_batch(&pg, &room, "p", &batch).await.expect("write");
    proxy.restore().await;
    let got = tokio::time::timeout(common::PATIENCE, samples.recv()).await.expect("read after the store returned").expect("running");
    assert_eq!(got, batch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_console_never_takes_the_lease() {
    let (pg, room) = (pg().await, room("read-only"));
    let (watcher, alice) = (person("watcher"), person("alice"));
    let watching = duty::spawn_watching(pg.clone(), room.clone(), "w".into(), watcher);
    let alone = until(
        &mut watching.duty(),
        "the watcher to probe for itself",
        |d| matches!(d, Duty::Offline { reason } if reason == duty::READ_ONLY),
    )
    .await;
    assert_eq!(alone, Duty::Offline { reason: duty::READ_ONLY.into() });
    assert!(lease::holder(&pg, &room).await.expect("read").is_none(), "it took no lease");
    let prober = duty::spawn(pg.clone(), room.clone(), "a".into(), alice.clone());
    until(&mut prober.duty(), "alice to probe", probing).await;
    until(&mut watching.duty(), "the watcher to follow alice", following(&alice)).await;
}
