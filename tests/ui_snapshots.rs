//! Snapshots of whole frames on ratatui's TestBackend, at 80x24, 120x40 and
//! 180x40: the metrics pane with every state, the detail view, the help
//! overlay and the palette, the timeline, a form, `--ascii` glyphs and a
//! read-only console's help; enormous, tiny and negative values keeping the columns
//! aligned. Time is fixed so the frames are stable.

mod common;

use common::frames::{default_keymap, draw_as};
use opsdeck::adapters::probe::schedule::Sample;
use opsdeck::adapters::probe::{ProbeError, Reading};
use opsdeck::shell::action::Action;
use opsdeck::shell::app::room::StoreStatus;
use opsdeck::shell::app::state::State;
use opsdeck::shell::keymap::{Keymap, KeymapLoader};
use opsdeck_core::config::{Source, parse_source};

const PLAN: &str = r#"
[deck]
name = "Shopfront v3 launch"
environment = "production"
room = "shopfront-v3"
[defaults]
raise_after = 1
clear_after = 1
stale_after = "1h"
[[check]]
id = "api"
name = "API health"
http = { url = "http://127.0.0.1:1/health" }
band = { target = "< 200", acceptable = "< 500", critical = "> 1s" }
[[check]]
id = "error-rate"
name = "5xx ratio"
prometheus = { url = "http://127.0.0.1:1", query = "x" }
unit = "ratio"
band = { target = "< 0.1%", acceptable = "< 1%", critical = "> 5%" }
[[check]]
id = "db"
name = "DB connections used"
postgres = { url = "postgres://127.0.0.1:1/x", metric = "connections_used_ratio" }
band = { target = "< 60%", acceptable = "< 80%", critical = "> 95%" }
[[check]]
id = "queue"
name = "Email queue waiting"
redis = { url = "redis://127.0.0.1:1", queue = "bull:emails" }
band = { target = "< 100", acceptable = "< 1000", critical = "> 5000" }
[[check]]
id = "cert"
name = "Certificate"
tls = { host = "shop.example.com" }
band = { target = "> 21d", critical = "< 3d" }
"#;

/// 2026-11-25 14:00:00 UTC.
const T0: i64 = 1_795_615_200_000;

fn state() -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0);
    let feed = |s: &mut State, check: usize, name: &str, values: &[f64]| {
        for (i, v) in values.iter().enumerate() {
            let at = T0 - 60_000 + i as i64 * 5_000;
            s.apply_sample(&Sample { check, at_ms: at, latency_ms: 12.0, result: Ok(Reading::new().with(name, *v)) });
        }
    };
    feed(&mut s, 0, "latency_ms", &[120.0, 140.0, 135.0, 180.0, 260.0, 900.0, 1400.0, 1250.0]);
    feed(&mut s, 1, "value", &[0.0004, 0.0006, 0.003, 0.004]);
    feed(&mut s, 2, "connections_used_ratio", &[0.41, 0.42, 0.44, 0.43]);
    s.apply_sample(&Sample { check: 3, at_ms: T0 - 3_000, latency_ms: 2000.0, result: Err(ProbeError::new("connection refused")) });
    feed(&mut s, 4, "cert_days", &[12.5]);
    s.tick(T0);
    s
}

fn draw(state: &State, width: u16, height: u16) -> String {
    draw_with(state, &default_keymap(), width, height)
}

fn draw_with(state: &State, keymap: &Keymap, width: u16, height: u16) -> String {
    draw_as(state, keymap, width, height, false)
}

fn utc() {
    // Clock times in the changes pane are local; pin the zone for stable frames.
    // SAFETY: set before any thread reads the environment in this test binary.
    unsafe { std::env::set_var("TZ", "UTC") };
}

#[test]
fn metrics_pane_80x24() {
    utc();
    insta::assert_snapshot!(draw(&state(), 80, 24));
}

#[test]
fn metrics_pane_120x40() {
    utc();
    insta::assert_snapshot!(draw(&state(), 120, 40));
}

#[test]
fn detail_view_120x40() {
    utc();
    let mut s = state();
    s.update(Action::Open);
    insta::assert_snapshot!(draw(&s, 120, 40));
}

