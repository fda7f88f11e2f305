//! Charts of a fleet simulation (`spotsim fleet --charts`, the fleet review): the monthly cost
//! on spot against the same jobs all on-demand, the concurrent instances of each pool over the
//! month against its quota, and the mean monthly cost of each workload.
//!
//! Drawn from a [`FleetReport`] alone, in the style of the scenario charts (same size, fonts,
//! palette, legend panel and SVG→PNG path): the same report gives the same bytes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ChartError, ChartFormat, DrawResult, Histogram, INK, LABEL_PX, Mark, ON_DEMAND, SPOT, TICK_PX,
    VERMILION, finite, font, frame, histogram_range, label_row, render_with, row_chart, row_y,
    short_name, tick_decimals,
};
use crate::fleet::{FleetReport, PoolBand};
use crate::stats::sketch::QuantileStore;
use crate::units::format::{format_count, format_pct, format_share, format_usd};

/// Which fleet chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetChartKind {
    /// Distribution of the monthly cost, spot against all on-demand.
    Cost,
    /// Concurrent instances of one pool (index into [`FleetReport::bands`]) over the month.
    Concurrency(usize),
    /// Mean monthly cost per workload, spot against on-demand.
    Workloads,
}

/// One chart of a fleet: what it is, its file stem and its caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetChart {
    /// What it draws.
    pub kind: FleetChartKind,
    /// The file stem: `fleet-cost`, `fleet-concurrency-<pool>`, `fleet-workloads`.
    pub stem: String,
    /// A sentence saying what the chart shows, for reports and alt text.
    pub caption: String,
}

/// A pool's name in a file name: `ml.p3.2xlarge` spot → `ml-p3-2xlarge-spot`.
fn pool_slug(band: &PoolBand) -> String {
    let mut slug: String = band
        .key
        .instance_type
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.push_str(if band.key.spot { "-spot" } else { "-on-demand" });
    slug
}

/// A pool for people: `ml.p3.2xlarge spot`.
fn pool_name(band: &PoolBand) -> String {
    format!(
        "{} {}",
        band.key.instance_type,
        if band.key.spot { "spot" } else { "on-demand" }
    )
}

/// Whether any workload runs on spot (else the fleet's cost is its on-demand cost).
fn any_spot(report: &FleetReport) -> bool {
    report.workloads.iter().any(|w| w.spot)
}

/// The charts of `report`, in report order: the cost, one concurrency chart per pool, the
/// workloads.
pub fn fleet_charts(report: &FleetReport) -> Vec<FleetChart> {
    let mut charts = vec![FleetChart {
        kind: FleetChartKind::Cost,
        stem: "fleet-cost".to_string(),
        caption: if any_spot(report) {
            "Distribution of the fleet's monthly cost over the simulated months, as configured \
             (spot where the workloads use it) and with every job on-demand, means marked."
                .to_string()
        } else {
            "Distribution of the fleet's monthly cost over the simulated months (every workload \
             runs on-demand), mean marked."
                .to_string()
        },
    }];
    for (index, band) in report.bands.iter().enumerate() {
        let quota = match band.quota {
            Some(quota) => format!(
                ", against its quota of {}; the subtitle says how often the month's peak \
                 reaches the quota and how much of the time the pool holds all of it",
                format_count(u64::from(quota))
            ),
            None => " (no quota)".to_string(),
        };
        charts.push(FleetChart {
            kind: FleetChartKind::Concurrency(index),
            stem: format!("fleet-concurrency-{}", pool_slug(band)),
            caption: format!(
                "Instances of {} jobs in progress over the month, sampled every {}: the median \
                 over the simulated months, the band up to the 90th percentile and the highest \
                 of any month{quota}.",
                pool_name(band),
                crate::units::duration::format_duration(band.step_s)
            ),
        });
    }
    charts.push(FleetChart {
        kind: FleetChartKind::Workloads,
        stem: "fleet-workloads".to_string(),
        caption: "Mean monthly cost of each workload, as configured and with its jobs \
                  on-demand."
            .to_string(),
    });
    charts
}

