//! What is secret in this process, and masking it as `***` wherever text
//! leaves the process.
//!
//! **What is secret** ([`Redactor::build`], from the plan and the
//! environment):
//! - the value of every environment variable the plan names by an `*_env`
//!   key (`url_env` of http, prometheus, postgres and redis checks, each
//!   `headers_env` entry of http and prometheus checks, `slack_webhook_env`
//!   and `webhook_env`), whole —
//!   see [`plan_vars`];
//! - the value of every variable whose name contains `PASS`, `SECRET`,
//!   `TOKEN`, `KEY`, `CREDENTIAL` or `AUTH` (any case;
//!   [`is_secret_name`]), from the process environment and from the plan's
//!   `env` tables (command checks, runbooks, rollbacks);
//! - the password and the token-like query values (`token`, `api_key`,
//!   `sig`, `signature`, `password`, `auth`, `secret`, …) of any of those
//!   values, and of any environment or `env` table value, that is a URL
//!   (`DATABASE_URL=postgres://u:hunter22@h/db?token=abcd1234` masks
//!   `hunter22` and `abcd1234`);
//! - in any text, by shape: the password of every `scheme://user:PASS@host`
//!   and every token-like query value of a URL ([`url::mask_in_text`]).
//!
//! Other `env` table values are not secrets: they are written in the plan
//! (which keeps secrets out by rule), and masking `SERVICE = "shopfront"`
//! everywhere would garble every line that names the service.
//!
//! Values are masked longest first, so a secret containing another is
//! masked whole; a multi-line value is masked line by line. A value (or a
//! line of one) under [`MIN_SECRET_CHARS`] characters is not masked:
//! masking every `ab` would garble output and hide nothing. `opsdeck
//! check` warns about each such secret, naming the variable
//! ([`Redactor::unmaskable`]).
//!
//! **Where it is applied**: probe reasons as each sample is made
//! (`probe::schedule`, and before the command probe cuts its quotes), so
//! the console, its log lines, trigger reasons and `opsdeck status` never
//! see them; samples as written to the samples file; every journal event's
//! text as it is appended (`journal::Journal::append`, before the store or
//! the spool); runbook and rollback output (`exec`, given
//! [`Redactor::values`]); notification bodies; the log file (every line,
//! see `logging`); `opsdeck export` and `opsdeck status` output.
//!
//! **The process-wide instance.** Each command that runs probes, appends
//! to a journal or logs calls [`install`] once, after it has loaded the
//! plan; the log writer, the probe scheduler, the journal facade, the
//! samples recorder and the notifier read it with [`installed`]. Before
//! (or without) an install, [`installed`] is [`Redactor::EMPTY`], which
//! masks only URL credentials by shape. Where a clean path exists the
//! redactor is passed explicitly instead (`status`, `export`, `check`,
//! the secrets given to each runbook and rollback run).

mod names;
mod redactor;
pub mod url;

use std::sync::OnceLock;

pub use names::{PlanVar, SECRET_NAME_PARTS, is_secret_name, is_secret_query_key, plan_vars};
pub use redactor::{Part, Redactor, Unmaskable, process_vars};

/// What a secret value is replaced with.
pub const MASK: &str = "***";

/// Values shorter than this (in characters) are not masked (nor lines of a
/// multi-line value): masking every `1` or `on` would garble the output
/// and hide nothing.
pub const MIN_SECRET_CHARS: usize = 4;

static INSTALLED: OnceLock<Redactor> = OnceLock::new();

/// Makes `redactor` this process's, once: the first install wins and
/// later ones are ignored (returns whether this one was installed).
pub fn install(redactor: Redactor) -> bool {
    INSTALLED.set(redactor).is_ok()
}

/// This process's redactor: the installed one, else [`Redactor::EMPTY`].
pub fn installed() -> &'static Redactor {
    static NONE: Redactor = Redactor::EMPTY;
    INSTALLED.get().unwrap_or(&NONE)
}
