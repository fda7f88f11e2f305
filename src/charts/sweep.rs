//! The chart of `spotsim sweep --chart`: a line with its 95 % band for one key, a heat map for
//! two; the best point marked, and Young's and Daly's checkpoint intervals where the sweep
//! varies `checkpoint.interval`.

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ChartError, ChartFormat, DrawResult, GREY, INK, LABEL_PX, Mark, PURPLE, SKY, SPOT, TICK_PX,
    VERMILION, finite, font, frame, render_with, short_name, time_unit, widen,
};
use crate::stats::summary::MetricUnit;
use crate::studies::advice::IntervalAdvice;
use crate::studies::sweep::{Axis, SweepResult, completed_share, describe_point, meets_target};
use crate::units::duration::format_duration;
use crate::units::format::format_grouped;

/// The key whose sweep gets Young's and Daly's marks.
const INTERVAL_KEY: &str = "checkpoint.interval";

/// The fill of a heat-map cell short of the completion target: a light grey, hatched, outside
/// the colour scale, so that a cheap cell that stops most jobs does not read as the cheapest.
const SHORT_FILL: RGBColor = RGBColor(222, 222, 222);

/// Which points fall short of the completion target the best point is chosen under, as the
/// table's `short` mark: only when some point meets it (else every point would be short, and the
/// subtitle already says no point completes it).
fn short_points(result: &SweepResult) -> Vec<bool> {
    let target = result.target.filter(|t| t.met);
    result
        .points
        .iter()
        .map(|p| target.is_some_and(|t| !meets_target(p, t.share)))
        .collect()
}

/// Draws the sweep as `format` bytes.
pub fn render_sweep(
    name: &str,
    result: &SweepResult,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    render_with("sweep", format, |root| draw(name, result, root))
}

fn draw<DB: DrawingBackend>(
    name: &str,
    result: &SweepResult,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for point in &result.points {
        let what = format!("the point {}", describe_point(&result.axes, &point.values));
        super::finite_sides(point.spot.as_ref(), &point.on_demand)?;
        let (lo, hi) = point.metric.ci95.unwrap_or((0.0, 0.0));
        let mut figures = vec![
            ("value", point.metric.value),
            ("interval", lo),
            ("interval", hi),
        ];
        figures.extend(point.values.iter().map(|&value| ("setting", value)));
        figures.push(("savings", point.savings_vs_on_demand_pct.unwrap_or(0.0)));
        super::finite_figures(&what, &figures)?;
    }
    root.fill(&WHITE)?;
    if result.axes.len() == 1 {
        draw_line(name, result, root)
    } else {
        draw_heat_map(name, result, root)
    }
}

/// How the metric is drawn on an axis: the factor to divide by, the axis text, and a formatter.
fn metric_scale(result: &SweepResult) -> (f64, String) {
    let label = result.metric.label();
    match result.metric.unit() {
        MetricUnit::Usd => (1.0, format!("{label} per job (USD)")),
        MetricUnit::Count => (1.0, format!("{label} per job")),
        MetricUnit::Share => (0.01, format!("jobs {label} (%)")),
        MetricUnit::Seconds => {
            let max = result
                .points
                .iter()
                .map(|p| p.metric.ci95.map_or(p.metric.value, |c| c.1))
                .fold(0.0, f64::max);
            let (unit_s, unit) = time_unit(max);
            (unit_s, format!("{label} ({unit})"))
        }
    }
}

/// How a swept key is drawn on an axis: the factor to divide its values by, and its unit name.
fn key_scale(axis: &Axis) -> (f64, &'static str) {
    if axis.kind.is_duration() {
        let max = axis.values.iter().copied().fold(0.0, f64::max);
        time_unit(max)
    } else {
        (1.0, "")
    }
}

