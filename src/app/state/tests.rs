//! Reducer tests: actions and samples in, state and effects out.

use super::*;
use crate::config::{Source, parse_source};
use crate::probe::{ProbeError, Reading};

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

fn ok(check: usize, at_ms: i64, ms: f64) -> Sample {
    Sample {
        check,
        at_ms,
        latency_ms: 1.0,
        result: Ok(Reading::new().with("latency_ms", ms)),
    }
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
    s.apply_sample(&Sample {
        check: 0,
        at_ms: 2000,
        latency_ms: 1.0,
        result: Err(ProbeError::new("connection refused")),
    });
    s.apply_sample(&ok(2, 2000, 5000.0));
    assert_eq!(s.visible_rows()[0], 0, "unknown api sorts before ok rows");
    assert_eq!(s.selected_row(), Some(1), "the cursor stays on db");
    assert_eq!(s.changes.len(), 4, "three first samples and the error");
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
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(s.filter, "c");
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
    assert_eq!(
        s.update(Action::Submit),
        vec![Effect::SetTheme("light".into())]
    );
    s.update(Action::Palette);
    for c in "explode".chars() {
        s.type_char(c);
    }
    s.update(Action::Submit);
    assert!(
        s.message
            .as_ref()
            .is_some_and(|m| m.is_error && m.text.contains("unknown command"))
    );
    s.update(Action::Palette);
    for c in "open db".chars() {
        s.type_char(c);
    }
    s.update(Action::Submit);
    assert_eq!(s.detail, Some(1));
}

#[test]
fn help_focus_detail_and_quit() {
    let mut s = state();
    s.update(Action::Help);
    assert_eq!(s.overlay, Overlay::Help { scroll: 0 });
    s.update(Action::Down);
    assert_eq!(s.overlay, Overlay::Help { scroll: 1 });
    s.update(Action::Close);
    assert_eq!(s.overlay, Overlay::None);
    s.update(Action::FocusNext);
    assert_eq!(s.focus, Pane::Changes);
    s.update(Action::FocusNext);
    assert_eq!(s.focus, Pane::Metrics);
    s.update(Action::Open);
    assert_eq!(s.detail, Some(0));
    s.update(Action::Down);
    assert_eq!(s.detail, s.selected_row(), "detail follows the cursor");
    s.update(Action::Close);
    assert_eq!(s.detail, None);
    assert_eq!(s.update(Action::Quit), vec![Effect::Quit]);
}
