//! `spotsim compare`'s outputs: a side-by-side table (one column per scenario) and a JSON
//! document, both rendered from one [`Comparison`].
//!
//! Differences are always `scenario − baseline` (the first scenario), run `i` against run `i`,
//! over each scenario's compared runs (spot when enabled, else on-demand).

use serde::Serialize;

use super::layout::render_rows;
use crate::scenario::{MarketSpec, Scenario, SpotPriceSpec};
use crate::stats::paired::PairedDifference;
use crate::stats::summary::SideSummary;
use crate::studies::compare::{Comparison, Difference, ScenarioIntervals, ScenarioResult, Side};
use crate::units::duration::{format_duration, format_duration_within};
use crate::units::format::{format_count, format_pct, format_share, format_usd, format_usd_pm};

/// `$7.41 ± $0.02`: a cost with the half-width of its 95 % interval, with enough digits for a
/// small half-width not to read as zero.
fn usd_interval(value: f64, ci95: Option<(f64, f64)>) -> String {
    match ci95 {
        Some((lo, hi)) => format!(
            "{} ± {}",
            format_usd(value),
            usd_half(rounding_is_zero((hi - lo) / 2.0, value))
        ),
        None => format_usd(value),
    }
}

/// A spread a billion times smaller than the value is rounding in the clock, not a spread (the
/// rule of `spotsim run`'s table).
fn rounding_is_zero(half: f64, value: f64) -> f64 {
    if half <= 1e-9 * value.abs() {
        0.0
    } else {
        half
    }
}

fn usd_half(half: f64) -> String {
    format_usd_pm(half)
}

/// A leading `+` on positive differences, so a reader sees the direction at a glance.
fn signed(text: String, value: f64) -> String {
    if value > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// `+$0.52 ± $0.01`.
fn usd_difference(d: &PairedDifference) -> String {
    let mean = signed(format_usd(d.mean), d.mean);
    match d.ci95 {
        Some((lo, hi)) => format!("{mean} ± {}", usd_half((hi - lo) / 2.0)),
        None => mean,
    }
}

/// The finest wall-time figure the comparison reads: the smallest paired difference of wall
/// time, or the half-width of its interval.
fn wall_resolution_s(comparison: &Comparison) -> f64 {
    comparison
        .differences
        .iter()
        .flat_map(|d| {
            let half = d
                .wall_s
                .ci95
                .map_or(f64::INFINITY, |(lo, hi)| (hi - lo) / 2.0);
            [d.wall_s.mean.abs(), half]
        })
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min)
}

/// `+1h 12m ± 3m`, `+1h 32m 7s ± 58s`.
fn duration_difference(d: &PairedDifference) -> String {
    match d.ci95 {
        Some((lo, hi)) => {
            // The difference to the step of its own ±: `+1h 32m 7s ± 58s`, not `+1h 32m ±
            // 58s`. A ± of zero (every run differs alike) needs no finer step.
            let half_s = (hi - lo) / 2.0;
            let shown = if half_s > 0.0 {
                format_duration_within(d.mean, half_s)
            } else {
                format_duration(d.mean)
            };
            let mean = signed(shown, d.mean);
            format!("{mean} ± {}", format_duration(half_s))
        }
        None => signed(format_duration(d.mean), d.mean),
    }
}

/// `+0.12 pp ± 0.05 pp`: a difference of shares in percentage points.
fn points_difference(d: &PairedDifference) -> String {
    let mean = signed(format!("{:.2} pp", d.mean * 100.0), d.mean);
    match d.ci95 {
        Some((lo, hi)) => format!("{mean} ± {:.2} pp", (hi - lo) / 2.0 * 100.0),
        None => mean,
    }
}

/// The half-width of the unpaired interval, in the metric's words.
fn unpaired_half(d: &PairedDifference, show: impl Fn(f64) -> String) -> String {
    d.unpaired_ci95.map_or_else(
        || "—".to_string(),
        |(lo, hi)| format!("± {}", show((hi - lo) / 2.0)),
    )
}

