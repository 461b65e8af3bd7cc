//! The whole console, headless: a `Console` on ratatui's `TestBackend`,
//! driven by messages through a scripted launch. Samples arrive and the
//! API fails; the trigger proposes the rollback; another console (bob, on
//! the same SQLite room) ticks a checklist item; alice's keys open the
//! proposal, type the action's id and confirm; the rollback's command runs
//! and its result comes back through the journal. Frames are snapshotted
//! at each stage, and the console draws only when a message changed
//! something. On an 80x24 screen: an item its check ticks is not
//! acknowledged on the status bar, the user's own tick is, and a message
//! too long for the bar leaves room for the nearest countdown.
//!
//! Real parts throughout: the SQLite journal, the journal link's tasks, the
//! step runner's process. Only the sources are scripted: the test hands
//! the console each message the loop would, and waits for the journal's
//! answers by condition, never by a fixed sleep.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use opsdeck::adapters::journal::{Actor, AnyStore, Body, Journal, SqliteStore};
use opsdeck::adapters::probe::schedule::{Sample, now_ms};
use opsdeck::adapters::probe::{ProbeError, Reading};
use opsdeck::shell::app::console::{Console, Flow, Msg, Parts, initial_state};
use opsdeck::shell::app::journal_link::JournalLink;
use opsdeck::shell::app::step_runner::StepRunner;
use opsdeck::shell::keymap::{Key, KeymapLoader};
use opsdeck::shell::look::Look;
use opsdeck::shell::theme::ThemeLoader;
use opsdeck_core::config::{Plan, Source, parse_source};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PLAN: &str = r#"
[deck]
name = "Checkout v2 launch"
environment = "production"
room = "headless"
[defaults]
raise_after = 1
clear_after = 1
stale_after = "1h"
[[check]]
id = "api"
name = "Checkout API"
http = { url = "http://127.0.0.1:1/health" }
band = { target = "< 200", acceptable = "< 500", critical = "> 1s" }
[[checklist]]
id = "go-live"
title = "Go-live"
items = ["Freeze merges to main", "Announce the launch in #launch"]
[[rollback]]
id = "previous-release"
title = "Roll back to the previous release"
run = "echo switched back to 2.9.4"
danger = "high"
[[trigger]]
id = "api-failing"
when = ["api failed 3x"]
propose = "previous-release"
mode = "confirm"
"#;

/// A launch whose first item is ticked by its check.
const VERIFY_PLAN: &str = r#"
[deck]
name = "Checkout v2 launch"
environment = "production"
room = "headless"
[defaults]
raise_after = 1
clear_after = 1
stale_after = "1h"
[[check]]
id = "api"
name = "Checkout API"
http = { url = "http://127.0.0.1:1/health" }
band = { target = "< 200", acceptable = "< 500", critical = "> 1s" }
[[checklist]]
id = "go-live"
title = "Go-live"
items = [{ text = "Checkout API healthy", verify = "api" }, "Announce the launch in #launch"]
"#;

type Headless = Console<TestBackend>;

fn plan() -> Plan {
    plan_of(PLAN)
}

fn plan_of(text: &str) -> Plan {
    let (plan, d) = parse_source(&Source::new("plan.toml", text), &|_| true);
    plan.unwrap_or_else(|| panic!("{}", d.render(&[])))
}

fn person(name: &str) -> Actor {
    Actor { name: name.into(), host: "bastion-1".into(), from: None }
}

async fn journal(dir: &std::path::Path, who: &str) -> Journal {
    let store = AnyStore::Sqlite(SqliteStore::new(dir));
    Journal::new(store, "headless", person(who), false, None).expect("journal")
}

/// Alice's console on a 120x40 TestBackend.
async fn console(dir: &std::path::Path) -> Headless {
    console_with(dir, plan(), 120, 40).await
}

