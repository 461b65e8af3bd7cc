//! Shared by the benchmarks: a plan with many checks and a board fed with
//! samples, so frames have realistic content.
#![allow(dead_code)]

use opsdeck::adapters::probe::Reading;
use opsdeck::adapters::probe::schedule::Sample;
use opsdeck::shell::app::state::State;
use opsdeck_core::config::{Plan, Source, parse_source};

pub const T0: i64 = 1_795_615_200_000;

/// A plan with `n` http checks against `url`.
pub fn plan(n: usize, url: &str, every: &str) -> Plan {
    let mut text = String::from("[deck]\nname = \"bench\"\nenvironment = \"production\"\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[check]]\nid = \"check-{i:03}\"\nname = \"Service {i:03} health\"\nhttp = {{ url = \"{url}\" }}\nevery = \"{every}\"\nband = {{ target = \"< 200\", acceptable = \"< 500\", critical = \"> 1s\" }}\n"
        ));
    }
    let (plan, diags) = parse_source(&Source::new("bench.toml", text), &|_| true);
    plan.unwrap_or_else(|| panic!("{}", diags.render(&[])))
}

/// A console state with `n` checks, each with 60 samples.
pub fn state(n: usize) -> State {
    let plan = plan(n, "http://127.0.0.1:1/", "5s");
    let mut s = State::new(&plan, "dark", T0);
    for i in 0..n {
        for k in 0..60 {
            let v = 100.0 + ((i * 37 + k * 11) % 400) as f64 + if k > 50 && i % 7 == 0 { 900.0 } else { 0.0 };
            s.apply_sample(&Sample {
                check: i,
                at_ms: T0 - 300_000 + k as i64 * 5_000,
                latency_ms: 3.0,
                result: Ok(Reading::new().with("latency_ms", v)),
            });
        }
    }
    s.tick(T0);
    s
}
