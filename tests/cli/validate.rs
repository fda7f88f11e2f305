//! `spotsim validate`: prints what was understood, defaults filled in.

use super::{spotsim, stdout_of};

#[test]
fn validate_describes_the_quickstart() {
    let text = stdout_of(spotsim().args(["validate", "scenarios/quickstart.toml"]));
    insta::assert_snapshot!(text);
}

#[test]
fn validate_fills_in_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = super::write_file(
        dir.path(),
        "minimal.toml",
        "[job]\ntraining = \"3h\"\n[pricing]\non_demand_hourly = 1.5\n",
    );
    let text = stdout_of(spotsim().args(["validate", path.to_str().unwrap()]));
    for expected in [
        "max_run",
        "1d (MaxRuntimeInSeconds 86400)",
        "[spot] not enabled: the job runs on-demand",
        "[checkpoint] none\n",
        "100,000, seed 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn every_shipped_scenario_is_valid_and_runs() {
    // The trace scenarios read the data vendored in data/: a clone runs them without ../shared.
    let mut paths: Vec<String> = ["scenarios", "scenarios/cookbook", "scenarios/traces"]
        .into_iter()
        .flat_map(|dir| {
            std::fs::read_dir(super::project_dir().join(dir))
                .unwrap()
                .map(move |entry| format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy()))
        })
        .filter(|path| {
            std::path::Path::new(path)
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("toml"))
        })
        .collect();
    paths.sort();
    assert!(paths.len() >= 12, "{paths:?}");
    for path in paths {
        let text = stdout_of(spotsim().args(["validate", &path]));
        assert!(text.starts_with(&format!("{path}: valid")), "{text}");
        let json = stdout_of(spotsim().args(["run", &path, "--runs", "200", "--format", "json"]));
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(report["runs"], 200, "{path}");
    }
}

#[test]
fn validate_shows_the_advisor_conversion() {
    let text = stdout_of(spotsim().args(["validate", "scenarios/advisor-bucket.toml"]));
    assert!(
        text.contains("exponential, mean 84d 3h per instance"),
        "30 % per 30 days is a mean of 30 d / -ln 0.7 = 84.1 d:\n{text}"
    );
    assert!(text.contains("bucket >20%, upper (conservative) end: 30.0 % of instances"));
}

#[test]
fn shipped_trace_scenarios_read_the_vendored_data() {
    // Availability shares documented with the data: high, mid, low; every trace scenario runs.
    for (zone, share) in [
        ("us-west-2a", "88.3 %"),
        ("us-west-2a-prices", "88.3 %"),
        ("us-east-1f", "59.1 %"),
        ("us-east-1a", "16.7 %"),
        ("markov-fitted-us-east-1f", ""),
    ] {
        let path = if zone.starts_with("markov") {
            format!("scenarios/traces/{zone}.toml")
        } else {
            format!("scenarios/traces/v100-{zone}.toml")
        };
        let text = stdout_of(spotsim().args(["validate", &path]));
        if !share.is_empty() {
            assert!(
                text.contains(&format!(
                    "capacity for the cluster        {share} of the time"
                )),
                "{text}"
            );
        }
        let json = stdout_of(spotsim().args(["run", &path, "--runs", "300", "--format", "json"]));
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(
            report["spot"]["outcomes"]["completed"].as_f64().unwrap() > 0.0,
            "{zone}"
        );
    }
}

/// Issue 17: `[fallback]` is shown with its rule, its parameters and the switch in words, with
/// the engine's figures. Here the lead is the stop upload 1m, reaction 0s, provisioning 3m,
/// download 3m, restore 1m and upload 1m plus the 5m margin: 14m; before any checkpoint the
/// switch comes at 6h 30m − 14m − 6h − 11 saves × 30s = 10m 30s.
#[test]
fn validate_shows_the_fallback_and_its_switch_rule() {
    let dir = tempfile::tempdir().unwrap();
    let base = "[job]\ntraining = \"6h\"\nprovisioning = \"3m\"\ndownload = \"3m\"\n\
                upload = \"1m\"\n[stopping]\nmax_run = \"9h\"\nmax_wait = \"10h\"\n[spot]\n\
                enabled = true\ncapacity_wait = \"10m\"\ntime_to_interruption = \"8h\"\n\
                discount = 0.7\n[checkpoint]\ninterval = \"30m\"\nsave = \"30s\"\n\
                restore = \"1m\"\n[pricing]\non_demand_hourly = 3\n[fallback]\n";
    for (fallback, expected) in [
        (
            "when = \"deadline\"\ndeadline = \"6h30m\"\nmargin = \"5m\"",
            vec![
                "[fallback] a scheduler outside SageMaker (which has none) finishes the job on-demand",
                "deadline 6h 30m from the spot job's creation, margin 5m",
                "when the remaining training from the last durable checkpoint, plus its \
                 checkpoint saves, plus the on-demand overhead and the margin reaches the time \
                 left to the deadline",
                "14m (means): the spot job's stop upload 1m, reaction 0s, then the on-demand \
                 job's provisioning 3m, download 3m, restore 1m and upload 1m; margin 5m",
                "one per 30m of remaining training, none at the end, 30s each (mean)",
                "switch 10m 30s after creation at the latest (mean training 6h, 11 saves)",
            ],
        ),
        (
            "when = \"max_wait\"\nreaction = \"2m\"",
            vec![
                "when SageMaker ends the spot job with MaxWaitTimeExceeded (10h after its \
                 creation), the scheduler creates the on-demand job",
                "2m from the spot job's end to the on-demand job's creation",
                "its own MaxRuntime 9h, no MaxWait",
            ],
        ),
        (
            "when = \"interruptions\"\ninterruptions = 3",
            vec!["at the spot job's interruption number 3, the scheduler stops the spot job"],
        ),
        (
            "when = \"waiting\"\nwaiting = \"2h\"",
            vec!["when one wait for spot capacity reaches 2h, the scheduler stops the spot job"],
        ),
    ] {
        let path = super::write_file(dir.path(), "f.toml", &format!("{base}{fallback}\n"));
        let text = stdout_of(spotsim().args(["validate", path.to_str().unwrap()]));
        for want in expected {
            assert!(text.contains(want), "{fallback}: {want}\n{text}");
        }
    }
}
