//! Precision on demand: `spotsim run --target-rse R` adds blocks of runs until the mean cost is
//! known to a relative standard error `R`, and warns when outcome shares rest on too few runs.
//!
//! The quantity watched is the mean cost per run on spot (on-demand when spot is off), the
//! headline figure. Its relative standard error is `RSE = s.e. / mean = s / (√n · x̄)`. The rule
//! ([`RseRule`]) is applied after each block of [`crate::stats::accumulate::BLOCK_RUNS`] runs, to the
//! cost moments of the blocks so far folded in block order, the very fold that the report's
//! mean and standard error come from: the stopping block, and so every figure, depends only on
//! the blocks before it, never on the thread count or on how many blocks a wave computes.
//!
//! The rule never stops before [`MIN_BLOCKS`] blocks (131,072 runs): a standard error is itself
//! estimated from the runs, and from a few thousand runs of a skewed cost (a rare stop, a long
//! tail of interruptions) it is often far too small, so an early stop would report a precision
//! the runs do not have. With this many runs the estimated s.e. is within a few per cent of the
//! true one for every cost distribution the engine produces.
//!
//! An outcome seen in few runs has a share known only roughly. No stop in `n` runs means the
//! stop's risk is below about `3/n` with 95 % confidence (the "rule of three": Hanley &
//! Lippman-Hand 1983, "If nothing goes wrong, is everything all right?", JAMA 249), not that it
//! is zero; [`rare_outcome_warning`] says so when that bound is large enough to matter.

use serde::Serialize;

use crate::engine::Outcome;
use crate::scenario::Warning;
use crate::stats::accumulate::{BLOCK_RUNS, BlockMoments};
use crate::stats::moments::Moments;
use crate::stats::summary::{Metric, SideSummary};
use crate::units::format::{format_count, format_pct};

/// The rule never stops before this many blocks ([`BLOCK_RUNS`] runs each): the standard error
/// must itself be estimated from enough runs to be trusted.
pub const MIN_BLOCKS: u64 = 2;

/// The fewest runs a precision target can stop at: [`MIN_BLOCKS`] blocks.
pub const MIN_TARGET_RUNS: u64 = MIN_BLOCKS * BLOCK_RUNS;

/// An outcome share with an upper 95 % bound at least this large (0.1 %: one job in a
/// thousand) matters to a capacity plan; below it, few or no events are not worth a warning.
pub const RELEVANT_SHARE: f64 = 0.001;

/// An outcome seen in fewer runs than this has a share known only roughly (its 95 % interval
/// is wider than about ±60 % of it).
pub const FEW_EVENTS: u64 = 10;

/// The relative standard error of the mean of `moments`, `s.e. / |mean|`: 0 when every value
/// is the same (a constant cost, nothing included, is known exactly, as the report shows it:
/// `± 0`); infinite when the mean is 0 but the values differ; `None` below two values.
pub fn relative_std_err(moments: &Moments) -> Option<f64> {
    let std_err = moments.std_err()?;
    if moments.min == moments.max {
        return Some(0.0);
    }
    let mean = moments.mean().abs();
    Some(if mean > 0.0 {
        std_err / mean
    } else {
        f64::INFINITY
    })
}

/// What ended a simulation with a precision target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StoppedBy {
    /// The relative standard error reached the target.
    Target,
    /// The run count cap came first.
    Cap,
}

/// How a simulation with a precision target ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Precision {
    /// The target relative standard error of the mean cost.
    pub target_rse: f64,
    /// The relative standard error reached; `None` with a single run.
    pub achieved_rse: Option<f64>,
    /// What ended it.
    pub stopped_by: StoppedBy,
    /// Runs kept (per side).
    pub runs: u64,
    /// The most runs it could have taken (per side).
    pub runs_cap: u64,
    /// The blocks kept.
    pub blocks: u64,
}

impl Precision {
    /// Whether the precision reached meets the target.
    pub fn met(&self) -> bool {
        self.achieved_rse.is_some_and(|rse| rse <= self.target_rse)
    }

