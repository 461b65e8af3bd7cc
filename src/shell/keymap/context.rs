//! Where a binding applies: everywhere, in one pane, or in an overlay.

use std::fmt;

/// A keymap context. Pane and overlay bindings win over `global` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Anywhere, unless the focused context binds the same key.
    Global,
    /// The metrics pane.
    Metrics,
    /// The recent-changes pane (state transitions across checks).
    Changes,
    /// The incidents pane and an incident's detail.
    Incidents,
    /// The launch checklist pane.
    Checklist,
    /// The runbook pane.
    Runbook,
    /// The rollback pane: actions and triggers.
    Rollback,
    /// The room's timeline view.
    Timeline,
    /// A check's detail view.
    Detail,
    /// The help overlay.
    Help,
    /// Text prompts: the palette, the filter, forms.
    Input,
}

impl Context {
    pub const ALL: &'static [Context] = &[
        Context::Global,
        Context::Metrics,
        Context::Changes,
        Context::Incidents,
        Context::Checklist,
        Context::Runbook,
        Context::Rollback,
        Context::Timeline,
        Context::Detail,
        Context::Help,
        Context::Input,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Metrics => "metrics",
            Context::Changes => "changes",
            Context::Incidents => "incidents",
            Context::Checklist => "checklist",
            Context::Runbook => "runbook",
            Context::Rollback => "rollback",
            Context::Timeline => "timeline",
            Context::Detail => "detail",
            Context::Help => "help",
            Context::Input => "input",
        }
    }

    pub fn parse(name: &str) -> Result<Context, String> {
        Context::ALL.iter().copied().find(|c| c.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
            format!("unknown context `[{name}]`; expected one of {}", names.join(", "))
        })
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
