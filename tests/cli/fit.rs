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
