//! Charts of a scenario's runs (plotters): cost, savings, completion, billed-time breakdown and a
//! timeline of the first runs, as PNG or SVG bytes.
//!
//! Rendering is pure: the same runs give the same bytes. Charts are drawn from the streamed
//! state of the runs ([`ScenarioStats`]): distributions from its quantile stores, exact values
//! while a store is exact and bucket representatives (within 1.2·10⁻⁴ of the values they stand
//! for) once it is a sketch, which no pixel can tell apart. Charts are drawn as SVG by plotters
//! (text laid out with the bundled DejaVu Sans metrics, `assets/fonts`, through its `ab_glyph`
//! backend); PNG is that SVG rasterised by resvg with the same bundled font, so a machine without
//! any system font renders every glyph, kerned and shaped. SVG names the `sans-serif` family and
//! leaves the glyphs to the viewer. Colours follow the Okabe–Ito palette (Okabe & Ito 2008, "Color
//! Universal Design"), readable with the common colour-vision deficiencies.

use std::error::Error;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod sweep;

pub use sweep::render_sweep;

use crate::engine::SecondaryStatus;
use crate::montecarlo::Estimate;
use crate::montecarlo::timeline::JobTimeline;
use crate::scenario::{MaxRunCounting, Scenario};
use crate::stats::accumulate::{ScenarioStats, SideStores};
use crate::stats::sketch::QuantileStore;
use crate::stats::summary::{BilledBreakdown, Metric, SideSummary, Summary};
use crate::units::duration::{format_duration_exact, format_duration_within};
use crate::units::format::{format_count, format_grouped, format_share, format_usd};

mod compare;
pub use compare::render_comparison;

mod fleet;
pub(crate) use fleet::simulated_months;
pub use fleet::{FleetChart, FleetChartKind, fleet_charts, render_fleet};

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
/// The billable-time bar of the breakdown chart: a neutral dark grey, apart from the parts.
const BILLABLE: RGBColor = RGBColor(90, 90, 90);

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
    /// Where the instance running time goes, and what is billed, spot against on-demand.
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

    /// A sentence saying what the chart shows for a scenario with spot (`spot`) or without,
    /// for reports and alt text.
    pub fn caption(self, spot: bool) -> &'static str {
        match (self, spot) {
            (ChartKind::Cost, false) => {
                "Distribution of the cost per job on-demand, with the mean and the 95th \
                 percentile marked."
            }
            (ChartKind::Completion, false) => {
                "Share of jobs completed by each wall-clock time on-demand. max_run limits \
                 running time (TrainingTimeInSeconds), not wall time, so it is named, not drawn."
            }
            (ChartKind::Breakdown, false) => {
                "Mean instance running time (TrainingTimeInSeconds) per job and instance \
                 on-demand, split by what it bought; on-demand, all of it is billed."
            }
            _ => self.description(),
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
                 max_wait (a wall-clock limit) marked. max_run limits running time \
                 (TrainingTimeInSeconds), which on spot falls behind wall time during capacity \
                 waits, so it is named, not drawn on this axis."
            }
            ChartKind::Breakdown => {
                "Mean instance running time (TrainingTimeInSeconds) per job and instance, split \
                 by what it bought, spot against on-demand, each above the billable time \
                 (BillableTimeInSeconds: on spot, running time less the spot discount) and the \
                 mean cost."
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
    /// The streamed runs, both sides.
    pub stats: &'a ScenarioStats,
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
        .filter(|&kind| kind != ChartKind::Savings || input.stats.spot().is_some())
        .collect()
}

/// Draws `kind` as `format` bytes.
pub fn render(
    kind: ChartKind,
    input: &ChartInput<'_>,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    render_with(kind.file_stem(), format, |root| draw(kind, input, root))
}

/// The SVG drawing area every chart is drawn on.
pub(crate) type SvgArea<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Runs `draw` on a blank chart and returns it as `format` bytes; `chart` names it in errors.
pub(crate) fn render_with(
    chart: &'static str,
    format: ChartFormat,
    draw: impl FnOnce(&SvgArea<'_>) -> DrawResult,
) -> Result<Vec<u8>, ChartError> {
    register_fonts();
    let fail = |e: Box<dyn Error>| ChartError {
        chart,
        message: e.to_string(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        draw(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.into()))?;
    }
    match format {
        ChartFormat::Svg => Ok(svg.into_bytes()),
        // Rasterised by resvg: its text layout shapes and kerns with the bundled font, which
        // plotters' own bitmap text does not.
        ChartFormat::Png => rasterize(&svg, CHART_SIZE.0, CHART_SIZE.1).map_err(fail),
    }
}

const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The bundled fonts, for resvg, with `sans-serif` meaning DejaVu Sans.
fn font_database() -> std::sync::Arc<resvg::usvg::fontdb::Database> {
    static DATABASE: std::sync::OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> =
        std::sync::OnceLock::new();
    DATABASE
        .get_or_init(|| {
            let mut database = resvg::usvg::fontdb::Database::new();
            database.load_font_data(FONT_REGULAR.to_vec());
            database.load_font_data(FONT_BOLD.to_vec());
            database.set_sans_serif_family("DejaVu Sans");
            std::sync::Arc::new(database)
        })
        .clone()
}

/// An SVG chart as PNG bytes, on white.
fn rasterize(svg: &str, width: u32, height: u32) -> Result<Vec<u8>, Box<dyn Error>> {
    let options = resvg::usvg::Options {
        font_family: "DejaVu Sans".to_string(),
        fontdb: font_database(),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options)?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height).ok_or("empty chart size")?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    // Opaque pixels: premultiplied RGBA is plain RGBA.
    Ok(encode_png(pixmap.data(), width, height)?)
}