/// The subtitle lines shared by both charts.
fn subtitle(result: &SweepResult, band: bool) -> Vec<String> {
    let side = if result.side == "spot" {
        "spot"
    } else {
        "on-demand"
    };
    let best = result.best_point();
    let mut lines = vec![format!(
        "{} on {side}, {} runs per point (seed {}), common random numbers{}",
        result.metric.label(),
        crate::units::format::format_count(result.runs),
        result.seed,
        if band { "; band: 95 % interval" } else { "" }
    )];
    let main = best.spot.as_ref().unwrap_or(&best.on_demand);
    lines.push(format!(
        "{}: {} ({} is {}, completes {})",
        match result.target {
            Some(target) if !target.met => format!(
                "no point completes {} of jobs; the most",
                crate::units::format::format_share(target.share, 1)
            ),
            _ => "best".to_string(),
        },
        describe_point(&result.axes, &best.values),
        result.metric.label(),
        show_metric_within(result, best.metric.value, best.metric.ci95),
        crate::units::format::format_share(main.outcomes.completed, 2)
    ));
    if let Some(target) = result.target.filter(|t| t.met) {
        lines.push(format!(
            "best among the points completing at least {} of jobs{}",
            crate::units::format::format_share(target.share, 1),
            if result.metric
                == crate::studies::sweep::SweepMetric::Mean(crate::stats::summary::Metric::CostUsd)
            {
                ", by mean cost per completed job"
            } else {
                ""
            }
        ));
    }
    lines
}

/// The heat map's subtitle: [`subtitle`]'s lines, and what the grey cells are when some are.
fn heat_map_subtitle(result: &SweepResult, short: &[bool]) -> Vec<String> {
    let mut lines = subtitle(result, false);
    let count = short.iter().filter(|s| **s).count();
    if let Some(target) = result.target.filter(|_| count > 0) {
        lines.push(format!(
            "grey hatched cells ({count} of {}) complete fewer than {} of jobs: short of the \
             target, not eligible for best, outside the colour scale",
            short.len(),
            crate::units::format::format_share(target.share, 1)
        ));
    }
    lines
}

/// A point's value, a duration rounded no coarser than half its 95 % interval.
fn show_metric_within(result: &SweepResult, value: f64, ci95: Option<(f64, f64)>) -> String {
    match (result.metric.unit(), ci95) {
        (MetricUnit::Seconds, Some((lo, hi))) if hi > lo => {
            crate::units::duration::format_duration_within(value, (hi - lo) / 2.0)
        }
        _ => show_metric(result, value),
    }
}

fn show_metric(result: &SweepResult, value: f64) -> String {
    match result.metric.unit() {
        MetricUnit::Usd => super::usd_axis(value, 3),
        MetricUnit::Seconds => format_duration(value),
        MetricUnit::Count => format!("{value:.2}"),
        MetricUnit::Share => crate::units::format::format_share(value, 2),
    }
}

/// Young's and Daly's intervals, when the sweep varies the interval and every point shares them.
fn common_advice(result: &SweepResult) -> Option<IntervalAdvice> {
    if !result.axes.iter().any(|a| a.key == INTERVAL_KEY) {
        return None;
    }
    let first = result.points.first()?.advice?;
    result
        .points
        .iter()
        .all(|p| p.advice == Some(first))
        .then_some(first)
}

