//! `spotsim import`: CreateTrainingJob requests and DescribeTrainingJob documents become
//! scenarios that `validate` and `run` accept; requests the service would reject are bad input;
//! a traced run comes back with its training length and limits.

use std::path::Path;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;

use super::{spotsim, stdout_of, write_file};

/// stdout and stderr of a successful `spotsim import KIND FILE`.
fn import(kind: &str, file: &str) -> (String, String) {
    import_with(kind, file, &[])
}

/// As [`import`], with more arguments.
fn import_with(kind: &str, file: &str, extra: &[&str]) -> (String, String) {
    let output = spotsim()
        .args(["import", kind, file])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .clone();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The value an import writes for a price spotsim does not know.
const PRICE_PLACEHOLDER: &str = "on_demand_hourly = \"SET ME: USD per instance-hour\"";

/// Writes `toml` to a temporary file and checks that `validate` and a short `run` accept it;
/// returns `validate`'s output. While the scenario holds the price placeholder, both refuse it
/// first (exit 2, naming the key and what to do); the user's price then goes in its place.
fn validate_and_run(dir: &Path, name: &str, toml: &str) -> String {
    let toml = if toml.contains(PRICE_PLACEHOLDER) {
        let path = write_file(dir, name, toml);
        let path = path.to_str().unwrap();
        for args in [vec!["validate", path], vec!["run", path, "--runs", "400"]] {
            spotsim().args(&args).assert().code(2).stdout("").stderr(
                contains("pricing.on_demand_hourly (\"SET ME").and(contains(
                    "must be a number, not text: set it to the on-demand price",
                )),
            );
        }
        toml.replace(PRICE_PLACEHOLDER, "on_demand_hourly = 12.5")
    } else {
        toml.to_string()
    };
    let path = write_file(dir, name, &toml);
    let path = path.to_str().unwrap();
    let validated = stdout_of(spotsim().args(["validate", path]));
    let json = stdout_of(spotsim().args(["run", path, "--runs", "400", "--format", "json", "-q"]));
    let report: Value = serde_json::from_str(&json).unwrap();
    assert!(report.is_object(), "{json}");
    validated
}

/// The scenario's comments as one line of prose: wrapped comment lines joined back.
fn prose(toml: &str) -> String {
    toml.replace("\n#   ", " ").replace("\n# ", " ")
}

/// A key of an imported scenario, as TOML.
fn key<'t>(scenario: &'t toml::Table, path: &str) -> &'t toml::Value {
    let (table, key) = path.split_once('.').unwrap();
    &scenario[table][key]
}

#[test]
fn a_spot_request_with_checkpoints_becomes_a_scenario_that_runs() {
    let (toml, note) = import(
        "create-training-job",
        "tests/fixtures/requests/spot-checkpoints.json",
    );
    insta::assert_snapshot!("spot_request_scenario", toml);
    insta::assert_snapshot!("spot_request_note", note);
    let dir = tempfile::tempdir().unwrap();
    let validated = validate_and_run(dir.path(), "job.toml", &toml);
    assert!(
        validated.contains("MaxRuntimeInSeconds 36000"),
        "{validated}"
    );
    assert!(
        validated.contains("MaxWaitTimeInSeconds 72000"),
        "{validated}"
    );
    assert!(validated.contains("[spot] managed spot training enabled"));
}

