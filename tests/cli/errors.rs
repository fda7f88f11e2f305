//! Bad input: every problem at once, with file, line, key, value and rule; exit code 2; nothing
//! written.

use super::{spotsim, write_file};

const BROKEN: &str = r#"[job]
instance_count = 0
training = "-5m"
downlaod = "90s"

[stopping]
max_run = "29d"
max_wait = "1h"

[spot]
enabled = true
capacity_wait = { dist = "exponential", mean = "0s" }
time_to_interruption = { dist = "weibull", shape = 0, scale = "6h" }
discount = 1.0

[checkpoint]
interval = 0

[pricing]
on_demand_hourly = inf

[simulation]
runs = 0
"#;

#[test]
fn every_problem_is_reported_at_once_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "broken.toml", BROKEN);
    let fresh_csv = dir.path().join("new.csv");
    let old_csv = write_file(dir.path(), "old.csv", "earlier good results\n");
    for csv in [&fresh_csv, &old_csv] {
        let output = spotsim()
            .args([
                "run",
                scenario.to_str().unwrap(),
                "--runs-csv",
                csv.to_str().unwrap(),
            ])
            .assert()
            .code(2)
            .get_output()
            .clone();
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8(output.stderr).unwrap();
        let file = scenario.display().to_string();
        for expected in [
            format!("{file}:2:18: job.instance_count (0) must be a whole number from 1"),
            format!("{file}:3:12: job.training (\"-5m\") must not be negative"),
            format!("{file}:4:1: unknown key `job.downlaod`: did you mean `job.download`?"),
            format!("{file}:7:11: stopping.max_run (\"29d\") must be between 1s and 28d"),
            format!("{file}:12:48: spot.capacity_wait.mean (\"0s\") must be greater than zero"),
            format!("{file}:13:52: spot.time_to_interruption.shape (0) must be greater than zero"),
            format!("{file}:14:12: spot.discount (1.0) must be at least 0 and below 1"),
            format!("{file}:17:12: checkpoint.interval (0) must be greater than zero"),
            format!("{file}:20:20: pricing.on_demand_hourly (inf) must be a finite number"),
            format!("{file}:23:8: simulation.runs (0) must be a whole number from 1 to 1000000000"),
        ] {
            assert!(
                stderr.contains(&expected),
                "missing\n  {expected}\nin\n{stderr}"
            );
        }
        assert_eq!(stderr.lines().count(), 10, "{stderr}");
    }
    assert!(!fresh_csv.exists());
    assert_eq!(
        std::fs::read_to_string(&old_csv).unwrap(),
        "earlier good results\n"
    );
}

#[test]
fn max_wait_must_cover_max_run_and_needs_spot() {
    let dir = tempfile::tempdir().unwrap();
    let short_wait = write_file(
        dir.path(),
        "short.toml",
        "[job]\ntraining = \"1h\"\n[stopping]\nmax_run = \"2h\"\nmax_wait = \"1h\"\n[spot]\n\
         enabled = true\ncapacity_wait = 0\ntime_to_interruption = \"never\"\ndiscount = 0.7\n\
         [pricing]\non_demand_hourly = 1\n",
    );
    spotsim()
        .args(["run", short_wait.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "short.toml:5:12: stopping.max_wait (\"1h\") must be at least stopping.max_run (2h)",
        ));
    let no_spot = write_file(
        dir.path(),
        "nospot.toml",
        "[job]\ntraining = \"1h\"\n[stopping]\nmax_wait = \"2d\"\n[pricing]\non_demand_hourly = 1\n",
    );
    spotsim()
        .args(["validate", no_spot.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "nospot.toml:4:12: stopping.max_wait (\"2d\") is only allowed with spot",
        ));
    let spot_without_wait = write_file(
        dir.path(),
        "nowait.toml",
        "[job]\ntraining = \"1h\"\n[spot]\nenabled = true\ncapacity_wait = 0\n\
         time_to_interruption = \"never\"\ndiscount = 0.7\n[pricing]\non_demand_hourly = 1\n",
    );
    spotsim()
        .args(["run", spot_without_wait.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("stopping.max_wait is required"));
}

#[test]
fn malformed_toml_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "bad.toml",
        "[job]\ntraining = \"4h\n[pricing]\n",
    );
    spotsim()
        .args(["run", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("bad.toml:2:")
                .and(predicates::str::contains("TOML syntax error")),
        );
}

#[test]
fn a_missing_file_is_bad_input() {
    spotsim()
        .args(["run", "scenarios/does-not-exist.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "scenarios/does-not-exist.toml: cannot read the scenario file",
        ));
}

