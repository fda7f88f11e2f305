//! The Monte Carlo runner: many independent runs of one job, in parallel, reproducibly, in
//! memory that does not grow with the number of runs.
//!
//! Run `i` draws only from its own generators ([`crate::montecarlo::rng::run_rng`] of `(seed, i)`). The
//! on-demand baseline of run `i` uses the same job stream as spot run `i`: the same training
//! length and first-attempt durations, so the two can be compared run by run.
//!
//! Every simulation streams its runs in blocks of [`BLOCK_RUNS`] run indices through one
//! scheduler ([`blocks::stream_ordered`]): blocks are computed in parallel, a few in flight per
//! thread, and appended to the total in block order, so the output is byte-identical for any
//! number of threads, and memory holds the blocks in flight, whatever the number of runs. A
//! block's spot and on-demand runs are simulated by one loop ([`Sides::simulate_block`]) and
//! accumulated in run order into a [`crate::stats::accumulate::BlockStats`] (moments, quantile
//! stores, [`crate::stats::accumulate`]); its per-run rows, if asked for, are formatted on the
//! same thread. Once a column of the total has become a sketch, the blocks started after bucket
//! that column on their own threads.
//!
//! [`stream_scenario`] and its variants are `spotsim run`'s simulation; [`study`] runs several
//! variants of a scenario over the same blocks of run indices for the studies (`sweep`,
//! `compare`, `recommend`), with the same scheduler and the same block loop. A stop request
//! reaches both through a [`cancel::Cancel`] token.
//!
//! [`run_many`] and [`run_scenario`] keep every record instead, for tests and for checks
//! against the streamed figures.

pub mod blocks;
pub mod cancel;
pub mod precision;
pub mod rng;
pub mod shard;
pub mod study;
pub mod timeline;

use std::sync::atomic::{AtomicU64, Ordering};

use std::io::Write;
use std::ops::{ControlFlow, Range};

use rayon::prelude::*;

use crate::engine::{JobModel, Market, NoObserver, RunRecord, simulate_run};
use crate::montecarlo::blocks::{Ended, stream_ordered, window};
use crate::montecarlo::cancel::Cancel;
use crate::montecarlo::precision::{Precision, RseRule};
use crate::montecarlo::rng::{Stream, run_rng};
use crate::scenario::Scenario;
pub use crate::stats::accumulate::{BLOCK_RUNS, Runs};
use crate::stats::accumulate::{
    BlockMoments, BlockStats, ScenarioStats, SideMoments, SideStores, block_count, block_runs,
};
use crate::stats::summary::{SideSummary, savings_per_completed_job_pct, savings_vs_on_demand_pct};

/// Runs `model` for run indices `0..runs` under `seed`, on the current rayon pool, keeping
/// every record (for tests and checks; simulations stream their runs instead).
pub fn run_many(model: &JobModel, seed: u64, runs: u64) -> Vec<RunRecord> {
    (0..runs)
        .into_par_iter()
        .map(|run| run_one(model, seed, run))
        .collect()
}

/// Progress is counted in blocks of this many runs, so that threads rarely touch the shared
/// counter.
pub const PROGRESS_BLOCK: u64 = 4096;

/// Run `run` of `model` under `seed`: the same numbers whichever thread computes it.
#[inline]
pub fn run_one(model: &JobModel, seed: u64, run: u64) -> RunRecord {
    let mut job_rng = run_rng(seed, run, Stream::Job);
    let mut market_rng = run_rng(seed, run, Stream::Market);
    simulate_run(model, run, &mut job_rng, &mut market_rng, &mut NoObserver)
}

/// The record of every run of `model`, when `model` draws no random number: then run `i` is
/// the same run whatever `i` and the seed (an on-demand baseline whose durations are all
/// constants, as in `scenarios/reference.toml`), so it is simulated once instead of once per
/// run. `None` when the first run draws from either stream, or when the market reads the run
/// index (a trace replayed from evenly spaced windows).
pub fn constant_run(model: &JobModel, seed: u64) -> Option<RunRecord> {
    if matches!(model.market, Market::Trace { .. }) {
        return None;
    }
    let mut job_rng = run_rng(seed, 0, Stream::Job);
    let mut market_rng = run_rng(seed, 0, Stream::Market);
    let record = simulate_run(model, 0, &mut job_rng, &mut market_rng, &mut NoObserver);
    (!job_rng.was_drawn() && !market_rng.was_drawn()).then_some(record)
}

