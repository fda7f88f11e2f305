//! `spotsim run`: outputs at a fixed seed, determinism across threads, the per-run CSV.

use serde_json::Value;

use super::{same_for_thread_counts, spotsim, stdout_of, write_file};

#[test]
fn quickstart_json_at_a_fixed_seed() {
    let json = stdout_of(spotsim().args([
        "run",
        "scenarios/quickstart.toml",
        "--runs",
        "2000",
        "--seed",
        "1",
        "--format",
        "json",
    ]));
    insta::assert_snapshot!(json);
}

#[test]
fn quickstart_table_at_a_fixed_seed() {
    let table = stdout_of(spotsim().args(["run", "scenarios/quickstart.toml", "--runs", "2000"]));
    insta::assert_snapshot!(table);
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    same_for_thread_counts(&["1", "2", "4"], |threads| {
        let csv = dir.path().join(format!("runs-{threads}.csv"));
        let json = stdout_of(spotsim().args([
            "run",
            "scenarios/quickstart.toml",
            "--runs",
            "20000",
            "--threads",
            threads,
            "--format",
            "json",
            "--runs-csv",
            csv.to_str().unwrap(),
        ]));
        (json, std::fs::read(&csv).unwrap())
    });
}

#[test]
fn sketched_percentiles_are_byte_identical_for_any_thread_count() {
    // 300,000 runs: beyond the 131,072 values kept exactly, so the percentiles, the charts and
    // the cost histogram come from sketches merged block by block.
    let dir = tempfile::tempdir().unwrap();
    let (_, runs_csv, _) = same_for_thread_counts(&["1", "2", "3"], |threads| {
        let csv = dir.path().join(format!("runs-{threads}.csv"));
        let charts = dir.path().join(format!("charts-{threads}"));
        let json = stdout_of(spotsim().args([
            "run",
            "scenarios/quickstart.toml",
            "--runs",
            "300000",
            "--threads",
            threads,
            "--format",
            "json",
            "--runs-csv",
            csv.to_str().unwrap(),
            "--charts",
            charts.to_str().unwrap(),
            "--chart-format",
            "svg",
        ]));
        let svgs: Vec<Vec<u8>> = ["cost", "savings", "completion"]
            .iter()
            .map(|stem| std::fs::read(charts.join(format!("{stem}.svg"))).unwrap())
            .collect();
        (json, std::fs::read(&csv).unwrap(), svgs)
    });
    let csv = String::from_utf8(runs_csv).unwrap();
    assert_eq!(csv.lines().count(), 300_001);
    assert!(csv.lines().last().unwrap().starts_with("299999,"));
}

#[test]
fn runs_csv_has_a_row_per_run_that_adds_up_to_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("runs.csv");
    let json = stdout_of(spotsim().args([
        "run",
        "scenarios/reference.toml",
        "--runs",
        "3000",
        "--format",
        "json",
        "--runs-csv",
        csv_path.to_str().unwrap(),
    ]));
    let report: Value = serde_json::from_str(&json).unwrap();
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "run",
            "outcome",
            "wall_s",
            "training_s",
            "billable_s",
            "cost_usd",
            "interruptions",
            "waiting_s",
            "lost_work_s"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3000);
    for (index, row) in rows.iter().enumerate() {
        assert_eq!(row[0].parse::<usize>().unwrap(), index);
    }
    // The CSV's shortest round-trip floats give back the very numbers the means were made of.
    for (column, metric) in [
        (2, "wall_s"),
        (5, "cost_usd"),
        (6, "interruptions"),
        (8, "lost_work_s"),
    ] {
        let sum: f64 = rows.iter().map(|r| r[column].parse::<f64>().unwrap()).sum();
        let mean = report["spot"]["metrics"][metric]["mean"].as_f64().unwrap();
        assert_eq!(sum / 3000.0, mean, "{metric}");
    }
    let completed = rows.iter().filter(|r| &r[1] == "Completed").count() as f64 / 3000.0;
    assert_eq!(
        completed,
        report["spot"]["outcomes"]["completed"].as_f64().unwrap()
    );
}

