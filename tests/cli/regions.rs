//! `spotsim regions`: the shipped feed scenario in several regions, ranked, the same for any
//! thread count; what is refused.

use super::{same_for_thread_counts, spotsim, stdout_of};

#[test]
fn regions_ranks_the_feed_scenario_by_real_saving() {
    let json = same_for_thread_counts(&["1", "2"], |threads| {
        stdout_of(spotsim().args([
            "regions",
            "scenarios/advisor-feed.toml",
            "--region",
            "us-east-1,ap-south-1,eu-central-1",
            "--runs",
            "3000",
            "--format",
            "json",
            "--threads",
            threads,
            "-q",
        ]))
    });
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let regions = report["regions"].as_array().unwrap();
    // The scenario's own region and the three asked for.
    assert_eq!(regions.len(), 4);
    let names: Vec<&str> = regions
        .iter()
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    for region in ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1"] {
        assert!(names.contains(&region), "{names:?}");
    }
    let savings: Vec<f64> = regions
        .iter()
        .map(|r| r["real_saving_pct"].as_f64().unwrap())
        .collect();
    assert!(savings.windows(2).all(|w| w[0] >= w[1]), "{savings:?}");
    for (rank, region) in regions.iter().enumerate() {
        assert_eq!(region["rank"], rank + 1);
        let ci = region["wall_p95_ci95_s"].as_array().unwrap();
        let p95 = region["wall_p95_s"].as_f64().unwrap();
        assert!(ci[0].as_f64().unwrap() <= p95 && p95 <= ci[1].as_f64().unwrap());
    }
    assert_eq!(
        regions.iter().filter(|r| r["home"] == true).count(),
        1,
        "{regions:?}"
    );
    assert!(report["feed"].as_str().unwrap().contains("2025-06-28"));
    // The table says the same, with the date and the assumption.
    let table = stdout_of(spotsim().args([
        "regions",
        "scenarios/advisor-feed.toml",
        "--region",
        "us-east-1",
        "--runs",
        "1000",
        "-q",
    ]));
    assert!(table.contains("eu-west-1 (scenario's)"), "{table}");
    assert!(table.contains("snapshot of 2025-06-28"), "{table}");
    assert!(
        table.contains("EC2's savings taken as SageMaker's discount"),
        "{table}"
    );
}

#[test]
fn regions_refuses_a_scenario_without_the_feed_and_unknown_regions() {
    let output = spotsim()
        .args(["regions", "scenarios/quickstart.toml"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("needs a scenario that reads the Spot Advisor feed"),
        "{stderr}"
    );
    let output = spotsim()
        .args([
            "regions",
            "scenarios/advisor-feed.toml",
            "--region",
            "eu-west-9,us-east-1",
            "--chart",
            "x.gif",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("--region eu-west-9: region eu-west-9 is not in the Spot Advisor feed"),
        "{stderr}"
    );
    assert!(stderr.contains("x.gif"), "{stderr}");
}

#[test]
fn the_review_of_a_feed_scenario_has_a_regions_section() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("review.md");
    spotsim()
        .args([
            "report",
            "scenarios/advisor-feed.toml",
            "--runs",
            "500",
            "--format",
            "md",
            "-q",
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("## Regions"), "{text}");
    assert!(text.contains("| eu-west-1 (scenario's) |"), "{text}");
    assert!(
        text.contains("the shipped snapshot of 2025-06-28"),
        "{text}"
    );
}
