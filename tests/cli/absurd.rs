//! Absurd but valid inputs finish, or are refused with a clear message: nothing hangs, panics or
//! overflows.

use super::{spotsim, stdout_of, write_file};

#[test]
fn a_28_day_job_on_1000_instances_reclaimed_every_minute_finishes() {
    let dir = tempfile::tempdir().unwrap();
    // The cluster's first reclaim comes after 0.06 s on average: every start fails at once, so
    // each run restarts tens of thousands of times until MaxWait ends it at 30 days.
    let path = write_file(
        dir.path(),
        "absurd.toml",
        "[job]\ntraining = \"28d\"\ninstance_count = 1000\ndownload = \"1m\"\n\
         [stopping]\nmax_run = \"28d\"\nmax_wait = \"30d\"\n\
         [spot]\nenabled = true\ncapacity_wait = \"1m\"\n\
         time_to_interruption = { dist = \"exponential\", mean = \"1m\" }\ndiscount = 0.7\n\
         [checkpoint]\ninterval = \"1m\"\nsave = \"10s\"\n\
         [pricing]\non_demand_hourly = 30\n",
    );
    let output = spotsim()
        .args([
            "run",
            path.to_str().unwrap(),
            "--runs",
            "40",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let spot = &report["spot"];
    assert_eq!(spot["outcomes"]["max_wait_exceeded"], 1.0, "{spot}");
    assert_eq!(spot["metrics"]["wall_s"]["max"], 30.0 * 86_400.0);
    assert!(spot["metrics"]["interruptions"]["mean"].as_f64().unwrap() > 10_000.0);
    // The lint says why, with a number, not "inf".
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("more than 1e300 starts"), "{stderr}");
}

#[test]
fn run_counts_beyond_the_limits_are_refused_with_the_limit() {
    let output = spotsim()
        .args(["run", "scenarios/quickstart.toml", "--runs", "2000000000"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("not in 1..=1000000000"), "{stderr}");
    // A sweep streams its runs like `run`: the same limit, checked before any simulation starts.
    let output = spotsim()
        .args([
            "sweep",
            "scenarios/quickstart.toml",
            "--set",
            "checkpoint.interval=10m,20m",
            "--runs",
            "1000000001",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("not in 1..=1000000000"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn the_longest_durations_stay_finite() {
    let dir = tempfile::tempdir().unwrap();
    // Ten years of training (the largest duration) against the 28-day MaxRuntime.
    let path = write_file(
        dir.path(),
        "long.toml",
        "[job]\ntraining = \"3650d\"\n[stopping]\nmax_run = \"28d\"\n[pricing]\n\
         on_demand_hourly = 100000\n",
    );
    let json = stdout_of(spotsim().args([
        "run",
        path.to_str().unwrap(),
        "--runs",
        "10",
        "--format",
        "json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let od = &report["on_demand"];
    assert_eq!(od["outcomes"]["max_runtime_exceeded"], 1.0, "{od}");
    let cost = od["metrics"]["cost_usd"]["mean"].as_f64().unwrap();
    assert!(cost.is_finite() && cost > 0.0, "{od}");
}

/// A job that checkpoints every millisecond for 20 days: about 1.7 billion events a run, which
/// the checker accepts (one start) but no run should need. `max_events` sets its budget.
fn millisecond_checkpoints(max_events: &str) -> String {
    format!(
        "[job]\ntraining = \"20d\"\n\
         [stopping]\nmax_run = \"28d\"\nmax_wait = \"28d\"\n\
         [spot]\nenabled = true\ncapacity_wait = \"0s\"\n\
         time_to_interruption = {{ dist = \"exponential\", mean = \"10d\" }}\ndiscount = 0.7\n\
         [checkpoint]\ninterval = 0.001\n\
         [pricing]\non_demand_hourly = 3.06\n\
         [simulation]\nruns = 20\n{max_events}\n"
    )
}

#[test]
fn runs_that_exhaust_the_event_budget_are_cut_counted_and_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "ms.toml",
        &millisecond_checkpoints("max_events = 100000"),
    );
    let json = spotsim()
        .args(["run", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(json.status.success());
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    for side in ["spot", "on_demand"] {
        // Every run of 20 is cut: counted apart, and among the MaxWait stops.
        assert_eq!(report[side]["event_budget_runs"], 20, "{side}");
        assert_eq!(report[side]["outcomes"]["max_wait_exceeded"], 1.0, "{side}");
        // Cut after 100,000 events (checked every 16,384: at 114,688), about 2 per checkpoint
        // of 1 ms: under a minute of the 20 days.
        let wall_s = report[side]["metrics"]["wall_s"]["max"].as_f64().unwrap();
        assert!((30.0..=60.0).contains(&wall_s), "{side}: {wall_s}");
    }
    assert_eq!(report["scenario"]["simulation"]["max_events"], 100_000);
    let stderr = String::from_utf8(json.stderr).unwrap();
    assert!(
        stderr.contains("warning: ")
            && stderr.contains(
                "40 runs hit the event budget (100,000 events, simulation.max_events) and were \
                 cut short"
            ),
        "{stderr}"
    );
    let table = stdout_of(spotsim().args(["run", path.to_str().unwrap()]));
    assert!(
        table.contains(
            "  runs that hit the event budget: 20 spot, 20 on-demand (cut after 100,000 events"
        ),
        "{table}"
    );
}

#[test]
fn runs_within_the_budget_say_nothing_of_it() {
    let dir = tempfile::tempdir().unwrap();
    // An hour of training: 3.6 million checkpoints, within the default billion events.
    let text = millisecond_checkpoints("").replace("\"20d\"", "\"1h\"");
    let path = write_file(dir.path(), "ms.toml", &text);
    let path = path.to_str().unwrap();
    let output = spotsim()
        .args(["run", path, "--runs", "2", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !stdout.contains("event_budget") && !stdout.contains("max_events"),
        "{stdout}"
    );
    assert!(
        !String::from_utf8(output.stderr)
            .unwrap()
            .contains("event budget")
    );
}

#[test]
fn an_event_budget_below_the_poll_interval_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "ms.toml",
        &millisecond_checkpoints("max_events = 1000"),
    );
    let output = spotsim()
        .args(["run", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("simulation.max_events (1000) must be a whole number from 100000 to"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
