//! opsdeck: a terminal operations console for launch day and incident war rooms.
//!
//! What the console decides lives in the `opsdeck-core` crate (no I/O). This
//! crate holds the two rings around it: [`adapters`] (stores, probers,
//! process execution, notification delivery) and the [`shell`] (the console
//! loop, the command line, rendering, keys). The library holds everything
//! the `opsdeck` binary does, so tests and benchmarks reach the internals.

pub mod adapters;
pub mod demo;
pub mod fault;
pub mod logging;
pub mod paths;
pub mod resident;
pub mod secrets;
pub mod serve;
pub mod shell;
pub mod tls;
