//! `spotsim trace`: run `i` as a DescribeTrainingJob document is row `i` of `--runs-csv`, its
//! transitions keep the API's invariants, and the SDK-style log reads as a person expects.

use std::path::Path;

use serde_json::Value;
use spotsim::units::clock::Timestamp;

use super::{spotsim, stdout_of, write_file};

/// Limits tight enough that many runs stop: MaxWait = MaxRuntime = 4h for 3h of training with
/// frequent reclaims, a 5 m download and a 1 m upload.
const TIGHT: &str = r#"[job]
name = "tight"
instance_type = "ml.g5.xlarge"
training = "3h"
provisioning = "1m"
download = "5m"
upload = "1m"
[stopping]
max_run = "4h"
max_wait = "4h"
[spot]
enabled = true
capacity_wait = { dist = "exponential", mean = "15m" }
time_to_interruption = { dist = "exponential", mean = "1h" }
discount = 0.7
[checkpoint]
interval = "30m"
save = "30s"
restore = "1m"
[pricing]
on_demand_hourly = 1.4
"#;

/// The rows of `spotsim run SCENARIO --runs N --runs-csv` (plus any extra arguments).
fn runs_csv(scenario: &Path, runs: u32, extra: &[&str]) -> Vec<csv::StringRecord> {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("runs.csv");
    let runs = runs.to_string();
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--runs",
        &runs,
        "--runs-csv",
        csv_path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    spotsim().args(&args).assert().success();
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    reader.records().map(Result::unwrap).collect()
}

/// The JSON text of `spotsim trace SCENARIO --run I` (plus any extra arguments).
fn trace_text(scenario: &Path, run: usize, extra: &[&str]) -> String {
    let run = run.to_string();
    let mut args = vec!["trace", scenario.to_str().unwrap(), "--run", &run];
    args.extend_from_slice(extra);
    stdout_of(spotsim().args(&args))
}

/// `spotsim trace SCENARIO --run I` (plus any extra arguments) as JSON.
fn trace(scenario: &Path, run: usize, extra: &[&str]) -> Value {
    serde_json::from_str(&trace_text(scenario, run, extra)).unwrap()
}

fn time(value: &Value) -> Timestamp {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a timestamp: {value}"));
    assert!(
        text.ends_with("+00:00") && text.len() == "2026-01-01T00:00:00.000000+00:00".len(),
        "{text}"
    );
    Timestamp::parse_rfc3339(text).unwrap()
}

/// The number printed for `"key"` in the `spotsim` section of a trace's JSON text. Read from
/// the text with `str::parse`, which is exact: `serde_json`'s default float parser may miss the
/// last bit.
fn printed_number(json: &str, key: &str) -> f64 {
    let section = &json[json.find("\"spotsim\": {").unwrap()..];
    let field = format!("\"{key}\": ");
    let start = section.find(&field).unwrap_or_else(|| panic!("no {key}")) + field.len();
    let text = &section[start..];
    let end = text.find([',', '\n']).unwrap();
    text[..end].parse().unwrap()
}

/// The `spotsim` section holds row `row` of the CSV, number for number.
fn assert_matches_row(json: &str, row: &csv::StringRecord) {
    let doc: Value = serde_json::from_str(json).unwrap();
    let extra = &doc["spotsim"];
    assert_eq!(extra["run"].as_u64().unwrap().to_string(), &row[0]);
    assert_eq!(extra["outcome"], &row[1]);
    for (column, key) in [
        (2, "wall_s"),
        (3, "training_s"),
        (4, "billable_s"),
        (5, "cost_usd"),
        (6, "interruptions"),
        (7, "waiting_s"),
        (8, "lost_work_s"),
    ] {
        let csv_value: f64 = row[column].parse().unwrap();
        assert_eq!(
            printed_number(json, key),
            csv_value,
            "run {}: {key}",
            &row[0]
        );
    }
}