/// Alice's console for `plan` on a `width`x`height` TestBackend.
async fn console_with(dir: &std::path::Path, plan: Plan, width: u16, height: u16) -> Headless {
    let journal = journal(dir, "alice").await;
    let keymap = KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("default keymap");
    let themes = ThemeLoader::new(None, ".".into());
    let (theme, theme_origin) = themes.load("dark").expect("dark theme");
    let look = Look { theme, theme_origin, keymap, depth: opsdeck::shell::theme::depth::Depth::TrueColor };
    let launch = opsdeck::adapters::launch_docs::load(&plan);
    let state = initial_state(&plan, "dark", &journal, launch, now_ms()).with_time_zone(jiff::tz::TimeZone::UTC);
    let parts = Parts { themes, link: JournalLink::start(journal), runner: StepRunner::default(), store_kind: "sqlite", ascii: false };
    Console::new(Terminal::new(TestBackend::new(width, height)).expect("test terminal"), state, look, parts)
}

/// The screen as text, with wall-clock times and how long the command
/// took masked (events are stamped with the real time).
fn screen(c: &Headless) -> String {
    mask_run_times(&mask_clock_times(&format!("{}", c.terminal().backend())))
}

/// `after 3ms` → `after Nms`, `after 12ms` → `after Nms`: the line keeps
/// its width (the padding before the pane's right border takes the slack).
fn mask_run_times(text: &str) -> String {
    text.lines().map(mask_run_time).collect::<Vec<_>>().join("\n")
}

fn mask_run_time(line: &str) -> String {
    let Some(at) = line.find("after ") else { return line.to_string() };
    let (head, tail) = line.split_at(at + "after ".len());
    let digits = tail.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return line.to_string();
    }
    let masked = format!("{head}N{}", &tail[digits..]);
    match masked.rfind('│') {
        Some(border) => format!("{}{}{}", &masked[..border], " ".repeat(digits - 1), &masked[border..]),
        None => masked,
    }
}

fn mask_clock_times(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let window = &chars[i..(i + 8).min(chars.len())];
        let is_clock =
            window.len() == 8 && window.iter().enumerate().all(|(j, c)| if j == 2 || j == 5 { *c == ':' } else { c.is_ascii_digit() });
        if is_clock {
            out.push_str("hh:mm:ss");
            i += 8;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn key(c: &mut Headless, code: KeyCode) {
    assert_eq!(c.handle(Msg::Key(Key::plain(code))), Flow::Continue);
}

fn type_text(c: &mut Headless, text: &str) {
    for ch in text.chars() {
        key(c, KeyCode::Char(ch));
    }
}

/// Hands the console what the journal link and the step runner say until
/// `done` holds, drawing as the loop would; fails after `within`.
async fn pump_until(c: &mut Headless, what: &str, within: Duration, done: impl Fn(&Headless) -> bool) {
    let deadline = Instant::now() + within;
    while !done(c) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, c.next_inbound()).await {
            Ok(Some(msg)) => {
                c.handle(msg);
                c.draw(now_ms()).expect("draw");
            }
            Ok(None) => panic!("the journal link and the runner closed while waiting for {what}"),
            Err(_) => panic!("never saw {what} within {within:?}; the screen shows:\n{}", screen(c)),
        }
    }
}

