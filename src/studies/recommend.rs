//! `spotsim recommend`: what to set for one scenario — spot or on-demand, the checkpoint
//! interval, `max_wait` and `max_run` — each with its 95 % interval.
//!
//! Method (`docs/model.md`, "Recommendations"):
//! - **Spot or on-demand.** One simulation of both sides under the scenario's seed; run `i` of
//!   spot is paired with run `i` on-demand (common random numbers), so the share of runs where
//!   spot costs less is a binomial share with a Wilson interval.
//! - **Checkpoint interval.** A sweep ([`crate::studies::sweep`]) over a log grid around Young's
//!   interval, `τ/8 .. 8τ` in steps of `√2`, then once more between the best point's two
//!   neighbours (7 points, plus the scenario's own interval for a paired comparison). Every
//!   point is a TOML override re-validated by the scenario parser. The interval that minimises
//!   the mean cost and the one that minimises the p95 wall time are each refined.
//! - **`max_run`.** The smallest whole minute `r` with completion share (with `max_wait` at the
//!   service's 30-day cap) at least `1 − (1 − target)/10`, by bisection over re-runs under the
//!   same seed: MaxRuntime may take a tenth of the failure budget and MaxWait the rest. For an
//!   on-demand job the goal is the target itself.
//! - **`max_wait`.** With common random numbers a run's trajectory does not depend on `max_wait`
//!   until the deadline acts, so a run completes under `max_wait = w` iff it completes with the
//!   30-day cap and its wall time is at most `w`. One simulation at the cap therefore gives the
//!   smallest `w` reaching the target: the `⌈target·n⌉`-th smallest wall time of the completed
//!   runs (at least `max_run`, in whole seconds). It is then re-run at that value with a fresh
//!   seed (`seed + 1`) and the completion share reported with its Wilson interval.
//!
//! Invariants: everything runs under fixed seeds and collects results in run order, so the
//! recommendation is identical for any thread count.

use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicU64, Ordering};

use toml::Table;

use crate::engine::{JobModel, Outcome, RunRecord};
use crate::montecarlo::blocks::{Ended, stream_ordered, window};
use crate::montecarlo::cancel::Cancel;
use crate::montecarlo::study::{Cancelled, Collect, run_study};
use crate::montecarlo::{Estimate, run_one_until};
use crate::scenario::{
    JOB_LIFETIME_LIMIT_S, MAX_RUN_LIMIT_S, Scenario, Warning, lint, parse_scenario,
};
use crate::stats::accumulate::{ScenarioStats, block_count, block_runs};
use crate::stats::held::{HeldBlock, HeldTime};
use crate::stats::paired::{PairedBlock, PairedDifference, PairedOrder, PairedStore, Pairing};
use crate::stats::sketch::QuantileStore;
use crate::stats::summary::{Metric, SideSummary, Z_95, wilson_interval};
use crate::studies::advice::IntervalAdvice;
use crate::studies::sweep::grid::{ValueKind, set_key};
use crate::studies::sweep::{Axis, MetricEstimate, SweepMetric, grid, run_sweep_cancellable};
use crate::units::duration::format_duration_exact;
use crate::units::format::format_share;

/// The default `--target-completion`.
pub const DEFAULT_TARGET: f64 = 0.99;

/// The longest `max_wait` searched: the service ends every job at 30 days.
pub const MAX_WAIT_LIMIT_S: f64 = JOB_LIFETIME_LIMIT_S;

/// The share of the failure budget `1 − target` that `max_run` may take (the rest is left to
/// MaxWait).
pub const MAX_RUN_FAILURE_SHARE: f64 = 0.1;

/// Points of the coarse checkpoint grid: `τ/8 .. 8τ` with ratio `√2`.
const COARSE_POINTS: usize = 13;
/// Points of the refined grid between the best coarse point's neighbours.
const FINE_POINTS: usize = 7;

/// Runs in the tail beyond the target below which the limits get a warning.
const MIN_TAIL_RUNS: f64 = 100.0;

/// The one-sided 95 % normal quantile, for the confidence of the recommended limits.
const Z_ONE_SIDED_95: f64 = 1.644_853_626_951_472;

/// How many of `runs` runs must complete before a limit is recommended for a completion `goal`:
/// enough that the true completion share is at least `goal` with 95 % confidence, not merely on
/// average. A limit chosen where the count reaches `⌈goal·n⌉` exactly would miss the goal half
/// the time on fresh draws. With the count of completions `Bin(n, p)`, a limit whose true share
/// is exactly `goal` reaches `k` completions with probability `P(Bin(n, goal) ≥ k) ≤ 5 %` when
/// `k = ⌈n·goal + z·√(n·goal·(1 − goal)) + ½⌉` (normal approximation with continuity
/// correction; the order-statistic bound for quantiles, Hahn & Meeker 1991, "Statistical
/// Intervals", §5.2). Clamped to `1..=runs`.
fn confident_count(goal: f64, runs: u64) -> u64 {
    let n = runs as f64;
    let k = (n * goal + Z_ONE_SIDED_95 * (n * goal * (1.0 - goal)).sqrt() + 0.5 - 1e-9).ceil();
    (k.max(1.0) as u64).min(runs)
}

/// Checks a `--target-completion`: a share strictly between 0 and 1.
pub fn check_target(target: f64) -> Result<(), String> {
    if target.is_finite() && target > 0.0 && target < 1.0 {
        Ok(())
    } else {
        Err(format!(
            "the target completion must be a share strictly between 0 and 1, e.g. 0.99 (got \
             {target})"
        ))
    }
}