/// Runs the scenario's job `simulation.runs` times on spot (if enabled) and on-demand, keeping
/// every record (for tests and checks).
pub fn run_scenario(scenario: &Scenario) -> Runs {
    let seed = scenario.simulation.seed;
    let runs = scenario.simulation.runs;
    let spot = JobModel::spot(scenario).map(|model| run_many(&model, seed, runs));
    let on_demand = run_many(&JobModel::on_demand(scenario), seed, runs);
    Runs { spot, on_demand }
}

/// How many runs a simulation of the scenario computes in all: both sides.
pub fn total_runs(scenario: &Scenario) -> u64 {
    scenario.simulation.runs * if scenario.is_spot() { 2 } else { 1 }
}

/// The two sides of a scenario, ready to simulate block by block: every simulation's block loop.
#[derive(Debug, Clone)]
pub struct Sides {
    seed: u64,
    spot: Option<JobModel>,
    on_demand: JobModel,
    /// The on-demand record of every run when the baseline draws nothing ([`constant_run`]):
    /// simulated once and accumulated in bulk (`BlockStats::push_on_demand_repeated`), with
    /// the same figures to the bit.
    constant_on_demand: Option<RunRecord>,
}

impl Sides {
    /// The models of `scenario`'s sides, run under `seed`.
    pub fn new(scenario: &Scenario, seed: u64) -> Sides {
        let on_demand = JobModel::on_demand(scenario);
        Sides {
            seed,
            spot: JobModel::spot(scenario),
            constant_on_demand: constant_run(&on_demand, seed),
            on_demand,
        }
    }

    /// Whether spot is enabled.
    pub fn is_spot(&self) -> bool {
        self.spot.is_some()
    }

    /// Runs simulated per run index: 2 with spot, else 1.
    pub fn count(&self) -> u64 {
        if self.is_spot() { 2 } else { 1 }
    }

    /// Whether the on-demand side draws nothing, so that it is simulated once per block
    /// whatever the runs ([`constant_run`]).
    pub fn on_demand_is_constant(&self) -> bool {
        self.constant_on_demand.is_some()
    }

    /// Whether `other`'s on-demand runs are this one's: the same model under the same seed.
    pub fn same_on_demand(&self, other: &Sides) -> bool {
        self.seed == other.seed && self.on_demand == other.on_demand
    }

