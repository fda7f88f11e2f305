//! A harness for profiling the engine and for checking that a change to it keeps every number.
//!
//! `cargo run --release --example engine_profile -- runs [N] [spot|on-demand]` simulates `N`
//! runs of `scenarios/reference.toml` (seed 1; spot unless told) on the calling thread and
//! nothing else, so that `valgrind --tool=callgrind` counts the engine's instructions, not
//! criterion's.
//!
//! `cargo run --release --example engine_profile -- stream [N] [THREADS]` streams `N` scenario
//! runs of `scenarios/reference.toml` (seed 1) through `montecarlo::stream_scenario` on a pool
//! of `THREADS` threads (1 unless told) and summarises them as `spotsim run` does: the engine's
//! spot and on-demand runs and every statistic, end to end but for the output.
//!
//! `cargo run --release --example engine_profile -- events [N]` prints the mean number of
//! engine events (timers that fire) and of starts per run of `scenarios/reference.toml`, spot
//! and on-demand.
//!
//! `cargo run --release --example engine_profile -- fingerprint [N]` prints, for every shipped
//! scenario (spot and on-demand), a hash of every bit of the first `N` runs' records: the same
//! lines before and after a change mean the change kept every result bit for bit.
//! `docs/performance.md` ("Engine profile") gives the figures and commands.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

use spotsim::engine::{JobModel, Observer, RunRecord, SecondaryStatus, simulate_run};
use spotsim::montecarlo::rng::{Stream, run_rng};
use spotsim::montecarlo::run_one;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("runs", String::as_str);
    let count = |default: u64| {
        args.get(1)
            .map_or(default, |n| n.parse().expect("a run count"))
    };
    match mode {
        "runs" => runs(count(200_000), args.get(2).map_or("spot", String::as_str)),
        "events" => events(count(200_000)),
        "stream" => stream(
            count(200_000),
            args.get(2)
                .map_or(1, |t| t.parse().expect("a thread count")),
        ),
        "fingerprint" => fingerprint(count(20_000)),
        other => panic!(
            "unknown mode {other}: runs [N] [side], stream [N] [threads], events [N] or \
             fingerprint [N]"
        ),
    }
}

fn load(path: &Path) -> spotsim::scenario::Scenario {
    spotsim::load_scenario(path).unwrap_or_else(|e| panic!("{e}"))
}

fn runs(count: u64, side: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = load(&root.join("scenarios/reference.toml"));
    let model = match side {
        "spot" => JobModel::spot(&scenario).expect("reference uses spot"),
        "on-demand" => JobModel::on_demand(&scenario),
        other => panic!("unknown side {other}: spot or on-demand"),
    };
    let mut interruptions = 0u64;
    for run in 0..count {
        interruptions += u64::from(run_one(&model, 1, run).interruptions);
    }
    println!("{count} runs, {interruptions} interruptions");
}

fn stream(count: u64, threads: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut scenario = load(&root.join("scenarios/reference.toml"));
    scenario.simulation.runs = count;
    scenario.simulation.seed = 1;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let estimate = pool.install(|| {
        let stats = spotsim::montecarlo::stream_scenario(&scenario);
        spotsim::montecarlo::Estimate::of(&stats)
    });
    let spot = estimate.spot.expect("reference uses spot");
    println!(
        "{count} runs: spot mean cost {:.6}, p95 wall {:.1} s",
        spot.metrics.cost_usd.mean, spot.metrics.wall_s.p95
    );
}

/// Counts events and starts.
#[derive(Default)]
struct Counter {
    events: u64,
    starts: u64,
}

impl Observer for Counter {
    fn event(&mut self, _time_s: f64) {
        self.events += 1;
    }
    fn status(&mut self, _time_s: f64, status: SecondaryStatus) {
        self.starts += u64::from(status == SecondaryStatus::Starting);
    }
}

