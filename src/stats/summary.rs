//! Statistics over Monte Carlo runs: means with standard errors, percentiles, outcome shares
//! and the two savings figures.
//!
//! The figures are computed from streamed state ([`crate::stats::accumulate`]): moments folded in
//! block order, so they are the same whatever the number of threads that produced them, and
//! quantile stores ([`crate::stats::sketch`]). Percentiles are order statistics with linear
//! interpolation between neighbours (Hyndman & Fan 1996, definition 7; the default of R and
//! NumPy): exact up to 131,072 runs, within a relative 1.2·10⁻⁴ beyond.

use serde::{Deserialize, Serialize};

use crate::engine::{Outcome, RunRecord};
use crate::stats::moments::{CoMoments, Moments};
use crate::stats::sketch::{QuantileStore, quantiles};

/// The per-run metrics spotsim reports, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Wall-clock time from job creation to the final status.
    WallS,
    /// TrainingTimeInSeconds.
    TrainingS,
    /// BillableTimeInSeconds.
    BillableS,
    /// Cost in USD.
    CostUsd,
    /// Interruptions.
    Interruptions,
    /// Time waiting for capacity.
    WaitingS,
    /// Training progress lost to interruptions.
    LostWorkS,
}

impl Metric {
    /// Every metric, in output order.
    pub const ALL: [Metric; 7] = [
        Metric::WallS,
        Metric::TrainingS,
        Metric::BillableS,
        Metric::CostUsd,
        Metric::Interruptions,
        Metric::WaitingS,
        Metric::LostWorkS,
    ];

    /// The name used in JSON and CSV.
    pub fn key(self) -> &'static str {
        match self {
            Metric::WallS => "wall_s",
            Metric::TrainingS => "training_s",
            Metric::BillableS => "billable_s",
            Metric::CostUsd => "cost_usd",
            Metric::Interruptions => "interruptions",
            Metric::WaitingS => "waiting_s",
            Metric::LostWorkS => "lost_work_s",
        }
    }

    /// A short name for people: `wall time`, `cost`.
    pub fn label(self) -> &'static str {
        match self {
            Metric::WallS => "wall time",
            Metric::TrainingS => "training time",
            Metric::BillableS => "billable time",
            Metric::CostUsd => "cost",
            Metric::Interruptions => "interruptions",
            Metric::WaitingS => "capacity wait",
            Metric::LostWorkS => "lost work",
        }
    }

    /// How the metric's values read.
    pub fn unit(self) -> MetricUnit {
        match self {
            Metric::CostUsd => MetricUnit::Usd,
            Metric::Interruptions => MetricUnit::Count,
            Metric::WallS
            | Metric::TrainingS
            | Metric::BillableS
            | Metric::WaitingS
            | Metric::LostWorkS => MetricUnit::Seconds,
        }
    }

    /// The metric's value in one run.
    #[inline]
    pub fn of(self, record: &RunRecord) -> f64 {
        match self {
            Metric::WallS => record.wall_s,
            Metric::TrainingS => record.training_s,
            Metric::BillableS => record.billable_s,
            Metric::CostUsd => record.cost_usd,
            Metric::Interruptions => f64::from(record.interruptions),
            Metric::WaitingS => record.waiting_s,
            Metric::LostWorkS => record.lost_work_s,
        }
    }
}

/// The unit of a metric's values, or of a figure made from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricUnit {
    /// US dollars.
    Usd,
    /// Seconds.
    Seconds,
    /// A count of events (interruptions).
    Count,
    /// A share from 0 to 1.
    Share,
}

