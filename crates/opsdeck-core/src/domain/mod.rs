//! The pure incident core: incidents folded from journal events, the
//! lifecycle rules checked before an event is appended, response and update
//! deadlines, time spent in each severity, and the post-mortem export.
//!
//! Nothing here does I/O or reads a clock: times come in as unix
//! milliseconds, time zones as parameters.

pub mod deadlines;
pub mod incident;
pub mod incident_record;
pub mod incidents;
pub mod lifecycle;
pub mod postmortem;
pub mod severity;
pub mod severity_time;
pub mod silences;
pub mod timeline;

pub use deadlines::{Clocks, RespondClock, UpdateClock, clocks};
pub use incident::{Incident, Note, RoleChange, SeverityChange, StatusChange};
pub use incidents::Incidents;
pub use lifecycle::{Verdict, check};
pub use postmortem::postmortem;
pub use severity_time::{SeverityPeriod, severity_periods, time_in_severity};
