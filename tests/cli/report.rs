//! `spotsim report` and `spotsim run --charts`: the files they write, their content, and the
//! HTML review in a real browser.

use std::path::Path;

use crate::{browser, project_dir, spotsim, write_file};

/// The quickstart review at a small, fixed run count, into `dir`.
fn quickstart_review(dir: &Path, file: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(file);
    spotsim()
        .args([
            "report",
            "scenarios/quickstart.toml",
            "--runs",
            "4000",
            "--seed",
            "11",
        ])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn html_review_is_self_contained_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(quickstart_review(dir.path(), "review.html", &[])).unwrap();
    // No script, no external reference: the only URLs are SVG's XML namespace.
    assert!(!html.contains("<script"));
    let without_namespace = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_namespace.contains("http://") && !without_namespace.contains("https://"));
    assert!(!html.contains("src=\"") && !html.contains("<link"));
    assert!(html.contains("Content-Security-Policy"));
    // Every section and all five charts, inline.
    for needle in [
        "The job and the market",
        "Headline answers",
        "expected cost per job",
        "95 % interval",
        "stopped by MaxWait",
        "console savings",
        "real saving against on-demand",
        "A sample job, status by status",
        "What the model assumes",
        "spot.bill_interrupted_attempt",
        "Reproduce",
        "spotsim report scenarios/quickstart.toml --runs 4000 --seed 11 -o",
    ] {
        assert!(html.contains(needle), "missing {needle:?}");
    }
    assert_eq!(html.matches("<svg").count(), 5);
    assert_eq!(html.matches("<figcaption>").count(), 5);
    assert_eq!(html.matches("class=\"recommendation\"").count(), 1);
    // The scenario file itself, escaped.
    let scenario =
        std::fs::read_to_string(project_dir().join("scenarios/quickstart.toml")).unwrap();
    let first_key_line = scenario
        .lines()
        .find(|l| l.starts_with("name"))
        .unwrap()
        .replace('"', "&quot;");
    assert!(html.contains(&first_key_line), "{first_key_line}");
}

#[test]
fn same_seed_same_review_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = quickstart_review(dir.path(), "one.html", &["--threads", "1"]);
    let two = quickstart_review(dir.path(), "two.html", &["--threads", "2"]);
    let (one, two) = (std::fs::read(one).unwrap(), std::fs::read(two).unwrap());
    // The output names differ in the reproduce command only.
    let one = String::from_utf8(one).unwrap().replace("one.html", "X");
    let two = String::from_utf8(two).unwrap().replace("two.html", "X");
    assert!(one == two, "reviews differ between 1 and 2 threads");
}

#[test]
fn html_review_renders_in_chromium_without_errors_or_requests() {
    let dir = tempfile::tempdir().unwrap();
    let html = quickstart_review(dir.path(), "review.html", &[]);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let Some(rendered) = browser::check_report(&html, &shots.join("quickstart.png")) else {
        return;
    };
    assert_eq!(rendered.title, "Spot training review: bert-finetune");
    // Printed on A4, the review is a handful of pages, not one per chart fragment.
    assert!(
        (3..=14).contains(&rendered.pdf_pages),
        "{} A4 pages",
        rendered.pdf_pages
    );
}

