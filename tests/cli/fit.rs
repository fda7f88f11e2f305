//! `spotsim fit trace`: numbers and sections from a trace.

use serde_json::Value;

use super::{spotsim, stdout_of, write_file};

#[test]
fn fits_a_hand_made_trace() {
    let dir = tempfile::tempdir().unwrap();
    // Ticks of 1 h: up 2, down 1, up 3, down 2, up 1.
    let path = write_file(
        dir.path(),
        "t.json",
        r#"{"metadata": {"gap_seconds": 3600}, "data": [1,1,0,1,1,1,0,0,1]}"#,
    );
    let json =
        stdout_of(spotsim().args(["fit", "trace", path.to_str().unwrap(), "--format", "json"]));
    let fit: Value = serde_json::from_str(&json).unwrap();
    assert!((fit["availability"].as_f64().unwrap() - 6.0 / 9.0).abs() < 1e-12);
    assert!((fit["interruptions_per_hour"].as_f64().unwrap() - 2.0 / 6.0).abs() < 1e-12);
    assert_eq!(fit["mean_available_s"], 7200.0);
    assert_eq!(fit["mean_unavailable_s"], 5400.0);
    let markov = fit["markov_section"].as_str().unwrap();
    assert!(markov.contains("mean_available = 7200") && markov.contains("mean_unavailable = 5400"));
    // The section pastes into a valid scenario.
    let scenario = write_file(
        dir.path(),
        "s.toml",
        &format!(
            "[job]\ntraining = \"1h\"\n[stopping]\nmax_wait = \"2d\"\n[spot]\nenabled = true\n\
             discount = 0.6\n{markov}[pricing]\non_demand_hourly = 1\n"
        ),
    );
    stdout_of(spotsim().args(["validate", scenario.to_str().unwrap()]));
    let table = stdout_of(spotsim().args(["fit", "trace", path.to_str().unwrap()]));
    assert!(
        table.contains("availability         66.7 % of the time"),
        "{table}"
    );
}

#[test]
fn a_bad_trace_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "events.csv", "0,add,a\n10,remove,b\n");
    spotsim()
        .args(["fit", "trace", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "events.csv:2: removes node \"b\", which was never added",
        ));
    spotsim()
        .args(["fit", "trace", "no-such-trace.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no-such-trace.json: cannot read the trace",
        ));
}

#[test]
fn fits_saved_describe_training_job_documents() {
    let json = stdout_of(spotsim().args([
        "fit",
        "jobs",
        "tests/fixtures/jobs/bert-on-demand.json",
        "tests/fixtures/jobs/distilbert-spot.json",
        "tests/fixtures/jobs/resnet-spot-interrupted.json",
        "--format",
        "json",
    ]));
    let fit: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (fit["jobs"].as_u64(), fit["spot_jobs"].as_u64()),
        (Some(3), Some(2))
    );
    // Spot jobs: Training 874 + 11880, Billable 262 + 3564.
    let discount = fit["discount"].as_f64().unwrap();
    assert!(
        (discount - (1.0 - 3826.0 / 12_754.0)).abs() < 1e-12,
        "{discount}"
    );
    assert_eq!(fit["interruptions"], 1);
    assert_eq!(fit["instance_count"], 1);
    let hours = 12_754.0 / 3600.0;
    assert!((fit["interruptions_per_hour"].as_f64().unwrap() - 1.0 / hours).abs() < 1e-12);
    // Garwood's exact 95 % interval for 1 event: [0.0253, 5.5716] / hours.
    let interval = fit["interruptions_per_hour_95"].as_array().unwrap();
    assert!(
        (interval[0].as_f64().unwrap() * hours - 0.025_318).abs() < 1e-5,
        "{interval:?}"
    );
    assert!(
        (interval[1].as_f64().unwrap() * hours - 5.571_643).abs() < 1e-5,
        "{interval:?}"
    );
    // Starting periods of the spot jobs: 111 s, 540 s, 2400 s (the on-demand job's 83 s of
    // provisioning is no capacity wait); downloads of all jobs: 20, 31, 180, 180 s.
    assert_eq!(fit["starting"]["count"], 3);
    assert_eq!(fit["starting"]["mean_s"], (111.0 + 540.0 + 2400.0) / 3.0);
    assert_eq!(
        fit["downloading"]["mean_s"],
        (20.0 + 31.0 + 180.0 + 180.0) / 4.0
    );
    // The suggested scenario is a valid starting point.
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "from-jobs.toml",
        fit["scenario"].as_str().unwrap(),
    );
    stdout_of(spotsim().args(["validate", path.to_str().unwrap()]));
}

#[test]
fn a_document_that_is_not_a_job_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "broken.json", "{\"TrainingJobName\": 3}");
    spotsim()
        .args(["fit", "jobs", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("broken.json:1:").and(predicates::str::contains(
                "not a DescribeTrainingJob document",
            )),
        );
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn other_json_is_not_taken_for_a_job_and_degenerate_traces_get_no_markov_paste() {
    let dir = tempfile::tempdir().unwrap();
    let prices = write_file(dir.path(), "prices.json", r#"{"SpotPriceHistory": []}"#);
    spotsim()
        .args(["fit", "jobs", prices.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "prices.json: not a DescribeTrainingJob document",
        ));
    let always = write_file(
        dir.path(),
        "always.json",
        r#"{"metadata": {"gap_seconds": 60}, "data": [1, 1, 1]}"#,
    );
    let json =
        stdout_of(spotsim().args(["fit", "trace", always.to_str().unwrap(), "--format", "json"]));
    let fit: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(fit["availability"], 1.0);
    assert!(
        fit["markov_section"]
            .as_str()
            .unwrap()
            .starts_with("# No Markov model"),
        "{json}"
    );
}
