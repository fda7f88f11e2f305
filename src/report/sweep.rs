//! `spotsim sweep`'s outputs: a table for people, JSON and CSV for programs, all rendered from
//! one [`SweepResult`].
//!
//! The JSON's `spot` and `on_demand` objects are the very [`SideSummary`] of
//! `spotsim run --format json`; values in `set` are seconds for durations.

use serde::Serialize;
use serde_json::Value;

use super::layout::render_rows;
use crate::stats::summary::{MetricUnit, SideSummary};
use crate::studies::advice::IntervalAdvice;
use crate::studies::sweep::{
    MetricEstimate, PointResult, SweepMetric, SweepResult, describe_point, meets_target,
};
use crate::units::duration::{format_duration_exact, format_duration_within};
use crate::units::format::{
    format_count, format_pct, format_share, format_usd_places, pct_decimals_within,
};

/// A swept value as JSON: whole numbers as integers (`1800`, not `1800.0`).
fn json_number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

fn set_object(result: &SweepResult, values: &[f64]) -> serde_json::Map<String, Value> {
    result
        .axes
        .iter()
        .zip(values)
        .map(|(axis, &v)| (axis.key.clone(), json_number(v)))
        .collect()
}

/// A point minus the best point, as the JSON shows it.
#[derive(Serialize)]
struct JsonDifference {
    diff: f64,
    ci95: Option<(f64, f64)>,
}

#[derive(Serialize)]
struct JsonPoint<'a> {
    set: serde_json::Map<String, Value>,
    metric: &'a MetricEstimate,
    vs_best: JsonDifference,
    #[serde(skip_serializing_if = "Option::is_none")]
    spot: Option<&'a SideSummary>,
    on_demand: &'a SideSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    savings_vs_on_demand_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    savings_per_completed_job_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_interval_advice: Option<&'a IntervalAdvice>,
}

#[derive(Serialize)]
struct JsonBest<'a> {
    index: usize,
    set: serde_json::Map<String, Value>,
    metric: &'a MetricEstimate,
    /// Indices of the points whose paired difference to the best holds 0.
    not_told_apart: Vec<usize>,
}

#[derive(Serialize)]
struct JsonSweep<'a> {
    spotsim_version: &'static str,
    name: &'a str,
    metric: String,
    maximise: bool,
    side: &'static str,
    runs: u64,
    seed: u64,
    keys: Vec<&'a str>,
    /// The completion target the best point is chosen under; absent for the raw metric.
    #[serde(skip_serializing_if = "Option::is_none")]
    target_completion: Option<crate::studies::sweep::CompletionTarget>,
    points: Vec<JsonPoint<'a>>,
    best: JsonBest<'a>,
}

/// The sweep as pretty-printed JSON, ending with a newline.
pub fn render_sweep_json(name: &str, result: &SweepResult) -> String {
    let best = result.best_point();
    let json = JsonSweep {
        spotsim_version: env!("CARGO_PKG_VERSION"),
        name,
        metric: result.metric.key(),
        maximise: result.metric.maximise(),
        side: result.side,
        runs: result.runs,
        seed: result.seed,
        keys: result.axes.iter().map(|a| a.key.as_str()).collect(),
        target_completion: result.target,
        points: result
            .points
            .iter()
            .map(|p| JsonPoint {
                set: set_object(result, &p.values),
                metric: &p.metric,
                vs_best: JsonDifference {
                    diff: p.vs_best.mean,
                    ci95: p.vs_best.ci95,
                },
                spot: p.spot.as_ref(),
                on_demand: &p.on_demand,
                savings_vs_on_demand_pct: p.savings_vs_on_demand_pct,
                savings_per_completed_job_pct: p.savings_per_completed_job_pct,
                checkpoint_interval_advice: p.advice.as_ref(),
            })
            .collect(),
        best: JsonBest {
            index: result.best,
            set: set_object(result, &best.values),
            metric: &best.metric,
            not_told_apart: result
                .points
                .iter()
                .enumerate()
                .filter(|(i, p)| *i != result.best && p.vs_best.holds_zero())
                .map(|(i, _)| i)
                .collect(),
        },
    };
    let mut text = serde_json::to_string_pretty(&json).expect("sweeps serialise to JSON");
    text.push('\n');
    text
}

/// Seconds to the second (`5h 13m 20s`, `21h 0m 59s`), below ten seconds to the tenth.
fn show_seconds(seconds: f64) -> String {
    let sign = if seconds < 0.0 { "-" } else { "" };
    let magnitude = seconds.abs();
    if magnitude < 10.0 {
        format!("{sign}{magnitude:.1}s")
    } else {
        // Every unit down to the second, zeros included (`21h 0m 59s`, not `21h 59s`).
        format!("{sign}{}", format_duration_within(magnitude, 1.0))
    }
}