/// A share of runs with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Share {
    /// Successes over trials.
    pub value: f64,
    /// Wilson 95 % interval.
    pub ci95: (f64, f64),
    /// Successes.
    pub count: u64,
    /// Trials.
    pub runs: u64,
}

impl Share {
    /// `count` of `runs`, with the interval pinned to 0 or 1 at the ends.
    pub fn of(count: u64, runs: u64) -> Share {
        let (mut lo, mut hi) = wilson_interval(count, runs, Z_95);
        if count == 0 {
            lo = 0.0;
        }
        if count == runs {
            hi = 1.0;
        }
        Share {
            value: count as f64 / runs.max(1) as f64,
            ci95: (lo, hi),
            count,
            runs,
        }
    }

    /// The share of runs with `outcome` among runs counted per outcome ([`Outcome::ALL`]
    /// order).
    fn of_outcome(counts: [u64; 3], outcome: Outcome) -> Share {
        let index = Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0);
        Share::of(counts[index], counts.iter().sum())
    }
}

/// A mean with its normal 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Mean {
    /// The sample mean.
    pub value: f64,
    /// `mean ± Z_95 · s.e.`; `None` with one run.
    pub ci95: Option<(f64, f64)>,
}

impl Mean {
    fn cost_of(side: &SideSummary) -> Mean {
        let m = &side.metrics.cost_usd;
        Mean {
            value: m.mean,
            ci95: m.std_err.map(|se| (m.mean - Z_95 * se, m.mean + Z_95 * se)),
        }
    }
}

/// Spot against on-demand for the scenario as written.
#[derive(Debug, Clone, PartialEq)]
pub struct SpotOrOnDemand {
    /// Share of runs `i` where spot costs strictly less than on-demand.
    pub p_spot_cheaper: PairedOrder,
    /// Expected spot cost per job, USD.
    pub spot_cost_usd: Mean,
    /// Expected on-demand cost per job, USD.
    pub on_demand_cost_usd: Mean,
    /// Spot's total cost over completed runs per completed run, USD.
    pub spot_cost_per_completed_job_usd: Option<f64>,
    /// On-demand's, USD.
    pub on_demand_cost_per_completed_job_usd: Option<f64>,
    /// Spot runs that completed.
    pub spot_completed: Share,
    /// Spot runs stopped by MaxWait.
    pub spot_max_wait_exceeded: Share,
    /// Spot runs stopped by MaxRuntime.
    pub spot_max_runtime_exceeded: Share,
    /// On-demand runs that completed.
    pub on_demand_completed: Share,
    /// `spot` or `on_demand`.
    pub choice: &'static str,
    /// Why: the renderer words it with the figures above.
    pub verdict: Verdict,
}

/// Which way the spot-or-on-demand question went, and why; the report words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Spot does not cost less per completed job.
    OnDemand,
    /// Spot costs less per completed job, but as written completes fewer jobs than the target.
    SpotShortOfTarget,
    /// Spot costs less per completed job and meets the target.
    SpotCheaper,
}

/// The best checkpoint interval for one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalChoice {
    /// The interval, seconds.
    pub interval_s: f64,
    /// The metric there (mean cost in USD, or p95 wall time in seconds), with its interval.
    pub value: MetricEstimate,
    /// The scenario's own interval minus this one, from paired runs (positive: the current
    /// interval is worse).
    pub current_minus_best: PairedDifference,
}

/// Checkpoint interval advice.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointAdvice {
    /// The scenario's interval, seconds.
    pub current_s: f64,
    /// Young's and Daly's estimates.
    pub closed_form: IntervalAdvice,
    /// Minimises the mean cost.
    pub min_cost: IntervalChoice,
    /// Minimises the 95th percentile of the wall time; `None` when it is the same at every
    /// interval (the slowest runs end at `max_wait`, see `p95_note`).
    pub min_p95_wall: Option<IntervalChoice>,
    /// Why there is no p95 optimum.
    pub p95_note: Option<String>,
    /// Grid points simulated in all.
    pub points: usize,
}

/// The recommended stopping condition.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsAdvice {
    /// Recommended `max_run`, whole seconds.
    pub max_run_s: f64,
    /// Recommended `max_wait`, whole seconds (`None` on-demand).
    pub max_wait_s: Option<f64>,
    /// Whether the target is reachable within the service's limits.
    pub reachable: bool,
    /// Completion share with `max_wait` at the 30-day cap and the recommended `max_run`,
    /// under the scenario's seed.
    pub completion_at_cap: Share,
    /// The seed of the check (`seed + 1`).
    pub check_seed: u64,
    /// Completion share at the recommended values, re-run under `check_seed`.
    pub check_completed: Share,
    /// Why the values are what they are, for people.
    pub notes: Vec<String>,
}

/// Everything `spotsim recommend` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// `--target-completion`.
    pub target: f64,
    /// Runs per simulation.
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// The scenario's `max_run`, seconds.
    pub current_max_run_s: f64,
    /// The scenario's `max_wait`, seconds.
    pub current_max_wait_s: Option<f64>,
    /// Spot against on-demand; `None` for an on-demand scenario.
    pub spot_or_on_demand: Option<SpotOrOnDemand>,
    /// On-demand's expected cost, USD.
    pub on_demand_cost_usd: Mean,
    /// Checkpoint interval advice, when it applies.
    pub checkpoint: Option<CheckpointAdvice>,
    /// Why there is no checkpoint advice.
    pub checkpoint_note: Option<String>,
    /// `max_run` and `max_wait`.
    pub limits: LimitsAdvice,
    /// The scenario as written against each recommended change.
    pub settings: SettingsComparison,
    /// Classic mistakes: the scenario's lint plus what the simulation shows.
    pub warnings: Vec<Warning>,
}