#[test]
fn json_has_the_documented_shape() {
    let json = stdout_of(spotsim().args([
        "run",
        "scenarios/reference.toml",
        "--runs",
        "500",
        "--format",
        "json",
    ]));
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["runs"], 500);
    assert_eq!(report["seed"], 1);
    assert!(report["scenario"]["job"].is_object());
    for side in ["spot", "on_demand"] {
        for outcome in ["completed", "max_runtime_exceeded", "max_wait_exceeded"] {
            assert!(
                report[side]["outcomes"][outcome].is_number(),
                "{side}.{outcome}"
            );
        }
        for metric in [
            "wall_s",
            "training_s",
            "billable_s",
            "cost_usd",
            "interruptions",
            "waiting_s",
            "lost_work_s",
        ] {
            for stat in ["mean", "std_err", "p50", "p90", "p95", "p99", "min", "max"] {
                assert!(
                    report[side]["metrics"][metric][stat].is_number(),
                    "{side}.{metric}.{stat}"
                );
            }
        }
        assert!(report[side]["console_savings_pct"].is_number());
    }
    assert!(report["savings_vs_on_demand_pct"].is_number());
    assert!(!json.contains("elapsed") && !json.contains("runs_per_s"));
}

#[test]
fn spot_with_no_interruption_shows_the_console_savings_of_the_public_example() {
    // The Hugging Face DistilBERT example: TrainingTimeInSeconds 874, Billable 262, 70.0 %.
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "distilbert.toml",
        r#"[job]
instance_type = "ml.p3.2xlarge"
training = 800
download = 44
upload = 30
[stopping]
max_wait = "1d"
[spot]
enabled = true
capacity_wait = 0
time_to_interruption = "never"
discount = 0.70
[pricing]
on_demand_hourly = 3.825
[simulation]
runs = 10
"#,
    );
    let json = stdout_of(spotsim().args(["run", path.to_str().unwrap(), "--format", "json"]));
    let report: Value = serde_json::from_str(&json).unwrap();
    let spot = &report["spot"];
    assert_eq!(spot["metrics"]["training_s"]["mean"], 874.0);
    let billable = spot["metrics"]["billable_s"]["mean"].as_f64().unwrap();
    assert!((billable - 262.2).abs() < 1e-9, "{billable}");
    let console = spot["console_savings_pct"].as_f64().unwrap();
    assert!((console - 70.0).abs() < 1e-9, "{console}");
    // With no interruption and no wait the real saving is the discount too.
    let real = report["savings_vs_on_demand_pct"].as_f64().unwrap();
    assert!((real - 70.0).abs() < 1e-9, "{real}");
    assert_eq!(report["on_demand"]["metrics"]["billable_s"]["mean"], 874.0);
}

#[test]
fn an_on_demand_scenario_has_no_spot_section() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "od.toml",
        "[job]\ntraining = \"2h\"\nupload = 120\n[stopping]\nmax_run = \"1h\"\n\
         [pricing]\non_demand_hourly = 2\n[simulation]\nruns = 50\n",
    );
    let json = stdout_of(spotsim().args(["run", path.to_str().unwrap(), "--format", "json"]));
    let report: Value = serde_json::from_str(&json).unwrap();
    assert!(report.get("spot").is_none());
    assert!(report.get("savings_vs_on_demand_pct").is_none());
    let on_demand = &report["on_demand"];
    assert_eq!(on_demand["outcomes"]["max_runtime_exceeded"], 1.0);
    // Stopped at max_run, then the upload: billed 3600 + 120.
    assert_eq!(on_demand["metrics"]["training_s"]["max"], 3720.0);
    let table = stdout_of(spotsim().args(["run", path.to_str().unwrap()]));
    assert!(table.contains("on-demand at $2.00/h"), "{table}");
    assert!(!table.contains("Spot, per job"));
}

#[test]
fn warnings_go_to_stderr_and_do_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "nockpt.toml",
        "[job]\ntraining = \"10h\"\n[stopping]\nmax_run = \"1d\"\nmax_wait = \"2d\"\n[spot]\n\
         enabled = true\ncapacity_wait = \"5m\"\ntime_to_interruption = \"6h\"\ndiscount = 0.7\n\
         [pricing]\non_demand_hourly = 1\n",
    );
    let output = spotsim()
        .args(["run", path.to_str().unwrap(), "--runs", "100"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("warning:") && stderr.contains("spot without checkpoints"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: add a [checkpoint] table"),
        "{stderr}"
    );
    assert!(stderr.contains("only 100 runs"), "{stderr}");
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("Spot, per job")
    );
}

