//! Streamed statistics of a scenario's runs: what every report, chart and summary is computed
//! from, in memory that does not grow with the number of runs (but for a small record per block
//! of 65,536 runs).
//!
//! Runs are accumulated in blocks of [`BLOCK_RUNS`] run indices, each block sequentially in run
//! order. A block yields two kinds of state:
//!
//! - **Moments** ([`BlockMoments`]: per-metric Welford moments, outcome counts, billed-time
//!   sums, and the co-moment of spot and on-demand cost run by run). Floating-point sums depend
//!   on the order they are added in, so these are kept *per block*, in block order, and folded
//!   left to right by [`ScenarioStats::moments`] (Chan, Golub & LeVeque 1979 for the moments,
//!   [`crate::stats::moments`]). Keeping the per-block records rather than a running total is what
//!   lets parts of a simulation made elsewhere (shards of whole blocks) be combined into the
//!   very bits a single run prints: the fold over all blocks is the same whichever part
//!   computed each. A record is about 0.9 KB, so 100 million runs (1,526 blocks) keep 1.4 MB.
//! - **Distributions** ([`SideStores`]: a [`QuantileStore`] per metric and for the few subsets
//!   the charts draw). A store's result depends only on the multiset of its values, never on
//!   the order of merging, so stores are merged as blocks arrive.
//!
//! Block boundaries depend only on the run index, and blocks are folded in block order, so every
//! figure is the same for any thread count.

use serde::{Deserialize, Serialize};

use crate::engine::{Outcome, RunRecord};
use crate::stats::moments::{CoMoments, MomentLanes, Moments};
use crate::stats::sketch::QuantileStore;
use crate::stats::summary::{
    BilledBreakdown, FallbackSummary, Metric, MetricSummaries, OutcomeShares, SideSummary, Summary,
    paired_saving_interval_pct,
};

/// The raw runs of a scenario: spot (if enabled) and the on-demand baseline, in run order.
#[derive(Debug, Clone)]
pub struct Runs {
    /// Spot runs, `None` for an on-demand scenario.
    pub spot: Option<Vec<RunRecord>>,
    /// The same job on-demand.
    pub on_demand: Vec<RunRecord>,
}

/// Runs per block: blocks are the unit of parallel work and of the moment records. Block `b`
/// holds run indices `b·BLOCK_RUNS .. (b + 1)·BLOCK_RUNS`.
pub const BLOCK_RUNS: u64 = 65_536;

/// How many blocks `runs` runs make.
pub fn block_count(runs: u64) -> u64 {
    runs.div_ceil(BLOCK_RUNS)
}

/// The run indices of block `block` of a simulation of `runs` runs.
pub fn block_runs(block: u64, runs: u64) -> std::ops::Range<u64> {
    let start = block.saturating_mul(BLOCK_RUNS).min(runs);
    start..start.saturating_add(BLOCK_RUNS).min(runs)
}

/// What a `[fallback]` did, summed over runs (all zero without one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FallbackSums {
    /// Runs whose job carried a fallback rule.
    pub armed: u64,
    /// Runs that went on-demand.
    pub fell_back: u64,
    /// Billed seconds per instance of the on-demand jobs.
    pub on_demand_training_s: f64,
    /// Cost of the on-demand jobs.
    pub on_demand_cost_usd: f64,
    /// Runs whose rule has a deadline.
    pub with_deadline: u64,
    /// Of those, runs completed by the deadline.
    pub met_deadline: u64,
}

impl FallbackSums {
    #[inline(always)]
    fn push(&mut self, r: &RunRecord) {
        // One branch for the runs of every scenario without a fallback.
        if r.fallback.armed {
            self.push_armed(r, 1);
        }
    }

    #[cold]
    fn push_armed(&mut self, r: &RunRecord, times: u64) {
        let part = &r.fallback;
        for _ in 0..times {
            self.armed += 1;
            self.fell_back += u64::from(part.fell_back);
            self.on_demand_training_s += part.on_demand_training_s;
            self.on_demand_cost_usd += part.on_demand_cost_usd;
            self.with_deadline += u64::from(part.has_deadline);
            self.met_deadline += u64::from(part.met_deadline);
        }
    }

    fn merge(&mut self, other: &FallbackSums) {
        self.armed += other.armed;
        self.fell_back += other.fell_back;
        self.on_demand_training_s += other.on_demand_training_s;
        self.on_demand_cost_usd += other.on_demand_cost_usd;
        self.with_deadline += other.with_deadline;
        self.met_deadline += other.met_deadline;
    }