/// The fleet's figures, if all are finite numbers ([`super::finite_summary`]).
fn finite_report(report: &FleetReport) -> Result<(), Box<dyn std::error::Error>> {
    for (what, summary) in [
        ("the jobs", &report.jobs),
        ("the cost", &report.cost_usd),
        ("the on-demand cost", &report.on_demand_cost_usd),
        ("the instance hours", &report.instance_hours),
        ("the held instance hours", &report.held_instance_hours),
    ] {
        super::finite_summary(what, summary)?;
    }
    super::finite_figures(
        "the savings",
        &[("savings", report.savings_vs_on_demand_pct)],
    )
}

/// Draws `chart` of `report` as `format` bytes.
pub fn render_fleet(
    report: &FleetReport,
    chart: &FleetChart,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    if let Err(e) = finite_report(report) {
        let stem = match chart.kind {
            FleetChartKind::Cost => "fleet-cost",
            FleetChartKind::Concurrency(_) => "fleet-concurrency",
            FleetChartKind::Workloads => "fleet-workloads",
        };
        return render_with(stem, format, |_| Err(e));
    }
    match chart.kind {
        FleetChartKind::Cost => render_with("fleet-cost", format, |root| {
            root.fill(&WHITE)?;
            draw_cost(report, root)
        }),
        FleetChartKind::Concurrency(index) => render_with("fleet-concurrency", format, |root| {
            root.fill(&WHITE)?;
            let band = report
                .bands
                .get(index)
                .ok_or("the report has no such pool")?;
            draw_concurrency(report, band, root)
        }),
        FleetChartKind::Workloads => render_with("fleet-workloads", format, |root| {
            root.fill(&WHITE)?;
            draw_workloads(report, root)
        }),
    }
}

/// The fleet's name in titles: the file stem.
fn fleet_name(report: &FleetReport) -> String {
    let stem = std::path::Path::new(&report.fleet).file_stem().map_or_else(
        || report.fleet.clone(),
        |s| s.to_string_lossy().into_owned(),
    );
    short_name(&stem)
}

/// `1 simulated month`, `20 simulated months`.
pub(crate) fn simulated_months(runs: u64) -> String {
    let plural = if runs == 1 { "" } else { "s" };
    format!("{} simulated month{plural}", format_count(runs))
}

/// Bins of a histogram of `n` values: Rice's rule (2·n^⅓), odd, from 5 to 51.
fn bins_for(n: usize) -> usize {
    let rice = (2.0 * (n as f64).cbrt()).ceil() as usize;
    (rice | 1).clamp(5, 51)
}

/// `$12,345` on an axis: whole dollars, cents when the axis is narrow, thousands (`$150k`)
/// when it is wide enough for long labels to run into each other.
fn usd_tick(value: f64, span: f64) -> String {
    if value.abs() < 1e-9 {
        "$0".to_string()
    } else if span >= 50_000.0 {
        let thousands = value / 1_000.0;
        let decimals = usize::from((thousands - thousands.round()).abs() >= 1e-9);
        format!("${thousands:.decimals$}k")
    } else if span >= 50.0 {
        let text = format_usd(value.round());
        text.strip_suffix(".00")
            .map_or(text.clone(), str::to_string)
    } else {
        format_usd(value)
    }
}

