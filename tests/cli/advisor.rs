//! The Spot Advisor feed: `advisor = "feed"` and `discount = "feed"` give exactly the scenario
//! written with the bucket and discount by hand; a newer feed file; what is refused.

use super::{spotsim, stdout_of, write_file};
use spotsim::scenario::advisor::{ec2_type, snapshot};

/// A job whose market comes from the feed, or from `bucket` and `discount` written by hand.
fn job(instance_type: &str, region: &str, bucket: &str, discount: &str) -> String {
    format!(
        r#"[job]
instance_type = "{instance_type}"
region = "{region}"
instance_count = 2
training = {{ dist = "lognormal", mean = "8h", std = "2h" }}
download = "4m"
[stopping]
max_run = "1d"
max_wait = "2d"
[spot]
enabled = true
capacity_wait = {{ dist = "exponential", mean = "10m" }}
time_to_interruption = {{ advisor = {bucket} }}
discount = {discount}
[checkpoint]
interval = "20m"
[pricing]
on_demand_hourly = 3.0
"#
    )
}

#[test]
fn the_feed_gives_exactly_the_scenario_written_by_hand() {
    // The same file name in two folders: the name a report shows is the file's stem.
    let (feed_dir, hand_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let feed = snapshot();
    // Every bucket from the lowest to the highest, savings of 1 % and 0 % included.
    for (instance_type, region) in [
        ("ml.g5.2xlarge", "eu-west-1"),
        ("ml.r7g.medium", "ca-west-1"),
        ("ml.i3en.3xlarge", "ca-west-1"),
        ("ml.g4dn.xlarge", "ap-southeast-2"),
        ("ml.p3.2xlarge", "us-east-1"),
        ("ml.c5.metal", "ca-west-1"),
        ("ml.m5.metal", "ca-west-1"),
    ] {
        let entry = feed.lookup(region, ec2_type(instance_type)).unwrap();
        let by_feed = write_file(
            feed_dir.path(),
            "job.toml",
            &job(instance_type, region, "\"feed\"", "\"feed\""),
        );
        let json = |path: &std::path::Path| {
            stdout_of(spotsim().args([
                "run",
                path.to_str().unwrap(),
                "--runs",
                "3000",
                "--format",
                "json",
            ]))
        };
        let from_feed = json(&by_feed);
        // The figures as a user reads them off the Advisor page: the label and s / 100.
        let by_hand = write_file(
            hand_dir.path(),
            "job.toml",
            &job(
                instance_type,
                region,
                &format!("{:?}", entry.bucket),
                &format!("0.{:02}", entry.savings_pct),
            ),
        );
        assert_eq!(from_feed, json(&by_hand), "{instance_type} in {region}");
    }
    // The README's examples of the snapshot.
    let p3 = feed.lookup("us-east-1", "p3.2xlarge").unwrap();
    assert_eq!((p3.bucket, p3.savings_pct), (">20%", 80));
}

#[test]
fn validate_shows_what_the_feed_gave_and_its_date() {
    let text = stdout_of(spotsim().args(["validate", "scenarios/advisor-feed.toml"]));
    for expected in [
        "[job] g5-feed · ml.g5.2xlarge × 1 in eu-west-1",
        "g5.2xlarge in eu-west-1: bucket <5%, savings 54 % (the shipped snapshot of 2025-06-28)",
        // 5 % per 30 days: 30 d / -ln 0.95 = 584.9 d.
        "exponential, mean 584d 21h per instance",
        "discount                        54.0 %",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn a_newer_feed_file_is_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "feed.json",
        r#"{"ranges": [{"index": 0, "label": "<5%", "max": 5}, {"index": 1, "label": "15-20%", "max": 22}],
            "spot_advisor": {"eu-west-1": {"Linux": {"g5.2xlarge": {"s": 61, "r": 1}}}}}"#,
    );
    let text = job("ml.g5.2xlarge", "eu-west-1", "\"feed\"", "\"feed\"")
        .replace("[spot]\n", "[spot]\nadvisor_file = \"feed.json\"\n");
    let path = write_file(dir.path(), "s.toml", &text);
    let out = stdout_of(spotsim().args(["validate", path.to_str().unwrap()]));
    assert!(out.contains("bucket 15-20%, savings 61 % ("), "{out}");
    assert!(
        out.contains("feed.json); took its bucket and its savings"),
        "{out}"
    );
    // Every bad value is named, and nothing runs.
    write_file(
        dir.path(),
        "feed.json",
        r#"{"ranges": [{"index": 0, "label": "<5%"}],
            "spot_advisor": {"eu-west-1": {"Linux": {"g5.2xlarge": {"s": 161, "r": 0}, "g5.xlarge": {"s": 10, "r": 7}}}}}"#,
    );
    let output = spotsim()
        .args(["run", path.to_str().unwrap()])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.stdout.is_empty());
    for expected in [
        "spot.advisor_file (\"feed.json\")",
        "spot_advisor.eu-west-1.Linux.g5.2xlarge = {\"r\":0,\"s\":161}",
        "spot_advisor.eu-west-1.Linux.g5.xlarge",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in\n{stderr}"
        );
    }
}

#[test]
fn a_type_or_region_missing_from_the_feed_is_refused_with_the_closest() {
    let dir = tempfile::tempdir().unwrap();
    for (instance_type, region, expected) in [
        (
            "ml.g5.2xlarge",
            "eu-west-9",
            "job.region (\"eu-west-9\") region eu-west-9 is not in the Spot Advisor feed (the \
             shipped snapshot of 2025-06-28); closest: eu-west-1, eu-west-2, eu-west-3",
        ),
        (
            "ml.p3.2xlarge",
            "eu-north-1",
            "regions that list it: ap-northeast-1, ap-northeast-2,",
        ),
    ] {
        let path = write_file(
            dir.path(),
            "s.toml",
            &job(instance_type, region, "\"feed\"", "\"feed\""),
        );
        let output = spotsim()
            .args(["validate", path.to_str().unwrap()])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in\n{stderr}"
        );
        // Named once, though both keys read the feed.
        assert_eq!(stderr.matches("Spot Advisor feed").count(), 1, "{stderr}");
    }
    // Without a region the feed cannot be read; a feed file nothing reads is a mistake too.
    let text = job("ml.g5.2xlarge", "x", "\"feed\"", "0.5").replace("region = \"x\"\n", "");
    let path = write_file(dir.path(), "s.toml", &text);
    let stderr = String::from_utf8(
        spotsim()
            .args(["validate", path.to_str().unwrap()])
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone(),
    )
    .unwrap();
    assert!(stderr.contains("needs job.instance_type"), "{stderr}");
}
