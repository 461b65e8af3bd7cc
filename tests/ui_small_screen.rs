//! 80x24 is a real terminal: every pane drawn at that size from one busy
//! room — five rollback actions and four triggers, a rollback proposed and
//! counting down, another waiting for a second person's approval, a
//! runbook step running here (a real process printing), a rollback running
//! on another console and an open incident with a long title. Each frame
//! is a snapshot, and each says what its pane is for: every action and
//! trigger listed, the run's output shown, the incident's whole title, the
//! status bar's countdown and help hint; under `--ascii` nothing but ASCII.

mod common;

use std::time::Duration;

use common::frames::{default_keymap, draw_as};

use opsdeck::adapters::exec::{RunSpec, Running};
use opsdeck::adapters::journal::{Actor, Body, NewEvent, Outcome, Subject};
use opsdeck::adapters::probe::Reading;
use opsdeck::adapters::probe::schedule::Sample;
use opsdeck::shell::action::Action;
use opsdeck::shell::app::live::LiveOutput;
use opsdeck::shell::app::state::State;
use opsdeck_core::config::{Source, parse_source};

const PLAN: &str = r#"
[deck]
name = "Payments cut-over"
environment = "production"
room = "payments"
[defaults]
raise_after = 1
clear_after = 1
stale_after = "1h"
[[check]]
id = "api"
name = "Payments API health"
http = { url = "http://127.0.0.1:1/health" }
band = { target = "< 200", acceptable = "< 500", critical = "> 1s" }
[[check]]
id = "errors"
name = "Payment errors"
prometheus = { url = "http://127.0.0.1:1", query = "x" }
unit = "ratio"
band = { target = "< 0.1%", acceptable = "< 1%", critical = "> 5%" }
[[check]]
id = "queue"
name = "Settlement queue"
redis = { url = "redis://127.0.0.1:1", queue = "bull:settle" }
band = { target = "< 100", acceptable = "< 1000", critical = "> 5000" }

[[checklist]]
id = "cutover"
title = "Cut-over"
items = [
  { text = "Card processor contacted and the change window confirmed in writing", phase = "Before" },
  { text = "Settlement queue drained to zero before the switch", phase = "Before", verify = "queue" },
  { text = "Traffic switched to the new processor for all regions", phase = "Switch" },
  { text = "Refunds tried end to end with a real card", phase = "After" },
]

[[runbook]]
id = "switch"
title = "Switch the processor"
steps = [
  { title = "Announce the switch in #payments-launch" },
  { title = "Migrate the ledger schema", run = "./migrate --apply" },
  { title = "Flip the routing flag", run = "flagctl on payments-v2", confirm = true },
]

[[rollback]]
id = "route-back"
title = "Route payments back to the old processor"
run = "flagctl off payments-v2"
preview = "flagctl status payments-v2"
verify_check = "errors"
danger = "high"
[[rollback]]
id = "ledger-down"
title = "Undo the ledger migration"
run = "./migrate --down 0042 --database postgres://ledger@db-primary.internal:5432/ledger --lock-timeout 30s --statement-timeout 5m"
two_person = true
danger = "high"
[[rollback]]
id = "drain-workers"
title = "Stop the settlement workers"
run = "kubectl scale deploy/settle --replicas=0"
[[rollback]]
id = "cache-flush"
title = "Flush the payments cache"
run = "redis-cli -n 3 flushdb"
danger = "medium"
[[rollback]]
id = "status-page"
title = "Post the degraded notice"
run = "statusctl post degraded"

[[trigger]]
id = "errors-high"
when = ["errors critical for 1m"]
propose = "route-back"
mode = "auto"
countdown = "60s"
[[trigger]]
id = "queue-stuck"
when = ["queue critical for 5m"]
propose = "drain-workers"
mode = "confirm"
[[trigger]]
id = "api-down"
when = ["api critical for 2m"]
propose = "status-page"
mode = "advise"
[[trigger]]
id = "errors-rising"
when = ["errors degraded for 10m"]
propose = "cache-flush"
mode = "confirm"
"#;

/// 2026-11-25 14:00:00 UTC.
const T0: i64 = 1_795_615_200_000;

fn who(name: &str) -> Actor {
    Actor { name: name.into(), host: "bastion-1".into(), from: None }
}

