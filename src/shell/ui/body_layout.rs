//! Where the body's panes go: the main pane (metrics, a detail, the
//! checklist, a runbook or the rollbacks) with the incidents and changes
//! panes — a column on the right when wide, stacked below otherwise. On a
//! small screen (fewer than 30 rows for the body) a pane that needs its
//! height gets it: an open detail takes the whole body, and so does the
//! checklist, a runbook or the rollbacks while it has the focus, with a
//! one-line strip of the open incidents under it when there are any (their
//! nearest deadline is on the status bar too). Moving the focus to the
//! incidents or changes brings their panes back.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::shell::app::state::{Pane, State};

/// Below this many body rows the small-screen layout applies.
const SMALL_BODY: u16 = 30;

pub struct BodyLayout {
    pub main: Rect,
    pub incidents: Option<Rect>,
    pub changes: Option<Rect>,
    /// A one-line summary of the open incidents, when their pane is folded away.
    pub strip: Option<Rect>,
}

pub fn split(body: Rect, s: &State) -> BodyLayout {
    let detail_open = s.metrics().detail().is_some() || s.incidents().open().is_some();
    let queued = s.room().pending().incidents().len() as u16;
    if body.width >= 150 {
        let incidents_height = (s.room().incidents().len() as u16 + queued + 2).clamp(3, 8);
        let [main, side] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(body);
        let [inc, changes] = Layout::vertical([Constraint::Length(incidents_height.max(side.height / 2)), Constraint::Min(3)]).areas(side);
        return BodyLayout { main, incidents: Some(inc), changes: Some(changes), strip: None };
    }
    let small = body.height < SMALL_BODY;
    if detail_open && small {
        return BodyLayout { main: body, incidents: None, changes: None, strip: None };
    }
    let tall_main = matches!(s.main(), Pane::Checklist | Pane::Runbook | Pane::Rollback) && s.focus() == s.main();
    if small && tall_main {
        let open = s.room().incidents().list(s.room().severities()).any(|i| i.is_open()) || !s.room().pending().incidents().is_empty();
        if !open {
            return BodyLayout { main: body, incidents: None, changes: None, strip: None };
        }
        let [main, strip] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(body);
        return BodyLayout { main, incidents: None, changes: None, strip: Some(strip) };
    }
    let per = super::incidents_pane::lines_per_incident(body.width.saturating_sub(2));
    let incidents_height = (s.room().incidents().len() as u16 * per + queued + 2).clamp(3, 8);
    let changes_height = (body.height / 4).clamp(3, 10);
    let [main, inc, changes] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(incidents_height), Constraint::Length(changes_height)]).areas(body);
    BodyLayout { main, incidents: Some(inc), changes: Some(changes), strip: None }
}
