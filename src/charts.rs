//! Charts of a scenario's runs (plotters): cost, savings, completion, billed-time breakdown and a
//! timeline of the first runs, as PNG or SVG bytes.
//!
//! Rendering is pure: the same runs give the same bytes. PNG text is drawn with the bundled
//! DejaVu Sans font (`assets/fonts`, registered with plotters' `ab_glyph` backend), so a machine
//! without any system font renders every glyph; SVG names the `sans-serif` family and leaves the
//! glyphs to the viewer. Colours follow the Okabe–Ito palette (Okabe & Ito 2008, "Color
//! Universal Design"), readable with the common colour-vision deficiencies.

use std::error::Error;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::engine::{Outcome, RunRecord, SecondaryStatus};
use crate::montecarlo::{Estimate, Runs};
use crate::scenario::Scenario;
use crate::stats::{BilledBreakdown, quantiles};
use crate::timeline::JobTimeline;

/// Pixel size of every chart.
pub const CHART_SIZE: (u32, u32) = (1100, 620);

/// How many runs the timeline chart shows.
pub const TIMELINE_RUNS: u64 = 20;

const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 26;
const LABEL_PX: u32 = 19;
const TICK_PX: u32 = 16;
const LEGEND_PX: u32 = 16;

// Okabe–Ito.
const BLUE: RGBColor = RGBColor(0, 114, 178);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const SKY: RGBColor = RGBColor(86, 180, 233);
const GREEN: RGBColor = RGBColor(0, 158, 115);
const YELLOW: RGBColor = RGBColor(240, 228, 66);
const VERMILION: RGBColor = RGBColor(213, 94, 0);
const PURPLE: RGBColor = RGBColor(204, 121, 167);
const GREY: RGBColor = RGBColor(170, 170, 170);
const WINE: RGBColor = RGBColor(136, 34, 85);
const INK: RGBColor = RGBColor(30, 30, 30);

/// The spot side's colour in every chart; on-demand is orange.
const SPOT: RGBColor = BLUE;
const ON_DEMAND: RGBColor = ORANGE;

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Distribution of the cost per job.
    Cost,
    /// Distribution of the real saving per job, beside the console figure.
    Savings,
    /// Share of jobs completed against wall time, with the limits.
    Completion,
    /// Where the billed time goes, spot against on-demand.
    Breakdown,
    /// Gantt chart of the first runs, coloured by SecondaryStatus.
    Timeline,
}

impl ChartKind {
    /// Every chart, in report order.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Cost,
        ChartKind::Savings,
        ChartKind::Completion,
        ChartKind::Breakdown,
        ChartKind::Timeline,
    ];

    /// The file stem (`cost` → `cost.png`).
    pub fn file_stem(self) -> &'static str {
        match self {
            ChartKind::Cost => "cost",
            ChartKind::Savings => "savings",
            ChartKind::Completion => "completion",
            ChartKind::Breakdown => "breakdown",
            ChartKind::Timeline => "timeline",
        }
    }

    /// A sentence saying what the chart shows, for reports and alt text.
    pub fn description(self) -> &'static str {
        match self {
            ChartKind::Cost => {
                "Distribution of the cost per job on spot, with the on-demand cost, the spot mean \
                 and the spot 95th percentile marked."
            }
            ChartKind::Savings => {
                "Distribution of the real saving of each spot job against the same job on-demand, \
                 beside the savings figure the SageMaker console prints."
            }
            ChartKind::Completion => {
                "Share of jobs completed by each wall-clock time, spot against on-demand, with \
                 max_run and max_wait marked."
            }
            ChartKind::Breakdown => {
                "Mean billed time per job and instance, split by what it bought, spot against \
                 on-demand."
            }
            ChartKind::Timeline => {
                "The first runs, status by status as SageMaker reports them, with interruptions \
                 and stops marked."
            }
        }
    }
}