fn draw_line<DB: DrawingBackend>(
    name: &str,
    result: &SweepResult,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let axis = &result.axes[0];
    let (x_unit, x_unit_name) = key_scale(axis);
    let (y_unit, y_desc) = metric_scale(result);
    // Points in x order (a list may be given in any order).
    let mut order: Vec<usize> = (0..result.points.len()).collect();
    order.sort_by(|&a, &b| result.points[a].values[0].total_cmp(&result.points[b].values[0]));
    let xs: Vec<f64> = order
        .iter()
        .map(|&i| result.points[i].values[0] / x_unit)
        .collect();
    let ys: Vec<f64> = order
        .iter()
        .map(|&i| result.points[i].metric.value / y_unit)
        .collect();
    let band: Vec<(f64, f64, f64)> = order
        .iter()
        .zip(&xs)
        .filter_map(|(&i, &x)| {
            result.points[i]
                .metric
                .ci95
                .map(|(lo, hi)| (x, lo / y_unit, hi / y_unit))
        })
        .collect();

    let mut legend = vec![(
        format!("{} by {}", result.metric.label(), axis.key),
        Mark::Line(SPOT),
    )];
    if !band.is_empty() {
        legend.push(("95 % interval".to_string(), Mark::Fill(SKY)));
    }
    let best = result.best_point();
    legend.push((
        format!("best: {}", axis.kind.show(best.values[0])),
        Mark::Cross(VERMILION),
    ));
    let mut lines = subtitle(result, false);
    let (mut x_lo, mut x_hi) = (xs[0], xs[xs.len() - 1]);
    let mut marks = Vec::new();
    if let Some(advice) = common_advice(result) {
        for (label, tau_s, colour) in [
            ("Young (1974)", advice.young_s, INK),
            ("Daly (2006)", advice.daly_s, GREY),
        ] {
            let x = tau_s / x_unit;
            // Shown when within a factor of 4 of the grid, else named only.
            if x >= x_lo / 4.0 && x <= x_hi * 4.0 {
                legend.push((
                    format!("{label}: {}", format_duration(tau_s)),
                    Mark::Dashed(colour),
                ));
                marks.push((x, colour));
            } else {
                lines.push(format!(
                    "{label}: {} (beyond the axis)",
                    format_duration(tau_s)
                ));
            }
        }
        for &(x, _) in &marks {
            x_lo = x_lo.min(x);
            x_hi = x_hi.max(x);
        }
    }
    let y_values = ys
        .iter()
        .copied()
        .chain(band.iter().flat_map(|b| [b.1, b.2]));
    let (y_lo, y_hi) = y_values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let (y_lo, y_hi) = widen(y_lo, y_hi);
    let plot = frame(
        root,
        &format!(
            "{}: {} by {}",
            short_name(name),
            result.metric.label(),
            axis.key
        ),
        &lines,
        &legend,
    )?;
    let x_desc = if x_unit_name.is_empty() {
        axis.key.clone()
    } else {
        format!("{} ({x_unit_name})", axis.key)
    };
    let data = LineData {
        xs: &xs,
        ys: &ys,
        band: &band,
        best: (best.values[0] / x_unit, best.metric.value / y_unit),
        marks: &marks,
        y_range: (y_lo, y_hi),
        x_desc: &x_desc,
        y_desc: &y_desc,
        y_usd: result.metric.unit() == MetricUnit::Usd,
    };
    if axis.log && x_lo > 0.0 {
        let (lo, hi) = (x_lo / 1.08, x_hi * 1.08);
        let chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(finite(lo..hi)?.log_scale(), finite(y_lo..y_hi)?)?;
        plot_line(chart, &data)
    } else {
        let (lo, hi) = widen(x_lo, x_hi);
        let chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(finite(lo..hi)?, finite(y_lo..y_hi)?)?;
        plot_line(chart, &data)
    }
}

/// What [`plot_line`] draws, in axis units.
struct LineData<'a> {
    xs: &'a [f64],
    ys: &'a [f64],
    /// `(x, low, high)` of each point's interval.
    band: &'a [(f64, f64, f64)],
    best: (f64, f64),
    /// Vertical dashed lines.
    marks: &'a [(f64, RGBColor)],
    y_range: (f64, f64),
    x_desc: &'a str,
    y_desc: &'a str,
    /// Whether the y axis is dollars (ticks `$1,000`).
    y_usd: bool,
}

fn plot_line<DB, X>(
    mut chart: ChartContext<'_, DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    data: &LineData<'_>,
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let y_span = data.y_range.1 - data.y_range.0;
    let decimals = super::tick_decimals(y_span);
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc(data.x_desc)
        .y_desc(data.y_desc)
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(TICK_PX))
        .y_label_formatter(&|v| {
            if data.y_usd {
                super::usd_axis(*v, decimals)
            } else {
                format_grouped(*v, decimals)
            }
        })
        .x_labels(8)
        .x_label_formatter(&|v| {
            let text = format_grouped(*v, 2);
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        })
        .draw()?;
    if data.band.len() >= 2 {
        let mut outline: Vec<(f64, f64)> = data.band.iter().map(|b| (b.0, b.2)).collect();
        outline.extend(data.band.iter().rev().map(|b| (b.0, b.1)));
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            SKY.mix(0.35).filled(),
        )))?;
    }
    for &(x, colour) in data.marks {
        chart.draw_series(DashedLineSeries::new(
            vec![(x, data.y_range.0), (x, data.y_range.1)],
            10,
            6,
            colour.stroke_width(2),
        ))?;
    }
    chart.draw_series(LineSeries::new(
        data.xs.iter().copied().zip(data.ys.iter().copied()),
        SPOT.stroke_width(3),
    ))?;
    chart.draw_series(
        data.xs
            .iter()
            .zip(data.ys)
            .map(|(&x, &y)| Circle::new((x, y), 4, SPOT.filled())),
    )?;
    chart.draw_series(std::iter::once(Cross::new(
        data.best,
        9,
        VERMILION.stroke_width(4),
    )))?;
    Ok(())
}