/// Summary of one metric over all runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Sample mean.
    pub mean: f64,
    /// Standard error of the mean, `s / sqrt(n)`; `None` with a single run.
    pub std_err: Option<f64>,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// Summarises `values` (in run order). Reorders the slice to find percentiles.
    ///
    /// # Panics
    /// If `values` is empty; every simulation has at least one run.
    pub fn of(values: &mut [f64]) -> Summary {
        assert!(!values.is_empty(), "a summary needs at least one run");
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std_err = (values.len() > 1).then(|| {
            let sum_sq: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
            (sum_sq / (n - 1.0) / n).sqrt()
        });
        let [min, p50, p90, p95, p99, max] = quantiles(values, [0.0, 0.5, 0.9, 0.95, 0.99, 1.0]);
        Summary::from_parts(mean, std_err, [p50, p90, p95, p99], (min, max))
    }

    /// Summarises a streamed metric: the mean `Σx / n` and standard error from `moments`, the
    /// percentiles from `store` (exact while it is exact, see [`crate::stats::sketch`]), the exact
    /// min and max.
    ///
    /// # Panics
    /// If no value was seen; every simulation has at least one run.
    pub fn of_stream(moments: &Moments, store: &QuantileStore) -> Summary {
        assert!(moments.count > 0, "a summary needs at least one run");
        let [p50, p90, p95, p99] = store.quantiles([0.5, 0.9, 0.95, 0.99]);
        Summary::from_parts(
            moments.mean(),
            moments.std_err(),
            [p50, p90, p95, p99],
            (moments.min, moments.max),
        )
    }

    /// The one place a summary is made: from its mean and standard error, its 50th, 90th,
    /// 95th and 99th percentiles and its range. When every value is the same (`min == max`),
    /// the mean is that value and the standard error 0: the mean's rounding must not show up
    /// as a spread.
    pub fn from_parts(
        mean: f64,
        std_err: Option<f64>,
        [p50, p90, p95, p99]: [f64; 4],
        (min, max): (f64, f64),
    ) -> Summary {
        let (mean, std_err) = if min == max {
            (min, std_err.map(|_| 0.0))
        } else {
            (mean, std_err)
        };
        Summary {
            mean,
            std_err,
            p50,
            p90,
            p95,
            p99,
            min,
            max,
        }
    }
}

/// Share of runs with each outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutcomeShares {
    /// Completed.
    pub completed: f64,
    /// Stopped by MaxRuntime.
    pub max_runtime_exceeded: f64,
    /// Stopped by MaxWait.
    pub max_wait_exceeded: f64,
    /// Wilson 95 % intervals of the three shares ([`wilson_interval`] of the counts, `Z_95`).
    pub ci95: OutcomeIntervals,
}

impl OutcomeShares {
    /// The shares of `counts` runs per outcome ([`Outcome::ALL`] order) out of their sum, with
    /// their Wilson 95 % intervals.
    pub fn of_counts(counts: [u64; 3]) -> OutcomeShares {
        let runs: u64 = counts.iter().sum();
        let share = |count: u64| count as f64 / runs as f64;
        let interval = |count: u64| {
            let (lo, hi) = wilson_interval(count, runs, Z_95);
            [lo, hi]
        };
        OutcomeShares {
            completed: share(counts[0]),
            max_runtime_exceeded: share(counts[1]),
            max_wait_exceeded: share(counts[2]),
            ci95: OutcomeIntervals {
                completed: interval(counts[0]),
                max_runtime_exceeded: interval(counts[1]),
                max_wait_exceeded: interval(counts[2]),
            },
        }
    }

    /// The share of `outcome`.
    pub fn of(&self, outcome: Outcome) -> f64 {
        match outcome {
            Outcome::Completed => self.completed,
            Outcome::MaxRuntimeExceeded => self.max_runtime_exceeded,
            Outcome::MaxWaitTimeExceeded => self.max_wait_exceeded,
        }
    }
}

/// 95 % intervals `[lo, hi]` of outcome shares (shares, like [`OutcomeShares`], not %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutcomeIntervals {
    /// Completed.
    pub completed: [f64; 2],
    /// Stopped by MaxRuntime.
    pub max_runtime_exceeded: [f64; 2],
    /// Stopped by MaxWait.
    pub max_wait_exceeded: [f64; 2],
}

impl OutcomeIntervals {
    /// The interval of `outcome`.
    pub fn of(&self, outcome: Outcome) -> [f64; 2] {
        match outcome {
            Outcome::Completed => self.completed,
            Outcome::MaxRuntimeExceeded => self.max_runtime_exceeded,
            Outcome::MaxWaitTimeExceeded => self.max_wait_exceeded,
        }
    }
}

/// Metric summaries, keyed by metric name in output order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSummaries {
    /// Wall-clock time.
    pub wall_s: Summary,
    /// TrainingTimeInSeconds.
    pub training_s: Summary,
    /// BillableTimeInSeconds.
    pub billable_s: Summary,
    /// Cost in USD.
    pub cost_usd: Summary,
    /// Interruptions.
    pub interruptions: Summary,
    /// Capacity wait.
    pub waiting_s: Summary,
    /// Work lost to interruptions.
    pub lost_work_s: Summary,
}

impl MetricSummaries {
    /// The summary of `metric`.
    pub fn get(&self, metric: Metric) -> &Summary {
        match metric {
            Metric::WallS => &self.wall_s,
            Metric::TrainingS => &self.training_s,
            Metric::BillableS => &self.billable_s,
            Metric::CostUsd => &self.cost_usd,
            Metric::Interruptions => &self.interruptions,
            Metric::WaitingS => &self.waiting_s,
            Metric::LostWorkS => &self.lost_work_s,
        }
    }
}