/// The invariants of a DescribeTrainingJob document that every run must keep.
fn assert_invariants(doc: &Value, bill_interrupted_attempt: bool) {
    let extra = &doc["spotsim"];
    let transitions = doc["SecondaryStatusTransitions"].as_array().unwrap();
    let status = |i: usize| transitions[i]["Status"].as_str().unwrap();
    let creation = time(&doc["CreationTime"]);

    // The first is Starting at creation; the entries are contiguous and in time order, and no
    // status follows itself.
    assert_eq!(status(0), "Starting");
    assert_eq!(time(&transitions[0]["StartTime"]), creation);
    for t in transitions {
        assert!(time(&t["StartTime"]) <= time(&t["EndTime"]), "{t}");
        assert!(!t["StatusMessage"].as_str().unwrap().is_empty());
    }
    for pair in transitions.windows(2) {
        assert_eq!(pair[0]["EndTime"], pair[1]["StartTime"]);
        assert_ne!(pair[0]["Status"], pair[1]["Status"]);
    }
    // Interrupted and Stopping take no time.
    for t in transitions
        .iter()
        .filter(|t| t["Status"] == "Interrupted" || t["Status"] == "Stopping")
    {
        assert_eq!(t["StartTime"], t["EndTime"]);
    }

    // The last matches the outcome, starts and ends when the job ends.
    let last = transitions.last().unwrap();
    let outcome = extra["outcome"].as_str().unwrap();
    assert_eq!(last["Status"], outcome);
    assert_eq!(doc["SecondaryStatus"], outcome);
    assert_eq!(
        doc["TrainingJobStatus"],
        if outcome == "Completed" {
            "Completed"
        } else {
            "Stopped"
        }
    );
    assert_eq!(last["StartTime"], last["EndTime"]);
    assert_eq!(last["EndTime"], doc["LastModifiedTime"]);
    let wall_s = extra["wall_s"].as_f64().unwrap();
    let end = time(&doc["LastModifiedTime"]);
    assert!(
        (end.seconds_since(creation) - wall_s).abs() <= 1e-6,
        "{wall_s}"
    );
    if outcome != "Completed" {
        assert!(transitions.iter().any(|t| t["Status"] == "Stopping"));
    }
    assert_eq!(
        transitions
            .iter()
            .filter(|t| t["Status"] == "Interrupted")
            .count() as u64,
        extra["interruptions"].as_u64().unwrap()
    );

    // TrainingStartTime is the first Downloading; both training times are absent when the job
    // never left Starting.
    if let Some(first) = transitions.iter().find(|t| t["Status"] == "Downloading") {
        assert_eq!(doc["TrainingStartTime"], first["StartTime"]);
        assert_eq!(doc["TrainingEndTime"], doc["LastModifiedTime"]);
    } else {
        assert!(doc.get("TrainingStartTime").is_none());
        assert!(doc.get("TrainingEndTime").is_none());
    }

    // Billed phases (Downloading, Training, Uploading; only the attempts no reclaim cut short
    // when those are not billed) add up to TrainingTimeInSeconds, from the printed timestamps:
    // each is rounded to the microsecond, so each duration is within 1 µs.
    let (mut billed_s, mut attempt_s) = (0.0, 0.0);
    for t in transitions {
        match t["Status"].as_str().unwrap() {
            "Downloading" | "Training" | "Uploading" => {
                attempt_s += time(&t["EndTime"]).seconds_since(time(&t["StartTime"]));
            }
            "Interrupted" => {
                if bill_interrupted_attempt {
                    billed_s += attempt_s;
                }
                attempt_s = 0.0;
            }
            _ => {}
        }
    }
    billed_s += attempt_s;
    let training_s = extra["training_s"].as_f64().unwrap();
    let tolerance_s = 1e-6 * transitions.len() as f64 + 1e-9 * training_s;
    assert!(
        (billed_s - training_s).abs() <= tolerance_s,
        "billed {billed_s} vs training_s {training_s}"
    );
    let whole = doc["TrainingTimeInSeconds"].as_u64().unwrap();
    assert_eq!(whole, training_s.round() as u64);
    assert!((billed_s - whole as f64).abs() <= 0.5 + tolerance_s);
    let billable = doc["BillableTimeInSeconds"].as_u64().unwrap();
    assert_eq!(
        billable,
        extra["billable_s"].as_f64().unwrap().round() as u64
    );
    let parts: f64 = ["download_s", "restore_s", "train_s", "save_s", "upload_s"]
        .iter()
        .map(|k| extra["billed"][k].as_f64().unwrap())
        .sum();
    assert!(
        (parts - training_s).abs() <= 1e-6,
        "{parts} vs {training_s}"
    );
    assert_eq!(
        extra["durable_checkpoints"].as_u64().unwrap() as usize,
        extra["checkpoints"].as_array().unwrap().len()
    );
}