    /// `stopped at RSE 0.00098 ≤ 0.001`, or, at the cap, `cap reached at RSE 0.0021 > target
    /// 0.001`: the achieved figure rounded so that the comparison shown stays true.
    pub fn describe(&self) -> String {
        let target = self.target_rse;
        match (self.stopped_by, self.achieved_rse) {
            (StoppedBy::Target, Some(rse)) => {
                format!("stopped at RSE {} ≤ {target}", format_rse(rse, target))
            }
            (StoppedBy::Cap, Some(rse)) => format!(
                "cap reached at RSE {} {} target {target}",
                format_rse(rse, target),
                if rse <= target { "≤" } else { ">" }
            ),
            (_, None) => format!("cap reached, no RSE from one run; target {target}"),
        }
    }

    /// The warning when the cap came first: the target missed, or met by fewer runs than the
    /// rule trusts. `None` when the target stopped the runs.
    pub fn cap_warning(&self) -> Option<Warning> {
        if self.stopped_by == StoppedBy::Target {
            return None;
        }
        let runs = format_count(self.runs);
        let target = self.target_rse;
        Some(match self.achieved_rse {
            Some(rse) if rse <= target => Warning {
                message: format!(
                    "the run cap of {runs} came before the {} runs the --target-rse rule needs \
                     to trust a standard error: RSE {} ≤ {target} may be optimistic",
                    format_count(MIN_TARGET_RUNS),
                    format_rse(rse, target),
                ),
                hint: format!(
                    "raise --runs to at least {}, or leave it out (the cap is then {})",
                    format_count(MIN_TARGET_RUNS),
                    format_count(crate::scenario::MAX_RUNS)
                ),
            },
            Some(rse) => {
                // RSE falls as 1/√n: (rse / target)² times the runs would reach the target.
                let needed = (self.runs as f64 * (rse / target).powi(2)).ceil();
                let needed = needed.min(crate::scenario::MAX_RUNS as f64) as u64;
                Warning {
                    message: format!(
                        "the run cap of {runs} came first: the mean cost's RSE is {} > target \
                         {target}",
                        format_rse(rse, target)
                    ),
                    hint: format!(
                        "about {} runs would reach it (RSE falls as 1/√runs): raise --runs, or \
                         ask for a looser --target-rse",
                        format_count(needed)
                    ),
                }
            }
            None => Warning {
                message: format!(
                    "the run cap of {runs} came first: one run gives no standard error"
                ),
                hint: "raise --runs".to_string(),
            },
        })
    }
}

/// `rse` with two significant digits, or more when fewer would blur its comparison with
/// `target` (0.000996 is not shown as 0.0010 against a target of 0.001).
pub fn format_rse(rse: f64, target: f64) -> String {
    if rse == 0.0 || !rse.is_finite() {
        return format!("{rse}");
    }
    let magnitude = rse.log10().floor() as i32;
    for digits in 2..=6 {
        let decimals = (digits - 1 - magnitude).max(0) as usize;
        let text = format!("{rse:.decimals$}");
        let shown: f64 = text.parse().unwrap_or(rse);
        if shown.partial_cmp(&target) == rse.partial_cmp(&target) {
            return text;
        }
    }
    format!("{rse}")
}

/// The stopping rule of `--target-rse`: fed the blocks in block order, it says after each
/// whether to stop: at least [`MIN_BLOCKS`] blocks, and the relative standard error of the
/// mean cost of the blocks so far (spot, else on-demand) at most the target.
#[derive(Debug, Clone)]
pub struct RseRule {
    target: f64,
    /// The cost moments of the blocks so far, folded in block order as
    /// [`crate::stats::accumulate::ScenarioStats::moments`] folds them: the same bits.
    cost: Moments,
    blocks: u64,
    stopped: bool,
}

impl RseRule {
    /// A rule stopping at a relative standard error of `target`.
    pub fn new(target: f64) -> RseRule {
        RseRule {
            target,
            cost: Moments::EMPTY,
            blocks: 0,
            stopped: false,
        }
    }

    /// Adds the next block; `true` when the simulation should stop after it.
    pub fn push(&mut self, block: &BlockMoments) -> bool {
        let side = block.spot.as_ref().unwrap_or(&block.on_demand);
        self.cost.merge(side.metric(Metric::CostUsd));
        self.blocks += 1;
        self.stopped = self.blocks >= MIN_BLOCKS
            && relative_std_err(&self.cost).is_some_and(|rse| rse <= self.target);
        self.stopped
    }

    /// How the simulation ended, after the last block pushed, under a cap of `runs_cap` runs.
    pub fn result(&self, runs_cap: u64) -> Precision {
        Precision {
            target_rse: self.target,
            achieved_rse: relative_std_err(&self.cost),
            stopped_by: if self.stopped {
                StoppedBy::Target
            } else {
                StoppedBy::Cap
            },
            runs: self.cost.count,
            runs_cap,
            blocks: self.blocks,
        }
    }
}