    /// The summary over these runs, when they carried a fallback; `total_cost_usd` is the sum
    /// of their costs, both jobs included.
    pub fn summary(&self, total_cost_usd: f64) -> Option<FallbackSummary> {
        if self.armed == 0 {
            return None;
        }
        let runs = self.armed as f64;
        Some(FallbackSummary {
            fell_back_share: self.fell_back as f64 / runs,
            on_demand_hours_mean: self.on_demand_training_s / runs / 3600.0,
            on_demand_cost_usd_mean: self.on_demand_cost_usd / runs,
            on_demand_cost_share: if total_cost_usd > 0.0 {
                self.on_demand_cost_usd / total_cost_usd
            } else {
                0.0
            },
            met_deadline_share: (self.with_deadline > 0)
                .then(|| self.met_deadline as f64 / self.with_deadline as f64),
        })
    }
}

/// The order-dependent figures of one side over some runs: outcome counts, the moments of each
/// metric, billed-time sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SideMoments {
    /// Runs per outcome, in [`Outcome::ALL`] order.
    pub outcomes: [u64; 3],
    /// Moments per metric, in [`Metric::ALL`] order.
    pub metrics: [Moments; 7],
    /// Billed seconds by what they bought.
    pub billed: BilledBreakdown,
    /// What a `[fallback]` did (absent from records written before it existed).
    #[serde(default)]
    pub fallback: FallbackSums,
    /// Runs cut by the event budget (`simulation.max_events`), counted among those stopped by
    /// MaxWait; absent when none was, so that parts and outputs stay as they were.
    #[serde(default, skip_serializing_if = "crate::stats::summary::is_zero")]
    pub event_budget_runs: u64,
}

impl SideMoments {
    /// Adds one run.
    #[inline]
    pub fn push(&mut self, r: &RunRecord) {
        self.outcomes[outcome_index(r.outcome)] += 1;
        for (moments, metric) in self.metrics.iter_mut().zip(Metric::ALL) {
            moments.push(metric.of(r));
        }
        self.billed.add_run(r);
        self.fallback.push(r);
        self.event_budget_runs += u64::from(r.event_budget_hit);
    }

    /// [`SideMoments::push`] but for the metrics' moments, which the caller keeps in
    /// [`MetricLanes`] and folds in with [`SideMoments::take_lanes`].
    #[inline(always)]
    fn push_counts(&mut self, r: &RunRecord) {
        self.outcomes[outcome_index(r.outcome)] += 1;
        self.billed.add_run(r);
        self.fallback.push(r);
        self.event_budget_runs += u64::from(r.event_budget_hit);
    }

    /// Folds in the metrics' moments kept apart in `lanes` (by [`SideMoments::push_counts`]'s
    /// caller), and empties `lanes`. The metrics must have had no value besides, or `lanes`
    /// none: then the result is, bit for bit, that of [`SideMoments::push`] run by run.
    fn take_lanes(&mut self, lanes: &mut MetricLanes) {
        for (i, moments) in self.metrics.iter_mut().enumerate() {
            debug_assert!(
                moments.count == 0 || lanes.count() == 0,
                "one source per block"
            );
            moments.merge(&lanes.lane(i));
        }
        *lanes = MetricLanes::EMPTY;
    }

    /// Adds `times` runs that all have the record `r`: the same state, bit for bit, as
    /// `times` calls of [`SideMoments::push`] ([`Moments::push_repeated`]).
    pub fn push_repeated(&mut self, r: &RunRecord, times: u64) {
        self.outcomes[outcome_index(r.outcome)] += times;
        for (moments, metric) in self.metrics.iter_mut().zip(Metric::ALL) {
            moments.push_repeated(metric.of(r), times);
        }
        self.billed.add_run_repeated(r, times);
        if r.fallback.armed {
            self.fallback.push_armed(r, times);
        }
        if r.event_budget_hit {
            self.event_budget_runs += times;
        }
    }

    /// Adds the runs of `other` after those of `self`.
    pub fn merge(&mut self, other: &SideMoments) {
        for (mine, theirs) in self.outcomes.iter_mut().zip(other.outcomes) {
            *mine += theirs;
        }
        for (mine, theirs) in self.metrics.iter_mut().zip(&other.metrics) {
            mine.merge(theirs);
        }
        self.billed.add(&other.billed);
        self.fallback.merge(&other.fallback);
        self.event_budget_runs += other.event_budget_runs;
    }