fn pairing_gain(d: &PairedDifference) -> String {
    match (d.pairing_gain_x, d.std_err) {
        (Some(gain), _) => format!("{gain:.1}×"),
        // Every difference equal: pairing removed all the noise.
        (None, Some(_)) => "∞".to_string(),
        (None, None) => "—".to_string(),
    }
}

/// `ml.p3.2xlarge × 4`, or `4 instances`.
fn job_cell(scenario: &Scenario) -> String {
    let job = &scenario.job;
    match &job.instance_type {
        Some(instance_type) => format!("{instance_type} × {}", job.instance_count),
        None if job.instance_count == 1 => "1 instance".to_string(),
        None => format!("{} instances", job.instance_count),
    }
}

/// The market in a few words.
fn market_cell(scenario: &Scenario) -> String {
    let Some(spot) = &scenario.spot else {
        return "on-demand only".to_string();
    };
    let market = match &spot.market {
        MarketSpec::Independent { .. } => "independent draws".to_string(),
        MarketSpec::Markov { .. } => "Markov capacity".to_string(),
        MarketSpec::Trace { file, .. } => {
            let name = std::path::Path::new(file)
                .file_name()
                .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
            format!("trace {name}")
        }
    };
    match &spot.price {
        SpotPriceSpec::Discount(discount) => {
            format!("{market}, {} off", format_pct(discount * 100.0, 0))
        }
        SpotPriceSpec::History { .. } => format!("{market}, price history"),
    }
}

fn row(label: &str, cells: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut row = vec![format!("  {label}")];
    row.extend(cells);
    row
}

/// The rows of one side (spot or on-demand) for every scenario; `—` where a scenario has no
/// such side.
fn side_rows(
    rows: &mut Vec<Vec<String>>,
    title: &str,
    scenarios: &[ScenarioResult],
    side_of: impl Fn(&ScenarioResult) -> Option<(&SideSummary, crate::studies::compare::SideIntervals)>,
    spot: bool,
    resolution_s: f64,
) {
    rows.push(vec![String::new()]);
    rows.push(vec![title.to_string()]);
    let cells = |f: &dyn Fn(&SideSummary, &crate::studies::compare::SideIntervals) -> String| {
        scenarios
            .iter()
            .map(|s| side_of(s).map_or_else(|| "—".to_string(), |(side, i)| f(side, &i)))
            .collect::<Vec<_>>()
    };
    rows.push(row(
        "expected cost per run (95 %)",
        cells(&|side, i| usd_interval(side.metrics.cost_usd.mean, i.cost_usd)),
    ));
    rows.push(row(
        "cost per completed job (95 %)",
        cells(&|side, i| {
            side.cost_per_completed_job_usd.map_or_else(
                || "none completed".to_string(),
                |usd| usd_interval(usd, i.cost_per_completed_job_usd),
            )
        }),
    ));
    // Wall times are shown to the step of the smallest wall-time difference (or its ±) the
    // table compares them by, so two p50s never read the same beside a difference of minutes.
    rows.push(row(
        "wall time p50",
        cells(&|side, _| format_duration_within(side.metrics.wall_s.p50, resolution_s)),
    ));
    rows.push(row(
        "wall time p95",
        cells(&|side, _| format_duration_within(side.metrics.wall_s.p95, resolution_s)),
    ));
    rows.push(row(
        "completed",
        cells(&|side, _| format_pct(side.outcomes.completed * 100.0, 2)),
    ));
    if spot {
        rows.push(row(
            "stopped by MaxWait",
            cells(&|side, _| format_pct(side.outcomes.max_wait_exceeded * 100.0, 2)),
        ));
    }
    rows.push(row(
        "stopped by MaxRuntime",
        cells(&|side, _| format_pct(side.outcomes.max_runtime_exceeded * 100.0, 2)),
    ));
    if spot {
        rows.push(row(
            "interruptions per job (mean)",
            cells(&|side, _| format!("{:.2}", side.metrics.interruptions.mean)),
        ));
        // What a `[fallback]` did, only when a scenario has one.
        let fallbacks: Vec<_> = scenarios
            .iter()
            .map(|s| side_of(s).and_then(|(side, _)| side.fallback))
            .collect();
        if fallbacks.iter().any(Option::is_some) {
            rows.push(row(
                "went on-demand (fallback)",
                fallbacks.iter().map(|f| {
                    f.map_or_else(
                        || "no fallback".to_string(),
                        |f| format_pct(f.fell_back_share * 100.0, 1),
                    )
                }),
            ));
            rows.push(row(
                "on-demand share of cost",
                fallbacks.iter().map(|f| {
                    f.map_or_else(
                        || "—".to_string(),
                        |f| format_pct(f.on_demand_cost_share * 100.0, 1),
                    )
                }),
            ));
        }
        if fallbacks
            .iter()
            .any(|f| f.is_some_and(|f| f.met_deadline_share.is_some()))
        {
            rows.push(row(
                "met deadline",
                fallbacks.iter().map(|f| {
                    f.and_then(|f| f.met_deadline_share)
                        .map_or_else(|| "—".to_string(), |m| format_pct(m * 100.0, 2))
                }),
            ));
        }
    }
}