fn encode_png(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgba)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Registers the bundled font once per process: plotters' `ab_glyph` backend knows no font
/// until one is registered.
fn register_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // The bytes are a font shipped with the crate: failing here is a build defect.
        assert!(plotters::style::register_font(FONT, FontStyle::Normal, FONT_REGULAR).is_ok());
        assert!(plotters::style::register_font(FONT, FontStyle::Bold, FONT_BOLD).is_ok());
    });
}

type DrawResult = Result<(), Box<dyn Error>>;

/// `range` if both its ends are finite, else an error naming them: every axis goes through it,
/// because plotters loops forever (or panics) laying out ticks over a NaN or infinite range.
/// The data files are validated, so this is the last guard, not the first.
pub(crate) fn finite(range: std::ops::Range<f64>) -> Result<std::ops::Range<f64>, Box<dyn Error>> {
    if range.start.is_finite() && range.end.is_finite() {
        Ok(range)
    } else {
        Err(format!(
            "cannot draw an axis from {} to {}: the data holds values that are not finite numbers",
            range.start, range.end
        )
        .into())
    }
}

/// The figures a chart may print or draw from `summary`, if every one is a finite number, else
/// an error naming the first that is not. Axes are guarded by [`finite`]; this guards the
/// marks and labels (a `$NaN` mean, a bar of no width), so that a chart either shows true
/// numbers or is refused.
pub(crate) fn finite_summary(what: &str, summary: &Summary) -> DrawResult {
    let figures = [
        ("mean", summary.mean),
        ("p50", summary.p50),
        ("p90", summary.p90),
        ("p95", summary.p95),
        ("p99", summary.p99),
        ("min", summary.min),
        ("max", summary.max),
        ("standard error", summary.std_err.unwrap_or(0.0)),
    ];
    finite_figures(what, &figures)
}

/// As [`finite_summary`], for named figures.
pub(crate) fn finite_figures(what: &str, figures: &[(&str, f64)]) -> DrawResult {
    match figures.iter().find(|(_, value)| !value.is_finite()) {
        None => Ok(()),
        Some((name, value)) => Err(format!(
            "cannot draw {what}: its {name} is {value}, the data holds values that are not \
             finite numbers"
        )
        .into()),
    }
}

/// Every figure of an estimate's sides, checked by [`finite_summary`].
pub(crate) fn finite_estimate(estimate: &Estimate) -> DrawResult {
    finite_sides(estimate.spot.as_ref(), &estimate.on_demand)?;
    finite_figures(
        "the savings",
        &[
            ("savings", estimate.savings_vs_on_demand_pct.unwrap_or(0.0)),
            (
                "savings per completed job",
                estimate.savings_per_completed_job_pct.unwrap_or(0.0),
            ),
        ],
    )
}

/// Every figure of a spot side (when there is one) and an on-demand side.
pub(crate) fn finite_sides(spot: Option<&SideSummary>, on_demand: &SideSummary) -> DrawResult {
    for (name, side) in [("spot", spot), ("on-demand", Some(on_demand))] {
        let Some(side) = side else { continue };
        for metric in Metric::ALL {
            finite_summary(
                &format!("the {name} {}", metric.label()),
                side.metrics.get(metric),
            )?;
        }
        let b = &side.billed_breakdown;
        let mut figures: Vec<(&str, f64)> = b.parts().to_vec();
        figures.push(("console savings", side.console_savings_pct.unwrap_or(0.0)));
        figures.push((
            "cost per completed job",
            side.cost_per_completed_job_usd.unwrap_or(0.0),
        ));
        finite_figures(&format!("the {name} side"), &figures)?;
    }
    Ok(())
}