    /// Runs seen.
    pub fn runs(&self) -> u64 {
        self.outcomes.iter().sum()
    }

    /// The moments of `metric`.
    pub fn metric(&self, metric: Metric) -> &Moments {
        &self.metrics[metric_index(metric)]
    }

    /// Runs that completed.
    pub fn completed(&self) -> u64 {
        self.outcomes[outcome_index(Outcome::Completed)]
    }
}

/// The moments of a side's seven metrics ([`Metric::ALL`] order) and a lane of padding, updated
/// together per run.
type MetricLanes = MomentLanes<8>;

/// A run's metrics, [`Metric::of`] in [`Metric::ALL`] order, read field by field (no match
/// per metric in the per-run loop).
#[inline(always)]
fn metric_values(r: &RunRecord) -> [f64; 7] {
    [
        r.wall_s,
        r.training_s,
        r.billable_s,
        r.cost_usd,
        f64::from(r.interruptions),
        r.waiting_s,
        r.lost_work_s,
    ]
}

/// A run's metrics as [`MetricLanes`] takes them.
#[inline(always)]
fn metric_lanes(r: &RunRecord) -> [f64; 8] {
    let [a, b, c, d, e, f, g] = metric_values(r);
    [a, b, c, d, e, f, g, 0.0]
}

fn outcome_index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Completed => 0,
        Outcome::MaxRuntimeExceeded => 1,
        Outcome::MaxWaitTimeExceeded => 2,
    }
}

fn metric_index(metric: Metric) -> usize {
    match metric {
        Metric::WallS => 0,
        Metric::TrainingS => 1,
        Metric::BillableS => 2,
        Metric::CostUsd => 3,
        Metric::Interruptions => 4,
        Metric::WaitingS => 5,
        Metric::LostWorkS => 6,
    }
}

/// The distributions of one side: a store per metric, and the subsets the charts draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideStores {
    /// Per metric, in [`Metric::ALL`] order; interruptions in an integer store (exact).
    pub metrics: [QuantileStore; 7],
    /// Wall time of the runs that completed, seconds: the completion curve.
    pub completed_wall_s: QuantileStore,
    /// Cost of the runs that completed on spot alone, USD (every completed run without a
    /// `[fallback]`).
    pub completed_cost_usd: QuantileStore,
    /// Cost of the runs that went on-demand (`[fallback]`) and completed, both jobs, USD; empty
    /// and left out of parts without a fallback, so that they stay as they were.
    #[serde(default, skip_serializing_if = "QuantileStore::is_empty")]
    pub fell_back_cost_usd: QuantileStore,
    /// Cost of the runs a limit stopped, USD.
    pub stopped_cost_usd: QuantileStore,
}

impl Default for SideStores {
    fn default() -> SideStores {
        SideStores {
            metrics: Metric::ALL.map(|metric| match metric {
                Metric::Interruptions => QuantileStore::integers(),
                _ => QuantileStore::new(),
            }),
            completed_wall_s: QuantileStore::new(),
            completed_cost_usd: QuantileStore::new(),
            fell_back_cost_usd: QuantileStore::new(),
            stopped_cost_usd: QuantileStore::new(),
        }
    }
}

impl SideStores {
    /// Empty stores for a part of the values of `self`, in the same form: a column that is
    /// already a sketch gets an empty sketch, so that a block's values are bucketed by the
    /// thread that computes the block rather than when it is merged (see
    /// [`QuantileStore::empty_part`]). `capacity` values are reserved in exact columns.
    #[must_use]
    pub fn empty_part(&self, capacity: usize) -> SideStores {
        SideStores {
            metrics: std::array::from_fn(|i| self.metrics[i].empty_part(capacity)),
            completed_wall_s: self.completed_wall_s.empty_part(capacity),
            completed_cost_usd: self.completed_cost_usd.empty_part(capacity),
            fell_back_cost_usd: self.fell_back_cost_usd.empty_part(0),
            stopped_cost_usd: self.stopped_cost_usd.empty_part(0),
        }
    }

