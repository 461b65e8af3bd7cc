//! Reducer tests: actions and samples in, state and effects out.

use super::*;
use crate::adapters::journal::Body;
use crate::adapters::probe::{ProbeError, Reading};
use crate::shell::app::room::StoreStatus;
use opsdeck_core::config::{Source, parse_source};

const PLAN: &str = r#"
[deck]
name = "Test launch"
environment = "staging"
[defaults]
raise_after = 1
clear_after = 1
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
band = { target = "< 200", critical = "> 1000" }
[[check]]
id = "db"
tcp = { address = "127.0.0.1:1" }
[[check]]
id = "cache"
tcp = { address = "127.0.0.1:2" }
"#;

fn state() -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    State::new(&plan, "dark", 0)
}

/// This console acts as `actor` (in the plan's room).
fn act_as(s: &mut State, actor: Actor) {
    let (room, read_only) = (s.room().name().to_string(), s.room().read_only());
    s.join_room(room, actor, read_only);
}

/// This console only watches the room.
fn read_only(s: &mut State) {
    let (room, actor) = (s.room().name().to_string(), s.room().actor().clone());
    s.join_room(room, actor, true);
}

/// The store is up (or down); nothing else about it changes.
fn store_online(s: &mut State, online: bool) {
    let store = StoreStatus { online, ..s.room().store().clone() };
    s.set_store(store);
}

fn ok(check: usize, at_ms: i64, ms: f64) -> Sample {
    Sample { check, at_ms, latency_ms: 1.0, result: Ok(Reading::new().with("latency_ms", ms)) }
}

#[test]
fn worst_first_and_the_cursor_follows_its_check() {
    let mut s = state();
    for i in 0..3 {
        s.apply_sample(&ok(i, 1000, 10.0));
    }
    // Sorted by name among equals: api, cache, db.
    assert_eq!(s.visible_rows(), vec![0, 2, 1]);
    s.update(Action::Bottom);
    assert_eq!(s.selected_row(), Some(1), "on db");
    s.apply_sample(&Sample { check: 0, at_ms: 2000, latency_ms: 1.0, result: Err(ProbeError::new("connection refused")) });
    s.apply_sample(&ok(2, 2000, 5000.0));
    assert_eq!(s.visible_rows()[0], 0, "unknown api sorts before ok rows");
    assert_eq!(s.selected_row(), Some(1), "the cursor stays on db");
    assert_eq!(s.metrics().changes().len(), 4, "three first samples and the error");
}

#[test]
fn filter_prompt_filters_live_and_escape_clears() {
    let mut s = state();
    s.update(Action::Filter);
    for c in "db".chars() {
        s.type_char(c);
    }
    assert_eq!(s.visible_rows(), vec![1]);
    s.update(Action::Cancel);
    assert_eq!(s.visible_rows().len(), 3);
    s.update(Action::Filter);
    s.type_char('c');
    s.update(Action::Submit);
    assert_eq!(s.overlay(), &Overlay::None);
    assert_eq!(s.filter(Filtered::Metrics), "c");
}

#[test]
fn palette_runs_commands_and_reports_errors() {
    let mut s = state();
    s.update(Action::Palette);
    for c in "th".chars() {
        s.type_char(c);
    }
    s.update(Action::Complete);
    for c in "light".chars() {
        s.type_char(c);
    }
    assert_eq!(s.update(Action::Submit), vec![Effect::SetTheme("light".into())]);
    s.update(Action::Palette);
    for c in "explode".chars() {
        s.type_char(c);
    }
    s.update(Action::Submit);
    assert!(s.message().is_some_and(|m| m.is_error && m.text.contains("unknown command")));
    s.update(Action::Palette);
    for c in "open db".chars() {
        s.type_char(c);
    }
    s.update(Action::Submit);
    assert_eq!(s.metrics().detail(), Some(1));
}