/// Why there is no recommendation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecommendError {
    /// The input is wrong: the message says what and where.
    #[error("{0}")]
    Invalid(String),
    /// A stop was requested through the [`Cancel`] token.
    #[error("interrupted")]
    Cancelled,
}

impl From<Cancelled> for RecommendError {
    fn from(_: Cancelled) -> RecommendError {
        RecommendError::Cancelled
    }
}

impl From<String> for RecommendError {
    fn from(message: String) -> RecommendError {
        RecommendError::Invalid(message)
    }
}

/// Recommends settings for the scenario file `text` (named `file`, as given on the command
/// line); `base` is the validated scenario with the command line's runs and seed, `target` a
/// completion share in (0, 1). Runs on the current rayon pool, counting runs into `done`;
/// never cancelled (see [`recommend_cancellable`]).
pub fn recommend(
    text: &str,
    file: &str,
    base: &Scenario,
    target: f64,
    done: &AtomicU64,
) -> Result<Recommendation, String> {
    match recommend_cancellable(text, file, base, target, done, &Cancel::new()) {
        Ok(recommendation) => Ok(recommendation),
        Err(RecommendError::Invalid(message)) => Err(message),
        Err(RecommendError::Cancelled) => unreachable!("nothing requests this token"),
    }
}

/// Spot cost against on-demand cost run by run, and the capacity spot runs held (for the
/// checkpoint advice), besides the scenario's own statistics.
struct SidesCollect {
    /// Column 0: on-demand cost; column 1: spot cost; the pair `(0, 1)`.
    pairing: Pairing,
    /// Whether the advice needs the held time.
    held: bool,
}

impl Collect for SidesCollect {
    type Block = (PairedBlock, HeldBlock);
    type Total = (PairedStore, HeldTime);

    fn start_block(&self, _: &Self::Total, _: Range<usize>, runs: Range<u64>) -> Self::Block {
        let size = (runs.end - runs.start) as usize;
        (
            self.pairing.start_block(0..2, size),
            HeldBlock::new(self.held, size),
        )
    }

    #[inline]
    fn push(
        &self,
        block: &mut Self::Block,
        _: usize,
        _: u64,
        spot: Option<&RunRecord>,
        on_demand: &RunRecord,
    ) {
        if let Some(spot) = spot {
            block.0.push(0, on_demand.cost_usd);
            block.0.push(1, spot.cost_usd);
            block.1.push(spot);
        }
    }

    fn finish_block(&self, block: &mut Self::Block) {
        self.pairing.finish_block(&mut block.0);
    }

    fn append(&self, total: &mut Self::Total, block: Self::Block) {
        self.pairing.append(&mut total.0, block.0);
        total.1.append(block.1);
    }
}

/// Completion, mean cost and 95th percentile of the wall time of one setting of the scenario, on
/// its main side (spot when enabled), each with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SettingsOutcome {
    /// Jobs completed.
    pub completed: Share,
    /// Mean cost per job, USD.
    pub mean_cost_usd: Mean,
    /// 95th percentile of the wall time, seconds; its interval is distribution-free: the order
    /// statistics of ranks `n·p ∓ z·√(n·p·(1 − p))` (Conover 1999, "Practical Nonparametric
    /// Statistics", §3.2), read from the kept values (the sketch's relative 10⁻⁴ beyond).
    pub p95_wall_s: MetricEstimate,
}

impl SettingsOutcome {
    fn of(stats: &ScenarioStats, estimate: &Estimate, outcomes: [u64; 3]) -> SettingsOutcome {
        let main = estimate.spot.as_ref().unwrap_or(&estimate.on_demand);
        let store = stats
            .spot()
            .unwrap_or(stats.on_demand())
            .metric(Metric::WallS);
        let n = store.count();
        let p = 0.95;
        let ci95 = (n >= 20).then(|| {
            let centre = n as f64 * p;
            let half = Z_95 * (centre * (1.0 - p)).sqrt();
            let rank = |r: f64| (r.max(0.0) as u64).min(n - 1);
            (
                store.value_at_rank(rank((centre - half).floor() - 1.0)),
                store.value_at_rank(rank((centre + half).ceil() - 1.0)),
            )
        });
        SettingsOutcome {
            completed: Share::of_outcome(outcomes, Outcome::Completed),
            mean_cost_usd: Mean::cost_of(main),
            p95_wall_s: MetricEstimate {
                value: main.metrics.wall_s.p95,
                ci95,
            },
        }
    }
}

/// A recommended change of the scenario, against the scenario as written, both simulated
/// under the same seed (common random numbers).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SettingsChange {
    /// What changes: `the recommended limits`, `the interval of lowest mean cost`.
    pub setting: String,
    /// The values as written.
    pub current: String,
    /// The recommended values.
    pub recommended: String,
    /// The outcome with the recommended values (the other settings as written).
    pub outcome: SettingsOutcome,
}

/// The scenario as written against each recommended change.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SettingsComparison {
    /// The scenario as written.
    pub current: SettingsOutcome,
    /// Whether the scenario as written completes the target share of jobs.
    pub current_meets_target: bool,
    /// Each recommended change, alone.
    pub changes: Vec<SettingsChange>,
}