fn savings_rows(rows: &mut Vec<Vec<String>>, scenarios: &[ScenarioResult]) {
    rows.push(vec![String::new()]);
    rows.push(vec![
        "Savings of spot against the same job on-demand".to_string(),
    ]);
    let pct = |value: Option<f64>| value.map_or_else(|| "—".to_string(), |v| format_pct(v, 1));
    rows.push(row(
        "console: 1 − billable / training",
        scenarios.iter().map(|s| {
            pct(s
                .estimate
                .spot
                .as_ref()
                .and_then(|spot| spot.console_savings_pct))
        }),
    ));
    rows.push(row(
        "real: 1 − spot cost / on-demand cost",
        scenarios.iter().map(|s| {
            match (
                s.estimate.savings_vs_on_demand_pct,
                s.intervals.savings_vs_on_demand_pct,
            ) {
                (Some(real), Some((lo, hi))) => {
                    format!("{} ± {:.2} pp", format_pct(real, 2), (hi - lo) / 2.0)
                }
                (real, _) => pct(real),
            }
        }),
    ));
    rows.push(row(
        "per completed job",
        scenarios
            .iter()
            .map(|s| pct(s.estimate.savings_per_completed_job_pct)),
    ));
}

fn difference_rows(rows: &mut Vec<Vec<String>>, comparison: &Comparison) {
    let baseline = comparison.baseline();
    rows.push(vec![String::new()]);
    rows.push(vec![format!(
        "Paired differences against {} (the baseline), run i against run i",
        baseline.name
    )]);
    // The baseline's column is the reference itself.
    let cells = |f: &dyn Fn(&Difference) -> String| {
        std::iter::once("baseline".to_string())
            .chain(comparison.differences.iter().map(f))
            .collect::<Vec<_>>()
    };
    rows.push(row(
        "compared runs",
        comparison
            .scenarios
            .iter()
            .map(|s| s.side.as_str().to_string()),
    ));
    rows.push(row(
        "cost per run (95 %)",
        cells(&|d| usd_difference(&d.cost_usd)),
    ));
    rows.push(row(
        "  the same without pairing",
        cells(&|d| unpaired_half(&d.cost_usd, usd_half)),
    ));
    rows.push(row(
        "  pairing worth (× the runs)",
        cells(&|d| pairing_gain(&d.cost_usd)),
    ));
    rows.push(row(
        "wall time per run (95 %)",
        cells(&|d| duration_difference(&d.wall_s)),
    ));
    rows.push(row(
        "  the same without pairing",
        cells(&|d| unpaired_half(&d.wall_s, format_duration)),
    ));
    rows.push(row(
        "completed share (95 %)",
        cells(&|d| points_difference(&d.completed_share)),
    ));
    rows.push(row(
        "run i cheaper than the baseline's",
        cells(&|d| {
            let (lo, hi) = d.cheaper.below_ci95;
            format!(
                "{} ({:.1}–{})",
                format_pct(d.cheaper.below * 100.0, 1),
                lo * 100.0,
                format_pct(hi * 100.0, 1)
            )
        }),
    ));
    rows.push(row(
        "run i exactly as costly",
        cells(&|d| format_pct(d.cheaper.tie * 100.0, 1)),
    ));
}