/// Dollars to the tenth of a cent, thousands grouped, whatever the size: one rule for every
/// money column (`$998.341` beside `$1,021.140`, not `$1,021.14`).
fn show_usd(usd: f64) -> String {
    format_usd_places(usd, 3)
}

/// The places a real saving needs beside its paired interval (at least one).
fn saving_places(ci95_pct: Option<(f64, f64)>) -> usize {
    ci95_pct.map_or(1, |(lo, hi)| pct_decimals_within((hi - lo) / 2.0, 1))
}

/// A real saving against on-demand with `places` (the column's: the most any point's interval
/// needs), by [`crate::units::format::format_pct`]'s rule (never `100.0 %` short of it).
fn show_saving(saving_pct: Option<f64>, places: usize) -> String {
    saving_pct.map_or_else(|| "-".into(), |saving| format_pct(saving, places))
}

fn show_value(unit: MetricUnit, value: f64) -> String {
    match unit {
        MetricUnit::Usd => show_usd(value),
        MetricUnit::Seconds => show_seconds(value),
        MetricUnit::Count => format!("{value:.2}"),
        MetricUnit::Share => format_share(value, 2),
    }
}

fn show_diff(unit: MetricUnit, value: f64) -> String {
    let text = show_value(unit, value);
    if value > 0.0 || (value == 0.0 && !text.starts_with('-')) {
        format!("+{text}")
    } else {
        text
    }
}

fn show_interval(interval: Option<(f64, f64)>, show: impl Fn(f64) -> String) -> String {
    interval.map_or_else(
        || "-".to_string(),
        |(lo, hi)| format!("{} to {}", show(lo), show(hi)),
    )
}

/// The advice line, when every point shares one.
fn common_advice(points: &[PointResult]) -> Option<IntervalAdvice> {
    let first = points.first()?.advice?;
    points
        .iter()
        .all(|p| p.advice == Some(first))
        .then_some(first)
}

/// One sentence with Young's and Daly's intervals and their inputs.
pub fn advice_sentence(advice: &IntervalAdvice) -> String {
    format!(
        "Young (1974): checkpoint every {}; Daly (2006): every {} (save C = {}, mean time \
         between interruptions M = {}, {}).",
        show_seconds(advice.young_s),
        show_seconds(advice.daly_s),
        // Inputs, written as a user writes them (`30s`, `8h`).
        format_duration_exact(advice.save_s.round()),
        format_duration_exact(advice.mean_time_between_interruptions_s.round()),
        m_source(advice)
    )
}

/// Where `M` came from, in words.
pub fn m_source(advice: &IntervalAdvice) -> &'static str {
    if advice.mean_time_between_interruptions_from == "simulated" {
        "as simulated: capacity held / reclaims"
    } else {
        "the market's mean"
    }
}

