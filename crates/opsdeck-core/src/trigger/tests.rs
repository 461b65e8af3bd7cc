//! Unit tests of the trigger core, by topic.

mod clearing;
mod conditions;
mod countdown;
mod gates;
mod replay;
mod support;
