//! Rounds of probes for `opsdeck status`: every check probed once per
//! round, all in parallel, by probers built once and kept across rounds (a
//! scraped counter has its rate from the second round) and judged on one
//! [`Board`] (so hysteresis is the board's). Counts, per check, the rounds
//! it was CRITICAL or UNKNOWN, and keeps each check's assertions as its last
//! round judged them. [`poll`] runs a gate's rounds by its [`Policy`];
//! [`Rounds::single`] is the one round of a status without `--for`, which
//! probes a scraped counter twice so that it has its rate.

use std::time::Duration;

use tokio::time::MissedTickBehavior;

use super::gate::{Policy, RoundOutcome, Tally, Verdict};
use crate::adapters::probe::json_assert::Condition;
use crate::adapters::probe::schedule::{self, Sample, Timing, now_ms};
use crate::adapters::probe::{ProbeEnv, ProbeError, Prober};
use opsdeck_core::config::Plan;
use opsdeck_core::metrics::Health;
use opsdeck_core::metrics::board::Board;

/// How long a status without `--for` waits before scraping a counter a
/// second time, for its rate (the check's `every` when that is shorter).
pub const SECOND_SCRAPE_AFTER: Duration = Duration::from_secs(1);

/// One check's prober (or why it could not be built) and its budget.
struct CheckProbe {
    prober: Result<Prober, ProbeError>,
    timeout: Duration,
    /// The check's `every`: bounds the wait before a second scrape.
    every: Duration,
    /// The check's assertions, unreached: reported when there is no prober.
    unreached: Vec<Condition>,
}

/// How often one check was bad over the rounds so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckCounts {
    /// Rounds after which the check was CRITICAL.
    pub failures: u32,
    /// Rounds after which the check was UNKNOWN.
    pub unknowns: u32,
}

/// The plan's checks, their probers and the board they feed.
pub struct Rounds {
    probes: Vec<CheckProbe>,
    pub board: Board,
    pub counts: Vec<CheckCounts>,
    pub tally: Tally,
}

impl Rounds {
    /// Every check's prober built, nothing probed yet.
    pub fn new(plan: &Plan, env: &ProbeEnv) -> Rounds {
        let probes = plan
            .checks
            .iter()
            .map(|c| CheckProbe {
                prober: schedule::build_prober(c, env),
                timeout: Timing::for_check(c, &plan.defaults).timeout,
                every: Timing::for_check(c, &plan.defaults).every,
                unreached: c.assert.iter().map(|a| Condition { condition: a.clone(), passed: false, actual: None }).collect(),
            })
            .collect();
        Rounds { probes, board: Board::from_plan(plan), counts: vec![CheckCounts::default(); plan.checks.len()], tally: Tally::default() }
    }

    /// Probes every check once, all in parallel; feeds the board, counts the
    /// bad states and returns what the round counts as.
    pub async fn round(&mut self) -> RoundOutcome {
        let samples = self.probe_all().await;
        self.record(&samples)
    }

    /// The one round of a status without `--for`: every check probed once,
    /// then each scraped counter that had no rate yet (its first scrape)
    /// probed again after [`SECOND_SCRAPE_AFTER`], or after its `every` when
    /// that is shorter, so that it reports its per-second rate. Only the
    /// second sample of those checks reaches the board.
    pub async fn single(&mut self) -> RoundOutcome {
        let mut samples = self.probe_all().await;
        let again = self.probes.iter_mut().enumerate().filter_map(|(i, p)| {
            let timeout = p.timeout;
            let wait = p.every.min(SECOND_SCRAPE_AFTER);
            match &mut p.prober {
                Ok(prober) if prober.awaits_second_probe() => Some(async move {
                    tokio::time::sleep(wait).await;
                    schedule::run_once(i, prober, timeout).await
                }),
                _ => None,
            }
        });
        for sample in futures::future::join_all(again.collect::<Vec<_>>()).await {
            if let Some(slot) = samples.get_mut(sample.check) {
                *slot = sample;
            }
        }
        self.record(&samples)
    }

    /// Every check probed once, all in parallel; samples in check order.
    async fn probe_all(&mut self) -> Vec<Sample> {
        let runs = self.probes.iter_mut().enumerate().map(|(i, p)| async move {
            let timeout = p.timeout;
            match &mut p.prober {
                Ok(prober) => schedule::run_once(i, prober, timeout).await,
                Err(e) => Sample { check: i, at_ms: now_ms(), latency_ms: 0.0, result: Err(e.clone()) },
            }
        });
        futures::future::join_all(runs).await
    }

    /// Feeds the board one round's samples, counts the bad states and says
    /// what the round counts as.
    fn record(&mut self, samples: &[Sample]) -> RoundOutcome {
        for sample in samples {
            self.board.apply(sample);
        }
        for (row, counts) in self.board.rows.iter().zip(&mut self.counts) {
            match row.health() {
                Health::Critical => counts.failures += 1,
                Health::Unknown => counts.unknowns += 1,
                Health::Ok | Health::Acceptable | Health::Degraded => {}
            }
        }
        RoundOutcome::of(self.board.rows.iter().map(|r| r.health()))
    }

    /// Check `i`'s assertions as its last round judged them.
    pub fn conditions(&self, i: usize) -> &[Condition] {
        match self.probes.get(i) {
            Some(CheckProbe { prober: Ok(p), .. }) => p.conditions(),
            Some(CheckProbe { prober: Err(_), unreached, .. }) => unreached,
            None => &[],
        }
    }

    /// The ids of the checks in `state` now, for progress lines.
    pub fn ids_in(&self, state: Health) -> Vec<&str> {
        self.board.rows.iter().filter(|r| r.health() == state).map(|r| r.id.as_str()).collect()
    }
}

/// Runs a gate: a round every `--every` (the first at once; one that runs
/// long delays the next rather than bunching them), until a limit is
/// exceeded or every round of `--for` has run. `progress` sees each round.
pub async fn poll(rounds: &mut Rounds, policy: &Policy, mut progress: impl FnMut(&Rounds)) -> Verdict {
    let mut ticks = tokio::time::interval(policy.every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    for _ in 0..policy.rounds() {
        ticks.tick().await;
        let outcome = rounds.round().await;
        let ended = rounds.tally.record(outcome, policy);
        progress(rounds);
        if let Some(verdict) = ended {
            return verdict;
        }
    }
    Verdict::Successful
}
