//! The Monte Carlo runner: many independent runs of one job, in parallel, reproducibly.
//!
//! Run `i` draws only from its own generators ([`crate::rng::run_rng`] of `(seed, i)`), and
//! results are collected in run-index order (rayon's indexed collect), so the output is
//! byte-identical for any number of threads. The on-demand baseline of run `i` uses the same job
//! stream as spot run `i`: the same training length and first-attempt durations, so the two can
//! be compared run by run.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::engine::{JobModel, NoObserver, RunRecord, simulate_run};
use crate::rng::{Stream, run_rng};
use crate::scenario::Scenario;
use crate::stats::{SideSummary, savings_per_completed_job_pct, savings_vs_on_demand_pct};

/// Runs `model` for run indices `0..runs` under `seed`, on the current rayon pool.
pub fn run_many(model: &JobModel, seed: u64, runs: u64) -> Vec<RunRecord> {
    run_many_counted(model, seed, runs, &AtomicU64::new(0))
}

/// Progress is counted in blocks of this many runs, so that threads rarely touch the shared
/// counter.
pub const PROGRESS_BLOCK: u64 = 4096;

/// As [`run_many`], adding to `done` as runs finish (in blocks of [`PROGRESS_BLOCK`]), for a
/// progress display. The counter never affects the results.
pub fn run_many_counted(
    model: &JobModel,
    seed: u64,
    runs: u64,
    done: &AtomicU64,
) -> Vec<RunRecord> {
    let records = (0..runs)
        .into_par_iter()
        .map(|run| {
            let record = run_one(model, seed, run);
            if run % PROGRESS_BLOCK == PROGRESS_BLOCK - 1 {
                done.fetch_add(PROGRESS_BLOCK, Ordering::Relaxed);
            }
            record
        })
        .collect();
    // The last, partial block: the count reaches `runs` exactly.
    done.fetch_add(runs % PROGRESS_BLOCK, Ordering::Relaxed);
    records
}

/// Run `run` of `model` under `seed`: the same numbers whichever thread computes it.
#[inline]
pub fn run_one(model: &JobModel, seed: u64, run: u64) -> RunRecord {
    let mut job_rng = run_rng(seed, run, Stream::Job);
    let mut market_rng = run_rng(seed, run, Stream::Market);
    simulate_run(model, run, &mut job_rng, &mut market_rng, &mut NoObserver)
}

/// The raw runs of a scenario: spot (if enabled) and the on-demand baseline, in run order.
#[derive(Debug, Clone)]
pub struct Runs {
    /// Spot runs, `None` for an on-demand scenario.
    pub spot: Option<Vec<RunRecord>>,
    /// The same job on-demand.
    pub on_demand: Vec<RunRecord>,
}

/// Runs the scenario's job `simulation.runs` times on spot (if enabled) and on-demand.
pub fn run_scenario(scenario: &Scenario) -> Runs {
    run_scenario_counted(scenario, &AtomicU64::new(0))
}

/// How many runs [`run_scenario`] simulates in all: both sides.
pub fn total_runs(scenario: &Scenario) -> u64 {
    scenario.simulation.runs * if scenario.is_spot() { 2 } else { 1 }
}

/// As [`run_scenario`], counting finished runs (of [`total_runs`]) into `done`.
pub fn run_scenario_counted(scenario: &Scenario, done: &AtomicU64) -> Runs {
    let seed = scenario.simulation.seed;
    let runs = scenario.simulation.runs;
    let spot = JobModel::spot(scenario).map(|model| run_many_counted(&model, seed, runs, done));
    let on_demand = run_many_counted(&JobModel::on_demand(scenario), seed, runs, done);
    Runs { spot, on_demand }
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
    /// Summarises `runs`.
    pub fn of(runs: &Runs) -> Estimate {
        let spot = runs.spot.as_deref().map(SideSummary::of);
        let on_demand = SideSummary::of(&runs.on_demand);
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
}