/// Output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    /// PNG, text rendered with the bundled font.
    Png,
    /// SVG, text as text.
    Svg,
}

impl ChartFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

/// What the charts are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct ChartInput<'a> {
    /// The job's display name, for titles.
    pub name: &'a str,
    /// The scenario as run.
    pub scenario: &'a Scenario,
    /// Every run, both sides.
    pub runs: &'a Runs,
    /// Their summaries.
    pub estimate: &'a Estimate,
    /// Replays of the first runs (spot when enabled, else on-demand), in run order.
    pub timelines: &'a [JobTimeline],
}

/// A chart that could not be drawn (a bug or an encoder failure, never the user's input).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {chart} chart: {message}")]
pub struct ChartError {
    chart: &'static str,
    message: String,
}

/// The charts that apply to `input`: all five with spot, no savings chart without it.
pub fn charts_for(input: &ChartInput<'_>) -> Vec<ChartKind> {
    ChartKind::ALL
        .into_iter()
        .filter(|&kind| kind != ChartKind::Savings || input.runs.spot.is_some())
        .collect()
}

/// Draws `kind` as `format` bytes.
pub fn render(
    kind: ChartKind,
    input: &ChartInput<'_>,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    register_fonts();
    let fail = |e: Box<dyn Error>| ChartError {
        chart: kind.file_stem(),
        message: e.to_string(),
    };
    let (width, height) = CHART_SIZE;
    match format {
        ChartFormat::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, CHART_SIZE).into_drawing_area();
                draw(kind, input, &root).map_err(fail)?;
                root.present().map_err(|e| fail(e.into()))?;
            }
            Ok(text.into_bytes())
        }
        ChartFormat::Png => {
            let mut pixels = vec![0u8; width as usize * height as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, CHART_SIZE).into_drawing_area();
                draw(kind, input, &root).map_err(fail)?;
                root.present().map_err(|e| fail(e.into()))?;
            }
            encode_png(&pixels, width, height).map_err(|e| fail(e.into()))
        }
    }
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Registers the bundled font once per process: plotters' `ab_glyph` backend knows no font
/// until one is registered.
fn register_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        let regular: &'static [u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
        let bold: &'static [u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");
        // The bytes are a font shipped with the crate: failing here is a build defect.
        assert!(plotters::style::register_font(FONT, FontStyle::Normal, regular).is_ok());
        assert!(plotters::style::register_font(FONT, FontStyle::Bold, bold).is_ok());
    });
}

type DrawResult = Result<(), Box<dyn Error>>;

fn draw<DB: DrawingBackend>(
    kind: ChartKind,
    input: &ChartInput<'_>,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match kind {
        ChartKind::Cost => draw_cost(input, root),
        ChartKind::Savings => draw_savings(input, root),
        ChartKind::Completion => draw_completion(input, root),
        ChartKind::Breakdown => draw_breakdown(input, root),
        ChartKind::Timeline => draw_timeline(input, root),
    }
}

fn title_font() -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), f64::from(TITLE_PX), FontStyle::Bold)
}

fn font(px: u32) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), f64::from(px), FontStyle::Normal)
}

/// Width of the legend panel on the right of every chart.
const LEGEND_WIDTH_PX: u32 = 300;

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Mark {
    /// A filled box (bars, histogram).
    Fill(RGBColor),
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A cross (interruptions).
    Cross(RGBColor),
    /// A triangle (stops).
    Triangle(RGBColor),
}