fn draw<DB: DrawingBackend>(
    kind: ChartKind,
    input: &ChartInput<'_>,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    finite_estimate(input.estimate)?;
    for timeline in input.timelines {
        let times: Vec<(&str, f64)> = timeline
            .transitions
            .iter()
            .flat_map(|t| [("start", t.start_s), ("end", t.end_s)])
            .collect();
        finite_figures(&format!("the timeline of run {}", timeline.run), &times)?;
    }
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
const LEGEND_WIDTH_PX: u32 = 330;

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
                panel.draw(&Rectangle::new([(x0, y - 7), (x1, y + 7)], colour.filled()))?;
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
                panel.draw(&Cross::new(
                    (i32::midpoint(x0, x1), y),
                    6,
                    colour.stroke_width(3),
                ))?;
            }
            Mark::Triangle(colour) => {
                panel.draw(&TriangleMarker::new(
                    (i32::midpoint(x0, x1), y),
                    7,
                    colour.filled(),
                ))?;
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

/// A job name short enough to leave room in a title for what the chart shows.
fn short_name(name: &str) -> String {
    const MAX_CHARS: usize = 32;
    if name.chars().count() <= MAX_CHARS {
        name.to_string()
    } else {
        let kept: String = name.chars().take(MAX_CHARS - 1).collect();
        format!("{kept}…")
    }
}

/// The side whose distribution a chart shows: spot when enabled, else on-demand.
fn main_side<'a>(input: &ChartInput<'a>) -> (&'a SideStores, &'static str, RGBColor) {
    match input.stats.spot() {
        Some(spot) => (spot, "spot", SPOT),
        None => (input.stats.on_demand(), "on-demand", ON_DEMAND),
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
    /// The histogram of `store`'s values: each value once while it is exact, each bucket's
    /// representative with its count once it is a sketch.
    fn new(store: &QuantileStore, lo: f64, hi: f64, bins: usize) -> Histogram {
        let width = (hi - lo) / bins as f64;
        let mut histogram = Histogram {
            lo,
            width,
            counts: vec![0; bins],
            below: 0,
            above: 0,
            total: 0,
        };
        store.for_each(|value, count| {
            histogram.total += count;
            if value < lo {
                histogram.below += count;
            } else if value > hi {
                histogram.above += count;
            } else {
                let bin = (((value - lo) / width) as usize).min(bins - 1);
                histogram.counts[bin] += count;
            }
        });
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

    /// Bin `bin`'s share of all values, in %.
    fn share_pct(&self, bin: usize) -> f64 {
        self.counts[bin] as f64 / self.total.max(1) as f64 * 100.0
    }
}

/// A display range for a histogram of `values` that also shows `marks`: from the smallest
/// value to the 99.5th percentile (a long tail would squash the rest), widened a little.
fn histogram_range(values: &QuantileStore, marks: &[f64]) -> (f64, f64) {
    let [lo, hi] = values.quantiles([0.0, 0.995]);
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

/// A histogram chart: stacked bars of each series, vertical marks, and the axis texts.
struct HistogramChart<'a> {
    title: String,
    /// `(legend label, colour, values)`, stacked bottom to top in this order.
    series: Vec<(String, RGBColor, &'a QuantileStore)>,
    range: (f64, f64),
    /// `(x, label, colour, dashed)`.
    marks: Vec<(f64, String, RGBColor, bool)>,
    /// Lines under the title.
    notes: Vec<String>,
    x_desc: &'a str,
    x_format: &'a dyn Fn(&f64) -> String,
}

/// Bins per histogram: odd, so that a single repeated value sits in the middle bin.
const BINS: usize = 51;

fn draw_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: HistogramChart<'_>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = spec.range;
    let total: u64 = spec.series.iter().map(|s| s.2.count()).sum();
    let histograms: Vec<Histogram> = spec
        .series
        .iter()
        .map(|(_, _, values)| {
            let mut histogram = Histogram::new(values, lo, hi, BINS);
            // Shares of all runs, so that the stacked bars add up to the whole.
            histogram.total = total;
            histogram
        })
        .collect();
    let mut legend: Vec<(String, Mark)> = spec
        .series
        .iter()
        .map(|(label, colour, _)| (label.clone(), Mark::Fill(*colour)))
        .collect();
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
    let outside: u64 = histograms.iter().map(|h| h.above + h.below).sum();
    let mut notes = spec.notes.clone();
    if outside > 0 {
        notes.push(format!(
            "{} runs ({}) lie beyond the axis and are not drawn",
            format_count(outside),
            crate::units::format::format_pct(outside as f64 / total.max(1) as f64 * 100.0, 2)
        ));
    }
    let plot = frame(root, &spec.title, &notes, &legend)?;
    let stacked: Vec<f64> = (0..BINS)
        .map(|bin| histograms.iter().map(|h| h.share_pct(bin)).sum())
        .collect();
    let y_top = stacked.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.1;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(finite(lo..hi)?, finite(0.0..y_top)?)?;
    let y_decimals = tick_decimals(y_top);
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
        .y_label_formatter(&|v| format!("{v:.y_decimals$}"))
        .draw()?;
    let mut base = vec![0.0; BINS];
    for (histogram, (_, colour, _)) in histograms.iter().zip(&spec.series) {
        let colour = *colour;
        let bars: Vec<_> = histogram
            .bars()
            .enumerate()
            .filter(|(_, (_, _, share))| *share > 0.0)
            .map(|(bin, (left, right, share))| {
                Rectangle::new(
                    [(left, base[bin]), (right, base[bin] + share)],
                    colour.mix(0.85).filled(),
                )
            })
            .collect();
        chart.draw_series(bars)?;
        for (bin, slot) in base.iter_mut().enumerate() {
            *slot += histogram.share_pct(bin);
        }
    }
    for (x, _, colour, dashed) in &spec.marks {
        vertical(&mut chart, *x, (0.0, y_top), *colour, *dashed)?;
    }
    Ok(())
}

/// `$1,000.50`: a dollar amount on an axis with `decimals` places, its thousands grouped as in
/// tables.
pub(crate) fn usd_axis(value: f64, decimals: usize) -> String {
    if value < 0.0 && format_grouped(value, decimals).starts_with('-') {
        format!("-${}", format_grouped(-value, decimals))
    } else {
        format!("${}", format_grouped(value.max(0.0), decimals))
    }
}

/// Decimals that tell apart ticks about a fifth of `span` apart.
fn tick_decimals(span: f64) -> usize {
    if span <= 0.0 || !span.is_finite() {
        return 0;
    }
    (1.0 - (span / 5.0).log10().floor()).clamp(0.0, 6.0) as usize
}

/// Decimals that tell apart the values in `values` (at least `min`, at most 4).
fn distinguishing_decimals(values: &[f64], min: usize) -> usize {
    (min..=4)
        .find(|&decimals| {
            let shown: Vec<String> = values.iter().map(|v| format!("{v:.decimals$}")).collect();
            values
                .iter()
                .zip(&shown)
                .all(|(v, s)| values.iter().zip(&shown).all(|(w, t)| v == w || s != t))
        })
        .unwrap_or(4)
}

fn draw_cost<DB: DrawingBackend>(
    input: &ChartInput<'_>,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (stores, side, colour) = main_side(input);
    let costs = stores.metric(Metric::CostUsd);
    let completed = &stores.completed_cost_usd;
    let fell_back = &stores.fell_back_cost_usd;
    let stopped = &stores.stopped_cost_usd;
    let main = input
        .estimate
        .spot
        .as_ref()
        .unwrap_or(&input.estimate.on_demand);
    let summary = &main.metrics.cost_usd;
    // With a `[fallback]` the spot side is spot + the on-demand jobs it sent on-demand: the
    // title says so, and those runs are a series of their own (their cost is both jobs').
    let fallback = main.fallback.filter(|_| input.stats.spot().is_some());
    let side = if fallback.is_some() {
        "spot + fallback"
    } else {
        side
    };
    let mut marks = Vec::new();
    if input.stats.spot().is_some() {
        let on_demand_mean = input.estimate.on_demand.metrics.cost_usd.mean;
        marks.push((
            on_demand_mean,
            format!("on-demand mean {}", format_usd(on_demand_mean)),
            ON_DEMAND,
            false,
        ));
    }
    marks.push((
        summary.mean,
        format!("{side} mean {}", format_usd(summary.mean)),
        INK,
        false,
    ));
    marks.push((
        summary.p95,
        format!("{side} p95 {}", format_usd(summary.p95)),
        VERMILION,
        true,
    ));
    let mark_xs: Vec<f64> = marks.iter().map(|m| m.0).collect();
    let (lo, hi) = histogram_range(costs, &mark_xs);
    // Costs are never negative: the axis does not pretend otherwise.
    let range = (lo.max(0.0), hi);
    let mut series = Vec::new();
    let mut notes = Vec::new();
    if let Some(f) = fallback {
        series.push((
            format!(
                "completed on spot alone ({})",
                format_count(completed.count())
            ),
            colour,
            completed,
        ));
        series.push((
            format!(
                "went on-demand, then completed ({})",
                format_count(fell_back.count())
            ),
            ON_DEMAND,
            fell_back,
        ));
        notes.push(format!(
            "[fallback] when = {}: {} of runs went on-demand; the on-demand jobs are {} of the \
             spot + fallback cost ({} per run on average)",
            input
                .scenario
                .fallback
                .as_ref()
                .map_or("?", crate::scenario::FallbackSpec::when_name),
            format_share(f.fell_back_share, 1),
            format_share(f.on_demand_cost_share, 1),
            format_usd(f.on_demand_cost_usd_mean)
        ));
    } else {
        series.push((
            format!(
                "{side} runs that completed ({})",
                format_count(completed.count())
            ),
            colour,
            completed,
        ));
    }
    if !stopped.is_empty() {
        notes.push(format!(
            "{} of the {side} runs were stopped by a limit: paid for, but no model",
            format_count(stopped.count())
        ));
        series.push((
            format!(
                "{side} runs stopped by a limit ({})",
                format_count(stopped.count())
            ),
            GREY,
            stopped,
        ));
    }
    let decimals = if range.1 - range.0 < 0.5 {
        2
    } else {
        tick_decimals(range.1 - range.0).min(2)
    };
    draw_histogram(
        root,
        HistogramChart {
            title: format!("{}: cost per job on {side}", short_name(input.name)),
            series,
            range,
            marks,
            notes,
            x_desc: "cost per job (USD, all instances)",
            x_format: &|v| usd_axis(*v, decimals),
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
    let (Some(spot_stores), Some(savings), Some(spot)) = (
        input.stats.spot(),
        input.stats.savings_pct(),
        &input.estimate.spot,
    ) else {
        return Err("the savings chart needs spot runs".into());
    };
    // Run i on spot against the same job (same training length) on-demand. A spot run stopped
    // by a limit bought no model: its "saving" would be no saving at all, so only completed
    // spot runs are drawn (`ScenarioStats::savings_pct`); their cost still counts in the saving
    // per completed job.
    let stopped = spot_stores.stopped_cost_usd.count();
    let console = spot.console_savings_pct.unwrap_or(0.0);
    let real = input.estimate.savings_vs_on_demand_pct.unwrap_or(0.0);
    let per_completed = input.estimate.savings_per_completed_job_pct;
    let mut values = vec![real, console];
    values.extend(per_completed);
    let decimals = distinguishing_decimals(&values, 1);
    let mut marks = vec![(
        real,
        format!("real saving {real:.decimals$} % (all runs)"),
        INK,
        false,
    )];
    if let Some(per_completed) = per_completed {
        marks.push((
            per_completed,
            format!("per completed job {per_completed:.decimals$} %"),
            WINE,
            true,
        ));
    }
    marks.push((
        console,
        format!("console savings {console:.decimals$} %"),
        VERMILION,
        false,
    ));
    let mut notes = Vec::new();
    if stopped > 0 {
        notes.push(format!(
            "{} spot runs stopped by a limit are not drawn: they delivered no model",
            format_count(stopped)
        ));
    }
    // The lower tail (jobs that cost more on spot) is long; the top is the price discount.
    let (lo, hi) = if savings.is_empty() {
        widen(
            marks.iter().map(|m| m.0).fold(f64::MAX, f64::min),
            marks.iter().map(|m| m.0).fold(f64::MIN, f64::max),
        )
    } else {
        let [p005, max] = savings.quantiles([0.005, 1.0]);
        widen(
            marks.iter().map(|m| m.0).fold(p005, f64::min),
            marks.iter().map(|m| m.0).fold(max, f64::max),
        )
    };
    let x_decimals = tick_decimals(hi - lo);
    draw_histogram(
        root,
        HistogramChart {
            title: format!(
                "{}: real saving per job against on-demand",
                short_name(input.name)
            ),
            series: vec![(
                format!("completed spot runs ({})", format_count(savings.count())),
                SPOT,
                savings,
            )],
            range: (lo, hi),
            marks,
            notes,
            x_desc: "saving against the same job on-demand (%)",
            x_format: &|v| format!("{v:.x_decimals$}"),
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

/// The ECDF of the completed runs' wall times (`completed_wall_s`), as a share of all `runs`,
/// at up to about 400 points. Once the store is a sketch a bucket of `count` runs is one step.
fn completion_curve(completed_wall_s: &QuantileStore, runs: u64, unit_s: f64) -> Vec<(f64, f64)> {
    let completed = completed_wall_s.count();
    let n = runs as f64;
    let step = (completed / 400).max(1);
    let mut points = vec![(0.0, 0.0)];
    // `seen` runs come before the current value; a point is drawn where the value's runs
    // include one of every `step`-th run or the last.
    let mut seen = 0u64;
    completed_wall_s.for_each_sorted(|wall_s, count| {
        let first = seen;
        seen += count;
        let hits_step = first.div_ceil(step) * step < seen;
        if hits_step || seen == completed {
            points.push((wall_s / unit_s, seen as f64 / n * 100.0));
        }
    });
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
    let mut sides: Vec<(
        &SideStores,
        &str,
        RGBColor,
        &crate::stats::summary::SideSummary,
    )> = Vec::new();
    if let (Some(spot), Some(summary)) = (input.stats.spot(), &input.estimate.spot) {
        sides.push((spot, "spot", SPOT, summary));
    }
    sides.push((
        input.stats.on_demand(),
        "on-demand",
        ON_DEMAND,
        &input.estimate.on_demand,
    ));
    // The axis ends after the last run; a limit far beyond it is named, not drawn.
    let longest_s = sides
        .iter()
        .map(|(.., summary)| summary.metrics.wall_s.max)
        .fold(0.0, f64::max)
        .max(1.0);
    let (unit_s, unit) = time_unit(longest_s);
    let x_max = longest_s / unit_s * 1.08;
    // Only max_wait is a wall-clock limit (spec §1). max_run (MaxRuntimeInSeconds) counts the
    // billed running time of all attempts (spec §3, the engine's default; docs/model.md): on
    // spot a job passes max_run of wall time long before it has run that long, so a max_run
    // line on this axis would mark a limit no job meets there.
    let max_wait_s = stopping.max_wait_s.filter(|_| input.stats.spot().is_some());
    let mut legend: Vec<(String, Mark)> = sides
        .iter()
        .map(|(_, side, colour, _)| (side.to_string(), Mark::Line(*colour)))
        .collect();
    let mut subtitle: Vec<String> = sides
        .iter()
        .map(|(_, side, _, summary)| {
            let o = &summary.outcomes;
            if *side == "spot" {
                format!(
                    "{side}: {} completed, {} stopped by MaxWait, {} by MaxRuntime",
                    format_share(o.completed, 1),
                    format_share(o.max_wait_exceeded, 1),
                    format_share(o.max_runtime_exceeded, 1)
                )
            } else {
                format!(
                    "{side}: {} completed, {} stopped by MaxRuntime (no MaxWait)",
                    format_share(o.completed, 1),
                    format_share(o.max_runtime_exceeded, 1)
                )
            }
        })
        .collect();
    subtitle.push(max_run_note(stopping));
    if let Some(max_wait_s) = max_wait_s {
        let shown = format_duration_exact(max_wait_s);
        if max_wait_s / unit_s <= x_max {
            legend.push((
                format!("max_wait = {shown} of wall time"),
                Mark::Dashed(VERMILION),
            ));
        } else {
            subtitle.push(format!("max_wait = {shown} of wall time: beyond the axis"));
        }
    }
    let plot = frame(
        root,
        &format!(
            "{}: share of jobs completed by each wall time",
            short_name(input.name)
        ),
        &subtitle,
        &legend,
    )?;
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(finite(0.0..x_max)?, 0.0..101.0)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc(format!("wall time from job creation ({unit})"))
        .y_desc("jobs completed (%)")
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(TICK_PX))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    if let Some(max_wait_s) = max_wait_s.filter(|s| s / unit_s <= x_max) {
        vertical(
            &mut chart,
            max_wait_s / unit_s,
            (0.0, 101.0),
            VERMILION,
            true,
        )?;
    }
    let runs = input.stats.runs();
    for (stores, _, colour, _) in &sides {
        chart.draw_series(LineSeries::new(
            completion_curve(&stores.completed_wall_s, runs, unit_s),
            colour.stroke_width(3),
        ))?;
    }
    Ok(())
}

/// The completion chart's line on `max_run`: why it is not drawn on a wall-time axis.
fn max_run_note(stopping: &crate::scenario::StoppingSpec) -> String {
    let what = match stopping.max_run_counts {
        MaxRunCounting::AllAttempts => "running time (TrainingTimeInSeconds)",
        MaxRunCounting::EachAttempt => "each attempt's running time",
    };
    format!(
        "max_run = {} limits {what}, not wall time: not drawn here",
        format_duration_exact(stopping.max_run_s)
    )
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
    let mut bars: Vec<(&str, &SideSummary)> = Vec::new();
    let fallback = input.estimate.spot.as_ref().and_then(|s| s.fallback);
    if let Some(spot) = &input.estimate.spot {
        let label = if fallback.is_some() {
            "spot + fallback"
        } else {
            "spot"
        };
        bars.push((label, spot));
    }
    bars.push(("on-demand", &input.estimate.on_demand));
    let total_s = |b: &BilledBreakdown| b.parts().iter().map(|p| p.1).sum::<f64>();
    let longest_s = bars
        .iter()
        .map(|(_, side)| total_s(&side.billed_breakdown))
        .fold(0.0, f64::max)
        .max(1.0);
    let (unit_s, unit) = time_unit(longest_s);
    let x_max = longest_s / unit_s * 1.6;
    let mut legend: Vec<(String, Mark)> = BilledBreakdown::default()
        .parts()
        .iter()
        .zip(BREAKDOWN_COLOURS)
        .map(|((label, _), colour)| (label.to_string(), Mark::Fill(colour)))
        .collect();
    legend.push((
        "billable time (BillableTimeInSeconds)".to_string(),
        Mark::Fill(BILLABLE),
    ));
    // The bars are running time, TrainingTimeInSeconds. What is billed is BillableTimeInSeconds
    // (spec §3): running time on-demand, running time × (1 − discount) on spot. Drawing only the
    // running time would make spot look dearer than on-demand when it is the other way round.
    let mut subtitles = vec![
        "mean per job and instance; each upper bar adds up to TrainingTimeInSeconds".to_string(),
        "the lower bar is what is billed, BillableTimeInSeconds (on spot: running time less the \
         spot discount)"
            .to_string(),
    ];
    if let Some(f) = fallback {
        legend.push((
            "the on-demand job (fallback)".to_string(),
            Mark::Fill(ON_DEMAND),
        ));
        subtitles.push(format!(
            "[fallback]: {} of runs went on-demand; the on-demand jobs are {} of the spot + \
             fallback cost",
            format_share(f.fell_back_share, 1),
            format_share(f.on_demand_cost_share, 1)
        ));
    }
    let plot = frame(
        root,
        &format!(
            "{}: where the instance running time goes",
            short_name(input.name)
        ),
        &subtitles,
        &legend,
    )?;
    // With a fallback, a row under the spot bar: the part of it the on-demand jobs ran.
    let rows = bars.len() + usize::from(fallback.is_some());
    let mut chart = row_chart(
        &plot,
        (x_max, rows),
        // Room for "spot + fallback" and "on-demand part" left of the axis.
        if fallback.is_some() { 160 } else { 110 },
        &format!("instance running time and billable time per job and instance ({unit})"),
        &|v| format!("{v:.1}"),
    )?;
    let text = |at: (f64, f64), line: String| {
        Text::new(
            line,
            at,
            TextStyle::from(font(15)).pos(Pos::new(HPos::Left, VPos::Center)),
        )
    };
    let resolution = |se: Option<f64>| se.filter(|se| *se > 0.0).unwrap_or(f64::INFINITY);
    for (bar, (label, side)) in bars.iter().enumerate() {
        let index = if fallback.is_some() && bar > 0 {
            bar + 1
        } else {
            bar
        };
        let y = row_y(rows, index);
        let metrics = &side.metrics;
        let mut start = 0.0;
        for ((_, seconds), colour) in side.billed_breakdown.parts().iter().zip(BREAKDOWN_COLOURS) {
            let end = start + seconds / unit_s;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(start, y - 0.02), (end, y + 0.34)],
                colour.filled(),
            )))?;
            start = end;
        }
        let running_s = total_s(&side.billed_breakdown);
        chart.draw_series(std::iter::once(text(
            (start + x_max * 0.01, y + 0.16),
            format!(
                "{} running",
                format_duration_within(running_s, resolution(metrics.training_s.std_err))
            ),
        )))?;
        let billable_s = metrics.billable_s.mean;
        let billable_end = billable_s / unit_s;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - 0.3), (billable_end, y - 0.1)],
            BILLABLE.filled(),
        )))?;
        chart.draw_series(std::iter::once(text(
            (billable_end + x_max * 0.01, y - 0.2),
            format!(
                "{} billable, mean cost {}",
                format_duration_within(billable_s, resolution(metrics.billable_s.std_err)),
                format_usd(metrics.cost_usd.mean)
            ),
        )))?;
        label_row(root, &chart, y, label, LABEL_PX)?;
    }
    if let (Some(f), Some(spot)) = (fallback, &input.estimate.spot) {
        // The on-demand jobs run and bill the same hours (no discount).
        let y = row_y(rows, 1);
        let end = f.on_demand_hours_mean * 3600.0 / unit_s;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - 0.3), (end, y + 0.3)],
            ON_DEMAND.filled(),
        )))?;
        chart.draw_series(std::iter::once(text(
            (end + x_max * 0.01, y),
            format!(
                "{} running and billed, {} of the {}",
                format_duration_exact(f.on_demand_hours_mean * 3600.0),
                format_usd(f.on_demand_cost_usd_mean),
                format_usd(spot.metrics.cost_usd.mean)
            ),
        )))?;
        label_row(root, &chart, y, "on-demand part", LABEL_PX)?;
    }
    Ok(())
}