#[test]
fn stopped_spot_runs_do_not_flatter_the_saving_per_completed_job() {
    // MaxWait = MaxRuntime = 4h for 3h of training with frequent reclaims: many spot runs stop.
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "tight.toml",
        r#"[job]
training = "3h"
download = "5m"
upload = "1m"
[stopping]
max_run = "4h"
max_wait = "4h"
[spot]
enabled = true
capacity_wait = { dist = "exponential", mean = "15m" }
time_to_interruption = { dist = "exponential", mean = "2h" }
discount = 0.7
[checkpoint]
interval = "30m"
save = "30s"
restore = "1m"
[pricing]
on_demand_hourly = 3
[simulation]
runs = 5000
"#,
    );
    let csv_path = dir.path().join("runs.csv");
    let json = stdout_of(spotsim().args([
        "run",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--runs-csv",
        csv_path.to_str().unwrap(),
    ]));
    let report: Value = serde_json::from_str(&json).unwrap();
    let completed_share = report["spot"]["outcomes"]["completed"].as_f64().unwrap();
    assert!(
        completed_share < 0.9,
        "the scenario should stop many runs: {completed_share}"
    );
    let real = report["savings_vs_on_demand_pct"].as_f64().unwrap();
    let per_completed = report["savings_per_completed_job_pct"].as_f64().unwrap();
    assert!(per_completed < real, "{per_completed} vs {real}");
    // Cost per completed job = total cost / completed runs, from the per-run rows.
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let total: f64 = rows.iter().map(|r| r[5].parse::<f64>().unwrap()).sum();
    let completed = rows.iter().filter(|r| &r[1] == "Completed").count() as f64;
    let expected = total / completed;
    let got = report["spot"]["cost_per_completed_job_usd"]
        .as_f64()
        .unwrap();
    assert!(
        (got - expected).abs() <= 1e-9 * expected,
        "{got} vs {expected}"
    );

    let table = stdout_of(spotsim().args(["run", path.to_str().unwrap()]));
    assert!(table.contains("per completed job"), "{table}");
    assert!(
        table.contains("Caution:") && table.contains("of spot runs stopped"),
        "{table}"
    );
}

