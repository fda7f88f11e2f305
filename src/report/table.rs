//! `spotsim run` default output: a table a person reads in a review.

use super::RunReport;
use super::layout::{render_list, render_rows};
use crate::engine::Outcome;
use crate::montecarlo::precision::format_interval;
use crate::scenario::{FallbackSpec, FallbackWhen, Scenario, SpotPriceSpec};
use crate::stats::summary::{Metric, SideSummary, Summary};
use crate::units::duration::{format_duration, format_duration_within};
use crate::units::format::{
    format_count, format_pct, format_price, format_std_err, format_usd, format_usd_pm,
};

/// The runs cut by the event budget, when some were (else nothing): the figures above count
/// them as stopped by MaxWait with what they had spent when cut, so the table says so.
fn event_budget_line(estimate: &crate::montecarlo::Estimate, scenario: &Scenario) -> String {
    let sides = [
        ("spot", estimate.spot.as_ref()),
        ("on-demand", Some(&estimate.on_demand)),
    ];
    let cut: Vec<String> = sides
        .into_iter()
        .filter_map(|(name, side)| {
            let runs = side?.event_budget_runs;
            (runs > 0).then(|| format!("{} {name}", format_count(runs)))
        })
        .collect();
    if cut.is_empty() {
        return String::new();
    }
    format!(
        "  runs that hit the event budget: {} (cut after {} events, simulation.max_events; \
         counted as MaxWaitTimeExceeded with what they had spent)\n",
        cut.join(", "),
        format_count(scenario.simulation.max_events)
    )
}

/// How a metric's numbers are written.
#[derive(Clone, Copy)]
enum Unit {
    Duration,
    Usd,
    Count,
}

fn metric_label(metric: Metric) -> (&'static str, Unit) {
    match metric {
        Metric::WallS => ("wall time", Unit::Duration),
        Metric::TrainingS => ("training time (TrainingTimeInSeconds)", Unit::Duration),
        Metric::BillableS => ("billable time (BillableTimeInSeconds)", Unit::Duration),
        Metric::CostUsd => ("cost", Unit::Usd),
        Metric::Interruptions => ("interruptions", Unit::Count),
        Metric::WaitingS => ("capacity wait", Unit::Duration),
        Metric::LostWorkS => ("work lost to interruptions", Unit::Duration),
    }
}

fn show(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Duration => format_duration(value),
        Unit::Usd => format_usd(value),
        Unit::Count if value.fract() == 0.0 => format!("{value:.0}"),
        Unit::Count => format!("{value:.2}"),
    }
}

/// A standard error in the metric's unit, with enough digits not to read as zero.
fn show_std_err(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Duration => format_duration(value),
        Unit::Usd => format_usd_pm(value),
        Unit::Count => format_std_err(value),
    }
}

fn summary_row(label: &str, summary: &Summary, unit: Unit) -> Vec<String> {
    // Durations are shown to the step of their standard error, every cell of the row alike,
    // so no figure is rounded coarser than the ± beside it.
    let resolution_s = summary
        .std_err
        .filter(|se| *se > 0.0)
        .unwrap_or(f64::INFINITY);
    let show = |value: f64, unit: Unit| match unit {
        Unit::Duration => format_duration_within(value, resolution_s),
        _ => show(value, unit),
    };
    let mean = match summary.std_err {
        // A spread a billion times smaller than the mean is rounding in the clock, not a spread.
        Some(se) if se <= 1e-9 * summary.mean.abs() => {
            format!("{} ± {}", show(summary.mean, unit), show_std_err(0.0, unit))
        }
        Some(se) => format!("{} ± {}", show(summary.mean, unit), show_std_err(se, unit)),
        None => show(summary.mean, unit),
    };
    let mut row = vec![format!("  {label}"), mean];
    row.extend(
        [
            summary.p50,
            summary.p90,
            summary.p95,
            summary.p99,
            summary.min,
            summary.max,
        ]
        .iter()
        .map(|&v| show(v, unit)),
    );
    row
}

fn side_rows(rows: &mut Vec<Vec<String>>, title: &str, side: &SideSummary, metrics: &[Metric]) {
    rows.push(vec![String::new()]);
    rows.push(
        [
            title,
            "mean ± s.e.",
            "p50",
            "p90",
            "p95",
            "p99",
            "min",
            "max",
        ]
        .iter()
        .map(ToString::to_string)
        .collect(),
    );
    for &metric in metrics {
        let (label, unit) = metric_label(metric);
        rows.push(summary_row(label, side.metrics.get(metric), unit));
    }
}

