//! opsdeck's silences mirrored to a real Alertmanager (started here, see
//! `common::alertmanager`): a silence set in a headless console (the whole
//! `Console` on ratatui's `TestBackend`, its real journal link and SQLite
//! journal) on a check with `silence_matchers` appears in Alertmanager with
//! those matchers, the reason and marker as comment, the console's identity
//! as creator and its end as `endsAt`; lifting it from another console (no
//! id kept anywhere but Alertmanager) expires it; a maintenance window is
//! mirrored once however many consoles start; an Alertmanager that is down
//! is a failure on the timeline; a read-only console mirrors nothing.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::alertmanager::{Alertmanager, free_port};
use common::{PATIENCE, wait_for_some_async};
use crossterm::event::KeyCode;
use opsdeck::adapters::alertmanager::Mirror;
use opsdeck::adapters::journal::{Actor, AnyStore, Body, Event, Journal, SqliteStore};
use opsdeck::adapters::probe::ProbeEnv;
use opsdeck::adapters::probe::schedule::now_ms;
use opsdeck::shell::app::console::{Console, Flow, Parts, initial_state};
use opsdeck::shell::app::journal_link::JournalLink;
use opsdeck::shell::app::step_runner::StepRunner;
use opsdeck::shell::keymap::{Key, KeymapLoader};
use opsdeck::shell::look::Look;
use opsdeck::shell::theme::ThemeLoader;
use opsdeck_core::config::{Plan, Source, parse_source};
use opsdeck_core::event::MirrorAction;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

const PLAN: &str = r#"
[deck]
name = "Mirror"
room = "mirror"
[[check]]
id = "api"
tcp = { address = "127.0.0.1:1" }
silence_matchers = ['alertname="HighLatency"', 'service=~"api|web"']
[alertmanager]
url = "AM_URL"
"#;

const MARKER: &str = "[opsdeck room=mirror target=check:api]";

type Headless = Console<TestBackend>;

fn plan_of(text: &str) -> Plan {
    let (plan, d) = parse_source(&Source::new("plan.toml", text), &|_| true);
    plan.unwrap_or_else(|| panic!("{}", d.render(&[])))
}

fn env() -> ProbeEnv {
    ProbeEnv { env: Arc::new(|_| None), base_dir: ".".into(), clients: Default::default() }
}

fn journal(dir: &std::path::Path, who: &str, read_only: bool) -> Journal {
    let store = AnyStore::Sqlite(SqliteStore::new(dir));
    Journal::new(store, "mirror", Actor { name: who.into(), host: "bastion-1".into(), from: None }, read_only, None).expect("journal")
}

/// `who`'s console on the room in `dir`, mirroring through the plan's Alertmanager.
fn console(dir: &std::path::Path, who: &str, plan: &Plan) -> Headless {
    let journal = journal(dir, who, false);
    let mirror = Mirror::spawn(plan, journal.clone(), &env()).expect("the plan has [alertmanager]");
    let keymap = KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("default keymap");
    let themes = ThemeLoader::new(None, ".".into());
    let (theme, theme_origin) = themes.load("dark").expect("dark theme");
    let look = Look { theme, theme_origin, keymap, depth: opsdeck::shell::theme::depth::Depth::TrueColor };
    let launch = opsdeck::adapters::launch_docs::load(plan);
    let state = initial_state(plan, "dark", &journal, launch, now_ms()).with_time_zone(jiff::tz::TimeZone::UTC);
    let link = JournalLink::start_outbound(journal, None, Some(mirror));
    let parts = Parts { themes, link, runner: StepRunner::default(), store_kind: "sqlite", ascii: false };
    Console::new(Terminal::new(TestBackend::new(160, 40)).expect("test terminal"), state, look, parts)
}

fn command(c: &mut Headless, text: &str) {
    assert_eq!(c.handle(opsdeck::shell::app::console::Msg::Key(Key::plain(KeyCode::Char(':')))), Flow::Continue);
    for ch in text.chars() {
        c.handle(opsdeck::shell::app::console::Msg::Key(Key::plain(KeyCode::Char(ch))));
    }
    c.handle(opsdeck::shell::app::console::Msg::Key(Key::plain(KeyCode::Enter)));
}

/// The mirror's records the console has read, in order.
fn mirrored(c: &Headless) -> Vec<(MirrorAction, bool, String, String)> {
    c.state().room().events().iter().filter_map(record).collect()
}

fn record(e: &Event) -> Option<(MirrorAction, bool, String, String)> {
    match e.body() {
        Some(Body::AlertmanagerSilence { action, ok, silence, detail, .. }) => Some((*action, *ok, silence.clone(), detail.clone())),
        _ => None,
    }
}

