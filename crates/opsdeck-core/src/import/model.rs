//! The imported model: phases with checklist items and runbook steps, band rows
//! offered from metric tables, severities and trigger rules offered from
//! prose, and warnings with 1-based source lines.

use serde::Serialize;

/// Everything read from one Markdown document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Imported {
    /// The document's title: its only top-level (`#`) heading, when it has exactly one.
    pub title: Option<String>,
    /// Phases in document order, one per heading (plus a fallback phase for items above every heading).
    pub phases: Vec<Phase>,
    pub bands: Vec<BandRow>,
    /// Severity definitions (a table, headings or bold lines with a response time), offered as `[[severity]]`.
    pub severities: Vec<SeverityOffer>,
    /// Rollback and alert rules written as bullets with a comparison, offered as `[[trigger]]`.
    pub triggers: Vec<TriggerOffer>,
    pub warnings: Vec<Warning>,
    /// Runme-style front matter (`shell`, `cwd`), when the document opens with one.
    #[serde(skip_serializing_if = "FrontMatter::is_empty")]
    pub front: FrontMatter,
}

/// The keys of a document's YAML front matter that change how its blocks run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FrontMatter {
    /// The shell for `sh`/`shell` blocks (`bash`, `zsh`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    /// The working directory of every block, relative to the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

impl FrontMatter {
    pub fn is_empty(&self) -> bool {
        self.shell.is_none() && self.cwd.is_none()
    }
}

/// A severity read from the document, offered as a `[[severity]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityOffer {
    /// As written, upper-cased without separators: `P1`, `SEV2`.
    pub id: String,
    pub name: String,
    /// A deadline `[[severity]]` accepts: `"15m"`, `"4h"` or `"next business day"`.
    pub respond_within: String,
    /// The comms interval, when a line names one (`Updates every 30 minutes`).
    pub update_every: Option<String>,
    /// The criteria: the definition's other lines, joined with `; `.
    pub description: Option<String>,
    pub line: usize,
}

/// A rule read from the document, offered as a `[[trigger]]` whose checks are
/// placeholders (`<error-rate>`) that `opsdeck check` rejects until bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggerOffer {
    pub id: String,
    /// `rollback` (under a rollback triggers/criteria heading or label) or `alert`.
    pub kind: String,
    /// The heading or label the rule sits under (`Critical Alerts (PagerDuty)`).
    pub context: String,
    /// Conditions in opsdeck's language: `<error-rate> > 5% for 5m`, `<health-check> unreachable 3x`.
    pub when: Vec<String>,
    /// `any` or `all` of the conditions (`… and …` in the sentence).
    #[serde(rename = "match")]
    pub combine: String,
    /// The placeholder check ids in `when`, each to be replaced by a check of the plan.
    pub checks: Vec<String>,
    /// The sentence as written.
    pub text: String,
    pub line: usize,
}

/// A heading and what sits under it (up to the next heading).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Phase {
    /// Heading texts from the outermost phase to this one, e.g. `["Launch day", "Database"]`.
    pub path: Vec<String>,
    /// The heading's anchor as GitHub makes it (`database-issues`): `from = "doc.md#database-issues"`.
    pub anchor: String,
    /// The heading's level (1 for `#`), 0 for the phase of items above every heading.
    pub level: u8,
    /// The heading's 1-based line (the first item's for the phase above every heading).
    pub line: usize,
    /// Checklist items (`- [ ]` / `- [x]`), always imported unchecked.
    pub items: Vec<Item>,
    /// Runbook steps: numbered items and runnable code blocks.
    pub steps: Vec<Step>,
}

/// A checklist item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub text: String,
    pub line: usize,
    /// Nested bullets, later paragraphs and reference blocks under the item, one entry per line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// A runbook step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub id: String,
    pub text: String,
    pub line: usize,
    pub kind: StepKind,
    /// Nested bullets, later paragraphs and reference blocks under the step, one entry per line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// How a step is carried out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StepKind {
    /// Done by hand and confirmed.
    Manual,
    /// A shell script run by the console.
    Run {
        script: String,
        lang: String,
        name: Option<String>,
        timeout: Option<String>,
        confirm: bool,
        /// Marked `rollback=true`: also offered as a guarded rollback action.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        rollback: bool,
        /// The command that runs the script (`["bash"]`, `["python3"]`), from the fence,
        /// Runme's `interpreter` attribute or the front matter's `shell`.
        interpreter: Vec<String>,
        /// Runme's `cwd` (else the front matter's), relative to the document.
        #[serde(skip_serializing_if = "Option::is_none")]
        cwd: Option<String>,
        /// Runme's `excludeFromRunAll`: the step may be left out without a reason.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        optional: bool,
        /// An `sql` block's database, by the variable holding its URL.
        #[serde(skip_serializing_if = "Option::is_none")]
        dsn_env: Option<String>,
        /// An `sql` block's database, by the `postgres` check it borrows from.
        #[serde(skip_serializing_if = "Option::is_none")]
        check: Option<String>,
    },
}

/// One row of a metric table, offered as a band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandRow {
    pub name: String,
    pub line: usize,
    pub target: Option<Threshold>,
    pub acceptable: Option<Threshold>,
    /// The `Critical` column, or the `Alert Threshold` column of a three-column table.
    pub critical: Option<Threshold>,
}

/// A threshold cell, kept as written; `bound` is set when it reads as a `Bound` (`"< 200ms"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    pub text: String,
    /// The parsed bound, displayed canonically (`"< 200ms"`), or `None` when it does not parse.
    pub bound: Option<String>,
    /// How `bound` was derived when it is not the text itself (a `Warning` column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Something the importer skipped or guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

impl Phase {
    /// Whether the phase has numbered or runnable steps (a runbook candidate).
    pub fn has_steps(&self) -> bool {
        !self.steps.is_empty()
    }

    /// Depth of the phase (0 for a top-level phase).
    pub fn depth(&self) -> usize {
        self.path.len().saturating_sub(1)
    }
}
