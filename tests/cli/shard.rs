//! `spotsim run|fleet|sweep|compare --shard` and `spotsim merge`: the merged output is byte for
//! byte the command's on one machine, whatever the number of shards and the order of the parts;
//! parts of different simulations, duplicates, missing shards and altered statistics are
//! refused with exit 2 and nothing on stdout.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use super::{spotsim, stdout_of, write_file};

/// A spot scenario over an availability trace (a data file beside it), for merges that must
/// re-read data files.
const TRACE_SCENARIO: &str = r#"
[job]
training = "2h"
[stopping]
max_run = "6h"
max_wait = "12h"
[spot]
enabled = true
discount = 0.7
[spot.market]
model = "trace"
file = "events.csv"
format = "events"
[checkpoint]
interval = "20m"
[pricing]
on_demand_hourly = 3.06
"#;

const EVENTS: &str = "0,add,a\n3600000,remove,a\n3900000,add,a\n10800000,remove,a\n\
                      11000000,add,a\n14400000,remove,a\n";

/// Writes shard K/N of `scenario` (with `extra` flags) to `dir/part-K.json`.
fn shard(dir: &Path, scenario: &str, k: u64, n: u64, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("part-{k}.json"));
    spotsim()
        .args(["run", scenario, "--shard", &format!("{k}/{n}"), "--out"])
        .arg(&out)
        .args(extra)
        .assert()
        .success()
        .stdout("");
    out
}

fn merge(parts: &[PathBuf], extra: &[&str]) -> Command {
    let mut command = spotsim();
    command.arg("merge").args(parts).args(extra);
    command
}