/// The comparison as an aligned text table, one column per scenario.
pub fn render_compare_table(comparison: &Comparison, target: f64) -> String {
    let scenarios = &comparison.scenarios;
    let mut out = format!(
        "Comparison of {} scenarios · {} {} each · seed {} · common random numbers\n",
        scenarios.len(),
        format_count(comparison.runs),
        if comparison.runs == 1 { "run" } else { "runs" },
        comparison.seed
    );
    let mut rows: Vec<Vec<String>> = vec![vec![String::new()]];
    let mut header = vec![String::new()];
    header.extend(scenarios.iter().map(|s| s.name.clone()));
    rows.push(header);
    rows.push(row("file", scenarios.iter().map(|s| s.file.clone())));
    rows.push(row("job", scenarios.iter().map(|s| job_cell(&s.scenario))));
    rows.push(row(
        "market",
        scenarios.iter().map(|s| market_cell(&s.scenario)),
    ));
    let any_spot = scenarios.iter().any(|s| s.estimate.spot.is_some());
    if any_spot {
        // With a `[fallback]` the spot side is spot with its on-demand jobs: the title says
        // so (only then, so that other comparisons print as they did).
        let has_spot = |s: &&ScenarioResult| s.estimate.spot.is_some();
        let fallbacks = scenarios
            .iter()
            .filter(has_spot)
            .filter(|s| s.scenario.fallback.is_some())
            .count();
        let title = if fallbacks == 0 {
            "Spot"
        } else if fallbacks == scenarios.iter().filter(has_spot).count() {
            "Spot + fallback"
        } else {
            "Spot (+ fallback where [fallback] is set)"
        };
        side_rows(
            &mut rows,
            title,
            scenarios,
            |s| s.estimate.spot.as_ref().zip(s.intervals.spot),
            true,
            wall_resolution_s(comparison),
        );
    }
    side_rows(
        &mut rows,
        "On-demand",
        scenarios,
        |s| Some((&s.estimate.on_demand, s.intervals.on_demand)),
        false,
        wall_resolution_s(comparison),
    );
    if any_spot {
        savings_rows(&mut rows, scenarios);
    }
    difference_rows(&mut rows, comparison);
    out.push_str(&render_rows(&rows));
    out.push_str(
        "\n  Each difference is scenario − baseline over the same run indices: the mean ± the \
         half-width of its\n  95 % interval from the per-run differences. Run i of every \
         scenario draws from the same random\n  streams, so where their draws line up the runs \
         move together and the paired interval is narrower\n  than the one without pairing \
         (independent streams); \"pairing worth\" is how many times the runs\n  independent \
         streams would need for the same width. Where the draws do not line up, the paired\n  \
         interval is as wide, and still valid (docs/model.md, \"Common random numbers\").\n",
    );
    out.push_str(&best_sentence(comparison, target));
    out
}

/// The scenario to choose under the completion target, in one paragraph.
fn best_sentence(comparison: &Comparison, target: f64) -> String {
    let best = comparison.best(target);
    let chosen = &comparison.scenarios[best.index];
    let main = chosen
        .estimate
        .spot
        .as_ref()
        .unwrap_or(&chosen.estimate.on_demand);
    let per_completed = main
        .cost_per_completed_job_usd
        .map_or_else(|| "-".to_string(), format_usd);
    if best.met {
        format!(
            "\nBest: {} ({}): the lowest cost per completed job, {per_completed}, among the \
             scenarios completing at least {} of jobs; it completes {}.\n",
            chosen.name,
            chosen.side.as_str(),
            format_share(target, 1),
            format_share(main.outcomes.completed, 2)
        )
    } else {
        format!(
            "\nNo scenario completes {} of jobs: the most completing is {} ({}), at {} \
             ({per_completed} per completed job); raise its limits.\n",
            format_share(target, 1),
            chosen.name,
            chosen.side.as_str(),
            format_share(main.outcomes.completed, 2)
        )
    }
}