    /// Simulates run indices `range` on both sides, accumulating them into `acc` (an empty
    /// block of the right form, [`ScenarioStats::empty_block`]) in run order, and calls
    /// `each(run, spot, on_demand)` for each run, in run order. Adds the runs simulated to
    /// `done` (every [`PROGRESS_BLOCK`] runs). After a stop request the block is abandoned,
    /// incomplete: the caller discards it.
    ///
    /// # Errors
    /// The first error of `each`; the block stops there.
    #[inline]
    pub fn simulate_block<E>(
        &self,
        range: Range<u64>,
        acc: &mut BlockStats,
        done: &AtomicU64,
        cancel: &Cancel,
        each: impl FnMut(u64, Option<&RunRecord>, &RunRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        self.simulate_block_sharing(range, acc, done, cancel, OnDemandRuns::Simulate, each)
    }

    /// As [`Sides::simulate_block`], with the on-demand runs simulated, simulated and kept, or
    /// taken from another variant's with the same on-demand job ([`OnDemandRuns`]): the same
    /// records and the same accumulated figures, so the same figures to the bit.
    ///
    /// # Errors
    /// As [`Sides::simulate_block`].
    #[inline]
    pub fn simulate_block_sharing<E>(
        &self,
        range: Range<u64>,
        acc: &mut BlockStats,
        done: &AtomicU64,
        cancel: &Cancel,
        mut on_demand: OnDemandRuns<'_>,
        mut each: impl FnMut(u64, Option<&RunRecord>, &RunRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        let sides = self.count();
        let runs = (range.end - range.start) as usize;
        // Runs given in full: their accumulated figures are copied, not accumulated again.
        let given = match &on_demand {
            OnDemandRuns::Given(block) if block.records.len() == runs && block.stores.is_some() => {
                Some(*block)
            }
            _ => None,
        };
        let mut simulated = 0;
        for run in range.clone() {
            if cancel.requested() {
                break;
            }
            let s = self
                .spot
                .as_ref()
                .map(|model| run_one(model, self.seed, run));
            let simulated_d;
            let d = match (&self.constant_on_demand, given) {
                (Some(d), _) => {
                    if let Some(s) = &s {
                        acc.push_spot(s, d);
                    }
                    d
                }
                (None, Some(block)) => {
                    let d = &block.records[(run - range.start) as usize];
                    if let Some(s) = &s {
                        acc.push_spot(s, d);
                    }
                    d
                }
                (None, None) => {
                    simulated_d = run_one(&self.on_demand, self.seed, run);
                    if let OnDemandRuns::Keep(kept) = &mut on_demand {
                        kept.records.push(simulated_d);
                    }
                    acc.push(s.as_ref(), &simulated_d);
                    &simulated_d
                }
            };
            simulated += 1;
            each(run, s.as_ref(), d)?;
            if run % PROGRESS_BLOCK == PROGRESS_BLOCK - 1 {
                done.fetch_add(PROGRESS_BLOCK * sides, Ordering::Relaxed);
            }
        }
        if let Some(d) = &self.constant_on_demand {
            acc.push_on_demand_repeated(d, simulated);
        }
        acc.finish();
        if let Some(block) = given
            && let Some(stores) = &block.stores
        {
            // The on-demand side of the block is the other variant's, run for run.
            acc.moments.on_demand = block.moments;
            acc.on_demand = stores.clone();
        }
        if let OnDemandRuns::Keep(kept) = &mut on_demand {
            kept.moments = acc.moments.on_demand;
            kept.stores = Some(acc.on_demand.clone());
        }
        // The block's last, partial progress step.
        let partial = (range.end - range.start) % PROGRESS_BLOCK;
        done.fetch_add(partial * sides, Ordering::Relaxed);
        Ok(())
    }
}

/// A block's on-demand runs simulated for one variant and kept for others with the same
/// on-demand job: their records, and the on-demand figures the block accumulated of them.
#[derive(Debug, Clone, Default)]
pub struct OnDemandBlock {
    /// The records, in run order from the block's first run.
    pub records: Vec<RunRecord>,
    /// The block's on-demand moments.
    pub moments: SideMoments,
    /// The block's on-demand stores; `None` until the block is simulated.
    pub stores: Option<SideStores>,
}

/// Per-run output formatted while the runs are simulated (the rows of `--runs-csv`): each
/// block's rows are formatted on the thread that simulates the block, then written in block
/// order. The rows are those of the spot runs, or of the on-demand runs without spot.
pub trait RunRows: Sync {
    /// One block's rows being formatted.
    type Block: Send;
    /// A new block's formatter.
    fn start_block(&self) -> Self::Block;
    /// Formats run `run`.
    fn row(block: &mut Self::Block, run: u64, record: &RunRecord) -> std::io::Result<()>;
    /// The block's formatted bytes.
    fn finish_block(block: Self::Block) -> std::io::Result<Vec<u8>>;
}

/// No per-run output.
pub struct NoRows;

impl RunRows for NoRows {
    type Block = ();
    fn start_block(&self) {}
    #[inline]
    fn row((): &mut (), _: u64, _: &RunRecord) -> std::io::Result<()> {
        Ok(())
    }
    fn finish_block((): ()) -> std::io::Result<Vec<u8>> {
        Ok(Vec::new())
    }
}

/// Where a block's on-demand runs come from ([`Sides::simulate_block_sharing`]): variants of a
/// study whose on-demand job is the same (a sweep of a spot-only key) simulate and accumulate it
/// once.
#[derive(Debug)]
pub enum OnDemandRuns<'a> {
    /// Simulated.
    Simulate,
    /// Simulated, and kept with their figures, for other variants.
    Keep(&'a mut OnDemandBlock),
    /// Taken from another variant with the same on-demand model and seed
    /// ([`Sides::same_on_demand`]), which kept the whole block; simulated when the block given
    /// is incomplete.
    Given(&'a OnDemandBlock),
}

/// Streams the scenario's `simulation.runs` runs on spot (if enabled) and on-demand, on the
/// current rayon pool.
pub fn stream_scenario(scenario: &Scenario) -> ScenarioStats {
    stream_scenario_counted(scenario, &AtomicU64::new(0))
}

/// As [`stream_scenario`], counting finished runs (of [`total_runs`]) into `done`.
pub fn stream_scenario_counted(scenario: &Scenario, done: &AtomicU64) -> ScenarioStats {
    let blocks = 0..block_count(scenario.simulation.runs);
    match stream_blocks(
        scenario,
        blocks,
        done,
        &Cancel::new(),
        &NoRows,
        &mut std::io::sink(),
    ) {
        Ok(stats) => stats,
        // `NoRows` writes nothing to a sink: there is no error to report.
        Err(_) => unreachable!("no rows, no write error"),
    }
}

/// Simulates blocks `blocks` of the scenario (block `b` holds runs `b·BLOCK_RUNS ..`, up to
/// `simulation.runs`), counting finished runs into `done`, and writes each run's row formatted
/// by `rows` to `out` in run order. Blocks are computed in parallel, a few in flight per
/// thread, and appended in block order ([`blocks::stream_ordered`]). After a stop request
/// through `cancel` the statistics are incomplete: the caller discards them.
///
/// # Errors
/// When formatting a row or writing to `out` fails; the simulation stops there.
pub fn stream_blocks<R: RunRows>(
    scenario: &Scenario,
    blocks: Range<u64>,
    done: &AtomicU64,
    cancel: &Cancel,
    rows: &R,
    out: &mut (dyn Write + Send),
) -> std::io::Result<ScenarioStats> {
    stream_blocks_then(
        scenario,
        blocks,
        done,
        cancel,
        rows,
        out,
        None::<fn(&BlockMoments) -> bool>,
    )
    .map(|(stats, _)| stats)
}

/// Streams the scenario's runs, block after block, until the spot mean cost (the on-demand one
/// without spot) is known to a relative standard error of `target`
/// ([`crate::montecarlo::precision::RseRule`]), or `simulation.runs` runs (the cap) are done.
/// Rows, progress and cancellation as [`stream_blocks`]; the rows are those of the runs kept,
/// `0..n`. The stopping block depends only on the blocks before it, so the result is the same
/// for any thread count.
///
/// # Errors
/// As [`stream_blocks`].
pub fn stream_to_target<R: RunRows>(
    scenario: &Scenario,
    target: f64,
    done: &AtomicU64,
    cancel: &Cancel,
    rows: &R,
    out: &mut (dyn Write + Send),
) -> std::io::Result<(ScenarioStats, Precision)> {
    let mut rule = RseRule::new(target);
    let blocks = 0..block_count(scenario.simulation.runs);
    let (stats, _) = stream_blocks_until(scenario, blocks, done, cancel, rows, out, |block| {
        rule.push(block)
    })?;
    Ok((stats, rule.result(scenario.simulation.runs)))
}

/// As [`stream_blocks`], stopping after the first block for which `stop` is true: `stop` sees
/// every block's moments once, in block order, right after it is appended, so its decision
/// depends only on the blocks appended so far, never on the thread count; the blocks in flight
/// that follow are computed but dropped, their rows unwritten. Also returns whether it stopped
/// (`false`: it reached the last block).
///
/// # Errors
/// As [`stream_blocks`].
pub fn stream_blocks_until<R: RunRows>(
    scenario: &Scenario,
    blocks: Range<u64>,
    done: &AtomicU64,
    cancel: &Cancel,
    rows: &R,
    out: &mut (dyn Write + Send),
    stop: impl FnMut(&BlockMoments) -> bool + Send,
) -> std::io::Result<(ScenarioStats, bool)> {
    stream_blocks_then(scenario, blocks, done, cancel, rows, out, Some(stop))
}

/// [`stream_blocks_until`], or without `stop` [`stream_blocks`]: then every run of the
/// simulation will be counted, and with more than [`crate::stats::sketch::EXACT_LIMIT`] of them
/// the stores of the metrics are sketches from the first block on
/// ([`ScenarioStats::sketch_from_start`]; the same figures to the bit, less work).
fn stream_blocks_then<R: RunRows>(
    scenario: &Scenario,
    blocks: Range<u64>,
    done: &AtomicU64,
    cancel: &Cancel,
    rows: &R,
    out: &mut (dyn Write + Send),
    stop: Option<impl FnMut(&BlockMoments) -> bool + Send>,
) -> std::io::Result<(ScenarioStats, bool)> {
    let runs = scenario.simulation.runs;
    let sides = Sides::new(scenario, scenario.simulation.seed);
    let mut stats = ScenarioStats::new(sides.is_spot(), blocks.start);
    if stop.is_none() && runs > crate::stats::sketch::EXACT_LIMIT as u64 {
        stats.sketch_from_start();
    }
    let mut stop = stop;
    let blocks = blocks.start..blocks.end.min(block_count(runs));
    let ended = stream_ordered(
        &mut stats,
        blocks,
        window(1),
        cancel,
        |stats, block| {
            let range = block_runs(block, runs);
            stats.empty_block((range.end - range.start) as usize)
        },
        |block, mut acc| {
            let mut formatted = rows.start_block();
            sides.simulate_block(
                block_runs(block, runs),
                &mut acc,
                done,
                cancel,
                |run, s, d| R::row(&mut formatted, run, s.unwrap_or(d)),
            )?;
            Ok::<_, std::io::Error>((acc, R::finish_block(formatted)?))
        },
        |stats, _, (acc, bytes): (BlockStats, Vec<u8>)| {
            out.write_all(&bytes)?;
            stats.push_block(&acc);
            let stopped = stop.as_mut().is_some_and(|stop| stop(&acc.moments));
            Ok(if stopped {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        },
    )?;
    Ok((stats, ended == Ended::Stopped))
}

/// Summaries of a scenario's runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Spot, `None` for an on-demand scenario.
    pub spot: Option<SideSummary>,
    /// The on-demand baseline.
    pub on_demand: SideSummary,
    /// `(1 - mean spot cost / mean on-demand cost) × 100`, when spot is enabled.
    pub savings_vs_on_demand_pct: Option<f64>,
    /// The same per completed job, when spot is enabled and both sides completed some run.
    pub savings_per_completed_job_pct: Option<f64>,
}

impl Estimate {
    /// Summarises streamed runs.
    ///
    /// # Panics
    /// If `stats` holds no run; every simulation has at least one.
    pub fn of(stats: &ScenarioStats) -> Estimate {
        let moments = stats.moments().expect("an estimate needs at least one run");
        let spot = stats.spot_summary(&moments);
        let on_demand = stats.on_demand_summary(&moments);
        let savings_vs_on_demand_pct = spot
            .as_ref()
            .map(|spot| savings_vs_on_demand_pct(spot, &on_demand));
        let savings_per_completed_job_pct = spot
            .as_ref()
            .and_then(|spot| savings_per_completed_job_pct(spot, &on_demand));
        Estimate {
            spot,
            on_demand,
            savings_vs_on_demand_pct,
            savings_per_completed_job_pct,
        }
    }

    /// Summarises kept runs: the same figures, to the bit, as streaming them.
    pub fn of_runs(runs: &Runs) -> Estimate {
        Estimate::of(&ScenarioStats::of_runs(runs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;
    use crate::stats::summary::Metric;

    /// A spot job with reclaims and checkpoints, for the runner's tests and the study's. More
    /// than two blocks, so that the totals become sketches and later blocks are bucketed on
    /// their own threads.
    pub(crate) const SCENARIO: &str = r#"
[job]
training = { dist = "lognormal", median = "2h", sigma = 0.4 }
[stopping]
max_run = "4h"
max_wait = "5h"
[spot]
enabled = true
discount = 0.7
capacity_wait = { dist = "exponential", mean = "20m" }
time_to_interruption = { dist = "exponential", mean = "1h" }
[checkpoint]
interval = "15m"
[pricing]
on_demand_hourly = 3.06
[simulation]
runs = 140000
seed = 5
"#;

    /// Runs `f` on a pool of `threads` threads: tests compare results across thread counts.
    pub(crate) fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    fn blocks(scenario: &Scenario, blocks: Range<u64>) -> ScenarioStats {
        stream_blocks(
            scenario,
            blocks,
            &AtomicU64::new(0),
            &Cancel::new(),
            &NoRows,
            &mut std::io::sink(),
        )
        .unwrap()
    }

    #[test]
    fn streamed_state_is_the_same_for_any_thread_count_split_or_source() {
        let scenario = parse_scenario(SCENARIO, "t.toml").unwrap();
        let done = AtomicU64::new(0);
        let whole = in_pool(1, || stream_scenario_counted(&scenario, &done));
        assert_eq!(done.load(Ordering::Relaxed), total_runs(&scenario));
        assert_eq!(whole.blocks(), 0..3);
        assert!(!whole.on_demand().metric(Metric::WallS).is_exact());
        assert_eq!(whole, in_pool(3, || stream_scenario(&scenario)));
        // Shards of whole blocks, appended in order: the same state, bit for bit.
        let mut appended = in_pool(2, || blocks(&scenario, 0..1));
        appended
            .append(in_pool(2, || blocks(&scenario, 1..3)))
            .unwrap();
        assert_eq!(appended, whole);
        assert!(
            blocks(&scenario, 0..1)
                .append(blocks(&scenario, 2..3))
                .is_err()
        );
        // The state is plain data: it serialises and reads back to the same state, bit for bit
        // (serde_json parses floats exactly with its `float_roundtrip` feature).
        let json = serde_json::to_string(&whole).unwrap();
        let back: ScenarioStats = serde_json::from_str(&json).unwrap();
        assert_eq!(back, whole);
        // Kept records accumulate to the same figures as the stream.
        let runs = in_pool(2, || run_scenario(&scenario));
        let of_runs = in_pool(2, || ScenarioStats::of_runs(&runs));
        assert_eq!(of_runs, whole);
        assert_eq!(Estimate::of(&whole), Estimate::of_runs(&runs));
        // And the figures are those of the records, within rounding.
        let estimate = Estimate::of(&whole);
        let spot = runs.spot.as_ref().unwrap();
        let mean_cost = spot.iter().map(|r| r.cost_usd).sum::<f64>() / spot.len() as f64;
        let streamed_cost = estimate.spot.as_ref().unwrap().metrics.cost_usd.mean;
        assert!((streamed_cost - mean_cost).abs() <= 1e-12 * mean_cost);
    }

    #[test]
    fn a_baseline_that_draws_nothing_is_simulated_once_with_the_same_figures() {
        let reference = include_str!("../../scenarios/reference.toml");
        let mut scenario = parse_scenario(reference, "reference.toml").unwrap();
        scenario.simulation.runs = 140_000;
        let model = JobModel::on_demand(&scenario);
        let constant = constant_run(&model, 9).expect("constant durations, no market");
        for run in [0, 1, 77, 123_456] {
            assert_eq!(run_one(&model, 3, run), constant);
        }
        assert!(constant_run(&JobModel::spot(&scenario).unwrap(), 9).is_none());
        let random = parse_scenario(SCENARIO, "t.toml").unwrap();
        assert!(constant_run(&JobModel::on_demand(&random), 9).is_none());
        // Streamed with the baseline accumulated in bulk, kept runs one by one: the same state,
        // bit for bit, across the switch from exact stores to sketches, with spot and without.
        let mut on_demand_only = scenario.clone();
        on_demand_only.spot = None;
        for scenario in [scenario, on_demand_only] {
            let streamed = in_pool(2, || stream_scenario(&scenario));
            let runs = in_pool(2, || run_scenario(&scenario));
            assert_eq!(streamed, ScenarioStats::of_runs(&runs));
        }
    }

    #[test]
    fn percentiles_are_exact_below_the_limit_and_within_the_bound_above() {
        let scenario = parse_scenario(SCENARIO, "t.toml").unwrap();
        let runs = run_scenario(&scenario);
        let spot = runs.spot.as_ref().unwrap();
        let estimate = Estimate::of(&stream_scenario(&scenario));
        let summary = estimate.spot.unwrap().metrics.wall_s;
        let walls: Vec<f64> = spot.iter().map(|r| r.wall_s).collect();
        let [p50, p99] = crate::stats::sketch::quantiles(&mut walls.clone(), [0.5, 0.99]);
        let bound = crate::stats::sketch::RELATIVE_ERROR;
        assert!(
            (summary.p50 - p50).abs() <= bound * p50,
            "{} {p50}",
            summary.p50
        );
        assert!(
            (summary.p99 - p99).abs() <= bound * p99,
            "{} {p99}",
            summary.p99
        );
        // 100,000 runs: below the limit, exact.
        let mut small = scenario.clone();
        small.simulation.runs = 100_000;
        let estimate = Estimate::of(&stream_scenario(&small));
        let [p95] = crate::stats::sketch::quantiles(&mut walls[..100_000].to_vec(), [0.95]);
        assert_eq!(estimate.spot.unwrap().metrics.wall_s.p95, p95);
    }
}