/// `merge` fails with exit 2, nothing on stdout, and this on stderr.
fn refused(mut command: Command) -> String {
    let output = command.assert().code(2).stdout("").get_output().clone();
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn merged_parts_print_what_one_run_prints_byte_for_byte() {
    // 200,000 runs: 4 blocks, the last partial, and beyond the 131,072 values kept exactly, so
    // the percentiles come from sketches merged across parts.
    let dir = tempfile::tempdir().unwrap();
    let args = ["--runs", "200000", "--seed", "7", "-q"];
    let mut parts: Vec<PathBuf> = (1..=3)
        .map(|k| shard(dir.path(), "scenarios/reference.toml", k, 3, &args))
        .collect();
    parts.reverse();
    parts.swap(0, 1);
    let run = || {
        let mut command = spotsim();
        command.args(["run", "scenarios/reference.toml"]).args(args);
        command
    };
    let expected_json = stdout_of(run().args(["--format", "json"]));
    assert_eq!(
        stdout_of(&mut merge(&parts, &["--format", "json"])),
        expected_json
    );
    let expected_table = stdout_of(&mut run());
    assert_eq!(stdout_of(&mut merge(&parts, &[])), expected_table);
    // Elsewhere: the scenario is re-read from the parts (it has no data file).
    let elsewhere = tempfile::tempdir().unwrap();
    let mut command = merge(&parts, &["--format", "json"]);
    command.current_dir(elsewhere.path());
    assert_eq!(stdout_of(&mut command), expected_json);
}

#[test]
fn more_shards_than_blocks_and_the_slices_rows() {
    // 70,000 runs: 2 blocks among 5 shards, three of them empty. Each shard's --runs-csv holds
    // its slice's rows; the files, headers but the first dropped, are run's --runs-csv.
    let dir = tempfile::tempdir().unwrap();
    let scenario = "scenarios/quickstart.toml";
    let mut parts = Vec::new();
    let mut rows = String::new();
    for k in 1..=5 {
        let csv = dir.path().join(format!("runs-{k}.csv"));
        let csv_arg = csv.to_str().unwrap();
        parts.push(shard(
            dir.path(),
            scenario,
            k,
            5,
            &["--runs", "70000", "-q", "--runs-csv", csv_arg],
        ));
        let text = std::fs::read_to_string(&csv).unwrap();
        let body = if k == 1 {
            &text[..]
        } else {
            text.split_once('\n').unwrap().1
        };
        rows.push_str(body);
    }
    let whole_csv = dir.path().join("whole.csv");
    let json = stdout_of(
        spotsim()
            .args([
                "run",
                scenario,
                "--runs",
                "70000",
                "--format",
                "json",
                "--runs-csv",
            ])
            .arg(&whole_csv),
    );
    assert_eq!(stdout_of(&mut merge(&parts, &["--format", "json"])), json);
    assert_eq!(rows, std::fs::read_to_string(&whole_csv).unwrap());
}

#[test]
fn parts_of_different_simulations_duplicates_and_gaps_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = "scenarios/quickstart.toml";
    let small = ["--runs", "1000", "-q"];
    let one = shard(dir.path(), scenario, 1, 2, &small);
    let two = shard(dir.path(), scenario, 2, 2, &small);
    let other = tempfile::tempdir().unwrap();
    let seed = shard(
        other.path(),
        scenario,
        2,
        2,
        &["--runs", "1000", "-q", "--seed", "9"],
    );
    let stderr = refused(merge(&[one.clone(), seed.clone()], &[]));
    assert!(
        stderr.contains("seed 9, but") && stderr.contains("parts of different simulations"),
        "{stderr}"
    );
    let reference = shard(other.path(), "scenarios/reference.toml", 2, 2, &small);
    let stderr = refused(merge(&[one.clone(), reference], &[]));
    assert!(stderr.contains("scenario SHA-256"), "{stderr}");
    let runs = shard(other.path(), scenario, 2, 2, &["--runs", "2000", "-q"]);
    assert!(refused(merge(&[one.clone(), runs], &[])).contains("runs 2000, but"));
    let three = shard(other.path(), scenario, 2, 3, &small);
    assert!(refused(merge(&[one.clone(), three], &[])).contains("shard count 3, but"));
    let copy = dir.path().join("copy.json");
    std::fs::copy(&two, &copy).unwrap();
    let stderr = refused(merge(&[one.clone(), two.clone(), copy], &[]));
    assert!(stderr.contains("shard 2/2 again"), "{stderr}");
    let stderr = refused(merge(std::slice::from_ref(&two), &[]));
    assert!(stderr.contains("missing shard 1/2"), "{stderr}");
    let garbage = write_file(dir.path(), "garbage.json", "{\"runs\": 3}");
    let stderr = refused(merge(&[one.clone(), garbage], &[]));
    assert!(
        stderr.contains("garbage.json: not a spotsim part file"),
        "{stderr}"
    );
    let future = write_file(
        dir.path(),
        "future.json",
        &std::fs::read_to_string(&two).unwrap().replacen(
            "\"format_version\":2",
            "\"format_version\":3",
            1,
        ),
    );
    let stderr = refused(merge(&[one.clone(), future], &[]));
    assert!(stderr.contains("part format version 3"), "{stderr}");
    // Usage: --out is required, --charts is refused with a shard.
    spotsim()
        .args(["run", scenario, "--shard", "1/2"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--out"));
    spotsim()
        .args(["run", scenario, "--shard", "3/2", "--out", "x.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("K counts from 1 to N"));
    let stderr = spotsim()
        .args([
            "run", scenario, "--shard", "1/2", "--out", "x.json", "--charts", "c",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&stderr).contains("cannot be used with"));
}

#[test]
fn the_shard_index_comes_from_each_schedulers_variable() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = "scenarios/quickstart.toml";
    let from_env = |var: &str, index: &str, out: &str| {
        let mut command = spotsim();
        for name in spotsim::montecarlo::shard::ENV_VARS {
            command.env_remove(name);
        }
        command
            .env(var, index)
            .args([
                "run",
                scenario,
                "--runs",
                "140000",
                "-q",
                "--shard-from-env",
                "3",
            ])
            .args(["--out", out]);
        command
    };
    let mut parts = Vec::new();
    for (index, var) in spotsim::montecarlo::shard::ENV_VARS.iter().enumerate() {
        let out = dir.path().join(format!("part-{index}.json"));
        from_env(var, &index.to_string(), out.to_str().unwrap())
            .assert()
            .success();
        let part: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(part["shard"], index as u64 + 1, "{var}");
        parts.push(out);
    }
    let json = stdout_of(spotsim().args(["run", scenario, "--runs", "140000", "--format", "json"]));
    assert_eq!(stdout_of(&mut merge(&parts, &["--format", "json"])), json);
    let output = from_env("SLURM_ARRAY_TASK_ID", "3", "x.json")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("SLURM_ARRAY_TASK_ID=3") && stderr.contains("--array=0-2"),
        "{stderr}"
    );
    let mut unset = spotsim();
    for name in spotsim::montecarlo::shard::ENV_VARS {
        unset.env_remove(name);
    }
    unset
        .args(["run", scenario, "--shard-from-env", "3", "--out", "x.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("none of JOB_COMPLETION_INDEX"));
}

#[test]
fn data_files_resolve_from_the_stored_path_or_from_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(dir.path(), "t.toml", TRACE_SCENARIO);
    write_file(dir.path(), "events.csv", EVENTS);
    let scenario = scenario.to_str().unwrap();
    let small = ["--runs", "3000", "-q"];
    let parts: Vec<PathBuf> = (1..=2)
        .map(|k| shard(dir.path(), scenario, k, 2, &small))
        .collect();
    let json = stdout_of(
        spotsim()
            .args(["run", scenario, "--format", "json"])
            .args(small),
    );
    // Stored as an absolute path: found again from anywhere on this machine.
    assert_eq!(stdout_of(&mut merge(&parts, &["--format", "json"])), json);
    // Another machine, where the trace is elsewhere: the stored path fails, clearly ...
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = write_file(elsewhere.path(), "job.toml", TRACE_SCENARIO);
    write_file(elsewhere.path(), "events.csv", EVENTS);
    std::fs::remove_file(dir.path().join("events.csv")).unwrap();
    let stderr = refused(merge(&parts, &[]));
    assert!(
        stderr.contains("events.csv") && stderr.contains("--scenario PATH"),
        "{stderr}"
    );
    // ... and --scenario names the file here.
    let mut command = merge(&parts, &["--format", "json", "--scenario"]);
    command.arg(&moved);
    assert_eq!(stdout_of(&mut command), json);
    // A different trace is another scenario.
    write_file(
        elsewhere.path(),
        "events.csv",
        "0,add,a\n7200000,remove,a\n",
    );
    let mut command = merge(&parts, &["--scenario"]);
    command.arg(&moved);
    assert!(refused(command).contains("is not the one the parts simulated"));
}

/// Writes shard K/N of the fleet `fleet` (with `extra` flags) to `dir/fleet-K-of-N.json`.
fn fleet_shard(dir: &Path, fleet: &str, k: u64, n: u64, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("fleet-{k}-of-{n}.json"));
    spotsim()
        .args(["fleet", fleet, "--shard", &format!("{k}/{n}"), "--out"])
        .arg(&out)
        .args(extra)
        .assert()
        .success()
        .stdout("");
    out
}

#[test]
fn fleet_parts_merge_into_what_one_machine_prints_for_any_shard_and_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = "scenarios/fleets/team.toml";
    let whole: Vec<String> = ["table", "json", "csv"]
        .iter()
        .map(|format| {
            stdout_of(spotsim().args(["fleet", fleet, "--runs", "9", "-q", "--format", format]))
        })
        .collect();
    // 9 months in 1, 2 and 4 shards (the last with fewer months than shards would leave some
    // empty), each shard on another thread count, given to merge in reverse order.
    for (n, threads) in [(1, "2"), (2, "1"), (4, "2")] {
        let mut parts: Vec<PathBuf> = (1..=n)
            .map(|k| {
                fleet_shard(
                    dir.path(),
                    fleet,
                    k,
                    n,
                    &["--runs", "9", "-q", "--threads", threads],
                )
            })
            .collect();
        parts.reverse();
        for (format, expected) in ["table", "json", "csv"].iter().zip(&whole) {
            let merged = stdout_of(&mut merge(&parts, &["--format", format]));
            assert_eq!(&merged, expected, "{n} shards, --format {format}");
        }
    }
    // --no-quotas travels with the parts.
    let parts: Vec<PathBuf> = (1..=2)
        .map(|k| {
            fleet_shard(
                dir.path(),
                fleet,
                k,
                2,
                &["--runs", "4", "-q", "--no-quotas"],
            )
        })
        .collect();
    assert_eq!(
        stdout_of(&mut merge(&parts, &[])),
        stdout_of(spotsim().args(["fleet", fleet, "--runs", "4", "-q", "--no-quotas"]))
    );
}

#[test]
fn parts_of_different_commands_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let run_part = shard(
        dir.path(),
        "scenarios/quickstart.toml",
        1,
        2,
        &["--runs", "1000"],
    );
    let fleet_part = fleet_shard(
        dir.path(),
        "scenarios/fleets/team.toml",
        2,
        2,
        &["--runs", "2", "-q"],
    );
    let stderr = refused(merge(&[run_part, fleet_part.clone()], &[]));
    assert!(stderr.contains("command fleet, but"), "{stderr}");
    // A fleet part whose fold lost a month is refused as altered.
    let text = std::fs::read_to_string(&fleet_part).unwrap();
    let altered = write_file(
        dir.path(),
        "altered.json",
        &text.replacen(
            "\"blocks\":{\"start\":1,\"end\":2}",
            "\"blocks\":{\"start\":0,\"end\":2}",
            1,
        ),
    );
    assert_ne!(std::fs::read_to_string(&altered).unwrap(), text);
    let stderr = refused(merge(&[altered], &[]));
    assert!(stderr.contains("the file was altered"), "{stderr}");
}