#[test]
fn markdown_review_has_the_same_content_with_png_charts_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let md = quickstart_review(dir.path(), "review.md", &["--format", "md"]);
    let text = std::fs::read_to_string(&md).unwrap();
    let html = std::fs::read_to_string(quickstart_review(dir.path(), "review.html", &[])).unwrap();
    for stem in ["cost", "savings", "completion", "breakdown", "timeline"] {
        let link = format!("](review-charts/{stem}.png)");
        assert!(text.contains(&link), "missing {link}");
        let png = std::fs::read(dir.path().join(format!("review-charts/{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
    // The recommendation and the headline numbers are the same text in both formats.
    let recommendation = text
        .lines()
        .find_map(|l| l.strip_prefix("> **"))
        .and_then(|l| l.strip_suffix("**"))
        .unwrap();
    assert!(html.contains(recommendation), "{recommendation}");
    let cost_row = text
        .lines()
        .find(|l| l.starts_with("| expected cost per job |"))
        .unwrap();
    let first_cell = cost_row.split(" | ").nth(1).unwrap();
    assert!(html.contains(first_cell), "{first_cell}");
}

#[test]
fn report_refuses_a_missing_output_folder_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no-such-folder/review.html");
    spotsim()
        .args(["report", "scenarios/quickstart.toml", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
    assert!(!out.exists());
    // A bad scenario: exit 2 and no file.
    let bad = write_file(dir.path(), "bad.toml", "[job]\ntraining = \"forever\"\n");
    let out = dir.path().join("review.html");
    spotsim()
        .arg("report")
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
}

#[test]
fn run_charts_writes_every_chart_in_the_chosen_format() {
    let dir = tempfile::tempdir().unwrap();
    let charts = dir.path().join("charts");
    spotsim()
        .args([
            "run",
            "scenarios/quickstart.toml",
            "--runs",
            "3000",
            "--charts",
        ])
        .arg(&charts)
        .assert()
        .success();
    for stem in ["cost", "savings", "completion", "breakdown", "timeline"] {
        let png = std::fs::read(charts.join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}");
    }
    spotsim()
        .args([
            "run",
            "scenarios/quickstart.toml",
            "--runs",
            "3000",
            "--chart-format",
            "svg",
        ])
        .arg("--charts")
        .arg(&charts)
        .assert()
        .success();
    let svg = std::fs::read_to_string(charts.join("completion.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("jobs completed (%)"));
}

#[test]
fn on_demand_scenario_gets_no_savings_chart() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(
        dir.path(),
        "od.toml",
        "[job]\ntraining = \"2h\"\n[stopping]\nmax_run = \"4h\"\n[pricing]\non_demand_hourly = 1.0\n",
    );
    let charts = dir.path().join("charts");
    spotsim()
        .arg("run")
        .arg(&scenario)
        .args(["--runs", "500", "--charts"])
        .arg(&charts)
        .assert()
        .success();
    let mut names: Vec<String> = std::fs::read_dir(&charts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "breakdown.png",
            "completion.png",
            "cost.png",
            "timeline.png"
        ]
    );
}

#[test]
fn charts_into_a_file_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "taken", "x");
    spotsim()
        .args(["run", "scenarios/quickstart.toml", "--charts"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is a file; give a folder"))
        .stdout("");
}

/// Runs `command` (a shell command line) with a pseudo-terminal as its stderr, by util-linux's
/// `script`, and returns what the terminal showed; `None` where `script` is missing.
fn on_a_terminal(command: &str) -> Option<String> {
    let output = std::process::Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(project_dir())
        .output()
        .ok()?;
    assert!(output.status.success(), "{command}: {output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn progress_shows_on_a_terminal_for_long_runs_only() {
    let binary = env!("CARGO_BIN_EXE_spotsim");
    // A few seconds of simulation in the binary's profile (this test is built with the same):
    // the bar appears after a second, and its rate a redraw later.
    let runs = if cfg!(debug_assertions) {
        2_000_000
    } else {
        20_000_000
    };
    let long =
        format!("{binary} run scenarios/reference.toml --runs {runs} --format json > /dev/null");
    let Some(shown) = on_a_terminal(&long) else {
        eprintln!("note: `script` (util-linux) is missing; progress test skipped");
        return;
    };
    // Scenario runs counted, the bar, the rate and the time left (issue 15, item 10).
    assert!(shown.contains(" runs ["), "{shown:?}");
    assert!(
        shown.contains("/s · ") && shown.contains("left"),
        "{shown:?}"
    );
    // --quiet, a short run, or stderr not a terminal: no bar.
    let quiet = on_a_terminal(&format!("{long} --quiet")).unwrap();
    assert!(!quiet.contains(" runs ["), "{quiet:?}");
    let short = on_a_terminal(&format!(
        "{binary} run scenarios/reference.toml --runs 1000 --format json > /dev/null"
    ))
    .unwrap();
    assert!(!short.contains(" runs ["), "{short:?}");
    let redirected = spotsim()
        .args(["run", "scenarios/reference.toml", "--format", "json"])
        .arg(format!("--runs={runs}"))
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    assert!(
        redirected.is_empty(),
        "{}",
        String::from_utf8_lossy(&redirected)
    );
}

#[test]
fn report_follows_a_link_and_names_the_sample_run_with_its_seed() {
    let dir = tempfile::tempdir().unwrap();
    let target = write_file(dir.path(), "target.html", "old");
    let link = dir.path().join("link.html");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    spotsim()
        .args([
            "report",
            "scenarios/quickstart.toml",
            "--runs",
            "2000",
            "--seed",
            "7",
            "-o",
        ])
        .arg(&link)
        .assert()
        .success();
    assert!(link.is_symlink(), "the link was replaced");
    let html = std::fs::read_to_string(&target).unwrap();
    assert!(html.contains("spotsim trace scenarios/quickstart.toml --seed 7 --run "));
}

#[test]
fn markdown_review_refuses_a_file_in_place_of_its_chart_folder_before_running() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "rv-charts", "x");
    let out = dir.path().join("rv.md");
    spotsim()
        .args([
            "report",
            "scenarios/quickstart.toml",
            "--format",
            "md",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "rv-charts: is a file; give a folder",
        ));
    assert!(!out.exists());
}

/// Issue 17: the review of a scenario with `[fallback]` answers whether it pays for itself
/// against spot alone and on-demand, with the figures `spotsim recommend --deadline` and
/// `spotsim run` give for the same runs; its charts show the on-demand part.
#[test]
fn a_fallback_review_says_whether_the_fallback_pays_for_itself() {
    let scenario = "scenarios/deadline/v100-48h-us-east-1f.toml";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("review.html");
    spotsim()
        .args(["report", scenario, "--runs", "300", "-q", "-o"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(&out).unwrap();
    let usd = |value: &serde_json::Value| format!("${:.2}", value.as_f64().unwrap());
    let deadline: serde_json::Value = serde_json::from_str(&crate::stdout_of(spotsim().args([
        "recommend",
        scenario,
        "--deadline",
        "52h",
        "--runs",
        "300",
        "--format",
        "json",
        "-q",
    ])))
    .unwrap();
    let options = deadline["options"].as_array().unwrap();
    let (alone, with, on_demand) = (&options[0], &options[1], &options[3]);
    assert_eq!(alone["kind"], "spot_alone");
    assert_eq!(with["kind"], "fallback_deadline");
    assert_eq!(on_demand["kind"], "on_demand");
    let section = &html[html
        .find("Does the fallback pay for itself?")
        .expect("the section")..];
    let section = &section[..section.find("<h2").unwrap_or(section.len())];
    for needle in [
        "the same 300 runs, run by run".to_string(),
        format!("{} (", usd(&alone["cost_usd"]["value"])),
        format!("{} (", usd(&with["cost_usd"]["value"])),
        format!("{} (", usd(&on_demand["cost_usd"]["value"])),
        format!(
            "Against spot alone, the fallback costs {} more per job",
            usd(&with["cost_vs_spot_alone_usd"]["mean"])
        ),
        "meets the deadline of 2d 4h in 100.00 % of runs instead of".to_string(),
        "It pays for itself: per job delivered by the deadline it costs".to_string(),
        "Against on-demand, it saves".to_string(),
        "the fallback is the better buy".to_string(),
    ] {
        assert!(
            section.contains(&needle),
            "missing {needle:?} in\n{section}"
        );
    }
    // The headline names what it recommends: spot with the fallback, not spot alone; the cost
    // chart is that of spot + fallback.
    assert!(
        html.contains("Use spot with the fallback: it saves") && !html.contains("Use spot:"),
        "{html}"
    );
    assert!(html.contains("cost per job on spot + fallback"));
    // The breakdown shows the on-demand part, the timeline the on-demand jobs.
    assert!(html.contains("on-demand part"));
    assert!(html.contains("the on-demand job (fallback)"));
    // The assumptions say what the fallback is.
    assert!(html.contains("SageMaker has no fallback to on-demand; this scenario"));
    // And the page renders in a real browser without errors.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    if let Some(rendered) = browser::check_report(&out, &shots.join("deadline.png")) {
        assert_eq!(
            rendered.title,
            "Spot training review: v100-48h-deadline-us-east-1f"
        );
    }
}
