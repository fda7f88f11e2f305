//! Same seed, same numbers: whatever the thread count, and run by run.

use spotsim::engine::JobModel;
use spotsim::montecarlo::{run_many, run_one};

use super::scenario;

const SCENARIO: &str = r#"[job]
instance_count = 2
training = { dist = "lognormal", median = "3h", sigma = 0.3 }
provisioning = { dist = "uniform", min = "1m", max = "4m" }
download = { dist = "exponential", mean = "2m" }
upload = "1m"
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

#[test]
fn records_are_identical_for_any_thread_count() {
    let model = JobModel::spot(&scenario(SCENARIO)).unwrap();
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_many(&model, 99, 5000))
    };
    let one = in_pool(1);
    assert_eq!(one, in_pool(2));
    assert_eq!(one, in_pool(3));
    assert_eq!(one, in_pool(8));
}

#[test]
fn run_i_depends_only_on_seed_and_i() {
    let model = JobModel::spot(&scenario(SCENARIO)).unwrap();
    let all = run_many(&model, 3, 300);
    for i in [0u64, 1, 150, 299] {
        assert_eq!(all[i as usize], run_one(&model, 3, i));
    }
    assert_ne!(run_one(&model, 3, 0), run_one(&model, 4, 0));
}

#[test]
fn on_demand_baseline_shares_the_job_draws() {
    // Run i on-demand needs the same training as spot run i: they can be compared job by job.
    let s = scenario(SCENARIO);
    let spot = run_many(&JobModel::spot(&s).unwrap(), 11, 500);
    let on_demand = run_many(&JobModel::on_demand(&s), 11, 500);
    for (a, b) in spot.iter().zip(&on_demand) {
        assert_eq!(a.work_required_s, b.work_required_s);
    }
}
