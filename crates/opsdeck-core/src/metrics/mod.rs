//! Pure metrics engine: bounded time series, health states and per-check
//! evaluation with hysteresis and staleness. No I/O, no clocks — every
//! timestamp is passed in as unix milliseconds (`at_ms: i64`).

pub mod board;
pub mod describe;
pub mod evaluator;
pub mod health;
pub mod selector;
pub mod series;

pub use evaluator::{Evaluator, EvaluatorConfig, Observation, Transition};
pub use health::Health;
pub use series::{Point, Series};