fn palette(s: &mut State, line: &str) -> Vec<Effect> {
    s.update(Action::Palette);
    for c in line.chars() {
        s.type_char(c);
    }
    s.update(Action::Submit)
}

#[test]
fn the_palette_runs_any_action_by_its_keymap_name() {
    let mut s = state();
    assert!(palette(&mut s, "incident.new").is_empty());
    assert!(matches!(s.overlay(), Overlay::Form(f) if f.title == "Open an incident"), "{:?}", s.overlay());
    s.update(Action::Cancel);
    palette(&mut s, "focus.next");
    assert_eq!(s.focus(), Pane::Incidents, "as its key would");
    palette(&mut s, "view.rollback");
    assert!(s.message().is_some_and(|m| m.is_error && m.text.contains("no rollback")), "the plan has none");
    palette(&mut s, "incident.new now");
    assert!(s.message().is_some_and(|m| m.is_error && m.text.contains("takes nothing")));
    // Tab completes over action names as well as commands.
    s.update(Action::Palette);
    for c in "incident.n".chars() {
        s.type_char(c);
    }
    s.update(Action::Complete);
    assert_eq!(s.overlay(), &Overlay::Prompt { kind: PromptKind::Palette, text: "incident.new ".into() });
    assert!(s.update(Action::Submit).is_empty());
    assert!(matches!(s.overlay(), Overlay::Form(_)));
    s.update(Action::Cancel);
    // A read-only console refuses it by name as it does by key.
    read_only(&mut s);
    palette(&mut s, "incident.ack");
    assert_eq!(s.overlay(), &Overlay::None);
    assert!(s.message().is_some_and(|m| m.is_error && m.text.contains("read-only")));
}

#[test]
fn help_focus_detail_and_quit() {
    let mut s = state();
    s.update(Action::Help);
    assert_eq!(s.overlay(), &Overlay::Help { scroll: 0 });
    s.update(Action::Down);
    assert_eq!(s.overlay(), &Overlay::Help { scroll: 1 });
    s.update(Action::Close);
    assert_eq!(s.overlay(), &Overlay::None);
    s.update(Action::FocusNext);
    assert_eq!(s.focus(), Pane::Incidents);
    s.update(Action::FocusNext);
    assert_eq!(s.focus(), Pane::Changes);
    s.update(Action::FocusPrev);
    s.update(Action::FocusNext);
    s.update(Action::FocusNext);
    assert_eq!(s.focus(), Pane::Metrics);
    s.update(Action::Open);
    assert_eq!(s.metrics().detail(), Some(0));
    s.update(Action::Down);
    assert_eq!(s.metrics().detail(), s.selected_row(), "detail follows the cursor");
    s.update(Action::Close);
    assert_eq!(s.metrics().detail(), None);
    assert_eq!(s.update(Action::Quit), vec![Effect::Quit]);
}

mod incidents {
    use super::*;
    use crate::adapters::journal::{Actor, NewEvent, Status};

    fn stored(s: &State, seq: i64, body: &Body) -> Event {
        NewEvent::new(s.room().name(), s.room().actor(), 1_000 * seq, body).stored(seq)
    }

    /// Feeds what the reducer asked to append back as if the store stored it.
    fn store_effects(s: &mut State, effects: Vec<Effect>) {
        for e in effects {
            if let Effect::Append(body) = e {
                let seq = s.room().last_seq() + 1;
                let event = stored(s, seq, &body);
                s.apply_event(event);
            }
        }
    }

    fn with_incident() -> State {
        let mut s = state();
        act_as(&mut s, Actor { name: "alice".into(), host: "h".into(), from: None });
        s.update(Action::FocusNext);
        s.update(Action::IncidentNew);
        for c in "Checkout errors".chars() {
            s.type_char(c);
        }
        let effects = s.update(Action::Submit);
        assert!(matches!(effects.as_slice(), [Effect::Append(Body::IncidentOpened { .. })]), "{effects:?}");
        store_effects(&mut s, effects);
        s
    }

