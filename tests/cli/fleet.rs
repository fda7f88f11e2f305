//! `spotsim fleet`: the fleet's figures against closed forms (expected cost, Little's law,
//! Erlang C, shared-market interruptions), determinism, the shipped fleet, and errors.
//!
//! Sample sizes are chosen for the debug binary `cargo test` builds: each simulation takes a
//! few seconds at most, and every tolerance is 4 standard errors (a false alarm once in about
//! 16,000 checks) with an upper bound on the standard error, so that a test cannot pass by
//! being too noisy to fail.

use std::path::Path;

use serde_json::Value;

use super::{project_dir, spotsim, stdout_of, write_file};

/// The JSON summary of `spotsim fleet` on `path`, with extra arguments.
fn fleet_json(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["fleet", path.to_str().unwrap(), "--format", "json", "-q"];
    args.extend_from_slice(extra);
    serde_json::from_str(&stdout_of(spotsim().args(&args))).unwrap()
}

fn f(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

/// `|measured − expected| ≤ 4 · std_err`, and the standard error is below `max_rel` of the
/// expected value.
fn assert_within(label: &str, measured: f64, std_err: f64, expected: f64, max_rel: f64) {
    assert!(
        std_err <= max_rel * expected.abs(),
        "{label}: standard error {std_err} too large for a test against {expected}"
    );
    assert!(
        (measured - expected).abs() <= 4.0 * std_err,
        "{label}: {measured} ± {std_err}, expected {expected}"
    );
}

#[test]
fn without_quotas_a_month_costs_its_arrivals_times_the_cost_per_job_and_obeys_littles_law() {
    let dir = tempfile::tempdir().unwrap();
    let quickstart = project_dir().join("scenarios/quickstart.toml");
    let fleet = write_file(
        dir.path(),
        "fleet.toml",
        &format!(
            "horizon = \"30d\"\nwarmup = \"2d\"\nruns = 150\n\n[[workload]]\nscenario = {:?}\n\
             arrivals = {{ per_day = 12 }}\n",
            quickstart.to_str().unwrap()
        ),
    );
    let report = fleet_json(&fleet, &[]);
    let single: Value = serde_json::from_str(&stdout_of(spotsim().args([
        "run",
        "scenarios/quickstart.toml",
        "--runs",
        "40000",
        "--format",
        "json",
        "-q",
    ])))
    .unwrap();
    // E[jobs a month] = 12 a day × 30 days; a month's cost is the sum of its jobs' costs.
    let arrivals = 12.0 * 30.0;
    let per_job = &single["spot"]["metrics"]["cost_usd"];
    let cost = &report["cost_usd"];
    let combined =
        (f(&cost["std_err"]).powi(2) + (arrivals * f(&per_job["std_err"])).powi(2)).sqrt();
    assert_within(
        "monthly cost",
        f(&cost["mean"]),
        combined,
        arrivals * f(&per_job["mean"]),
        0.01,
    );
    let on_demand = &report["on_demand_cost_usd"];
    let per_job_on_demand = &single["on_demand"]["metrics"]["cost_usd"];
    let combined = (f(&on_demand["std_err"]).powi(2)
        + (arrivals * f(&per_job_on_demand["std_err"])).powi(2))
    .sqrt();
    assert_within(
        "monthly cost all on-demand",
        f(&on_demand["mean"]),
        combined,
        arrivals * f(&per_job_on_demand["mean"]),
        0.01,
    );
    // Without a queue a job holds its instance for its wall time.
    let wall = &single["spot"]["metrics"]["wall_s"];
    let held = &report["held_instance_hours"];
    let combined =
        (f(&held["std_err"]).powi(2) + (arrivals * f(&wall["std_err"]) / 3600.0).powi(2)).sqrt();
    assert_within(
        "held instance-hours",
        f(&held["mean"]),
        combined,
        arrivals * f(&wall["mean"]) / 3600.0,
        0.01,
    );
    assert_eq!(report["queue_wait_s"]["max"], 0.0);

    // Little's law: L = λ · W, with W the instance-seconds a job holds (one instance each).
    let workload = &report["workloads"][0];
    let lambda_per_s = 12.0 / 86_400.0;
    let expected = lambda_per_s * f(&workload["mean_held_instance_s"]);
    let mean = &report["concurrent_instances"]["ml.p3.2xlarge"]["mean"];
    assert_within(
        "mean concurrent instances",
        f(&mean["mean"]),
        f(&mean["std_err"]),
        expected,
        0.02,
    );
    assert!(report["concurrent_instances"]["ml.p3.2xlarge"]["spot"]["quota"].is_null());
}

/// Erlang C: the mean wait in queue of an M/M/c queue with arrival rate λ and service rate μ,
/// `W_q = C(c, a) / (cμ − λ)`, `a = λ/μ`, `C = (aᶜ/c!)/(1 − ρ) / (Σ_{k<c} aᵏ/k! + (aᶜ/c!)/(1 − ρ))`
/// (Kleinrock 1975, §3.5).
fn erlang_c_wait_s(c: u32, lambda_per_s: f64, mu_per_s: f64) -> f64 {
    let a = lambda_per_s / mu_per_s;
    let rho = a / f64::from(c);
    let mut term = 1.0;
    let mut below = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        below += term;
    }
    let top = term * a / f64::from(c) / (1.0 - rho);
    top / (below + top) / (f64::from(c) * mu_per_s - lambda_per_s)
}

