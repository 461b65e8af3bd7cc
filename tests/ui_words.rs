//! The console's words where a tired person reads them, on ratatui's
//! TestBackend: an abandoned step says so (not "running on alice's
//! console"), a typed confirmation's label keeps a space before what is
//! typed, a choice typed into never saves another value, deadlines past
//! read "overdue by".

use opsdeck::adapters::journal::{Actor, Body, NewEvent, Subject};
use opsdeck::shell::action::Action;
use opsdeck::shell::app::room::StoreStatus;
use opsdeck::shell::app::state::{Overlay, State};
use opsdeck::shell::keymap::KeymapLoader;
use opsdeck::shell::theme::ThemeLoader;
use opsdeck::shell::ui::{self, View};
use opsdeck_core::config::{Source, parse_source};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PLAN: &str = r#"
[deck]
name = "Words"
room = "words"
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/health" }
[[runbook]]
id = "deploy"
steps = [{ title = "Migrate", run = "echo migrating" }, { title = "Tell the room" }]
[[rollback]]
id = "previous-release"
title = "Roll back to the previous release"
run = "echo rolling back"
danger = "high"
[[severity]]
id = "P1"
name = "High"
respond_within = "5m"
"#;

/// 2026-11-25 14:00:00 UTC.
const T0: i64 = 1_795_615_200_000;

fn state() -> State {
    // SAFETY: set before any thread of this test reads the environment.
    unsafe { std::env::set_var("TZ", "UTC") };
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0).with_launch(opsdeck::adapters::launch_docs::load(&plan));
    s.join_room("words".into(), Actor { name: "bob".into(), host: "vm".into(), from: None }, false);
    let store = StoreStatus { online: true, ..s.room().store().clone() };
    s.set_store(store);
    s
}

fn alice() -> Actor {
    Actor { name: "alice".into(), host: "vm".into(), from: None }
}

fn form(s: &State) -> opsdeck::shell::app::form::Form<opsdeck::shell::app::purpose::FormPurpose> {
    match s.overlay() {
        Overlay::Form(f) => f.clone(),
        other => panic!("the form stays open, not {other:?}"),
    }
}

fn draw(state: &State, width: u16, height: u16) -> String {
    let keymap = KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("default keymap");
    let theme = ThemeLoader::new(None, ".".into()).load("dark").map(|(t, _)| t).expect("dark theme");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let view = View { state, theme: &theme, keymap: &keymap, ascii: false };
    terminal
        .draw(|f| {
            ui::render(f, &view);
        })
        .expect("draw");
    format!("{}", terminal.backend())
}

#[test]
fn an_abandoned_step_says_it_was_abandoned() {
    let mut s = state();
    let step = s.launch().defs().runbooks[0].steps[0].clone();
    let lock = s.launch().defs().runbooks[0].lock(&step);
    let claim = Body::RunClaimed {
        run: "r1".into(),
        lock,
        subject: Subject::Step { runbook: "deploy".into(), step: step.id.clone() },
        lease_ms: 30_000,
        title: step.title.clone(),
    };
    // Claimed two minutes ago with a 30 s lease and never renewed.
    s.apply_event(NewEvent::new("words", &alice(), T0 - 120_000, &claim).stored(1));
    s.update(Action::ViewRunbook);
    let frame = draw(&s, 120, 30);
    assert!(!frame.contains("running on alice@vm's console"), "{frame}");
    assert!(frame.contains("── abandoned: alice@vm's console went quiet at 13:58:00 ──"), "{frame}");
    assert!(frame.contains("runs it again after typing its number"), "{frame}");
}

#[test]
fn a_typed_confirmation_keeps_a_space_after_its_label() {
    let mut s = state();
    s.update(Action::ViewRollback);
    s.update(Action::RollbackRun);
    for c in "previous".chars() {
        s.type_char(c);
    }
    let frame = draw(&s, 120, 30);
    assert!(frame.contains("Type the action id previous"), "{frame}");
    assert!(!frame.contains("idprevious"), "{frame}");
}

#[test]
fn a_choice_typed_into_never_saves_another_value() {
    let mut s = state();
    s.update(Action::CheckSilence);
    for c in "deploy noise".chars() {
        s.type_char(c);
    }
    s.update(Action::Complete);
    for c in "10m".chars() {
        s.type_char(c);
    }
    let effects = s.update(Action::Submit);
    assert!(effects.is_empty(), "nothing is appended: {effects:?}");
    let said = form(&s).error.unwrap_or_default();
    assert!(said.starts_with("For: no option is “10m”; "), "{said}");
    assert!(said.contains("15m, 30m, 1h, 2h, 4h, 8h"), "{said}");
    assert_eq!(form(&s).get("For"), "15m", "shown as it was, never saved");
    // Backspace twice leaves "1", which picks 1h, the first option it starts.
    s.update(Action::Backspace);
    s.update(Action::Backspace);
    assert_eq!(form(&s).get("For"), "15m", "`1` starts 15m first");
    s.type_char('h');
    assert_eq!(form(&s).get("For"), "1h");
    assert_eq!(form(&s).error, None);
}

#[test]
fn a_missed_deadline_reads_overdue_by() {
    let mut s = state();
    let opened = Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() };
    // Opened 5m12s ago with 5m to acknowledge it.
    s.apply_event(NewEvent::new("words", &alice(), T0 - 312_000, &opened).stored(1));
    s.tick(T0);
    let frame = draw(&s, 120, 30);
    assert!(frame.contains("#1 ack overdue by 12s"), "the status bar:\n{frame}");
    assert!(frame.contains("ack overdue by 12s"), "{frame}");
    assert!(!frame.contains("ack -12s"), "{frame}");
}