/// Lays out a chart: the title and subtitle lines on top, the legend panel on the right.
/// Returns the plotting area.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &[String],
    legend: &[(String, Mark)],
) -> Result<DrawingArea<DB, Shift>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let (width, _) = CHART_SIZE;
    let header_px = 48 + 22 * subtitle.len() as u32;
    let (top, rest) = root.split_vertically(header_px);
    let centred = |f: FontDesc<'static>| TextStyle::from(f).pos(Pos::new(HPos::Center, VPos::Top));
    top.draw(&Text::new(
        title.to_string(),
        (width as i32 / 2, 12),
        centred(title_font()),
    ))?;
    for (i, line) in subtitle.iter().enumerate() {
        top.draw(&Text::new(
            line.clone(),
            (width as i32 / 2, 48 + 22 * i as i32),
            centred(font(16)).color(&INK),
        ))?;
    }
    let (plot, panel) = rest.split_horizontally(width - LEGEND_WIDTH_PX);
    for (i, (label, mark)) in legend.iter().enumerate() {
        let y = 24 + 26 * i as i32;
        let (x0, x1) = (12, 36);
        match *mark {
            Mark::Fill(colour) => {
                panel.draw(&Rectangle::new([(x0, y - 7), (x1, y + 7)], colour.filled()))?
            }
            Mark::Line(colour) => panel.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                colour.stroke_width(3),
            ))?,
            Mark::Dashed(colour) => {
                for (a, b) in [(x0, x0 + 7), (x0 + 11, x0 + 18), (x0 + 22, x1)] {
                    panel.draw(&PathElement::new(
                        vec![(a, y), (b, y)],
                        colour.stroke_width(2),
                    ))?;
                }
            }
            Mark::Cross(colour) => {
                panel.draw(&Cross::new(((x0 + x1) / 2, y), 6, colour.stroke_width(3)))?
            }
            Mark::Triangle(colour) => {
                panel.draw(&TriangleMarker::new(((x0 + x1) / 2, y), 7, colour.filled()))?
            }
        }
        panel.draw(&Text::new(
            label.clone(),
            (x1 + 10, y),
            TextStyle::from(font(LEGEND_PX)).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(plot)
}

/// The side whose distribution a chart shows: spot when enabled, else on-demand.
fn main_side<'a>(input: &ChartInput<'a>) -> (&'a [RunRecord], &'static str, RGBColor) {
    match &input.runs.spot {
        Some(spot) => (spot, "spot", SPOT),
        None => (&input.runs.on_demand, "on-demand", ON_DEMAND),
    }
}

/// Equal-width bins over `[lo, hi]`; values outside are counted apart.
struct Histogram {
    lo: f64,
    width: f64,
    counts: Vec<u64>,
    below: u64,
    above: u64,
    total: u64,
}

impl Histogram {
    fn new(values: impl Iterator<Item = f64>, lo: f64, hi: f64, bins: usize) -> Histogram {
        let width = (hi - lo) / bins as f64;
        let mut histogram = Histogram {
            lo,
            width,
            counts: vec![0; bins],
            below: 0,
            above: 0,
            total: 0,
        };
        for value in values {
            histogram.total += 1;
            if value < lo {
                histogram.below += 1;
            } else if value > hi {
                histogram.above += 1;
            } else {
                let bin = (((value - lo) / width) as usize).min(bins - 1);
                histogram.counts[bin] += 1;
            }
        }
        histogram
    }

    /// `(left, right, share of all values in %)` per bin.
    fn bars(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        let total = self.total.max(1) as f64;
        self.counts.iter().enumerate().map(move |(i, &count)| {
            let left = self.lo + i as f64 * self.width;
            (left, left + self.width, count as f64 / total * 100.0)
        })
    }

    fn max_share_pct(&self) -> f64 {
        self.bars().map(|(_, _, share)| share).fold(0.0, f64::max)
    }

    /// A line saying how many runs fall outside the axis, so that nothing is hidden silently.
    fn cut_note(&self) -> Option<String> {
        let outside = self.above + self.below;
        (outside > 0).then(|| {
            let share = outside as f64 / self.total as f64 * 100.0;
            format!("{outside} runs ({share:.2} %) lie beyond the axis and are not drawn")
        })
    }
}