/// `name · instance type × count · the market and its prices`: the first words of a header.
pub(super) fn job_and_market(name: &str, scenario: &Scenario) -> String {
    let job = &scenario.job;
    let mut header = match &job.instance_type {
        Some(instance_type) => {
            format!("{name} · {instance_type} × {}", job.instance_count)
        }
        None if job.instance_count == 1 => format!("{name} · 1 instance"),
        None => format!("{name} · {} instances", job.instance_count),
    };
    match &scenario.spot {
        Some(spot) => match &spot.price {
            SpotPriceSpec::Discount(discount) => header.push_str(&format!(
                " · spot at {} off {}/h on-demand",
                format_pct(discount * 100.0, 0),
                format_price(scenario.pricing.on_demand_hourly_usd)
            )),
            SpotPriceSpec::History {
                mean_usd_per_hour, ..
            } => header.push_str(&format!(
                " · spot at history prices (mean {}/h) vs {}/h on-demand",
                format_price(*mean_usd_per_hour),
                format_price(scenario.pricing.on_demand_hourly_usd)
            )),
        },
        None => header.push_str(&format!(
            " · on-demand at {}/h",
            format_price(scenario.pricing.on_demand_hourly_usd)
        )),
    }
    header
}

/// What the `[fallback]` did, in words: how often the scheduler gave up on spot, what the
/// on-demand jobs cost, and with a deadline how many runs met it.
fn fallback_section(spot: &SideSummary, rule: &FallbackSpec) -> String {
    let Some(fallback) = &spot.fallback else {
        return String::new();
    };
    // Who ends the spot job differs: with `max_wait` SageMaker does (MaxWaitTimeExceeded,
    // spec §2) and the scheduler only creates the on-demand job; with the other rules the
    // scheduler stops the spot job itself.
    let restored = "an on-demand job restored its last durable checkpoint";
    let what = match rule.when {
        FallbackWhen::Deadline {
            deadline_s,
            margin_s,
        } => {
            let margin = if margin_s > 0.0 {
                format!(" less a margin of {}", format_duration(margin_s))
            } else {
                String::new()
            };
            format!(
                "the scheduler stopped the spot job at the last moment an on-demand job could \
                 still finish within {}{margin}, and {restored}",
                format_duration(deadline_s)
            )
        }
        FallbackWhen::MaxWait => "SageMaker ended the spot job with MaxWaitTimeExceeded, then \
                                  the scheduler created an on-demand job, which restored the \
                                  spot job's last durable checkpoint"
            .to_string(),
        FallbackWhen::Interruptions { interruptions } => format!(
            "the scheduler stopped the spot job after interruption {interruptions}, and \
             {restored}"
        ),
        FallbackWhen::Waiting { waiting_s } => format!(
            "the scheduler stopped the spot job when a wait for capacity reached {}, and \
             {restored}",
            format_duration(waiting_s)
        ),
    };
    let mut rows = vec![
        vec![
            "  went on-demand".to_string(),
            format_pct(fallback.fell_back_share * 100.0, 1),
            format!("of runs: {what}"),
        ],
        vec![
            "  on-demand part".to_string(),
            format_pct(fallback.on_demand_cost_share * 100.0, 1),
            format!(
                "of the total cost: {} per run on average, {:.1} on-demand hours billed",
                format_usd(fallback.on_demand_cost_usd_mean),
                fallback.on_demand_hours_mean
            ),
        ],
    ];
    if let (Some(met), FallbackWhen::Deadline { deadline_s, .. }) =
        (fallback.met_deadline_share, rule.when)
    {
        rows.push(vec![
            "  deadline met".to_string(),
            format_pct(met * 100.0, 2),
            format!(
                "of runs completed within {} of the spot job's creation",
                format_duration(deadline_s)
            ),
        ]);
    }
    let width = rows.iter().map(|r| r[1].chars().count()).max().unwrap_or(0);
    for row in &mut rows {
        row[1] = format!("{:>width$}", row[1]);
    }
    format!(
        "\nFallback (when = \"{}\"; SageMaker has none, a scheduler outside it does this)\n{}",
        rule.when_name(),
        render_list(&rows)
    )
}