    /// Adds one run.
    #[inline]
    pub fn push(&mut self, r: &RunRecord) {
        // Store by store, unrolled: each push is inlined ([`QuantileStore::push`]).
        let [a, b, c, d, e, f, g] = &mut self.metrics;
        let [va, vb, vc, vd, ve, vf, vg] = metric_values(r);
        a.push(va);
        b.push(vb);
        c.push(vc);
        d.push(vd);
        e.push(ve);
        f.push(vf);
        g.push(vg);
        if r.outcome == Outcome::Completed {
            self.completed_wall_s.push(r.wall_s);
            if r.fallback.fell_back {
                self.fell_back_cost_usd.push(r.cost_usd);
            } else {
                self.completed_cost_usd.push(r.cost_usd);
            }
        } else {
            self.stopped_cost_usd.push(r.cost_usd);
        }
    }

    /// Adds `times` runs that all have the record `r`: the same stores as `times` calls of
    /// [`SideStores::push`].
    pub fn push_repeated(&mut self, r: &RunRecord, times: u64) {
        for (store, metric) in self.metrics.iter_mut().zip(Metric::ALL) {
            store.push_repeated(metric.of(r), times);
        }
        if r.outcome == Outcome::Completed {
            self.completed_wall_s.push_repeated(r.wall_s, times);
            if r.fallback.fell_back {
                self.fell_back_cost_usd.push_repeated(r.cost_usd, times);
            } else {
                self.completed_cost_usd.push_repeated(r.cost_usd, times);
            }
        } else {
            self.stopped_cost_usd.push_repeated(r.cost_usd, times);
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &SideStores) {
        for (mine, theirs) in self.metrics.iter_mut().zip(&other.metrics) {
            mine.merge(theirs);
        }
        self.completed_wall_s.merge(&other.completed_wall_s);
        self.completed_cost_usd.merge(&other.completed_cost_usd);
        self.fell_back_cost_usd.merge(&other.fell_back_cost_usd);
        self.stopped_cost_usd.merge(&other.stopped_cost_usd);
    }

    /// The store of `metric`.
    pub fn metric(&self, metric: Metric) -> &QuantileStore {
        &self.metrics[metric_index(metric)]
    }

    /// Merges each store of `part` that is a sketch into this one's, leaving an empty sketch
    /// in its place (see [`ScenarioStats::merge_sketches`]).
    fn merge_sketches(&mut self, part: &mut SideStores) {
        let mine = self.metrics.iter_mut().chain([
            &mut self.completed_wall_s,
            &mut self.completed_cost_usd,
            &mut self.fell_back_cost_usd,
            &mut self.stopped_cost_usd,
        ]);
        let theirs = part.metrics.iter_mut().chain([
            &mut part.completed_wall_s,
            &mut part.completed_cost_usd,
            &mut part.fell_back_cost_usd,
            &mut part.stopped_cost_usd,
        ]);
        for (mine, theirs) in mine.zip(theirs) {
            merge_sketch(mine, theirs);
        }
    }
}

/// Merges `part` into `total` and empties it, when both are sketches: a sketch counts a
/// multiset, so the order of such merges does not matter.
fn merge_sketch(total: &mut QuantileStore, part: &mut QuantileStore) {
    if !part.is_exact() && !total.is_exact() && !part.is_empty() {
        total.merge(part);
        *part = part.empty_part(0);
    }
}

/// The order-dependent figures of one block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlockMoments {
    /// Spot, when enabled.
    pub spot: Option<SideMoments>,
    /// On-demand.
    pub on_demand: SideMoments,
    /// Spot cost against on-demand cost of the same run (USD, USD), when spot is enabled.
    pub paired_cost: Option<CoMoments>,
}

impl BlockMoments {
    /// Adds the runs of `other` after those of `self`.
    pub fn merge(&mut self, other: &BlockMoments) {
        if let (Some(mine), Some(theirs)) = (&mut self.spot, &other.spot) {
            mine.merge(theirs);
        }
        self.on_demand.merge(&other.on_demand);
        if let (Some(mine), Some(theirs)) = (&mut self.paired_cost, &other.paired_cost) {
            mine.merge(theirs);
        }
    }
}

