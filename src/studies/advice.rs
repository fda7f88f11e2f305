//! Closed-form advice on the checkpoint interval: Young's and Daly's estimates of the interval
//! that minimises the expected run time, beside which the simulated optimum is shown.
//!
//! Both assume interruptions that arrive as a Poisson process (exponential times between
//! them, mean `M`), a constant save time `C`, and a restart that costs nothing but the work
//! lost since the last checkpoint. spotsim's engine adds what they leave out (capacity waits,
//! downloads and restores at every restart, MaxWait and MaxRuntime, non-exponential markets),
//! so the simulated best interval can differ: `docs/model.md` says when and why.

use serde::Serialize;

use crate::engine::RunRecord;
use crate::inputs::dist::Dist;
use crate::scenario::{MarketSpec, Scenario};
use crate::stats::held::HeldTime;

/// Young's first-order optimum checkpoint interval, `τ = √(2·C·M)` (Young 1974, "A first order
/// approximation to the optimum checkpoint interval", CACM 17(9)), seconds.
pub fn young_interval_s(save_s: f64, mean_between_interruptions_s: f64) -> f64 {
    (2.0 * save_s * mean_between_interruptions_s).sqrt()
}

/// Daly's higher-order estimate (Daly 2006, "A higher order estimate of the optimum checkpoint
/// interval for restart dumps", FGCS 22(3)): for `C < 2M`,
/// `τ = √(2CM)·[1 + (1/3)·√(C/(2M)) + (1/9)·(C/(2M))] − C`, else `τ = M`. Seconds.
pub fn daly_interval_s(save_s: f64, mean_between_interruptions_s: f64) -> f64 {
    let (c, m) = (save_s, mean_between_interruptions_s);
    if c < 2.0 * m {
        let ratio = c / (2.0 * m);
        (2.0 * c * m).sqrt() * (1.0 + ratio.sqrt() / 3.0 + ratio / 9.0) - c
    } else {
        m
    }
}

/// Young's and Daly's intervals for one scenario, with the inputs they were computed from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntervalAdvice {
    /// `C`: the mean checkpoint save time, seconds.
    pub save_s: f64,
    /// `M`: the job's mean time between interruptions, seconds: simulated when the runs saw
    /// enough interruptions, else the market's mean time from a capacity grant to the first
    /// reclaim of the job's instances.
    pub mean_time_between_interruptions_s: f64,
    /// Where `M` comes from: `"simulated"` or `"market"`.
    pub mean_time_between_interruptions_from: &'static str,
    /// Young's τ, seconds.
    pub young_s: f64,
    /// Daly's τ, seconds.
    pub daly_s: f64,
}

impl IntervalAdvice {
    /// The advice for `scenario`, when it applies: spot with checkpoints, a save that takes
    /// time (`C > 0`; with free saves both formulas say "as often as possible") and a market
    /// that reclaims capacity (finite `M`).
    pub fn of(scenario: &Scenario) -> Option<IntervalAdvice> {
        let spot = scenario.spot.as_ref()?;
        let checkpoint = scenario.checkpoint.as_ref()?;
        let save_s = checkpoint.save.mean_s();
        let m = spot
            .market
            .mean_first_reclaim_s(scenario.reclaiming_instances());
        if !(save_s > 0.0 && save_s.is_finite() && m.is_finite() && m > 0.0) {
            return None;
        }
        Some(IntervalAdvice::with(save_s, m, "market"))
    }

    /// As [`IntervalAdvice::of`], with `M` measured on the scenario's spot runs when they saw
    /// at least [`MIN_INTERRUPTIONS`] interruptions: the time the job held capacity (wall time
    /// less capacity waits) over the number of reclaims, the maximum-likelihood mean of
    /// exponential times with the last attempt of each run censored. Unlike the market's mean,
    /// it sees the hours a time-of-day profile or a trace actually gives the job.
    pub fn observed(
        scenario: &Scenario,
        spot_runs: Option<&[RunRecord]>,
    ) -> Option<IntervalAdvice> {
        let held = spot_runs
            .filter(|_| IntervalAdvice::needs_runs(scenario))
            .map(HeldTime::of_records);
        IntervalAdvice::observed_held(scenario, held.as_ref())
    }

    /// As [`IntervalAdvice::observed`], from the capacity the spot runs held, streamed
    /// ([`HeldTime`]); `held` is used only where [`IntervalAdvice::needs_runs`].
    pub fn observed_held(scenario: &Scenario, held: Option<&HeldTime>) -> Option<IntervalAdvice> {
        let nominal = IntervalAdvice::of(scenario)?;
        let Some(held) = held.filter(|_| !memoryless_and_steady(scenario)) else {
            return Some(nominal);
        };
        if held.interruptions < MIN_INTERRUPTIONS {
            return Some(nominal);
        }
        let m = held.held_s() / held.interruptions as f64;
        Some(IntervalAdvice::with(nominal.save_s, m, "simulated"))
    }