#[test]
fn on_demand_jobs_under_a_quota_queue_as_erlang_c_says() {
    let dir = tempfile::tempdir().unwrap();
    let c = 4;
    for (load, months) in [(0.5, 40), (0.8, 60), (0.9, 100)] {
        let per_day = load * f64::from(c) * 24.0;
        let fleet = write_file(
            dir.path(),
            "mmc.toml",
            &format!(
                r#"horizon = "60d"
warmup = "5d"
runs = {months}
[[workload]]
name = "mmc"
arrivals = {{ per_day = {per_day} }}
[workload.scenario.job]
instance_type = "ml.m5.large"
training = {{ dist = "exponential", mean = "1h" }}
provisioning = "0s"
download = "0s"
upload = "0s"
[workload.scenario.stopping]
max_run = "28d"
[workload.scenario.pricing]
on_demand_hourly = 0.115
[quota."ml.m5.large"]
on_demand = {c}
"#
            ),
        );
        let report = fleet_json(&fleet, &[]);
        let wait = &report["queue_wait_s"];
        let expected = erlang_c_wait_s(c, per_day / 86_400.0, 1.0 / 3_600.0);
        assert_within(
            &format!("M/M/{c} wait at load {load}"),
            f(&wait["mean"]),
            f(&wait["std_err"]),
            expected,
            0.05,
        );
        let pool = &report["concurrent_instances"]["ml.m5.large"]["on_demand"];
        assert_eq!(pool["quota"], c);
        assert!(f(&pool["peak"]["max"]) <= f64::from(c));
        // Little's law again, now with a queue: busy servers = a = λ/μ.
        let busy = &pool["mean"];
        assert_within(
            &format!("busy instances at load {load}"),
            f(&busy["mean"]),
            f(&busy["std_err"]),
            load * f64::from(c),
            0.02,
        );
    }
}

/// Five long jobs in progress all month in a market of mean available U and unavailable D.
fn five_long_jobs(dir: &Path, market: &str) -> Value {
    write_file(dir, "plan.csv", "at\n0s\n0s\n0s\n0s\n0s\n");
    let fleet = write_file(
        dir,
        "shared.toml",
        &format!(
            r#"horizon = "10d"
warmup = "0s"
runs = 200
[[workload]]
name = "long"
arrivals = {{ file = "plan.csv" }}
[workload.scenario.job]
instance_type = "ml.p3.2xlarge"
training = "2000h"
provisioning = "0s"
download = "5m"
[workload.scenario.stopping]
max_run = "28d"
max_wait = "28d"
[workload.scenario.spot]
enabled = true
discount = 0.7
[workload.scenario.spot.market]
model = "markov"
mean_available = "99h"
mean_unavailable = "1h"
[workload.scenario.pricing]
on_demand_hourly = 3.06
[market."ml.p3.2xlarge"]
{market}
"#
        ),
    );
    fleet_json(&fleet, &[])
}