/// What is wrong with a block's paired costs as read from a file: a pairing where there is no
/// spot side (or none where there is one), another number of pairs than runs, means of the
/// spot and on-demand costs other than those of the sides' cost moments, or a co-moment beyond
/// what the two costs' spreads allow (Cauchy–Schwarz: `c² ≤ M2ₓ · M2ᵧ`).
fn check_paired_cost(block: &BlockMoments, runs: u64) -> Result<(), String> {
    let q = crate::units::format::format_quoted_number;
    let cost = Metric::ALL
        .iter()
        .position(|m| *m == Metric::CostUsd)
        .expect("cost is a metric");
    let (paired, spot) = match (&block.paired_cost, &block.spot) {
        (None, None) => return Ok(()),
        (Some(paired), Some(spot)) => (paired, &spot.metrics[cost]),
        _ => return Err("paired costs without a spot side, or a spot side without them".into()),
    };
    let on_demand = &block.on_demand.metrics[cost];
    if paired.count != runs {
        return Err(format!(
            "paired costs of {} runs for {runs} runs",
            paired.count
        ));
    }
    if runs == 0 {
        return Ok(());
    }
    for (what, mean, side) in [
        ("spot", paired.mean_x, spot),
        ("on-demand", paired.mean_y, on_demand),
    ] {
        // Two roundings of the same mean: a relative 1e-9 of the costs' magnitude.
        let slack = 1e-9 * side.min.abs().max(side.max.abs()).max(f64::MIN_POSITIVE) * 1e3;
        if !mean.is_finite() || (mean - side.mean).abs() > slack {
            return Err(format!(
                "paired costs whose {what} mean ({}) is not the {what} cost's mean ({})",
                q(mean),
                q(side.mean)
            ));
        }
    }
    let bound = (spot.m2 * on_demand.m2).sqrt() * (1.0 + 1e-9) + 1e-9;
    if !paired.c.is_finite() || paired.c.abs() > bound {
        return Err(format!(
            "a co-moment of the paired costs ({}) beyond what their spreads allow ({})",
            q(paired.c),
            q(bound)
        ));
    }
    Ok(())
}

/// One block's accumulated runs, or several consecutive blocks'.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockStats {
    /// The block's moments.
    pub moments: BlockMoments,
    /// Spot distributions, when enabled.
    pub spot: Option<SideStores>,
    /// On-demand distributions.
    pub on_demand: SideStores,
    /// Real saving of each *completed* spot run against the same run on-demand,
    /// `(1 − spot cost / on-demand cost) × 100` (non-finite ones left out), when spot is enabled.
    pub savings_pct: Option<QuantileStore>,
    /// Spot metrics' moments run by run, folded into `moments` by [`BlockStats::finish`].
    spot_lanes: MetricLanes,
    /// The same on-demand.
    on_demand_lanes: MetricLanes,
}

impl BlockStats {
    /// Folds the metrics' moments, accumulated apart while runs are pushed, into
    /// [`BlockStats::moments`]: call once the block's runs are all pushed, before reading the
    /// moments (the block's worker does, before the block is appended).
    pub fn finish(&mut self) {
        if let Some(spot) = &mut self.moments.spot {
            spot.take_lanes(&mut self.spot_lanes);
        }
        self.moments.on_demand.take_lanes(&mut self.on_demand_lanes);
    }

    /// Pairs `(spot, on-demand)` of runs in run order: spot is `None` for an on-demand scenario.
    #[inline]
    pub fn push(&mut self, spot: Option<&RunRecord>, on_demand: &RunRecord) {
        self.moments.on_demand.push_counts(on_demand);
        self.on_demand_lanes.push(metric_lanes(on_demand));
        self.on_demand.push(on_demand);
        if let Some(s) = spot {
            self.push_spot(s, on_demand);
        }
    }

    /// Adds `times` on-demand runs that all have the record `on_demand` (a baseline that draws
    /// no random number is the same run every time): the same state as `times` calls of
    /// [`BlockStats::push`]'s on-demand half. The on-demand side's figures do not depend on the
    /// spot side's, so a block may add its spot runs with [`BlockStats::push_spot`] run by run
    /// and its on-demand runs at once, before or after.
    pub fn push_on_demand_repeated(&mut self, on_demand: &RunRecord, times: u64) {
        self.moments.on_demand.push_repeated(on_demand, times);
        self.on_demand.push_repeated(on_demand, times);
    }

    /// Adds spot run `spot`, paired with the on-demand run `on_demand` of the same index, to
    /// the spot side and the paired figures only: [`BlockStats::push`] without its on-demand
    /// half.
    #[inline]
    pub fn push_spot(&mut self, spot: &RunRecord, on_demand: &RunRecord) {
        if let Some(moments) = &mut self.moments.spot {
            moments.push_counts(spot);
            self.spot_lanes.push(metric_lanes(spot));
        }
        if let Some(stores) = &mut self.spot {
            stores.push(spot);
        }
        if let Some(paired) = &mut self.moments.paired_cost {
            paired.push(spot.cost_usd, on_demand.cost_usd);
        }
        if spot.outcome == Outcome::Completed {
            let saving = (1.0 - spot.cost_usd / on_demand.cost_usd) * 100.0;
            if let (Some(store), true) = (&mut self.savings_pct, saving.is_finite()) {
                store.push(saving);
            }
        }
    }
}