    /// Whether the advice for `scenario` reads its spot runs (a market that is not memoryless
    /// and steady): only then need a simulation keep their [`HeldTime`].
    pub fn needs_runs(scenario: &Scenario) -> bool {
        IntervalAdvice::of(scenario).is_some() && !memoryless_and_steady(scenario)
    }

    fn with(save_s: f64, m: f64, from: &'static str) -> IntervalAdvice {
        IntervalAdvice {
            save_s,
            mean_time_between_interruptions_s: m,
            mean_time_between_interruptions_from: from,
            young_s: young_interval_s(save_s, m),
            daly_s: daly_interval_s(save_s, m),
        }
    }
}

/// Whether the market's reclaims are a Poisson process the job meets whenever it runs:
/// exponential times (their minimum over the instances is exponential too) or a Markov market,
/// and no time-of-day profile. There the market's mean is `M` exactly, with no sampling noise.
fn memoryless_and_steady(scenario: &Scenario) -> bool {
    let Some(spot) = &scenario.spot else {
        return true;
    };
    spot.profile.is_none()
        && match &spot.market {
            MarketSpec::Independent {
                time_to_interruption,
                ..
            } => matches!(time_to_interruption, Dist::Exponential { .. }),
            MarketSpec::Markov { .. } => true,
            MarketSpec::Trace { .. } => false,
        }
}

/// Fewer reclaims than this leave the simulated `M` too uncertain (±30 % at 95 %); the market's
/// mean is used instead.
pub const MIN_INTERRUPTIONS: u64 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profiled_market_gets_the_simulated_mean_a_steady_one_the_market_mean() {
        let steady = crate::scenario::parse_scenario(
            "[job]\ntraining = \"6h\"\n[stopping]\nmax_run = \"1d\"\nmax_wait = \"3d\"\n\
             [spot]\nenabled = true\ndiscount = 0.7\ncapacity_wait = \"5m\"\n\
             time_to_interruption = { dist = \"exponential\", mean = \"6h\" }\n\
             [checkpoint]\ninterval = \"20m\"\nsave = \"20s\"\n[pricing]\n\
             on_demand_hourly = 1.0\n[simulation]\nruns = 4000\n",
            "t.toml",
        )
        .unwrap();
        let runs = crate::montecarlo::run_scenario(&steady);
        let advice = IntervalAdvice::observed(&steady, runs.spot.as_deref()).unwrap();
        assert_eq!(advice.mean_time_between_interruptions_from, "market");
        assert_eq!(advice.mean_time_between_interruptions_s, 6.0 * 3600.0);
        // Busy hours three times as reclaim-prone, and the job starting in them: the job meets
        // a shorter mean than the market's 6 h.
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/time-of-day.toml"),
        )
        .unwrap();
        let profiled = crate::scenario::parse_scenario(&text, "time-of-day.toml").unwrap();
        let mut profiled = profiled;
        profiled.simulation.runs = 4000;
        let runs = crate::montecarlo::run_scenario(&profiled);
        let advice = IntervalAdvice::observed(&profiled, runs.spot.as_deref()).unwrap();
        assert_eq!(advice.mean_time_between_interruptions_from, "simulated");
        let m_h = advice.mean_time_between_interruptions_s / 3600.0;
        assert!((1.5..4.0).contains(&m_h), "M = {m_h} h");
    }

    #[test]
    fn young_and_daly_by_hand() {
        // C = 30 s, M = 1 h: √(2·30·3600) = 464.76 s.
        let young = young_interval_s(30.0, 3600.0);
        assert!((young - 464.758).abs() < 1e-3, "{young}");
        // C/(2M) = 1/240: 464.758 × (1 + 0.021517 + 0.000463) − 30 = 444.97 s.
        let daly = daly_interval_s(30.0, 3600.0);
        assert!((daly - 444.973).abs() < 1e-2, "{daly}");
        // Saves as long as two mean lives: checkpoint once per mean life.
        assert_eq!(daly_interval_s(7200.0, 3600.0), 3600.0);
        // Daly tends to Young minus the save when C ≪ M.
        let (c, m) = (1.0, 1e6);
        assert!((daly_interval_s(c, m) - (young_interval_s(c, m) - c)).abs() < 1.0);
    }

    #[test]
    fn advice_applies_to_spot_jobs_with_checkpoints() {
        let text = include_str!("../../scenarios/reference.toml");
        let scenario = crate::scenario::parse_scenario(text, "reference.toml").unwrap();
        let advice = IntervalAdvice::of(&scenario).unwrap();
        assert_eq!(advice.save_s, 30.0);
        assert_eq!(advice.mean_time_between_interruptions_s, 3600.0);
        let never = text.replace(
            "time_to_interruption = { dist = \"exponential\", mean = \"1h\" }",
            "time_to_interruption = \"never\"",
        );
        let never = crate::scenario::parse_scenario(&never, "never.toml").unwrap();
        assert_eq!(IntervalAdvice::of(&never), None);
    }
}