#[test]
fn a_fallback_is_reported_in_json_and_in_words() {
    let args = [
        "run",
        "scenarios/deadline/v100-48h-us-east-1f.toml",
        "--runs",
        "300",
    ];
    let json: Value =
        serde_json::from_str(&stdout_of(spotsim().args(args).args(["--format", "json"]))).unwrap();
    assert_eq!(json["scenario"]["fallback"]["when"], "deadline");
    assert_eq!(json["scenario"]["fallback"]["deadline_s"], 187_200.0);
    let spot = &json["spot"];
    let fallback = &spot["fallback"];
    // The us-east-1f trace has capacity 59 % of the time: 48 h of work in 52 h needs most runs
    // to go on-demand, and every run meets the deadline, as in sky_spot.
    let share = fallback["fell_back_share"].as_f64().unwrap();
    assert!(share > 0.5 && share < 1.0, "{share}");
    assert_eq!(fallback["met_deadline_share"], 1.0);
    assert_eq!(spot["outcomes"]["completed"], 1.0);
    // The total includes the on-demand part: its share of the mean total is its mean.
    let total = spot["metrics"]["cost_usd"]["mean"].as_f64().unwrap();
    let part = fallback["on_demand_cost_usd_mean"].as_f64().unwrap();
    let cost_share = fallback["on_demand_cost_share"].as_f64().unwrap();
    assert!(
        (total * cost_share - part).abs() < 1e-6 * total,
        "{total} {part}"
    );
    // 3.06 $/h: the on-demand hours and their cost agree.
    let hours = fallback["on_demand_hours_mean"].as_f64().unwrap();
    assert!((hours * 3.06 - part).abs() < 1e-6 * part);
    // Spot with a fallback costs less than on-demand alone, and more than its on-demand part.
    let on_demand = json["on_demand"]["metrics"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap();
    assert!(
        part < total && total < on_demand,
        "{part} {total} {on_demand}"
    );

    let table = stdout_of(spotsim().args(args));
    assert!(table.contains("Spot with on-demand fallback, per job (both jobs)"));
    assert!(table.contains("Fallback (when = \"deadline\""));
    assert!(table.contains("the scheduler stopped the spot job at the last moment an on-demand job could still finish within 2d 4h"));
    assert!(table.contains("deadline met    100.00 %"), "{table}");
}

#[test]
fn the_cost_chart_of_a_fallback_shows_the_on_demand_part() {
    let dir = tempfile::tempdir().unwrap();
    let json: Value = serde_json::from_str(&stdout_of(spotsim().args([
        "run",
        "scenarios/deadline/v100-48h-us-east-1f.toml",
        "--runs",
        "300",
        "--format",
        "json",
    ])))
    .unwrap();
    let fallback = &json["spot"]["fallback"];
    let share = fallback["fell_back_share"].as_f64().unwrap();
    spotsim()
        .args([
            "run",
            "scenarios/deadline/v100-48h-us-east-1f.toml",
            "--runs",
            "300",
            "--charts",
            dir.path().to_str().unwrap(),
            "--chart-format",
            "svg",
        ])
        .assert()
        .success();
    let svg = std::fs::read_to_string(dir.path().join("cost.svg")).unwrap();
    // The runs that went on-demand are a series of their own, counted; the two series add up
    // to the completed runs (all of them here).
    let went = (share * 300.0).round() as u64;
    for text in [
        "cost per job on spot + fallback".to_string(),
        format!("completed on spot alone ({})", 300 - went),
        format!("went on-demand, then completed ({went})"),
        format!(
            "{} of runs went on-demand",
            spotsim::units::format::format_share(share, 1)
        ),
    ] {
        assert!(svg.contains(&text), "{text}");
    }
    assert!(!svg.contains("cost per job on spot<"));
}

/// Issue 17: the table says who ended the spot job. With `max_wait` SageMaker ends it
/// (MaxWaitTimeExceeded, spec §2) and the scheduler creates the on-demand job; with the other
/// rules the scheduler stops it.
#[test]
fn the_table_says_who_ended_the_spot_job_for_each_rule() {
    let dir = tempfile::tempdir().unwrap();
    let base = "[job]\ntraining = \"6h\"\ndownload = \"3m\"\n[stopping]\nmax_run = \"9h\"\n\
                max_wait = \"10h\"\n[spot]\nenabled = true\ncapacity_wait = \"2h\"\n\
                time_to_interruption = \"3h\"\ndiscount = 0.7\n[checkpoint]\n\
                interval = \"30m\"\nsave = \"30s\"\nrestore = \"1m\"\n[pricing]\n\
                on_demand_hourly = 3\n[simulation]\nruns = 300\n[fallback]\n";
    for (fallback, want, not_want) in [
        (
            "when = \"max_wait\"",
            "of runs: SageMaker ended the spot job with MaxWaitTimeExceeded, then the scheduler \
             created an on-demand job, which restored the spot job's last durable checkpoint",
            "the scheduler stopped the spot job",
        ),
        (
            "when = \"interruptions\"\ninterruptions = 2",
            "of runs: the scheduler stopped the spot job after interruption 2, and an on-demand \
             job restored its last durable checkpoint",
            "MaxWaitTimeExceeded, then",
        ),
        (
            "when = \"waiting\"\nwaiting = \"3h\"",
            "of runs: the scheduler stopped the spot job when a wait for capacity reached 3h, \
             and an on-demand job restored its last durable checkpoint",
            "MaxWaitTimeExceeded, then",
        ),
    ] {
        let path = write_file(dir.path(), "f.toml", &format!("{base}{fallback}\n"));
        let table = stdout_of(spotsim().args(["run", path.to_str().unwrap()]));
        let flat = table.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(want), "{fallback}: {table}");
        assert!(!flat.contains(not_want), "{fallback}: {table}");
    }
}