fn events(count: u64) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = load(&root.join("scenarios/reference.toml"));
    let sides = [
        (
            "spot",
            JobModel::spot(&scenario).expect("reference uses spot"),
        ),
        ("on-demand", JobModel::on_demand(&scenario)),
    ];
    for (side, model) in sides {
        let mut counter = Counter::default();
        for run in 0..count {
            simulate_run(
                &model,
                run,
                &mut run_rng(1, run, Stream::Job),
                &mut run_rng(1, run, Stream::Market),
                &mut counter,
            );
        }
        let per_run = |n: u64| n as f64 / count as f64;
        println!(
            "{side}: {:.2} events and {:.2} starts per run",
            per_run(counter.events),
            per_run(counter.starts)
        );
    }
}

fn fingerprint(count: u64) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = ["scenarios", "scenarios/traces"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("the scenarios folder"))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut scenarios: Vec<(String, spotsim::scenario::Scenario)> = paths
        .iter()
        .map(|path| {
            let name = path
                .strip_prefix(root)
                .unwrap_or(path)
                .display()
                .to_string();
            (name, load(path))
        })
        .collect();
    // Branches the shipped scenarios leave alone: other distributions, a cluster, syncs and
    // notice saves, unbilled interrupted attempts, per-attempt MaxRuntime.
    for (name, extra) in [
        ("mixed", ""),
        (
            "mixed+notice+sync",
            "[checkpoint]\non_notice = true\nsync = \"5m\"\n",
        ),
        (
            "mixed+unbilled+each_attempt",
            "[spot]\nbill_interrupted_attempt = false\n[stopping]\nmax_run_counts = \"each_attempt\"\n",
        ),
    ] {
        let text = merge(MIXED, extra);
        let scenario =
            spotsim::scenario::parse_scenario(&text, name).unwrap_or_else(|e| panic!("{e}"));
        scenarios.push((name.to_string(), scenario));
    }
    for (name, scenario) in scenarios {
        let sides = [
            ("spot", JobModel::spot(&scenario)),
            ("on-demand", Some(JobModel::on_demand(&scenario))),
        ];
        for (side, model) in sides {
            let Some(model) = model else { continue };
            let mut hasher = DefaultHasher::new();
            for run in 0..count {
                hash_record(&mut hasher, &run_one(&model, scenario.simulation.seed, run));
            }
            println!("{:016x} {name} {side}", hasher.finish());
        }
    }
}

fn hash_record(hasher: &mut DefaultHasher, record: &RunRecord) {
    hasher.write_u8(record.outcome as u8);
    hasher.write_u32(record.interruptions);
    let b = &record.billed;
    for value in [
        record.wall_s,
        record.training_s,
        record.billable_s,
        record.cost_usd,
        record.waiting_s,
        record.lost_work_s,
        record.work_required_s,
        record.work_done_s,
        record.billed_redone_s,
        b.download_s,
        b.restore_s,
        b.train_s,
        b.save_s,
        b.upload_s,
    ] {
        hasher.write_u64(value.to_bits());
    }
}

/// A spot job with random durations of every family that has a sampler of its own.
const MIXED: &str = r#"[job]
instance_count = 2
training = { dist = "lognormal", median = "3h", sigma = 0.3 }
provisioning = { dist = "uniform", min = "1m", max = "4m" }
download = { dist = "gamma", shape = 4, scale = "30s" }
upload = { dist = "weibull", shape = 1.5, scale = "1m" }
[stopping]
max_run = "6h"
max_wait = "9h"
[spot]
enabled = true
capacity_wait = { dist = "weibull", shape = 0.7, scale = "10m" }
time_to_interruption = { dist = "lognormal", median = "5h", sigma = 1.0 }
discount = 0.65
[checkpoint]
interval = "20m"
save = { dist = "uniform", min = "10s", max = "40s" }
restore = "30s"
[pricing]
on_demand_hourly = 12.24
"#;

/// `base` with the lines of `extra` added under their `[section]` headers.
fn merge(base: &str, extra: &str) -> String {
    let mut text = base.to_string();
    let mut section = String::new();
    for line in extra.lines() {
        if line.starts_with('[') {
            section = line.to_string();
        } else {
            let at = text.find(&section).expect("a section of the base") + section.len();
            text.insert_str(at, &format!("\n{line}"));
        }
    }
    text
}