#[derive(Serialize)]
struct JsonComparison<'a> {
    spotsim_version: &'static str,
    baseline: &'a str,
    runs: u64,
    seed: u64,
    scenarios: Vec<JsonScenario<'a>>,
    differences: Vec<JsonDifference<'a>>,
    /// The scenario to choose under the completion target.
    best: crate::studies::compare::BestScenario,
}

#[derive(Serialize)]
struct JsonScenario<'a> {
    name: &'a str,
    file: &'a str,
    compared_side: Side,
    scenario: &'a Scenario,
    #[serde(skip_serializing_if = "Option::is_none")]
    spot: Option<&'a SideSummary>,
    on_demand: &'a SideSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    savings_vs_on_demand_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    savings_per_completed_job_pct: Option<f64>,
    ci95: &'a ScenarioIntervals,
}

#[derive(Serialize)]
struct JsonDifference<'a> {
    name: &'a str,
    vs: &'a str,
    side: Side,
    vs_side: Side,
    cost_usd: &'a PairedDifference,
    wall_s: &'a PairedDifference,
    completed_share: &'a PairedDifference,
    p_cheaper: f64,
    p_cheaper_ci95: (f64, f64),
    p_same_cost: f64,
}

/// The comparison as pretty-printed JSON, ending with a newline.
pub fn render_compare_json(comparison: &Comparison, target: f64) -> String {
    let json = JsonComparison {
        best: comparison.best(target),
        spotsim_version: env!("CARGO_PKG_VERSION"),
        baseline: &comparison.baseline().name,
        runs: comparison.runs,
        seed: comparison.seed,
        scenarios: comparison
            .scenarios
            .iter()
            .map(|s| JsonScenario {
                name: &s.name,
                file: &s.file,
                compared_side: s.side,
                scenario: &s.scenario,
                spot: s.estimate.spot.as_ref(),
                on_demand: &s.estimate.on_demand,
                savings_vs_on_demand_pct: s.estimate.savings_vs_on_demand_pct,
                savings_per_completed_job_pct: s.estimate.savings_per_completed_job_pct,
                ci95: &s.intervals,
            })
            .collect(),
        differences: comparison
            .differences
            .iter()
            .map(|d| JsonDifference {
                name: &d.name,
                vs: &d.vs,
                side: d.side,
                vs_side: d.vs_side,
                cost_usd: &d.cost_usd,
                wall_s: &d.wall_s,
                completed_share: &d.completed_share,
                p_cheaper: d.cheaper.below,
                p_cheaper_ci95: d.cheaper.below_ci95,
                p_same_cost: d.cheaper.tie,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&json).expect("reports serialise to JSON");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::paired::paired_difference;

    #[test]
    fn differences_read_with_their_sign_and_half_width() {
        let d = paired_difference(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 5.0, 8.0]);
        // Half-width 1.96 · sqrt(4.75 / 12) = 1.233.
        assert_eq!(usd_difference(&d), "+$2.25 ± $1.23");
        let d = paired_difference(&[3600.0, 7200.0], &[0.0, 3600.0]);
        assert_eq!(duration_difference(&d), "-1h ± 0s");
        // Issue 15 audit: a difference is never rounded coarser than its ±.
        let d = PairedDifference {
            mean: 3600.0 + 32.0 * 60.0 + 7.0,
            ci95: Some((3600.0 + 31.0 * 60.0 + 9.0, 3600.0 + 33.0 * 60.0 + 5.0)),
            ..PairedDifference::single(0.0)
        };
        assert_eq!(duration_difference(&d), "+1h 32m 7s ± 58s");
        let d = paired_difference(&[1.0, 1.0, 0.0, 1.0], &[1.0, 1.0, 1.0, 1.0]);
        assert!(points_difference(&d).starts_with("+25.00 pp ± "));
        assert_eq!(usd_half(0.0042), "$0.0042");
        assert_eq!(usd_interval(7.0, Some((6.9, 7.1))), "$7.00 ± $0.10");
        let same = paired_difference(&[1.0, 2.0], &[1.0, 2.0]);
        assert_eq!(
            (pairing_gain(&same), usd_difference(&same)),
            ("∞".to_string(), "$0.00 ± $0".to_string())
        );
    }
}
