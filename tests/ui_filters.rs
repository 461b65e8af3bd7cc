//! A `/` filter belongs to the pane it was typed in: a timeline filter
//! leaves the metrics and the checklist whole, a metrics filter leaves the
//! checklist whole, and each pane's title shows its own filter. Frames are
//! drawn on ratatui's TestBackend.

use opsdeck::adapters::journal::{Actor, Body, NewEvent};
use opsdeck::shell::action::Action;
use opsdeck::shell::app::state::{Filtered, State};
use opsdeck::shell::keymap::KeymapLoader;
use opsdeck::shell::theme::ThemeLoader;
use opsdeck::shell::ui::{self, View};
use opsdeck_core::config::{Source, parse_source};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PLAN: &str = r#"
[deck]
name = "Filters"
room = "filters"
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/health" }
[[check]]
id = "db"
tcp = { address = "127.0.0.1:1" }
[[check]]
id = "canary-errors"
tcp = { address = "127.0.0.1:2" }
[[checklist]]
id = "go"
items = ["Backups taken", "Canary at 5%", "On-call paged"]
"#;

const T0: i64 = 1_795_615_200_000;

fn state() -> State {
    let (plan, d) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", d.render(&[])));
    let mut s = State::new(&plan, "dark", T0).with_launch(opsdeck::adapters::launch_docs::load(&plan));
    let who = |name: &str| Actor { name: name.into(), host: "vm".into(), from: None };
    let events = [("root", "canary at 5%"), ("alice", "canary looks fine"), ("root", "db failover done")];
    for (i, (name, text)) in events.iter().enumerate() {
        let body = Body::Marker { text: (*text).into() };
        s.apply_event(NewEvent::new("filters", &who(name), T0 - 60_000 + i as i64 * 1000, &body).stored(i as i64 + 1));
    }
    s
}

fn draw(state: &State) -> String {
    let keymap = KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("default keymap");
    let theme = ThemeLoader::new(None, ".".into()).load("dark").map(|(t, _)| t).expect("dark theme");
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");
    let view = View { state, theme: &theme, keymap: &keymap, ascii: false };
    terminal
        .draw(|f| {
            ui::render(f, &view);
        })
        .expect("draw");
    format!("{}", terminal.backend())
}

fn type_filter(s: &mut State, text: &str) {
    s.update(Action::Filter);
    for c in text.chars() {
        s.type_char(c);
    }
    s.update(Action::Submit);
}

#[test]
fn a_timeline_filter_filters_the_timeline_only() {
    let mut s = state();
    s.update(Action::Timeline);
    type_filter(&mut s, "actor:root canary");
    assert_eq!(s.filter(Filtered::Timeline), "actor:root canary");
    assert_eq!(s.filter(Filtered::Metrics), "");
    assert_eq!(s.filter(Filtered::Checklist), "");
    let timeline = draw(&s);
    assert!(timeline.contains("(1 of 3 events, filter \"actor:root canary\")"), "{timeline}");
    s.update(Action::Close);
    assert_eq!(s.visible_rows().len(), 3, "every check is listed");
    let metrics = draw(&s);
    assert!(metrics.contains("Metrics (3) "), "{metrics}");
    assert!(!metrics.contains("filter \""), "nothing else says a filter:\n{metrics}");
    s.update(Action::ViewChecklist);
    assert_eq!(s.visible_items().len(), 3);
    let checklist = draw(&s);
    assert!(!checklist.contains("no item matches the filter"), "{checklist}");
    // Back in the timeline, its filter is still there.
    s.update(Action::Timeline);
    assert!(draw(&s).contains("filter \"actor:root canary\""));
}

#[test]
fn metrics_and_checklist_keep_their_own_filters() {
    let mut s = state();
    type_filter(&mut s, "canary");
    assert_eq!(s.visible_rows().len(), 1, "only canary-errors");
    s.update(Action::ViewChecklist);
    assert_eq!(s.visible_items().len(), 3, "the metrics filter leaves the checklist whole");
    type_filter(&mut s, "backups");
    assert_eq!(s.visible_items().len(), 1);
    let frame = draw(&s);
    assert!(frame.contains("Checklist 0/3 done, filter \"backups\""), "{frame}");
    s.update(Action::ViewMetrics);
    assert_eq!(s.visible_rows().len(), 1, "the metrics keep theirs");
    let frame = draw(&s);
    assert!(frame.contains("Metrics (1 of 3, filter \"canary\")"), "{frame}");
    assert!(!frame.contains("backups"), "{frame}");
    // Esc clears the focused pane's filter only.
    s.update(Action::Close);
    assert_eq!(s.visible_rows().len(), 3);
    assert_eq!(s.filter(Filtered::Checklist), "backups");
}

#[test]
fn a_pane_without_a_filter_says_so() {
    let mut s = state();
    s.update(Action::FocusNext);
    s.update(Action::FocusNext);
    assert_eq!(s.focus(), opsdeck::shell::app::state::Pane::Incidents);
    s.update(Action::Filter);
    let said = s.message().map(|m| m.text.clone()).unwrap_or_default();
    assert_eq!(said, "the incidents pane has no filter; / filters the metrics, the checklist or the timeline");
}