/// The busy room, and the process printing as the running step.
fn busy(runtime: &tokio::runtime::Runtime) -> (State, Running) {
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0).with_launch(opsdeck::adapters::launch_docs::load(&plan));
    let feed = |s: &mut State, check: usize, name: &str, values: &[f64]| {
        for (i, v) in values.iter().enumerate() {
            let at = T0 - 60_000 + i as i64 * 5_000;
            s.apply_sample(&Sample { check, at_ms: at, latency_ms: 12.0, result: Ok(Reading::new().with(name, *v)) });
        }
    };
    feed(&mut s, 0, "latency_ms", &[120.0, 140.0, 135.0, 180.0]);
    feed(&mut s, 1, "value", &[0.004, 0.03, 0.06, 0.072]);
    feed(&mut s, 2, "jobs", &[40.0, 42.0, 41.0]);
    let items: Vec<(String, String)> = s.launch().defs().items().map(|i| (i.id.clone(), i.text.clone())).collect();
    let book = s.launch().defs().runbooks[0].clone();
    let events = [
        (
            "alice",
            Body::IncidentOpened {
                title: "Card payments failing for a third of customers in eu-west since the switch".into(),
                severity: "P1".into(),
            },
        ),
        ("alice", Body::ChecklistTicked { item: items[0].0.clone(), text: items[0].1.clone(), evidence: None }),
        ("bob", Body::ChecklistClaimed { item: items[1].0.clone(), text: items[1].1.clone() }),
        ("alice", Body::StepConfirmed { runbook: "switch".into(), step: book.steps[0].id.clone(), title: book.steps[0].title.clone() }),
        (
            "alice",
            Body::RunClaimed {
                run: "r-migrate".into(),
                lock: book.lock(&book.steps[1]),
                subject: Subject::Step { runbook: "switch".into(), step: book.steps[1].id.clone() },
                lease_ms: 600_000,
                title: book.steps[1].title.clone(),
            },
        ),
        (
            "bob",
            Body::RunClaimed {
                run: "r-route".into(),
                lock: "rollback:route-back".into(),
                subject: Subject::Rollback { action: "route-back".into() },
                lease_ms: 30_000,
                title: "Route payments back to the old processor".into(),
            },
        ),
        (
            "bob",
            Body::RunFinished {
                run: "r-route".into(),
                outcome: Outcome::Failed,
                exit_code: Some(3),
                duration_ms: 1_800,
                output: "flagctl: talking to flags.internal\nflagctl: payments-v2 is locked by the change freeze".into(),
                truncated: false,
            },
        ),
        (
            "alice",
            Body::TriggerFired {
                trigger: "errors-high".into(),
                reason: "errors CRITICAL for 1m (last value 7.2% > 5%)".into(),
                mode: "auto".into(),
                rollback: Some("route-back".into()),
                frozen: None,
            },
        ),
        (
            "alice",
            Body::RollbackProposed {
                trigger: "errors-high".into(),
                rollback: "route-back".into(),
                reason: "errors CRITICAL for 1m (last value 7.2% > 5%)".into(),
                deadline_ms: Some(T0 + 42_000),
                on_no_answer: "run".into(),
                console: "c1".into(),
            },
        ),
        ("carol", Body::RollbackRequested { request: "q1".into(), action: "ledger-down".into() }),
        (
            "carol",
            Body::RunClaimed {
                run: "r-cache".into(),
                lock: "rollback:cache-flush".into(),
                subject: Subject::Rollback { action: "cache-flush".into() },
                lease_ms: 600_000,
                title: "Flush the payments cache".into(),
            },
        ),
    ];
    for (i, (name, body)) in events.iter().enumerate() {
        let at = T0 - 300_000 + i as i64 * 20_000;
        s.apply_event(NewEvent::new("payments", &who(name), at, body).stored(i as i64 + 1));
    }
    // The migration step runs here: a real process, printing.
    let running = runtime.block_on(async {
        let script =
            "printf 'ledger: 0041 already applied\\nledger: applying 0042_settlements\\nledger: copying rows 120000/480000\\n'; sleep 60";
        let running = Running::start(RunSpec::new(script, Duration::from_secs(120)));
        let view = running.live();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while view.read(|t| t.lines().count()) < 3 {
            assert!(tokio::time::Instant::now() < deadline, "the step printed nothing");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        running
    });
    s.run_started("r-migrate".into(), LiveOutput { started_ms: T0 - 220_000, view: running.live() });
    s.tick(T0);
    (s, running)
}