/// A display range for a histogram of `values` that also shows `marks`: from the smallest
/// value to the 99.5th percentile (a long tail would squash the rest), widened a little.
fn histogram_range(values: &[f64], marks: &[f64]) -> (f64, f64) {
    let mut sorted = values.to_vec();
    let [lo, hi] = quantiles(&mut sorted, [0.0, 0.995]);
    widen(
        marks.iter().copied().fold(lo, f64::min),
        marks.iter().copied().fold(hi, f64::max),
    )
}

/// `[lo, hi]` with a 4 % margin each side; a single value gets a range around it.
fn widen(lo: f64, hi: f64) -> (f64, f64) {
    let span = if hi > lo {
        hi - lo
    } else {
        lo.abs().max(1.0) * 0.1
    };
    (lo - span * 0.04, hi + span * 0.04)
}

/// A vertical line from the axis to `y_top` at `x`.
fn vertical<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x: f64,
    y: (f64, f64),
    colour: RGBColor,
    dashed: bool,
) -> DrawResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
    DB::ErrorType: 'static,
{
    if dashed {
        chart.draw_series(DashedLineSeries::new(
            vec![(x, y.0), (x, y.1)],
            10,
            6,
            colour.stroke_width(2),
        ))?;
    } else {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, y.0), (x, y.1)],
            colour.stroke_width(3),
        )))?;
    }
    Ok(())
}

fn usd(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("${value:.0}")
    } else {
        format!("${value:.2}")
    }
}

/// A histogram chart: bars of `values` in `colour`, vertical marks, and the axis texts.
struct HistogramChart<'a> {
    title: String,
    values: &'a [f64],
    range: (f64, f64),
    colour: RGBColor,
    bars_label: String,
    /// `(x, label, colour, dashed)`.
    marks: Vec<(f64, String, RGBColor, bool)>,
    x_desc: &'a str,
    x_format: &'a dyn Fn(&f64) -> String,
}

fn draw_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: HistogramChart<'_>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = spec.range;
    let histogram = Histogram::new(spec.values.iter().copied(), lo, hi, 50);
    let mut legend = vec![(spec.bars_label.clone(), Mark::Fill(spec.colour))];
    for (_, label, colour, dashed) in &spec.marks {
        legend.push((
            label.clone(),
            if *dashed {
                Mark::Dashed(*colour)
            } else {
                Mark::Line(*colour)
            },
        ));
    }
    let subtitle: Vec<String> = histogram.cut_note().into_iter().collect();
    let plot = frame(root, &spec.title, &subtitle, &legend)?;
    let y_top = histogram.max_share_pct() * 1.1;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(lo..hi, 0.0..y_top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_desc(spec.x_desc)
        .y_desc("share of runs (%)")
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(TICK_PX))
        .x_labels(8)
        .x_label_formatter(spec.x_format)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()?;
    chart.draw_series(histogram.bars().map(|(left, right, share)| {
        Rectangle::new([(left, 0.0), (right, share)], spec.colour.mix(0.8).filled())
    }))?;
    for (x, _, colour, dashed) in &spec.marks {
        vertical(&mut chart, *x, (0.0, y_top), *colour, *dashed)?;
    }
    Ok(())
}

fn draw_cost<DB: DrawingBackend>(
    input: &ChartInput<'_>,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (records, side, colour) = main_side(input);
    let costs: Vec<f64> = records.iter().map(|r| r.cost_usd).collect();
    let summary = &input
        .estimate
        .spot
        .as_ref()
        .unwrap_or(&input.estimate.on_demand)
        .metrics
        .cost_usd;
    let mut marks = Vec::new();
    if input.runs.spot.is_some() {
        let on_demand_mean = input.estimate.on_demand.metrics.cost_usd.mean;
        marks.push((
            on_demand_mean,
            format!("on-demand mean {}", usd(on_demand_mean)),
            ON_DEMAND,
            false,
        ));
    }
    marks.push((
        summary.mean,
        format!("{side} mean {}", usd(summary.mean)),
        INK,
        false,
    ));
    marks.push((
        summary.p95,
        format!("{side} p95 {}", usd(summary.p95)),
        VERMILION,
        true,
    ));
    let mark_xs: Vec<f64> = marks.iter().map(|m| m.0).collect();
    draw_histogram(
        root,
        HistogramChart {
            title: format!("{}: cost per job on {side}", input.name),
            values: &costs,
            range: histogram_range(&costs, &mark_xs),
            colour,
            bars_label: format!("{side} runs ({})", costs.len()),
            marks,
            x_desc: "cost per job (USD, all instances)",
            x_format: &|v| usd(*v),
        },
    )
}

