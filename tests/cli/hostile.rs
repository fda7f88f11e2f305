//! Hostile inputs, one test per class of issue 16: files that never end or never arrive, values
//! that are not numbers, outputs over inputs, thousands of problems, byte-order marks. Each is
//! refused with exit 2 and a message naming the file and the rule, quickly, writing nothing.

use std::time::{Duration, Instant};

use super::{spotsim, write_file};

/// A scenario whose market is the trace `trace` (a path as the scenario writes it).
fn scenario_with_trace(trace: &str) -> String {
    format!(
        "[job]\ntraining = \"2h\"\n[stopping]\nmax_wait = \"2d\"\n[pricing]\n\
         on_demand_hourly = 3\n[spot]\nenabled = true\ndiscount = 0.7\n[spot.market]\n\
         model = \"trace\"\nfile = \"{trace}\"\nformat = \"spot-traces\"\n"
    )
}

/// Runs `spotsim ARGS`, which must fail with exit 2 within 30 s (a hang would be the bug):
/// its standard error.
fn refused(args: &[&str]) -> String {
    let started = Instant::now();
    let output = spotsim()
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(30), "{args:?} hung");
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    assert!(output.stdout.is_empty(), "{args:?} printed on stdout");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn devices_and_files_past_their_cap_are_refused_naming_the_limit() {
    let stderr = refused(&["validate", "/dev/zero"]);
    assert_eq!(
        stderr.trim(),
        "/dev/zero: is a device, not a regular file: spotsim reads a scenario file only from a \
         regular file"
    );
    let dir = tempfile::tempdir().unwrap();
    // A data file named by a scenario goes through the same reader.
    let path = write_file(dir.path(), "s.toml", &scenario_with_trace("/dev/zero"));
    let stderr = refused(&["run", path.to_str().unwrap(), "--runs", "10"]);
    assert!(
        stderr.contains("spot.market.file (\"/dev/zero\") cannot be read (/dev/zero): is a device"),
        "{stderr}"
    );
    // A sparse 17 MiB scenario: refused from its size, without reading it.
    let big = dir.path().join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let stderr = refused(&["run", big.to_str().unwrap()]);
    assert!(
        stderr.contains("is larger than 16 MiB (16777216), the limit for a scenario file"),
        "{stderr}"
    );
    for args in [
        vec!["fit", "trace", "/dev/zero"],
        vec!["fit", "jobs", "/dev/zero"],
        vec!["import", "describe-training-job", "/dev/zero"],
        vec!["merge", "/dev/zero"],
    ] {
        let stderr = refused(&args);
        assert!(
            stderr.contains("/dev/zero: is a device"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_fifo_as_a_scenario_or_a_data_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let stderr = refused(&["run", fifo.to_str().unwrap()]);
    assert!(stderr.contains("is a FIFO, not a regular file"), "{stderr}");
    let empirical = write_file(
        dir.path(),
        "e.toml",
        "[job]\ntraining = \"2h\"\n[pricing]\non_demand_hourly = 3\n[spot]\nenabled = true\n\
         discount = 0.7\ncapacity_wait = { dist = \"empirical\", file = \"fifo\", column = 1 }\n",
    );
    let stderr = refused(&["validate", empirical.to_str().unwrap()]);
    assert!(stderr.contains("is a FIFO, not a regular file"), "{stderr}");
}

#[test]
fn prices_that_are_not_money_are_refused_naming_file_row_value_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, shown) in [
        ("NaN", "NaN"),
        ("inf", "inf"),
        ("-0.9", "-0.9"),
        ("1e308", "1e308"),
        // A zero price made spot free: `recommend` called it "100 % cheaper".
        ("0", "0"),
        ("0.000", "0.000"),
    ] {
        write_file(
            dir.path(),
            "prices.tsv",
            &format!(
                "use1-az6\tp3.2xlarge\tLinux/UNIX\t0.9\t2022-05-31T21:18:00+00:00\n\
                 use1-az6\tp3.2xlarge\tLinux/UNIX\t{bad}\t2022-05-31T21:48:00+00:00\n"
            ),
        );
        let path = write_file(
            dir.path(),
            "s.toml",
            "[job]\ntraining = \"2h\"\n[pricing]\non_demand_hourly = 3\n[spot]\nenabled = true\n\
             price = { file = \"prices.tsv\", format = \"tsv\" }\n",
        );
        let stderr = refused(&["run", path.to_str().unwrap(), "--runs", "10"]);
        assert!(
            stderr.contains(&format!(
                "prices.tsv:2: price \"{shown}\" must be a price above 0 and at most 100000 USD \
                 per hour (the bound of pricing.on_demand_hourly)"
            )),
            "{bad}: {stderr}"
        );
    }
}

#[test]
fn absurd_trace_values_are_refused_with_short_messages() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "trace.json",
        "{\"metadata\": {\"gap_seconds\": 1e300}, \"data\": [1, 0, 1]}",
    );
    let stderr = refused(&[
        "fit",
        "trace",
        dir.path().join("trace.json").to_str().unwrap(),
    ]);
    assert!(
        stderr.contains("metadata.gap_seconds (1e300) must be a number of seconds from 0.001"),
        "{stderr}"
    );
    // A 10 MB cell is quoted by its start and its length, not whole.
    let cell = "1".repeat(10_000_000);
    write_file(dir.path(), "events.csv", &format!("{cell}x,add,a\n"));
    let stderr = refused(&[
        "fit",
        "trace",
        dir.path().join("events.csv").to_str().unwrap(),
    ]);
    assert!(stderr.len() < 500, "{} bytes of message", stderr.len());
    assert!(stderr.contains("(10,000,001 bytes)"), "{stderr}");
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(super::project_dir().join("scenarios/quickstart.toml")).unwrap();
    let path = write_file(dir.path(), "s.toml", &text);
    let shown = path.to_str().unwrap();
    let other_spelling = dir.path().join(".").join("s.toml");
    let stderr = refused(&["run", shown, "--runs-csv", other_spelling.to_str().unwrap()]);
    assert!(stderr.contains("--runs-csv"), "{stderr}");
    assert!(
        stderr.contains(&format!("is the input file {shown}")),
        "{stderr}"
    );
    let stderr = refused(&["report", shown, "-o", shown, "--runs", "10"]);
    assert!(stderr.contains("--output"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn study_and_region_outputs_over_their_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(super::project_dir().join("scenarios/quickstart.toml")).unwrap();
    let path = write_file(dir.path(), "s.toml", &text);
    let other = write_file(dir.path(), "s2.toml", &text);
    let (s, s2) = (path.to_str().unwrap(), other.to_str().unwrap());
    for (args, option) in [
        (
            vec!["compare", s, s2, "--shard", "1/1", "--out", s],
            "--out",
        ),
        (
            vec!["compare", s, s2, "--shard", "1/1", "--out", s2],
            "--out",
        ),
        (
            vec![
                "sweep",
                s,
                "--set",
                "spot.discount=0.6,0.7",
                "--shard",
                "1/1",
                "--out",
                s,
            ],
            "--out",
        ),
        (vec!["regions", s, "--chart", s], "--chart"),
    ] {
        let stderr = refused(&args);
        assert!(
            stderr.starts_with(&format!("{option} ")) && stderr.contains("is the input file"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), text);
}

#[test]
fn an_output_over_a_data_file_the_scenario_names_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let waits = "wait_s\n60\n120\n";
    write_file(dir.path(), "waits.csv", waits);
    let path = write_file(
        dir.path(),
        "s.toml",
        "[job]\ntraining = \"1h\"\n[stopping]\nmax_wait = \"1d\"\n\
         [spot]\nenabled = true\ndiscount = 0.7\n\
         capacity_wait = { dist = \"empirical\", file = \"waits.csv\", column = \"wait_s\" }\n\
         time_to_interruption = { dist = \"exponential\", mean = \"3h\" }\n\
         [pricing]\non_demand_hourly = 1\n",
    );
    let shown = path.to_str().unwrap();
    let data = dir.path().join("waits.csv");
    let stderr = refused(&["run", shown, "--runs-csv", data.to_str().unwrap()]);
    assert!(
        stderr.contains(&format!(
            "--runs-csv {}: is the data file {} named by spot.capacity_wait.file in {shown}",
            data.display(),
            data.display()
        )),
        "{stderr}"
    );
    let stderr = refused(&[
        "report",
        shown,
        "-o",
        data.to_str().unwrap(),
        "--runs",
        "10",
    ]);
    assert!(
        stderr.contains("--output") && stderr.contains("is the data file"),
        "{stderr}"
    );
    let stderr = refused(&[
        "sweep",
        shown,
        "--set",
        "spot.discount=0.6,0.7",
        "--shard",
        "1/1",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(
        stderr.contains("--out") && stderr.contains("is the data file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&data).unwrap(), waits);
    // A fleet's scenario names the CSV; the fleet's output over it is refused too.
    let fleet = write_file(
        dir.path(),
        "fleet.toml",
        "[[workload]]\nscenario = \"s.toml\"\ninstance_type = \"ml.p3.2xlarge\"\n\
         arrivals = { per_day = 4 }\n",
    );
    let stderr = refused(&[
        "fleet",
        fleet.to_str().unwrap(),
        "--shard",
        "1/1",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(
        stderr.contains("named by spot.capacity_wait.file in") && stderr.contains("s.toml"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&data).unwrap(), waits);
}

#[test]
fn an_advisor_feed_that_is_a_device_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(super::project_dir().join("scenarios/advisor-feed.toml")).unwrap();
    let text = text.replace("[spot]\n", "[spot]\nadvisor_file = \"/dev/zero\"\n");
    let path = write_file(dir.path(), "feed.toml", &text);
    let stderr = refused(&["validate", path.to_str().unwrap()]);
    assert!(
        stderr.contains(
            "spot.advisor_file (\"/dev/zero\") cannot be read (/dev/zero): is a device, not a \
             regular file: spotsim reads a Spot Advisor feed file only from a regular file"
        ),
        "{stderr}"
    );
}

#[test]
fn thousands_of_unknown_keys_print_fifty_and_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "[job]\ntraining = \"1h\"\n[pricing]\non_demand_hourly = 1\n[spot]\nenabled = false\n",
    );
    for index in 0..20_000 {
        text.push_str(&format!("k{index} = 1\n"));
    }
    let path = write_file(dir.path(), "many.toml", &text);
    let stderr = refused(&["validate", path.to_str().unwrap()]);
    assert_eq!(stderr.lines().count(), 51, "{stderr}");
    assert!(
        stderr
            .trim_end()
            .ends_with("… and 19,950 more problems (the first 50 are shown)"),
        "{stderr}"
    );
}

#[test]
fn a_byte_order_mark_is_accepted_in_json_documents() {
    let dir = tempfile::tempdir().unwrap();
    let request =
        std::fs::read(super::project_dir().join("tests/fixtures/requests/spot-checkpoints.json"))
            .unwrap();
    let path = dir.path().join("request.json");
    std::fs::write(&path, [b"\xEF\xBB\xBF".as_slice(), &request].concat()).unwrap();
    spotsim()
        .args(["import", "create-training-job", path.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn more_threads_than_cores_are_clamped_and_give_the_same_bytes() {
    let output = |threads: &str| {
        super::stdout_of(spotsim().args([
            "run",
            "scenarios/quickstart.toml",
            "--runs",
            "1000",
            "--format",
            "json",
            "--threads",
            threads,
        ]))
    };
    assert_eq!(output("10000"), output("1"));
}

#[test]
fn absurd_job_documents_are_refused_not_dropped_nor_counted_twice() {
    let fixture = super::project_dir().join("tests/fixtures/jobs/distilbert-spot.json");
    let shown = fixture.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("again.json");
    std::os::unix::fs::symlink(&fixture, &link).unwrap();
    let stderr = refused(&["fit", "jobs", shown, shown, link.to_str().unwrap()]);
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(
        stderr.contains(&format!("is the same file as {shown}, given before")),
        "{stderr}"
    );
    let mut job: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    let transitions = job["SecondaryStatusTransitions"].as_array_mut().unwrap();
    transitions[0]["StartTime"] = serde_json::json!(1e300);
    transitions[1]["StartTime"] = serde_json::json!("99999-01-01T00:00:00Z");
    transitions[2]["EndTime"] = serde_json::json!(0);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, job.to_string()).unwrap();
    for command in ["fit jobs", "import describe-training-job"] {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push(bad.to_str().unwrap());
        let stderr = refused(&args);
        for expected in [
            "SecondaryStatusTransitions[0].StartTime (1e+300) must be an ISO 8601 timestamp",
            "SecondaryStatusTransitions[1].StartTime (\"99999-01-01T00:00:00Z\") must be",
            "SecondaryStatusTransitions[2].EndTime (0) is before the StartTime",
        ] {
            assert!(stderr.contains(expected), "{command}: {expected}\n{stderr}");
        }
    }
}

/// The distilbert fixture job after `edit`, given to `fit jobs` and to `import
/// describe-training-job`: each command's name and stderr (both must refuse it, exit 2).
fn edited_job_refused(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<(&'static str, String)> {
    let fixture = super::project_dir().join("tests/fixtures/jobs/distilbert-spot.json");
    let dir = tempfile::tempdir().unwrap();
    let mut job: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    edit(&mut job);
    let bad = dir.path().join("edited.json");
    std::fs::write(&bad, job.to_string()).unwrap();
    ["fit jobs", "import describe-training-job"]
        .into_iter()
        .map(|command| {
            let mut args: Vec<&str> = command.split(' ').collect();
            args.push(bad.to_str().unwrap());
            (command, refused(&args))
        })
        .collect()
}

#[test]
fn a_job_billed_for_more_than_it_ran_is_refused_by_fit_and_import() {
    // Billable 900 s over Training 874 s would fit a negative spot discount, written into a
    // scenario that `validate` refuses.
    let refusals = edited_job_refused(|job| {
        job["BillableTimeInSeconds"] = serde_json::json!(900);
    });
    for (command, stderr) in refusals {
        assert!(
            stderr.contains("BillableTimeInSeconds (900) must be at most TrainingTimeInSeconds"),
            "{command}\n{stderr}"
        );
        assert!(!stderr.contains("discount = -"), "{command}\n{stderr}");
    }
}

#[test]
fn absurd_job_times_are_refused_with_short_numbers() {
    let refusals = edited_job_refused(|job| {
        job["BillableTimeInSeconds"] = serde_json::json!(-5);
        job["TrainingTimeInSeconds"] = serde_json::json!(1e300);
    });
    for (command, stderr) in refusals {
        for expected in [
            "TrainingTimeInSeconds (1e300) must be a number of seconds from 0 to 315360000",
            "BillableTimeInSeconds (-5) must be a number of seconds from 0 to 315360000",
        ] {
            assert!(stderr.contains(expected), "{command}: {expected}\n{stderr}");
        }
        assert!(
            !stderr.contains("0000000000"),
            "{command}: a long number\n{stderr}"
        );
    }
}

#[test]
fn a_submission_plan_that_cannot_be_read_is_refused_in_the_documented_form() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(super::project_dir().join("scenarios/quickstart.toml")).unwrap();
    write_file(dir.path(), "s.toml", &text);
    let fleet = write_file(
        dir.path(),
        "fleet.toml",
        "[[workload]]\nscenario = \"s.toml\"\narrivals = { file = \"/dev/zero\" }\n",
    );
    let stderr = refused(&["validate", fleet.to_str().unwrap()]);
    assert!(
        stderr.contains(
            "workload.arrivals.file (\"/dev/zero\") cannot be read (/dev/zero): is a device, not \
             a regular file"
        ),
        "{stderr}"
    );
}