#[test]
fn help_overlay_80x24() {
    utc();
    let mut s = state();
    s.update(Action::Help);
    insta::assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn palette_and_filter_80x24() {
    utc();
    let mut s = state();
    s.update(Action::Filter);
    for c in "db".chars() {
        s.type_char(c);
    }
    insta::assert_snapshot!(draw(&s, 80, 24));
}

/// The state with one incident, raised to P0 and handed to a commander.
fn with_incident() -> State {
    use opsdeck::adapters::journal::{Actor, Body, NewEvent, Role};
    let mut s = state();
    let alice = Actor { name: "alice".into(), host: "bastion-1".into(), from: None };
    let bodies = [
        Body::IncidentOpened { title: "Checkout errors in eu-west".into(), severity: "P1".into() },
        Body::IncidentSeverity { incident: 1, from: "P1".into(), to: "P0".into(), reason: "every region failing".into() },
        Body::IncidentRole { incident: 1, role: Role::Commander, person: "bob".into() },
        Body::IncidentNote { incident: 1, text: "TODO: alert on checkout 5xx".into(), comms: false },
    ];
    for (i, body) in bodies.iter().enumerate() {
        let at = T0 - 600_000 + i as i64 * 60_000;
        s.apply_event(NewEvent::new("shopfront-v3", &alice, at, body).stored(i as i64 + 1));
    }
    s
}

#[test]
fn incidents_pane_120x40() {
    utc();
    insta::assert_snapshot!(draw(&with_incident(), 120, 40));
}

#[test]
fn incident_detail_80x24() {
    utc();
    let mut s = with_incident();
    s.update(Action::FocusNext);
    s.update(Action::Open);
    insta::assert_snapshot!(draw(&s, 80, 24));
}

const LAUNCH: &str = r#"
[[checklist]]
id = "go"
title = "Go-live"
items = [
  { text = "Backups restored on staging", phase = "Before" },
  { text = "Feature flag created, default off", phase = "Before" },
  { text = "On-call rota published", phase = "Before" },
  { text = "API answers healthy", phase = "Launch", verify = "api" },
  { text = "Ramp to 100%", phase = "Launch" },
]
[[runbook]]
id = "deploy"
title = "Deploy checkout"
steps = [
  { title = "Announce the window in #launch" },
  { title = "Run migrations", run = "./migrate.sh --apply" },
  { title = "Roll out", run = "kubectl rollout restart deploy/checkout", confirm = true },
]
"#;

/// The plan with a checklist and a runbook, and the room part-way through both.
fn with_launch() -> State {
    use opsdeck::adapters::journal::{Actor, Body, NewEvent, Outcome, Subject};
    let text = format!("{PLAN}{LAUNCH}");
    let (plan, d) = parse_source(&Source::new("p.toml", &text), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0).with_launch(opsdeck::adapters::launch_docs::load(&plan));
    let who = |name: &str| Actor { name: name.into(), host: "bastion-1".into(), from: None };
    let items: Vec<(String, String)> = s.launch().defs().items().map(|i| (i.id.clone(), i.text.clone())).collect();
    let book = s.launch().defs().runbooks[0].clone();
    let step = |n: usize| book.steps[n].id.clone();
    let events = [
        ("alice", Body::ChecklistTicked { item: items[0].0.clone(), text: items[0].1.clone(), evidence: None }),
        ("bob", Body::ChecklistSkipped { item: items[2].0.clone(), text: items[2].1.clone(), reason: "rota is in PagerDuty".into() }),
        ("carol", Body::ChecklistClaimed { item: items[1].0.clone(), text: items[1].1.clone() }),
        (
            "alice",
            Body::ChecklistTicked {
                item: items[3].0.clone(),
                text: items[3].1.clone(),
                evidence: Some("api 142ms OK at 2026-11-25 13:58:00 UTC".into()),
            },
        ),
        ("alice", Body::StepConfirmed { runbook: "deploy".into(), step: step(0), title: book.steps[0].title.clone() }),
        (
            "bob",
            Body::RunClaimed {
                run: "r1".into(),
                lock: book.lock(&book.steps[1]),
                subject: Subject::Step { runbook: "deploy".into(), step: step(1) },
                lease_ms: 30_000,
                title: book.steps[1].title.clone(),
            },
        ),
        (
            "bob",
            Body::RunFinished {
                run: "r1".into(),
                outcome: Outcome::Failed,
                exit_code: Some(2),
                duration_ms: 4_200,
                output: "applying 0042_orders_index\nERROR: lock timeout on table orders".into(),
                truncated: false,
            },
        ),
    ];
    for (i, (name, body)) in events.iter().enumerate() {
        let at = T0 - 900_000 + i as i64 * 60_000;
        s.apply_event(NewEvent::new("shopfront-v3", &who(name), at, body).stored(i as i64 + 1));
    }
    s
}

#[test]
fn checklist_pane_120x40() {
    utc();
    let mut s = with_launch();
    s.update(Action::ViewChecklist);
    insta::assert_snapshot!(draw(&s, 120, 40));
}

#[test]
fn runbook_pane_with_a_failed_step_80x24() {
    utc();
    let mut s = with_launch();
    s.update(Action::ViewRunbook);
    insta::assert_snapshot!(draw(&s, 80, 24));
}

const ROLLBACKS: &str = r#"
[[rollback]]
id = "previous-release"
title = "Roll back to the previous release"
run = "vercel rollback --prod"
preview = "vercel ls --prod"
verify_check = "api"
danger = "high"
[[rollback]]
id = "flag-off"
title = "Turn the checkout flag off"
run = "flagctl off checkout-v3"
two_person = true
[[trigger]]
id = "errors-high"
when = ["error-rate critical for 1m"]
propose = "previous-release"
mode = "auto"
countdown = "60s"
"#;

/// A rollback that ran and failed, a trigger counting down to run it again,
/// and a two-person request waiting for approval.
#[test]
fn rollback_pane_with_a_countdown_120x40() {
    utc();
    insta::assert_snapshot!(draw(&with_rollbacks(), 120, 40));
}

/// The rollback pane: a failed run, a proposal counting down, a request
/// waiting for a second person.
fn with_rollbacks() -> State {
    use opsdeck::adapters::journal::{Actor, Body, NewEvent, Outcome, Subject};
    let text = format!("{PLAN}{ROLLBACKS}");
    let (plan, d) = parse_source(&Source::new("p.toml", &text), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0);
    let who = |name: &str| Actor { name: name.into(), host: "bastion-1".into(), from: None };
    let events = [
        (
            "bob",
            Body::RunClaimed {
                run: "r1".into(),
                lock: "rollback:previous-release".into(),
                subject: Subject::Rollback { action: "previous-release".into() },
                lease_ms: 30_000,
                title: "Roll back to the previous release".into(),
            },
        ),
        (
            "bob",
            Body::RunFinished {
                run: "r1".into(),
                outcome: Outcome::Failed,
                exit_code: Some(1),
                duration_ms: 2_300,
                output: "Error: no previous deployment to roll back to".into(),
                truncated: false,
            },
        ),
        (
            "alice",
            Body::TriggerFired {
                trigger: "errors-high".into(),
                reason: "error-rate CRITICAL for 1m (last value 7.2% > 5%)".into(),
                mode: "auto".into(),
                rollback: Some("previous-release".into()),
                frozen: None,
            },
        ),
        (
            "alice",
            Body::RollbackProposed {
                trigger: "errors-high".into(),
                rollback: "previous-release".into(),
                reason: "error-rate CRITICAL for 1m (last value 7.2% > 5%)".into(),
                deadline_ms: Some(T0 + 42_000),
                on_no_answer: "run".into(),
                console: "c1".into(),
            },
        ),
        ("carol", Body::RollbackRequested { request: "q1".into(), action: "flag-off".into() }),
    ];
    for (i, (name, body)) in events.iter().enumerate() {
        let at = T0 - 300_000 + i as i64 * 60_000;
        s.apply_event(NewEvent::new("shopfront-v3", &who(name), at, body).stored(i as i64 + 1));
    }
    s.update(Action::ViewRollback);
    s
}

/// A personal keymap that rebinds `n`, `4`, `v` and `a`: every hint names
/// the user's keys, none the default ones.
#[test]
fn hints_name_the_keys_of_a_rebound_keymap() {
    utc();
    let dir = tempfile::tempdir().expect("temp dir");
    let personal = dir.path().join("keymap.toml");
    let overlay = r#"
[global]
prepend_keymap = [{ on = "<F4>", run = "view.rollback", desc = "Rollbacks" }]
[incidents]
prepend_keymap = [
  { on = "N", run = "incident.new", desc = "Open a new incident" },
  { on = "n", run = "incident.note", desc = "Add a note" },
]
[rollback]
prepend_keymap = [
  { on = "<C-v>", run = "rollback.veto", desc = "Veto" },
  { on = "<C-a>", run = "rollback.approve", desc = "Approve" },
]
"#;
    std::fs::write(&personal, overlay).expect("overlay");
    let keymap = KeymapLoader { user_dir: None, personal: Some(personal), base_dir: ".".into() }.load("default").expect("keymap");

    let mut s = state();
    s.update(Action::FocusNext);
    s.update(Action::IncidentAck);
    let frame = draw_with(&s, &keymap, 120, 40);
    assert!(frame.contains("no incident selected; N opens one"), "{frame}");
    assert!(frame.contains("no incidents · N in this pane opens one"), "{frame}");

    let mut s = with_rollbacks();
    let frame = draw_with(&s, &keymap, 120, 40);
    assert!(frame.contains("F4 then <C-v> vetoes"), "the status bar: {frame}");
    assert!(frame.contains("· <C-v> vetoes"), "the proposal: {frame}");
    assert!(!frame.contains("4 then v") && !frame.contains(" v vetoes"), "{frame}");
    s.update(Action::Down);
    let frame = draw_with(&s, &keymap, 120, 40);
    assert!(frame.contains("two-person rule (<C-a> approves)"), "the two-person rule: {frame}");
    let store = StoreStatus { online: true, ..s.room().store().clone() };
    s.set_store(store);
    s.update(Action::RollbackRun);
    let frame = draw_with(&s, &keymap, 120, 40);
    assert!(frame.contains("carol@bastion-1 asked to run it at 13:59:00: <C-a> approves"), "the status bar: {frame}");
}

#[test]
fn queued_while_offline_120x40() {
    use opsdeck::adapters::journal::{Actor, Body, NewEvent};
    utc();
    let mut s = with_launch();
    s.update(Action::ViewChecklist);
    let me = Actor { name: "alice".into(), host: "bastion-1".into(), from: None };
    let (item, text) = s.launch().defs().items().nth(4).map(|i| (i.id.clone(), i.text.clone())).expect("the fifth item");
    s.queued_here(vec![
        NewEvent::new(
            "shopfront-v3",
            &me,
            T0 - 30_000,
            &Body::IncidentOpened { title: "Ramp stalled at 50%".into(), severity: "P1".into() },
        ),
        NewEvent::new("shopfront-v3", &me, T0 - 20_000, &Body::ChecklistTicked { item, text, evidence: None }),
    ]);
    let store = StoreStatus { kind: "postgres".into(), ..s.room().store().clone() };
    s.set_store(store);
    s.store_health(false, 2);
    s.append_queued();
    let frame = draw(&s, 120, 40);
    assert!(frame.contains("OFFLINE · 2 queued"), "{frame}");
    assert!(frame.contains("Incidents (0 open, 1 queued here)"), "{frame}");
    assert!(frame.contains("Ramp stalled at 50%") && frame.contains("QUEUED here, not in the room yet"), "{frame}");
    assert!(frame.contains("QUEUED here: done, not in the room yet"), "{frame}");
    insta::assert_snapshot!(frame);
}

const EXTREMES: &str = r#"
[deck]
name = "Extremes"
environment = "staging"
room = "extremes"
[defaults]
raise_after = 1
clear_after = 1
stale_after = "1h"
[[check]]
id = "huge"
command = { run = "x", output = "number" }
[[check]]
id = "negative"
command = { run = "x", output = "number" }
band = { target = "> 0", critical = "< -1000" }
[[check]]
id = "tiny"
command = { run = "x", output = "number" }
[[check]]
id = "slow"
http = { url = "http://127.0.0.1:1/" }
[[check]]
id = "big-disk"
command = { run = "x", output = "number" }
unit = "B"
[[check]]
id = "queue"
command = { run = "x", output = "number" }
"#;

/// Checks reading enormous, tiny, negative and odd values.
fn extremes() -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", EXTREMES), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0);
    let feed = |s: &mut State, check: usize, name: &str, values: &[f64]| {
        for (i, v) in values.iter().enumerate() {
            let at = T0 - 20_000 + i as i64 * 5_000;
            s.apply_sample(&Sample { check, at_ms: at, latency_ms: 12.0, result: Ok(Reading::new().with(name, *v)) });
        }
    };
    feed(&mut s, 0, "value", &[1.0, 1e300, 1e308, 1e308]);
    feed(&mut s, 1, "value", &[-5.0, -1e9, -1.7e308, -1.7e308]);
    feed(&mut s, 2, "value", &[1e-9, 2e-9, 5e-324, 1e-9]);
    feed(&mut s, 3, "latency_ms", &[120.0, 1e12, 1e308, 1e308]);
    feed(&mut s, 4, "value", &[1e300, 1e300, 1e300, 1e300]);
    feed(&mut s, 5, "value", &[12.0, 123_456.0, 99_999.0, 1_234_567.0]);
    s.tick(T0);
    s
}