/// Everything known of a scenario's runs: per-block moments in block order, and the
/// distributions of all runs so far. Built by [`crate::montecarlo::stream_scenario`] (or from
/// kept records by [`ScenarioStats::of_records`]), read by [`crate::montecarlo::Estimate::of`] and the
/// charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioStats {
    /// The first block's index.
    first_block: u64,
    /// Per-block moments, from `first_block` on, in block order.
    blocks: Vec<BlockMoments>,
    /// Spot distributions, when spot is enabled.
    spot: Option<SideStores>,
    /// On-demand distributions.
    on_demand: SideStores,
    /// Real saving of each completed spot run, % (see [`BlockStats::savings_pct`]).
    savings_pct: Option<QuantileStore>,
}

impl ScenarioStats {
    /// No runs yet, starting at block `first_block`, with a spot side when `spot`.
    pub fn new(spot: bool, first_block: u64) -> ScenarioStats {
        ScenarioStats {
            first_block,
            blocks: Vec::new(),
            spot: spot.then(SideStores::default),
            on_demand: SideStores::default(),
            savings_pct: spot.then(QuantileStore::new),
        }
    }

    /// Makes the empty stores that take a value of every run (one per metric and side) empty
    /// sketches ([`QuantileStore::sketch_from_start`]), for a simulation known to end with
    /// more than [`crate::stats::sketch::EXACT_LIMIT`] runs: the same figures, bit for bit, with no
    /// run's values kept then bucketed. The stores of subsets (completed runs, stopped runs,
    /// savings) stay exact until they outgrow the limit, as they may never do.
    pub fn sketch_from_start(&mut self) {
        for side in self.spot.iter_mut().chain([&mut self.on_demand]) {
            side.metrics
                .iter_mut()
                .for_each(QuantileStore::sketch_from_start);
        }
    }

    /// An empty block to accumulate into, its stores in the form of this total's (see
    /// [`SideStores::empty_part`]), with room for `runs` runs.
    pub fn empty_block(&self, runs: usize) -> BlockStats {
        let spot = self.spot.is_some();
        let moments = BlockMoments {
            spot: spot.then(SideMoments::default),
            on_demand: SideMoments::default(),
            paired_cost: spot.then(CoMoments::default),
        };
        BlockStats {
            moments,
            spot: self.spot.as_ref().map(|s| s.empty_part(runs)),
            on_demand: self.on_demand.empty_part(runs),
            savings_pct: self.savings_pct.as_ref().map(|s| s.empty_part(runs)),
            spot_lanes: MetricLanes::EMPTY,
            on_demand_lanes: MetricLanes::EMPTY,
        }
    }

    /// Appends the next block, [finished](BlockStats::finish).
    pub fn push_block(&mut self, block: &BlockStats) {
        self.blocks.push(block.moments);
        if let (Some(mine), Some(theirs)) = (&mut self.spot, &block.spot) {
            mine.merge(theirs);
        }
        self.on_demand.merge(&block.on_demand);
        if let (Some(mine), Some(theirs)) = (&mut self.savings_pct, &block.savings_pct) {
            mine.merge(theirs);
        }
    }

    /// Merges the stores of the next blocks' `block` that are sketches into this total's
    /// (which are sketches too: a block's store takes the total's form when the block is
    /// started, [`ScenarioStats::empty_block`], and a total's store never turns back to exact),
    /// leaving empty sketches in their place. A sketch counts a multiset, so this may happen as
    /// soon as `block` is filled, before the blocks before it are appended;
    /// [`ScenarioStats::push_block`] appends the rest of `block` (its moments, its exact stores)
    /// in block order later, with the same result as appending all of it then. A study merges
    /// each variant's sketches as soon as the variant's share of a block is simulated, so that
    /// the blocks waiting to be appended hold no sketch.
    pub fn merge_sketches(&mut self, block: &mut BlockStats) {
        if let (Some(mine), Some(theirs)) = (&mut self.spot, &mut block.spot) {
            mine.merge_sketches(theirs);
        }
        self.on_demand.merge_sketches(&mut block.on_demand);
        if let (Some(mine), Some(theirs)) = (&mut self.savings_pct, &mut block.savings_pct) {
            merge_sketch(mine, theirs);
        }
    }