fn draw_savings<DB: DrawingBackend>(
    input: &ChartInput<'_>,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (Some(spot_runs), Some(spot)) = (&input.runs.spot, &input.estimate.spot) else {
        return Err("the savings chart needs spot runs".into());
    };
    // Run i on spot against the same job (same training length) on-demand.
    let savings: Vec<f64> = spot_runs
        .iter()
        .zip(&input.runs.on_demand)
        .map(|(s, d)| (1.0 - s.cost_usd / d.cost_usd) * 100.0)
        .filter(|v| v.is_finite())
        .collect();
    let console = spot.console_savings_pct.unwrap_or(0.0);
    let real = input.estimate.savings_vs_on_demand_pct.unwrap_or(0.0);
    let mut marks = vec![(real, format!("real saving {real:.1} %"), INK, false)];
    if let Some(per_completed) = input.estimate.savings_per_completed_job_pct {
        marks.push((
            per_completed,
            format!("per completed job {per_completed:.1} %"),
            WINE,
            true,
        ));
    }
    marks.push((
        console,
        format!("console savings {console:.1} %"),
        VERMILION,
        false,
    ));
    // The lower tail (jobs that cost more on spot) is long; the top is the price discount.
    let mut sorted = savings.clone();
    let [p005, max] = quantiles(&mut sorted, [0.005, 1.0]);
    let lo = marks.iter().map(|m| m.0).fold(p005, f64::min);
    let hi = marks.iter().map(|m| m.0).fold(max, f64::max);
    draw_histogram(
        root,
        HistogramChart {
            title: format!("{}: real saving per job against on-demand", input.name),
            values: &savings,
            range: widen(lo, hi),
            colour: SPOT,
            bars_label: format!("spot runs ({})", savings.len()),
            marks,
            x_desc: "saving against the same job on-demand (%)",
            x_format: &|v| format!("{v:.0}"),
        },
    )
}

/// The unit a time axis is drawn in, from the longest time it must show.
fn time_unit(max_s: f64) -> (f64, &'static str) {
    if max_s <= 2.0 * 3600.0 {
        (60.0, "min")
    } else if max_s <= 96.0 * 3600.0 {
        (3600.0, "h")
    } else {
        (86_400.0, "days")
    }
}

/// The ECDF of the completed runs' wall times, as a share of *all* runs, at up to 400 points.
fn completion_curve(records: &[RunRecord], unit_s: f64) -> Vec<(f64, f64)> {
    let mut walls: Vec<f64> = records
        .iter()
        .filter(|r| r.outcome == Outcome::Completed)
        .map(|r| r.wall_s / unit_s)
        .collect();
    walls.sort_by(f64::total_cmp);
    let n = records.len() as f64;
    let step = (walls.len() / 400).max(1);
    let mut points = vec![(0.0, 0.0)];
    for (i, &wall) in walls.iter().enumerate() {
        if i % step == 0 || i + 1 == walls.len() {
            points.push((wall, (i + 1) as f64 / n * 100.0));
        }
    }
    points
}