#[test]
fn bad_arguments_are_usage_errors() {
    spotsim()
        .args(["run", "scenarios/quickstart.toml", "--runs", "0"])
        .assert()
        .code(2);
    spotsim()
        .args(["run", "scenarios/quickstart.toml", "--runs", "1000000001"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("1..=1000000000"));
    // The studies stream their runs like `run` (issue "One house"): the same limit, refused
    // before simulating.
    for command in [
        vec![
            "compare",
            "scenarios/quickstart.toml",
            "scenarios/reference.toml",
        ],
        vec![
            "sweep",
            "scenarios/quickstart.toml",
            "--set",
            "spot.discount=0.5,0.6",
        ],
        vec!["recommend", "scenarios/quickstart.toml"],
    ] {
        spotsim()
            .args(&command)
            .args(["--runs", "1000000001"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicates::str::contains("1..=1000000000"));
    }
    spotsim()
        .args(["run", "scenarios/quickstart.toml", "--threads", "0"])
        .assert()
        .code(2);
    spotsim()
        .args(["run", "scenarios/quickstart.toml", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn a_csv_path_in_a_missing_folder_is_refused_before_running() {
    spotsim()
        .args([
            "run",
            "scenarios/quickstart.toml",
            "--runs-csv",
            "no/such/folder/runs.csv",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "the folder no/such/folder does not exist",
        ));
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn a_file_that_is_not_utf8_names_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, b"[job]\ntraining = \"4h\" # caf\xe9\n").unwrap();
    spotsim()
        .args(["validate", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "latin1.toml:2:22: the scenario file is not UTF-8 text",
        ));
}

#[test]
fn a_folder_is_not_a_scenario() {
    spotsim()
        .args(["run", "scenarios"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "scenarios: is a directory, not a regular file",
        ));
}

#[test]
fn invalid_fallbacks_are_refused_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let spot = "[job]\ntraining = \"48h\"\ndownload = \"12m\"\n[stopping]\nmax_run = \"3d\"\n\
                max_wait = \"3d\"\n[spot]\nenabled = true\ncapacity_wait = \"5m\"\n\
                time_to_interruption = \"6h\"\ndiscount = 0.7\n[pricing]\non_demand_hourly = 3\n";
    let on_demand = "[job]\ntraining = \"48h\"\n[pricing]\non_demand_hourly = 3\n";
    for (base, fallback, expected) in [
        (
            spot,
            "when = \"deadline\"\ndeadline = \"40h\"",
            "fallback.deadline (\"40h\") is shorter than the on-demand job alone (2d 12m",
        ),
        (
            spot,
            "when = \"interruptions\"\ninterruptions = 0",
            "fallback.interruptions (0) must be a whole number from 1",
        ),
        (
            spot,
            "when = \"soon\"",
            "fallback.when (\"soon\") must be \"deadline\", \"max_wait\", \"interruptions\" or \"waiting\"",
        ),
        (
            spot,
            "when = \"max_wait\"\ndeadline = \"52h\"",
            "fallback.deadline (\"52h\") does not go with when = \"max_wait\"",
        ),
        (spot, "when = \"waiting\"", "fallback.waiting is required"),
        (
            on_demand,
            "when = \"max_wait\"",
            "fallback ([fallback]) needs managed spot",
        ),
    ] {
        let scenario = write_file(
            dir.path(),
            "f.toml",
            &format!("{base}[fallback]\n{fallback}\n"),
        );
        let output = spotsim()
            .args(["validate", scenario.to_str().unwrap()])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{fallback}: {stderr}");
    }
}

/// Issue 17: the check of a deadline counts what the engine's switch rule counts, the on-demand
/// job's checkpoint saves (11 of 30 s in 6 h at one per 30 min), and prints the margin in its
/// figure: 3m + 3m + 6h + 5m 30s + 1m = 6h 12m 30s.
#[test]
fn a_deadline_is_checked_with_the_saves_and_the_margin() {
    let dir = tempfile::tempdir().unwrap();
    let base = "[job]\ntraining = \"6h\"\nprovisioning = \"3m\"\ndownload = \"3m\"\n\
                upload = \"1m\"\n[stopping]\nmax_run = \"9h\"\nmax_wait = \"10h\"\n[spot]\n\
                enabled = true\ncapacity_wait = \"10m\"\ntime_to_interruption = \"8h\"\n\
                discount = 0.7\n[checkpoint]\ninterval = \"30m\"\nsave = \"30s\"\n\
                restore = \"1m\"\n[pricing]\non_demand_hourly = 3\n[fallback]\n\
                when = \"deadline\"\n";
    for (fallback, expected) in [
        (
            "deadline = \"6h10m\"",
            "fallback.deadline (\"6h10m\") is shorter than the on-demand job alone (6h 12m 30s \
             expected: provisioning, download, training, 5m 30s of checkpoint saves and upload): \
             no fallback can meet it",
        ),
        (
            "deadline = \"6h15m\"\nmargin = \"5m\"",
            "fallback.deadline (\"6h15m\") is shorter than the on-demand job alone (6h 17m 30s \
             expected: provisioning, download, training, 5m 30s of checkpoint saves and upload, \
             plus the margin 5m): no fallback can meet it",
        ),
    ] {
        let scenario = write_file(dir.path(), "d.toml", &format!("{base}{fallback}\n"));
        let output = spotsim()
            .args(["validate", scenario.to_str().unwrap()])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{fallback}: {stderr}");
    }
    // Just past the figure, the deadline is accepted.
    let scenario = write_file(
        dir.path(),
        "d.toml",
        &format!("{base}deadline = \"6h18m\"\nmargin = \"5m\"\n"),
    );
    spotsim()
        .args(["validate", scenario.to_str().unwrap()])
        .assert()
        .success();
}

/// Issue 15, item 9: a fleet file given to a command that reads a scenario, or a scenario given
/// to `spotsim fleet`, is named for what it is, with the command that reads it: exit 2, one
/// message rather than a list of unknown keys.
#[test]
fn the_wrong_kind_of_file_names_the_command_that_reads_it() {
    for (args, want) in [
        (
            vec!["run", "scenarios/fleets/team.toml"],
            "scenarios/fleets/team.toml: this is a fleet file (it has [[workload]] tables): use \
             `spotsim fleet scenarios/fleets/team.toml`",
        ),
        (
            vec![
                "sweep",
                "scenarios/fleets/team.toml",
                "--set",
                "spot.discount=0.5,0.6",
            ],
            "this is a fleet file",
        ),
        (
            vec!["fleet", "scenarios/quickstart.toml"],
            "scenarios/quickstart.toml: this is a scenario file (it has a [job] table and no \
             [[workload]]): use `spotsim run scenarios/quickstart.toml`",
        ),
    ] {
        let output = spotsim().args(&args).assert().code(2).get_output().clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(!stderr.contains("unknown"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}
