//! `opsdeck demo`'s world: a simulated web shop served on 127.0.0.1
//! ([`DemoService`]), the scripted story it lives through ([`Story`]: healthy,
//! latency spike, error burst, recovery, in a loop) and the built-in plan
//! that watches it ([`plan_text`]). The console and the command line are
//! elsewhere.

pub mod latency;
pub mod plan;
pub mod service;
pub mod story;
pub mod traffic;

pub use plan::{plan_source, plan_text};
pub use service::DemoService;
pub use story::{Conditions, Phase, Story};