/// Everything reported for one way of running the job (spot, or the on-demand baseline).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideSummary {
    /// Outcome shares.
    pub outcomes: OutcomeShares,
    /// Per-metric summaries.
    pub metrics: MetricSummaries,
    /// `(1 - Σ billable_s / Σ training_s) × 100`, the figure the SageMaker console prints;
    /// `None` when no run was billed at all.
    pub console_savings_pct: Option<f64>,
    /// Total cost over the runs that completed, divided by their number: what one finished job
    /// costs when stopped runs must be paid for and run again. `None` when no run completed.
    pub cost_per_completed_job_usd: Option<f64>,
    /// Where the billed time goes, on average per run.
    pub billed_breakdown: BilledBreakdown,
    /// What the `[fallback]` did, when the scenario has one (spot side only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<FallbackSummary>,
}

/// What a `[fallback]` did over the runs. The side's totals (cost, wall time, outcomes) already
/// include the on-demand jobs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FallbackSummary {
    /// Share of runs that went on-demand.
    pub fell_back_share: f64,
    /// Mean billed on-demand hours per run (per instance), zero for runs that stayed on spot.
    pub on_demand_hours_mean: f64,
    /// Mean cost of the on-demand job per run.
    pub on_demand_cost_usd_mean: f64,
    /// The on-demand jobs' share of the total cost.
    pub on_demand_cost_share: f64,
    /// With a deadline: the share of runs completed by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_deadline_share: Option<f64>,
}

/// Billed seconds per instance by what they bought: the one breakdown of billed time, summed
/// over runs while they stream ([`crate::stats::accumulate::SideMoments::billed`]) and as a
/// mean per run in a [`SideSummary`]. In a summary the parts add up to the mean of `training_s`
/// (TrainingTimeInSeconds). The engine records each run's billed time by phase
/// ([`crate::engine::BilledTime`], what the job was doing) and the training lost to
/// interruptions; `BilledBreakdown::add_run` (crate-private) turns that into this by-use split, which needs
/// the run's outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BilledBreakdown {
    /// Training whose progress reached a completed model.
    pub useful_training_s: f64,
    /// Training whose progress an interruption threw away, done again later.
    pub redone_training_s: f64,
    /// Training whose progress was kept but never delivered: the run was stopped by a limit.
    pub stopped_training_s: f64,
    /// Downloading input data, at every (re)start.
    pub download_s: f64,
    /// Restoring checkpoints after restarts.
    pub restore_s: f64,
    /// Saving checkpoints.
    pub checkpoint_save_s: f64,
    /// Uploading the model, at completion or after a stop.
    pub upload_s: f64,
}

impl BilledBreakdown {
    /// Adds one run: its training split into kept-and-delivered, redone and kept-but-stopped,
    /// and its other billed phases.
    #[inline]
    pub(crate) fn add_run(&mut self, r: &RunRecord) {
        let kept_s = r.billed.train_s - r.billed_redone_s;
        if r.outcome == Outcome::Completed {
            self.useful_training_s += kept_s;
        } else {
            self.stopped_training_s += kept_s;
        }
        self.redone_training_s += r.billed_redone_s;
        self.download_s += r.billed.download_s;
        self.restore_s += r.billed.restore_s;
        self.checkpoint_save_s += r.billed.save_s;
        self.upload_s += r.billed.upload_s;
    }

    /// As `times` calls of `add_run(r)`: the sums are added to in the same order, so that
    /// they keep the bits of one run at a time.
    pub(crate) fn add_run_repeated(&mut self, r: &RunRecord, times: u64) {
        for _ in 0..times {
            self.add_run(r);
        }
    }

    /// Adds another breakdown's sums, part by part.
    pub(crate) fn add(&mut self, other: &BilledBreakdown) {
        self.useful_training_s += other.useful_training_s;
        self.redone_training_s += other.redone_training_s;
        self.stopped_training_s += other.stopped_training_s;
        self.download_s += other.download_s;
        self.restore_s += other.restore_s;
        self.checkpoint_save_s += other.checkpoint_save_s;
        self.upload_s += other.upload_s;
    }