fn draw_cost<DB: DrawingBackend>(report: &FleetReport, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let spot = any_spot(report);
    let store = |values: &mut dyn Iterator<Item = f64>| {
        let mut store = QuantileStore::new();
        values.for_each(|v| store.push(v));
        store
    };
    let cost = store(&mut report.months.iter().map(|m| m.cost_usd));
    let on_demand = store(&mut report.months.iter().map(|m| m.on_demand_cost_usd));
    // (values, x axis, colour, mean, legend of the months, legend of the mean, dashed mean).
    let mut panels = vec![(
        &cost,
        if spot {
            "monthly cost as configured (USD)"
        } else {
            "monthly cost, all on-demand (USD)"
        },
        if spot { SPOT } else { ON_DEMAND },
        report.cost_usd.mean,
        if spot {
            "months as configured (spot)"
        } else {
            "months (all on-demand)"
        },
        "mean",
        false,
    )];
    if spot {
        panels.push((
            &on_demand,
            "monthly cost if every job ran on-demand (USD)",
            ON_DEMAND,
            report.on_demand_cost_usd.mean,
            "the same months all on-demand",
            "all on-demand mean",
            true,
        ));
    }
    let mut legend: Vec<(String, Mark)> = Vec::new();
    for &(_, _, colour, mean, months, mean_label, dashed) in &panels {
        legend.push((months.to_string(), Mark::Fill(colour)));
        let mark = if dashed {
            Mark::Dashed(INK)
        } else {
            Mark::Line(INK)
        };
        legend.push((format!("{mean_label} {}", format_usd(mean)), mark));
    }
    let mut subtitle = vec![format!(
        "{} of {}, seed {}",
        simulated_months(report.runs),
        crate::units::duration::format_duration(report.horizon_s),
        report.seed
    )];
    if spot {
        subtitle.push(format!(
            "saving against all on-demand: {} of the mean monthly cost",
            format_pct(report.savings_vs_on_demand_pct, 1)
        ));
    }
    let plot = frame(
        root,
        &format!("{}: cost per month", fleet_name(report)),
        &subtitle,
        &legend,
    )?;
    let areas = plot.split_evenly((panels.len(), 1));
    let bins = bins_for(report.months.len());
    for (area, &(values, x_desc, colour, mean, _, _, dashed)) in areas.iter().zip(&panels) {
        let (lo, hi) = histogram_range(values, &[mean]);
        let (lo, hi) = (lo.max(0.0), hi.max(lo.max(0.0) + 1e-9));
        let histogram = Histogram::new(values, lo, hi, bins);
        let y_top = histogram.bars().map(|b| b.2).fold(0.0, f64::max).max(1e-9) * 1.12;
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(finite(lo..hi)?, finite(0.0..y_top)?)?;
        let y_decimals = tick_decimals(y_top);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_desc(x_desc)
            .y_desc("months (%)")
            .axis_desc_style(font(LABEL_PX))
            .label_style(font(TICK_PX))
            .x_labels(7)
            .y_labels(5)
            .x_label_formatter(&|v| usd_tick(*v, hi - lo))
            .y_label_formatter(&|v| format!("{v:.y_decimals$}"))
            .draw()?;
        chart.draw_series(
            histogram
                .bars()
                .filter(|b| b.2 > 0.0)
                .map(|(left, right, share)| {
                    Rectangle::new([(left, 0.0), (right, share)], colour.mix(0.85).filled())
                }),
        )?;
        super::vertical(&mut chart, mean, (0.0, y_top), INK, dashed)?;
    }
    Ok(())
}

