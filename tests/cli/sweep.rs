//! `spotsim sweep`: the JSON shape, determinism across threads, errors in `--set`, and the
//! closed-form acceptance check of the best checkpoint interval.

use serde_json::Value;

use super::{same_for_thread_counts, spotsim, stdout_of};

fn json_of(args: &[&str]) -> Value {
    let mut command = spotsim();
    command.arg("sweep").args(args).args(["--format", "json"]);
    serde_json::from_str(&stdout_of(&mut command)).unwrap()
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[test]
fn json_points_reuse_the_run_report_shape() {
    let sweep = json_of(&[
        "scenarios/reference.toml",
        "--set",
        "checkpoint.interval=10m,30m",
        "--runs",
        "500",
    ]);
    let run: Value = serde_json::from_str(&stdout_of(spotsim().args([
        "run",
        "scenarios/reference.toml",
        "--runs",
        "500",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(sweep["keys"], serde_json::json!(["checkpoint.interval"]));
    let points = sweep["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    // Durations in `set` are whole seconds, written as integers.
    assert_eq!(
        points[0]["set"],
        serde_json::json!({"checkpoint.interval": 600})
    );
    assert_eq!(
        points[1]["set"],
        serde_json::json!({"checkpoint.interval": 1800})
    );
    for point in points {
        assert_eq!(keys(&point["spot"]), keys(&run["spot"]));
        assert_eq!(keys(&point["on_demand"]), keys(&run["on_demand"]));
        assert_eq!(
            keys(&point["spot"]["metrics"]["cost_usd"]),
            keys(&run["spot"]["metrics"]["cost_usd"])
        );
        let advice = &point["checkpoint_interval_advice"];
        assert_eq!(advice["save_s"], 30.0);
        assert_eq!(advice["mean_time_between_interruptions_s"], 3600.0);
        assert!((advice["young_s"].as_f64().unwrap() - 464.758).abs() < 1e-3);
        assert!(point["metric"]["ci95"].is_array());
        assert!(point["vs_best"]["ci95"].is_array());
    }
    // At 30m, the run report's own figures: the same scenario, runs and seed.
    assert_eq!(points[1]["spot"], run["spot"]);
    assert_eq!(sweep["metric"], "cost_usd");
    assert_eq!(sweep["best"]["index"], 0);
    assert_eq!(sweep["best"]["set"], points[0]["set"]);
    assert_eq!(points[0]["vs_best"]["diff"], 0.0);
}

#[test]
fn output_is_byte_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (per_format, _) = same_for_thread_counts(&["1", "2"], |threads| {
        let chart = dir.path().join(format!("sweep-{threads}.png"));
        let mut per_format = Vec::new();
        for format in ["json", "csv", "table"] {
            per_format.push(stdout_of(spotsim().args([
                "sweep",
                "scenarios/quickstart.toml",
                "--set",
                "checkpoint.interval=10m..1h:3:log",
                "--set",
                "spot.discount=0.6,0.7",
                "--metric",
                "p95_wall_s",
                "--runs",
                "3000",
                "--threads",
                threads,
                "--format",
                format,
                "--chart",
                chart.to_str().unwrap(),
            ])));
        }
        (per_format, std::fs::read(&chart).unwrap())
    });
    let csv = &per_format[1];
    assert_eq!(csv.lines().count(), 1 + 6, "{csv}");
    assert!(csv.starts_with("checkpoint.interval,spot.discount,p95_wall_s,"));
}

#[test]
fn sweep_table_at_a_fixed_seed() {
    let table = stdout_of(spotsim().args([
        "sweep",
        "scenarios/reference.toml",
        "--set",
        "checkpoint.interval=5m..2h:24",
        "--runs",
        "2000",
    ]));
    insta::assert_snapshot!(table);
}

/// Runs a sweep that must fail: exit 2, nothing on stdout, no chart; returns stderr.
fn refused(set: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("sweep.png");
    let mut command = spotsim();
    command.args(["sweep", "scenarios/reference.toml", "--runs", "100"]);
    for flag in set {
        command.args(["--set", flag]);
    }
    command.args(["--chart", chart.to_str().unwrap()]);
    let output = command.assert().code(2).get_output().clone();
    assert!(output.stdout.is_empty());
    assert!(!chart.exists());
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn bad_set_flags_are_refused_with_the_key_value_and_rule() {
    let stderr = refused(&["checkpoint.intervall=5m,10m"]);
    assert_eq!(
        stderr.trim(),
        "--set checkpoint.intervall=5m,10m: unknown key `checkpoint.intervall`: did you mean \
         `checkpoint.interval`?"
    );
    let stderr = refused(&["checkpoint.interval=2h..5m:3"]);
    assert!(
        stderr.contains(
            "--set checkpoint.interval=2h..5m:3: checkpoint.interval range `2h..5m:3` must go \
             upwards: lo (2h) must be below hi (5m)"
        ),
        "{stderr}"
    );
    let stderr = refused(&["checkpoint.interval=5m..2h"]);
    assert!(stderr.contains("needs a number of points"), "{stderr}");
    let stderr = refused(&["spot.discount=0.5,cheap"]);
    assert!(
        stderr.contains(
            "--set spot.discount=0.5,cheap: spot.discount `cheap` is not a number or a duration"
        ),
        "{stderr}"
    );
    let stderr = refused(&["spot.discount=0.5,1.2"]);
    assert!(
        stderr.contains(
            "the point spot.discount = 1.2 makes the scenario invalid: spot.discount (1.2) must \
             be at least 0 and below 1"
        ),
        "{stderr}"
    );
    let stderr = refused(&["stopping.max_run=10d..30d:3"]);
    assert!(
        stderr.contains(
            "--set stopping.max_run=10d..30d:3: the point stopping.max_run = 30d makes the \
             scenario invalid: stopping.max_run (\"30d\") must be between 1s and 28d"
        ),
        "{stderr}"
    );
    // Every problem at once.
    let stderr = refused(&["job.trainnig=1h,2h", "spot.time_to_interruption=1h,2h"]);
    assert!(stderr.contains("did you mean `job.training`?"), "{stderr}");
    assert!(
        stderr.contains("sweep one of its parameters: spot.time_to_interruption.mean"),
        "{stderr}"
    );
    // clap requires --set.
    spotsim()
        .args(["sweep", "scenarios/reference.toml"])
        .assert()
        .code(2);
}

/// The closed form of `tests/engine/closed_form.rs` for reference.toml (λ = 1/1h, capacity
/// waits of mean d = 5m, download R = 2m, save C = 30s, training W = 4h): with checkpoints every
/// τ, segments `X_i` = τ + C except the last, `X_n` = W − (n − 1)τ, K = e^{λR}(1 + `Σ(e^{λX_i`} − 1))
/// starts and E[wall] = (d + 1/λ)K − 1/λ.
fn closed_form_wall_s(interval_s: f64) -> f64 {
    let (lambda, d, r, c, w) = (1.0 / 3600.0, 300.0, 120.0, 30.0, 14_400.0);
    let n = (w / interval_s - 1e-9).ceil();
    let last = w - (n - 1.0) * interval_s;
    let sum = (n - 1.0) * ((lambda * (interval_s + c)).exp() - 1.0) + (lambda * last).exp() - 1.0;
    let k = (lambda * r).exp() * (1.0 + sum);
    (d + 1.0 / lambda) * k - 1.0 / lambda
}

#[test]
fn the_best_interval_matches_the_closed_form_optimum_within_one_step() {
    // 2-minute steps around the optimum; 10,000 runs a point: the paired intervals of the
    // neighbours of the best exclude 0 by several standard errors at this seed.
    let step_s = 120.0;
    let sweep = json_of(&[
        "scenarios/reference.toml",
        "--set",
        "checkpoint.interval=2m..30m:15",
        "--metric",
        "wall_s",
        "--runs",
        "10000",
    ]);
    // The closed form's minimum, numerically, to the second.
    let optimum_s = (60..=3600)
        .map(f64::from)
        .min_by(|a, b| closed_form_wall_s(*a).total_cmp(&closed_form_wall_s(*b)))
        .unwrap();
    let best_s = sweep["best"]["set"]["checkpoint.interval"]
        .as_f64()
        .unwrap();
    assert!(
        (best_s - optimum_s).abs() <= step_s,
        "simulated best {best_s} s, closed-form optimum {optimum_s} s"
    );
    // And every point's mean agrees with the closed form within 4 standard errors.
    for point in sweep["points"].as_array().unwrap() {
        let interval_s = point["set"]["checkpoint.interval"].as_f64().unwrap();
        let mean = point["metric"]["value"].as_f64().unwrap();
        let se = point["spot"]["metrics"]["wall_s"]["std_err"]
            .as_f64()
            .unwrap();
        let expected = closed_form_wall_s(interval_s);
        assert!(
            (mean - expected).abs() <= 4.0 * se,
            "{interval_s} s: simulated {mean:.0} s, closed form {expected:.0} s (se {se:.0})"
        );
    }
    // Young and Daly sit near the optimum too (about 7m 45s and 7m 25s against 7m 30s).
    let advice = &sweep["points"][0]["checkpoint_interval_advice"];
    assert!((advice["daly_s"].as_f64().unwrap() - optimum_s).abs() <= step_s);
}

#[test]
fn a_fallback_deadline_can_be_swept() {
    let sweep = json_of(&[
        "scenarios/deadline/v100-48h-us-east-1f.toml",
        "--set",
        "fallback.deadline=50h,56h",
        "--runs",
        "100",
    ]);
    let points = sweep["points"].as_array().unwrap();
    assert_eq!(
        points[0]["set"],
        serde_json::json!({"fallback.deadline": 180000})
    );
    let cost = |i: usize| {
        points[i]["spot"]["metrics"]["cost_usd"]["mean"]
            .as_f64()
            .unwrap()
    };
    let share = |i: usize| {
        points[i]["spot"]["fallback"]["fell_back_share"]
            .as_f64()
            .unwrap()
    };
    // Two hours of slack instead of eight: more runs go on-demand, sooner, at a higher cost.
    assert!(share(0) > share(1), "{} vs {}", share(0), share(1));
    assert!(cost(0) > cost(1), "{} vs {}", cost(0), cost(1));
    for point in points {
        assert_eq!(point["spot"]["fallback"]["met_deadline_share"], 1.0);
    }
    assert_eq!(sweep["best"]["index"], 1);
}

/// Issue 15, item 1: with short `max_run` values the cheapest point per run stops most jobs.
/// By default the best point completes the target share (0.99) of jobs; `--metric` alone keeps
/// the raw metric; a target no point meets is said in the table.
#[test]
fn the_best_point_completes_the_target_share_unless_the_raw_metric_is_asked_for() {
    let base = [
        "scenarios/reference.toml",
        "--set",
        "stopping.max_run=3h,5h,12h",
        "--runs",
        "1000",
        "-q",
    ];
    let completed = |sweep: &Value| {
        let best = sweep["best"]["index"].as_u64().unwrap() as usize;
        sweep["points"][best]["spot"]["outcomes"]["completed"]
            .as_f64()
            .unwrap()
    };
    let default = json_of(&base);
    assert_eq!(default["target_completion"]["share"], 0.99);
    assert_eq!(default["target_completion"]["met"], true);
    assert!(completed(&default) >= 0.99, "{}", completed(&default));
    let raw = json_of(&[&base[..], &["--metric", "cost_usd"]].concat());
    assert!(raw.get("target_completion").is_none());
    assert!(completed(&raw) < 0.5, "{}", completed(&raw));
    let table = stdout_of(spotsim().args([
        "sweep",
        "scenarios/reference.toml",
        "--set",
        "stopping.max_run=4h10m,4h30m",
        "--runs",
        "500",
        "-q",
    ]));
    assert!(
        table.contains(
            "No point completes 99.0 % of jobs; the most completing: stopping.max_run = 4h 30m"
        ),
        "{table}"
    );
}

/// Issue 17: with a `[fallback]` the table shows what it did, the figures of the JSON: the
/// share of runs that went on-demand and, with a deadline, the share that met it; the side is
/// named "spot + fallback". Without one, neither column (the snapshots above).
#[test]
fn a_fallback_sweep_shows_went_on_demand_and_met_deadline() {
    let args = [
        "sweep",
        "scenarios/deadline/v100-48h-us-east-1f.toml",
        "--set",
        "fallback.deadline=50h,56h",
        "--runs",
        "200",
        "-q",
    ];
    let table = stdout_of(spotsim().args(args));
    let json: Value =
        serde_json::from_str(&stdout_of(spotsim().args(args).args(["--format", "json"]))).unwrap();
    assert!(table.contains("mean cost on spot + fallback"), "{table}");
    let header = table
        .lines()
        .find(|l| l.starts_with("fallback.deadline"))
        .unwrap();
    assert!(
        header.contains("spot + fallback wall") && header.ends_with("went on-demand  met deadline"),
        "{header}"
    );
    for (point, label) in json["points"]
        .as_array()
        .unwrap()
        .iter()
        .zip(["2d 2h", "2d 8h"])
    {
        let fallback = &point["spot"]["fallback"];
        let went =
            spotsim::units::format::format_share(fallback["fell_back_share"].as_f64().unwrap(), 1);
        let met = spotsim::units::format::format_share(
            fallback["met_deadline_share"].as_f64().unwrap(),
            2,
        );
        let line = table.lines().find(|l| l.starts_with(label)).unwrap();
        assert!(line.ends_with(&format!("{went}  {met:>12}")), "{line}");
    }
}
