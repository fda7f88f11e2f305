//! `spotsim compare`: the JSON's shape, a scenario against itself, the gain of common random
//! numbers on 1 against 4 instances, determinism across threads, the chart, and bad input.

use std::path::PathBuf;

use serde_json::Value;

use super::{project_dir, same_for_thread_counts, spotsim, stdout_of, write_file};

/// The quickstart job with `count` instances, written into `dir`.
fn quickstart_with_instances(dir: &std::path::Path, count: u32) -> PathBuf {
    let text = std::fs::read_to_string(project_dir().join("scenarios/quickstart.toml")).unwrap();
    let changed = text.replace("instance_count = 1", &format!("instance_count = {count}"));
    assert_ne!(text, changed, "the quickstart sets instance_count = 1");
    write_file(dir, &format!("quickstart-x{count}.toml"), &changed)
}

fn compare_json(args: &[&str]) -> Value {
    let mut command = spotsim();
    command.arg("compare").args(args).args(["--format", "json"]);
    serde_json::from_str(&stdout_of(&mut command)).unwrap()
}

fn f64_at(value: &Value, pointer: &str) -> f64 {
    value
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{pointer} is not a number in {value}"))
}

#[test]
fn json_has_the_documented_shape_and_run_s_summaries() {
    let report = compare_json(&[
        "scenarios/quickstart.toml",
        "scenarios/reference.toml",
        "--runs",
        "2000",
        "--seed",
        "7",
    ]);
    assert_eq!(report["baseline"], "bert-finetune");
    assert_eq!(
        (report["runs"].as_u64(), report["seed"].as_u64()),
        (Some(2000), Some(7))
    );
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    assert_eq!(scenarios[0]["file"], "scenarios/quickstart.toml");
    assert_eq!(scenarios[1]["name"], "reference");
    for scenario in scenarios {
        assert_eq!(scenario["compared_side"], "spot");
        assert!(scenario["scenario"]["job"].is_object());
        for side in ["spot", "on_demand"] {
            for pointer in [
                "/cost_usd/0",
                "/cost_usd/1",
                "/cost_per_completed_job_usd/1",
            ] {
                f64_at(&scenario["ci95"][side], pointer);
            }
        }
        f64_at(scenario, "/ci95/savings_vs_on_demand_pct/0");
        f64_at(scenario, "/savings_vs_on_demand_pct");
        f64_at(scenario, "/savings_per_completed_job_pct");
    }
    // Each scenario's sides are exactly what `spotsim run` reports for the same runs and seed.
    for (index, file) in ["scenarios/quickstart.toml", "scenarios/reference.toml"]
        .iter()
        .enumerate()
    {
        let run: Value = serde_json::from_str(&stdout_of(spotsim().args([
            "run", file, "--runs", "2000", "--seed", "7", "--format", "json",
        ])))
        .unwrap();
        for key in ["spot", "on_demand", "savings_vs_on_demand_pct"] {
            assert_eq!(scenarios[index][key], run[key], "{file} {key}");
        }
    }
    let differences = report["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1);
    let d = &differences[0];
    assert_eq!(
        (d["name"].as_str(), d["vs"].as_str()),
        (Some("reference"), Some("bert-finetune"))
    );
    assert_eq!(
        (d["side"].as_str(), d["vs_side"].as_str()),
        (Some("spot"), Some("spot"))
    );
    // The reference job always completes: a constant has no correlation.
    assert!(d["completed_share"]["correlation"].is_null());
    for metric in ["cost_usd", "wall_s"] {
        f64_at(&d[metric], "/correlation");
    }
    for metric in ["cost_usd", "wall_s", "completed_share"] {
        for pointer in [
            "/mean",
            "/ci95/0",
            "/ci95/1",
            "/std_err",
            "/unpaired_ci95/0",
            "/unpaired_ci95/1",
            "/unpaired_std_err",
            "/pairing_gain_x",
        ] {
            f64_at(&d[metric], pointer);
        }
    }
    // The mean difference is the difference of the scenarios' means (up to rounding).
    let mean_difference = f64_at(&scenarios[1], "/spot/metrics/cost_usd/mean")
        - f64_at(&scenarios[0], "/spot/metrics/cost_usd/mean");
    assert!((f64_at(d, "/cost_usd/mean") - mean_difference).abs() < 1e-9);
    let p_cheaper = f64_at(d, "/p_cheaper");
    assert!((0.0..=1.0).contains(&p_cheaper));
    assert!(
        f64_at(d, "/p_cheaper_ci95/0") <= p_cheaper && p_cheaper <= f64_at(d, "/p_cheaper_ci95/1")
    );
    f64_at(d, "/p_same_cost");
}

#[test]
fn a_scenario_against_itself_differs_by_exactly_nothing() {
    let report = compare_json(&[
        "scenarios/quickstart.toml",
        "scenarios/quickstart.toml",
        "--runs",
        "3000",
    ]);
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "bert-finetune (scenarios/quickstart.toml, #1)",
            "bert-finetune (scenarios/quickstart.toml, #2)"
        ]
    );
    let d = &report["differences"][0];
    for metric in ["cost_usd", "wall_s", "completed_share"] {
        assert_eq!(f64_at(&d[metric], "/mean"), 0.0, "{metric}");
        assert_eq!(d[metric]["ci95"], serde_json::json!([0.0, 0.0]), "{metric}");
        // Unpaired, the same runs would look uncertain.
        assert!(f64_at(&d[metric], "/unpaired_std_err") > 0.0, "{metric}");
        // No finite gain: pairing removed all the noise.
        assert!(d[metric]["pairing_gain_x"].is_null(), "{metric}");
    }
    // Ties are neither cheaper nor dearer.
    assert_eq!(f64_at(d, "/p_cheaper"), 0.0);
    assert_eq!(f64_at(d, "/p_same_cost"), 1.0);
    assert_eq!(f64_at(d, "/p_cheaper_ci95/0"), 0.0);
}