fn draw_concurrency<DB: DrawingBackend>(
    report: &FleetReport,
    band: &PoolBand,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let colour = if band.key.spot { SPOT } else { ON_DEMAND };
    let day = 86_400.0;
    let x_max = (report.horizon_s / day).max(band.step_s * band.p50.len() as f64 / day);
    let top = band
        .p90
        .iter()
        .chain(&band.p50)
        .chain(&band.max)
        .copied()
        .chain(band.quota)
        .max()
        .unwrap_or(0);
    // Whole instances: an integer top, a tick per instance up to ten.
    let y_max = (f64::from(top) * 1.15).max(f64::from(top) + 1.0).ceil();
    let y_labels = (y_max as usize + 1).min(11);
    let mut legend = vec![
        ("median over months".to_string(), Mark::Line(colour)),
        (
            "median to 90th percentile".to_string(),
            Mark::Fill(mix_white(colour, 0.3)),
        ),
        ("highest of any month".to_string(), Mark::Line(INK)),
    ];
    if let Some(quota) = band.quota {
        legend.push((
            format!("quota: {}", format_count(u64::from(quota))),
            Mark::Dashed(VERMILION),
        ));
    }
    let mut subtitle = vec![format!(
        "instances of jobs in progress{}, every {} over {}",
        if band.key.spot {
            " (waits for spot capacity included)"
        } else {
            ""
        },
        crate::units::duration::format_duration(band.step_s),
        simulated_months(report.runs)
    )];
    // The band hides how often a pool runs full: a month's peak can last an hour. The peak
    // and the time at the quota are said here as the fleet review says them.
    match band.quota {
        None => subtitle.push("no quota set for this pool".to_string()),
        Some(quota) => {
            let index = report
                .bands
                .iter()
                .position(|b| b.key == band.key)
                .ok_or("the report has no such pool")?;
            subtitle.push(format!(
                "the month's peak reaches the quota of {} in {} of months; the pool holds its \
                 whole quota {} of the time",
                format_count(u64::from(quota)),
                format_share(report.peak_at_quota_share(index).unwrap_or(0.0), 1),
                format_share(band.at_quota_share.unwrap_or(0.0), 1)
            ));
        }
    }
    let plot = frame(
        root,
        &format!("{}: {} instances", fleet_name(report), pool_name(band)),
        &subtitle,
        &legend,
    )?;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(finite(0.0..x_max)?, finite(0.0..y_max)?)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("day of the month")
        .y_desc("concurrent instances")
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(TICK_PX))
        .y_labels(y_labels)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    let at = |k: usize| k as f64 * band.step_s / day;
    // The levels hold until the next sample: steps, not slopes.
    let steps = |levels: &[u32]| -> Vec<(f64, f64)> {
        let mut points = Vec::with_capacity(levels.len() * 2);
        for (k, &level) in levels.iter().enumerate() {
            let level = f64::from(level);
            points.push((at(k), level));
            points.push((at(k + 1).min(x_max), level));
        }
        points
    };
    let upper = steps(&band.p90);
    let lower = steps(&band.p50);
    let mut outline = upper.clone();
    outline.extend(lower.iter().rev());
    chart.draw_series(std::iter::once(Polygon::new(
        outline,
        mix_white(colour, 0.3).filled(),
    )))?;
    chart.draw_series(LineSeries::new(lower, colour.stroke_width(2)))?;
    // Under the quota line, which it often meets: black with the quota's dashes over it.
    chart.draw_series(LineSeries::new(steps(&band.max), INK.stroke_width(3)))?;
    // On top: a pool that runs full draws its median on the quota.
    if let Some(quota) = band.quota {
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, f64::from(quota)), (x_max, f64::from(quota))],
            10,
            6,
            VERMILION.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// `colour` at `alpha` over white, opaque (a band under the lines, the same in SVG and PNG).
fn mix_white(colour: RGBColor, alpha: f64) -> RGBColor {
    let blend = |c: u8| (f64::from(c) * alpha + 255.0 * (1.0 - alpha)).round() as u8;
    RGBColor(blend(colour.0), blend(colour.1), blend(colour.2))
}

/// Half the height of a bar, in row units (a row is 1 high and holds a workload's two bars).
const BAR_HALF: f64 = 0.17;

