//! `spotsim fleet --charts` and `spotsim report FLEET.toml`: the chart files, the fleet review
//! in HTML and Markdown, and what a bad fleet file leaves behind (nothing).

use std::path::{Path, PathBuf};

use crate::{browser, spotsim, write_file};

const TEAM: &str = "scenarios/fleets/team.toml";

/// The charts of the shipped team fleet, by file stem.
const STEMS: [&str; 5] = [
    "fleet-cost",
    "fleet-concurrency-ml-g5-2xlarge-on-demand",
    "fleet-concurrency-ml-p3-16xlarge-spot",
    "fleet-concurrency-ml-p3-2xlarge-spot",
    "fleet-workloads",
];

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The team fleet's review at 20 months, into `dir`.
fn team_review(dir: &Path, file: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(file);
    spotsim()
        .args(["report", TEAM, "--runs", "20", "--quiet"])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    out
}

/// The files in `dir`, sorted by name.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn fleet_charts_are_written_as_png_or_svg() {
    let dir = tempfile::tempdir().unwrap();
    let png_dir = dir.path().join("png");
    let output = spotsim()
        .args(["fleet", TEAM, "--runs", "20", "--charts"])
        .arg(&png_dir)
        .assert()
        .success()
        .get_output()
        .clone();
    // The table still goes to stdout; the files are named on stderr.
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("By workload"), "{stdout}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("charts: "), "{stderr}");
    let mut expected: Vec<String> = STEMS.iter().map(|s| format!("{s}.png")).collect();
    expected.sort();
    assert_eq!(files_in(&png_dir), expected);
    for name in &expected {
        let png = std::fs::read(png_dir.join(name)).unwrap();
        assert_eq!(&png[..8], PNG_SIGNATURE, "{name}");
        assert!(png.len() > 5_000, "{name}: {} bytes", png.len());
    }

    let svg_dir = dir.path().join("svg");
    spotsim()
        .args(["fleet", TEAM, "--runs", "20", "--quiet", "--format", "json"])
        .args(["--chart-format", "svg", "--charts"])
        .arg(&svg_dir)
        .assert()
        .success();
    for stem in STEMS {
        let svg = std::fs::read_to_string(svg_dir.join(format!("{stem}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"), "{stem}");
        assert!(svg.contains("team: "), "{stem}: no title");
    }
    // Same months, same bytes.
    let again = dir.path().join("again");
    spotsim()
        .args(["fleet", TEAM, "--runs", "20", "--quiet", "--threads", "1"])
        .args(["--chart-format", "svg", "--charts"])
        .arg(&again)
        .assert()
        .success();
    for stem in STEMS {
        let name = format!("{stem}.svg");
        assert!(
            std::fs::read(svg_dir.join(&name)).unwrap()
                == std::fs::read(again.join(&name)).unwrap(),
            "{name} differs between runs"
        );
    }
}

#[test]
fn chart_format_needs_charts() {
    spotsim()
        .args(["fleet", TEAM, "--runs", "20", "--chart-format", "svg"])
        .assert()
        .code(2);
}

#[test]
fn fleet_html_review_has_the_charts_tables_and_workloads() {
    let dir = tempfile::tempdir().unwrap();
    let path = team_review(dir.path(), "fleet.html", &[]);
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(!html.contains("<script") && !html.contains("<link"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("<title>Fleet review: team</title>"));
    for needle in [
        "Headline answers",
        "What does a month cost?",
        "And with every job on-demand?",
        "What does spot save?",
        "How full does the ml.p3.2xlarge spot quota run?",
        "How long do jobs wait for quota?",
        "How many jobs does MaxWait stop?",
        "Month by month",
        "cost if all on-demand",
        "concurrent instances",
        "What the model assumes",
        "docs/fleet.md",
        "The fleet file",
        "[quota.&quot;ml.p3.2xlarge&quot;]",
        "spotsim report scenarios/fleets/team.toml --runs 20 --seed 1 -o",
        "fine-tune",
        "nightly-pretrain",
        "evaluation",
        // Chart texts, inline.
        "team: cost per month",
        "team: ml.p3.2xlarge spot instances",
        "team: cost per month by workload",
    ] {
        assert!(html.contains(needle), "missing {needle:?}");
    }
    assert_eq!(html.matches("<svg").count(), STEMS.len());
    assert_eq!(html.matches("<figcaption>").count(), STEMS.len());
    assert_eq!(html.matches("class=\"recommendation\"").count(), 1);
    // Nothing but the page is written.
    assert_eq!(files_in(dir.path()), ["fleet.html"]);

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    if let Some(rendered) = browser::check_report(&path, &shots.join("fleet.png")) {
        assert_eq!(rendered.title, "Fleet review: team");
    }
}

#[test]
fn fleet_markdown_review_links_png_charts_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let md = team_review(dir.path(), "fleet.md", &["--format", "md"]);
    let text = std::fs::read_to_string(md).unwrap();
    assert!(text.starts_with("# Fleet review: team\n"), "{text}");
    for stem in STEMS {
        let link = format!("](fleet-charts/{stem}.png)");
        assert!(text.contains(&link), "missing {link}");
        let png = std::fs::read(dir.path().join(format!("fleet-charts/{stem}.png"))).unwrap();
        assert_eq!(&png[..8], PNG_SIGNATURE, "{stem}");
    }
    for needle in [
        "| What does a month cost? |",
        "| fine-tune |",
        "| evaluation |",
        "--format md -o",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn bad_fleet_file_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A workload without arrivals.
    let fleet = write_file(
        dir.path(),
        "bad.toml",
        "[[workload]]\nname = \"w\"\nscenario = \"../nowhere.toml\"\n",
    );
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    spotsim()
        .arg("report")
        .arg(&fleet)
        .arg("-o")
        .arg(out.join("review.html"))
        .assert()
        .code(2);
    spotsim()
        .arg("report")
        .arg(&fleet)
        .args(["--format", "md", "-o"])
        .arg(out.join("review.md"))
        .assert()
        .code(2);
    spotsim()
        .arg("fleet")
        .arg(&fleet)
        .arg("--charts")
        .arg(out.join("charts"))
        .assert()
        .code(2);
    // Not even TOML: still read as a fleet file, and refused.
    let broken = write_file(dir.path(), "broken.toml", "[[workload]]\nname = \n");
    let stderr = spotsim()
        .arg("report")
        .arg(&broken)
        .arg("-o")
        .arg(out.join("review.html"))
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(!String::from_utf8(stderr).unwrap().is_empty());
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
}

#[test]
fn fleet_runs_beyond_the_fleet_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("review.html");
    spotsim()
        .args(["report", TEAM, "--runs", "100001", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
}

#[test]
fn charts_into_a_file_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "charts", "not a folder");
    spotsim()
        .args(["fleet", TEAM, "--runs", "20", "--charts"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is a file; give a folder"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}