/// Each metrics row of a frame: the text between the pane's borders.
fn metric_rows(frame: &str) -> Vec<String> {
    frame
        .lines()
        .map(|l| l.trim_matches('"').to_string())
        .filter(|l| l.starts_with('│') && (l.contains("✓ OK") || l.contains("✖ CRIT") || l.contains("▲ DEGR") || l.contains("? UNKN")))
        .collect()
}

#[test]
fn enormous_values_keep_the_metrics_columns_aligned() {
    utc();
    let s = extremes();
    for (w, h) in [(80, 24), (120, 40)] {
        let frame = draw(&s, w, h);
        let header = frame.lines().find(|l| l.contains("STATE  CHECK")).expect("a header").trim_matches('"');
        let header = header.trim_end_matches('│');
        assert!(header.ends_with("AGE"), "{header}");
        let rows = metric_rows(&frame);
        assert_eq!(rows.len(), 6, "{frame}");
        for row in &rows {
            // Every row is as wide as the header and ends with its age under
            // AGE: no value pushed the columns after it off the pane.
            let row = row.trim_end_matches('│');
            assert_eq!(row.chars().count(), header.chars().count(), "{w}x{h}: {row:?}");
            let age = row.rsplit(' ').next().unwrap_or_default();
            assert!(age == "now" || (age.ends_with('s') && age[..age.len() - 1].parse::<u32>().is_ok()), "{w}x{h}: {row:?}");
        }
        for value in ["1.0e308", "-1.7e308", "1.0e-9", "8.7e281EiB", "1.23M"] {
            assert!(frame.contains(value), "{w}x{h}: {value} missing:\n{frame}");
        }
    }
    insta::assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn enormous_values_in_the_detail_view_120x40() {
    utc();
    let mut s = extremes();
    // The check that went from 1 to 1e308: its chart spans all of it.
    while s.selected_row().is_some_and(|r| s.metrics().board().rows[r].id != "huge") {
        s.update(Action::Down);
    }
    s.update(Action::Open);
    let frame = draw(&s, 120, 40);
    assert!(frame.contains("▸huge"), "{frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn a_wide_terminal_180x40() {
    utc();
    let frame = draw(&with_incident(), 180, 40);
    assert!(frame.lines().all(|l| l.trim_matches('"').chars().count() <= 180), "{frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn the_timeline_120x40() {
    utc();
    let mut s = with_incident();
    use opsdeck::adapters::journal::{Actor, Body, NewEvent};
    let bob = Actor { name: "bob".into(), host: "bastion-2".into(), from: None };
    let marker = Body::Marker { text: "deploy shopfront 3.1.4".into() };
    s.apply_event(NewEvent::new("shopfront-v3", &bob, T0 - 300_000, &marker).stored(5));
    s.apply_event(NewEvent::new("shopfront-v3", &bob, T0 - 240_000, &Body::IncidentAcknowledged { incident: 1 }).stored(6));
    s.update(Action::Timeline);
    let frame = draw(&s, 120, 40);
    assert!(frame.contains("every region failing"), "the severity change is on the timeline:\n{frame}");
    // The event's number has its own column; the incident is named in words;
    // the longest kind leaves a space before the actor.
    assert!(frame.contains(" #6 incident.acknowledged bob          incident #1 · Acknowledged"), "{frame}");
    assert!(frame.contains(" #5 marker                bob          Marker: deploy shopfront 3.1.4"), "{frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn a_form_80x24() {
    utc();
    let mut s = with_incident();
    s.update(Action::IncidentNew);
    for c in "Payments timing out".chars() {
        s.type_char(c);
    }
    insta::assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn ascii_glyphs_80x24() {
    utc();
    let frame = draw_as(&state(), &default_keymap(), 80, 24, true);
    assert!(!frame.contains('✖') && !frame.contains('✓') && !frame.contains('▸'), "no Unicode state glyphs:\n{frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn a_read_only_console_80x24() {
    utc();
    let mut s = with_incident();
    let (room, actor) = (s.room().name().to_string(), s.room().actor().clone());
    s.join_room(room, actor, true);
    s.update(Action::Help);
    insta::assert_snapshot!(draw(&s, 80, 24));
}

/// At 80x24 with a rollback counting down and a crowded right side, the
/// status bar keeps the nearest countdown and the help hint (it used to go
/// blank exactly then).
#[test]
fn the_status_bar_at_80x24_keeps_the_countdown_and_the_help_hint() {
    utc();
    let s = with_rollbacks();
    let frame = draw(&s, 80, 24);
    let bar = frame.lines().last().unwrap_or_default().to_string();
    assert!(bar.contains("? help") || bar.contains(" ? "), "the help hint: {bar}");
    assert!(bar.contains("previous-release"), "the countdown: {bar}");
    assert!(bar.trim_matches(|c| c == '"' || c == ' ').len() > 20, "not blank: {bar}");
}

/// Under `--ascii` the detail names a state once (`State  CRITICAL`, not `State CRIT CRITICAL`).
#[test]
fn the_ascii_detail_says_its_state_once() {
    utc();
    let mut s = state();
    s.update(Action::Open);
    let keymap = default_keymap();
    let frame = draw_as(&s, &keymap, 80, 24, true);
    let line = frame.lines().find(|l| l.contains("State")).expect("a State line").to_string();
    for (sym, label) in [("OK", "OK"), ("CRIT", "CRITICAL"), ("DEG", "DEGRADED"), ("ACC", "ACCEPTABLE"), ("UNKN", "UNKNOWN")] {
        assert!(!line.contains(&format!("{sym} {label}")), "said twice: {line}");
    }
}

/// A check named in CJK or with an emoji takes two columns a character:
/// its row stays as wide as the others and keeps its AGE column.
#[test]
fn wide_characters_keep_the_metrics_columns() {
    utc();
    let plan = PLAN.replace("name = \"API health\"", "name = \"支付网关 健康检查 🚀 API\"");
    let (plan, d) = parse_source(&Source::new("p.toml", &plan), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0);
    s.apply_sample(&Sample { check: 0, at_ms: T0 - 25_000, latency_ms: 12.0, result: Ok(Reading::new().with("latency_ms", 120.0)) });
    s.tick(T0);
    for width in [80u16, 120] {
        let frame = draw(&s, width, 24);
        // The test backend's line, quoted, before its note on wide symbols.
        let line = frame.lines().find(|l| l.contains("支付")).expect("the row");
        let row = line.trim_start_matches('"').split('"').next().unwrap_or_default().to_string();
        let cols = unicode_width::UnicodeWidthStr::width(row.as_str());
        assert_eq!(cols, usize::from(width), "the row fills the pane exactly: {row}");
        assert!(row.trim_end_matches('│').trim_end().ends_with('s') || row.contains("now"), "AGE shows: {row}");
    }
}