#[test]
fn interrupted_reference_runs_are_the_rows_of_the_runs_csv() {
    let reference = Path::new("scenarios/reference.toml");
    let rows = runs_csv(reference, 60, &[]);
    let interrupted: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i][6].parse::<u32>().unwrap() >= 2)
        .take(4)
        .collect();
    assert_eq!(
        interrupted.len(),
        4,
        "the reference job is interrupted often"
    );
    for run in interrupted {
        let json = trace_text(reference, run, &[]);
        assert_matches_row(&json, &rows[run]);
        let doc: Value = serde_json::from_str(&json).unwrap();
        assert_invariants(&doc, true);
        assert_eq!(doc["TrainingJobName"], format!("reference-run-{run}"));
        assert_eq!(doc["EnableManagedSpotTraining"], true);
        assert_eq!(doc["CreationTime"], "2026-01-01T00:00:00.000000+00:00");
    }
}

#[test]
fn stopped_runs_keep_the_invariants_under_both_billing_rules() {
    let dir = tempfile::tempdir().unwrap();
    for bill in [true, false] {
        let text = TIGHT.replace(
            "discount = 0.7",
            &format!("discount = 0.7\nbill_interrupted_attempt = {bill}"),
        );
        let path = write_file(dir.path(), &format!("tight-{bill}.toml"), &text);
        // `--seed` overrides the scenario's seed for both commands alike.
        let rows = runs_csv(&path, 150, &["--seed", "7"]);
        let pick = |outcome: &str, interrupted: bool| {
            (0..rows.len()).find(|&i| {
                &rows[i][1] == outcome && (rows[i][6].parse::<u32>().unwrap() > 0) == interrupted
            })
        };
        let chosen: Vec<usize> = [
            pick("MaxWaitTimeExceeded", true),
            pick("MaxWaitTimeExceeded", false),
            pick("Completed", true),
            pick("Completed", false),
            pick("MaxRuntimeExceeded", true),
        ]
        .into_iter()
        .flatten()
        .collect();
        assert!(chosen.len() >= 3, "bill {bill}: {chosen:?}");
        assert!(chosen.iter().any(|&i| &rows[i][1] != "Completed"));
        for run in chosen {
            let json = trace_text(&path, run, &["--seed", "7"]);
            assert_matches_row(&json, &rows[run]);
            let doc: Value = serde_json::from_str(&json).unwrap();
            assert_invariants(&doc, bill);
            assert_eq!(doc["spotsim"]["seed"], 7);
            assert_eq!(doc["StoppingCondition"]["MaxWaitTimeInSeconds"], 14_400);
        }
    }
}

#[test]
fn a_reference_run_as_a_document() {
    let json = stdout_of(spotsim().args(["trace", "scenarios/reference.toml", "--run", "3"]));
    insta::assert_snapshot!(json);
}

