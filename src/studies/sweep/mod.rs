//! `spotsim sweep`: one scenario at every point of a grid of one or two keys, with common random
//! numbers, and the point that is best for a chosen metric.
//!
//! Invariants:
//! - **Common random numbers.** Every point runs run indices `0..runs` under the same seed, and
//!   run `i` draws only from generators seeded from `(seed, i)` ([`crate::montecarlo`]), so run
//!   `i` meets the same job and market at every point. Differences between points are then
//!   estimated from per-run differences (paired), which are far less noisy than the points'
//!   own means.
//! - **One statistics path.** The points are the variants of a study
//!   ([`crate::montecarlo::study`]): each point's summaries are, to the bit, those `spotsim run`
//!   prints for the point's scenario, and the output is byte-identical for any thread count.
//! - **Exact up to 131,072 runs, streamed beyond.** The best point is known only at the end, so
//!   a point's difference to it needs its pairing with every other point. Up to
//!   [`crate::stats::sketch::EXACT_LIMIT`] runs the chosen metric's per-run values are kept (8
//!   bytes per run and point) and the differences computed from them; beyond, each block pairs
//!   every two points (the moments of their per-run differences, [`crate::stats::paired`]), so
//!   memory does not grow with the runs but holds a record per pair of points: P(P − 1)/2 pairs
//!   of about 200 bytes (40 points: 160 KB; 1,000 points: 100 MB), and each run index costs
//!   P(P − 1)/2 differences, a few per cent of simulating its P runs up to about a hundred
//!   points. A percentile metric needs no pairs: its interval comes from [`SECTIONS`] quantile
//!   stores per point, by run index.

pub mod grid;

pub use grid::{
    Axis, GridPoint, SweepErrors, ValueKind, build_grid, describe_point, grid, parse_axes,
};

use std::ops::Range;
use std::sync::atomic::AtomicU64;

use serde::Serialize;

use crate::engine::{Outcome, RunRecord};
use crate::montecarlo::Estimate;
use crate::montecarlo::cancel::Cancel;
use crate::montecarlo::study::{self, Cancelled, Collect, StudyPart, StudyTotal, run_study};
use crate::scenario::Scenario;
use crate::stats::accumulate::ScenarioStats;
use crate::stats::held::{HeldBlock, HeldTime};
use crate::stats::moments::Moments;
use crate::stats::paired::{PairedBlock, PairedDifference, PairedStore, Pairing};
use crate::stats::sketch::{EXACT_LIMIT, QuantileStore};
use crate::stats::summary::{Metric, MetricUnit, SideSummary, Z_95, wilson_interval};
use crate::studies::advice::IntervalAdvice;
use crate::units::format::format_share;

/// Batches for the intervals of a percentile (sectioning, see [`PointResult::metric`]).
pub const SECTIONS: usize = 20;
/// The two-sided 95 % quantile of Student's t with `SECTIONS − 1 = 19` degrees of freedom.
const T_95_19: f64 = 2.093_024_054_408_263;
/// Fewest runs per section for a percentile's interval: the 95th percentile of fewer than 20
/// values is mostly the maximum.
const MIN_RUNS_PER_SECTION: u64 = 20;

/// What a sweep minimises (or maximises): a statistic of one of the run metrics
/// ([`Metric`]) on the main side, or the share of jobs completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepMetric {
    /// The mean of a metric per job.
    Mean(Metric),
    /// The 95th percentile of a metric.
    P95(Metric),
    /// Share of jobs completed (maximised).
    Completed,
}

impl SweepMetric {
    /// The name used on the command line, in JSON and CSV: the metric's key (`cost_usd`), with
    /// `p95_` before it for the percentile, or `completed`.
    pub fn key(self) -> String {
        match self {
            SweepMetric::Mean(metric) => metric.key().to_string(),
            SweepMetric::P95(metric) => format!("p95_{}", metric.key()),
            SweepMetric::Completed => "completed".to_string(),
        }
    }

    /// A short description for tables and charts: `mean cost`, `p95 wall time`.
    pub fn label(self) -> String {
        match self {
            SweepMetric::Mean(metric) => format!("mean {}", metric.label()),
            SweepMetric::P95(metric) => format!("p95 {}", metric.label()),
            SweepMetric::Completed => "completed".to_string(),
        }
    }

    /// True when more is better.
    pub fn maximise(self) -> bool {
        self == SweepMetric::Completed
    }

    /// How the metric's values read.
    pub fn unit(self) -> MetricUnit {
        match self {
            SweepMetric::Mean(metric) | SweepMetric::P95(metric) => metric.unit(),
            SweepMetric::Completed => MetricUnit::Share,
        }
    }

    /// Whether the metric is a percentile.
    pub fn is_percentile(self) -> bool {
        matches!(self, SweepMetric::P95(_))
    }

