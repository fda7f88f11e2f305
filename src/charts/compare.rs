//! `spotsim compare --chart`: the expected cost per completed job of every scenario, spot and
//! on-demand bars with their 95 % intervals as whiskers, and the paired cost differences against
//! the baseline written under the title.
//!
//! Cost per completed job (total cost / runs that completed) is the figure a review room can act
//! on: a stopped run is paid for and delivers nothing, so a scenario that stops more runs cannot
//! look cheaper than it is.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ChartError, ChartFormat, DrawResult, INK, LABEL_PX, Mark, ON_DEMAND, SPOT, font, frame,
    label_row, render_with, row_chart, row_y, short_name,
};
use crate::stats::summary::SideSummary;
use crate::studies::compare::{Comparison, SideIntervals};
use crate::units::format::{format_count, format_usd};

/// The file name stem the chart's errors name.
const CHART: &str = "comparison";

/// Under the title, at most this many difference lines; the rest are counted.
const MAX_DIFFERENCE_LINES: usize = 3;

/// Draws the comparison chart as `format` bytes.
pub fn render_comparison(
    comparison: &Comparison,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    render_with(CHART, format, |root| draw_comparison(comparison, root))
}

/// One bar: which side, its value and interval, its colour and its row's y.
struct Bar {
    side: &'static str,
    colour: RGBColor,
    y: f64,
    value_usd: Option<f64>,
    ci95: Option<(f64, f64)>,
    completed_share: f64,
}

/// Half the height of a bar, in row units (a row is 1 high and holds a scenario's two bars).
const BAR_HALF: f64 = 0.17;

fn bars(comparison: &Comparison) -> Vec<Bar> {
    let rows = comparison.scenarios.len();
    let mut bars = Vec::new();
    for (index, scenario) in comparison.scenarios.iter().enumerate() {
        let centre = row_y(rows, index);
        let bar = |side, colour, y, summary: &SideSummary, intervals: &SideIntervals| Bar {
            side,
            colour,
            y,
            value_usd: summary.cost_per_completed_job_usd,
            ci95: intervals.cost_per_completed_job_usd,
            completed_share: summary.outcomes.completed,
        };
        let on_demand = &scenario.estimate.on_demand;
        match (&scenario.estimate.spot, &scenario.intervals.spot) {
            (Some(spot), Some(intervals)) => {
                bars.push(bar("spot", SPOT, centre + 0.2, spot, intervals));
                bars.push(bar(
                    "on-demand",
                    ON_DEMAND,
                    centre - 0.2,
                    on_demand,
                    &scenario.intervals.on_demand,
                ));
            }
            _ => bars.push(bar(
                "on-demand",
                ON_DEMAND,
                centre,
                on_demand,
                &scenario.intervals.on_demand,
            )),
        }
    }
    bars
}

/// `B − A: cost per run +$0.52 ± $0.01 (paired; ± $0.05 unpaired), B cheaper in 35.2 % of runs`.
fn difference_lines(comparison: &Comparison) -> Vec<String> {
    let mut lines: Vec<String> = comparison
        .differences
        .iter()
        .take(MAX_DIFFERENCE_LINES)
        .map(|d| {
            let mean = &d.cost_usd;
            let sign = if mean.mean > 0.0 { "+" } else { "" };
            let half = |ci: Option<(f64, f64)>| {
                ci.map(|(lo, hi)| crate::units::format::format_usd_pm((hi - lo) / 2.0))
            };
            let mut line = format!(
                "{} − {}: cost per run {sign}{}",
                short_name(&d.name),
                short_name(&d.vs),
                format_usd(mean.mean)
            );
            if let (Some(paired), Some(unpaired)) = (half(mean.ci95), half(mean.unpaired_ci95)) {
                line.push_str(&format!(" ± {paired} paired (± {unpaired} unpaired)"));
            }
            line.push_str(&format!(
                ", cheaper in {} of runs",
                crate::units::format::format_share(d.cheaper.below, 1)
            ));
            line
        })
        .collect();
    if comparison.differences.len() > MAX_DIFFERENCE_LINES {
        lines.push(format!(
            "and {} more scenarios: see the table or the JSON",
            comparison.differences.len() - MAX_DIFFERENCE_LINES
        ));
    }
    lines
}