#[test]
fn common_random_numbers_narrow_the_intervals_of_one_against_four_instances_and_more() {
    let dir = tempfile::tempdir().unwrap();
    let four = quickstart_with_instances(dir.path(), 4);
    let report = compare_json(&[
        "scenarios/quickstart.toml",
        four.to_str().unwrap(),
        "--runs",
        "10000",
    ]);
    let cost = &report["differences"][0]["cost_usd"];
    let paired_width = f64_at(cost, "/ci95/1") - f64_at(cost, "/ci95/0");
    let unpaired_width = f64_at(cost, "/unpaired_ci95/1") - f64_at(cost, "/unpaired_ci95/0");
    // Measured at seed 1, 10,000 runs: correlation 0.74, paired width 0.83 of the unpaired one
    // (pairing worth 1.4 × the runs). Four instances spread about four times as much as one, so
    // even a perfect correlation could not go below (4 − 1) / sqrt(17) = 0.73.
    assert!(
        paired_width < 0.9 * unpaired_width,
        "paired {paired_width} unpaired {unpaired_width}"
    );
    assert!(f64_at(cost, "/correlation") > 0.6, "{cost}");
    assert!(f64_at(cost, "/pairing_gain_x") > 1.2, "{cost}");
    // Four instances cost more: the whole interval is above zero.
    assert!(f64_at(cost, "/ci95/0") > 0.0);

    // A change of similar scale pairs far better: checkpoints every hour instead of every 30
    // minutes. Measured: correlation 0.92, paired width 0.30 of the unpaired one (11 × the
    // runs) for the cost, 14 × for the wall time.
    let text = std::fs::read_to_string(project_dir().join("scenarios/quickstart.toml")).unwrap();
    let hourly = write_file(
        dir.path(),
        "hourly.toml",
        &text.replace("interval = \"30m\"", "interval = \"1h\""),
    );
    let report = compare_json(&[
        "scenarios/quickstart.toml",
        hourly.to_str().unwrap(),
        "--runs",
        "10000",
    ]);
    let d = &report["differences"][0];
    assert!(f64_at(d, "/cost_usd/pairing_gain_x") > 5.0, "{d}");
    assert!(f64_at(d, "/wall_s/pairing_gain_x") > 5.0, "{d}");
    let cost = &d["cost_usd"];
    let paired_width = f64_at(cost, "/ci95/1") - f64_at(cost, "/ci95/0");
    let unpaired_width = f64_at(cost, "/unpaired_ci95/1") - f64_at(cost, "/unpaired_ci95/0");
    assert!(paired_width < 0.5 * unpaired_width, "{cost}");
    // Hourly checkpoints cost more here, and the paired interval says so.
    assert!(f64_at(cost, "/ci95/0") > 0.0, "{cost}");
}

