//! The metrics board: every check of the plan with its evaluator, fed by
//! probe samples. Pure: samples and the time come in as data.

use crate::config::units::Unit;
use crate::config::{Band, Check, Defaults, Plan};
use crate::reading::{Cause, ProbeError, Reading};
use crate::reading::{Sample, Timing};

use super::{Evaluator, EvaluatorConfig, Health, Observation, Transition};

/// One check as the console shows it.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub group: Option<String>,
    /// The quantity judged (`latency_ms`, `$.uptime`, `connections_used_ratio`).
    pub value_name: String,
    pub unit: Option<Unit>,
    pub band: Option<Band>,
    pub timing: Timing,
    pub eval: Evaluator,
    /// Wall time of the last probe run.
    pub last_latency_ms: Option<f64>,
    /// Every quantity of the last successful reading, for the detail view.
    pub last_reading: Option<Reading>,
    /// Probed and judged by each console itself (`local = true`), never by
    /// the room's prober.
    pub local: bool,
}

impl Row {
    pub fn health(&self) -> Health {
        self.eval.health()
    }

    /// `target < 200 · acceptable < 500 · critical > 1s`, compact.
    pub fn band_text(&self) -> String {
        let Some(b) = &self.band else {
            return String::new();
        };
        [&b.target, &b.acceptable, &b.critical]
            .into_iter()
            .flatten()
            .map(|bound| bound.to_string().replace(' ', ""))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// All checks, in plan order.
#[derive(Debug, Clone, Default)]
pub struct Board {
    pub rows: Vec<Row>,
}

impl Board {
    pub fn from_plan(plan: &Plan) -> Board {
        Board { rows: plan.checks.iter().map(|c| row_for(c, &plan.defaults)).collect() }
    }

    /// Feeds one probe sample; returns the state change it caused, if any.
    pub fn apply(&mut self, sample: &Sample) -> Option<Transition> {
        let row = self.rows.get_mut(sample.check)?;
        row.last_latency_ms = Some(sample.latency_ms);
        let observation = match &sample.result {
            Ok(reading) => {
                let value = reading.get(&row.value_name);
                row.last_reading = Some(reading.clone());
                match value {
                    Some(v) => Observation::value(sample.at_ms, v).with_note(reading.note.clone()),
                    None => Observation::error(sample.at_ms, missing_value(&row.value_name, reading)),
                }
            }
            Err(ProbeError(reason, Cause::NoAnswer)) => Observation::error(sample.at_ms, reason.clone()),
            Err(ProbeError(reason, Cause::TargetFailed)) => Observation::failure(sample.at_ms, reason.clone()),
        };
        row.eval.observe(observation)
    }

    /// Whether the checks the room's prober probes (all but the `local`
    /// ones) take their state from the room's judge (see
    /// [`Evaluator::set_following`]) rather than from this board.
    pub fn follow_room(&mut self, following: bool) {
        for row in self.rows.iter_mut().filter(|r| !r.local) {
            row.eval.set_following(following);
        }
    }

    /// The room's judge decided check `id`'s state: adopted by a row that
    /// follows the room; returns its row and the change, if any.
    pub fn adopt(&mut self, id: &str, to: Health, reason: &str, at_ms: i64) -> Option<(usize, Transition)> {
        let (i, row) = self.rows.iter_mut().enumerate().find(|(_, r)| r.id == id)?;
        if !row.eval.is_following() {
            return None;
        }
        row.eval.adopt(to, reason.to_string(), at_ms).map(|t| (i, t))
    }

    /// Marks checks without recent samples stale; returns the changes.
    pub fn tick(&mut self, now_ms: i64) -> Vec<(usize, Transition)> {
        self.rows.iter_mut().enumerate().filter_map(|(i, r)| r.eval.tick(now_ms).map(|t| (i, t))).collect()
    }

    /// Count of checks per health, in `Health::ALL` order.
    pub fn counts(&self) -> [(Health, usize); 5] {
        Health::ALL.map(|h| (h, self.rows.iter().filter(|r| r.health() == h).count()))
    }

    /// The worst health on the board (OK when empty).
    pub fn worst(&self) -> Health {
        self.rows.iter().map(Row::health).max_by_key(|h| h.severity()).unwrap_or(Health::Ok)
    }
}

fn missing_value(name: &str, reading: &Reading) -> String {
    format!("no `{name}` in the reading (it has {})", reading.names().join(", "))
}

fn row_for(check: &Check, defaults: &Defaults) -> Row {
    let value_name = check.value_name().to_string();
    let unit = check.unit.as_deref().and_then(Unit::parse).or_else(|| Unit::implied_by_name(&value_name));
    // The plan was validated, so the band resolves; a band that does not is shown as none.
    let band = check.band.as_ref().and_then(|b| b.resolve(unit).ok());
    let timing = Timing::for_check(check, defaults);
    let mut config = EvaluatorConfig::new(value_name.clone(), band);
    config.unit = unit;
    config.raise_after = check.raise_after.unwrap_or(defaults.raise_after);
    config.clear_after = check.clear_after.unwrap_or(defaults.clear_after);
    config.stale_after_ms = timing.stale_after.as_millis() as i64;
    Row {
        id: check.id.clone(),
        name: check.name.clone().unwrap_or_else(|| check.id.clone()),
        kind: check.probe.kind(),
        group: check.group.clone(),
        value_name,
        unit,
        band: check.band.clone(),
        timing,
        eval: Evaluator::new(config),
        last_latency_ms: None,
        last_reading: None,
        local: check.local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Source, parse_source};

    fn board(plan: &str) -> Board {
        let (plan, diags) = parse_source(&Source::new("p.toml", plan), &|_| true);
        let plan = plan.unwrap_or_else(|| panic!("{}", diags.render(&[])));
        Board::from_plan(&plan)
    }

    fn sample(check: usize, at_ms: i64, result: Result<Reading, ProbeError>) -> Sample {
        Sample { check, at_ms, latency_ms: 5.0, result }
    }

    const PLAN: &str = r#"
[deck]
name = "t"
[defaults]
raise_after = 2
clear_after = 1
stale_after = "10s"
[[check]]
id = "api"
http = { url = "http://127.0.0.1:1/" }
band = { target = "< 200", critical = "> 1s" }
"#;

    #[test]
    fn values_are_judged_in_the_checks_unit() {
        let mut b = board(PLAN);
        assert_eq!(b.rows[0].unit.map(|u| u.symbol), Some("ms"));
        assert_eq!(b.rows[0].band_text(), "<200 >1s");
        let t = b.apply(&sample(0, 1000, Ok(Reading::new().with("latency_ms", 1500.0)))).unwrap();
        assert_eq!(t.to, Health::Critical);
        assert_eq!(t.reason, "first sample: latency_ms 1.5s > 1s (critical)", "reasons speak in the value's unit");
        b.apply(&sample(0, 2000, Ok(Reading::new().with("latency_ms", 100.0))));
        assert_eq!(b.rows[0].health(), Health::Ok);
    }

    #[test]
    fn a_readings_note_ends_the_reason_and_follows_the_value() {
        let plan = "[deck]\nname = \"t\"\n[[check]]\nid = \"paging\"\nalertmanager = { url = \"http://am:9093\" }\nband = { target = \"< 1\", critical = \">= 2\" }\nraise_after = 1\n";
        let mut b = board(plan);
        let two = Reading::new().with("alerts", 2.0).with_note("ErrorBurst (5xx above 2%); HighLatency");
        let t = b.apply(&sample(0, 1000, Ok(two))).unwrap();
        assert_eq!(t.reason, "first sample: alerts 2 >= 2 (critical): ErrorBurst (5xx above 2%); HighLatency");
        // Still critical, other alerts: the reason says which fire now.
        b.apply(&sample(0, 2000, Ok(Reading::new().with("alerts", 3.0).with_note("A; B; C"))));
        assert_eq!(b.rows[0].eval.reason(), "alerts 3 >= 2 (critical): A; B; C");
        assert_eq!(b.rows[0].last_reading.as_ref().and_then(|r| r.note.as_deref()), Some("A; B; C"));
    }

    #[test]
    fn errors_and_missing_values_are_unknown_with_a_reason() {
        let mut b = board(PLAN);
        b.apply(&sample(0, 1000, Err(ProbeError::new("connection refused"))));
        assert_eq!(b.rows[0].health(), Health::Unknown);
        assert!(b.rows[0].eval.reason().contains("connection refused"));
        b.apply(&sample(0, 2000, Ok(Reading::new().with("status", 200.0))));
        assert!(b.rows[0].eval.reason().contains("no `latency_ms` in the reading (it has status)"), "{}", b.rows[0].eval.reason());
    }

    #[test]
    fn silence_turns_stale() {
        let mut b = board(PLAN);
        b.apply(&sample(0, 1000, Ok(Reading::new().with("latency_ms", 10.0))));
        assert!(b.tick(5000).is_empty());
        let changes = b.tick(12_000);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].1.to, Health::Unknown);
        assert_eq!(b.worst(), Health::Unknown);
    }
}
