//! Criterion benches: whole runs per second on `scenarios/reference.toml` (about 6.5 starts per
//! run), on one core, and the whole Monte Carlo pass (spot + on-demand + statistics) on all
//! cores. Figures and the machine are recorded in `docs/performance.md`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spotsim::engine::JobModel;
use spotsim::montecarlo::{Estimate, run_one, stream_scenario};

fn reference() -> spotsim::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference.toml");
    spotsim::load_scenario(&path).expect("the shipped reference scenario is valid")
}

/// Runs per second of the engine alone, on the calling thread.
fn runs_one_core(c: &mut Criterion) {
    let scenario = reference();
    let model = JobModel::spot(&scenario).expect("reference uses spot");
    const BATCH: u64 = 100_000;
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("reference_runs_one_core", |b| {
        b.iter(|| {
            let mut interruptions = 0u64;
            for run in 0..BATCH {
                interruptions += u64::from(run_one(&model, black_box(1), run).interruptions);
            }
            interruptions
        })
    });
    group.finish();
}

/// The whole pass `spotsim run` makes: spot and on-demand runs streamed in parallel blocks,
/// then statistics.
fn monte_carlo_all_cores(c: &mut Criterion) {
    let mut scenario = reference();
    const RUNS: u64 = 1_000_000;
    scenario.simulation.runs = RUNS;
    let mut group = c.benchmark_group("monte_carlo");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RUNS));
    group.bench_function("reference_1m_runs_all_cores", |b| {
        b.iter(|| Estimate::of(&stream_scenario(black_box(&scenario))))
    });
    group.finish();
}

criterion_group!(benches, runs_one_core, monte_carlo_all_cores);
criterion_main!(benches);