#[test]
fn a_reference_run_as_sdk_log_lines() {
    let table = stdout_of(spotsim().args([
        "trace",
        "scenarios/reference.toml",
        "--run",
        "3",
        "--format",
        "table",
    ]));
    insta::assert_snapshot!(table);
}

#[test]
fn an_on_demand_run_has_no_max_wait_and_no_spot_savings() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "od.toml",
        "[job]\ntraining = \"2h\"\ndownload = 60\nupload = 120\nprovisioning = 45\n\
         [stopping]\nmax_run = \"1h\"\n[pricing]\non_demand_hourly = 2\n",
    );
    let table = stdout_of(spotsim().args([
        "trace",
        path.to_str().unwrap(),
        "--run",
        "0",
        "--format",
        "table",
    ]));
    // Stopped at max_run, then the upload: billed 3600 + 120 (docs/model.md).
    for line in [
        "od · 1 instance · on-demand at $2.00/h · run 0 · seed 1",
        "2026-01-01 00:00:00 Starting - Starting the training job",
        "2026-01-01 00:00:45 Downloading - Downloading input data",
        "2026-01-01 01:00:45 Stopping - Stopping the training job",
        "2026-01-01 01:00:45 Uploading - Uploading generated training model",
        "2026-01-01 01:02:45 MaxRuntimeExceeded - The job stopped because it exceeded the \
         maximum allowed runtime",
        "Training seconds: 3720",
        "Billable seconds: 3720",
        "  outcome",
    ] {
        assert!(table.contains(line), "missing {line:?} in\n{table}");
    }
    assert!(!table.contains("Spot"), "{table}");
    assert!(!table.contains("interruptions"), "{table}");

    let doc = trace(&path, 0, &[]);
    assert_invariants(&doc, true);
    assert_eq!(doc["EnableManagedSpotTraining"], false);
    assert_eq!(doc["TrainingJobStatus"], "Stopped");
    assert_eq!(doc["StoppingCondition"]["MaxRuntimeInSeconds"], 3600);
    assert!(
        doc["StoppingCondition"]
            .get("MaxWaitTimeInSeconds")
            .is_none()
    );
    assert!(doc.get("CheckpointConfig").is_none());
    assert!(doc["spotsim"].get("on_demand_cost_usd").is_none());
    let cost = doc["spotsim"]["cost_usd"].as_f64().unwrap();
    assert!((cost - 3720.0 * 2.0 / 3600.0).abs() < 1e-12, "{cost}");
}

#[test]
fn creation_time_follows_start_or_the_runs_own_clock() {
    // With --start, creation is that instant, printed in UTC.
    let doc = trace(
        Path::new("scenarios/reference.toml"),
        3,
        &["--start", "2026-07-01T09:30:00+02:00"],
    );
    assert_eq!(doc["CreationTime"], "2026-07-01T07:30:00.000000+00:00");
    assert_invariants(&doc, true);
    // Without it, a time-of-day scenario's job is created at its hour (start_hour = 9).
    let doc = trace(Path::new("scenarios/time-of-day.toml"), 0, &[]);
    assert_eq!(doc["CreationTime"], "2026-01-01T09:00:00.000000+00:00");
    assert_eq!(doc["spotsim"]["clock_offset_s"], 9.0 * 3600.0);
    let table = stdout_of(spotsim().args([
        "trace",
        "scenarios/time-of-day.toml",
        "--run",
        "0",
        "--format",
        "table",
    ]));
    assert!(
        table.contains("market clock          created at 09:00 of the time-of-day profile"),
        "{table}"
    );
}

