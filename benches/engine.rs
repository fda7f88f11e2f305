//! Criterion benches on `scenarios/reference.toml`:
//!
//! - `engine/reference_runs_one_core`: whole spot runs per second, on one core;
//! - `engine/reference_events_one_core`: the same runs, with throughput counted in lifecycle
//!   events (timers that fire, counted once by an [`Observer`]), so that criterion reports
//!   events per second and the time per event is the batch time over the event count;
//! - `monte_carlo/reference_1m_runs_all_cores`: the whole Monte Carlo pass `spotsim run`
//!   makes (spot and on-demand runs in parallel, then statistics), on all cores.
//!
//! Figures, the machine and what dominates are recorded in `docs/performance.md`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spotsim::engine::{JobModel, Observer, simulate_run};
use spotsim::montecarlo::rng::{Stream, run_rng};
use spotsim::montecarlo::{Estimate, run_one, stream_scenario};

fn reference() -> spotsim::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference.toml");
    spotsim::load_scenario(&path).expect("the shipped reference scenario is valid")
}

/// Runs in one batch of the one-core benches.
const BATCH: u64 = 100_000;

/// Runs per second of the engine alone, on the calling thread.
fn runs_one_core(c: &mut Criterion) {
    let scenario = reference();
    let model = JobModel::spot(&scenario).expect("reference uses spot");
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("reference_runs_one_core", |b| b.iter(|| batch(&model)));
    group.finish();
}

/// The same batch, per lifecycle event: its events are counted once, outside the timing.
fn events_one_core(c: &mut Criterion) {
    let scenario = reference();
    let model = JobModel::spot(&scenario).expect("reference uses spot");
    let mut counter = EventCounter(0);
    for run in 0..BATCH {
        simulate_run(
            &model,
            run,
            &mut run_rng(1, run, Stream::Job),
            &mut run_rng(1, run, Stream::Market),
            &mut counter,
        );
    }
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(counter.0));
    group.bench_function("reference_events_one_core", |b| b.iter(|| batch(&model)));
    group.finish();
}

/// Runs `0..BATCH` of `model` under seed 1, as `spotsim run` does (no observer).
fn batch(model: &JobModel) -> u64 {
    let mut interruptions = 0u64;
    for run in 0..BATCH {
        interruptions += u64::from(run_one(model, black_box(1), run).interruptions);
    }
    interruptions
}

/// Counts the engine's events.
struct EventCounter(u64);

impl Observer for EventCounter {
    fn event(&mut self, _time_s: f64) {
        self.0 += 1;
    }
}

/// The whole pass `spotsim run` makes: spot and on-demand runs streamed in parallel blocks,
/// then statistics.
fn monte_carlo_all_cores(c: &mut Criterion) {
    const RUNS: u64 = 1_000_000;
    let mut scenario = reference();
    scenario.simulation.runs = RUNS;
    let mut group = c.benchmark_group("monte_carlo");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RUNS));
    group.bench_function("reference_1m_runs_all_cores", |b| {
        b.iter(|| Estimate::of(&stream_scenario(black_box(&scenario))));
    });
    group.finish();
}

criterion_group!(
    benches,
    runs_one_core,
    events_one_core,
    monte_carlo_all_cores
);
criterion_main!(benches);