fn draw_completion<DB: DrawingBackend>(
    input: &ChartInput<'_>,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let stopping = &input.scenario.stopping;
    let mut sides: Vec<(&[RunRecord], &str, RGBColor, &crate::stats::SideSummary)> = Vec::new();
    if let (Some(spot), Some(summary)) = (&input.runs.spot, &input.estimate.spot) {
        sides.push((spot, "spot", SPOT, summary));
    }
    sides.push((
        &input.runs.on_demand,
        "on-demand",
        ON_DEMAND,
        &input.estimate.on_demand,
    ));
    // The axis ends after the last run; a limit far beyond it is named, not drawn.
    let longest_s = sides
        .iter()
        .flat_map(|(records, ..)| records.iter().map(|r| r.wall_s))
        .fold(0.0, f64::max)
        .max(1.0);
    let (unit_s, unit) = time_unit(longest_s);
    let x_max = longest_s / unit_s * 1.08;
    let mut limits = vec![(stopping.max_run_s, "max_run", INK)];
    if let (Some(max_wait_s), true) = (stopping.max_wait_s, input.runs.spot.is_some()) {
        limits.push((max_wait_s, "max_wait", VERMILION));
    }
    let mut legend: Vec<(String, Mark)> = sides
        .iter()
        .map(|(_, side, colour, _)| (side.to_string(), Mark::Line(*colour)))
        .collect();
    let mut subtitle: Vec<String> = sides
        .iter()
        .map(|(_, side, _, summary)| {
            let o = &summary.outcomes;
            format!(
                "{side}: {:.1} % completed, {:.1} % stopped by MaxWait, {:.1} % by MaxRuntime",
                o.completed * 100.0,
                o.max_wait_exceeded * 100.0,
                o.max_runtime_exceeded * 100.0
            )
        })
        .collect();
    let mut beyond = Vec::new();
    for &(limit_s, name, colour) in &limits {
        let shown = crate::duration::format_duration(limit_s);
        if limit_s / unit_s <= x_max {
            legend.push((format!("{name} = {shown}"), Mark::Dashed(colour)));
        } else {
            beyond.push(format!("{name} = {shown}"));
        }
    }
    if !beyond.is_empty() {
        subtitle.push(format!("beyond the axis: {}", beyond.join(", ")));
    }
    let plot = frame(
        root,
        &format!("{}: share of jobs completed by each wall time", input.name),
        &subtitle,
        &legend,
    )?;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..x_max, 0.0..101.0)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc(format!("wall time from job creation ({unit})"))
        .y_desc("jobs completed (%)")
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(TICK_PX))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for &(limit_s, _, colour) in &limits {
        if limit_s / unit_s <= x_max {
            vertical(&mut chart, limit_s / unit_s, (0.0, 101.0), colour, true)?;
        }
    }
    for (records, _, colour, _) in &sides {
        chart.draw_series(LineSeries::new(
            completion_curve(records, unit_s),
            colour.stroke_width(3),
        ))?;
    }
    Ok(())
}

/// Breakdown colours, in `BilledBreakdown::parts` order.
const BREAKDOWN_COLOURS: [RGBColor; 7] = [GREEN, VERMILION, WINE, SKY, BLUE, YELLOW, PURPLE];

