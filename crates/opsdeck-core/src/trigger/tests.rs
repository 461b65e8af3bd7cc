//! Unit tests of the trigger core, by topic.

mod conditions;
mod countdown;
mod gates;
mod replay;
mod support;