#[test]
fn a_shared_markov_market_interrupts_every_running_job_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let shared = five_long_jobs(
        dir.path(),
        "model = \"markov\"\nmean_available = \"6h\"\nmean_unavailable = \"1h\"",
    );
    let interruptions = &shared["interruptions"];
    // Every loss of capacity finds the five jobs holding it (none is provisioning: it takes no
    // time), so each reclaim event interrupts all five together.
    assert_eq!(interruptions["jobs_per_reclaim"], 5.0);
    assert_eq!(interruptions["largest_simultaneous"]["min"], 5.0);
    // A stationary alternating renewal process loses capacity T / (U + D) times in T on average.
    let events = &interruptions["reclaim_events"];
    assert_within(
        "reclaim events a month",
        f(&events["mean"]),
        f(&events["std_err"]),
        240.0 / 7.0,
        0.03,
    );
    let per_month = &interruptions["per_month"];
    assert_eq!(f(&per_month["mean"]), 5.0 * f(&events["mean"]));

    // The same jobs each in their own market: every reclaim hits one job.
    let independent = five_long_jobs(
        dir.path(),
        "model = \"independent\"\ncapacity_wait = { dist = \"exponential\", mean = \"1h\" }\n\
         time_to_interruption = { dist = \"exponential\", mean = \"6h\" }",
    );
    let interruptions = &independent["interruptions"];
    assert_eq!(interruptions["jobs_per_reclaim"], 1.0);
    assert_eq!(interruptions["largest_simultaneous"]["max"], 1.0);
    // Each job is interrupted about every 7h 5m (6 h running, 1 h waiting, 5 m downloading
    // that can itself be cut short), as often as in the shared market.
    let ratio =
        f(&interruptions["per_month"]["mean"]) / f(&shared["interruptions"]["per_month"]["mean"]);
    assert!((0.9..1.1).contains(&ratio), "{ratio}");
}

#[test]
fn the_shipped_fleet_runs_the_same_for_any_thread_count() {
    let fleet = project_dir().join("scenarios/fleets/team.toml");
    let one = fleet_json(&fleet, &["--runs", "24", "--threads", "1"]);
    let two = fleet_json(&fleet, &["--runs", "24", "--threads", "2"]);
    assert_eq!(one, two);
    assert_eq!(one["runs"], 24);
    let names: Vec<&str> = one["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fine-tune", "nightly-pretrain", "evaluation"]);
    // Quotas hold: no pool ever exceeds its quota.
    for (instance_type, pools) in one["concurrent_instances"].as_object().unwrap() {
        for side in ["spot", "on_demand"] {
            if let Some(quota) = pools[side]["quota"].as_f64() {
                assert!(
                    f(&pools[side]["peak"]["max"]) <= quota,
                    "{instance_type} {side}"
                );
            }
        }
    }
    // The statuses at the horizon partition the jobs.
    let outcomes = &one["outcomes"];
    let total: f64 = [
        "completed",
        "max_runtime_exceeded",
        "max_wait_time_exceeded",
        "unfinished",
    ]
    .iter()
    .map(|k| f(&outcomes[k]))
    .sum();
    assert!((total - 1.0).abs() < 1e-12);

    let table =
        stdout_of(spotsim().args(["fleet", "scenarios/fleets/team.toml", "--runs", "24", "-q"]));
    for expected in [
        "fine-tune",
        "nightly-pretrain",
        "evaluation",
        "Concurrent instances",
        "Saving against all on-demand",
    ] {
        assert!(table.contains(expected), "{expected} missing from\n{table}");
    }
    let csv = stdout_of(spotsim().args([
        "fleet",
        "scenarios/fleets/team.toml",
        "--runs",
        "24",
        "--format",
        "csv",
        "-q",
    ]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 25);
    assert!(lines[0].starts_with("month,jobs,cost_usd,on_demand_cost_usd,"));
    assert!(lines[0].contains("ml.p3.2xlarge_spot_peak_instances"));
}

