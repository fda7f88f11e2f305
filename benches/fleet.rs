//! Criterion benches of fleets on `scenarios/fleets/busy.toml` (500 jobs a day, a quota of 200,
//! a shared Markov market):
//!
//! - `fleet/busy_month_one_core`: one simulated month (about 18,500 jobs with the warm-up, each
//!   a spot run and its on-demand pair, queued under the quota), on one core, with throughput in
//!   jobs;
//! - `fleet/busy_100_months_all_cores`: 100 months and their summary, as `spotsim fleet` makes
//!   them, on all cores.
//!
//! Figures, the machine and the end-to-end command are recorded in `docs/performance.md`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spotsim::fleet::{Fleet, FleetModel, run_fleet, simulate_month};

fn busy() -> Fleet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fleets/busy.toml");
    spotsim::load_fleet(&path).expect("the shipped busy fleet is valid")
}

fn month_one_core(c: &mut Criterion) {
    let fleet = busy();
    let model = FleetModel::new(&fleet);
    let jobs = fleet.expected_jobs_per_month().round() as u64;
    let mut group = c.benchmark_group("fleet");
    group.sample_size(10);
    group.throughput(Throughput::Elements(jobs));
    let mut month = 0;
    group.bench_function("busy_month_one_core", |b| {
        b.iter(|| {
            month += 1;
            simulate_month(black_box(&model), month)
        });
    });
    group.finish();
}

fn months_all_cores(c: &mut Criterion) {
    let mut fleet = busy();
    fleet.runs = 100;
    let mut group = c.benchmark_group("fleet");
    group.sample_size(10);
    group.throughput(Throughput::Elements(fleet.runs));
    group.bench_function("busy_100_months_all_cores", |b| {
        b.iter(|| run_fleet(black_box(&fleet), "busy.toml"));
    });
    group.finish();
}

criterion_group!(benches, month_one_core, months_all_cores);
criterion_main!(benches);