/// A loud warning when some runs were cut by the event budget (`simulation.max_events`):
/// their figures are those of a job cut short, counted as stopped by MaxWait, so the estimate
/// is not the scenario's. `None` when no run was cut.
pub fn event_budget_warning(
    spot: Option<&SideSummary>,
    on_demand: &SideSummary,
    max_events: u64,
) -> Option<Warning> {
    let cut = spot.map_or(0, |s| s.event_budget_runs) + on_demand.event_budget_runs;
    (cut > 0).then(|| Warning {
        message: format!(
            "{} {} hit the event budget ({} events, simulation.max_events) and {} cut short: \
             they are counted as MaxWaitTimeExceeded with what they had spent, so the figures \
             are not those of the scenario",
            format_count(cut),
            if cut == 1 { "run" } else { "runs" },
            format_count(max_events),
            if cut == 1 { "was" } else { "were" },
        ),
        hint: "a run needs that many events only with absurd times: check the checkpoint \
               interval and the market's times and their units (a bare number is seconds), or \
               raise simulation.max_events"
            .to_string(),
    })
}

/// A warning when spot runs were too few to measure a limit stop (MaxRuntime, MaxWait): one
/// that was never seen although its risk could be [`RELEVANT_SHARE`] or more (`3/n` by the
/// rule of three), or seen fewer than [`FEW_EVENTS`] times with a 95 % upper bound that large.
/// `runs` is the number of spot runs; `with_target` words the hint for `--target-rse`.
pub fn rare_outcome_warning(spot: &SideSummary, runs: u64, with_target: bool) -> Option<Warning> {
    let n = runs as f64;
    let mut parts = Vec::new();
    for outcome in [Outcome::MaxRuntimeExceeded, Outcome::MaxWaitTimeExceeded] {
        let count = (spot.outcomes.of(outcome) * n).round() as u64;
        if count == 0 && 3.0 / n >= RELEVANT_SHARE {
            parts.push(format!(
                "{} in none, so a risk below {} would go unseen (the 95 % upper bound for no \
                 event in n runs is 3/n, the rule of three; Hanley & Lippman-Hand 1983)",
                outcome.as_str(),
                format_share(3.0 / n)
            ));
        } else if count > 0 && count < FEW_EVENTS {
            let [lo, hi] = spot.outcomes.ci95.of(outcome);
            if hi >= RELEVANT_SHARE {
                parts.push(format!(
                    "{} in {} ({}, 95 % interval {})",
                    outcome.as_str(),
                    if count == 1 {
                        "1 run".to_string()
                    } else {
                        format!("{} runs", format_count(count))
                    },
                    format_share(spot.outcomes.of(outcome)),
                    format_interval(lo, hi)
                ));
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    let more = format_count(runs.saturating_mul(10).min(crate::scenario::MAX_RUNS));
    Some(Warning {
        message: format!(
            "{} spot runs are too few to measure rare stops: {}",
            format_count(runs),
            parts.join("; ")
        ),
        hint: if with_target {
            "ten times the runs see about ten times the stops: ask for a smaller --target-rse \
             (the runs needed grow as 1/RSE²)"
                .to_string()
        } else {
            format!(
                "ten times the runs see about ten times the stops: --runs {more}, or \
                 --target-rse 0.001 to run until the mean cost is known to 0.1 %"
            )
        },
    })
}

/// A share as a percentage with two significant digits, at least two decimals: `0.15 %`,
/// `0.00038 %`.
pub fn format_share(share: f64) -> String {
    format_pct(share * 100.0, share_decimals(share))
}

/// `lo – hi %` of a share interval, with enough decimals for two significant digits of its
/// width, so that the ends differ (`99.9962 – 100.0000 %`, not `100.00 – 100.00 %`).
pub fn format_interval(lo: f64, hi: f64) -> String {
    let decimals = share_decimals(hi - lo);
    format!(
        "{:.decimals$} – {}",
        lo * 100.0,
        format_pct(hi * 100.0, decimals)
    )
}

/// Decimals of a percentage: two, or enough for two significant digits of a smaller one.
fn share_decimals(share: f64) -> usize {
    let pct = share * 100.0;
    if pct <= 0.0 || pct >= 0.1 {
        return 2;
    }
    let magnitude = pct.log10().floor() as i32;
    ((1 - magnitude).max(2) as usize).min(8)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use super::*;
    use crate::montecarlo::tests::in_pool;
    use crate::montecarlo::{Estimate, NoRows, stream_blocks, stream_to_target};
    use crate::scenario::parse_scenario;
    use crate::stats::accumulate::SideMoments;

    /// A block of `BLOCK_RUNS` costs with mean 10 and variance 100 (coefficient of variation 1).
    fn block() -> BlockMoments {
        let n = BLOCK_RUNS as f64;
        let mut on_demand = SideMoments::default();
        let cost = Metric::ALL
            .iter()
            .position(|&m| m == Metric::CostUsd)
            .unwrap();
        on_demand.metrics[cost] = Moments {
            count: BLOCK_RUNS,
            sum: 10.0 * n,
            mean: 10.0,
            m2: 100.0 * (n - 1.0),
            min: 0.0,
            max: 50.0,
        };
        on_demand.outcomes[0] = BLOCK_RUNS;
        BlockMoments {
            spot: None,
            on_demand,
            paired_cost: None,
        }
    }

    #[test]
    fn the_rule_stops_at_the_first_block_below_the_target_never_before_the_minimum() {
        // RSE after k identical blocks ≈ CV / √(k · BLOCK_RUNS) = 1 / (256 √k), within the
        // Chan merge's tiny between-block term (0 here: equal means).
        let rse_after = |k: f64| 1.0 / (256.0 * k.sqrt());
        let stops_at = |target: f64| {
            let mut rule = RseRule::new(target);
            let mut blocks = 0;
            while !rule.push(&block()) {
                blocks += 1;
                assert!(blocks < 100, "never stopped");
            }
            (blocks + 1, rule.result(u64::MAX))
        };
        // Halfway between 5 and 6 blocks' RSE: 6 blocks.
        let (blocks, result) = stops_at(f64::midpoint(rse_after(5.0), rse_after(6.0)));
        assert_eq!(blocks, 6);
        assert_eq!(result.stopped_by, StoppedBy::Target);
        assert_eq!(result.runs, 6 * BLOCK_RUNS);
        assert!(result.met());
        let achieved = result.achieved_rse.unwrap();
        assert!((achieved - rse_after(6.0)).abs() < 1e-4 * achieved);
        // A loose target is met by the first block, but the rule waits for MIN_BLOCKS.
        assert_eq!(stops_at(0.5).0, MIN_BLOCKS);
        // The cap: the runs end without a stop.
        let mut rule = RseRule::new(1e-9);
        assert!(!rule.push(&block()));
        assert!(!rule.push(&block()));
        let result = rule.result(2 * BLOCK_RUNS);
        assert_eq!(result.stopped_by, StoppedBy::Cap);
        assert!(!result.met());
        let warning = result.cap_warning().unwrap();
        assert!(
            warning.message.contains("came first"),
            "{}",
            warning.message
        );
    }

    #[test]
    fn rse_of_constant_and_empty_streams() {
        let mut m = Moments::EMPTY;
        assert_eq!(relative_std_err(&m), None);
        m.push(0.0);
        m.push(0.0);
        assert_eq!(relative_std_err(&m), Some(0.0));
        let mut m = Moments::EMPTY;
        m.push(-1.0);
        m.push(1.0);
        assert_eq!(relative_std_err(&m), Some(f64::INFINITY));
    }

    #[test]
    fn formats_keep_the_comparison_true() {
        assert_eq!(format_rse(0.00098, 0.001), "0.00098");
        assert_eq!(format_rse(0.000996, 0.001), "0.000996");
        assert_eq!(format_rse(0.0010004, 0.001), "0.0010004");
        assert_eq!(format_rse(0.0021, 0.001), "0.0021");
        assert_eq!(format_share(0.0015), "0.15 %");
        assert_eq!(format_share(3.84e-6), "0.00038 %");
        assert_eq!(format_interval(0.0005, 0.0044), "0.05 – 0.44 %");
        assert_eq!(format_interval(0.999962, 1.0), "99.9962 – 100.0000 %");
        assert_eq!(format_interval(0.0, 3.8e-5), "0.0000 – 0.0038 %");
    }

    /// On-demand only: the cost is the hourly price times a lognormal training time (σ 0.5),
    /// whose coefficient of variation is √(e^{σ²} − 1) = 0.533.
    const LOGNORMAL: &str = r#"
[job]
training = { dist = "lognormal", median = "2h", sigma = 0.5 }
[pricing]
on_demand_hourly = 3.0
[simulation]
runs = 655360
seed = 11
"#;

    fn to_target(scenario: &crate::scenario::Scenario, target: f64) -> (Vec<u8>, Precision) {
        let (stats, precision) = stream_to_target(
            scenario,
            target,
            &AtomicU64::new(0),
            &crate::montecarlo::cancel::Cancel::new(),
            &NoRows,
            &mut std::io::sink(),
        )
        .unwrap();
        (serde_json::to_vec(&stats).unwrap(), precision)
    }

    #[test]
    fn a_known_variance_reaches_the_target_at_the_expected_block_on_any_thread_count() {
        let scenario = parse_scenario(LOGNORMAL, "t.toml").unwrap();
        let cv = (0.25f64.exp() - 1.0).sqrt();
        // The target of 3.5 blocks' runs: 3 blocks miss it by 8 %, 4 meet it by 6 %, far more
        // than the few tenths of a per cent the estimated s.e. wanders at this many runs.
        let target = cv / (3.5 * BLOCK_RUNS as f64).sqrt();
        let (one, precision) = in_pool(1, || to_target(&scenario, target));
        assert_eq!(precision.blocks, 4);
        assert_eq!(precision.runs, 4 * BLOCK_RUNS);
        assert_eq!(precision.stopped_by, StoppedBy::Target);
        assert!(precision.met());
        // Three threads compute 6 blocks a wave: blocks 5 and 6 are dropped, bit for bit.
        let (three, again) = in_pool(3, || to_target(&scenario, target));
        assert_eq!(one, three);
        assert_eq!(precision, again);
        // The kept runs are exactly blocks 0..4 of a plain simulation, and the achieved RSE is
        // the report's s.e. / mean.
        let plain = stream_blocks(
            &scenario,
            0..4,
            &AtomicU64::new(0),
            &crate::montecarlo::cancel::Cancel::new(),
            &NoRows,
            &mut std::io::sink(),
        )
        .unwrap();
        assert_eq!(serde_json::to_vec(&plain).unwrap(), one);
        let cost = Estimate::of(&plain).on_demand.metrics.cost_usd;
        assert_eq!(
            precision.achieved_rse,
            Some(cost.std_err.unwrap() / cost.mean)
        );
        // A target out of reach: the cap.
        let mut capped = scenario.clone();
        capped.simulation.runs = 3 * BLOCK_RUNS + 7;
        let (_, precision) = in_pool(2, || to_target(&capped, target / 10.0));
        assert_eq!(precision.stopped_by, StoppedBy::Cap);
        assert_eq!(precision.runs, capped.simulation.runs);
        assert_eq!(precision.runs_cap, capped.simulation.runs);
    }

    #[test]
    fn rare_stops_are_warned_about_only_when_they_could_matter() {
        let mut scenario = parse_scenario(LOGNORMAL, "t.toml").unwrap();
        scenario.simulation.runs = 20;
        let template = Estimate::of(&crate::montecarlo::stream_scenario(&scenario)).on_demand;
        let warning = |counts: [u64; 3]| {
            let mut side = template.clone();
            side.outcomes = crate::stats::summary::OutcomeShares::of_counts(counts);
            rare_outcome_warning(&side, counts.iter().sum(), false)
        };
        // 2,000 runs, no MaxWait: a risk up to 3/2000 = 0.15 % could hide.
        let w = warning([1997, 3, 0]).unwrap();
        assert!(
            w.message
                .starts_with("2,000 spot runs are too few to measure rare stops: "),
            "{}",
            w.message
        );
        assert!(
            w.message
                .contains("MaxRuntimeExceeded in 3 runs (0.15 %, 95 % interval")
        );
        assert!(
            w.message
                .contains("MaxWaitTimeExceeded in none, so a risk below 0.15 %")
        );
        assert!(w.hint.contains("--runs 20,000"), "{}", w.hint);
        // Plenty of events, or too many runs for an unseen risk to matter: no warning.
        assert_eq!(warning([1960, 20, 20]), None);
        assert_eq!(warning([100_000, 0, 0]), None);
        assert_eq!(warning([999_995, 5, 0]), None);
    }
}