/// The stderr of `spotsim fleet` on a file it refuses: exit 2, nothing on stdout.
fn refused(fleet: &Path) -> String {
    let output = spotsim()
        .args(["fleet", fleet.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(output.stdout.is_empty());
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn every_problem_of_a_fleet_file_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = write_file(
        dir.path(),
        "bad.toml",
        r#"horizon = "400d"
[[workload]]
scenario = "missing.toml"
arrivals = { per_day = -3 }

[[workload]]
name = "big"
arrivals = { at = ["25:00"] }
[workload.scenario.job]
instance_type = "ml.p3.16xlarge"
instance_count = 4
training = "1h"
[workload.scenario.pricing]
on_demand_hourly = 28.152

[quota."ml.p3.16xlarge"]
on_demand = 2
[quota."ml.p3.2xlarg"]
spot = 4
"#,
    );
    let stderr = refused(&fleet);
    for expected in [
        "bad.toml:1:11: horizon (\"400d\") must be more than 0s and at most 366 days",
        "workload.scenario (\"missing.toml\") cannot be read",
        "workload.arrivals.per_day (-3) must be more than 0",
        "workload.arrivals.at (\"25:00\") must be a time of day",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected} missing from\n{stderr}"
        );
    }
}

#[test]
fn a_job_larger_than_its_quota_and_a_misspelt_type_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = write_file(
        dir.path(),
        "bad.toml",
        r#"[[workload]]
name = "big"
arrivals = { per_day = 2 }
[workload.scenario.job]
instance_type = "ml.p3.16xlarge"
instance_count = 4
training = "1h"
[workload.scenario.pricing]
on_demand_hourly = 28.152

[quota."ml.p3.16xlarge"]
on_demand = 2
[quota."ml.p3.16xlarg"]
on_demand = 4
"#,
    );
    let stderr = refused(&fleet);
    for expected in [
        "workload \"big\" needs 4 instances per job but quota.\"ml.p3.16xlarge\".on_demand is 2",
        "quota.\"ml.p3.16xlarg\"",
        "did you mean \"ml.p3.16xlarge\"?",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected} missing from\n{stderr}"
        );
    }
}

#[test]
fn a_shared_trace_replays_one_moment_per_month_for_every_job() {
    let dir = tempfile::tempdir().unwrap();
    let trace = project_dir()
        .join("data/spot-traces/availability/1-node/aws-02-15-2023/us-west-2a_v100_1.json");
    let quickstart = project_dir().join("scenarios/quickstart.toml");
    let fleet = write_file(
        dir.path(),
        "trace.toml",
        &format!(
            r#"horizon = "7d"
warmup = "1d"
runs = 40
[[workload]]
scenario = {:?}
arrivals = {{ per_day = 16 }}
[market."ml.p3.2xlarge"]
model = "trace"
file = {:?}
format = "spot-traces"
"#,
            quickstart.to_str().unwrap(),
            trace.to_str().unwrap()
        ),
    );
    let report = fleet_json(&fleet, &[]);
    let interruptions = &report["interruptions"];
    // Several jobs run at once, and the trace takes capacity from all of them together.
    assert!(
        f(&interruptions["jobs_per_reclaim"]) > 1.5,
        "{interruptions}"
    );
    assert!(
        f(&interruptions["largest_simultaneous"]["mean"]) >= 3.0,
        "{interruptions}"
    );
    // The replacement of the scenario's own market is reported.
    let output = spotsim()
        .args(["fleet", fleet.to_str().unwrap(), "--runs", "2"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "[market.\"ml.p3.2xlarge\"] replaces the market of the scenarios of bert-finetune"
        ),
        "{stderr}"
    );
}