fn draw_workloads<DB: DrawingBackend>(
    report: &FleetReport,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let spot = any_spot(report);
    let top_usd = report
        .workloads
        .iter()
        .map(|w| w.on_demand_cost_usd.mean.max(w.cost_usd.mean))
        .fold(0.0, f64::max)
        .max(0.01);
    // Room right of the longest bar for its value.
    let x_max = top_usd * 1.45;
    let mut legend: Vec<(String, Mark)> = Vec::new();
    if spot {
        legend.push(("spot, as configured".to_string(), Mark::Fill(SPOT)));
        legend.push(("the same jobs on-demand".to_string(), Mark::Fill(ON_DEMAND)));
    } else {
        legend.push(("on-demand".to_string(), Mark::Fill(ON_DEMAND)));
    }
    let subtitle = vec![format!(
        "mean over {}; fleet total {} a month against {} all on-demand",
        simulated_months(report.runs),
        format_usd(report.cost_usd.mean),
        format_usd(report.on_demand_cost_usd.mean)
    )];
    let plot = frame(
        root,
        &format!("{}: cost per month by workload", fleet_name(report)),
        &subtitle,
        &legend,
    )?;
    let rows = report.workloads.len().max(1);
    let longest_chars = report
        .workloads
        .iter()
        .map(|w| short_name(&w.name).chars().count())
        .max()
        .unwrap_or(0);
    let label_px = (longest_chars as f64 * f64::from(LABEL_PX) * 0.62) as u32 + 24;
    let mut chart = row_chart(
        &plot,
        (x_max, rows),
        label_px.clamp(60, 300),
        "mean cost per month (USD)",
        &|v| usd_tick(*v, x_max),
    )?;
    for (index, workload) in report.workloads.iter().enumerate() {
        let centre = row_y(rows, index);
        let mut bars = Vec::new();
        if workload.spot {
            bars.push((centre + 0.2, workload.cost_usd.mean, SPOT, "spot"));
            bars.push((
                centre - 0.2,
                workload.on_demand_cost_usd.mean,
                ON_DEMAND,
                "on-demand",
            ));
        } else {
            bars.push((centre, workload.cost_usd.mean, ON_DEMAND, "on-demand"));
        }
        for (y, value, colour, side) in bars {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - BAR_HALF), (value, y + BAR_HALF)],
                colour.filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{} {side}", format_usd(value)),
                (value + x_max * 0.01, y),
                TextStyle::from(font(15)).pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
        }
        label_row(root, &chart, centre, &short_name(&workload.name), LABEL_PX)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{parse_fleet, run_fleet};

    const FLEET: &str = r#"
horizon = "10d"
warmup = "2d"
runs = 30
seed = 7

[[workload]]
name = "fine-tune"
arrivals = { per_day = 6 }
[workload.scenario.job]
instance_type = "ml.p3.2xlarge"
training = { dist = "lognormal", median = "5h", sigma = 0.3 }
[workload.scenario.stopping]
max_run = "10h"
max_wait = "20h"
[workload.scenario.spot]
enabled = true
discount = 0.7
capacity_wait = { dist = "exponential", mean = "20m" }
time_to_interruption = { dist = "exponential", mean = "3h" }
[workload.scenario.checkpoint]
interval = "30m"
[workload.scenario.pricing]
on_demand_hourly = 3.825

[[workload]]
name = "evaluation"
arrivals = { per_day = 20 }
[workload.scenario.job]
instance_type = "ml.g5.2xlarge"
training = { dist = "exponential", mean = "40m" }
[workload.scenario.stopping]
max_run = "4h"
[workload.scenario.pricing]
on_demand_hourly = 1.515

