//! The panes that can have focus and the orders of the metrics rows: plain
//! names shared by the state, the palette and the ui.

/// The panes that can have focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Metrics,
    Checklist,
    Runbook,
    Rollback,
    Incidents,
    Changes,
}

impl Pane {
    pub const ALL: [Pane; 6] = [Pane::Metrics, Pane::Checklist, Pane::Runbook, Pane::Incidents, Pane::Changes, Pane::Rollback];

    pub fn name(self) -> &'static str {
        match self {
            Pane::Metrics => "metrics",
            Pane::Checklist => "checklist",
            Pane::Runbook => "runbook",
            Pane::Rollback => "rollback",
            Pane::Incidents => "incidents",
            Pane::Changes => "changes",
        }
    }

    /// Panes shown in the main area, one at a time.
    pub fn is_main(self) -> bool {
        matches!(self, Pane::Metrics | Pane::Checklist | Pane::Runbook | Pane::Rollback)
    }
}

/// The panes a `/` filter narrows, each with its own filter: the metrics
/// rows, the checklist items and the room's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filtered {
    Metrics,
    Checklist,
    Timeline,
}

impl Filtered {
    pub fn name(self) -> &'static str {
        match self {
            Filtered::Metrics => "metrics",
            Filtered::Checklist => "checklist",
            Filtered::Timeline => "timeline",
        }
    }
}

/// How the metrics rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    /// Worst state first, then by name.
    Worst,
    Name,
    /// Most recently changed first.
    Changed,
}

impl SortMode {
    pub fn label(self) -> &'static str {
        match self {
            SortMode::Worst => "worst first",
            SortMode::Name => "by name",
            SortMode::Changed => "recently changed",
        }
    }

    pub(super) fn next(self) -> SortMode {
        match self {
            SortMode::Worst => SortMode::Name,
            SortMode::Name => SortMode::Changed,
            SortMode::Changed => SortMode::Worst,
        }
    }
}
