//! The metrics view: the board of checks (readings, bands, state), the
//! recent state changes, and where the user is in them: the cursor in the
//! metrics pane's filtered and sorted order, the changes pane's scroll, the
//! check whose detail is open, the sort order. Probe samples and the clock
//! change it ([`MetricsView::apply_sample`], [`MetricsView::tick`]); the
//! room's events do not. Silencing a check from here is in [`silence`].

mod silence;

use std::collections::VecDeque;

use super::cx::Cx;
use super::effect::Effect;
use crate::adapters::probe::schedule::Sample;
use crate::shell::action::Action;
use crate::shell::app::panes::Filtered;
use crate::shell::app::panes::{Pane, SortMode};
use opsdeck_core::config::Plan;
use opsdeck_core::metrics::board::{Board, Row};
use opsdeck_core::metrics::{Health, Transition};

/// One state change of one check, for the changes pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at_ms: i64,
    pub check: usize,
    pub from: Health,
    pub to: Health,
    pub reason: String,
}

/// What the pane's filter and order read of a row that samples change:
/// its state and when it was entered.
type OrderKey = (Health, Option<i64>);

/// A row's [`OrderKey`].
trait Ordered {
    fn order_key(&self) -> OrderKey;
}

impl Ordered for Row {
    fn order_key(&self) -> OrderKey {
        (self.health(), self.eval.since_ms())
    }
}

/// How many changes the changes pane keeps.
pub const CHANGES_KEPT: usize = 500;

#[derive(Debug, Clone)]
pub struct MetricsView {
    board: Board,
    /// Newest first.
    changes: VecDeque<Change>,
    /// Selected position in the metrics pane's visible order.
    selected: usize,
    /// First visible change (0 = newest).
    changes_scroll: usize,
    /// Row index of the check whose detail is open.
    detail: Option<usize>,
    sort: SortMode,
}

impl MetricsView {
    pub fn new(plan: &Plan) -> MetricsView {
        MetricsView {
            board: Board::from_plan(plan),
            changes: VecDeque::new(),
            selected: 0,
            changes_scroll: 0,
            detail: None,
            sort: SortMode::Worst,
        }
    }

    pub fn board(&self) -> &Board {
        &self.board
    }

    /// State changes, newest first.
    pub fn changes(&self) -> &VecDeque<Change> {
        &self.changes
    }

    /// Selected position in the metrics pane's visible order.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// First visible change (0 = newest).
    pub fn changes_scroll(&self) -> usize {
        self.changes_scroll
    }

    /// Row index of the check whose detail is open.
    pub fn detail(&self) -> Option<usize> {
        self.detail
    }

    pub fn sort(&self) -> SortMode {
        self.sort
    }

    /// Row indexes of the metrics pane, filtered and sorted.
    pub fn visible_rows(&self, filter: &str) -> Vec<usize> {
        self.order(filter, &|i| self.board.rows[i].order_key())
    }

    /// The pane's order when each row's state and its start are `key(row)`:
    /// the filter and the sort look at nothing else that samples change.
    fn order(&self, filter: &str, key: &dyn Fn(usize) -> OrderKey) -> Vec<usize> {
        let needle = filter.to_lowercase();
        let mut rows: Vec<usize> = (0..self.board.rows.len())
            .filter(|&i| {
                let r = &self.board.rows[i];
                needle.is_empty()
                    || [r.id.as_str(), r.name.as_str(), r.kind, r.group.as_deref().unwrap_or(""), key(i).0.label()]
                        .iter()
                        .any(|s| s.to_lowercase().contains(&needle))
            })
            .collect();
        let rows_ref = &self.board.rows;
        match self.sort {
            SortMode::Worst => rows.sort_by(|&a, &b| {
                let (ra, rb) = (&rows_ref[a], &rows_ref[b]);
                key(b).0.severity().cmp(&key(a).0.severity()).then_with(|| ra.name.cmp(&rb.name))
            }),
            SortMode::Name => rows.sort_by(|&a, &b| rows_ref[a].name.cmp(&rows_ref[b].name)),
            SortMode::Changed => rows.sort_by_key(|&i| std::cmp::Reverse(key(i).1.unwrap_or(i64::MIN))),
        }
        rows
    }

    /// The row index under the cursor, if any.
    pub fn selected_row(&self, filter: &str) -> Option<usize> {
        self.visible_rows(filter).get(self.selected).copied()
    }

    /// The row index of the check `id`.
    pub fn row_of(&self, id: &str) -> Option<usize> {
        self.board.rows.iter().position(|r| r.id == id)
    }