/// The sweep as a text table with a heading and the best point below it.
pub fn render_sweep_table(name: &str, result: &SweepResult) -> String {
    let unit = result.metric.unit();
    // With a `[fallback]`, the spot side is spot with its on-demand jobs; its figures are
    // shown only then, so that other sweeps print as they did.
    let fallbacks = result.side == "spot"
        && result
            .points
            .iter()
            .any(|p| p.spot.as_ref().is_some_and(|s| s.fallback.is_some()));
    let deadlines = fallbacks
        && result.points.iter().any(|p| {
            p.spot
                .as_ref()
                .and_then(|s| s.fallback)
                .is_some_and(|f| f.met_deadline_share.is_some())
        });
    let side = if fallbacks {
        "spot + fallback"
    } else if result.side == "spot" {
        "spot"
    } else {
        "on-demand"
    };
    let keys: Vec<&str> = result.axes.iter().map(|a| a.key.as_str()).collect();
    let mut out = format!(
        "{name}: sweep of {} ({} point{} × {} runs, seed {})\n",
        keys.join(" × "),
        result.points.len(),
        if result.points.len() == 1 { "" } else { "s" },
        format_count(result.runs),
        result.seed
    );
    out.push_str(&format!(
        "Metric: {} on {side}, {} is better. Best: {}.\n\"vs best\" is the paired difference \
         to the best point (common random numbers); \"~\" marks points not told apart from the \
         best at 95 %{}.\n\n",
        result.metric.label(),
        if result.metric.maximise() {
            "higher"
        } else {
            "lower"
        },
        result.best_rule(),
        match result.target {
            Some(target) if target.met => format!(
                ", \"short\" points that complete less than {}",
                format_share(target.share, 1)
            ),
            _ => String::new(),
        }
    ));
    let advice = common_advice(&result.points);
    let per_point_advice = advice.is_none() && result.points.iter().any(|p| p.advice.is_some());
    let mut header: Vec<String> = keys.iter().map(std::string::ToString::to_string).collect();
    header.extend([
        result.metric.label().clone(),
        "95 % interval".into(),
        "vs best".into(),
        "95 % interval".into(),
        String::new(),
    ]);
    let show_completed = result.metric != SweepMetric::Completed;
    let show_cost = result.metric != SweepMetric::Mean(crate::stats::summary::Metric::CostUsd);
    let show_wall = result.metric != SweepMetric::Mean(crate::stats::summary::Metric::WallS);
    if show_completed {
        header.push("completed".into());
    }
    if show_cost {
        header.push(format!("{side} cost"));
    }
    if show_wall {
        header.push(format!("{side} wall"));
    }
    if result.side == "spot" {
        header.push("on-demand cost".into());
        header.push("saving".into());
    }
    if fallbacks {
        header.push("went on-demand".into());
    }
    if deadlines {
        header.push("met deadline".into());
    }
    if per_point_advice {
        header.push("Young".into());
        header.push("Daly".into());
    }
    let mut rows = vec![header];
    // One rule per column: the wall time to the finest step any point's standard error asks
    // for, the saving to the most places any point's interval needs.
    let wall_resolution_s = result
        .points
        .iter()
        .filter_map(|p| {
            let main = p.spot.as_ref().unwrap_or(&p.on_demand);
            main.metrics.wall_s.std_err.filter(|se| *se > 0.0)
        })
        .fold(f64::INFINITY, f64::min);
    let saving_column_places = result
        .points
        .iter()
        .map(|p| saving_places(p.savings_vs_on_demand_ci95_pct))
        .max()
        .unwrap_or(1);
    for (i, p) in result.points.iter().enumerate() {
        let main = p.spot.as_ref().unwrap_or(&p.on_demand);
        let mut row: Vec<String> = result
            .axes
            .iter()
            .zip(&p.values)
            .map(|(axis, &v)| axis.kind.show(v))
            .collect();
        let short = result
            .target
            .is_some_and(|t| t.met && !meets_target(p, t.share));
        let mark = if i == result.best {
            "best"
        } else if short {
            "short"
        } else if p.vs_best.holds_zero() {
            "~"
        } else {
            ""
        };
        row.extend([
            show_value(unit, p.metric.value),
            show_interval(p.metric.ci95, |v| show_value(unit, v)),
            if i == result.best {
                "-".to_string()
            } else {
                show_diff(unit, p.vs_best.mean)
            },
            if i == result.best {
                "-".to_string()
            } else {
                show_interval(p.vs_best.ci95, |v| show_diff(unit, v))
            },
            mark.to_string(),
        ]);
        if show_completed {
            row.push(format_share(main.outcomes.completed, 2));
        }
        if show_cost {
            row.push(show_usd(main.metrics.cost_usd.mean));
        }
        if show_wall {
            // To the step of the column's finest standard error, as `spotsim run` shows it.
            row.push(format_duration_within(
                main.metrics.wall_s.mean,
                wall_resolution_s,
            ));
        }
        if result.side == "spot" {
            row.push(show_usd(p.on_demand.metrics.cost_usd.mean));
            row.push(show_saving(
                p.savings_vs_on_demand_pct,
                saving_column_places,
            ));
        }
        let fallback = p.spot.as_ref().and_then(|s| s.fallback);
        if fallbacks {
            row.push(fallback.map_or_else(|| "-".into(), |f| format_share(f.fell_back_share, 1)));
        }
        if deadlines {
            row.push(
                fallback
                    .and_then(|f| f.met_deadline_share)
                    .map_or_else(|| "-".into(), |m| format_share(m, 2)),
            );
        }
        if per_point_advice {
            match p.advice {
                Some(a) => row.extend([show_seconds(a.young_s), show_seconds(a.daly_s)]),
                None => row.extend(["-".to_string(), "-".to_string()]),
            }
        }
        rows.push(row);
    }
    // Keys left-aligned like the first column: pad them in place.
    out.push_str(&render_rows(&rows));
    let best = result.best_point();
    let best_main = best.spot.as_ref().unwrap_or(&best.on_demand);
    let per_completed = match (result.target, best_main.cost_per_completed_job_usd) {
        (Some(_), Some(usd)) if show_cost || result.metric.unit() == MetricUnit::Usd => {
            format!(", {} per completed job", show_usd(usd))
        }
        _ => String::new(),
    };
    out.push_str(&format!(
        "\n{}: {}: {} {} (95 % interval {}){per_completed}; completes {}.\n",
        match result.target {
            Some(target) if !target.met => format!(
                "No point completes {} of jobs; the most completing",
                format_share(target.share, 1)
            ),
            _ => "Best".to_string(),
        },
        describe_point(&result.axes, &best.values),
        result.metric.label(),
        show_value(unit, best.metric.value),
        show_interval(best.metric.ci95, |v| show_value(unit, v)),
        format_share(best_main.outcomes.completed, 2)
    ));
    let close = result
        .points
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            *i != result.best
                && p.vs_best.holds_zero()
                && result
                    .target
                    .is_none_or(|t| !t.met || meets_target(p, t.share))
        })
        .count();
    if close > 0 {
        out.push_str(&format!(
            "{close} other point(s) are not told apart from it at 95 % (marked ~): more runs \
             would separate them, or the choice among them does not matter.\n"
        ));
    }
    if let Some(advice) = advice {
        out.push_str(&advice_sentence(&advice));
        out.push('\n');
    }
    out
}