/// The report as an aligned text table.
pub fn render_table(report: &RunReport<'_>) -> String {
    let scenario = report.scenario;
    let estimate = report.estimate;
    let mut header = job_and_market(report.name, scenario);
    let precision = report
        .precision
        .map(|p| format!(" ({})", p.describe()))
        .unwrap_or_default();
    header.push_str(&format!(
        " · {} runs{precision} · seed {}\n",
        format_count(scenario.simulation.runs),
        scenario.simulation.seed
    ));

    // The outcomes are a grid of their own, so that their intervals do not widen the columns
    // of the metrics below.
    let mut outcome_rows: Vec<Vec<String>> = vec![vec![String::new()]];
    let mut outcome_header = vec!["Outcome".to_string()];
    if estimate.spot.is_some() {
        outcome_header.extend(["spot".into(), "95 % interval".into()]);
    }
    outcome_header.extend(["on-demand".into(), "95 % interval".into()]);
    outcome_rows.push(outcome_header);
    let share_cells = |side: &SideSummary, outcome: Outcome| {
        let [lo, hi] = side.outcomes.ci95.of(outcome);
        [
            format_pct(side.outcomes.of(outcome) * 100.0, 2),
            format_interval(lo, hi),
        ]
    };
    for outcome in Outcome::ALL {
        let mut row = vec![format!("  {}", outcome.as_str())];
        if let Some(spot) = &estimate.spot {
            row.extend(share_cells(spot, outcome));
        }
        if outcome == Outcome::MaxWaitTimeExceeded {
            row.push("—".to_string());
        } else {
            row.extend(share_cells(&estimate.on_demand, outcome));
        }
        outcome_rows.push(row);
    }
    header.push_str(&render_rows(&outcome_rows));
    header.push_str(&event_budget_line(estimate, scenario));

    let mut rows: Vec<Vec<String>> = Vec::new();
    if let Some(spot) = &estimate.spot {
        let title = if spot.fallback.is_some() {
            "Spot with on-demand fallback, per job (both jobs)"
        } else {
            "Spot, per job"
        };
        side_rows(&mut rows, title, spot, &Metric::ALL);
    }
    side_rows(
        &mut rows,
        "On-demand, per job",
        &estimate.on_demand,
        &[Metric::WallS, Metric::TrainingS, Metric::CostUsd],
    );

    let mut out = header;
    out.push_str(&render_rows(&rows));
    if let (Some(spot), Some(rule)) = (&estimate.spot, &scenario.fallback) {
        out.push_str(&fallback_section(spot, rule));
    }
    if let (Some(spot), Some(real_pct)) = (&estimate.spot, estimate.savings_vs_on_demand_pct) {
        out.push_str("\nSavings\n");
        let console = spot
            .console_savings_pct
            .map_or_else(|| "—".to_string(), |pct| format_pct(pct, 1));
        let per_completed = |side: &crate::stats::summary::SideSummary| {
            side.cost_per_completed_job_usd
                .map_or_else(|| "—".to_string(), format_usd)
        };
        let savings_rows = vec![
            vec![
                "  console: 1 − billable / training".to_string(),
                console,
                "what SageMaker prints: the spot discount alone".to_string(),
            ],
            vec![
                "  real: 1 − spot cost / on-demand cost".to_string(),
                format_pct(real_pct, 1),
                format!(
                    "mean cost {} on spot vs {} on-demand",
                    format_usd(spot.metrics.cost_usd.mean),
                    format_usd(estimate.on_demand.metrics.cost_usd.mean)
                ),
            ],
            vec![
                "  per completed job".to_string(),
                estimate
                    .savings_per_completed_job_pct
                    .map_or_else(|| "—".to_string(), |pct| format_pct(pct, 1)),
                format!(
                    "{} on spot vs {} on-demand: total cost / jobs that finished",
                    per_completed(spot),
                    per_completed(&estimate.on_demand)
                ),
            ],
        ];
        // Percentages right-aligned, so that a negative saving lines up with the others.
        let width = savings_rows
            .iter()
            .map(|row| row[1].chars().count())
            .max()
            .unwrap_or(0);
        let savings_rows: Vec<Vec<String>> = savings_rows
            .into_iter()
            .map(|mut row| {
                row[1] = format!("{:>width$}", row[1]);
                row
            })
            .collect();
        out.push_str(&render_list(&savings_rows));
        out.push_str(
            "  The console figure ignores work redone after interruptions, extra downloads and \
             stopped runs; the real one pays for them.\n",
        );
        let unfinished_pct = (1.0 - spot.outcomes.completed) * 100.0;
        // Only a gap of a percentage point or more is worth the reader's attention.
        if spot.outcomes.completed + 0.01 <= estimate.on_demand.outcomes.completed {
            out.push_str(&format!(
                "  Caution: {} of spot runs stopped before finishing. Stopped runs cost less, so \
                 the real saving flatters spot; the per-completed-job figure does not.\n",
                format_pct(unfinished_pct, 1)
            ));
        }
    }
    out
}