fn draw(state: &State, ascii: bool) -> String {
    draw_as(state, &default_keymap(), 80, 24, ascii)
}

fn runtime() -> tokio::runtime::Runtime {
    // SAFETY: set before any thread reads the environment in this test binary.
    unsafe { std::env::set_var("TZ", "UTC") };
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Every frame keeps the countdown of the waiting rollback and the help hint.
fn assert_status_bar(frame: &str) {
    let bar = frame.lines().last().unwrap_or_default();
    assert!(bar.contains("? help") || bar.contains(" ? "), "the help hint: {bar}");
    assert!(bar.contains("route-back"), "the countdown of the proposed rollback: {bar}");
}

#[test]
fn metrics_80x24() {
    let rt = runtime();
    let (s, _run) = busy(&rt);
    let frame = draw(&s, false);
    assert_status_bar(&frame);
    insta::assert_snapshot!(frame);
}

#[test]
fn checklist_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::ViewChecklist);
    let frame = draw(&s, false);
    assert_status_bar(&frame);
    assert!(frame.contains("Card processor contacted and the change window"), "an item's text comes first: {frame}");
    assert!(frame.contains("open incident"), "the incidents strip: {frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn runbook_with_a_running_step_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::ViewRunbook);
    let frame = draw(&s, false);
    assert_status_bar(&frame);
    assert!(frame.contains("copying rows 120000/480000"), "the running step's output: {frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn rollback_with_a_waiting_rollback_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::ViewRollback);
    let frame = draw(&s, false);
    assert_status_bar(&frame);
    for id in ["route-back", "ledger-down", "drain-workers", "cache-flush", "status-page"] {
        assert!(frame.lines().any(|l| l.starts_with("\"│ ") && l.contains(id)), "action {id} listed: {frame}");
    }
    for id in ["errors-high", "queue-stuck", "api-down", "errors-rising"] {
        assert!(frame.contains(&format!(" {id} [")), "trigger {id} listed: {frame}");
    }
    assert!(frame.contains("locked by the change freeze"), "the last run's output: {frame}");
    assert!(frame.contains("PROPOSED"), "the proposal: {frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn rollback_waiting_for_approval_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::ViewRollback);
    s.update(Action::Down);
    let frame = draw(&s, false);
    assert!(frame.contains("a approves"), "the approval it waits for: {frame}");
    assert!(frame.contains("--statement-timeout 5m"), "a long command wraps: {frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn incidents_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::ViewRollback);
    s.update(Action::FocusIncidents);
    let frame = draw(&s, false);
    assert_status_bar(&frame);
    assert!(frame.contains("Card payments failing for a third of customers in eu-west"), "the incident's title: {frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn incident_detail_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::FocusIncidents);
    s.update(Action::Open);
    let frame = draw(&s, false);
    assert!(frame.contains("since the switch"), "the whole title: {frame}");
    insta::assert_snapshot!(frame);
}

#[test]
fn changes_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::FocusIncidents);
    s.update(Action::FocusNext);
    let frame = draw(&s, false);
    assert_status_bar(&frame);
    insta::assert_snapshot!(frame);
}

#[test]
fn timeline_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::Timeline);
    let frame = draw(&s, false);
    assert_status_bar(&frame);
    insta::assert_snapshot!(frame);
}

#[test]
fn help_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    s.update(Action::ViewRollback);
    s.update(Action::Help);
    insta::assert_snapshot!(draw(&s, false));
}

/// Under `--ascii` every pane of the busy room is plain ASCII (the plan's
/// texts are ASCII here), the rollback pane included.
#[test]
fn every_pane_in_ascii_80x24() {
    let rt = runtime();
    let (mut s, _run) = busy(&rt);
    let views = [Action::ViewMetrics, Action::ViewChecklist, Action::ViewRunbook, Action::ViewRollback];
    for v in views {
        s.update(v);
        let frame = draw(&s, true);
        let body: String = frame.lines().map(|l| l.trim_start_matches('"').split('"').next().unwrap_or_default()).collect();
        assert!(body.is_ascii(), "{v:?} under --ascii: {}", body.chars().filter(|c| !c.is_ascii()).collect::<String>());
    }
    insta::assert_snapshot!(draw(&s, true));
}