    #[test]
    fn opening_needs_a_title_and_lands_through_the_store() {
        let mut s = state();
        s.update(Action::IncidentNew);
        assert!(s.update(Action::Submit).is_empty(), "no title, no event");
        assert!(matches!(s.overlay(), Overlay::Form(f) if f.error.is_some()));
        let s = with_incident();
        assert_eq!(s.room().incidents().len(), 1);
        assert_eq!(s.current_incident(), Some(1));
    }

    #[test]
    fn a_downgrade_asks_for_a_second_enter() {
        let mut s = with_incident();
        // Raise to P0 first.
        s.update(Action::IncidentSeverity);
        s.update(Action::Up);
        s.update(Action::Complete);
        for c in "worse".chars() {
            s.type_char(c);
        }
        let effects = s.update(Action::Submit);
        store_effects(&mut s, effects);
        assert_eq!(s.room().incidents().get(1).map(|i| i.severity.as_str()), Some("P0"));
        // Now lower it: the first Enter only asks.
        s.update(Action::IncidentSeverity);
        s.update(Action::Down);
        s.update(Action::Down);
        s.update(Action::Complete);
        for c in "contained".chars() {
            s.type_char(c);
        }
        assert!(s.update(Action::Submit).is_empty());
        assert!(matches!(s.overlay(), Overlay::Form(f) if f.confirm.is_some()));
        let effects = s.update(Action::Submit);
        assert!(matches!(effects.as_slice(), [Effect::Append(Body::IncidentSeverity { to, .. })] if to == "P2"));
    }

    #[test]
    fn invalid_status_moves_are_refused_before_the_journal() {
        let mut s = with_incident();
        for to in [Status::Resolved, Status::Closed] {
            let from = s.room().incidents().get(1).map_or(Status::Investigating, |i| i.status);
            store_effects(&mut s, vec![Effect::Append(Body::IncidentStatus { incident: 1, from, to })]);
        }
        s.update(Action::IncidentNote);
        s.type_char('x');
        assert!(s.update(Action::Submit).is_empty(), "a closed incident takes no notes");
        assert!(matches!(s.overlay(), Overlay::Form(f) if f.error.as_deref().is_some_and(|e| e.contains("closed"))));
    }

    #[test]
    fn a_read_only_console_opens_no_forms() {
        let mut s = state();
        read_only(&mut s);
        assert!(s.update(Action::IncidentNew).is_empty());
        assert_eq!(s.overlay(), &Overlay::None);
        assert!(s.message().is_some_and(|m| m.is_error && m.text.contains("read-only")));
    }
}

mod countdown;
mod launch;

mod judge;
mod offline;
mod proposals;
mod rollback;
mod room;
mod silences {
    use super::*;
    use crate::adapters::journal::NewEvent;

    #[test]
    fn a_check_is_silenced_for_the_room_and_lifted_again() {
        let mut s = state();
        s.set_now(1_000_000);
        s.apply_sample(&ok(0, 1_000, 10.0));
        palette(&mut s, "open api");
        s.update(Action::CheckSilence);
        assert!(matches!(s.overlay(), Overlay::Form(_)), "asks how long and why");
        assert!(s.update(Action::Submit).is_empty(), "a reason is needed");
        for c in "deploying api".chars() {
            s.type_char(c);
        }
        let effects = s.update(Action::Submit);
        let [Effect::Append(body @ Body::SilenceSet { target, until_ms, reason })] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!((target.as_str(), *until_ms, reason.as_str()), ("check:api", 1_000_000 + 3_600_000, "deploying api"));
        let body = body.clone();
        s.apply_event(NewEvent::new(s.room().name(), s.room().actor(), s.now_ms(), &body).stored(1));
        assert!(s.room().silences().active("check:api", s.now_ms()).is_some());
        let lift = s.update(Action::CheckSilence);
        assert!(matches!(lift.as_slice(), [Effect::Append(Body::SilenceLifted { .. })]), "S again lifts it");
        read_only(&mut s);
        assert!(s.update(Action::CheckSilence).is_empty(), "a read-only console cannot silence");
    }