fn draw_breakdown<DB: DrawingBackend>(
    input: &ChartInput<'_>,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut bars: Vec<(&str, &BilledBreakdown, f64)> = Vec::new();
    if let Some(spot) = &input.estimate.spot {
        bars.push(("spot", &spot.billed_breakdown, spot.metrics.cost_usd.mean));
    }
    let on_demand = &input.estimate.on_demand;
    bars.push((
        "on-demand",
        &on_demand.billed_breakdown,
        on_demand.metrics.cost_usd.mean,
    ));
    let total_s = |b: &BilledBreakdown| b.parts().iter().map(|p| p.1).sum::<f64>();
    let longest_s = bars
        .iter()
        .map(|b| total_s(b.1))
        .fold(0.0, f64::max)
        .max(1.0);
    let (unit_s, unit) = time_unit(longest_s);
    let x_max = longest_s / unit_s * 1.45;
    let legend: Vec<(String, Mark)> = BilledBreakdown::default()
        .parts()
        .iter()
        .zip(BREAKDOWN_COLOURS)
        .map(|((label, _), colour)| (label.to_string(), Mark::Fill(colour)))
        .collect();
    let plot = frame(
        root,
        &format!("{}: where the billed time goes", input.name),
        &["mean per job and instance; each bar adds up to TrainingTimeInSeconds".to_string()],
        &legend,
    )?;
    let rows = bars.len();
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..x_max, (0..rows - 1).into_segmented())?;
    let labels: Vec<&str> = bars.iter().map(|b| b.0).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_desc(format!("billed time ({unit})"))
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(LABEL_PX))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(row) => labels
                .get(rows - 1 - row.min(&(rows - 1)))
                .map(|s| s.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    for (row, (_, breakdown, cost)) in bars.iter().enumerate() {
        let y = rows - 1 - row;
        let mut start = 0.0;
        for ((_, seconds), colour) in breakdown.parts().iter().zip(BREAKDOWN_COLOURS) {
            let end = start + seconds / unit_s;
            let mut bar = Rectangle::new(
                [
                    (start, SegmentValue::Exact(y)),
                    (end, SegmentValue::Exact(y + 1)),
                ],
                colour.filled(),
            );
            bar.set_margin(20, 20, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
            start = end;
        }
        chart.draw_series(std::iter::once(Text::new(
            format!("{start:.2} {unit}, mean cost {}", usd(*cost)),
            (start + x_max * 0.01, SegmentValue::CenterOf(y)),
            TextStyle::from(font(16)).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}

/// The colour of a status bar.
fn status_colour(status: SecondaryStatus) -> RGBColor {
    match status {
        SecondaryStatus::Downloading => SKY,
        SecondaryStatus::Training => GREEN,
        SecondaryStatus::Uploading => PURPLE,
        SecondaryStatus::Interrupted => INK,
        SecondaryStatus::Stopping => VERMILION,
        SecondaryStatus::Starting
        | SecondaryStatus::Completed
        | SecondaryStatus::MaxRuntimeExceeded
        | SecondaryStatus::MaxWaitTimeExceeded => GREY,
    }
}

/// Statuses drawn as bars; Interrupted and Stopping are instants, drawn as markers.
const BAR_STATUSES: [SecondaryStatus; 4] = [
    SecondaryStatus::Starting,
    SecondaryStatus::Downloading,
    SecondaryStatus::Training,
    SecondaryStatus::Uploading,
];

fn draw_timeline<DB: DrawingBackend>(
    input: &ChartInput<'_>,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let timelines = input.timelines;
    let rows = timelines.len().max(1);
    let longest_s = timelines
        .iter()
        .map(|t| t.record.wall_s)
        .fold(0.0, f64::max)
        .max(1.0);
    let (unit_s, unit) = time_unit(longest_s);
    let x_max = longest_s / unit_s * 1.02;
    let side = if input.runs.spot.is_some() {
        "spot"
    } else {
        "on-demand"
    };
    let mut legend: Vec<(String, Mark)> = BAR_STATUSES
        .iter()
        .map(|&s| (s.as_str().to_string(), Mark::Fill(status_colour(s))))
        .collect();
    legend.push((
        "Interrupted (capacity reclaimed)".to_string(),
        Mark::Cross(INK),
    ));
    legend.push((
        "Stopping (a limit reached)".to_string(),
        Mark::Triangle(VERMILION),
    ));
    let plot = frame(
        root,
        &format!(
            "{}: the first {} {side} runs, status by status",
            input.name,
            timelines.len()
        ),
        &["Starting includes waiting for spot capacity (not billed)".to_string()],
        &legend,
    )?;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..x_max, (0..rows - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_desc(format!("time from job creation ({unit})"))
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(14))
        .y_labels(rows)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(row) if *row < rows => timelines
                .get(rows - 1 - row)
                .map(|t| format!("run {}", t.run))
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    let row_of = |index: usize| rows - 1 - index;
    for (index, timeline) in timelines.iter().enumerate() {
        let y = row_of(index);
        let bars = timeline
            .transitions
            .iter()
            .filter(|t| BAR_STATUSES.contains(&t.status) && t.end_s > t.start_s)
            .map(|t| {
                let mut bar = Rectangle::new(
                    [
                        (t.start_s / unit_s, SegmentValue::Exact(y)),
                        (t.end_s / unit_s, SegmentValue::Exact(y + 1)),
                    ],
                    status_colour(t.status).filled(),
                );
                bar.set_margin(3, 3, 0, 0);
                bar
            });
        chart.draw_series(bars)?;
    }
    for (index, timeline) in timelines.iter().enumerate() {
        let y = SegmentValue::CenterOf(row_of(index));
        for t in &timeline.transitions {
            let at = (t.start_s / unit_s, y.clone());
            match t.status {
                SecondaryStatus::Interrupted => {
                    chart.draw_series(std::iter::once(Cross::new(at, 7, INK.stroke_width(3))))?;
                }
                SecondaryStatus::Stopping => {
                    chart.draw_series(std::iter::once(TriangleMarker::new(
                        at,
                        8,
                        VERMILION.filled(),
                    )))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::JobModel;
    use crate::montecarlo::run_scenario;
    use crate::scenario::parse_scenario;

    const SCENARIO: &str = r#"
[job]
name = "chart-test"
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
runs = 2000
"#;

    fn with_input<T>(f: impl FnOnce(&ChartInput<'_>) -> T) -> T {
        let scenario = parse_scenario(SCENARIO, "t.toml").unwrap();
        let runs = run_scenario(&scenario);
        let estimate = Estimate::of(&runs);
        let model = JobModel::spot(&scenario).unwrap();
        let timelines: Vec<_> = (0..TIMELINE_RUNS)
            .map(|run| JobTimeline::replay(&model, scenario.simulation.seed, run))
            .collect();
        f(&ChartInput {
            name: "chart-test",
            scenario: &scenario,
            runs: &runs,
            estimate: &estimate,
            timelines: &timelines,
        })
    }

    #[test]
    fn every_chart_renders_in_both_formats_and_is_deterministic() {
        with_input(|input| {
            assert_eq!(charts_for(input), ChartKind::ALL.to_vec());
            for kind in ChartKind::ALL {
                let png = render(kind, input, ChartFormat::Png).unwrap();
                assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{kind:?}");
                assert_eq!(png, render(kind, input, ChartFormat::Png).unwrap());
                let svg =
                    String::from_utf8(render(kind, input, ChartFormat::Svg).unwrap()).unwrap();
                assert!(svg.starts_with("<svg"), "{kind:?}");
                // The title and the axis description are text in the SVG.
                assert!(svg.contains("chart-test"), "{kind:?}");
            }
        });
    }

    #[test]
    fn histogram_counts_every_value_once() {
        let values = [0.0, 0.5, 1.0, 2.0, 10.0, -1.0];
        let h = Histogram::new(values.iter().copied(), 0.0, 2.0, 4);
        assert_eq!(h.counts, vec![1, 1, 1, 1]);
        assert_eq!((h.below, h.above, h.total), (1, 1, 6));
        let shares: f64 = h.bars().map(|b| b.2).sum();
        assert!((shares - 4.0 / 6.0 * 100.0).abs() < 1e-12);
    }

    #[test]
    fn completion_curve_ends_at_the_completed_share() {
        with_input(|input| {
            let spot = input.runs.spot.as_ref().unwrap();
            let curve = completion_curve(spot, 3600.0);
            let last = curve.last().unwrap().1;
            let completed = input.estimate.spot.as_ref().unwrap().outcomes.completed * 100.0;
            assert!((last - completed).abs() < 1e-9);
            assert!(
                curve
                    .windows(2)
                    .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1)
            );
        });
    }
}