    /// These sums over `runs` runs as means per run.
    #[must_use]
    pub fn per_run(&self, runs: u64) -> BilledBreakdown {
        let n = runs.max(1) as f64;
        BilledBreakdown {
            useful_training_s: self.useful_training_s / n,
            redone_training_s: self.redone_training_s / n,
            stopped_training_s: self.stopped_training_s / n,
            download_s: self.download_s / n,
            restore_s: self.restore_s / n,
            checkpoint_save_s: self.checkpoint_save_s / n,
            upload_s: self.upload_s / n,
        }
    }

    /// The parts with their labels, in chart order.
    pub fn parts(&self) -> [(&'static str, f64); 7] {
        [
            ("useful training", self.useful_training_s),
            (
                "training redone after interruptions",
                self.redone_training_s,
            ),
            ("training lost in stops", self.stopped_training_s),
            ("downloads", self.download_s),
            ("checkpoint restores", self.restore_s),
            ("checkpoint saves", self.checkpoint_save_s),
            ("uploads", self.upload_s),
        ]
    }
}

/// The two-sided 95 % normal quantile.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Wilson's score interval for a proportion (Wilson 1927, "Probable inference, the law of
/// succession, and statistical inference", JASA 22): unlike `p ± z·se` it stays inside [0, 1]
/// and is not empty when nothing was observed, which matters for rare stops.
pub fn wilson_interval(successes: u64, trials: u64, z: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At p = 0 (p = 1) the bound is exactly 0 (1); rounding would leave 1e-19 (1 − 1e-16).
    let lo = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if successes >= trials {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// A distribution-free interval for the `p` quantile of the `n` values in `store`: the order
/// statistics of ranks `n·p ∓ z·√(n·p·(1 − p))`, rounded outward and kept within 1..n, since the
/// number of values below the true quantile is Binomial(n, p) (Conover 1999, "Practical
/// Nonparametric Statistics", §3.2, normal approximation). Within the sketch's relative error once
/// the store is sketched; `None` for an empty store.
pub fn quantile_interval(store: &QuantileStore, p: f64, z: f64) -> Option<(f64, f64)> {
    let n = store.count();
    if n == 0 {
        return None;
    }
    let centre = n as f64 * p;
    let half = z * (centre * (1.0 - p)).sqrt();
    // 1-based ranks; value_at_rank counts from 0.
    let lower = ((centre - half).floor().max(1.0) as u64).min(n);
    let upper = ((centre + half).ceil().max(1.0) as u64).min(n);
    Some((
        store.value_at_rank(lower - 1),
        store.value_at_rank(upper - 1),
    ))
}

/// A 95 % interval for the real saving `(1 − mean spot cost / mean on-demand cost) × 100` of
/// paired runs (run `i` on both sides meets the same job), by the delta method for a ratio of
/// means: `Var(S̄/D̄) ≈ (Var S − 2R·Cov(S, D) + R²·Var D) / (n·D̄²)` with `R = S̄/D̄`
/// (e.g. Stuart & Ord, "Kendall's Advanced Theory of Statistics", §10.5), from the streamed
/// moments of the spot and on-demand costs (USD) and their co-moment run by run. `None` with
/// fewer than two runs or no on-demand cost.
pub fn paired_saving_interval_pct(
    spot: &Moments,
    on_demand: &Moments,
    paired: &CoMoments,
) -> Option<(f64, f64)> {
    let n = paired.count;
    if n < 2 || spot.count != n || on_demand.count != n {
        return None;
    }
    let nf = n as f64;
    let mean_s = spot.mean();
    let mean_d = on_demand.mean();
    if mean_d <= 0.0 {
        return None;
    }
    let (var_s, var_d, cov) = (
        spot.variance()?,
        on_demand.variance()?,
        paired.covariance()?,
    );
    let ratio = mean_s / mean_d;
    let variance =
        ((var_s - 2.0 * ratio * cov + ratio * ratio * var_d) / (nf * mean_d * mean_d)).max(0.0);
    let half = Z_95 * variance.sqrt();
    Some(((1.0 - ratio - half) * 100.0, (1.0 - ratio + half) * 100.0))
}

/// The real saving of spot against on-demand: `(1 - mean spot cost / mean on-demand cost) × 100`.
pub fn savings_vs_on_demand_pct(spot: &SideSummary, on_demand: &SideSummary) -> f64 {
    (1.0 - spot.metrics.cost_usd.mean / on_demand.metrics.cost_usd.mean) * 100.0
}

/// The saving per *completed* job: `(1 - spot cost per completed job / on-demand cost per
/// completed job) × 100`. Unlike [`savings_vs_on_demand_pct`], runs stopped by a limit do not
/// make spot look cheaper: their cost counts, and they count as no job done. `None` when either
/// side completed no run.
pub fn savings_per_completed_job_pct(spot: &SideSummary, on_demand: &SideSummary) -> Option<f64> {
    let spot_usd = spot.cost_per_completed_job_usd?;
    let on_demand_usd = on_demand.cost_per_completed_job_usd?;
    Some((1.0 - spot_usd / on_demand_usd) * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_intervals_cover_the_true_quantile_at_their_rate() {
        // Uniform(0, 1) values: the p95 is 0.95. Over 400 samples of 1,000 values the 95 %
        // interval should miss about 5 % of the time; 2 % to 9 % is a wide binomial band
        // (sd of the miss count out of 400 is 4.4).
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut missed = 0;
        for _ in 0..400 {
            let mut store = QuantileStore::new();
            for _ in 0..1000 {
                store.push(rng.random::<f64>());
            }
            let (lo, hi) = quantile_interval(&store, 0.95, Z_95).unwrap();
            assert!(lo <= hi);
            if !(lo..=hi).contains(&0.95) {
                missed += 1;
            }
        }
        assert!((8..=36).contains(&missed), "missed {missed} of 400");
        assert_eq!(quantile_interval(&QuantileStore::new(), 0.95, Z_95), None);
    }

    #[test]
    fn wilson_interval_matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17, table I: 81/263 → 0.2553 to 0.3662;
        // 0/20 → 0 to 0.1611.
        let (lo, hi) = wilson_interval(81, 263, Z_95);
        assert!(
            (lo - 0.2553).abs() < 5e-5 && (hi - 0.3662).abs() < 5e-5,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson_interval(0, 20, Z_95);
        assert!(lo == 0.0 && (hi - 0.1611).abs() < 5e-5, "{hi}");
        assert_eq!(wilson_interval(0, 0, Z_95), (0.0, 1.0));
        assert_eq!(wilson_interval(0, 2000, Z_95).0, 0.0);
        assert_eq!(wilson_interval(2000, 2000, Z_95).1, 1.0);
    }

    #[test]
    fn paired_saving_interval_reduces_to_the_mean_interval_for_a_constant_baseline() {
        use crate::engine::{BilledTime, Outcome};
        let record = |cost_usd: f64| RunRecord {
            outcome: Outcome::Completed,
            wall_s: 0.0,
            training_s: 0.0,
            billable_s: 0.0,
            cost_usd,
            interruptions: 0,
            waiting_s: 0.0,
            lost_work_s: 0.0,
            work_required_s: 0.0,
            work_done_s: 0.0,
            billed: BilledTime::default(),
            billed_redone_s: 0.0,
            fallback: crate::engine::FallbackPart::default(),
        };
        let spot: Vec<RunRecord> = [2.0, 3.0, 4.0, 5.0, 6.0].map(record).to_vec();
        let on_demand: Vec<RunRecord> = [10.0; 5].map(record).to_vec();
        let interval = |n: usize| {
            let stats = crate::stats::accumulate::ScenarioStats::of_records(
                Some(&spot[..n]),
                &on_demand[..n],
            );
            let m = stats.moments().unwrap();
            paired_saving_interval_pct(
                m.spot.unwrap().metric(Metric::CostUsd),
                m.on_demand.metric(Metric::CostUsd),
                &m.paired_cost.unwrap(),
            )
        };
        // S̄ = 4, s.e.(S̄) = sqrt(2.5 / 5); saving = (1 − S̄/10) × 100 ± z·s.e./10 × 100.
        let (lo, hi) = interval(5).unwrap();
        let half = Z_95 * (2.5f64 / 5.0).sqrt() * 10.0;
        assert!((lo - (60.0 - half)).abs() < 1e-9 && (hi - (60.0 + half)).abs() < 1e-9);
        assert_eq!(interval(1), None);
    }

    #[test]
    fn summary_of_known_values() {
        let mut values: Vec<f64> = (1..=5).map(f64::from).collect();
        let s = Summary::of(&mut values);
        assert_eq!(s.mean, 3.0);
        // s = sqrt(2.5), s.e. = s / sqrt(5).
        assert!((s.std_err.unwrap() - (2.5f64 / 5.0).sqrt()).abs() < 1e-15);
        assert_eq!((s.min, s.p50, s.max), (1.0, 3.0, 5.0));
        assert!((s.p90 - 4.6).abs() < 1e-12);
        assert_eq!(Summary::of(&mut [7.0]).std_err, None);
        let constant = Summary::of(&mut [0.1; 7]);
        assert_eq!((constant.mean, constant.std_err), (0.1, Some(0.0)));
    }
}