/// Writes shard K/N of the study `args` (`sweep ...` or `compare ...`) to `dir/study-K.json`.
fn study_shard(dir: &Path, args: &[&str], k: u64, n: u64) -> PathBuf {
    let out = dir.join(format!("study-{k}.json"));
    spotsim()
        .args(args)
        .args(["--shard", &format!("{k}/{n}"), "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    out
}

#[test]
fn sweep_and_compare_parts_merge_into_what_one_machine_prints() {
    let dir = tempfile::tempdir().unwrap();
    // 140,000 runs: beyond the 131,072 runs paired exactly, so the merged pairs are per-block
    // moments combined across parts; 3 blocks in 2 shards. 50,000 runs: one block, exact, and
    // a shard with no block.
    let studies: [&[&str]; 4] = [
        &[
            "sweep",
            "scenarios/quickstart.toml",
            "--set",
            "checkpoint.interval=10m..40m:2",
            "--runs",
            "140000",
            "-q",
        ],
        &[
            "sweep",
            "scenarios/time-of-day.toml",
            "--set",
            "checkpoint.interval=15m..30m:2",
            "--metric",
            "p95_wall_s",
            "--runs",
            "140000",
            "-q",
        ],
        &[
            "compare",
            "scenarios/quickstart.toml",
            "scenarios/reference.toml",
            "--runs",
            "140000",
            "-q",
        ],
        &[
            "compare",
            "scenarios/quickstart.toml",
            "scenarios/markov.toml",
            "--runs",
            "50000",
            "-q",
        ],
    ];
    for args in studies {
        let one = stdout_of(spotsim().args(args).args(["--format", "json"]));
        let table = stdout_of(spotsim().args(args));
        let parts: Vec<PathBuf> = (1..=2)
            .rev()
            .map(|k| study_shard(dir.path(), args, k, 2))
            .collect();
        assert_eq!(
            stdout_of(&mut merge(&parts, &["--format", "json"])),
            one,
            "{args:?}"
        );
        assert_eq!(stdout_of(&mut merge(&parts, &[])), table, "{args:?}");
    }
}

#[test]
fn altered_statistics_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "compare",
        "scenarios/quickstart.toml",
        "scenarios/reference.toml",
        "--runs",
        "2000",
        "-q",
    ];
    let part = study_shard(dir.path(), &args, 1, 1);
    let text = std::fs::read_to_string(&part).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    // A mean cost raised by 10 % (sum and mean together): the checksum no longer matches.
    let moments = &mut json["study"]["variants"][0]["blocks"][0]["on_demand"]["metrics"][2];
    let sum = moments["sum"].as_f64().unwrap();
    let mean = moments["mean"].as_f64().unwrap();
    moments["sum"] = serde_json::json!(sum * 1.1);
    moments["mean"] = serde_json::json!(mean * 1.1);
    let edited = write_file(dir.path(), "edited.json", &json.to_string());
    let stderr = refused(merge(&[edited], &[]));
    assert!(stderr.contains("do not match their SHA-256"), "{stderr}");
    // Impossible moments (a negative sum of squares) with the checksum recomputed to match, as
    // a careful forger would: refused by the moments' own check.
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["study"]["variants"][1]["blocks"][0]["spot"]["metrics"][0]["m2"] = serde_json::json!(-1.0);
    let mut part: spotsim::parts::Part = serde_json::from_value(json).unwrap();
    part.stats_sha256 = part.statistics_sha256();
    let forged = write_file(dir.path(), "forged.json", &part.to_json());
    let stderr = refused(merge(&[forged], &[]));
    assert!(
        stderr.contains("negative sum of squared deviations") && stderr.contains("altered"),
        "{stderr}"
    );
    // More forgeries that keep every moment consistent and the checksum matching.
    let forge = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
        edit(&mut json["study"]["variants"][0]["blocks"][0]);
        let mut part: spotsim::parts::Part = serde_json::from_value(json).unwrap();
        part.stats_sha256 = part.statistics_sha256();
        refused(merge(&[write_file(dir.path(), name, &part.to_json())], &[]))
    };
    // A cost below zero (cost is metric 3: wall, training, billable, cost, ...).
    let stderr = forge("negative.json", &|block| {
        block["on_demand"]["metrics"][3]["min"] = serde_json::json!(-1.0);
    });
    assert!(
        stderr.contains("on-demand cost_usd: a smallest value (-1) below zero"),
        "{stderr}"
    );
    // The spot cost's mean and sum raised by 1 % together: the paired costs still hold the
    // simulated mean.
    let stderr = forge("spot-cost.json", &|block| {
        let cost = &mut block["spot"]["metrics"][3];
        let (sum, mean) = (
            cost["sum"].as_f64().unwrap(),
            cost["mean"].as_f64().unwrap(),
        );
        cost["sum"] = serde_json::json!(sum * 1.01);
        cost["mean"] = serde_json::json!(mean * 1.01);
    });
    assert!(
        stderr.contains("paired costs whose spot mean") && stderr.contains("altered"),
        "{stderr}"
    );
    // A huge value is quoted short: `1e300`, not 301 digits.
    let stderr = forge("huge.json", &|block| {
        block["spot"]["metrics"][0]["m2"] = serde_json::json!(1e300);
    });
    assert!(stderr.contains("1e300") && stderr.len() < 1000, "{stderr}");
}