#[test]
fn an_on_demand_request_becomes_an_on_demand_scenario() {
    let (toml, note) = import(
        "create-training-job",
        "tests/fixtures/requests/on-demand.json",
    );
    insta::assert_snapshot!("on_demand_request_scenario", toml);
    // The CPU template's placeholders for an ml.m5 job; the market is there to switch on.
    assert!(note.contains("job.training"), "{note}");
    assert!(note.contains("spot.discount"), "{note}");
    let dir = tempfile::tempdir().unwrap();
    let validated = validate_and_run(dir.path(), "od.toml", &toml);
    assert!(validated.contains("none (on-demand)"), "{validated}");
    assert!(validated.contains("[spot] not enabled"), "{validated}");
    // The placeholder training fits in the request's one hour: no warning but the one about
    // the placeholders themselves (issue 15).
    let priced = toml.replace(PRICE_PLACEHOLDER, "on_demand_hourly = 0.23");
    let path = write_file(dir.path(), "od.toml", &priced);
    let output = spotsim()
        .args(["validate", path.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("marked `# ASSUMED`"), "{stderr}");
}

#[test]
fn a_multi_instance_request_keeps_its_cluster_and_placeholders_for_its_family() {
    let (toml, note) = import(
        "create-training-job",
        "tests/fixtures/requests/multi-instance.json",
    );
    let scenario: toml::Table = toml.parse().unwrap();
    assert_eq!(
        key(&scenario, "job.instance_type").as_str(),
        Some("ml.p4d.24xlarge")
    );
    assert_eq!(key(&scenario, "job.instance_count").as_integer(), Some(4));
    assert_eq!(
        key(&scenario, "stopping.max_run").as_integer(),
        Some(432_000)
    );
    assert_eq!(
        key(&scenario, "stopping.max_wait").as_integer(),
        Some(864_000)
    );
    // Issue 15, item 3: spotsim knows no price for it, so the user sets it; not the GPU
    // template's price for another type.
    assert!(toml.contains(PRICE_PLACEHOLDER), "{toml}");
    assert!(
        prose(&toml)
            .contains("spotsim knows no price for ml.p4d.24xlarge: set its on-demand price"),
        "{toml}"
    );
    assert!(!toml.contains("1.515"), "{toml}");
    assert!(note.contains("pricing.on_demand_hourly"), "{note}");
    let (priced, priced_note) = import_with(
        "create-training-job",
        "tests/fixtures/requests/multi-instance.json",
        &["--price-per-hour", "37.688"],
    );
    assert_eq!(
        key(&priced.parse().unwrap(), "pricing.on_demand_hourly").as_float(),
        Some(37.688)
    );
    assert!(prose(&priced).contains("from --price-per-hour"), "{priced}");
    assert!(
        !priced_note.contains("pricing.on_demand_hourly"),
        "{priced_note}"
    );
    spotsim()
        .args([
            "import",
            "create-training-job",
            "tests/fixtures/requests/multi-instance.json",
            "--price-per-hour=0",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("--price-per-hour (0) must be greater than zero"));
    let dir = tempfile::tempdir().unwrap();
    let validated = validate_and_run(dir.path(), "multi.toml", &toml);
    assert!(validated.contains("ml.p4d.24xlarge × 4"), "{validated}");
    assert!(
        validated.contains("first reclaim of the cluster"),
        "{validated}"
    );
}

#[test]
fn requests_the_service_would_reject_are_bad_input_and_write_nothing() {
    let cases = [
        (
            "max-wait-without-spot.json",
            "tests/fixtures/requests/max-wait-without-spot.json: \
             StoppingCondition.MaxWaitTimeInSeconds (28800) is rejected without managed spot \
             (\"Invalid MaxWaitTimeInSeconds. It is only supported when \
             EnableManagedSpotTraining is set to true\")",
        ),
        (
            "spot-without-max-wait.json",
            "tests/fixtures/requests/spot-without-max-wait.json: \
             StoppingCondition.MaxWaitTimeInSeconds is required with EnableManagedSpotTraining \
             = true: the service rejects spot without it.",
        ),
        (
            "max-wait-below-max-run.json",
            "tests/fixtures/requests/max-wait-below-max-run.json: \
             StoppingCondition.MaxWaitTimeInSeconds (3600) must be at least \
             StoppingCondition.MaxRuntimeInSeconds (14400)",
        ),
        (
            "max-run-too-long.json",
            "tests/fixtures/requests/max-run-too-long.json: \
             StoppingCondition.MaxRuntimeInSeconds (2592000) must be from 1 to 2419200 (28 \
             days)",
        ),
        (
            "not-a-request.json",
            "tests/fixtures/requests/not-a-request.json: not a CreateTrainingJob request: it \
             has no ResourceConfig",
        ),
    ];
    for (file, message) in cases {
        let path = format!("tests/fixtures/requests/{file}");
        spotsim()
            .args(["import", "create-training-job", &path])
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains(message));
    }
}

#[test]
fn every_problem_of_a_request_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "bad.json",
        r#"{"TrainingJobName": "bad",
            "ResourceConfig": {"InstanceType": "p3.2xlarge", "InstanceCount": 0},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3000000, "MaxWaitTimeInSeconds": 60},
            "EnableManagedSpotTraining": false}"#,
    );
    let output = spotsim()
        .args(["import", "create-training-job", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stdout("")
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    for (line, what) in lines.iter().zip([
        "ResourceConfig.InstanceType (\"p3.2xlarge\") must be a SageMaker instance type",
        "ResourceConfig.InstanceCount (0) must be a whole number of instances, at least 1",
        "StoppingCondition.MaxRuntimeInSeconds (3000000) must be from 1 to 2419200",
        "StoppingCondition.MaxWaitTimeInSeconds (60) is rejected without managed spot",
    ]) {
        assert!(
            line.starts_with(&format!("{}: {what}", path.display())),
            "{line}"
        );
    }
}

#[test]
fn unreadable_and_malformed_files_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["create-training-job", "describe-training-job"] {
        spotsim()
            .args(["import", kind, "no-such-file.json"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains("no-such-file.json: cannot read the"));
        let broken = write_file(dir.path(), "broken.json", "{\"ResourceConfig\": {");
        spotsim()
            .args(["import", kind, broken.to_str().unwrap()])
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains("broken.json:1:").and(contains("not a")));
        let binary = dir.path().join("binary.json");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        spotsim()
            .args(["import", kind, binary.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(contains("binary.json: cannot read the"));
    }
    // Each command points at the other when given the other's document.
    spotsim()
        .args([
            "import",
            "create-training-job",
            "tests/fixtures/jobs/distilbert-spot.json",
        ])
        .assert()
        .code(2)
        .stderr(contains("use `spotsim import describe-training-job`"));
    spotsim()
        .args([
            "import",
            "describe-training-job",
            "tests/fixtures/requests/on-demand.json",
        ])
        .assert()
        .code(2)
        .stderr(contains("use `spotsim import create-training-job`"));
}

#[test]
fn a_described_interrupted_spot_job_is_replayed() {
    let (toml, note) = import(
        "describe-training-job",
        "tests/fixtures/jobs/resnet-spot-interrupted.json",
    );
    insta::assert_snapshot!("resnet_replay_scenario", toml);
    insta::assert_snapshot!("resnet_replay_note", note);
    let dir = tempfile::tempdir().unwrap();
    validate_and_run(dir.path(), "resnet.toml", &toml);
}

#[test]
fn every_saved_job_fixture_imports_to_a_scenario_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    for (file, spot) in [
        ("bert-on-demand.json", false),
        ("distilbert-spot.json", true),
        ("resnet-spot-interrupted.json", true),
    ] {
        let (toml, _) = import(
            "describe-training-job",
            &format!("tests/fixtures/jobs/{file}"),
        );
        assert!(
            prose(&toml).starts_with(&format!(
                "# A spotsim scenario imported by `spotsim import describe-training-job` from \
                 tests/fixtures/jobs/{file}: a replay of the training job"
            )),
            "{toml}"
        );
        let scenario: toml::Table = toml.parse().unwrap();
        assert_eq!(key(&scenario, "spot.enabled").as_bool(), Some(spot));
        validate_and_run(dir.path(), &format!("{file}.toml"), &toml);
    }
    // DistilBERT (spec §6): 874 s training, 262 s billable, so a 70.0 % discount.
    let (toml, _) = import(
        "describe-training-job",
        "tests/fixtures/jobs/distilbert-spot.json",
    );
    let scenario: toml::Table = toml.parse().unwrap();
    assert_eq!(key(&scenario, "spot.discount").as_float(), Some(0.7002));
    assert_eq!(key(&scenario, "job.training").as_integer(), Some(798));
}

/// A job that is never interrupted: its traced Training period is its work plus its saves.
const STEADY: &str = r#"[job]
name = "steady"
instance_type = "ml.g5.2xlarge"
instance_count = 2
training = { dist = "lognormal", median = "3h", sigma = 0.2 }
provisioning = "2m"
download = "5m"
upload = "1m"
[stopping]
max_run = "5h"
max_wait = "10h"
[spot]
enabled = true
capacity_wait = { dist = "exponential", mean = "10m" }
time_to_interruption = "never"
discount = 0.7
[checkpoint]
interval = "30m"
save = "30s"
restore = "1m"
[pricing]
on_demand_hourly = 1.515
"#;

#[test]
fn a_traced_run_comes_back_with_its_training_length_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "steady.toml", STEADY);
    let document = stdout_of(spotsim().args(["trace", scenario.to_str().unwrap(), "--run", "5"]));
    let traced: Value = serde_json::from_str(&document).unwrap();
    assert_eq!(traced["spotsim"]["outcome"], "Completed");
    let job_path = write_file(dir.path(), "run-5.json", &document);
    let (toml, note) = import("describe-training-job", job_path.to_str().unwrap());
    let imported: toml::Table = toml.parse().unwrap();

    // The Training period holds the run's work and its checkpoint saves (no restore: one
    // attempt); timestamps keep microseconds.
    let extra = &traced["spotsim"];
    let expected_training = extra["work_required_s"].as_f64().unwrap()
        + extra["billed"]["save_s"].as_f64().unwrap()
        + extra["billed"]["restore_s"].as_f64().unwrap();
    let training = key(&imported, "job.training").as_float().unwrap();
    assert!(
        (training - expected_training).abs() < 2e-3,
        "{training} against {expected_training}"
    );
    assert_eq!(key(&imported, "job.download").as_integer(), Some(300));
    assert_eq!(key(&imported, "job.upload").as_integer(), Some(60));
    assert_eq!(key(&imported, "job.instance_count").as_integer(), Some(2));
    assert_eq!(
        key(&imported, "stopping.max_run").as_integer(),
        Some(18_000)
    );
    assert_eq!(
        key(&imported, "stopping.max_wait").as_integer(),
        Some(36_000)
    );
    // Starting is the run's wait plus its 2 minutes of provisioning.
    let wait = key(&imported, "spot.capacity_wait")["mean"]
        .as_float()
        .unwrap();
    let expected_wait = extra["waiting_s"].as_f64().unwrap() + 120.0;
    assert!(
        (wait - expected_wait).abs() < 2e-3,
        "{wait} against {expected_wait}"
    );
    // The discount from whole seconds: within a second's worth of 0.7.
    let discount = key(&imported, "spot.discount").as_float().unwrap();
    assert!((discount - 0.7).abs() < 1e-3, "{discount}");
    // Never interrupted: the market is assumed, and said to be.
    assert!(note.contains("spot.time_to_interruption"), "{note}");
    assert!(note.contains("checkpoint.interval"), "{note}");
    validate_and_run(dir.path(), "replay.toml", &toml);
}

