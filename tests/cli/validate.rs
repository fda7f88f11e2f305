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
