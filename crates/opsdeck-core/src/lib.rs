//! opsdeck's core: everything the console decides, with no I/O of its own.
//!
//! The journal's [`event`] vocabulary, the plan ([`config`]), what a probe
//! run gives ([`reading`]), incidents folded from events ([`domain`]), band
//! evaluation ([`metrics`]), [`trigger`] rules and their proposals, the
//! exactly-once run-lock rule and the launch folds ([`launch`], [`rollback`]),
//! the Markdown [`import`]er and [`format`]ting with the time zone passed in.
//!
//! This crate depends on no async runtime, terminal, network or database
//! crate; the compiler keeps it that way. The `opsdeck` binary crate holds
//! the adapters (stores, probers, process execution, notification delivery)
//! and the shell (the console loop, the command line, rendering).

pub mod config;
pub mod domain;
pub mod event;
pub mod format;
pub mod import;
pub mod json_assert;
pub mod launch;
pub mod metrics;
pub mod reading;
pub mod recorded;
pub mod rollback;
pub mod testing;
pub mod trigger;