[quota."ml.p3.2xlarge"]
spot = 3
"#;

    fn report() -> FleetReport {
        let fleet = parse_fleet(FLEET, "fleets/chart-test.toml").unwrap();
        run_fleet(&fleet, "fleets/chart-test.toml").unwrap()
    }

    #[test]
    fn every_chart_refuses_non_finite_figures_without_hanging_or_panicking() {
        use crate::charts::poison;
        for bad in poison::BAD {
            let results = poison::no_hang(move || {
                let mut report = report();
                for summary in [
                    &mut report.jobs,
                    &mut report.cost_usd,
                    &mut report.on_demand_cost_usd,
                    &mut report.instance_hours,
                    &mut report.held_instance_hours,
                ] {
                    poison::summary(summary, bad);
                }
                report.savings_vs_on_demand_pct = bad;
                fleet_charts(&report)
                    .iter()
                    .map(|chart| {
                        (
                            chart.stem.clone(),
                            render_fleet(&report, chart, ChartFormat::Svg),
                        )
                    })
                    .collect::<Vec<_>>()
            });
            for (stem, result) in &results {
                assert!(
                    result
                        .as_ref()
                        .is_err_and(|e| e.to_string().contains("not finite numbers")),
                    "{bad} {stem}"
                );
            }
        }
    }

    #[test]
    fn every_chart_renders_in_both_formats_and_is_deterministic() {
        let report = report();
        let charts = fleet_charts(&report);
        let stems: Vec<&str> = charts.iter().map(|c| c.stem.as_str()).collect();
        assert_eq!(
            stems,
            [
                "fleet-cost",
                "fleet-concurrency-ml-g5-2xlarge-on-demand",
                "fleet-concurrency-ml-p3-2xlarge-spot",
                "fleet-workloads"
            ]
        );
        for chart in &charts {
            let png = render_fleet(&report, chart, ChartFormat::Png).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{}", chart.stem);
            assert_eq!(png, render_fleet(&report, chart, ChartFormat::Png).unwrap());
            let svg = render_fleet(&report, chart, ChartFormat::Svg).unwrap();
            assert_eq!(svg, render_fleet(&report, chart, ChartFormat::Svg).unwrap());
            let svg = String::from_utf8(svg).unwrap();
            assert!(svg.starts_with("<svg"), "{}", chart.stem);
            assert!(svg.contains("chart-test"), "{}", chart.stem);
        }
    }

    #[test]
    fn charts_name_what_they_show() {
        let report = report();
        let svg = |stem: &str| {
            let chart = fleet_charts(&report)
                .into_iter()
                .find(|c| c.stem == stem)
                .unwrap();
            String::from_utf8(render_fleet(&report, &chart, ChartFormat::Svg).unwrap()).unwrap()
        };
        let cost = svg("fleet-cost");
        for text in [
            "cost per month",
            "monthly cost as configured (USD)",
            "monthly cost if every job ran on-demand (USD)",
            "all on-demand mean",
            "saving against all on-demand",
        ] {
            assert!(cost.contains(text), "{text}");
        }
        let concurrency = svg("fleet-concurrency-ml-p3-2xlarge-spot");
        for text in [
            "ml.p3.2xlarge spot instances",
            "day of the month",
            "concurrent instances",
            "median to 90th percentile",
            "quota: 3",
            "highest of any month",
        ] {
            assert!(concurrency.contains(text), "{text}");
        }
        // Issue 15, item 8: the peak and the time at the quota, as the review says them.
        let index = report
            .bands
            .iter()
            .position(|b| b.quota == Some(3))
            .unwrap();
        let band = &report.bands[index];
        let peak = report.peak_at_quota_share(index).unwrap();
        let held = band.at_quota_share.unwrap();
        // (The SVG escapes the apostrophe of "month's".)
        for said in [
            format!(
                "peak reaches the quota of 3 in {} of months",
                format_share(peak, 1)
            ),
            format!(
                "the pool holds its whole quota {} of the time",
                format_share(held, 1)
            ),
        ] {
            assert!(concurrency.contains(&said), "{said}");
        }
        assert!(peak > 0.0 && held > 0.0 && held < peak, "{peak} {held}");
        assert!(band.max.contains(&3));
        assert!(band.max.iter().zip(&band.p90).all(|(m, p)| m >= p));
        assert!(svg("fleet-concurrency-ml-g5-2xlarge-on-demand").contains("no quota set"));
        let workloads = svg("fleet-workloads");
        for text in ["fine-tune", "evaluation", "mean cost per month (USD)"] {
            assert!(workloads.contains(text), "{text}");
        }
    }

    #[test]
    fn wide_usd_axes_count_thousands() {
        assert_eq!(usd_tick(150_000.0, 500_000.0), "$150k");
        assert_eq!(usd_tick(12_500.0, 200_000.0), "$12.5k");
        assert_eq!(usd_tick(0.0, 200_000.0), "$0");
        assert_eq!(usd_tick(12_400.0, 800.0), "$12,400");
        assert_eq!(usd_tick(1.25, 10.0), "$1.25");
    }

    #[test]
    fn bins_are_odd_and_bounded() {
        assert_eq!(bins_for(1), 5);
        assert_eq!(bins_for(20), 7);
        assert_eq!(bins_for(1000), 21);
        assert_eq!(bins_for(1_000_000), 51);
    }
}