/// Viridis (van der Walt & Smith 2015, matplotlib's default colour map) at five stops:
/// perceptually uniform and readable in grey and with colour-vision deficiencies.
const VIRIDIS: [(u8, u8, u8); 5] = [
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
];

/// Viridis at `t` in [0, 1], by linear interpolation between the stops.
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = t * (VIRIDIS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(VIRIDIS.len() - 2);
    let f = scaled - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + f * (f64::from(y) - f64::from(x))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Where `value` falls on an axis whose grid values are drawn at indices 0, 1, ...: linear
/// between neighbouring grid values (in the order of the values), `None` outside the grid.
fn index_position(values: &[f64], value: f64) -> Option<f64> {
    let mut sorted: Vec<(usize, f64)> = values.iter().copied().enumerate().collect();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    sorted.windows(2).find_map(|w| {
        let ((_, a), (_, b)) = (w[0], w[1]);
        (a <= value && value <= b).then(|| {
            // Sorted rank positions: the heat map draws values in sorted order.
            let rank = sorted.iter().position(|s| s.1 == a).unwrap_or(0) as f64;
            rank + (value - a) / (b - a)
        })
    })
}

fn draw_heat_map<DB: DrawingBackend>(
    name: &str,
    result: &SweepResult,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (x_axis, y_axis) = (&result.axes[0], &result.axes[1]);
    // Cells in sorted order of each key's values.
    let rank = |axis: &Axis| -> Vec<usize> {
        let mut order: Vec<usize> = (0..axis.values.len()).collect();
        order.sort_by(|&a, &b| axis.values[a].total_cmp(&axis.values[b]));
        let mut rank = vec![0; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r;
        }
        rank
    };
    let (x_rank, y_rank) = (rank(x_axis), rank(y_axis));
    let (nx, ny) = (x_axis.values.len(), y_axis.values.len());
    let mut sorted_x = x_axis.values.clone();
    sorted_x.sort_by(f64::total_cmp);
    let mut sorted_y = y_axis.values.clone();
    sorted_y.sort_by(f64::total_cmp);
    let short = short_points(result);
    // The colour scale spans the points that meet the target: the short ones are grey.
    let values: Vec<f64> = result
        .points
        .iter()
        .zip(&short)
        .filter(|(_, short)| !**short)
        .map(|(p, _)| p.metric.value)
        .collect();
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let t_of = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };

    let mut legend: Vec<(String, Mark)> = (0..5)
        .map(|k| {
            let t = f64::from(k) / 4.0;
            (
                format!(
                    "{} {}",
                    result.metric.label(),
                    show_metric(result, lo + t * (hi - lo))
                ),
                Mark::Fill(viridis(t)),
            )
        })
        .collect();
    legend.push(("best point (outlined)".to_string(), Mark::Line(VERMILION)));
    let target = result.target.filter(|_| short.iter().any(|s| *s));
    if let Some(target) = target {
        legend.push((
            format!(
                "short: completes < {} (grey, hatched)",
                crate::units::format::format_share(target.share, 1)
            ),
            Mark::Fill(SHORT_FILL),
        ));
    }
    // Young's and Daly's τ, per row or column of the other key, where the interval is swept.
    let interval_axis = result.axes.iter().position(|a| a.key == INTERVAL_KEY);
    let mut advice_paths: Vec<(RGBColor, Vec<(f64, f64)>)> = Vec::new();
    if let Some(which) = interval_axis {
        let (interval_values, other_len) = if which == 0 {
            (&x_axis.values, ny)
        } else {
            (&y_axis.values, nx)
        };
        let mut young = Vec::new();
        let mut daly = Vec::new();
        for other in 0..other_len {
            // The advice of any point in this row/column (it does not depend on the interval).
            let point = result.points.iter().enumerate().find(|(i, _)| {
                let (xi, yi) = (i / ny, i % ny);
                if which == 0 {
                    y_rank[yi] == other
                } else {
                    x_rank[xi] == other
                }
            });
            let Some((_, point)) = point else { continue };
            let Some(advice) = point.advice else { continue };
            for (tau_s, path) in [(advice.young_s, &mut young), (advice.daly_s, &mut daly)] {
                if let Some(pos) = index_position(interval_values, tau_s) {
                    let other_pos = other as f64;
                    path.push(if which == 0 {
                        (pos, other_pos)
                    } else {
                        (other_pos, pos)
                    });
                }
            }
        }
        if !young.is_empty() {
            legend.push(("Young (1974)".to_string(), Mark::Line(PURPLE)));
            advice_paths.push((PURPLE, young));
        }
        if !daly.is_empty() {
            legend.push(("Daly (2006)".to_string(), Mark::Dashed(SKY)));
            advice_paths.push((SKY, daly));
        }
    }
    let plot = frame(
        root,
        &format!(
            "{}: {} over {nx} × {ny} points",
            short_name(name),
            result.metric.label(),
        ),
        &heat_map_subtitle(result, &short),
        &legend,
    )?;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(110)
        .build_cartesian_2d(-0.5..(nx as f64 - 0.5), -0.5..(ny as f64 - 0.5))?;
    let label_of = |sorted: &[f64], axis: &Axis, v: f64| -> String {
        let i = v.round();
        if (v - i).abs() > 1e-6 || i < 0.0 || i as usize >= sorted.len() {
            return String::new();
        }
        axis.kind.show(sorted[i as usize])
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(x_axis.key.as_str())
        .y_desc(y_axis.key.as_str())
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(TICK_PX))
        .x_labels(nx.min(12) + 1)
        .y_labels(ny.min(12) + 1)
        .x_label_formatter(&|v| label_of(&sorted_x, x_axis, *v))
        .y_label_formatter(&|v| label_of(&sorted_y, y_axis, *v))
        .draw()?;
    let show_text = nx <= 12 && ny <= 12;
    for (i, p) in result.points.iter().enumerate() {
        let (cx, cy) = (x_rank[i / ny] as f64, y_rank[i % ny] as f64);
        let colour = if short[i] {
            SHORT_FILL
        } else {
            viridis(t_of(p.metric.value))
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(cx - 0.5, cy - 0.5), (cx + 0.5, cy + 0.5)],
            colour.filled(),
        )))?;
        if short[i] {
            // Hatching: lines y = x + d across the cell, clipped to it.
            chart.draw_series((-3..=3).map(|k| {
                let d = f64::from(k) * 0.25;
                let (x0, x1) = ((-0.5f64).max(-0.5 - d), 0.5f64.min(0.5 - d));
                PathElement::new(
                    vec![(cx + x0, cy + x0 + d), (cx + x1, cy + x1 + d)],
                    GREY.stroke_width(1),
                )
            }))?;
            if show_text {
                chart.draw_series(std::iter::once(Text::new(
                    format!(
                        "short: {}",
                        crate::units::format::format_share(completed_share(p), 1)
                    ),
                    (cx, cy - 0.15),
                    TextStyle::from(font(13))
                        .color(&INK)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))?;
            }
        }
        if show_text {
            let luminance = 0.299 * f64::from(colour.0)
                + 0.587 * f64::from(colour.1)
                + 0.114 * f64::from(colour.2);
            let ink = if luminance > 140.0 { INK } else { WHITE };
            chart.draw_series(std::iter::once(Text::new(
                show_metric_within(result, p.metric.value, p.metric.ci95),
                (cx, if short[i] { cy + 0.15 } else { cy }),
                TextStyle::from(font(14))
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
        }
    }
    for (colour, path) in &advice_paths {
        if path.len() == 1 {
            chart.draw_series(std::iter::once(Circle::new(path[0], 6, colour.filled())))?;
        } else if *colour == SKY {
            chart.draw_series(DashedLineSeries::new(
                path.clone(),
                10,
                6,
                colour.stroke_width(3),
            ))?;
        } else {
            chart.draw_series(LineSeries::new(path.clone(), colour.stroke_width(3)))?;
        }
    }
    let best_index = result.best;
    let (bx, by) = (
        x_rank[best_index / ny] as f64,
        y_rank[best_index % ny] as f64,
    );
    chart.draw_series(std::iter::once(Rectangle::new(
        [(bx - 0.48, by - 0.48), (bx + 0.48, by + 0.48)],
        VERMILION.stroke_width(4),
    )))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_figures_are_refused_without_hanging_or_panicking() {
        use crate::charts::poison;
        use crate::stats::summary::Metric;
        use crate::studies::sweep::{SweepMetric, build_grid, run_sweep};
        for bad in poison::BAD {
            for flags in [
                vec!["checkpoint.interval=10m,30m,1h"],
                vec!["checkpoint.interval=10m,30m", "spot.discount=0.6,0.7"],
            ] {
                let result = poison::no_hang(move || {
                    let flags: Vec<String> = flags.iter().map(ToString::to_string).collect();
                    let reference = include_str!("../../scenarios/reference.toml");
                    let (axes, points) = build_grid(reference, "reference.toml", &flags).unwrap();
                    let metric = SweepMetric::Mean(Metric::CostUsd);
                    let counted = std::sync::atomic::AtomicU64::new(0);
                    let mut result = run_sweep(&axes, &points, metric, None, 200, 1, &counted);
                    result.points[1].metric.value = bad;
                    poison::side(result.points[0].spot.as_mut().unwrap(), bad);
                    render_sweep("reference", &result, ChartFormat::Svg)
                });
                assert!(
                    result
                        .as_ref()
                        .is_err_and(|e| e.to_string().contains("not finite numbers")),
                    "{bad}"
                );
            }
        }
    }

    /// Issue 15 audit: cells short of the completion target are grey, hatched and labelled,
    /// and the subtitle and legend say so; the colour scale spans the other cells only.
    #[test]
    fn cells_short_of_the_target_are_marked() {
        use crate::stats::summary::Metric;
        use crate::studies::sweep::{SweepMetric, build_grid, run_sweep};
        let flags = [
            "checkpoint.interval=30m,1h".to_string(),
            "stopping.max_run=4h,14d".to_string(),
        ];
        let reference = include_str!("../../scenarios/reference.toml");
        let (axes, points) = build_grid(reference, "reference.toml", &flags).unwrap();
        let metric = SweepMetric::Mean(Metric::CostUsd);
        let counted = std::sync::atomic::AtomicU64::new(0);
        let result = run_sweep(&axes, &points, metric, Some(0.99), 300, 1, &counted);
        let short = short_points(&result);
        // 4h of running time cannot hold 4h of training and its overheads: those points stop.
        let expected: Vec<bool> = result
            .points
            .iter()
            .map(|p| p.values[1] < 86_400.0)
            .collect();
        assert_eq!(short, expected);
        assert!(!short[result.best]);
        let lines = heat_map_subtitle(&result, &short);
        assert!(
            lines.last().unwrap().starts_with(
                "grey hatched cells (2 of 4) complete fewer than 99.0 % of jobs: short of the \
                 target"
            ),
            "{lines:?}"
        );
        let svg = String::from_utf8(render_sweep("reference", &result, ChartFormat::Svg).unwrap())
            .unwrap();
        assert_eq!(
            svg.matches("short: ").count(),
            2 + 1,
            "two cells and the legend"
        );
        assert!(svg.contains("(grey, hatched)"));
        // Without a target nothing is short.
        let raw = run_sweep(&axes, &points, metric, None, 300, 1, &counted);
        assert!(short_points(&raw).iter().all(|s| !s));
    }

    #[test]
    fn viridis_runs_from_purple_to_yellow() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(0.5), RGBColor(33, 145, 140));
        assert_eq!(viridis(f64::NAN), RGBColor(68, 1, 84));
    }

    #[test]
    fn advice_lands_between_grid_cells() {
        assert_eq!(index_position(&[300.0, 600.0, 900.0], 450.0), Some(0.5));
        assert_eq!(index_position(&[900.0, 300.0, 600.0], 750.0), Some(1.5));
        assert_eq!(index_position(&[300.0, 600.0], 100.0), None);
    }
}