fn draw_comparison<DB: DrawingBackend>(
    comparison: &Comparison,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for result in &comparison.scenarios {
        super::finite_estimate(&result.estimate)?;
    }
    root.fill(&WHITE)?;
    let bars = bars(comparison);
    let any_spot = comparison
        .scenarios
        .iter()
        .any(|s| s.estimate.spot.is_some());
    let top_usd = bars
        .iter()
        .filter_map(|b| b.ci95.map(|ci| ci.1).or(b.value_usd))
        .fold(0.0, f64::max)
        .max(0.01);
    // Room right of the longest bar for its value and completed share.
    let x_max = top_usd * 1.8;
    let mut legend: Vec<(String, Mark)> = Vec::new();
    if any_spot {
        legend.push(("spot".to_string(), Mark::Fill(SPOT)));
    }
    legend.push(("on-demand".to_string(), Mark::Fill(ON_DEMAND)));
    legend.push(("95 % interval".to_string(), Mark::Line(INK)));
    let mut subtitle = vec![format!(
        "total cost / runs that completed · {} runs each, seed {}, common random numbers",
        format_count(comparison.runs),
        comparison.seed
    )];
    subtitle.extend(difference_lines(comparison));
    let plot = frame(
        root,
        "Expected cost per completed job, scenario by scenario",
        &subtitle,
        &legend,
    )?;
    let rows = comparison.scenarios.len();
    // Names are written left of the axis: make room for the longest, in the label font.
    let longest_chars = comparison
        .scenarios
        .iter()
        .map(|s| short_name(&s.name).chars().count())
        .max()
        .unwrap_or(0);
    let label_px = (longest_chars as f64 * f64::from(LABEL_PX) * 0.62) as u32 + 24;
    // Whole dollars on a wide axis, cents on a narrow one.
    let decimals = if x_max >= 10.0 { 0 } else { 2 };
    let mut chart = row_chart(
        &plot,
        (x_max, rows),
        label_px.clamp(60, 360),
        "cost per completed job (USD, all instances)",
        &|v| super::usd_axis(*v, decimals),
    )?;
    for bar in &bars {
        let text_at = match bar.value_usd {
            Some(value) => {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, bar.y - BAR_HALF), (value, bar.y + BAR_HALF)],
                    bar.colour.filled(),
                )))?;
                if let Some((lo, hi)) = bar.ci95 {
                    let whisker = INK.stroke_width(2);
                    let cap = BAR_HALF * 0.6;
                    chart.draw_series(
                        [
                            vec![(lo, bar.y), (hi, bar.y)],
                            vec![(lo, bar.y - cap), (lo, bar.y + cap)],
                            vec![(hi, bar.y - cap), (hi, bar.y + cap)],
                        ]
                        .into_iter()
                        .map(|points| PathElement::new(points, whisker)),
                    )?;
                }
                bar.ci95.map_or(value, |ci| ci.1)
            }
            None => 0.0,
        };
        let completed = format!(
            "{} completed",
            crate::units::format::format_share(bar.completed_share, 1)
        );
        let text = match (bar.value_usd, bar.ci95) {
            (Some(value), Some((lo, hi))) => {
                // A spread a billion times below the value is the clock's rounding.
                let half = (hi - lo) / 2.0;
                let half = if half <= 1e-9 * value { 0.0 } else { half };
                format!(
                    "{} ± {} · {completed}",
                    format_usd(value),
                    crate::units::format::format_usd_pm(half)
                )
            }
            (Some(value), None) => format!("{} · {completed}", format_usd(value)),
            (None, _) => format!("{}: no run completed", bar.side),
        };
        chart.draw_series(std::iter::once(Text::new(
            text,
            (text_at + x_max * 0.01, bar.y),
            TextStyle::from(font(15)).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    for (index, scenario) in comparison.scenarios.iter().enumerate() {
        label_row(
            root,
            &chart,
            row_y(rows, index),
            &short_name(&scenario.name),
            LABEL_PX,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;
    use crate::studies::compare::{Entry, compare};

    const SPOT_JOB: &str = r#"
[job]
name = "spot-job"
training = { dist = "lognormal", median = "5h", sigma = 0.3 }
[stopping]
max_run = "10h"
max_wait = "14h"
[spot]
enabled = true
discount = 0.7
capacity_wait = { dist = "exponential", mean = "20m" }
time_to_interruption = { dist = "exponential", mean = "3h" }
[checkpoint]
interval = "30m"
[pricing]
on_demand_hourly = 3.06
[simulation]
runs = 500
"#;

    const ON_DEMAND_JOB: &str = r#"
[job]
name = "on-demand-job"
training = { dist = "lognormal", median = "5h", sigma = 0.3 }
[pricing]
on_demand_hourly = 3.06
[simulation]
runs = 500
"#;

    #[test]
    fn non_finite_figures_are_refused_without_hanging_or_panicking() {
        for bad in crate::charts::poison::BAD {
            let result = crate::charts::poison::no_hang(move || {
                let entries = [SPOT_JOB, ON_DEMAND_JOB]
                    .iter()
                    .enumerate()
                    .map(|(i, text)| {
                        let scenario = parse_scenario(text, "t.toml").unwrap();
                        Entry {
                            name: format!("s{i}"),
                            file: format!("{i}.toml"),
                            scenario,
                        }
                    })
                    .collect();
                let mut comparison = compare(entries);
                for result in &mut comparison.scenarios {
                    crate::charts::poison::estimate(&mut result.estimate, bad);
                }
                render_comparison(&comparison, ChartFormat::Svg)
            });
            assert!(
                result
                    .as_ref()
                    .is_err_and(|e| e.to_string().contains("not finite")),
                "{bad}: {result:?}"
            );
        }
    }

    #[test]
    fn renders_in_both_formats_with_title_and_names() {
        let entries = [SPOT_JOB, ON_DEMAND_JOB]
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let scenario = parse_scenario(text, "t.toml").unwrap();
                Entry {
                    name: scenario.job.name.clone().unwrap(),
                    file: format!("{i}.toml"),
                    scenario,
                }
            })
            .collect();
        let comparison = compare(entries);
        let png = render_comparison(&comparison, ChartFormat::Png).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(
            png,
            render_comparison(&comparison, ChartFormat::Png).unwrap()
        );
        let svg =
            String::from_utf8(render_comparison(&comparison, ChartFormat::Svg).unwrap()).unwrap();
        for text in [
            "Expected cost per completed job",
            "spot-job",
            "on-demand-job",
            "cost per completed job (USD",
            "95 % interval",
        ] {
            assert!(svg.contains(text), "{text}");
        }
    }
}