    /// What is wrong with these statistics as read from a file (a part): a block whose sides
    /// count other runs than each other or than their metrics' moments, moments that no
    /// simulation could give ([`Moments::check`]), distributions of another number of runs
    /// than the blocks. Statistics that a simulation computed always pass.
    pub fn check(&self) -> Result<(), String> {
        let mut runs = 0u64;
        for (offset, block) in self.blocks.iter().enumerate() {
            let at = self.first_block + offset as u64;
            let block_runs = block.on_demand.runs();
            for (name, side) in [
                ("on-demand", Some(&block.on_demand)),
                ("spot", block.spot.as_ref()),
            ] {
                let Some(side) = side else { continue };
                if side.runs() != block_runs {
                    return Err(format!(
                        "block {at}: {} spot runs beside {block_runs} on-demand runs",
                        side.runs()
                    ));
                }
                for (moments, metric) in side.metrics.iter().zip(Metric::ALL) {
                    if moments.count != block_runs {
                        return Err(format!(
                            "block {at}, {name} {}: moments of {} values for {block_runs} runs",
                            metric.key(),
                            moments.count
                        ));
                    }
                    moments
                        .check()
                        .map_err(|e| format!("block {at}, {name} {}: {e}", metric.key()))?;
                    // Every metric is a cost, a time or a count: none can be below zero.
                    if moments.count > 0 && moments.min < 0.0 {
                        return Err(format!(
                            "block {at}, {name} {}: a smallest value ({}) below zero, which                              no run can have",
                            metric.key(),
                            crate::units::format::format_quoted_number(moments.min)
                        ));
                    }
                }
            }
            check_paired_cost(block, block_runs).map_err(|e| format!("block {at}: {e}"))?;
            if block.spot.is_some() != self.spot.is_some() {
                return Err(format!(
                    "block {at}: a spot side where the statistics have none, or none where they have one"
                ));
            }
            runs += block_runs;
        }
        for (name, side) in [
            ("on-demand", Some(&self.on_demand)),
            ("spot", self.spot.as_ref()),
        ] {
            let Some(side) = side else { continue };
            for (store, metric) in side.metrics.iter().zip(Metric::ALL) {
                if store.count() != runs {
                    return Err(format!(
                        "{name} {}: a distribution of {} values for {runs} runs",
                        metric.key(),
                        store.count()
                    ));
                }
            }
        }
        Ok(())
    }

    /// The blocks this holds: `first..end`.
    pub fn blocks(&self) -> std::ops::Range<u64> {
        self.first_block..self.first_block + self.blocks.len() as u64
    }

    /// Appends `later`, whose blocks must follow this one's. The result is the same, bit for
    /// bit, as if one simulation had computed both.
    pub fn append(&mut self, later: ScenarioStats) -> Result<(), String> {
        if later.first_block != self.blocks().end || later.spot.is_some() != self.spot.is_some() {
            return Err(format!(
                "blocks {:?} cannot follow blocks {:?}",
                later.blocks(),
                self.blocks()
            ));
        }
        self.blocks.extend(later.blocks);
        if let (Some(mine), Some(theirs)) = (&mut self.spot, &later.spot) {
            mine.merge(theirs);
        }
        self.on_demand.merge(&later.on_demand);
        if let (Some(mine), Some(theirs)) = (&mut self.savings_pct, &later.savings_pct) {
            mine.merge(theirs);
        }
        Ok(())
    }

    /// The statistics of kept records: spot run `i` (if any) beside on-demand run `i`,
    /// accumulated block by block exactly as a streamed simulation does, so every figure
    /// agrees with it to the bit.
    ///
    /// # Panics
    /// If `spot` is given and its length differs from `on_demand`'s.
    pub fn of_records(spot: Option<&[RunRecord]>, on_demand: &[RunRecord]) -> ScenarioStats {
        if let Some(spot) = spot {
            assert_eq!(
                spot.len(),
                on_demand.len(),
                "paired sides of unequal length"
            );
        }
        let mut stats = ScenarioStats::new(spot.is_some(), 0);
        let runs = on_demand.len() as u64;
        // One block after the other: the figures do not depend on which thread computes a
        // block, so the scheduler's parallelism would change nothing but the time.
        for b in 0..block_count(runs) {
            let range = block_runs(b, runs);
            let mut block = stats.empty_block((range.end - range.start) as usize);
            for i in range {
                let i = i as usize;
                block.push(spot.map(|s| &s[i]), &on_demand[i]);
            }
            block.finish();
            stats.push_block(&block);
        }
        stats
    }