/// What one simulation of the scenario as written shows.
struct AsWritten {
    estimate: Estimate,
    /// Completion, mean cost and p95 wall time.
    outcome: SettingsOutcome,
    /// Runs per outcome ([`Outcome::ALL`] order): spot (when enabled), on-demand.
    spot_outcomes: Option<[u64; 3]>,
    on_demand_outcomes: [u64; 3],
    /// Spot run `i` cheaper than on-demand run `i`, when spot is enabled.
    p_spot_cheaper: Option<PairedOrder>,
    /// The capacity spot runs held.
    held: HeldTime,
}

/// Simulates `base` as written, both sides, as `spotsim run` does.
fn simulate_as_written(
    base: &Scenario,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<AsWritten, Cancelled> {
    let (runs, seed) = (base.simulation.runs, base.simulation.seed);
    let collect = SidesCollect {
        pairing: Pairing::new(2, vec![(0, 1)], runs),
        held: IntervalAdvice::needs_runs(base),
    };
    let total = (collect.pairing.store(), HeldTime::default());
    let mut stats = None;
    let (pairs, held) = run_study(
        &[base],
        runs,
        seed,
        crate::montecarlo::study::all_blocks(runs),
        &collect,
        total,
        done,
        cancel,
        |_, finished| stats = Some(finished),
    )?;
    let stats = stats.ok_or(Cancelled)?;
    let moments = stats.moments().ok_or(Cancelled)?;
    let estimate = Estimate::of(&stats);
    let main_outcomes = moments.spot.unwrap_or(moments.on_demand).outcomes;
    // b = spot below a = on-demand.
    let p_spot_cheaper = base
        .is_spot()
        .then(|| pairs.pair(0, collect.pairing.pairs()[0]).order());
    Ok(AsWritten {
        outcome: SettingsOutcome::of(&stats, &estimate, main_outcomes),
        estimate,
        spot_outcomes: moments.spot.map(|side| side.outcomes),
        on_demand_outcomes: moments.on_demand.outcomes,
        p_spot_cheaper,
        held,
    })
}

/// As [`recommend`], stopping early when `cancel` is requested.
///
/// # Errors
/// [`RecommendError::Invalid`] for a bad target or file, [`RecommendError::Cancelled`] after a
/// stop request.
pub fn recommend_cancellable(
    text: &str,
    file: &str,
    base: &Scenario,
    target: f64,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<Recommendation, RecommendError> {
    check_target(target)?;
    let document: Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("{file}: {}", e.message()))?;
    let (runs, seed) = (base.simulation.runs, base.simulation.seed);
    let written = simulate_as_written(base, done, cancel)?;
    let on_demand = &written.estimate.on_demand;
    let spot_or_on_demand = match (&written.estimate.spot, written.spot_outcomes) {
        (Some(spot), Some(spot_outcomes)) => Some(compare_sides(
            spot,
            spot_outcomes,
            on_demand,
            written.on_demand_outcomes,
            written
                .p_spot_cheaper
                .unwrap_or(PairedOrder::of_counts(0, 0, 0)),
            target,
        )),
        _ => None,
    };
    let held = written.estimate.spot.is_some().then_some(&written.held);
    let (checkpoint, checkpoint_note) =
        checkpoint_advice(text, file, base, target, held, done, cancel)?;
    let limits = limits_advice(&document, file, base, target, done, cancel)?;
    let settings = settings_comparison(
        base,
        &written,
        target,
        &limits,
        checkpoint.as_ref(),
        done,
        cancel,
    )?;

    let mut warnings = lint(base);
    // The limits are tail quantiles: with few runs in the tail they move from seed to seed.
    let tail_runs = (1.0 - target) * runs as f64;
    if tail_runs < MIN_TAIL_RUNS {
        warnings.push(Warning {
            message: format!(
                "only {} runs: about {} of them fall in the {:.2} % tail the target leaves, so \
                 the recommended max_wait and max_run are uncertain and a fresh seed may \
                 complete less than the target",
                crate::units::format::format_count(runs),
                crate::units::format::format_count(tail_runs.round() as u64),
                (1.0 - target) * 100.0
            ),
            hint: format!(
                "re-run with --runs {} or more",
                (MIN_TAIL_RUNS / (1.0 - target)).ceil() as u64
            ),
        });
    }
    if let Some(s) = &spot_or_on_demand {
        let stopped = 1.0 - s.spot_completed.value;
        if stopped > 1.0 - target {
            warnings.push(Warning {
                message: format!(
                    "{} of spot runs stop at a limit (MaxWait {}, MaxRuntime {}); \
                     the service does not fall back to on-demand: a stopped job must be \
                     restarted by you, from its last checkpoint if the script restores it",
                    format_share(stopped, 1),
                    format_share(s.spot_max_wait_exceeded.value, 1),
                    format_share(s.spot_max_runtime_exceeded.value, 1)
                ),
                hint: "set the max_wait and max_run recommended above".into(),
            });
        }
        if s.spot_max_wait_exceeded.value > 1.0 - target
            && let Some(w) = base.stopping.max_wait_s
            && w < 2.0 * base.stopping.max_run_s
        {
            warnings.push(Warning {
                message: "max_wait is not a budget for waiting alone: it is the wall clock from \
                          job creation, running time, restarts and capacity waits included"
                    .into(),
                hint: "size max_wait as max_run plus the waits, as recommended above".into(),
            });
        }
    }
    if let Some(spot) = &written.estimate.spot
        && let Some(console) = spot.console_savings_pct
    {
        let true_pct = (1.0 - spot.metrics.cost_usd.mean / on_demand.metrics.cost_usd.mean) * 100.0;
        if console - true_pct > 5.0 {
            warnings.push(Warning {
                message: format!(
                    "the console would show {console:.0} % managed spot savings, but against the \
                     same job on-demand spot {}: the console's figure ignores redone work, \
                     restarts and stopped jobs",
                    if true_pct >= 0.0 {
                        format!("saves {true_pct:.0} %")
                    } else {
                        format!("costs {:.0} % more", -true_pct)
                    }
                ),
                hint: "compare costs per job (as here), not the console's savings".into(),
            });
        }
    }
    Ok(Recommendation {
        target,
        runs,
        seed,
        current_max_run_s: base.stopping.max_run_s,
        current_max_wait_s: base.stopping.max_wait_s,
        spot_or_on_demand,
        on_demand_cost_usd: Mean::cost_of(on_demand),
        checkpoint,
        checkpoint_note,
        limits,
        settings,
        warnings,
    })
}

/// The scenario as written against each recommended change alone, simulated under the same
/// seed: what the change does to completion, cost and the p95 wall time.
fn settings_comparison(
    base: &Scenario,
    written: &AsWritten,
    target: f64,
    limits: &LimitsAdvice,
    checkpoint: Option<&CheckpointAdvice>,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<SettingsComparison, Cancelled> {
    let mut changes = Vec::new();
    let limits_text = |max_run_s: f64, max_wait_s: Option<f64>| match max_wait_s {
        Some(w) => format!(
            "max_run {}, max_wait {}",
            format_duration_exact(max_run_s),
            format_duration_exact(w)
        ),
        None => format!("max_run {}", format_duration_exact(max_run_s)),
    };
    if limits.max_run_s != base.stopping.max_run_s || limits.max_wait_s != base.stopping.max_wait_s
    {
        let mut s = base.clone();
        s.stopping.max_run_s = limits.max_run_s;
        s.stopping.max_wait_s = limits.max_wait_s;
        changes.push(SettingsChange {
            setting: "the recommended limits".into(),
            current: limits_text(base.stopping.max_run_s, base.stopping.max_wait_s),
            recommended: limits_text(limits.max_run_s, limits.max_wait_s),
            outcome: simulate_as_written(&s, done, cancel)?.outcome,
        });
    }
    if let (Some(advice), Some(current)) = (checkpoint, &base.checkpoint)
        && advice.min_cost.interval_s != current.interval_s
    {
        let mut s = base.clone();
        if let Some(c) = &mut s.checkpoint {
            c.interval_s = advice.min_cost.interval_s;
        }
        changes.push(SettingsChange {
            setting: "the interval of lowest mean cost".into(),
            current: format!("interval {}", format_duration_exact(current.interval_s)),
            recommended: format!(
                "interval {}",
                format_duration_exact(advice.min_cost.interval_s)
            ),
            outcome: simulate_as_written(&s, done, cancel)?.outcome,
        });
    }
    Ok(SettingsComparison {
        current: written.outcome,
        current_meets_target: written.outcome.completed.value >= target,
        changes,
    })
}

fn compare_sides(
    spot_summary: &SideSummary,
    spot_outcomes: [u64; 3],
    on_demand: &SideSummary,
    on_demand_outcomes: [u64; 3],
    p_spot_cheaper: PairedOrder,
    target: f64,
) -> SpotOrOnDemand {
    let spot_completed = Share::of_outcome(spot_outcomes, Outcome::Completed);
    let spot_cost_usd = Mean::cost_of(spot_summary);
    let on_demand_cost_usd = Mean::cost_of(on_demand);
    let per_completed = spot_summary.cost_per_completed_job_usd;
    let od_per_completed = on_demand.cost_per_completed_job_usd;
    let cheaper = match (per_completed, od_per_completed) {
        (Some(s), Some(o)) => s < o,
        (None, _) => false,
        (Some(_), None) => true,
    };
    let (choice, verdict) = if !cheaper {
        ("on_demand", Verdict::OnDemand)
    } else if spot_completed.ci95.1 < target {
        ("spot", Verdict::SpotShortOfTarget)
    } else {
        ("spot", Verdict::SpotCheaper)
    };
    SpotOrOnDemand {
        p_spot_cheaper,
        spot_cost_usd,
        on_demand_cost_usd,
        spot_cost_per_completed_job_usd: per_completed,
        on_demand_cost_per_completed_job_usd: od_per_completed,
        spot_completed,
        spot_max_wait_exceeded: Share::of_outcome(spot_outcomes, Outcome::MaxWaitTimeExceeded),
        spot_max_runtime_exceeded: Share::of_outcome(spot_outcomes, Outcome::MaxRuntimeExceeded),
        on_demand_completed: Share::of_outcome(on_demand_outcomes, Outcome::Completed),
        choice,
        verdict,
    }
}

/// `n` log-spaced values from `lo` to `hi` inclusive, rounded to the millisecond, with `extra`
/// added; sorted, duplicates (after rounding) dropped.
fn interval_list(lo: f64, hi: f64, n: usize, extra: f64) -> Vec<f64> {
    let mut values: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / (n - 1) as f64;
            ((lo.ln() + (hi.ln() - lo.ln()) * t).exp() * 1000.0).round() / 1000.0
        })
        .collect();
    values.push((extra * 1000.0).round() / 1000.0);
    values.sort_by(f64::total_cmp);
    values.dedup();
    values
}