#[test]
fn a_traced_interrupted_run_gives_a_market_and_an_upper_bound_on_training() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(
        dir.path(),
        "choppy.toml",
        &STEADY.replace(
            "time_to_interruption = \"never\"",
            "time_to_interruption = { dist = \"exponential\", mean = \"2h\" }",
        ),
    );
    // The first completed run with an interruption.
    let (document, traced) = (0..50)
        .map(|run| {
            let text = stdout_of(spotsim().args([
                "trace",
                scenario.to_str().unwrap(),
                "--run",
                &run.to_string(),
            ]));
            let json: Value = serde_json::from_str(&text).unwrap();
            (text, json)
        })
        .find(|(_, json)| {
            json["spotsim"]["interruptions"].as_u64() > Some(0)
                && json["spotsim"]["outcome"] == "Completed"
        })
        .expect("an interrupted run among the first 50");
    let job_path = write_file(dir.path(), "interrupted.json", &document);
    let (toml, note) = import("describe-training-job", job_path.to_str().unwrap());
    let imported: toml::Table = toml.parse().unwrap();
    let extra = &traced["spotsim"];
    // All Training periods: the work, the saves, the restores and the work redone.
    let billed = &extra["billed"];
    let all_training = billed["train_s"].as_f64().unwrap()
        + billed["save_s"].as_f64().unwrap()
        + billed["restore_s"].as_f64().unwrap();
    let training = key(&imported, "job.training").as_float().unwrap();
    assert!(
        (training - all_training).abs() < 1e-2,
        "{training} against {all_training}"
    );
    assert!(training >= extra["work_required_s"].as_f64().unwrap());
    assert!(note.contains("job.training"), "{note}");
    // Interruptions per instance-hour of running, as `fit jobs` counts them.
    let interruptions = extra["interruptions"].as_f64().unwrap();
    let instance_s = traced["TrainingTimeInSeconds"].as_f64().unwrap() * 2.0;
    let mean = key(&imported, "spot.time_to_interruption")["mean"]
        .as_integer()
        .unwrap() as f64;
    assert!(
        (mean - (instance_s / interruptions).round()).abs() < 1.0,
        "{mean}"
    );
    validate_and_run(dir.path(), "replay.toml", &toml);
}