#[test]
fn a_bad_start_or_scenario_is_refused_with_exit_code_2() {
    for (start, rule) in [
        (
            "2026-02-30T00:00:00Z",
            "has day 30, but February 2026 has 28 days",
        ),
        ("2026-01-01", "is not an RFC 3339 date and time"),
        ("2026-01-01T00:00:00", "has no time zone"),
        ("tomorrow", "write e.g. 2026-01-01T00:00:00Z"),
    ] {
        let output = spotsim()
            .args([
                "trace",
                "scenarios/reference.toml",
                "--run",
                "0",
                "--start",
                start,
            ])
            .assert()
            .code(2)
            .get_output()
            .clone();
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains(&format!("invalid value '{start}' for '--start <TIME>'"))
                && stderr.contains(rule),
            "{stderr}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "bad.toml", "[job]\ntraining = \"-5m\"\n");
    let output = spotsim()
        .args(["trace", path.to_str().unwrap(), "--run", "0"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "{}:2:12: job.training (\"-5m\") must not be negative",
            path.display()
        )),
        "{stderr}"
    );
}

#[test]
fn fit_jobs_reads_a_traced_run_back() {
    let dir = tempfile::tempdir().unwrap();
    let json = stdout_of(spotsim().args(["trace", "scenarios/reference.toml", "--run", "3"]));
    let doc: Value = serde_json::from_str(&json).unwrap();
    let path = write_file(dir.path(), "run-3.json", &json);
    let fit: Value = serde_json::from_str(&stdout_of(spotsim().args([
        "fit",
        "jobs",
        path.to_str().unwrap(),
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(fit["spot_jobs"], 1);
    assert_eq!(fit["interruptions"], doc["spotsim"]["interruptions"]);
    // The reference job downloads for exactly 2 minutes at every start.
    assert_eq!(fit["downloading"]["median_s"], 120.0);
    let discount = fit["discount"].as_f64().unwrap();
    assert!((discount - 0.7).abs() < 1e-3, "{discount}");
}

/// Seconds in the billed statuses (Downloading, Training, Uploading) of one document.
fn billed_statuses_s(doc: &Value) -> f64 {
    doc["SecondaryStatusTransitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            matches!(
                t["Status"].as_str(),
                Some("Downloading" | "Training" | "Uploading")
            )
        })
        .map(|t| time(&t["EndTime"]).seconds_since(time(&t["StartTime"])))
        .sum()
}

/// The first run of `scenario` (seed 1) that went on-demand: its index and its two documents.
fn first_fallback_run(path: &str) -> (usize, Vec<Value>) {
    (0..60)
        .find_map(|run| {
            let json: Value = serde_json::from_str(&stdout_of(spotsim().args([
                "trace",
                path,
                "--run",
                &run.to_string(),
            ])))
            .unwrap();
            json.as_array().map(|docs| (run, docs.clone()))
        })
        .expect("some run of 60 goes on-demand")
}

#[test]
fn a_fallback_run_shows_both_jobs_linked_by_the_checkpoint_uri() {
    let dir = tempfile::tempdir().unwrap();
    // After the second interruption the scheduler goes on-demand, 10 minutes after the stop.
    let scenario = write_file(
        dir.path(),
        "tight.toml",
        &TIGHT
            .replace(
                "[pricing]",
                "[fallback]\nwhen = \"interruptions\"\ninterruptions = 2\nreaction = \"10m\"\n\
                 [pricing]",
            )
            .replace(
                "max_run = \"4h\"\nmax_wait = \"4h\"",
                "max_run = \"1d\"\nmax_wait = \"1d\"",
            ),
    );
    let path = scenario.to_str().unwrap();
    let (run, docs) = first_fallback_run(path);
    assert_eq!(docs.len(), 2, "two DescribeTrainingJob documents");
    let (spot, od) = (&docs[0], &docs[1]);
    let name = spot["TrainingJobName"].as_str().unwrap();
    assert_eq!(name, format!("tight-run-{run}"));
    assert_eq!(od["TrainingJobName"], format!("{name}-on-demand"));

    // Linked by the same checkpoint URI, which the spot document also names the new job by.
    let uri = spot["CheckpointConfig"]["S3Uri"].as_str().unwrap();
    assert_eq!(od["CheckpointConfig"]["S3Uri"], uri);
    assert_eq!(od["CheckpointConfig"]["LocalPath"], "/opt/ml/checkpoints");
    let link = &spot["spotsim"]["on_demand_fallback"];
    assert_eq!(link["checkpoint_s3_uri"], uri);
    assert_eq!(link["training_job_name"], od["TrainingJobName"]);
    assert_eq!(link["creation_time"], od["CreationTime"]);

    // The spot job ends Stopped by the scheduler's StopTrainingJob (spec §2), after its two
    // interruptions; its final status starts and ends when it ends.
    assert_eq!(spot["EnableManagedSpotTraining"], true);
    assert_eq!(spot["TrainingJobStatus"], "Stopped");
    assert_eq!(spot["SecondaryStatus"], "Stopped");
    assert_eq!(spot["StoppingCondition"]["MaxWaitTimeInSeconds"], 86_400);
    let spot_transitions = spot["SecondaryStatusTransitions"].as_array().unwrap();
    let statuses: Vec<&str> = spot_transitions
        .iter()
        .map(|t| t["Status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses[..2], ["Starting", "Downloading"]);
    assert_eq!(statuses[statuses.len() - 2..], ["Stopping", "Stopped"]);
    assert_eq!(statuses.iter().filter(|s| **s == "Interrupted").count(), 2);
    let stopped = spot_transitions.last().unwrap();
    assert_eq!(
        stopped["StatusMessage"],
        "Training job stopped by StopTrainingJob"
    );
    assert_eq!(stopped["StartTime"], stopped["EndTime"]);
    assert_eq!(stopped["EndTime"], spot["LastModifiedTime"]);
    for pair in spot_transitions.windows(2) {
        assert_eq!(pair[0]["EndTime"], pair[1]["StartTime"]);
    }

    // The on-demand job is a new job: created 10 minutes after the stop, no MaxWait, the
    // lifecycle Starting, Downloading, Training, Uploading, Completed, every second billed.
    assert_eq!(od["EnableManagedSpotTraining"], false);
    assert_eq!(od["TrainingJobStatus"], "Completed");
    assert_eq!(od["SecondaryStatus"], "Completed");
    assert_eq!(od["StoppingCondition"]["MaxRuntimeInSeconds"], 86_400);
    assert!(
        od["StoppingCondition"]
            .get("MaxWaitTimeInSeconds")
            .is_none()
    );
    assert_eq!(
        time(&od["CreationTime"]).seconds_since(time(&spot["LastModifiedTime"])),
        600.0
    );
    let od_transitions = od["SecondaryStatusTransitions"].as_array().unwrap();
    let statuses: Vec<&str> = od_transitions
        .iter()
        .map(|t| t["Status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "Starting",
            "Downloading",
            "Training",
            "Uploading",
            "Completed"
        ]
    );
    assert_eq!(od_transitions[0]["StartTime"], od["CreationTime"]);
    assert_eq!(
        od_transitions[0]["StatusMessage"],
        "Starting the training job"
    );
    assert_eq!(od["TrainingTimeInSeconds"], od["BillableTimeInSeconds"]);

    // Each job's billed statuses add up to its TrainingTimeInSeconds; the two jobs add up to
    // the run's row of --runs-csv, which the spot document's `spotsim` section holds.
    for doc in [spot, od] {
        let whole = doc["TrainingTimeInSeconds"].as_f64().unwrap();
        assert!(
            (billed_statuses_s(doc) - whole).abs() <= 0.5 + 1e-5,
            "{doc}"
        );
        assert_eq!(
            whole,
            doc["spotsim"]["job"]["training_s"]
                .as_f64()
                .unwrap()
                .round()
        );
    }
    let rows = runs_csv(&scenario, run as u32 + 1, &[]);
    let row = &rows[run];
    let extra = &spot["spotsim"];
    assert_eq!(
        extra["cost_usd"].as_f64().unwrap(),
        row[5].parse::<f64>().unwrap()
    );
    let job_cost = |doc: &Value| doc["spotsim"]["job"]["cost_usd"].as_f64().unwrap();
    let total = extra["cost_usd"].as_f64().unwrap();
    assert!((job_cost(spot) + job_cost(od) - total).abs() <= 1e-9 * total);
    let job_training = |doc: &Value| doc["spotsim"]["job"]["training_s"].as_f64().unwrap();
    let training = extra["training_s"].as_f64().unwrap();
    assert!((job_training(spot) + job_training(od) - training).abs() <= 1e-6);
    assert_eq!(od["spotsim"]["job"]["role"], "on-demand fallback");
    assert_eq!(od["spotsim"]["spot_training_job_name"], name);
    assert_eq!(od["spotsim"]["when"], "interruptions");

    // The SDK log of each job, the second announced by the scheduler's switch.
    let log = stdout_of(spotsim().args([
        "trace",
        path,
        "--run",
        &run.to_string(),
        "--format",
        "table",
    ]));
    let switch = format!(
        "[fallback] the scheduler stopped {name} and created the on-demand job {name}-on-demand \
         with the same CheckpointConfig.S3Uri {uri}"
    );
    let at = log.find(&switch).unwrap_or_else(|| panic!("{log}"));
    let (spot_log, od_log) = log.split_at(at);
    assert!(
        spot_log.contains(&format!("TrainingJobName {name}\n")),
        "{log}"
    );
    assert!(spot_log.contains("Stopped - Training job stopped by StopTrainingJob"));
    assert!(spot_log.contains("Managed Spot Training savings: "));
    assert!(
        od_log.contains(&format!("TrainingJobName {name}-on-demand\n")),
        "{log}"
    );
    assert!(od_log.contains("Completed - Training job completed"));
    assert!(!od_log.contains("Managed Spot Training savings"));
    assert!(!od_log.contains("Interrupted"));
    assert_eq!(log.matches("Training seconds: ").count(), 2);
    assert!(
        log.contains("when = \"interruptions\": the spot job was stopped"),
        "{log}"
    );

    // `spotsim fit jobs` reads the pair like two real documents: one spot job, one other.
    let file = write_file(dir.path(), "pair.json", &trace_text(&scenario, run, &[]));
    let fit: Value = serde_json::from_str(&stdout_of(spotsim().args([
        "fit",
        "jobs",
        file.to_str().unwrap(),
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(fit["jobs"], 2);
    assert_eq!(fit["spot_jobs"], 1);
    assert_eq!(fit["interruptions"], 2);
}

#[test]
fn a_max_wait_fallback_run_shows_the_spot_job_at_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    // TIGHT stops often at MaxWait (4h); the on-demand job then finishes the work.
    let scenario = write_file(
        dir.path(),
        "tight.toml",
        &TIGHT.replace("[pricing]", "[fallback]\nwhen = \"max_wait\"\n[pricing]"),
    );
    let (_, docs) = first_fallback_run(scenario.to_str().unwrap());
    let (spot, od) = (&docs[0], &docs[1]);
    assert_eq!(spot["TrainingJobStatus"], "Stopped");
    assert_eq!(spot["SecondaryStatus"], "MaxWaitTimeExceeded");
    let creation = time(&spot["CreationTime"]);
    // MaxWait (4h) stops the job; the upload of its artifacts, if an instance ran, follows.
    let stopping = spot["SecondaryStatusTransitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["Status"] == "Stopping")
        .unwrap();
    assert_eq!(
        time(&stopping["StartTime"]).seconds_since(creation),
        4.0 * 3600.0
    );
    // No reaction by default: the on-demand job is created when the spot job ends.
    assert_eq!(od["CreationTime"], spot["LastModifiedTime"]);
    assert_eq!(od["CheckpointConfig"], spot["CheckpointConfig"]);
    assert_eq!(od["EnableManagedSpotTraining"], false);
    assert_eq!(od["StoppingCondition"]["MaxRuntimeInSeconds"], 4 * 3600);
    assert_eq!(od["spotsim"]["when"], "max_wait");
}

/// A 20-hour single ml.p4d.24xlarge job, the issue 15 check: a day or more of wall time.
pub(crate) const P4D_20H: &str = r#"[job]
name = "p4d-20h"
instance_type = "ml.p4d.24xlarge"
training = { dist = "lognormal", median = "20h", sigma = 0.1 }
provisioning = { dist = "uniform", min = "3m", max = "8m" }
download = "10m"
upload = "5m"
[stopping]
max_run = "1d 4h"
max_wait = "2d"
[spot]
enabled = true
capacity_wait = { dist = "exponential", mean = "30m" }
time_to_interruption = { dist = "exponential", mean = "5h" }
discount = 0.65
[checkpoint]
interval = "1h"
save = "2m"
restore = "4m"
[pricing]
on_demand_hourly = 37.688
[simulation]
runs = 2000
"#;

/// Issue 15, items 4 and 7: one run has no ± to round to, so `trace` writes its durations to
/// the second, a day or more included, and names the running time for what it is: its line
/// reads the very TrainingTimeInSeconds the SDK lines print, the cost line the billable time.
#[test]
fn a_long_run_is_traced_to_the_second_and_its_running_time_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "p4d.toml", P4D_20H);
    let text = stdout_of(spotsim().args([
        "trace",
        scenario.to_str().unwrap(),
        "--run",
        "3",
        "--format",
        "table",
    ]));
    let seconds = |label: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(label)).unwrap();
        line[label.len()..].trim().parse().unwrap()
    };
    let training_s = seconds("Training seconds:");
    let billable_s = seconds("Billable seconds:");
    assert!(training_s > 86_400.0, "{training_s}");
    // To the second, every unit written (issue 15 audit: `1d 0h 3m 7s`, not `1d 3m 7s`).
    let exact = |s: f64| spotsim::units::duration::format_duration_within(s, 1.0);
    let running = format!(
        "  running per instance  {} (TrainingTimeInSeconds):",
        exact(training_s)
    );
    assert!(text.contains(&running), "{running} missing from\n{text}");
    let cost = format!("= {} billable × 1 instance", exact(billable_s));
    assert!(text.contains(&cost), "{cost} missing from\n{text}");
    assert!(!text.contains("billed per instance"));
}

/// Issue 15 audit: the log lines' times and the durations after creation follow one rule (both
/// rounded to the second), so an interruption logged at `02:56:22` is the one "at 2h 56m 22s
/// after creation", never `02:56:21` beside it.
#[test]
fn log_times_and_durations_round_alike() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "tight.toml", TIGHT);
    let mut checked = 0;
    for run in 0..12 {
        let text = stdout_of(spotsim().args([
            "trace",
            scenario.to_str().unwrap(),
            "--run",
            &run.to_string(),
            "--format",
            "table",
        ]));
        let logged: Vec<f64> = text
            .lines()
            .filter(|l| l.contains(" Interrupted - "))
            .map(|l| {
                let stamp = format!("{}Z", l[..19].replace(' ', "T"));
                Timestamp::parse_rfc3339(&stamp)
                    .unwrap()
                    .seconds_since(Timestamp::DEFAULT_START)
            })
            .collect();
        let Some(line) = text.lines().find(|l| l.starts_with("  interruptions ")) else {
            continue;
        };
        let listed: Vec<f64> = line
            .split_once(", at ")
            .map_or("", |(_, rest)| rest.trim_end_matches(" after creation"))
            .split(", ")
            .filter(|t| !t.is_empty())
            .map(|t| spotsim::units::duration::parse_duration_s(t).unwrap())
            .collect();
        assert_eq!(logged, listed, "run {run}:\n{text}");
        checked += listed.len();
    }
    assert!(checked >= 5, "only {checked} interruptions checked");
}