type CheckpointResult = (Option<CheckpointAdvice>, Option<String>);

/// The checkpoint interval, chosen by the sweep's rule under `target`
/// ([`crate::studies::sweep::CompletionTarget`]).
fn checkpoint_advice(
    text: &str,
    file: &str,
    base: &Scenario,
    target: f64,
    held: Option<&HeldTime>,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<CheckpointResult, RecommendError> {
    let (runs, seed) = (base.simulation.runs, base.simulation.seed);
    if !base.is_spot() {
        return Ok((
            None,
            Some("on-demand only: no interruptions, so checkpoints cannot pay off".into()),
        ));
    }
    let Some(checkpoint) = &base.checkpoint else {
        return Ok((
            None,
            Some(
                "no [checkpoint]: every interruption restarts training from zero; add a \
                 [checkpoint] table (interval, save, restore) and re-run recommend for the best \
                 interval (Young's τ = √(2·C·M) with your save time C)"
                    .into(),
            ),
        ));
    };
    let Some(closed_form) = IntervalAdvice::observed_held(base, held) else {
        return Ok((
            None,
            Some(
                "no interval advice: saves take no time or capacity is never reclaimed, so any \
                 interval does"
                    .into(),
            ),
        ));
    };
    let current = checkpoint.interval_s;
    let training = base.job.training.mean_s();
    // Not more than 10,000 checkpoints per run (slow, and saves would dominate), not past the
    // training itself.
    let floor = (training / 10_000.0).max(1.0);
    let lo = (closed_form.young_s / 8.0).max(floor);
    let hi = (closed_form.young_s * 8.0)
        .min(training.max(lo * 2.0))
        .max(lo * 2.0);
    let sweep = |values: Vec<f64>, metric: SweepMetric| -> Result<_, RecommendError> {
        let axis = Axis::new("checkpoint.interval", ValueKind::Duration, values);
        let (axes, points) = grid(text, file, vec![axis]).map_err(|errors| errors.to_string())?;
        Ok(run_sweep_cancellable(
            &axes,
            &points,
            metric,
            Some(target),
            runs,
            seed,
            done,
            cancel,
        )?)
    };
    let coarse = sweep(
        interval_list(lo, hi, COARSE_POINTS, current),
        SweepMetric::Mean(Metric::CostUsd),
    )?;
    let mut points = coarse.points.len();
    let p95 = |p: &crate::studies::sweep::PointResult| {
        p.spot
            .as_ref()
            .map_or(f64::INFINITY, |s| s.metrics.wall_s.p95)
    };
    let best_p95 = (0..coarse.points.len())
        .min_by(|&a, &b| p95(&coarse.points[a]).total_cmp(&p95(&coarse.points[b])))
        .unwrap_or(0);
    let mut refine = |best: usize, metric: SweepMetric| -> Result<IntervalChoice, RecommendError> {
        let values: Vec<f64> = coarse.points.iter().map(|p| p.values[0]).collect();
        let (a, b) = (
            values[best.saturating_sub(1)],
            values[(best + 1).min(values.len() - 1)],
        );
        let list = interval_list(a, b, FINE_POINTS, current);
        let fine = sweep(list.clone(), metric)?;
        points += fine.points.len();
        let at_current = list
            .iter()
            .position(|v| *v == (current * 1000.0).round() / 1000.0);
        let best_point = fine.best_point();
        Ok(IntervalChoice {
            interval_s: best_point.values[0],
            value: best_point.metric,
            current_minus_best: at_current.map_or(best_point.vs_best, |i| fine.points[i].vs_best),
        })
    };
    let min_cost = refine(coarse.best, SweepMetric::Mean(Metric::CostUsd))?;
    let (p95_lo, p95_hi) = coarse
        .points
        .iter()
        .map(p95)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    // A flat p95 is the MaxWait deadline: every interval's slowest runs are stopped there.
    let (min_p95_wall, p95_note) = if p95_lo == p95_hi {
        (
            None,
            Some(format!(
                "the p95 wall time is {} at every interval: the slowest runs are stopped by \
                 max_wait; set the max_wait recommended above and re-run",
                crate::units::duration::format_duration(p95_lo)
            )),
        )
    } else {
        (
            Some(refine(best_p95, SweepMetric::P95(Metric::WallS))?),
            None,
        )
    };
    Ok((
        Some(CheckpointAdvice {
            current_s: current,
            closed_form,
            min_cost,
            min_p95_wall,
            p95_note,
            points,
        }),
        None,
    ))
}

/// The scenario with `max_run` (and `max_wait`) set, through the parser: every rule applies.
fn with_limits(
    document: &Table,
    file: &str,
    max_run_s: f64,
    max_wait_s: Option<f64>,
) -> Result<Scenario, String> {
    let mut document = document.clone();
    set_key(
        &mut document,
        "stopping.max_run",
        ValueKind::WholeSeconds,
        max_run_s,
    );
    if let Some(w) = max_wait_s {
        set_key(
            &mut document,
            "stopping.max_wait",
            ValueKind::WholeSeconds,
            w,
        );
    }
    let text = toml::to_string(&document).map_err(|e| e.to_string())?;
    parse_scenario(&text, file).map_err(|errors| {
        errors
            .0
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// The main side's model of `scenario` with the given limits, without re-parsing (the values
/// keep the parser's rules: whole seconds, `1 ≤ max_run ≤ 28 d`, `max_wait ≥ max_run`).
fn model_with(base: &Scenario, max_run_s: f64, max_wait_s: Option<f64>) -> JobModel {
    let mut s = base.clone();
    s.stopping.max_run_s = max_run_s;
    s.stopping.max_wait_s = max_wait_s;
    JobModel::spot(&s).unwrap_or_else(|| JobModel::on_demand(&s))
}

/// Completed runs among kept records (tests check the streamed counts against it).
#[cfg(test)]
fn completed_count(records: &[RunRecord]) -> u64 {
    records
        .iter()
        .filter(|r| r.outcome == Outcome::Completed)
        .count() as u64
}

/// What a simulation of one side shows the limits: completed runs, and the wall times of the
/// completed runs when asked for.
#[derive(Debug, Clone, PartialEq)]
struct Completions {
    /// Runs that completed.
    completed: u64,
    /// Their wall times, seconds (empty unless asked for).
    walls_s: QuantileStore,
}

/// Simulates `model` for run indices `0..runs` under `seed`, one side alone, through the block
/// scheduler, counting completed runs and, when `walls`, keeping their wall times.
fn completions(
    model: &JobModel,
    seed: u64,
    runs: u64,
    walls: bool,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<Completions, Cancelled> {
    let mut total = Completions {
        completed: 0,
        walls_s: QuantileStore::new(),
    };
    let ended = stream_ordered(
        &mut total,
        0..block_count(runs),
        window(1),
        cancel,
        |total: &Completions, block| {
            let range = block_runs(block, runs);
            let capacity = if walls {
                (range.end - range.start) as usize
            } else {
                0
            };
            Completions {
                completed: 0,
                walls_s: total.walls_s.empty_part(capacity),
            }
        },
        |block, mut part: Completions| {
            let range = block_runs(block, runs);
            for run in range.clone() {
                if cancel.requested() {
                    break;
                }
                let record = run_one_until(model, seed, run, cancel);
                if record.outcome == Outcome::Completed {
                    part.completed += 1;
                    if walls {
                        part.walls_s.push(record.wall_s);
                    }
                }
            }
            done.fetch_add(range.end - range.start, Ordering::Relaxed);
            Ok::<_, std::convert::Infallible>(part)
        },
        |total, _, part| {
            total.completed += part.completed;
            total.walls_s.merge(&part.walls_s);
            Ok(ControlFlow::Continue(()))
        },
    );
    match ended {
        Ok(Ended::Finished | Ended::Stopped) => Ok(total),
        Ok(Ended::Cancelled) => Err(Cancelled),
        Err(never) => match never {},
    }
}

fn limits_advice(
    document: &Table,
    file: &str,
    base: &Scenario,
    target: f64,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<LimitsAdvice, RecommendError> {
    let (runs, seed) = (base.simulation.runs, base.simulation.seed);
    let spot = base.is_spot();
    let cap = spot.then_some(MAX_WAIT_LIMIT_S);
    let goal = if spot {
        1.0 - (1.0 - target) * MAX_RUN_FAILURE_SHARE
    } else {
        target
    };
    let needed = |goal: f64| confident_count(goal, runs);
    let completes = |max_run_s: f64| -> Result<u64, Cancelled> {
        let model = model_with(base, max_run_s, cap);
        Ok(completions(&model, seed, runs, false, done, cancel)?.completed)
    };
    let mut notes = Vec::new();
    // max_run: bisection over whole minutes, in log space, to 1 %.
    let at_limit = completes(MAX_RUN_LIMIT_S)?;
    let max_run_s = if at_limit < needed(goal) {
        notes.push(format!(
            "even max_run = 28 days (the service maximum) completes {} of runs with max_wait \
             at its cap",
            format_share(at_limit as f64 / runs as f64, 2)
        ));
        MAX_RUN_LIMIT_S
    } else {
        let (mut lo, mut hi) = (60.0_f64, MAX_RUN_LIMIT_S);
        if completes(lo)? >= needed(goal) {
            hi = lo;
        }
        while hi - lo > 60.0 && hi / lo > 1.01 {
            let mid = ((lo * hi).sqrt() / 60.0).round() * 60.0;
            if mid <= lo || mid >= hi {
                break;
            }
            if completes(mid)? >= needed(goal) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    };
    // One simulation with max_wait at the cap: completion under w is "completed and wall ≤ w".
    let at_cap = completions(
        &model_with(base, max_run_s, cap),
        seed,
        runs,
        true,
        done,
        cancel,
    )?;
    let completion_at_cap = Share::of(at_cap.completed, runs);
    // Reachable on average; the 95 % rank, when fewer runs complete than it asks, falls back to
    // the last completed run (with a note: more runs would make the bound sure).
    let reachable = completion_at_cap.count as f64 >= (target * runs as f64 - 1e-9).ceil();
    let k = needed(target).min(completion_at_cap.count).max(1);
    if spot && reachable && k < needed(target) {
        notes.push(format!(
            "{} runs cannot show {:.2} % completion with 95 % confidence: max_wait is the \
             longest completed run; use more runs for a sure bound",
            crate::units::format::format_count(runs),
            target * 100.0
        ));
    }
    let max_wait_s = if !spot {
        None
    } else if !reachable {
        notes.push(format!(
            "the target {:.2} % is out of reach: with max_run = {} s and max_wait at the 30-day \
             cap only {} of runs complete",
            target * 100.0,
            max_run_s,
            format_share(completion_at_cap.value, 2)
        ));
        Some(MAX_WAIT_LIMIT_S)
    } else {
        // The k-th smallest wall time of the completed runs: exact up to 131,072 of them,
        // within the sketch's relative 1.2·10⁻⁴ beyond.
        let w = at_cap.walls_s.value_at_rank(k - 1).ceil();
        if w < max_run_s {
            notes.push(
                "max_wait is held at max_run (the service requires max_wait ≥ max_run)".into(),
            );
        }
        Some(w.max(max_run_s))
    };
    if !spot && !reachable {
        notes.push(format!(
            "the target {:.2} % is out of reach: even max_run = 28 days completes {}",
            target * 100.0,
            format_share(completion_at_cap.value, 2)
        ));
    }
    // The check: through the parser (the values must be accepted), a fresh seed.
    let checked = with_limits(document, file, max_run_s, max_wait_s)?;
    let check_seed = seed.wrapping_add(1);
    let model = JobModel::spot(&checked).unwrap_or_else(|| JobModel::on_demand(&checked));
    let check = completions(&model, check_seed, runs, false, done, cancel)?;
    Ok(LimitsAdvice {
        max_run_s,
        max_wait_s,
        reachable,
        completion_at_cap,
        check_seed,
        check_completed: Share::of(check.completed, runs),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = include_str!("../../scenarios/reference.toml");

    fn recommend_text(text: &str, runs: u64, target: f64) -> Recommendation {
        let mut base = parse_scenario(text, "t.toml").unwrap();
        base.simulation.runs = runs;
        recommend(text, "t.toml", &base, target, &AtomicU64::new(0)).unwrap()
    }

    #[test]
    fn targets_must_be_shares_strictly_inside() {
        assert!(check_target(0.99).is_ok());
        for bad in [0.0, 1.0, 1.5, -0.1, f64::NAN] {
            assert!(
                check_target(bad)
                    .unwrap_err()
                    .contains("strictly between 0 and 1")
            );
        }
    }

    #[test]
    fn confident_counts_follow_the_binomial_bound() {
        // n = 20,000, goal 0.99: 19,800 + 1.645·√198 + 0.5 = 19,823.6.
        assert_eq!(confident_count(0.99, 20_000), 19_824);
        // Too few runs for the bound: every run must complete.
        assert_eq!(confident_count(0.99, 100), 100);
        assert_eq!(confident_count(0.5, 1), 1);
        // Check against the exact binomial tail: at the goal itself, reaching k is a ≤ 5 % event.
        let (n, p) = (2_000_u64, 0.95_f64);
        let k = confident_count(p, n);
        let ln_choose =
            |n: u64, j: u64| -> f64 { (1..=j).map(|i| ((n - j + i) as f64 / i as f64).ln()).sum() };
        let tail: f64 = (k..=n)
            .map(|j| (ln_choose(n, j) + j as f64 * p.ln() + (n - j) as f64 * (1.0 - p).ln()).exp())
            .sum();
        assert!(tail <= 0.05 && tail > 0.03, "P(Bin ≥ {k}) = {tail}");
    }

    #[test]
    fn the_max_wait_is_the_smallest_reaching_the_confident_count() {
        let r = recommend_text(REFERENCE, 2000, 0.95);
        let limits = &r.limits;
        let w = limits.max_wait_s.unwrap();
        assert!(w >= limits.max_run_s && w <= MAX_WAIT_LIMIT_S);
        assert!(limits.max_run_s <= MAX_RUN_LIMIT_S);
        // Re-run at the found values under the same seed: at least the 95 % count complete,
        // and one second less loses it (the smallest value).
        let base = parse_scenario(REFERENCE, "t.toml").unwrap();
        let share = |w: f64| {
            completed_count(&crate::montecarlo::run_many(
                &model_with(&base, limits.max_run_s, Some(w)),
                base.simulation.seed,
                2000,
            ))
        };
        let k = confident_count(0.95, 2000);
        assert!(k > 1900);
        assert!(share(w) >= k, "{} < {k}", share(w));
        if w > limits.max_run_s {
            assert!(share(w - 1.0) < k);
        }
        // The fresh-seed check lands at or above the target, within its sampling.
        let (lo, hi) = limits.check_completed.ci95;
        assert!(hi >= 0.95 && lo <= 0.95 + 0.03, "{limits:?}");
    }

    #[test]
    fn checkpoint_advice_brackets_young() {
        let r = recommend_text(REFERENCE, 1000, 0.99);
        let c = r.checkpoint.unwrap();
        assert_eq!(c.current_s, 1800.0);
        let young = c.closed_form.young_s;
        for choice in [c.min_cost, c.min_p95_wall.unwrap()] {
            assert!(choice.interval_s > young / 8.0 - 1.0 && choice.interval_s < young * 8.0 + 1.0);
        }
        assert!(c.points > COARSE_POINTS);
        assert!(r.spot_or_on_demand.is_some());
    }

    #[test]
    fn on_demand_jobs_get_a_max_run_only() {
        let text = "[job]\ntraining = { dist = \"uniform\", min = \"1h\", max = \"3h\" }\n\
                    [pricing]\non_demand_hourly = 1\n";
        let r = recommend_text(text, 1000, 0.9);
        assert!(r.spot_or_on_demand.is_none());
        assert!(r.checkpoint.is_none() && r.checkpoint_note.is_some());
        assert_eq!(r.limits.max_wait_s, None);
        // 90 % of uniform(1h, 3h) is 2.8 h; its 95 % upper bound from 1,000 runs is the
        // 917th smallest of 1,000, near the 0.917 quantile 1h + 0.917·2h = 10,202 s; bisection
        // to 1 %.
        let max_run = r.limits.max_run_s;
        assert!(max_run >= 10_080.0, "{max_run}");
        assert!((max_run / 10_202.0 - 1.0).abs() < 0.02, "{max_run}");
    }
}