    /// The per-run value whose mean (or 95th percentile) the metric is.
    #[inline]
    fn of(self, record: &RunRecord) -> f64 {
        match self {
            SweepMetric::Mean(metric) | SweepMetric::P95(metric) => metric.of(record),
            SweepMetric::Completed => f64::from(u8::from(record.outcome == Outcome::Completed)),
        }
    }
}

/// A metric at one point: its estimate and 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MetricEstimate {
    /// The estimate: a mean, a share or a percentile over the point's runs.
    pub value: f64,
    /// 95 % interval; `None` with too few runs.
    pub ci95: Option<(f64, f64)>,
}

/// Everything reported for one grid point.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// The swept values, one per axis (seconds for durations).
    pub values: Vec<f64>,
    /// Spot, `None` for an on-demand scenario.
    pub spot: Option<SideSummary>,
    /// The on-demand baseline.
    pub on_demand: SideSummary,
    /// `(1 − mean spot cost / mean on-demand cost) × 100`, with spot.
    pub savings_vs_on_demand_pct: Option<f64>,
    /// The same per completed job.
    pub savings_per_completed_job_pct: Option<f64>,
    /// The paired 95 % interval of `savings_vs_on_demand_pct`
    /// ([`ScenarioStats::paired_saving_interval_pct`]), so that the saving is printed to the
    /// places its interval needs.
    pub savings_vs_on_demand_ci95_pct: Option<(f64, f64)>,
    /// The sweep's metric on the main side (spot when enabled). Means get `mean ± z·s.e.`,
    /// shares Wilson's interval, percentiles an interval by sectioning: the runs cut into
    /// [`SECTIONS`] batches by run index, `estimate ± t₁₉ · sd(batch estimates) / √20`
    /// (Asmussen & Glynn 2007, "Stochastic Simulation", §III.5a).
    pub metric: MetricEstimate,
    /// This point minus the best point: `mean` is the difference of the two estimates
    /// (positive: this point is higher), its interval from per-run differences (per-section
    /// differences for a percentile); the unpaired figures and the correlation are left out.
    pub vs_best: PairedDifference,
    /// Young's and Daly's intervals for this point's scenario, where they apply.
    pub advice: Option<IntervalAdvice>,
}

/// A whole sweep's results.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepResult {
    /// The swept keys.
    pub axes: Vec<Axis>,
    /// The metric the best point is chosen by.
    pub metric: SweepMetric,
    /// The side the metric is measured on: `spot`, or `on_demand` without spot.
    pub side: &'static str,
    /// Runs per point.
    pub runs: u64,
    /// The seed every point shares.
    pub seed: u64,
    /// One per grid point, the first key outermost.
    pub points: Vec<PointResult>,
    /// Index of the best point (the first of equals), by [`SweepResult::target`]'s rule.
    pub best: usize,
    /// The completion target the best point is chosen under, `None` for the raw metric.
    pub target: Option<CompletionTarget>,
}

/// The rule the best point of a sweep (and the recommended interval) is chosen by: only points
/// whose share of completed jobs reaches `share` qualify, ranked by the metric, or by the mean
/// cost per completed job when the metric is the mean cost (a stopped job costs less but must
/// be run again: among points that complete different shares, the cheaper per run is not the
/// cheaper per result). When no point qualifies, the best is the one completing the most.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompletionTarget {
    /// The share of jobs a point must complete, strictly between 0 and 1.
    pub share: f64,
    /// Whether at least one point completes `share` of its jobs.
    pub met: bool,
}

/// The share of jobs a point completes on its main side.
pub fn completed_share(point: &PointResult) -> f64 {
    point
        .spot
        .as_ref()
        .unwrap_or(&point.on_demand)
        .outcomes
        .completed
}

/// Whether `point` reaches a completion target `share`.
pub fn meets_target(point: &PointResult, share: f64) -> bool {
    completed_share(point) >= share
}

impl SweepResult {
    /// The best point.
    pub fn best_point(&self) -> &PointResult {
        &self.points[self.best]
    }

    /// How the best point was chosen, in one sentence for the headline of a table or chart:
    /// `lowest mean cost per completed job among points completing at least 99 %`, or, when no
    /// point meets the target, that none does.
    pub fn best_rule(&self) -> String {
        let ranked_by = if self.metric == SweepMetric::Mean(Metric::CostUsd) {
            "mean cost per completed job".to_string()
        } else {
            self.metric.label()
        };
        let better = if self.metric.maximise() {
            "highest"
        } else {
            "lowest"
        };
        match self.target {
            None => format!("{better} {}", self.metric.label()),
            Some(target) if target.met => format!(
                "{better} {ranked_by} among points completing at least {} of jobs",
                format_share(target.share, 1)
            ),
            Some(target) => format!(
                "no point completes {} of jobs: shown is the point completing the most ({}); \
                 raise the limits",
                format_share(target.share, 1),
                format_share(completed_share(self.best_point()), 2)
            ),
        }
    }

