//! The demo's scripted story: what the simulated shop is going through at any
//! moment. Pure functions of elapsed time (no clock, no I/O): a loop of
//! healthy → latency spike → error burst → recovery, built from keyframes
//! joined by smooth ramps, with a gentle periodic wobble so values look alive.

use std::fmt;
use std::time::Duration;

/// Length of one loop of the script, in script seconds.
pub const CYCLE_SECS: f64 = 180.0;

/// The part of the script the shop is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Healthy,
    LatencySpike,
    ErrorBurst,
    Recovery,
}

impl Phase {
    /// Every phase, in script order.
    pub const ALL: [Phase; 4] = [Phase::Healthy, Phase::LatencySpike, Phase::ErrorBurst, Phase::Recovery];

    /// A human label: `latency spike`.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Healthy => "healthy",
            Phase::LatencySpike => "latency spike",
            Phase::ErrorBurst => "error burst",
            Phase::Recovery => "recovery",
        }
    }

    /// Where the phase sits in the script: `(start, end)` in script seconds.
    pub fn window(self) -> (f64, f64) {
        match self {
            Phase::Healthy => (0.0, SPIKE_START),
            Phase::LatencySpike => (SPIKE_START, BURST_START),
            Phase::ErrorBurst => (BURST_START, RECOVERY_START),
            Phase::Recovery => (RECOVERY_START, CYCLE_SECS),
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

const SPIKE_START: f64 = 45.0;
const BURST_START: f64 = 95.0;
const RECOVERY_START: f64 = 125.0;

/// What the simulated shop looks like at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conditions {
    pub phase: Phase,
    pub latency_ms_p50: f64,
    pub latency_ms_p95: f64,
    /// Share of requests answered with a 5xx, 0..1.
    pub error_ratio: f64,
    pub requests_per_sec: f64,
    pub queue_depth: u32,
    /// False while the health endpoint reports `degraded` (the error burst).
    pub healthy: bool,
}

/// The levels the script passes through; the wobble is added on top.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Levels {
    p50: f64,
    p95: f64,
    err: f64,
    rps: f64,
    queue: f64,
}

const fn lv(p50: f64, p95: f64, err: f64, rps: f64, queue: f64) -> Levels {
    Levels { p50, p95, err, rps, queue }
}

const BASE: Levels = lv(42.0, 120.0, 0.002, 120.0, 8.0);
const SPIKE_PEAK: Levels = lv(650.0, 1500.0, 0.004, 105.0, 60.0);

/// `(script second, levels)`, in time order; between two keyframes values
/// follow a smoothstep ramp, so the only steep change is the 2 s onset of
/// the error burst. The last keyframe equals the first, so the loop is seamless.
const KEYFRAMES: [(f64, Levels); 11] = [
    (0.0, BASE),
    (SPIKE_START, BASE),
    (58.0, SPIKE_PEAK),                           // latency climbs for 13 s…
    (70.0, SPIKE_PEAK),                           // …holds at p95 ≈ 1.5 s…
    (92.0, lv(140.0, 420.0, 0.005, 115.0, 40.0)), // …and eases off.
    (BURST_START, lv(150.0, 450.0, 0.005, 120.0, 45.0)),
    (97.0, lv(160.0, 480.0, 0.08, 125.0, 150.0)),  // 5xx burst hits within 2 s
    (123.0, lv(170.0, 500.0, 0.08, 125.0, 450.0)), // retries pile up in the queue
    (133.0, lv(90.0, 260.0, 0.003, 120.0, 300.0)), // errors clear
    (170.0, BASE),                                 // latency and queue drain
    (CYCLE_SECS, BASE),
];

/// The script, played at some speed from some point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Story {
    speed: f64,
    offset_s: f64,
}

impl Default for Story {
    fn default() -> Self {
        Story::new(1.0)
    }
}

impl Story {
    /// The script played `speed` times faster than real time (`1.0`: one
    /// loop every three minutes). A speed that is not a positive finite
    /// number plays at 1.0.
    pub fn new(speed: f64) -> Story {
        let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        Story { speed, offset_s: 0.0 }
    }