/// A chart with one horizontal row per item (row 0 on top, labelled by [`label_row`]) over
/// `0..x_max`, with its mesh drawn: `label_area_px` is the room left of the axis for labels.
pub(crate) fn row_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    (x_max, rows): (f64, usize),
    label_area_px: u32,
    x_desc: &str,
    x_format: &dyn Fn(&f64) -> String,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(plot)
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(label_area_px)
        .build_cartesian_2d(finite(0.0..x_max)?, rows_range(rows))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_desc(x_desc)
        .axis_desc_style(font(LABEL_PX))
        .label_style(font(TICK_PX))
        .x_label_formatter(x_format)
        .y_labels(0)
        .draw()?;
    Ok(chart)
}

/// The y range of a chart with one row per item: row 0 on top.
fn rows_range(rows: usize) -> std::ops::Range<f64> {
    -0.6..rows.max(1) as f64 - 0.4
}

/// The y centre of row `index` of `rows` (row 0 on top).
fn row_y(rows: usize, index: usize) -> f64 {
    (rows - 1 - index) as f64
}

/// Writes a row's label left of the y axis, at the row's height.
fn label_row<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    y: f64,
    label: &str,
    px: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let x0 = chart.x_range().start;
    let (x, y) = chart.backend_coord(&(x0, y));
    root.draw(&Text::new(
        label.to_string(),
        (x - 10, y),
        TextStyle::from(font(px)).pos(Pos::new(HPos::Right, VPos::Center)),
    ))?;
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
        | SecondaryStatus::MaxWaitTimeExceeded
        | SecondaryStatus::Stopped => GREY,
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
    let spot = input.stats.spot().is_some();
    let side = if spot { "spot" } else { "on-demand" };
    let mut legend: Vec<(String, Mark)> = BAR_STATUSES
        .iter()
        .map(|&s| (s.as_str().to_string(), Mark::Fill(status_colour(s))))
        .collect();
    if spot {
        legend.push((
            "Interrupted (capacity reclaimed)".to_string(),
            Mark::Cross(INK),
        ));
    }
    let fallback = input.scenario.fallback.is_some() && spot;
    legend.push((
        if fallback {
            "Stopping (a limit, or the fallback's stop)"
        } else {
            "Stopping (a limit reached)"
        }
        .to_string(),
        Mark::Triangle(VERMILION),
    ));
    if fallback {
        legend.push((
            "the on-demand job (fallback)".to_string(),
            Mark::Fill(ON_DEMAND),
        ));
    }
    let subtitle = if spot {
        "Starting includes waiting for spot capacity (not billed)"
    } else {
        "Starting is provisioning the instances (not billed)"
    };
    let plot = frame(
        root,
        &format!(
            "{}: the first {} {side} runs, status by status",
            short_name(input.name),
            timelines.len()
        ),
        &[subtitle.to_string()],
        &legend,
    )?;
    let mut chart = row_chart(
        &plot,
        (x_max, rows),
        80,
        &format!("time from job creation ({unit})"),
        &|v| format!("{v:.1}"),
    )?;
    for (index, timeline) in timelines.iter().enumerate() {
        let y = row_y(rows, index);
        let bars = timeline
            .transitions
            .iter()
            .filter(|t| BAR_STATUSES.contains(&t.status) && t.end_s > t.start_s)
            .map(|t| {
                Rectangle::new(
                    [(t.start_s / unit_s, y - 0.36), (t.end_s / unit_s, y + 0.36)],
                    status_colour(t.status).filled(),
                )
            });
        chart.draw_series(bars)?;
        // The on-demand job of a `[fallback]`: an orange band along its whole life.
        if let Some(at_s) = timeline.fallback_at_s {
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (at_s / unit_s, y - 0.46),
                    (timeline.record.wall_s / unit_s, y - 0.28),
                ],
                ON_DEMAND.filled(),
            )))?;
        }
        label_row(root, &chart, y, &format!("run {}", timeline.run), 14)?;
    }
    for (index, timeline) in timelines.iter().enumerate() {
        let y = row_y(rows, index);
        for t in &timeline.transitions {
            let at = (t.start_s / unit_s, y);
            match t.status {
                SecondaryStatus::Interrupted => {
                    chart.draw_series(std::iter::once(Cross::new(at, 5, INK.stroke_width(2))))?;
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

/// Test support for every chart module: poisoned figures and a guard against hangs.
#[cfg(test)]
pub(crate) mod poison {
    use crate::montecarlo::Estimate;
    use crate::stats::summary::{SideSummary, Summary};

    /// The values no chart may draw.
    pub(crate) const BAD: [f64; 3] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];

    /// Every figure of `summary` set to `bad`.
    pub(crate) fn summary(summary: &mut Summary, bad: f64) {
        *summary = Summary {
            mean: bad,
            std_err: Some(bad),
            p50: bad,
            p90: bad,
            p95: bad,
            p99: bad,
            min: bad,
            max: bad,
        };
    }

    /// Every figure of a side set to `bad`.
    pub(crate) fn side(side: &mut SideSummary, bad: f64) {
        let m = &mut side.metrics;
        for metric in [
            &mut m.wall_s,
            &mut m.training_s,
            &mut m.billable_s,
            &mut m.cost_usd,
            &mut m.interruptions,
            &mut m.waiting_s,
            &mut m.lost_work_s,
        ] {
            summary(metric, bad);
        }
        side.console_savings_pct = Some(bad);
        side.cost_per_completed_job_usd = Some(bad);
        let b = &mut side.billed_breakdown;
        for part in [
            &mut b.useful_training_s,
            &mut b.redone_training_s,
            &mut b.stopped_training_s,
            &mut b.download_s,
            &mut b.restore_s,
            &mut b.checkpoint_save_s,
            &mut b.upload_s,
        ] {
            *part = bad;
        }
    }

    /// Every figure of an estimate set to `bad`.
    pub(crate) fn estimate(estimate: &mut Estimate, bad: f64) {
        if let Some(spot) = &mut estimate.spot {
            side(spot, bad);
        }
        side(&mut estimate.on_demand, bad);
        estimate.savings_vs_on_demand_pct = Some(bad);
        estimate.savings_per_completed_job_pct = Some(bad);
    }

    /// Runs `draw` on its own thread: its result, or a failure if it panics or has not
    /// returned within 60 s (plotters looped forever over a NaN axis).
    pub(crate) fn no_hang<T: Send + 'static>(draw: impl FnOnce() -> T + Send + 'static) -> T {
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(draw());
        });
        match receive.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(result) => result,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("the chart hung"),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the chart panicked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::JobModel;
    use crate::montecarlo::stream_scenario;
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
        let stats = stream_scenario(&scenario);
        let estimate = Estimate::of(&stats);
        let model = JobModel::spot(&scenario).unwrap();
        let timelines: Vec<_> = (0..TIMELINE_RUNS)
            .map(|run| JobTimeline::replay(&model, scenario.simulation.seed, run))
            .collect();
        f(&ChartInput {
            name: "chart-test",
            scenario: &scenario,
            stats: &stats,
            estimate: &estimate,
            timelines: &timelines,
        })
    }

    #[test]
    fn an_axis_over_non_finite_values_is_an_error_not_a_hang() {
        assert_eq!(finite(0.0..1.0).unwrap(), 0.0..1.0);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(finite(0.0..bad).is_err());
            assert!(finite(bad..1.0).is_err());
        }
    }

    #[test]
    fn every_chart_refuses_non_finite_figures_without_hanging_or_panicking() {
        for bad in poison::BAD {
            let results = poison::no_hang(move || {
                with_input(|input| {
                    let mut estimate = input.estimate.clone();
                    poison::estimate(&mut estimate, bad);
                    let mut timelines = input.timelines.to_vec();
                    for timeline in &mut timelines {
                        for t in &mut timeline.transitions {
                            t.end_s = bad;
                        }
                    }
                    let poisoned = ChartInput {
                        estimate: &estimate,
                        timelines: &timelines,
                        ..*input
                    };
                    ChartKind::ALL.map(|kind| (kind, render(kind, &poisoned, ChartFormat::Svg)))
                })
            });
            // Every chart prints or draws the poisoned figures: each must refuse them.
            for (kind, result) in &results {
                assert!(
                    result
                        .as_ref()
                        .is_err_and(|e| e.to_string().contains("not finite numbers")),
                    "{bad} {kind:?}"
                );
            }
        }
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

    /// Issue 15, item 6: `max_run` counts running time, so the wall-time axis of the completion
    /// chart names it without drawing it; `max_wait`, a wall-clock limit, is drawn.
    #[test]
    fn the_completion_chart_draws_only_wall_clock_limits() {
        with_input(|input| {
            let svg =
                String::from_utf8(render(ChartKind::Completion, input, ChartFormat::Svg).unwrap())
                    .unwrap();
            assert!(svg.contains(
                "max_run = 10h limits running time (TrainingTimeInSeconds), not wall time: not \
                 drawn here"
            ));
            assert!(svg.contains("max_wait = 14h of wall time"));
            assert!(!svg.contains("of running time"));
            assert!(ChartKind::Completion.caption(false).contains("not drawn"));
        });
    }

    /// Issue 15, item 7: the breakdown's bars are running time, named so, with the billable
    /// time and the cost beside them; spot's billable time is its running time less the discount.
    #[test]
    fn the_breakdown_chart_shows_running_and_billable_time() {
        with_input(|input| {
            let svg =
                String::from_utf8(render(ChartKind::Breakdown, input, ChartFormat::Svg).unwrap())
                    .unwrap();
            assert!(svg.contains("where the instance running time goes"));
            assert!(svg.contains("billable time (BillableTimeInSeconds)"));
            assert!(!svg.contains("billed time ("));
            let spot = input.estimate.spot.as_ref().unwrap();
            let resolution = spot.metrics.billable_s.std_err.unwrap();
            let billable = format!(
                "{} billable, mean cost {}",
                format_duration_within(spot.metrics.billable_s.mean, resolution),
                format_usd(spot.metrics.cost_usd.mean)
            );
            assert!(svg.contains(&billable), "{billable}");
            // 70 % off: billable is 30 % of the running time.
            let ratio = spot.metrics.billable_s.mean / spot.metrics.training_s.mean;
            assert!((ratio - 0.3).abs() < 1e-9, "{ratio}");
        });
    }

    /// Issue 15, item 12: money on chart axes groups its thousands as the tables do.
    #[test]
    fn money_on_axes_reads_as_in_tables() {
        assert_eq!(usd_axis(1000.0, 0), "$1,000");
        assert_eq!(usd_axis(1028.314, 2), format_usd(1028.314));
        assert_eq!(usd_axis(-2500.0, 0), "-$2,500");
        assert_eq!(usd_axis(0.0, 2), "$0.00");
    }

    #[test]
    fn histogram_counts_every_value_once() {
        let mut values = QuantileStore::new();
        for v in [0.0, 0.5, 1.0, 2.0, 10.0, -1.0] {
            values.push(v);
        }
        let h = Histogram::new(&values, 0.0, 2.0, 4);
        assert_eq!(h.counts, vec![1, 1, 1, 1]);
        assert_eq!((h.below, h.above, h.total), (1, 1, 6));
        let shares: f64 = h.bars().map(|b| b.2).sum();
        assert!((shares - 4.0 / 6.0 * 100.0).abs() < 1e-12);
    }

    #[test]
    fn completion_curve_ends_at_the_completed_share() {
        with_input(|input| {
            let spot = input.stats.spot().unwrap();
            let curve = completion_curve(&spot.completed_wall_s, input.stats.runs(), 3600.0);
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
