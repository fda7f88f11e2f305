//! `spotsim run --target-rse`: runs until the mean cost is precise enough, the same for any
//! thread count; outcome shares with Wilson intervals; warnings about rare stops.

use serde_json::Value;
use spotsim::stats::summary::{Z_95, wilson_interval};

use super::{same_for_thread_counts, spotsim, stdout_of};

#[test]
fn a_target_stops_early_with_the_same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (json, csv) = same_for_thread_counts(&["1", "2"], |threads| {
        let csv = dir.path().join(format!("runs-{threads}.csv"));
        let json = stdout_of(spotsim().args([
            "run",
            "scenarios/quickstart.toml",
            "--target-rse",
            "0.01",
            "--threads",
            threads,
            "--format",
            "json",
            "--runs-csv",
            csv.to_str().unwrap(),
        ]));
        (json, std::fs::read_to_string(&csv).unwrap())
    });
    let report: Value = serde_json::from_str(&json).unwrap();
    // The quickstart's cost is known to 1 % long before the rule's minimum of two blocks.
    assert_eq!(report["runs"], 131_072);
    assert_eq!(report["scenario"]["simulation"]["runs"], 131_072);
    assert_eq!(report["runs_cap"], 1_000_000_000);
    assert_eq!(report["target_rse"], 0.01);
    assert_eq!(report["stopped_by"], "target");
    let achieved = report["achieved_rse"].as_f64().unwrap();
    assert!(achieved > 0.0 && achieved <= 0.01, "{achieved}");
    let cost = &report["spot"]["metrics"]["cost_usd"];
    let rse = cost["std_err"].as_f64().unwrap() / cost["mean"].as_f64().unwrap();
    assert_eq!(achieved, rse);
    // A header and a row per kept run, 0 to n - 1.
    assert_eq!(csv.lines().count(), 131_072 + 1);
    assert!(csv.lines().last().unwrap().starts_with("131071,"));
}

#[test]
fn the_table_says_where_the_runs_stopped() {
    let output = spotsim()
        .args(["run", "scenarios/quickstart.toml", "--target-rse", "0.01"])
        .assert()
        .success()
        .get_output()
        .clone();
    let table = String::from_utf8(output.stdout).unwrap();
    let header = table.lines().next().unwrap();
    assert!(
        header.contains(" · 131,072 runs (stopped at RSE 0.0003")
            && header.ends_with(" ≤ 0.01) · seed 1"),
        "{header}"
    );
    // Enough runs to see the stops: no warning about rare ones, nor about the cap.
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("warning:"), "{stderr}");
}

#[test]
fn a_target_out_of_reach_stops_at_the_cap_with_a_warning() {
    let output = spotsim()
        .args([
            "run",
            "scenarios/quickstart.toml",
            "--target-rse",
            "0.000001",
            "--runs",
            "3000",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["runs"], 3000);
    assert_eq!(report["runs_cap"], 3000);
    assert_eq!(report["stopped_by"], "cap");
    assert!(report["achieved_rse"].as_f64().unwrap() > 0.000001);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "warning: scenarios/quickstart.toml: the run cap of 3,000 came first: \
                         the mean cost's RSE is"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("  hint: about "), "{stderr}");
}

#[test]
fn bad_targets_are_usage_errors() {
    for bad in ["0", "1", "1.5", "-0.1", "abc", "NaN"] {
        let output = spotsim()
            .args(["run", "scenarios/quickstart.toml", "--target-rse", bad])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("--target-rse"), "{bad}: {stderr}");
        assert!(
            stderr.contains("strictly between 0 and 1") || stderr.contains("is not a number"),
            "{bad}: {stderr}"
        );
    }
}

#[test]
fn outcome_intervals_are_wilson_intervals_of_the_counts() {
    let json = stdout_of(spotsim().args([
        "run",
        "scenarios/quickstart.toml",
        "--runs",
        "2000",
        "--format",
        "json",
    ]));
    let report: Value = serde_json::from_str(&json).unwrap();
    let runs = report["runs"].as_u64().unwrap();
    for side in ["spot", "on_demand"] {
        let outcomes = &report[side]["outcomes"];
        for outcome in ["completed", "max_runtime_exceeded", "max_wait_exceeded"] {
            let count = (outcomes[outcome].as_f64().unwrap() * runs as f64).round() as u64;
            let (lo, hi) = wilson_interval(count, runs, Z_95);
            let ci = &outcomes["ci95"][outcome];
            assert_eq!(ci[0].as_f64().unwrap(), lo, "{side} {outcome}");
            assert_eq!(ci[1].as_f64().unwrap(), hi, "{side} {outcome}");
        }
    }
}

#[test]
fn few_stops_are_warned_about_with_the_rule_of_three() {
    let output = spotsim()
        .args(["run", "scenarios/quickstart.toml", "--runs", "2000"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "warning: scenarios/quickstart.toml: 2,000 spot runs are too few to measure rare \
             stops: MaxRuntimeExceeded in 2 runs (0.10 %, 95 % interval"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("  hint: ten times the runs see about ten times the stops: --runs 20,000"),
        "{stderr}"
    );
    // A handful of runs and no stop at all: the rule of three bounds what could hide.
    let output = spotsim()
        .args(["run", "scenarios/quickstart.toml", "--runs", "50"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("in none, so a risk below 6.00 % would go unseen (the 95 % upper bound"),
        "{stderr}"
    );
}