    /// Starts the script at `script_time` instead of its beginning.
    pub fn starting_at(self, script_time: Duration) -> Story {
        Story { offset_s: script_time.as_secs_f64().rem_euclid(CYCLE_SECS), ..self }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Position in the loop, in script seconds (`0 ≤ t < 180`).
    pub fn script_time(&self, elapsed: Duration) -> f64 {
        let t = (self.offset_s + elapsed.as_secs_f64() * self.speed).rem_euclid(CYCLE_SECS);
        // rem_euclid can round up to the modulus itself.
        if t >= CYCLE_SECS { 0.0 } else { t }
    }

    /// Real time from the start until the script first reaches `script_s`.
    pub fn real_time_to(&self, script_s: f64) -> Duration {
        let ahead = (script_s - self.offset_s).rem_euclid(CYCLE_SECS);
        Duration::try_from_secs_f64(ahead / self.speed).unwrap_or(Duration::ZERO)
    }

    /// The shop's conditions `elapsed` after the story started.
    pub fn at(&self, elapsed: Duration) -> Conditions {
        conditions_at(self.script_time(elapsed))
    }
}

/// The conditions at a point of the script (`t` in script seconds, wrapped).
pub fn conditions_at(t: f64) -> Conditions {
    let t = if t.is_finite() { t.rem_euclid(CYCLE_SECS) } else { 0.0 };
    let phase = phase_at(t);
    let l = levels_at(t);
    let w = 1.0 + wobble(t);
    let queue_wobble = 3.0 * (std::f64::consts::TAU * t / 20.0).sin();
    Conditions {
        phase,
        latency_ms_p50: l.p50 * w,
        latency_ms_p95: l.p95 * w,
        error_ratio: (l.err * w).clamp(0.0, 1.0),
        requests_per_sec: l.rps * (1.0 + 0.5 * wobble(t + 7.0)),
        queue_depth: (l.queue + queue_wobble).round().max(0.0) as u32,
        healthy: phase != Phase::ErrorBurst,
    }
}

fn phase_at(t: f64) -> Phase {
    Phase::ALL
        .into_iter()
        .find(|p| {
            let (start, end) = p.window();
            (start..end).contains(&t)
        })
        .unwrap_or(Phase::Healthy)
}

fn levels_at(t: f64) -> Levels {
    let next = KEYFRAMES.iter().position(|(at, _)| *at > t).unwrap_or(KEYFRAMES.len() - 1).max(1);
    let (t0, a) = KEYFRAMES[next - 1];
    let (t1, b) = KEYFRAMES[next];
    let u = if t1 > t0 { ((t - t0) / (t1 - t0)).clamp(0.0, 1.0) } else { 1.0 };
    let s = u * u * (3.0 - 2.0 * u);
    let mix = |x: f64, y: f64| x + (y - x) * s;
    lv(mix(a.p50, b.p50), mix(a.p95, b.p95), mix(a.err, b.err), mix(a.rps, b.rps), mix(a.queue, b.queue))
}

/// A small relative wobble (±10 %) whose periods divide the cycle, so it is
/// continuous across the loop.
fn wobble(t: f64) -> f64 {
    use std::f64::consts::TAU;
    0.06 * (TAU * t / 30.0).sin() + 0.04 * (TAU * t / 18.0 + 1.0).sin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn phases_follow_the_script() {
        let story = Story::new(1.0);
        for (t, phase) in [
            (0.0, Phase::Healthy),
            (44.9, Phase::Healthy),
            (45.0, Phase::LatencySpike),
            (94.0, Phase::LatencySpike),
            (95.0, Phase::ErrorBurst),
            (124.0, Phase::ErrorBurst),
            (125.0, Phase::Recovery),
            (179.0, Phase::Recovery),
            (180.0, Phase::Healthy),
            (400.0, Phase::Healthy),
        ] {
            assert_eq!(story.at(secs(t)).phase, phase, "at {t}s");
        }
        assert_eq!(Phase::LatencySpike.label(), "latency spike");
        assert_eq!(Phase::ErrorBurst.to_string(), "error burst");
    }

    #[test]
    fn healthy_means_baseline_values() {
        for t in (0..45).map(f64::from) {
            let c = conditions_at(t);
            assert!(c.healthy);
            assert!((35.0..50.0).contains(&c.latency_ms_p50), "{c:?}");
            assert!((100.0..140.0).contains(&c.latency_ms_p95), "{c:?}");
            assert!(c.error_ratio < 0.005, "{c:?}");
            assert!((90.0..150.0).contains(&c.requests_per_sec), "{c:?}");
            assert!(c.queue_depth <= 12, "{c:?}");
        }
    }

    #[test]
    fn latency_spike_peaks_near_one_and_a_half_seconds_then_eases() {
        let peak = (45..95).map(|t| conditions_at(f64::from(t)).latency_ms_p95).fold(0.0, f64::max);
        assert!((1300.0..1700.0).contains(&peak), "peak p95 {peak}");
        assert!(conditions_at(64.0).latency_ms_p95 > 1300.0);
        assert!(conditions_at(90.0).latency_ms_p95 < 700.0);
        for t in (45..95).map(f64::from) {
            let c = conditions_at(t);
            assert!(c.healthy && c.error_ratio < 0.01, "{c:?}");
        }
    }

    #[test]
    fn error_burst_is_about_eight_percent_for_thirty_seconds() {
        for t in (97..125).map(f64::from) {
            let c = conditions_at(t);
            assert!(!c.healthy, "{c:?}");
            assert!((0.07..0.09).contains(&c.error_ratio), "at {t}: {c:?}");
        }
        assert!(!conditions_at(95.0).healthy);
        assert!(conditions_at(125.0).healthy);
        assert!(conditions_at(140.0).error_ratio < 0.005);
        assert!(conditions_at(124.0).queue_depth > 300);
    }

    #[test]
    fn recovery_returns_to_baseline_and_loops_seamlessly() {
        let end = conditions_at(179.999);
        let start = conditions_at(0.0);
        assert!((end.latency_ms_p50 - start.latency_ms_p50).abs() < 0.1);
        assert!((end.latency_ms_p95 - start.latency_ms_p95).abs() < 0.1);
        assert!((end.requests_per_sec - start.requests_per_sec).abs() < 0.1);
        assert!(end.queue_depth.abs_diff(start.queue_depth) <= 1);
    }

    #[test]
    fn ramps_are_smooth_except_the_burst_onset() {
        // Largest change per quarter second a smoothstep ramp of the script allows.
        let step = 0.25;
        let mut prev = conditions_at(0.0);
        let mut t = step;
        while t < 2.0 * CYCLE_SECS {
            let c = conditions_at(t);
            let onset = (BURST_START..BURST_START + 2.0).contains(&t.rem_euclid(CYCLE_SECS));
            assert!((prev.latency_ms_p95 - c.latency_ms_p95).abs() < 50.0, "p95 jumps at {t}");
            assert!((prev.latency_ms_p50 - c.latency_ms_p50).abs() < 25.0, "p50 jumps at {t}");
            assert!((prev.requests_per_sec - c.requests_per_sec).abs() < 1.0, "rps jumps at {t}");
            if !onset {
                assert!((prev.error_ratio - c.error_ratio).abs() < 0.005, "errors jump at {t}");
                assert!(prev.queue_depth.abs_diff(c.queue_depth) <= 6, "queue jumps at {t}");
            }
            assert!(c.latency_ms_p95 > c.latency_ms_p50);
            prev = c;
            t += step;
        }
    }

    #[test]
    fn speed_and_start_offset_scale_the_script() {
        let fast = Story::new(60.0);
        assert_eq!(fast.script_time(secs(1.0)), 60.0);
        assert_eq!(fast.at(secs(1.6)).phase, Phase::ErrorBurst);
        assert!((fast.script_time(secs(3.5)) - 30.0).abs() < 1e-9);
        assert_eq!(Story::new(0.0).speed(), 1.0);
        assert_eq!(Story::new(f64::NAN).speed(), 1.0);
        let late = Story::new(2.0).starting_at(secs(90.0));
        assert_eq!(late.at(Duration::ZERO).phase, Phase::LatencySpike);
        assert_eq!(late.at(secs(3.0)).phase, Phase::ErrorBurst);
        assert_eq!(late.real_time_to(95.0), secs(2.5));
        assert_eq!(late.real_time_to(0.0), secs(45.0));
    }
}
