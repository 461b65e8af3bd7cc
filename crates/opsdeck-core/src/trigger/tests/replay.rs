//! Shadow replay over recorded samples and journal events.

use super::support::{MIN, SEC};
use crate::config::{Source, parse_source};
use crate::event::{Actor, Body, NewEvent};
use crate::recorded::{Outcome, RecordedSample};
use crate::trigger::replay;

const T0: i64 = 1_750_000_000_000;

const PLAN: &str = r#"
[deck]
name = "replay"
[defaults]
every = "5s"
raise_after = 1
clear_after = 1
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
band = { target = "< 200", acceptable = "< 500", critical = "> 1s" }
[[rollback]]
id = "release-previous"
run = "true"
[[trigger]]
id = "rollback-api"
when = ["api latency_ms > 5000 for 1m"]
propose = "release-previous"
mode = "confirm"
grace = "2m"
cooldown = "5m"
[[trigger]]
id = "auto-api"
when = ["api critical for 2m"]
propose = "release-previous"
mode = "auto"
countdown = "30s"
on_no_answer = "cancel"
"#;

fn sample(check: &str, at_ms: i64, latency: f64) -> RecordedSample {
    RecordedSample { check: check.into(), at_ms, latency_ms: 3.0, outcome: Outcome::Reading(vec![("latency_ms".into(), latency)]) }
}

fn clock(ms: i64) -> String {
    format!("t+{}s", (ms - T0) / SEC)
}

#[test]
fn the_timeline_shows_grace_firing_proposals_and_cooldown() {
    let (plan, diags) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let plan = plan.unwrap_or_else(|| panic!("{}", diags.render(&[])));
    // Fast for 2 minutes, slow (6.12s) for 4, fast again until 12 minutes.
    let samples: Vec<RecordedSample> = (0..144)
        .map(|i| {
            let at = T0 + i * 5 * SEC;
            let slow = (2 * MIN..6 * MIN).contains(&(at - T0));
            sample("api", at, if slow { 6120.0 } else { 120.0 })
        })
        .chain([sample("gone", T0, 1.0)])
        .collect();
    let marker = NewEvent::new("replay", &Actor::unknown(), T0 + 30 * SEC, &Body::Marker { text: "deploy v2".into() }).stored(1);
    let r = replay(&plan, &samples, &[marker], &clock);
    let lines: Vec<String> = r.timeline.iter().map(|h| format!("{} {} {}", clock(h.at_ms), h.trigger, h.text)).collect();
    let text = lines.join("\n");
    assert_eq!(r.samples, 144);
    assert_eq!(r.unknown_checks, ["gone"]);
    let expect_in_order = [
        "t+30s rollback-api would be in grace until t+150s after marker \"deploy v2\"",
        "t+150s rollback-api pending: api latency_ms 6120 > 5000 for 1m",
        "t+180s rollback-api would fire (confirm): api latency_ms 6120 > 5000 for 1m (13 samples) (no new firing before t+480s)",
        "t+180s rollback-api would propose release-previous and wait for a person to confirm",
        "t+240s auto-api would fire (auto): api CRITICAL for 2m (25 samples, last latency_ms 6.12s > 1s (critical))",
        "t+240s auto-api would start a 30s countdown to run release-previous (anyone can veto; at t+270s with no answer: drop it)",
        "t+270s auto-api countdown over, nobody answered: would drop the proposal of release-previous",
        "t+480s rollback-api cooled down, armed again",
    ];
    let mut from = 0;
    for want in expect_in_order {
        let found =
            lines[from..].iter().position(|l| l.starts_with(want)).unwrap_or_else(|| panic!("no {want:?} after line {from} in\n{text}"));
        from += found + 1;
    }
    assert!(!text.contains("t+30s auto-api"), "auto-api has no grace:\n{text}");
}

#[test]
fn nothing_recorded_replays_to_nothing() {
    let (plan, _) = parse_source(&Source::new("p.toml", PLAN), &|_| true);
    let r = replay(&plan.unwrap(), &[], &[], &clock);
    assert!(r.timeline.is_empty() && r.samples == 0);
}