    /// The statistics of kept runs, accumulated as [`crate::montecarlo::stream_scenario`]
    /// accumulates them.
    pub fn of_runs(runs: &Runs) -> ScenarioStats {
        ScenarioStats::of_records(runs.spot.as_deref(), &runs.on_demand)
    }

    /// A 95 % interval of the real saving, spot run `i` paired with on-demand run `i`
    /// ([`paired_saving_interval_pct`]); `None` without spot or with a single run.
    pub fn paired_saving_interval_pct(&self) -> Option<(f64, f64)> {
        let moments = self.moments()?;
        paired_saving_interval_pct(
            moments.spot?.metric(Metric::CostUsd),
            moments.on_demand.metric(Metric::CostUsd),
            &moments.paired_cost?,
        )
    }

    /// Runs per side.
    pub fn runs(&self) -> u64 {
        self.on_demand.metrics[0].count()
    }

    /// The moments of all blocks, folded in block order.
    pub fn moments(&self) -> Option<BlockMoments> {
        let (first, rest) = self.blocks.split_first()?;
        let mut total = *first;
        for b in rest {
            total.merge(b);
        }
        Some(total)
    }

    /// Spot distributions, when spot is enabled.
    pub fn spot(&self) -> Option<&SideStores> {
        self.spot.as_ref()
    }

    /// On-demand distributions.
    pub fn on_demand(&self) -> &SideStores {
        &self.on_demand
    }

    /// Real saving of each completed spot run, % (see [`BlockStats::savings_pct`]).
    pub fn savings_pct(&self) -> Option<&QuantileStore> {
        self.savings_pct.as_ref()
    }

    /// The spot side's summary, when spot is enabled and some run was seen.
    pub fn spot_summary(&self, moments: &BlockMoments) -> Option<SideSummary> {
        Some(side_summary(moments.spot.as_ref()?, self.spot.as_ref()?))
    }

    /// The on-demand side's summary.
    pub fn on_demand_summary(&self, moments: &BlockMoments) -> SideSummary {
        side_summary(&moments.on_demand, &self.on_demand)
    }
}

/// Summarises one side.
fn side_summary(moments: &SideMoments, stores: &SideStores) -> SideSummary {
    let runs = moments.runs();
    let summary =
        |metric: Metric| Summary::of_stream(moments.metric(metric), stores.metric(metric));
    let billable = moments.metric(Metric::BillableS).sum;
    let training = moments.metric(Metric::TrainingS).sum;
    let completed = moments.completed();
    let total_cost_usd = moments.metric(Metric::CostUsd).sum;
    SideSummary {
        outcomes: OutcomeShares::of_counts(moments.outcomes),
        metrics: MetricSummaries {
            wall_s: summary(Metric::WallS),
            training_s: summary(Metric::TrainingS),
            billable_s: summary(Metric::BillableS),
            cost_usd: summary(Metric::CostUsd),
            interruptions: summary(Metric::Interruptions),
            waiting_s: summary(Metric::WaitingS),
            lost_work_s: summary(Metric::LostWorkS),
        },
        console_savings_pct: (training > 0.0).then(|| (1.0 - billable / training) * 100.0),
        cost_per_completed_job_usd: (completed > 0).then(|| total_cost_usd / completed as f64),
        billed_breakdown: moments.billed.per_run(runs),
        fallback: moments.fallback.summary(total_cost_usd),
        event_budget_runs: moments.event_budget_runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::BilledTime;

    #[test]
    fn metric_values_are_the_metrics_in_output_order() {
        let record = RunRecord {
            outcome: Outcome::MaxRuntimeExceeded,
            wall_s: 1.0,
            training_s: 2.0,
            billable_s: 3.0,
            cost_usd: 4.0,
            interruptions: 5,
            waiting_s: 6.0,
            lost_work_s: 7.0,
            work_required_s: 8.0,
            work_done_s: 9.0,
            billed: BilledTime::default(),
            billed_redone_s: 10.0,
            fallback: crate::engine::FallbackPart::default(),
            event_budget_hit: false,
        };
        let want = Metric::ALL.map(|metric| metric.of(&record));
        assert_eq!(metric_values(&record), want);
        assert_eq!(metric_lanes(&record)[..7], want);
        for (metric, value) in Metric::ALL.into_iter().zip(want) {
            assert_eq!(metric_index(metric), value as usize - 1);
        }
    }
}