/// The sweep as CSV: one row per point.
pub fn render_sweep_csv(result: &SweepResult) -> String {
    let metric = result.metric.key();
    let mut header: Vec<String> = result.axes.iter().map(|a| a.key.clone()).collect();
    for name in [
        metric.clone(),
        format!("{metric}_ci95_lo"),
        format!("{metric}_ci95_hi"),
        "vs_best".into(),
        "vs_best_ci95_lo".into(),
        "vs_best_ci95_hi".into(),
        "best".into(),
        "completed".into(),
        "cost_usd_mean".into(),
        "wall_s_mean".into(),
        "wall_s_p95".into(),
        "on_demand_cost_usd_mean".into(),
        "on_demand_wall_s_mean".into(),
        "savings_vs_on_demand_pct".into(),
        "young_s".into(),
        "daly_s".into(),
    ] {
        header.push(name);
    }
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let cell = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    let mut write = |record: Vec<String>| writer.write_record(record).is_ok();
    let mut ok = write(header);
    for (i, p) in result.points.iter().enumerate() {
        let main = p.spot.as_ref().unwrap_or(&p.on_demand);
        let mut row: Vec<String> = p
            .values
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        row.extend([
            p.metric.value.to_string(),
            cell(p.metric.ci95.map(|c| c.0)),
            cell(p.metric.ci95.map(|c| c.1)),
            p.vs_best.mean.to_string(),
            cell(p.vs_best.ci95.map(|c| c.0)),
            cell(p.vs_best.ci95.map(|c| c.1)),
            (i == result.best).to_string(),
            main.outcomes.completed.to_string(),
            main.metrics.cost_usd.mean.to_string(),
            main.metrics.wall_s.mean.to_string(),
            main.metrics.wall_s.p95.to_string(),
            p.on_demand.metrics.cost_usd.mean.to_string(),
            p.on_demand.metrics.wall_s.mean.to_string(),
            cell(p.savings_vs_on_demand_pct),
            cell(p.advice.map(|a| a.young_s)),
            cell(p.advice.map(|a| a.daly_s)),
        ]);
        ok &= write(row);
    }
    debug_assert!(ok, "writing CSV to memory cannot fail");
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_dollars_keep_the_digits_that_separate_points() {
        assert_eq!(show_seconds(18_803.6), "5h 13m 24s");
        assert_eq!(show_seconds(-62.0), "-1m 2s");
        assert_eq!(show_seconds(0.44), "0.4s");
        assert_eq!(show_usd(5.1234), "$5.123");
        assert_eq!(show_diff(MetricUnit::Usd, 0.012), "+$0.012");
        assert_eq!(show_diff(MetricUnit::Usd, -0.012), "-$0.012");
        assert_eq!(show_diff(MetricUnit::Seconds, 0.0), "+0.0s");
        assert_eq!(show_value(MetricUnit::Share, 0.98765), "98.77 %");
        assert_eq!(json_number(1800.0), Value::from(1800));
        assert_eq!(json_number(0.7), Value::from(0.7));
    }

    /// Issue 15 audit: one rule per money column, and a saving to the places of its interval.
    #[test]
    fn money_and_savings_columns_keep_one_rule() {
        assert_eq!(show_usd(998.341), "$998.341");
        assert_eq!(show_usd(1021.14), "$1,021.140");
        assert_eq!(show_usd(-1021.14), "-$1,021.140");
        let places = saving_places(Some((86.997, 86.999)));
        assert_eq!(show_saving(Some(86.998), places), "86.998 %");
        assert_eq!(saving_places(Some((53.8, 54.2))), 1);
        assert_eq!(show_saving(Some(54.04), 1), "54.0 %");
        assert_eq!(show_saving(Some(99.97), saving_places(None)), "99.97 %");
        assert_eq!(show_saving(None, 1), "-");
    }
}