    /// Notes for people: when the best point by the raw metric completes noticeably fewer jobs
    /// than another point (stopped jobs are cheap), say so.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.target.is_some() {
            // The best point was chosen among the points that complete enough jobs.
            return notes;
        }
        let completed =
            |p: &PointResult| p.spot.as_ref().unwrap_or(&p.on_demand).outcomes.completed;
        let best = self.best_point();
        let (most_index, most) = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| (i, completed(p)))
            .fold((0, f64::MIN), |acc, x| if x.1 > acc.1 { x } else { acc });
        if self.metric != SweepMetric::Completed && completed(best) + 0.01 < most {
            notes.push(format!(
                "the best point by {} completes {} of jobs, but {} completes {}: \
                 stopped jobs cost less and end sooner; give --target-completion to choose \
                 among the points that complete enough",
                self.metric.key(),
                format_share(completed(best), 1),
                describe_point(&self.axes, &self.points[most_index].values),
                format_share(most, 1)
            ));
        }
        notes
    }
}

/// How many runs a sweep simulates in all (both sides where they differ), for progress.
pub fn total_runs(points: &[GridPoint], runs: u64) -> u64 {
    let scenarios: Vec<&Scenario> = points.iter().map(|p| &p.scenario).collect();
    study::total_runs(&scenarios, runs)
}

/// Section `b`'s run indices of `runs` runs: `b·runs/SECTIONS .. (b + 1)·runs/SECTIONS`.
fn section_runs(b: usize, runs: u64) -> Range<u64> {
    let bound = |b: usize| (b as u128 * u128::from(runs) / SECTIONS as u128) as u64;
    bound(b)..bound(b + 1)
}

/// What a sweep keeps of each run: the chosen metric's values (paired across points), or its
/// values by section for a percentile; and the capacity held, where the advice needs it.
struct SweepCollect {
    metric: SweepMetric,
    runs: u64,
    /// Per point, whether the metric is read on the spot side.
    main_is_spot: Vec<bool>,
    /// Mean and share metrics: one column per point, every two points paired when streamed.
    pairing: Option<Pairing>,
    /// Per point, whether its advice needs the simulated mean time between interruptions.
    held: Vec<bool>,
}

/// One block's share of a [`SweepCollect`].
struct SweepBlock {
    /// The points of the block.
    group: Range<usize>,
    pairs: Option<PairedBlock>,
    /// Per point of the group, the stores of the sections the block's runs fall in, in order,
    /// each with its section's index and end (run index).
    sections: Vec<Vec<(usize, u64, QuantileStore)>>,
    /// Per point of the group, the capacity held.
    held: Vec<HeldBlock>,
}

impl SweepCollect {
    /// The collector of a sweep of `points` at `runs` runs; `shard`: a shard's, whose streamed
    /// pairs are kept per block ([`crate::stats::paired::Pairing::keeping_blocks`]).
    fn new(metric: SweepMetric, points: &[&Scenario], runs: u64, shard: bool) -> SweepCollect {
        let count = points.len();
        let pairing = (!metric.is_percentile()).then(|| {
            // Exactly, the differences come from the kept columns; streamed, from every pair.
            let pairs = if study::pairs_exactly(runs) {
                Vec::new()
            } else {
                (0..count)
                    .flat_map(|a| (a + 1..count).map(move |b| (a, b)))
                    .collect()
            };
            let pairing = Pairing::new(count, pairs, runs);
            if shard {
                pairing.keeping_blocks()
            } else {
                pairing
            }
        });
        SweepCollect {
            metric,
            runs,
            main_is_spot: points.iter().map(|s| s.is_spot()).collect(),
            pairing,
            held: points
                .iter()
                .map(|s| IntervalAdvice::needs_runs(s))
                .collect(),
        }
    }

    /// Whether percentile sections are kept: enough runs for them to mean anything.
    fn has_sections(&self) -> bool {
        self.metric.is_percentile() && self.runs >= SECTIONS as u64 * MIN_RUNS_PER_SECTION
    }

    fn total(&self) -> StudyTotal {
        let sections = if self.has_sections() {
            let point = || {
                (0..SECTIONS)
                    .map(|b| {
                        let range = section_runs(b, self.runs);
                        let mut store = QuantileStore::new();
                        // A section known to outgrow the exact limit is a sketch from the start.
                        if range.end - range.start > EXACT_LIMIT as u64 {
                            store.sketch_from_start();
                        }
                        store
                    })
                    .collect()
            };
            (0..self.main_is_spot.len()).map(|_| point()).collect()
        } else {
            vec![Vec::new(); self.main_is_spot.len()]
        };
        StudyTotal {
            pairs: self.pairing.as_ref().map(Pairing::store),
            sections,
            held: vec![HeldTime::default(); self.held.len()],
        }
    }
}