/// Hands the console what its journal link says until `done` holds.
async fn pump_until(c: &mut Headless, what: &str, done: impl Fn(&Headless) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done(c) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, c.next_inbound()).await {
            Ok(Some(msg)) => {
                c.handle(msg);
            }
            Ok(None) => panic!("the journal link closed while waiting for {what}"),
            Err(_) => panic!("never saw {what}; the room has {:?}", mirrored(c)),
        }
    }
}

fn ms_of(v: &Value) -> i64 {
    v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()).map(|t| t.as_millisecond()).unwrap_or_else(|| panic!("a time: {v}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_console_silence_is_mirrored_and_lifting_it_anywhere_expires_it() {
    let am = Alertmanager::start().await;
    let plan = plan_of(&PLAN.replace("AM_URL", &am.url));
    let dir = tempfile::tempdir().unwrap();

    let mut alice = console(dir.path(), "alice", &plan);
    let asked = now_ms();
    command(&mut alice, "silence api 30m deploying v2");
    pump_until(&mut alice, "the mirrored silence", |c| !mirrored(c).is_empty()).await;
    let records_now = mirrored(&alice);
    let [(MirrorAction::Created, true, id, detail)] = records_now.as_slice() else { panic!("{records_now:?}") };
    assert!(detail.contains(r#"alertname="HighLatency", service=~"api|web" until "#), "{detail}");

    let live = am.live_silences().await;
    let [silence] = live.as_slice() else { panic!("one silence: {live:?}") };
    assert_eq!(&silence["id"], id.as_str());
    assert_eq!(silence["comment"], format!("deploying v2 {MARKER}"));
    assert_eq!(silence["createdBy"], "alice@bastion-1");
    let mut matchers = silence["matchers"].as_array().unwrap().clone();
    matchers.sort_by_key(|m| m["name"].as_str().unwrap().to_string());
    assert_eq!(
        matchers,
        [
            json!({"name": "alertname", "value": "HighLatency", "isRegex": false, "isEqual": true}),
            json!({"name": "service", "value": "api|web", "isRegex": true, "isEqual": true}),
        ]
    );
    let ends = ms_of(&silence["endsAt"]);
    let want = asked + 30 * 60_000;
    assert!((want - 2_000..=want + 10_000).contains(&ends), "endsAt is the silence's end: {} vs {want}", silence["endsAt"]);

    // The timeline says so.
    alice.handle(opsdeck::shell::app::console::Msg::Key(Key::plain(KeyCode::Char('t'))));
    alice.draw(now_ms()).expect("draw");
    let screen = format!("{}", alice.terminal().backend());
    assert!(screen.contains(&format!("Silenced check:api in Alertmanager (silence {id})")), "{screen}");

    // Alice's console ends; Bob lifts the silence from his: nothing but
    // Alertmanager remembers the id, and the silence is expired.
    drop(alice);
    let mut bob = console(dir.path(), "bob", &plan);
    pump_until(&mut bob, "the room's events", |c| !mirrored(c).is_empty()).await;
    command(&mut bob, "unsilence api");
    pump_until(&mut bob, "the expiry", |c| mirrored(c).iter().any(|r| r.0 == MirrorAction::Expired)).await;
    let expiry = mirrored(&bob).into_iter().find(|r| r.0 == MirrorAction::Expired).unwrap();
    assert_eq!((expiry.1, &expiry.2, expiry.3.as_str()), (true, id, "lifted in opsdeck"));
    let all = am.silences().await;
    let state = all.iter().find(|s| s["id"] == id.as_str()).map(|s| s["status"]["state"].clone());
    assert_eq!(state, Some(json!("expired")));
}

fn window_plan(am_url: &str) -> Plan {
    let from = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60);
    let until = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let from = from.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let until = until.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let text = format!(
        "{}\n[[maintenance]]\nfrom = \"{from}\"\nuntil = \"{until}\"\nreason = \"primary database upgrade\"\nchecks = [\"api\"]\n",
        PLAN.replace("AM_URL", am_url)
    );
    plan_of(&text)
}

async fn records(j: &Journal) -> Vec<(MirrorAction, bool, String, String)> {
    j.sync(0).await.expect("read the room").iter().filter_map(record).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_maintenance_window_is_mirrored_once_however_many_consoles_start() {
    let am = Alertmanager::start().await;
    let plan = window_plan(&am.url);
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (journal(dir.path(), "alice", false), journal(dir.path(), "bob", false));
    // Both start at once: both may look before either creates.
    let a = Mirror::spawn(&plan, alice.clone(), &env()).unwrap();
    let b = Mirror::spawn(&plan, bob.clone(), &env()).unwrap();
    tokio::time::timeout(PATIENCE, async { tokio::join!(a.windows_mirrored(), b.windows_mirrored()) }).await.expect("windows mirrored");

    let live = am.live_silences().await;
    let [silence] = live.as_slice() else { panic!("one silence for the window: {live:#?}") };
    let comment = silence["comment"].as_str().unwrap();
    assert!(comment.starts_with("primary database upgrade [opsdeck room=mirror target=check:api window="), "{comment}");
    let until = plan.maintenance[0].window_ms().unwrap().1;
    assert_eq!(ms_of(&silence["endsAt"]), until);
    let created = records(&alice).await;
    let [(MirrorAction::Created, true, id, detail)] = created.as_slice() else { panic!("one record: {created:?}") };
    assert_eq!(&silence["id"], id.as_str());
    assert!(detail.starts_with("maintenance window "), "{detail}");

    // A console started later (or restarted) finds it and adds nothing.
    let carol = journal(dir.path(), "carol", false);
    let c = Mirror::spawn(&plan, carol.clone(), &env()).unwrap();
    tokio::time::timeout(PATIENCE, c.windows_mirrored()).await.expect("carol's look");
    assert_eq!(am.live_silences().await.len(), 1);
    assert_eq!(records(&carol).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_left_by_a_race_are_brought_back_to_one() {
    let am = Alertmanager::start().await;
    let plan = window_plan(&am.url);
    let w = &plan.maintenance[0];
    let marker =
        format!("[opsdeck room=mirror target=check:api window={}/{}]", w.from.as_deref().unwrap_or(""), w.until.as_deref().unwrap_or(""));
    // As if two consoles had each created the window's silence.
    let mut ids = [
        am.silence(&[("alertname", "HighLatency")], &format!("primary database upgrade {marker}")).await,
        am.silence(&[("alertname", "HighLatency")], &format!("primary database upgrade {marker}")).await,
    ];
    ids.sort();
    let dir = tempfile::tempdir().unwrap();
    let j = journal(dir.path(), "alice", false);
    let m = Mirror::spawn(&plan, j.clone(), &env()).unwrap();
    tokio::time::timeout(PATIENCE, m.windows_mirrored()).await.expect("mirrored");
    let live: Vec<Value> = am.live_silences().await;
    let kept: Vec<&str> = live.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(kept, [ids[0].as_str()], "the smallest id is kept");
    assert!(records(&j).await.is_empty(), "nothing new was created, so nothing is recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alertmanager_that_is_down_is_a_failure_on_the_timeline() {
    let plan = window_plan(&format!("http://127.0.0.1:{}", free_port()));
    let dir = tempfile::tempdir().unwrap();
    let j = journal(dir.path(), "alice", false);
    let mirror = Mirror::spawn(&plan, j.clone(), &env()).unwrap();
    let mut link = JournalLink::start_outbound(j.clone(), None, Some(mirror));
    let asked = Instant::now();
    link.append(Body::SilenceSet { target: "check:api".into(), until_ms: now_ms() + 60_000, reason: "drill".into() }).expect("append");
    assert!(asked.elapsed() < Duration::from_millis(100), "asking never waits for Alertmanager");
    let failures = wait_for_some_async("both failures recorded", PATIENCE, async || {
        while let Ok(m) = link.messages.try_recv() {
            drop(m);
        }
        let r = records(&j).await;
        (r.len() >= 2).then_some(r)
    })
    .await;
    for (action, ok, silence, detail) in &failures {
        assert_eq!((*action, *ok, silence.as_str()), (MirrorAction::Created, false, ""));
        assert!(detail.contains("cannot list silences: connection refused"), "{detail}");
    }
    assert!(failures.iter().any(|f| f.3.starts_with("maintenance window: ") && f.3.ends_with("trying again every 30s")), "{failures:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_console_mirrors_nothing() {
    let plan = plan_of(&PLAN.replace("AM_URL", "http://127.0.0.1:9093"));
    let dir = tempfile::tempdir().unwrap();
    assert!(Mirror::for_console(&plan, &journal(dir.path(), "watcher", true)).is_none());
    let without = plan_of(&PLAN.replace("[alertmanager]\nurl = \"AM_URL\"\n", ""));
    assert!(Mirror::for_console(&without, &journal(dir.path(), "alice", false)).is_none(), "no [alertmanager], no mirror");
}