#[test]
fn a_fleet_too_large_to_simulate_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = write_file(
        dir.path(),
        "huge.toml",
        r#"horizon = "20d"
warmup = "0s"
runs = 100000
[[workload]]
name = "flood"
arrivals = { per_day = 50000 }
[workload.scenario.job]
instance_type = "ml.m5.large"
training = "1h"
[workload.scenario.pricing]
on_demand_hourly = 0.115
"#,
    );
    let stderr = refused(&fleet);
    assert!(
        stderr.contains("the fleet would simulate about 1.00e11 jobs"),
        "{stderr}"
    );
    assert!(stderr.contains("lower runs (--runs)"), "{stderr}");
}

#[test]
fn validate_reads_a_fleet_file_as_a_fleet() {
    // Issue 15, item 12: the shipped examples are clean, no warning on every run.
    for fleet in ["scenarios/fleets/team.toml", "scenarios/fleets/busy.toml"] {
        let output = spotsim().args(["validate", fleet]).output().unwrap();
        assert!(output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(!stderr.contains("warning"), "{fleet}: {stderr}");
    }
    let text = stdout_of(spotsim().args(["validate", "scenarios/fleets/team.toml"]));
    assert!(
        text.starts_with("scenarios/fleets/team.toml: a valid fleet: 3 workloads, months of 30d (7d warm-up), 1,000 runs, seed 1, about 1,290 jobs a month\n"),
        "{text}"
    );
    for expected in [
        "fine-tune.toml",
        "inline",
        "Markov, shared",
        "each scenario's own",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
}

/// Issue 17: a workload with `[fallback]` whose spot jobs never get capacity goes on-demand
/// after one hour of waiting; its on-demand jobs (Poisson arrivals shifted by that hour,
/// exponential training) queue for the on-demand quota as an M/M/c queue: Erlang C again.
#[test]
fn fallback_jobs_queue_for_the_on_demand_quota_as_erlang_c_says() {
    let dir = tempfile::tempdir().unwrap();
    let (c, load, months) = (4, 0.8, 60);
    let per_day = load * f64::from(c) * 24.0;
    let fleet = write_file(
        dir.path(),
        "fallback.toml",
        &format!(
            r#"horizon = "60d"
warmup = "5d"
runs = {months}
[[workload]]
name = "spot-then-on-demand"
arrivals = {{ per_day = {per_day} }}
[workload.scenario.job]
instance_type = "ml.m5.large"
training = {{ dist = "exponential", mean = "1h" }}
provisioning = "0s"
download = "0s"
upload = "0s"
[workload.scenario.stopping]
max_run = "28d"
max_wait = "28d"
[workload.scenario.spot]
enabled = true
capacity_wait = "never"
time_to_interruption = "1d"
discount = 0.7
[workload.scenario.fallback]
when = "waiting"
waiting = "1h"
[workload.scenario.pricing]
on_demand_hourly = 0.115
[quota."ml.m5.large"]
on_demand = {c}
"#
        ),
    );
    let report = fleet_json(&fleet, &[]);
    // The spot pool has no quota: every wait is the on-demand job's, in the on-demand queue.
    let wait = &report["queue_wait_s"];
    let expected = erlang_c_wait_s(c, per_day / 86_400.0, 1.0 / 3_600.0);
    assert_within(
        "fallback M/M/4 wait at load 0.8",
        f(&wait["mean"]),
        f(&wait["std_err"]),
        expected,
        0.05,
    );
    let pools = &report["concurrent_instances"]["ml.m5.large"];
    let on_demand = &pools["on_demand"];
    assert_eq!(on_demand["quota"], c);
    assert!(f(&on_demand["peak"]["max"]) <= f64::from(c));
    assert_within(
        "busy on-demand instances",
        f(&on_demand["mean"]["mean"]),
        f(&on_demand["mean"]["std_err"]),
        load * f64::from(c),
        0.02,
    );
    // Each spot job holds a spot instance for its hour of waiting: λ · 1 h in progress.
    assert_within(
        "spot instances waiting",
        f(&pools["spot"]["mean"]["mean"]),
        f(&pools["spot"]["mean"]["std_err"]),
        per_day / 24.0,
        0.02,
    );
}
