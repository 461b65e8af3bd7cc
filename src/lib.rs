//! opsdeck: a terminal operations console for launch day and incident war rooms.
//!
//! The library holds everything the `opsdeck` binary does, so tests and
//! benchmarks reach the internals. See `DESIGN` notes in the README for how
//! the modules fit together.

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod crash;
pub mod demo;
pub mod domain;
pub mod exec;
pub mod fault;
pub mod import;
pub mod journal;
pub mod keymap;
pub mod launch;
pub mod logging;
pub mod look;
pub mod metrics;
pub mod notify;
pub mod paths;
pub mod probe;
pub mod rollback;
pub mod samples;
pub mod secrets;
pub mod theme;
pub mod trigger;
pub mod ui;