fn failing(at_ms: i64) -> Sample {
    Sample { check: 0, at_ms, latency_ms: 3.0, result: Err(ProbeError::target_failed("HTTP 503")) }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scripted_launch_drives_the_whole_console_headless() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut c = console(dir.path()).await;
    let bob = journal(dir.path(), "bob").await;

    // The API answers well: one healthy sample.
    let t0 = now_ms();
    c.handle(Msg::Sample(Sample { check: 0, at_ms: t0, latency_ms: 120.0, result: Ok(Reading::new().with("latency_ms", 120.0)) }));
    assert!(c.draw(t0).expect("draw"));
    let healthy = screen(&c);
    assert!(healthy.contains("Checkout API") && healthy.contains("OK"), "{healthy}");

    // Then it fails three times: CRITICAL, and the trigger proposes the
    // rollback at the next clock tick, through the journal.
    for i in 1..=3 {
        c.handle(Msg::Sample(failing(t0 + i * 1_000)));
    }
    c.handle(Msg::Tick(t0 + 3_000));
    c.draw(t0 + 3_000).expect("draw");
    assert!(screen(&c).contains("CRIT Checkout API"), "{}", screen(&c));
    pump_until(&mut c, "the proposal", Duration::from_secs(20), |c| screen(c).contains("rollback previous-release proposed")).await;

    // Another console ticks the first item of the checklist.
    let item = c.state().launch().defs().checklists[0].phases[0].items[0].clone();
    bob.record(&Body::ChecklistTicked { item: item.id.clone(), text: item.text.clone(), evidence: None }).await.expect("bob ticks");
    pump_until(&mut c, "bob's tick", Duration::from_secs(20), |c| {
        c.state().progress().item(&item.id).by.as_ref().is_some_and(|(a, _)| a.name == "bob")
    })
    .await;
    key(&mut c, KeyCode::Char('2'));
    c.draw(now_ms()).expect("draw");
    insta::assert_snapshot!("checklist_after_bobs_tick", screen(&c));

    // Alice opens the rollback pane: the proposal waits for a person.
    key(&mut c, KeyCode::Char('4'));
    c.draw(now_ms()).expect("draw");
    let proposed = screen(&c);
    assert!(proposed.contains("PROPOSED by api-failing"), "{proposed}");
    insta::assert_snapshot!("rollback_proposed", proposed);

    // Enter opens the confirm form; she types the id and confirms.
    key(&mut c, KeyCode::Enter);
    c.draw(now_ms()).expect("draw");
    assert!(screen(&c).contains("Type the action id"), "{}", screen(&c));
    type_text(&mut c, "previous-release");
    key(&mut c, KeyCode::Enter);
    c.draw(now_ms()).expect("draw");

    // The claim comes back, holds, the command runs and its result is recorded.
    pump_until(&mut c, "the rollback's result", Duration::from_secs(30), |c| {
        let s = screen(c);
        s.contains("succeeded") && s.contains("switched back to 2.9.4")
    })
    .await;
    insta::assert_snapshot!("rollback_ran", screen(&c));

    // The timeline tells the story, with who did what.
    key(&mut c, KeyCode::Char('t'));
    c.draw(now_ms()).expect("draw");
    let timeline = screen(&c);
    for line in ["Trigger api-failing proposes rollback previous-release", "Confirmed rollback previous-release", "bob"] {
        assert!(timeline.contains(line), "the timeline shows {line:?}:\n{timeline}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_draws_only_when_a_message_changed_something() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut c = console(dir.path()).await;
    let t0 = now_ms();
    assert!(c.wants_frame(), "the first frame is due");
    assert!(c.draw(t0).expect("draw"));
    assert!(!c.draw(t0).expect("draw"), "nothing changed: no second frame");

    // A key bound to nothing changes nothing.
    c.handle(Msg::Key(Key::plain(KeyCode::F(12))));
    assert!(!c.wants_frame(), "an unbound key draws nothing");

    // A sample does.
    c.handle(Msg::Sample(failing(t0)));
    assert!(c.wants_frame());
    assert!(c.draw(t0).expect("draw"));

    // A status report of the journal link that says who is here changes
    // the status bar; the same report again changes nothing.
    let status = || opsdeck::shell::app::journal_link::FromJournal::Status {
        online: true,
        queued: 0,
        present: vec![(person("alice"), now_ms())],
        problem: None,
    };
    c.handle(Msg::Journal(status()));
    assert!(c.wants_frame(), "the first report changes who is shown here");
    c.draw(now_ms()).expect("draw");
    c.handle(Msg::Journal(status()));
    assert!(!c.wants_frame(), "a report saying what the last one said draws nothing");

    // The clock ticks the ages and deadlines: a frame.
    c.handle(Msg::Tick(t0 + 1_000));
    assert!(c.wants_frame());
}

/// The status bar: the screen's last line, without its quotes.
fn status_line(c: &Headless) -> String {
    screen(c).lines().last().unwrap_or_default().trim_matches('"').to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_users_own_appends_are_acknowledged_and_a_message_never_hides_the_nearest_countdown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut c = console_with(dir.path(), plan_of(VERIFY_PLAN), 80, 24).await;
    let bob = journal(dir.path(), "bob").await;
    let items = c.state().launch().defs().checklists[0].phases[0].items.clone();

    // The check holds: the console ticks the first item by itself. Once
    // the link has answered for that append, nothing was said about it.
    let t0 = now_ms();
    c.handle(Msg::Sample(Sample { check: 0, at_ms: t0, latency_ms: 3.0, result: Ok(Reading::new().with("latency_ms", 120.0)) }));
    let mut recorded = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while recorded == 0 || c.state().progress().item(&items[0].id).status != opsdeck_core::launch::ItemStatus::Done {
        let left = deadline.saturating_duration_since(Instant::now());
        let msg = tokio::time::timeout(left, c.next_inbound()).await.expect("the tick and its answer").expect("the link is open");
        if let Msg::Journal(opsdeck::shell::app::journal_link::FromJournal::Recorded(answer)) = &msg {
            assert!(answer.as_ref().is_ok_and(|a| a.event().is_some()), "stored: {answer:?}");
            recorded += 1;
        }
        c.handle(msg);
    }
    c.draw(now_ms()).expect("draw");
    assert_eq!(c.state().message(), None, "an automatic tick is not acknowledged");
    assert!(!status_line(&c).contains("saved to the room"), "{}", status_line(&c));

    // The user ticks the second item: that is acknowledged.
    key(&mut c, KeyCode::Char('2'));
    key(&mut c, KeyCode::Down);
    key(&mut c, KeyCode::Char(' '));
    pump_until(&mut c, "the acknowledgement of alice's tick", Duration::from_secs(20), |c| {
        c.state().message().is_some_and(|m| m.text == "saved to the room as event #2")
    })
    .await;

    // Bob opens an incident: its acknowledgement deadline counts down.
    bob.record(&Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() }).await.expect("bob opens it");
    pump_until(&mut c, "bob's incident", Duration::from_secs(20), |c| c.state().room().incidents().len() == 1).await;

    // A message too long for the bar gives way to the countdown, at 80 columns.
    key(&mut c, KeyCode::Char(':'));
    type_text(&mut c, "deploy");
    key(&mut c, KeyCode::Enter);
    assert!(c.state().message().is_some_and(|m| m.is_error && m.text.chars().count() > 80), "{:?}", c.state().message());
    c.draw(now_ms()).expect("draw");
    let bar = status_line(&c);
    assert_eq!(bar.chars().count(), 80, "{bar:?}");
    assert!(bar.starts_with(" unknown command `deploy`"), "the message shows: {bar:?}");
    let left = bar.trim_end().rsplit_once("#3 ack in ").map(|(_, left)| left.to_string());
    assert!(left.is_some_and(|l| !l.is_empty() && !l.contains(' ')), "the countdown ends the bar: {bar:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn samples_and_the_clock_are_coalesced_while_a_key_draws_at_once() {
    use opsdeck::shell::app::pacing::{DATA_FRAME, FRAME};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut c = console(dir.path()).await;
    let t0 = now_ms();
    let before = Instant::now();
    assert!(c.draw(t0).expect("draw"));
    assert_eq!(c.frame_due(), None, "nothing changed since the frame");

    // Ten samples and a tick: data only, so the next frame waits for the data budget.
    for (k, ms) in (0..10).map(|k| (k, 100.0 + f64::from(k))) {
        let at = t0 + i64::from(k) * 10;
        c.handle(Msg::Sample(Sample { check: 0, at_ms: at, latency_ms: ms, result: Ok(Reading::new().with("latency_ms", ms)) }));
    }
    c.handle(Msg::Tick(t0 + 1_000));
    let due = c.frame_due().expect("a frame is wanted");
    assert!(due >= before + DATA_FRAME - FRAME, "samples wait for the clock's next tick (about {DATA_FRAME:?} after the last frame)");
    assert_eq!(c.frames(), 1, "no frame was drawn for a sample");

    // A key that changes the screen makes the frame due at once (one frame interval after the last).
    key(&mut c, KeyCode::Char('t'));
    let due = c.frame_due().expect("a frame is wanted");
    assert!(due <= Instant::now() + FRAME, "a key draws within one frame interval, not after the data budget");

    // One frame then shows everything that arrived: the last sample's value and the key's pane.
    assert!(c.draw(now_ms()).expect("draw"));
    assert_eq!(c.frames(), 2);
    key(&mut c, KeyCode::Char('t'));
    c.draw(now_ms()).expect("draw");
    assert!(screen(&c).contains("109ms"), "the coalesced frame shows the latest sample:\n{}", screen(&c));
}