#[test]
fn import_help_has_an_example() {
    for kind in ["create-training-job", "describe-training-job"] {
        spotsim()
            .args(["import", kind, "--help"])
            .assert()
            .success()
            .stdout(contains("Example:").and(contains(format!("spotsim import {kind}"))));
    }
}

/// Issue 15, item 3: an imported scenario with placeholders marked `# ASSUMED` (here the
/// training length and the market; the price is the user's) makes every command that prints a
/// cost warn, naming the keys, and the review shows it above its recommendation.
#[test]
fn every_command_that_prints_a_cost_warns_about_assumed_keys() {
    let (toml, _) = import_with(
        "create-training-job",
        "tests/fixtures/requests/multi-instance.json",
        &["--price-per-hour", "37.688"],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "p4d.toml", &toml);
    let path = path.to_str().unwrap();
    let page = dir.path().join("review.html");
    let page_arg = page.to_str().unwrap();
    for args in [
        vec!["run", path, "--runs", "300", "-q"],
        vec!["validate", path],
        vec![
            "sweep",
            path,
            "--set",
            "spot.discount=0.6,0.7",
            "--runs",
            "300",
            "-q",
        ],
        vec!["compare", path, path, "--runs", "300", "-q"],
        vec!["recommend", path, "--runs", "2000", "-q"],
        vec!["trace", path, "--run", "0"],
        vec!["report", path, "-o", page_arg, "--runs", "300", "-q"],
    ] {
        let output = spotsim()
            .args(&args)
            .assert()
            .success()
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("marked `# ASSUMED`") && stderr.contains("job.training"),
            "{args:?}: {stderr}"
        );
    }
    let html = std::fs::read_to_string(&page).unwrap();
    let warning = html.find("job.training").expect("the review names the key");
    let recommendation = html.find("class=\"recommendation\"").unwrap();
    assert!(
        warning < recommendation,
        "the placeholder warning comes first"
    );
}
