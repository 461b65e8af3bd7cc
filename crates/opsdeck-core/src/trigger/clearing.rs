//! Whether a condition has cleared: the run of its check's samples that
//! did not meet it. A proposal expires once its trigger's conditions have
//! cleared (see `rollback::expiry`), so clearing is judged as carefully as
//! firing: a condition has cleared when its check's last `clear_after`
//! samples (the check's own or the plan's `[defaults]`, counted as the
//! metrics evaluator counts them) did not meet it, and none has met it for
//! the condition's own duration (`for 1m`, `down for 30s`). A sample that
//! cannot be judged (UNKNOWN, no value, a probe that got no answer where
//! only answers count) ends the run: a check that went quiet has not
//! recovered. Pure.

/// The samples in a row that did not meet a condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clearing {
    /// How many samples in a row did not meet it.
    samples: u32,
    /// The time of the first of them.
    since_ms: Option<i64>,
    /// The sample before the first of them met the condition: it
    /// recovered, rather than never having held.
    after_met: bool,
    /// The last sample met the condition.
    last_met: bool,
}

impl Clearing {
    /// Takes in one sample's verdict: `Some(true)` it met the condition,
    /// `Some(false)` it did not, `None` it could not be judged.
    pub fn note(&mut self, met: Option<bool>, at_ms: i64) {
        match met {
            Some(false) => {
                if self.samples == 0 {
                    self.after_met = self.last_met;
                }
                self.samples = self.samples.saturating_add(1);
                self.since_ms.get_or_insert(at_ms);
                self.last_met = false;
            }
            Some(true) => *self = Clearing { last_met: true, ..Clearing::default() },
            None => *self = Clearing::default(),
        }
    }

    /// The run of samples not meeting it began right after one that did.
    pub fn recovered(&self) -> bool {
        self.samples > 0 && self.after_met
    }

    /// At least `samples` in a row did not meet the condition, the first of
    /// them at least `hold_ms` before `now_ms`.
    pub fn cleared(&self, samples: u32, hold_ms: i64, now_ms: i64) -> bool {
        self.samples >= samples.max(1) && self.since_ms.is_some_and(|since| now_ms.saturating_sub(since) >= hold_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_samples_that_did_not_meet_it_for_long_enough() {
        let mut c = Clearing::default();
        assert!(!c.cleared(1, 0, 0), "no sample yet: nothing has cleared");
        c.note(Some(false), 1_000);
        assert!(!c.cleared(2, 0, 1_000), "one of two");
        c.note(Some(false), 2_000);
        assert!(c.cleared(2, 0, 2_000));
        assert!(!c.cleared(2, 5_000, 2_000), "not yet for the condition's duration");
        assert!(c.cleared(2, 5_000, 6_000));
        c.note(None, 7_000);
        assert!(!c.cleared(1, 0, 7_000), "a sample that cannot be judged ends the run");
        assert!(!c.recovered(), "it never met the condition");
        c.note(Some(false), 8_000);
        c.note(Some(true), 9_000);
        assert!(!c.cleared(1, 0, 9_000), "meeting it again ends the run");
        c.note(Some(false), 10_000);
        assert!(c.cleared(1, 0, 10_000) && c.recovered(), "it met the condition, then stopped meeting it");
    }
}