    #[test]
    fn the_palette_silences_by_id() {
        let mut s = state();
        s.set_now(1_000_000);
        s.update(Action::Palette);
        for c in "silence db 30m failover drill".chars() {
            s.type_char(c);
        }
        let effects = s.update(Action::Submit);
        let [Effect::Append(Body::SilenceSet { target, until_ms, reason })] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!((target.as_str(), *until_ms, reason.as_str()), ("check:db", 1_000_000 + 1_800_000, "failover drill"));
        s.update(Action::Palette);
        for c in "silence nope 30m why".chars() {
            s.type_char(c);
        }
        assert!(s.update(Action::Submit).is_empty());
        assert_eq!(s.message().map(|m| m.text.as_str()), Some("no check or trigger `nope`"));
    }
}

mod maintenance {
    use super::*;

    #[test]
    fn an_open_maintenance_window_silences_its_trigger() {
        let plan_text = r#"
[deck]
name = "Window"
[defaults]
raise_after = 1
clear_after = 1
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
band = { target = "< 200", critical = "> 1000" }
[[trigger]]
id = "slow-api"
when = ["api critical"]
[[maintenance]]
from = "2026-11-28T22:00:00Z"
until = "2026-11-28T23:00:00Z"
reason = "load balancer swap"
triggers = ["slow-api"]
"#;
        let (plan, d) = parse_source(&Source::new("p.toml", plan_text), &|_| true);
        let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
        let at = |hhmm: &str| format!("2026-11-28T{hhmm}:00Z").parse::<jiff::Timestamp>().map(|t| t.as_millisecond()).expect("time");
        let status = |now: i64| {
            let mut s = State::new(&plan, "dark", now);
            s.apply_sample(&ok(0, now, 5_000.0));
            s.tick(now);
            s.rollback().triggers().peek(now).into_iter().map(|r| format!("{:?}", r.status)).collect::<Vec<_>>().join(" ")
        };
        assert!(status(at("21:30")).starts_with("Firing"), "{}", status(at("21:30")));
        let inside = status(at("22:30"));
        assert!(inside.starts_with("Silenced") && inside.contains("load balancer swap"), "{inside}");
    }
}

mod rollback_steps {
    use super::*;

    #[test]
    fn runbook_steps_marked_rollback_are_offered_as_rollback_actions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let doc = "# Deploy\n\n1. Announce it\n\nRoll the release back:\n\n```sh { name=undo rollback=true confirm=true }\ndeployctl rollback shop\n```\n";
        std::fs::write(dir.path().join("deploy.md"), doc).expect("doc");
        let plan_text = r#"
[deck]
name = "Steps as rollbacks"
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
[[runbook]]
id = "deploy"
from = "deploy.md"
env = { SHOP = "eu" }
[[runbook]]
id = "inline"
steps = [{ title = "Flip the flag back", run = "flagctl off new-checkout", rollback = true }, { title = "Tell the room" }]
"#;
        let source = Source::new(dir.path().join("p.toml"), plan_text);
        let (plan, d) = parse_source(&source, &|_| true);
        let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
        let s = State::new(&plan, "dark", 0).with_launch(crate::adapters::launch_docs::load(&plan));
        let ids: Vec<&str> = s.rollback().defs().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert_eq!(ids[0], "deploy/undo");
        let undo = &s.rollback().defs()[0];
        assert_eq!(undo.run.trim(), "deployctl rollback shop");
        assert_eq!(undo.confirm, opsdeck_core::config::sections::ConfirmMode::Type, "confirm=true asks for the id");
        assert_eq!(undo.env.get("SHOP").map(String::as_str), Some("eu"));
        assert_eq!(ids[1], "inline/flip-the-flag-back", "a readable id, not a hash, to type");
    }
}