    /// Applies a probe sample (this console's, or the room's prober's);
    /// returns the state change it caused here, if any (none on a row that
    /// follows the room's judge).
    ///
    /// Most samples leave their row's state and its start as they were, and
    /// with them the pane's order: only a sample that changes them sorts
    /// the rows again (sorting a thousand rows twice per sample took a fifth
    /// of the CPU of a console probing 1,000 checks a second).
    pub fn apply_sample(&mut self, sample: &Sample, filter: &str) -> Option<Change> {
        let before = self.board.rows.get(sample.check)?.order_key();
        let change = self.board.apply(sample).map(|t| self.record(sample.check, t));
        if self.board.rows[sample.check].order_key() != before {
            let old = |i: usize| if i == sample.check { before } else { self.board.rows[i].order_key() };
            let selected = self.order(filter, &old).get(self.selected).copied();
            self.keep_selection(selected, filter);
        }
        change
    }

    /// Advances the clock: staleness; returns the changes.
    pub fn tick(&mut self, now_ms: i64, filter: &str) -> Vec<Change> {
        let selected = self.selected_row(filter);
        let changes = self.board.tick(now_ms).into_iter().map(|(i, t)| self.record(i, t)).collect();
        self.keep_selection(selected, filter);
        changes
    }

    /// Whether the rows probed for the room follow the room's judge.
    pub fn follow_room(&mut self, following: bool) {
        self.board.follow_room(following);
    }

    /// The room's judge decided check `id`'s state: shown by a row that follows it.
    pub fn adopt(&mut self, id: &str, to: Health, reason: &str, at_ms: i64, filter: &str) {
        let selected = self.selected_row(filter);
        if let Some((i, t)) = self.board.adopt(id, to, reason, at_ms) {
            self.record(i, t);
        }
        self.keep_selection(selected, filter);
    }

    fn record(&mut self, check: usize, t: Transition) -> Change {
        let id = self.board.rows.get(check).map_or("?", |r| r.id.as_str());
        tracing::info!(check = id, from = t.from.label(), to = t.to.label(), "{}", t.reason);
        // Newest first, by the time the change happened.
        let at = self.changes.iter().position(|c| c.at_ms <= t.at_ms).unwrap_or(self.changes.len());
        let change = Change { at_ms: t.at_ms, check, from: t.from, to: t.to, reason: t.reason };
        self.changes.insert(at, change.clone());
        self.changes.truncate(CHANGES_KEPT);
        if self.changes_scroll > 0 {
            // Keep the user's place while they read older changes.
            self.changes_scroll = (self.changes_scroll + 1).min(self.changes.len().saturating_sub(1));
        }
        change
    }

    /// Re-sorting must not move the cursor off the check the user was on.
    fn keep_selection(&mut self, row: Option<usize>, filter: &str) {
        if let Some(row) = row
            && let Some(pos) = self.visible_rows(filter).iter().position(|&r| r == row)
        {
            self.selected = pos;
        }
    }

    /// Keeps the cursor and the scroll inside what there is.
    pub fn clamp(&mut self, filter: &str) {
        let n = self.visible_rows(filter).len();
        self.selected = self.selected.min(n.saturating_sub(1));
        self.changes_scroll = self.changes_scroll.min(self.changes.len().saturating_sub(1));
    }

    /// Another pane took the focus: the detail closes.
    pub fn close_detail(&mut self) {
        self.detail = None;
    }

    /// Opens the detail of the check at `row` and puts the cursor on it.
    pub fn open_detail(&mut self, row: usize, filter: &str) {
        self.detail = Some(row);
        self.keep_selection(Some(row), filter);
    }

    /// The filter changed: the cursor goes back to the first row.
    pub fn to_first_row(&mut self) {
        self.selected = 0;
    }

    pub fn set_sort(&mut self, sort: SortMode) {
        self.sort = sort;
    }

    /// Keys of the metrics and changes panes: sorting, opening and closing a
    /// detail, moving, and silencing the check in focus.
    pub fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        match action {
            Action::SortCycle => {
                let row = self.selected_row(cx.filter(Filtered::Metrics));
                self.sort = self.sort.next();
                self.keep_selection(row, cx.filter(Filtered::Metrics));
                cx.say(format!("sorted {}", self.sort.label()));
            }
            Action::Close => self.detail = None,
            Action::Open => match cx.focus() {
                Pane::Metrics => self.detail = self.selected_row(cx.filter(Filtered::Metrics)),
                Pane::Changes => {
                    if let Some(c) = self.changes.get(self.changes_scroll) {
                        self.detail = Some(c.check);
                        cx.focus_pane(Pane::Metrics);
                    }
                }
                _ => {}
            },
            Action::CheckSilence => return self.silence_action(cx),
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => match cx.focus() {
                Pane::Changes => self.changes_scroll = cx.moved(action, self.changes_scroll, self.changes.len()),
                _ => {
                    self.selected = cx.moved(action, self.selected, self.visible_rows(cx.filter(Filtered::Metrics)).len());
                    if self.detail.is_some() {
                        self.detail = self.selected_row(cx.filter(Filtered::Metrics));
                    }
                }
            },
            _ => {}
        }
        Vec::new()
    }
}