impl Collect for SweepCollect {
    type Block = SweepBlock;
    type Total = StudyTotal;

    fn start_block(&self, total: &StudyTotal, group: Range<usize>, runs: Range<u64>) -> SweepBlock {
        let size = (runs.end - runs.start) as usize;
        let sections = group
            .clone()
            .map(|point| {
                if !self.has_sections() {
                    return Vec::new();
                }
                (0..SECTIONS)
                    .filter_map(|b| {
                        let section = section_runs(b, self.runs);
                        let overlap = section
                            .end
                            .min(runs.end)
                            .saturating_sub(section.start.max(runs.start));
                        (overlap > 0).then(|| {
                            let part = total.sections[point][b].empty_part(overlap as usize);
                            (b, section.end, part)
                        })
                    })
                    .collect()
            })
            .collect();
        SweepBlock {
            pairs: self
                .pairing
                .as_ref()
                .map(|pairing| pairing.start_block(group.clone(), size)),
            sections,
            held: group
                .clone()
                .map(|point| HeldBlock::new(self.held[point], size))
                .collect(),
            group,
        }
    }

    #[inline]
    fn push(
        &self,
        block: &mut SweepBlock,
        point: usize,
        run: u64,
        spot: Option<&RunRecord>,
        on_demand: &RunRecord,
    ) {
        let main = if self.main_is_spot[point] {
            spot.unwrap_or(on_demand)
        } else {
            on_demand
        };
        let value = self.metric.of(main);
        if let Some(pairs) = &mut block.pairs {
            pairs.push(point, value);
        }
        let at = point - block.group.start;
        let sections = &mut block.sections[at];
        if !sections.is_empty() {
            // The block's sections are in run order: the first that ends after `run` holds it.
            let at = sections
                .iter()
                .position(|(_, end, _)| run < *end)
                .unwrap_or(sections.len() - 1);
            sections[at].2.push(value);
        }
        if let Some(spot) = spot {
            block.held[at].push(spot);
        }
    }

    fn finish_block(&self, block: &mut SweepBlock) {
        if let (Some(pairing), Some(pairs)) = (&self.pairing, &mut block.pairs) {
            pairing.finish_block(pairs);
        }
    }

    fn append(&self, total: &mut StudyTotal, block: SweepBlock) {
        if let (Some(pairing), Some(store), Some(pairs)) =
            (&self.pairing, &mut total.pairs, block.pairs)
        {
            pairing.append(store, pairs);
        }
        for (point, (sections, held)) in block.group.zip(block.sections.into_iter().zip(block.held))
        {
            for (b, _, part) in sections {
                total.sections[point][b].merge(&part);
            }
            total.held[point].append(held);
        }
    }
}

/// Runs every point with `runs` runs under `seed` on the current rayon pool, counting finished
/// runs into `done`; never cancelled (see [`run_sweep_cancellable`]). The best point is chosen
/// among the points completing `target` of their jobs ([`CompletionTarget`]), or by the raw
/// metric when `target` is `None`.
pub fn run_sweep(
    axes: &[Axis],
    points: &[GridPoint],
    metric: SweepMetric,
    target: Option<f64>,
    runs: u64,
    seed: u64,
    done: &AtomicU64,
) -> SweepResult {
    match run_sweep_cancellable(
        axes,
        points,
        metric,
        target,
        runs,
        seed,
        done,
        &Cancel::new(),
    ) {
        Ok(result) => result,
        Err(Cancelled) => unreachable!("nothing requests this token"),
    }
}