#[test]
fn output_and_chart_are_byte_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let four = quickstart_with_instances(dir.path(), 4);
    let (_, chart) = same_for_thread_counts(&["1", "2"], |threads| {
        let chart = dir.path().join(format!("comparison-{threads}.png"));
        let mut texts = Vec::new();
        for format in ["table", "json"] {
            texts.push(stdout_of(spotsim().args([
                "compare",
                "scenarios/quickstart.toml",
                four.to_str().unwrap(),
                "scenarios/reference.toml",
                "--runs",
                "5000",
                "--threads",
                threads,
                "--format",
                format,
                "--chart",
                chart.to_str().unwrap(),
                "--quiet",
            ])));
        }
        (texts, std::fs::read(&chart).unwrap())
    });
    assert_eq!(&chart[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn table_at_a_fixed_seed() {
    let table = stdout_of(spotsim().args([
        "compare",
        "scenarios/quickstart.toml",
        "scenarios/reference.toml",
        "--runs",
        "2000",
    ]));
    insta::assert_snapshot!(table);
}

#[test]
fn an_svg_chart_names_the_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("comparison.SVG");
    spotsim()
        .args([
            "compare",
            "scenarios/quickstart.toml",
            "scenarios/reference.toml",
            "--runs",
            "500",
            "--chart",
            chart.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicates::str::contains("chart: "));
    let svg = std::fs::read_to_string(&chart).unwrap();
    for text in [
        "Expected cost per completed job",
        "bert-finetune",
        "reference",
        "cost per completed job (USD",
    ] {
        assert!(svg.contains(text), "{text}");
    }
}

#[test]
fn files_that_disagree_on_runs_and_seed_run_with_the_first_s_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(project_dir().join("scenarios/reference.toml")).unwrap();
    let first = write_file(
        dir.path(),
        "first.toml",
        &format!("{text}\n[simulation]\nseed = 5\n"),
    );
    let other = write_file(
        dir.path(),
        "other.toml",
        &format!("{text}\n[simulation]\nseed = 99\n"),
    );
    let output = spotsim()
        .args([
            "compare",
            first.to_str().unwrap(),
            other.to_str().unwrap(),
            "--runs",
            "300",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("note: the files disagree on simulation.seed (5 in ")
            && stderr.contains("seed 5"),
        "{stderr}"
    );
    let report: Value = serde_json::from_str(&String::from_utf8(output.stdout).unwrap()).unwrap();
    assert_eq!(report["seed"], 5);
    for scenario in report["scenarios"].as_array().unwrap() {
        assert_eq!(scenario["scenario"]["simulation"]["seed"], 5);
        assert_eq!(scenario["scenario"]["simulation"]["runs"], 300);
    }
}

#[test]
fn one_file_is_a_usage_error() {
    spotsim()
        .args(["compare", "scenarios/quickstart.toml"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "spotsim compare needs at least two scenario files, got 1",
        ));
    spotsim().args(["compare"]).assert().code(2).stdout("");
}

#[test]
fn every_bad_file_is_reported_at_once_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write_file(
        dir.path(),
        "broken.toml",
        "[job]\ntraining = \"-5m\"\n[pricing]\non_demand_hourly = 1\n",
    );
    let missing = dir.path().join("missing.toml");
    let chart = dir.path().join("comparison.png");
    let output = spotsim()
        .args([
            "compare",
            "scenarios/quickstart.toml",
            broken.to_str().unwrap(),
            "scenarios/reference.toml",
            missing.to_str().unwrap(),
            "--chart",
            chart.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    for expected in [
        format!(
            "{}:2:12: job.training (\"-5m\") must not be negative",
            broken.display()
        ),
        format!("{}: cannot read the scenario file", missing.display()),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing\n  {expected}\nin\n{stderr}"
        );
    }
    assert!(!chart.exists());

    // A chart that is neither PNG nor SVG is refused with the files' problems.
    let jpeg = dir.path().join("comparison.jpg");
    spotsim()
        .args([
            "compare",
            "scenarios/quickstart.toml",
            broken.to_str().unwrap(),
            "--chart",
            jpeg.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicates::str::contains("must end in .png or .svg")
                .and(predicates::str::contains("must not be negative")),
        );
    assert!(!jpeg.exists());
}

use predicates::prelude::PredicateBooleanExt;

/// Issue 15, item 1: `compare` names the scenario to choose by the sweep's rule: the cheapest
/// per completed job among those completing the target share, or says that none does.
#[test]
fn compare_names_the_best_scenario_under_the_completion_target() {
    let dir = tempfile::tempdir().unwrap();
    let reference = std::fs::read_to_string("scenarios/reference.toml").unwrap();
    let short = |max_run: &str, name: &str| {
        let text = reference
            .replace("max_run = \"14d\"", &format!("max_run = \"{max_run}\""))
            .replace("name = \"reference\"", &format!("name = \"{name}\""));
        super::write_file(dir.path(), &format!("{name}.toml"), &text)
    };
    // Stopped at 4h 10m, most jobs cost less per run but few complete.
    let stopped = short("4h10m", "stopped");
    let stopped_more = short("4h5m", "stopped-more");
    let table = |files: &[&std::path::Path]| {
        let mut command = spotsim();
        command
            .arg("compare")
            .args(files)
            .args(["--runs", "500", "-q"]);
        stdout_of(&mut command)
    };
    let both = table(&[&stopped, std::path::Path::new("scenarios/reference.toml")]);
    assert!(
        both.contains("Best: reference (spot): the lowest cost per completed job"),
        "{both}"
    );
    let none = table(&[&stopped_more, &stopped]);
    assert!(
        none.contains(
            "No scenario completes 99.0 % of jobs: the most completing is stopped (spot)"
        ),
        "{none}"
    );
}

/// Issue 17: a compared scenario with a `[fallback]` shows what it did (the figures of its
/// JSON), the others "no fallback"; the spot side's title says where the fallback applies.
#[test]
fn compare_shows_the_fallback_figures_where_a_scenario_has_one() {
    let args = [
        "compare",
        "scenarios/deadline/v100-48h-us-east-1f.toml",
        "scenarios/quickstart.toml",
        "--runs",
        "200",
        "-q",
    ];
    let table = stdout_of(spotsim().args(args));
    let json: Value =
        serde_json::from_str(&stdout_of(spotsim().args(args).args(["--format", "json"]))).unwrap();
    let fallback = &json["scenarios"][0]["spot"]["fallback"];
    assert!(json["scenarios"][1]["spot"]["fallback"].is_null());
    let pct = |v: &Value, d| spotsim::units::format::format_pct(v.as_f64().unwrap() * 100.0, d);
    assert!(
        table.contains("\nSpot (+ fallback where [fallback] is set)\n"),
        "{table}"
    );
    for (label, first, second) in [
        (
            "went on-demand (fallback)",
            pct(&fallback["fell_back_share"], 1),
            "no fallback",
        ),
        (
            "on-demand share of cost",
            pct(&fallback["on_demand_cost_share"], 1),
            "—",
        ),
        ("met deadline", pct(&fallback["met_deadline_share"], 2), "—"),
    ] {
        let line = table
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{label}: {table}"));
        let cells: Vec<&str> = line[label.len() + 2..]
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(cells, [first.as_str(), second], "{line}");
    }
}