/// As [`run_sweep`], stopping early when `cancel` is requested.
///
/// # Errors
/// [`Cancelled`] after a stop request.
#[allow(clippy::too_many_arguments)]
pub fn run_sweep_cancellable(
    axes: &[Axis],
    points: &[GridPoint],
    metric: SweepMetric,
    target: Option<f64>,
    runs: u64,
    seed: u64,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<SweepResult, Cancelled> {
    let scenarios: Vec<&Scenario> = points.iter().map(|p| &p.scenario).collect();
    let collect = SweepCollect::new(metric, &scenarios, runs, false);
    // Per point, what the result reads of its statistics, taken as soon as they are in.
    let mut finished: Vec<Option<Finished>> = vec![None; points.len()];
    let total = run_study(
        &scenarios,
        runs,
        seed,
        study::all_blocks(runs),
        &collect,
        collect.total(),
        done,
        cancel,
        |point, stats| finished[point] = Some(collect.finished(point, &stats)),
    )?;
    let finished = finished
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(Cancelled)?;
    Ok(assemble(
        axes, points, &collect, target, runs, seed, finished, &total,
    ))
}

/// Simulates the blocks `blocks` of every point of a sweep (`spotsim sweep --shard`), keeping
/// each point's statistics and the sweep's total for [`finish_sweep`] once every shard's part
/// is appended ([`StudyPart::append`]).
///
/// # Errors
/// [`Cancelled`] after a stop request.
#[allow(clippy::too_many_arguments)]
pub fn sweep_shard(
    points: &[GridPoint],
    metric: SweepMetric,
    runs: u64,
    seed: u64,
    blocks: Range<u64>,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<StudyPart, Cancelled> {
    let scenarios: Vec<&Scenario> = points.iter().map(|p| &p.scenario).collect();
    let collect = SweepCollect::new(metric, &scenarios, runs, true);
    let mut variants: Vec<Option<ScenarioStats>> = vec![None; points.len()];
    let total = run_study(
        &scenarios,
        runs,
        seed,
        blocks,
        &collect,
        collect.total(),
        done,
        cancel,
        |point, stats| variants[point] = Some(stats),
    )?;
    let variants = variants
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(Cancelled)?;
    Ok(StudyPart { variants, total })
}

/// The sweep of the whole `part` (every shard's, appended in block order): the very result
/// [`run_sweep`] gives for the same points, runs and seed.
///
/// # Errors
/// A part of another number of points than `points`.
#[allow(clippy::too_many_arguments)]
pub fn finish_sweep(
    axes: &[Axis],
    points: &[GridPoint],
    metric: SweepMetric,
    target: Option<f64>,
    runs: u64,
    seed: u64,
    part: StudyPart,
) -> Result<SweepResult, String> {
    let scenarios: Vec<&Scenario> = points.iter().map(|p| &p.scenario).collect();
    let collect = SweepCollect::new(metric, &scenarios, runs, false);
    let StudyPart {
        variants,
        mut total,
    } = part;
    if variants.len() != points.len() || variants.iter().any(|v| v.runs() != runs) {
        return Err(format!(
            "the parts hold {} points of {:?} runs, the sweep has {} points of {runs} runs",
            variants.len(),
            variants.iter().map(ScenarioStats::runs).collect::<Vec<_>>(),
            points.len()
        ));
    }
    let pairs = collect.pairing.as_ref().map_or(0, |p| p.pairs().len());
    total.pairs = total.pairs.map(|store| store.folded(pairs));
    let finished = variants
        .iter()
        .enumerate()
        .map(|(point, stats)| collect.finished(point, stats))
        .collect();
    Ok(assemble(
        axes, points, &collect, target, runs, seed, finished, &total,
    ))
}

/// What a sweep reads of a point's statistics: its summaries, the moments of the metric's
/// column on the main side (a mean), its main side's completed runs, and the real saving's
/// paired interval.
type Finished = (Estimate, Option<Moments>, u64, Option<(f64, f64)>);

impl SweepCollect {
    /// [`Finished`] of point `point` from its statistics.
    fn finished(&self, point: usize, stats: &ScenarioStats) -> Finished {
        let moments = stats.moments();
        let main = moments.as_ref().map(|m| {
            if self.main_is_spot[point] {
                m.spot.unwrap_or(m.on_demand)
            } else {
                m.on_demand
            }
        });
        let metric_moments = match self.metric {
            SweepMetric::Mean(m) => main.map(|side| *side.metric(m)),
            _ => None,
        };
        let completed = main.map_or(0, |side| side.completed());
        (
            Estimate::of(stats),
            metric_moments,
            completed,
            stats.paired_saving_interval_pct(),
        )
    }
}

/// The sweep's result from each point's [`Finished`] and the sweep's total.
#[allow(clippy::too_many_arguments)]
fn assemble(
    axes: &[Axis],
    points: &[GridPoint],
    collect: &SweepCollect,
    target: Option<f64>,
    runs: u64,
    seed: u64,
    finished: Vec<Finished>,
    total: &StudyTotal,
) -> SweepResult {
    let metric = collect.metric;
    let mut partial = Vec::with_capacity(points.len());
    for (index, (point, (estimate, metric_moments, completed, saving_ci95))) in
        points.iter().zip(finished).enumerate()
    {
        let main = estimate.spot.as_ref().unwrap_or(&estimate.on_demand);
        let estimate_value = measure(
            metric,
            main,
            index,
            total,
            metric_moments.as_ref(),
            completed,
            runs,
        );
        partial.push(PointResult {
            values: point.values.clone(),
            advice: IntervalAdvice::observed_held(
                &point.scenario,
                collect.held[index].then_some(&total.held[index]),
            ),
            spot: estimate.spot,
            on_demand: estimate.on_demand,
            savings_vs_on_demand_pct: estimate.savings_vs_on_demand_pct,
            savings_per_completed_job_pct: estimate.savings_per_completed_job_pct,
            savings_vs_on_demand_ci95_pct: saving_ci95,
            metric: estimate_value,
            vs_best: PairedDifference::single(0.0),
        });
    }
    // Maximising completion needs no target: it is the target's own measure.
    let target = target
        .filter(|_| metric != SweepMetric::Completed)
        .map(|share| CompletionTarget {
            share,
            met: partial.iter().any(|p| meets_target(p, share)),
        });
    let best = best_index(&partial, metric, target);
    let vs_best: Vec<PairedDifference> = (0..partial.len())
        .map(|p| {
            let diff = partial[p].metric.value - partial[best].metric.value;
            let half = half_width_vs(metric, total, p, best, partial.len());
            PairedDifference {
                ci95: half.map(|h| (diff - h, diff + h)),
                std_err: None,
                ..PairedDifference::single(diff)
            }
        })
        .collect();
    for (point, diff) in partial.iter_mut().zip(vs_best) {
        point.vs_best = diff;
    }
    SweepResult {
        axes: axes.to_vec(),
        metric,
        side: if points.first().is_some_and(|p| p.scenario.is_spot()) {
            "spot"
        } else {
            "on_demand"
        },
        runs,
        seed,
        points: partial,
        best,
        target,
    }
}

/// The best point by `target`'s rule ([`CompletionTarget`]), the first of equals: without a
/// target, the lowest value (highest for a metric to maximise).
fn best_index(
    points: &[PointResult],
    metric: SweepMetric,
    target: Option<CompletionTarget>,
) -> usize {
    // What is ranked: lower is better.
    let rank = |p: &PointResult| -> f64 {
        let value = match (target, metric) {
            (Some(_), SweepMetric::Mean(Metric::CostUsd)) => p
                .spot
                .as_ref()
                .unwrap_or(&p.on_demand)
                .cost_per_completed_job_usd
                .unwrap_or(f64::INFINITY),
            _ => p.metric.value,
        };
        if metric.maximise() { -value } else { value }
    };
    let qualifies = |p: &PointResult| match target {
        Some(t) if t.met => meets_target(p, t.share),
        _ => true,
    };
    let mut best: Option<usize> = None;
    for (i, p) in points.iter().enumerate() {
        if !qualifies(p) {
            continue;
        }
        let better = match best {
            None => true,
            Some(b) => {
                let q = &points[b];
                match target {
                    // None qualifies: the most completing point, then the metric.
                    Some(t) if !t.met => {
                        completed_share(p) > completed_share(q)
                            || (completed_share(p) == completed_share(q) && rank(p) < rank(q))
                    }
                    _ => rank(p) < rank(q),
                }
            }
        };
        if better {
            best = Some(i);
        }
    }
    best.unwrap_or(0)
}

/// The metric at point `index`, whose main side's summary is `main`: from its kept values
/// (exact), else from the moments of its column (`moments`, a mean) or its `completed` count
/// of `runs`; a percentile from the summary and its sections.
fn measure(
    metric: SweepMetric,
    main: &SideSummary,
    index: usize,
    total: &StudyTotal,
    moments: Option<&Moments>,
    completed: u64,
    runs: u64,
) -> MetricEstimate {
    if let SweepMetric::P95(m) = metric {
        // The summary's 95th percentile: the selection of the kept values while exact.
        let value = main.metrics.get(m).p95;
        let sections = section_percentiles(&total.sections[index]);
        let ci95 = section_half_width(&sections).map(|h| (value - h, value + h));
        return MetricEstimate { value, ci95 };
    }
    let (mean, std_err) = match &total.pairs {
        Some(PairedStore::Exact(columns)) => mean_and_std_err(&columns[index]),
        _ => match moments {
            Some(moments) => (moments.mean(), moments.std_err()),
            None => (completed as f64 / runs as f64, None),
        },
    };
    let ci95 = if metric == SweepMetric::Completed {
        Some(wilson_interval(completed, runs, Z_95))
    } else {
        std_err.map(|se| (mean - Z_95 * se, mean + Z_95 * se))
    };
    MetricEstimate { value: mean, ci95 }
}

/// The 95th percentile of each section; empty without sections (too few runs).
fn section_percentiles(sections: &[QuantileStore]) -> Vec<f64> {
    sections
        .iter()
        .map(|store| store.quantiles([0.95])[0])
        .collect()
}

/// `t₁₉ · sd / √SECTIONS` of section estimates; `None` without sections.
fn section_half_width(sections: &[f64]) -> Option<f64> {
    if sections.len() < 2 {
        return None;
    }
    let (_, std_err) = mean_and_std_err(sections);
    std_err.map(|se| T_95_19 * se)
}

/// Mean and standard error of the mean (`None` below two values), summed in order.
fn mean_and_std_err(values: &[f64]) -> (f64, Option<f64>) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std_err = (values.len() > 1).then(|| {
        let sum_sq: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        (sum_sq / (n - 1.0) / n).sqrt()
    });
    (mean, std_err)
}

/// The half-width of the 95 % interval of point `p` minus point `best`, from paired runs (or
/// paired sections for a percentile), among `count` points.
fn half_width_vs(
    metric: SweepMetric,
    total: &StudyTotal,
    p: usize,
    best: usize,
    count: usize,
) -> Option<f64> {
    if metric.is_percentile() {
        let a = section_percentiles(&total.sections[p]);
        let b = section_percentiles(&total.sections[best]);
        let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        return section_half_width(&d);
    }
    match total.pairs.as_ref()? {
        PairedStore::Exact(columns) => paired_half_width(&columns[p], &columns[best]),
        // Folded before it is read.
        PairedStore::Blocks(_) => None,
        PairedStore::Streamed(pairs) => {
            if p == best {
                // A point against itself: every difference is zero (and streamed means more
                // than one run).
                return Some(0.0);
            }
            // Pairs are `(a, b)` with `a < b`, listed by `a` then `b`.
            let (a, b) = (p.min(best), p.max(best));
            let k = a * (2 * count - a - 1) / 2 + (b - a - 1);
            pairs[k].d.std_err().map(|se| Z_95 * se)
        }
    }
}

/// The half-width of the 95 % interval of a difference of two means estimated from
/// *independent* runs, `z·√(se_a² + se_b²)`: what a sweep without common random numbers would
/// get, for comparison with the paired interval.
pub fn independent_half_width(a: &[f64], b: &[f64]) -> Option<f64> {
    let (_, se_a) = mean_and_std_err(a);
    let (_, se_b) = mean_and_std_err(b);
    Some(Z_95 * (se_a? * se_a? + se_b? * se_b?).sqrt())
}

/// The half-width of the 95 % interval of the mean of per-run differences `a − b`.
pub fn paired_half_width(a: &[f64], b: &[f64]) -> Option<f64> {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    mean_and_std_err(&d).1.map(|se| Z_95 * se)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::JobModel;
    use crate::montecarlo::run_many;

    const REFERENCE: &str = include_str!("../../../scenarios/reference.toml");

    fn sweep(flags: &[&str], metric: SweepMetric, runs: u64) -> SweepResult {
        let flags: Vec<String> = flags.iter().map(std::string::ToString::to_string).collect();
        let (axes, points) = build_grid(REFERENCE, "reference.toml", &flags).unwrap();
        run_sweep(&axes, &points, metric, None, runs, 1, &AtomicU64::new(0))
    }

    fn sweep_to(flags: &[&str], target: f64, runs: u64) -> SweepResult {
        let flags: Vec<String> = flags.iter().map(std::string::ToString::to_string).collect();
        let (axes, points) = build_grid(REFERENCE, "reference.toml", &flags).unwrap();
        let metric = SweepMetric::Mean(Metric::CostUsd);
        run_sweep(
            &axes,
            &points,
            metric,
            Some(target),
            runs,
            1,
            &AtomicU64::new(0),
        )
    }

    /// The trap: a `max_run` so short that most jobs stop is the cheapest per run. Under
    /// a completion target the best point completes enough jobs, and is the cheapest per
    /// completed job among those that do.
    #[test]
    fn the_best_point_under_a_target_completes_enough_jobs() {
        let flags = ["stopping.max_run=3h,5h,12h"];
        let raw = sweep(&flags, SweepMetric::Mean(Metric::CostUsd), 1000);
        assert!(completed_share(raw.best_point()) < 0.5, "{:?}", raw.best);
        let result = sweep_to(&flags, 0.99, 1000);
        let target = result.target.unwrap();
        assert!(target.met);
        let best = result.best_point();
        assert!(meets_target(best, 0.99), "{}", completed_share(best));
        let per_completed =
            |p: &PointResult| p.spot.as_ref().unwrap().cost_per_completed_job_usd.unwrap();
        for p in result.points.iter().filter(|p| meets_target(p, 0.99)) {
            assert!(per_completed(p) >= per_completed(best));
        }
        assert!(
            result.best_rule().contains("per completed job"),
            "{}",
            result.best_rule()
        );
        assert!(result.notes().is_empty());
    }

    #[test]
    fn when_no_point_meets_the_target_the_best_completes_the_most_and_says_so() {
        let result = sweep_to(&["stopping.max_run=4h10m,4h30m"], 0.99, 500);
        assert!(!result.target.unwrap().met);
        assert_eq!(result.best, 1, "the longer max_run completes more");
        assert!(result.best_rule().starts_with("no point completes 99.0 %"));
    }

    #[test]
    fn the_best_point_is_the_extreme_and_its_difference_is_zero() {
        let result = sweep(
            &["checkpoint.interval=5m,30m,2h"],
            SweepMetric::Mean(Metric::WallS),
            2000,
        );
        assert_eq!(result.points.len(), 3);
        let best = result.best_point();
        assert!(
            result
                .points
                .iter()
                .all(|p| p.metric.value >= best.metric.value)
        );
        assert_eq!(best.vs_best.mean, 0.0);
        assert_eq!(best.vs_best.ci95, Some((0.0, 0.0)));
        assert_eq!(result.side, "spot");
        // Two-hour intervals lose far more work than 30 minutes: clearly worse.
        let worst = &result.points[2];
        assert!(worst.vs_best.ci95.unwrap().0 > 0.0, "{:?}", worst.vs_best);
    }

    #[test]
    fn a_completion_sweep_maximises_and_percentiles_get_section_intervals() {
        let result = sweep(&["stopping.max_wait=14d,28d"], SweepMetric::Completed, 1000);
        assert_eq!(result.points[result.best].metric.value, 1.0);
        let result = sweep(
            &["checkpoint.interval=10m,1h"],
            SweepMetric::P95(Metric::WallS),
            2000,
        );
        let p = &result.points[1];
        let (lo, hi) = p.metric.ci95.unwrap();
        assert!(lo < p.metric.value && p.metric.value < hi);
        assert!(p.vs_best.ci95.is_some());
        // Too few runs for 20 sections of 20: no interval rather than a wrong one.
        let result = sweep(
            &["checkpoint.interval=10m,1h"],
            SweepMetric::P95(Metric::WallS),
            300,
        );
        assert_eq!(result.points[0].metric.ci95, None);
    }

    #[test]
    fn points_that_share_an_on_demand_job_share_its_runs() {
        // The discount changes spot only: the on-demand baseline is the same at every point.
        let result = sweep(
            &["spot.discount=0.5,0.7"],
            SweepMetric::Mean(Metric::CostUsd),
            500,
        );
        assert_eq!(result.points[0].on_demand, result.points[1].on_demand);
        assert!(result.points[1].metric.value < result.points[0].metric.value);
        assert_eq!(result.best, 1);
    }

    /// Common random numbers: the paired interval of the difference between two close
    /// checkpoint intervals is far narrower than that of two independent means.
    #[test]
    fn common_random_numbers_shrink_the_paired_interval() {
        let flags = ["checkpoint.interval=8m,12m".to_string()];
        let (_, points) = build_grid(REFERENCE, "reference.toml", &flags).unwrap();
        let runs = 4000;
        let wall = |point: &GridPoint, seed: u64| -> Vec<f64> {
            let model = JobModel::spot(&point.scenario).unwrap();
            run_many(&model, seed, runs)
                .iter()
                .map(|r| r.wall_s)
                .collect()
        };
        let a = wall(&points[0], 1);
        let b_same = wall(&points[1], 1);
        let b_other = wall(&points[1], 2);
        let paired = paired_half_width(&b_same, &a).unwrap();
        let independent = independent_half_width(&b_other, &a).unwrap();
        println!("paired ±{paired:.1} s, independent ±{independent:.1} s");
        // Measured at these seeds: about 0.3 (see docs/performance.md); 0.5 leaves room.
        assert!(
            paired < 0.5 * independent,
            "paired ±{paired:.1} s vs independent ±{independent:.1} s"
        );
    }

    /// Just beyond the exact limit the pairs are streamed: the differences to the best point
    /// agree with those of the kept runs within rounding.
    #[test]
    fn a_streamed_sweep_agrees_with_the_kept_runs() {
        let runs = 140_000;
        let flags = ["checkpoint.interval=10m,40m".to_string()];
        let (_, points) = build_grid(REFERENCE, "reference.toml", &flags).unwrap();
        let result = sweep(
            &["checkpoint.interval=10m,40m"],
            SweepMetric::Mean(Metric::WallS),
            runs,
        );
        let walls: Vec<Vec<f64>> = points
            .iter()
            .map(|point| {
                let model = JobModel::spot(&point.scenario).unwrap();
                run_many(&model, 1, runs).iter().map(|r| r.wall_s).collect()
            })
            .collect();
        let near = |got: f64, want: f64| (got - want).abs() <= 1e-9 * want.abs();
        for (p, point) in result.points.iter().enumerate() {
            let (mean, _) = mean_and_std_err(&walls[p]);
            assert!(
                near(point.metric.value, mean),
                "{} {mean}",
                point.metric.value
            );
            if p != result.best {
                let want = paired_half_width(&walls[p], &walls[result.best]).unwrap();
                let (lo, hi) = point.vs_best.ci95.unwrap();
                assert!(near((hi - lo) / 2.0, want), "{} {want}", (hi - lo) / 2.0);
            }
        }
    }
}
