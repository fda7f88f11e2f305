//! `spotsim compare`: several scenarios run under one seed and one run count, summarised side by
//! side, and each paired run by run with the first (the baseline).
//!
//! Run `i` of every scenario draws from generators seeded from `(seed, i)`
//! ([`crate::montecarlo::rng`]), so two scenarios share their random inputs run by run wherever
//! their draws line up (common random numbers, `docs/model.md`): the per-run differences then
//! vary far less than either scenario, and the paired intervals ([`crate::stats::paired`]) are
//! narrower than unpaired ones. When the draws do not line up the paired intervals are still
//! valid, only no narrower.
//!
//! The scenarios are the variants of a study ([`crate::montecarlo::study`]): each one's
//! summaries are, to the bit, those `spotsim run` prints for it. The paired figures are exact up
//! to [`crate::stats::sketch::EXACT_LIMIT`] runs (the compared columns' values are kept: 5 floats
//! per run and scenario) and streamed beyond (per-block moments of each pair, combined in block
//! order), so memory does not grow with the runs. Every figure is the same whatever the thread
//! count.

use std::ops::Range;
use std::sync::atomic::AtomicU64;

use serde::Serialize;

use crate::engine::{Outcome, RunRecord};
use crate::montecarlo::Estimate;
use crate::montecarlo::cancel::Cancel;
use crate::montecarlo::study::{Cancelled, Collect, StudyPart, StudyTotal, run_study};
use crate::scenario::Scenario;
use crate::stats::accumulate::ScenarioStats;
use crate::stats::paired::{
    PairedBlock, PairedDifference, PairedOrder, PairedStore, Pairing, mean_interval,
};
use crate::stats::summary::SideSummary;

/// Which runs of a scenario are paired with the other scenarios'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The spot runs, when the scenario enables spot.
    Spot,
    /// The on-demand runs, when it does not.
    OnDemand,
}

impl Side {
    /// `spot` or `on-demand`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Spot => "spot",
            Side::OnDemand => "on-demand",
        }
    }

    /// The side a scenario is compared by: spot when it enables spot, else on-demand (the same
    /// rule as `spotsim run --runs-csv`).
    pub fn of(scenario: &Scenario) -> Side {
        if scenario.is_spot() {
            Side::Spot
        } else {
            Side::OnDemand
        }
    }
}

fn completed(record: &RunRecord) -> f64 {
    if record.outcome == Outcome::Completed {
        1.0
    } else {
        0.0
    }
}

/// 95 % intervals of one side's expected costs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SideIntervals {
    /// Expected cost per run, `mean ± Z_95 · s.e.`; `None` with a single run.
    pub cost_usd: Option<(f64, f64)>,
    /// Cost per completed job (total cost / completed runs), delta method; `None` with a single
    /// run or when no run completed.
    pub cost_per_completed_job_usd: Option<(f64, f64)>,
}

impl SideIntervals {
    /// The intervals of a side whose summary is `summary` (its cost mean and standard error, so
    /// that the interval agrees with `spotsim run`'s figures to the bit), with the interval of
    /// its cost per completed job.
    fn of(summary: &SideSummary, cost_per_completed_job_usd: Option<(f64, f64)>) -> SideIntervals {
        let cost_summary = &summary.metrics.cost_usd;
        SideIntervals {
            cost_usd: mean_interval(cost_summary.mean, cost_summary.std_err),
            cost_per_completed_job_usd,
        }
    }
}

/// The 95 % intervals of a scenario's figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScenarioIntervals {
    /// Spot, `None` for an on-demand scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spot: Option<SideIntervals>,
    /// The on-demand baseline.
    pub on_demand: SideIntervals,
    /// The real saving, paired run by run with the scenario's own on-demand runs (delta method);
    /// `None` without spot or with a single run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savings_vs_on_demand_pct: Option<(f64, f64)>,
}

/// One scenario's results.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The display name, unique within the comparison.
    pub name: String,
    /// The file as given on the command line.
    pub file: String,
    /// The scenario as run (common runs and seed applied).
    pub scenario: Scenario,
    /// Which runs the differences use.
    pub side: Side,
    /// Its summaries, as `spotsim run` reports them.
    pub estimate: Estimate,
    /// 95 % intervals of its costs.
    pub intervals: ScenarioIntervals,
    /// A 95 % interval of the compared side's p95 wall time, seconds
    /// ([`crate::stats::summary::quantile_interval`]).
    pub wall_p95_ci_s: Option<(f64, f64)>,
}

/// A scenario against the baseline, run `i` against run `i`: every figure is `scenario −
/// baseline`.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The scenario's name.
    pub name: String,
    /// The baseline's name.
    pub vs: String,
    /// The scenario's compared side.
    pub side: Side,
    /// The baseline's compared side.
    pub vs_side: Side,
    /// Cost per run, USD.
    pub cost_usd: PairedDifference,
    /// Wall time per run, seconds.
    pub wall_s: PairedDifference,
    /// Completed share (a fraction; the mean difference of 0/1 outcomes).
    pub completed_share: PairedDifference,
    /// How often the scenario's run `i` costs strictly less than the baseline's run `i`, and how
    /// often exactly the same.
    pub cheaper: PairedOrder,
}

/// Everything `spotsim compare` reports.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Runs per scenario (every scenario the same).
    pub runs: u64,
    /// The seed every scenario ran under.
    pub seed: u64,
    /// The scenarios in command-line order; the first is the baseline.
    pub scenarios: Vec<ScenarioResult>,
    /// Every scenario after the first against the first, in order.
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// The baseline: the first scenario.
    pub fn baseline(&self) -> &ScenarioResult {
        &self.scenarios[0]
    }

    /// The scenario to choose under a completion target, by the sweep's rule
    /// ([`crate::studies::sweep::CompletionTarget`]): among the scenarios whose compared side
    /// completes at least `target` of its jobs, the lowest mean cost per completed job; when
    /// none does, the one completing the most.
    pub fn best(&self, target: f64) -> BestScenario {
        fn main(s: &ScenarioResult) -> &SideSummary {
            s.estimate.spot.as_ref().unwrap_or(&s.estimate.on_demand)
        }
        let completed = |s: &ScenarioResult| main(s).outcomes.completed;
        let per_completed =
            |s: &ScenarioResult| main(s).cost_per_completed_job_usd.unwrap_or(f64::INFINITY);
        let met = self.scenarios.iter().any(|s| completed(s) >= target);
        let mut best = 0;
        for (i, s) in self.scenarios.iter().enumerate() {
            let b = &self.scenarios[best];
            let better = if met {
                completed(s) >= target
                    && (completed(b) < target || per_completed(s) < per_completed(b))
            } else {
                completed(s) > completed(b)
                    || (completed(s) == completed(b) && per_completed(s) < per_completed(b))
            };
            if better {
                best = i;
            }
        }
        BestScenario {
            index: best,
            target_completion: target,
            met,
        }
    }
}

/// The scenario [`Comparison::best`] chooses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BestScenario {
    /// Its index in [`Comparison::scenarios`].
    pub index: usize,
    /// The share of jobs a scenario must complete to be chosen.
    pub target_completion: f64,
    /// Whether any scenario completes it.
    pub met: bool,
}

/// One scenario to compare: its display name, the file as given, and the scenario with the
/// common runs and seed applied.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Display name, unique within the comparison ([`unique_names`]).
    pub name: String,
    /// The file as given.
    pub file: String,
    /// The scenario.
    pub scenario: Scenario,
}

/// The per-run columns a comparison keeps of each scenario, in this order: the compared side's
/// cost (USD), wall time (s) and completion (1 or 0), then, with spot, the on-demand side's cost
/// and completion.
const COLUMNS: usize = 5;
const COST: usize = 0;
const WALL: usize = 1;
const DONE: usize = 2;
const ON_DEMAND_COST: usize = 3;
const ON_DEMAND_DONE: usize = 4;

/// The pairs a comparison asks for, in a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    /// Column `column` of scenario `scenario` against the baseline's (`scenario ≥ 1`).
    VsBaseline { scenario: usize, column: usize },
    /// A side's cost against its completion: the cost per completed job (`spot`: the compared
    /// side of a spot scenario; else the on-demand side).
    CostPerCompleted { scenario: usize, spot: bool },
}

/// What a comparison keeps of each run.
struct CompareCollect {
    spot: Vec<bool>,
    pairing: Pairing,
    asked: Vec<Asked>,
}

impl CompareCollect {
    /// The collector of a comparison of `scenarios` at `runs` runs; `shard`: a shard's, whose
    /// streamed pairs are kept per block.
    fn new(scenarios: &[&Scenario], runs: u64, shard: bool) -> CompareCollect {
        let column = |scenario: usize, k: usize| scenario * COLUMNS + k;
        let mut asked = Vec::new();
        for scenario in 1..scenarios.len() {
            for c in [COST, WALL, DONE] {
                asked.push(Asked::VsBaseline {
                    scenario,
                    column: c,
                });
            }
        }
        for (scenario, s) in scenarios.iter().enumerate() {
            if s.is_spot() {
                asked.push(Asked::CostPerCompleted {
                    scenario,
                    spot: true,
                });
            }
            asked.push(Asked::CostPerCompleted {
                scenario,
                spot: false,
            });
        }
        let spot: Vec<bool> = scenarios.iter().map(|s| s.is_spot()).collect();
        let pairs = asked
            .iter()
            .map(|asked| match *asked {
                Asked::VsBaseline {
                    scenario,
                    column: c,
                } => (column(0, c), column(scenario, c)),
                Asked::CostPerCompleted {
                    scenario,
                    spot: true,
                } => (column(scenario, COST), column(scenario, DONE)),
                // Without spot the compared side is the on-demand side.
                Asked::CostPerCompleted { scenario, .. } if !spot[scenario] => {
                    (column(scenario, COST), column(scenario, DONE))
                }
                Asked::CostPerCompleted { scenario, .. } => (
                    column(scenario, ON_DEMAND_COST),
                    column(scenario, ON_DEMAND_DONE),
                ),
            })
            .collect();
        let pairing = Pairing::new(scenarios.len() * COLUMNS, pairs, runs);
        CompareCollect {
            pairing: if shard {
                pairing.keeping_blocks()
            } else {
                pairing
            },
            spot,
            asked,
        }
    }

    /// The pair asked for as `asked`, in the store's form.
    fn get<'a>(&self, store: &'a PairedStore, asked: Asked) -> crate::stats::paired::Pair<'a> {
        let k = self.asked.iter().position(|a| *a == asked).unwrap_or(0);
        store.pair(k, self.pairing.pairs()[k])
    }
}

impl Collect for CompareCollect {
    type Block = PairedBlock;
    type Total = PairedStore;

    fn start_block(&self, _: &PairedStore, group: Range<usize>, runs: Range<u64>) -> PairedBlock {
        self.pairing.start_block(
            group.start * COLUMNS..group.end * COLUMNS,
            (runs.end - runs.start) as usize,
        )
    }

    #[inline]
    fn push(
        &self,
        block: &mut PairedBlock,
        scenario: usize,
        _: u64,
        spot: Option<&RunRecord>,
        on_demand: &RunRecord,
    ) {
        let first = scenario * COLUMNS;
        let main = if self.spot[scenario] {
            spot.unwrap_or(on_demand)
        } else {
            on_demand
        };
        block.push(first + COST, main.cost_usd);
        block.push(first + WALL, main.wall_s);
        block.push(first + DONE, completed(main));
        if self.spot[scenario] {
            block.push(first + ON_DEMAND_COST, on_demand.cost_usd);
            block.push(first + ON_DEMAND_DONE, completed(on_demand));
        }
    }

    fn finish_block(&self, block: &mut PairedBlock) {
        self.pairing.finish_block(block);
    }

    fn append(&self, total: &mut PairedStore, block: PairedBlock) {
        self.pairing.append(total, block);
    }
}

/// Runs every entry (their runs and seed must agree: [`common_settings`]) and pairs each with
/// the first, on the current rayon pool; never cancelled (see [`compare_cancellable`]).
///
/// # Panics
/// If `entries` is empty.
pub fn compare(entries: Vec<Entry>) -> Comparison {
    match compare_cancellable(entries, &AtomicU64::new(0), &Cancel::new()) {
        Ok(comparison) => comparison,
        Err(Cancelled) => unreachable!("nothing requests this token"),
    }
}

/// As [`compare`], counting finished runs into `done` and stopping early when `cancel` is
/// requested.
///
/// # Errors
/// [`Cancelled`] after a stop request.
///
/// # Panics
/// If `entries` is empty.
pub fn compare_cancellable(
    entries: Vec<Entry>,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<Comparison, Cancelled> {
    compare_with_cancellable(entries, &(), (), done, cancel).map(|(comparison, ())| comparison)
}

/// As [`compare_cancellable`], with `extra` seeing every run of every entry too (the same
/// runs, simulated once): what a study built on a comparison counts besides it, e.g. the runs
/// that met a deadline ([`crate::studies::deadline`]). Returns `extra`'s total beside.
///
/// # Errors
/// [`Cancelled`] after a stop request.
///
/// # Panics
/// If `entries` is empty.
pub fn compare_with_cancellable<C: Collect>(
    entries: Vec<Entry>,
    extra: &C,
    extra_total: C::Total,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<(Comparison, C::Total), Cancelled> {
    assert!(!entries.is_empty(), "a comparison needs a scenario");
    let runs = entries[0].scenario.simulation.runs;
    let seed = entries[0].scenario.simulation.seed;
    let scenarios: Vec<&Scenario> = entries.iter().map(|e| &e.scenario).collect();
    let collect = CompareCollect::new(&scenarios, runs, false);
    let mut finished: Vec<Option<Finished>> = vec![None; entries.len()];
    let (store, extra_total) = run_study(
        &scenarios,
        runs,
        seed,
        crate::montecarlo::study::all_blocks(runs),
        &(&collect, extra),
        (collect.pairing.store(), extra_total),
        done,
        cancel,
        |scenario, stats| finished[scenario] = Some(Finished::of(&stats)),
    )?;
    let finished = finished
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(Cancelled)?;
    Ok((assemble(entries, &collect, finished, &store), extra_total))
}

/// Simulates the blocks `blocks` of every entry (`spotsim compare --shard`), keeping each
/// scenario's statistics and the paired columns for [`finish_comparison`] once every shard's
/// part is appended.
///
/// # Errors
/// [`Cancelled`] after a stop request.
///
/// # Panics
/// If `entries` is empty.
pub fn compare_shard(
    entries: &[Entry],
    blocks: Range<u64>,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<StudyPart, Cancelled> {
    assert!(!entries.is_empty(), "a comparison needs a scenario");
    let runs = entries[0].scenario.simulation.runs;
    let seed = entries[0].scenario.simulation.seed;
    let scenarios: Vec<&Scenario> = entries.iter().map(|e| &e.scenario).collect();
    let collect = CompareCollect::new(&scenarios, runs, true);
    let mut variants: Vec<Option<ScenarioStats>> = vec![None; entries.len()];
    let store = run_study(
        &scenarios,
        runs,
        seed,
        blocks,
        &collect,
        collect.pairing.store(),
        done,
        cancel,
        |scenario, stats| variants[scenario] = Some(stats),
    )?;
    let variants = variants
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(Cancelled)?;
    Ok(StudyPart {
        variants,
        total: StudyTotal {
            pairs: Some(store),
            sections: Vec::new(),
            held: Vec::new(),
        },
    })
}

/// The comparison of the whole `part` (every shard's, appended in block order): the very
/// result [`compare`] gives for the same entries.
///
/// # Errors
/// A part of other scenarios or runs than `entries`.
///
/// # Panics
/// If `entries` is empty.
pub fn finish_comparison(entries: Vec<Entry>, part: StudyPart) -> Result<Comparison, String> {
    assert!(!entries.is_empty(), "a comparison needs a scenario");
    let runs = entries[0].scenario.simulation.runs;
    let scenarios: Vec<&Scenario> = entries.iter().map(|e| &e.scenario).collect();
    let collect = CompareCollect::new(&scenarios, runs, false);
    let StudyPart { variants, total } = part;
    let Some(store) = total
        .pairs
        .filter(|_| variants.len() == entries.len() && variants.iter().all(|v| v.runs() == runs))
    else {
        return Err(format!(
            "the parts hold {} scenarios of {:?} runs, the comparison has {} of {runs} runs",
            variants.len(),
            variants.iter().map(ScenarioStats::runs).collect::<Vec<_>>(),
            entries.len()
        ));
    };
    let store = store.folded(collect.pairing.pairs().len());
    let finished = variants.iter().map(Finished::of).collect();
    Ok(assemble(entries, &collect, finished, &store))
}

/// What a comparison reads of a scenario's statistics: its summaries, the interval of its real
/// saving and of its p95 wall time.
#[derive(Clone)]
struct Finished {
    estimate: Estimate,
    savings: Option<(f64, f64)>,
    /// The 95 % interval of the p95 wall time (order statistics).
    wall_p95_ci_s: Option<(f64, f64)>,
}

impl Finished {
    fn of(stats: &ScenarioStats) -> Finished {
        let side = stats.spot().unwrap_or(stats.on_demand());
        let wall = side.metric(crate::stats::summary::Metric::WallS);
        Finished {
            estimate: Estimate::of(stats),
            savings: stats.paired_saving_interval_pct(),
            wall_p95_ci_s: crate::stats::summary::quantile_interval(
                wall,
                0.95,
                crate::stats::summary::Z_95,
            ),
        }
    }
}

/// The comparison from each scenario's [`Finished`] and the paired columns.
fn assemble(
    entries: Vec<Entry>,
    collect: &CompareCollect,
    finished: Vec<Finished>,
    store: &PairedStore,
) -> Comparison {
    let runs = entries[0].scenario.simulation.runs;
    let seed = entries[0].scenario.simulation.seed;
    let mut results = Vec::with_capacity(entries.len());
    for (index, (entry, finished)) in entries.into_iter().zip(finished).enumerate() {
        let Finished {
            estimate,
            savings,
            wall_p95_ci_s,
        } = finished;
        let per_completed = |spot: bool| {
            collect
                .get(
                    store,
                    Asked::CostPerCompleted {
                        scenario: index,
                        spot,
                    },
                )
                .ratio()
                .and_then(|r| r.ci95)
        };
        let spot = collect.spot[index];
        let intervals = ScenarioIntervals {
            spot: estimate
                .spot
                .as_ref()
                .map(|summary| SideIntervals::of(summary, per_completed(true))),
            on_demand: SideIntervals::of(&estimate.on_demand, per_completed(false)),
            savings_vs_on_demand_pct: savings,
        };
        results.push(ScenarioResult {
            name: entry.name,
            file: entry.file,
            side: if spot { Side::Spot } else { Side::OnDemand },
            scenario: entry.scenario,
            estimate,
            intervals,
            wall_p95_ci_s,
        });
    }
    let differences = (1..results.len())
        .map(|scenario| {
            let pair = |column| collect.get(store, Asked::VsBaseline { scenario, column });
            Difference {
                name: results[scenario].name.clone(),
                vs: results[0].name.clone(),
                side: results[scenario].side,
                vs_side: results[0].side,
                cost_usd: pair(COST).difference(),
                wall_s: pair(WALL).difference(),
                completed_share: pair(DONE).difference(),
                cheaper: pair(COST).order(),
            }
        })
        .collect();
    Comparison {
        runs,
        seed,
        scenarios: results,
        differences,
    }
}

/// Display names that tell the scenarios apart: each `name` as it is, and names that occur more
/// than once followed by their file (`bert (a/x.toml)`); if even that repeats (the same file
/// given twice), by their position on the command line too (`bert (x.toml, #2)`).
pub fn unique_names(names_and_files: &[(String, String)]) -> Vec<String> {
    let count = |name: &str, list: &[String]| list.iter().filter(|n| *n == name).count();
    let names: Vec<String> = names_and_files.iter().map(|(n, _)| n.clone()).collect();
    let with_file: Vec<String> = names_and_files
        .iter()
        .map(|(name, file)| {
            if count(name, &names) > 1 {
                format!("{name} ({file})")
            } else {
                name.clone()
            }
        })
        .collect();
    with_file
        .iter()
        .enumerate()
        .map(|(index, name)| {
            if count(name, &with_file) > 1 {
                let (base, file) = &names_and_files[index];
                format!("{base} ({file}, #{})", index + 1)
            } else {
                name.clone()
            }
        })
        .collect()
}

/// The run count and seed every scenario runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonSettings {
    /// Runs per scenario.
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// Set when the files disagree and no flag settled it: what was chosen and why.
    pub note: Option<String>,
}

/// The common runs and seed: the flags when given, else the first file's. When a file's own
/// setting differs and no flag overrides it, a note says which was used.
///
/// # Panics
/// If `files` is empty.
pub fn common_settings(
    files: &[(&str, &Scenario)],
    runs: Option<u64>,
    seed: Option<u64>,
) -> CommonSettings {
    let (first_file, first) = files[0];
    let chosen_runs = runs.unwrap_or(first.simulation.runs);
    let chosen_seed = seed.unwrap_or(first.simulation.seed);
    let mut differing = Vec::new();
    if runs.is_none() && files.iter().any(|(_, s)| s.simulation.runs != chosen_runs) {
        differing.push(format!(
            "simulation.runs ({})",
            files
                .iter()
                .map(|(file, s)| format!("{} in {file}", s.simulation.runs))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if seed.is_none() && files.iter().any(|(_, s)| s.simulation.seed != chosen_seed) {
        differing.push(format!(
            "simulation.seed ({})",
            files
                .iter()
                .map(|(file, s)| format!("{} in {file}", s.simulation.seed))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let note = (!differing.is_empty()).then(|| {
        format!(
            "the files disagree on {}; every scenario runs with the first file's ({first_file}): \
             {chosen_runs} runs, seed {chosen_seed}, so that run i shares its random streams \
             (set --runs and --seed to choose)",
            differing.join(" and ")
        )
    });
    CommonSettings {
        runs: chosen_runs,
        seed: chosen_seed,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    const ONE: &str = r#"
[job]
name = "one"
training = { dist = "lognormal", median = "5h", sigma = 0.3 }
instance_count = 1
[stopping]
max_run = "10h"
max_wait = "14h"
[spot]
enabled = true
discount = 0.7
capacity_wait = { dist = "exponential", mean = "20m" }
time_to_interruption = { dist = "exponential", mean = "6h" }
[checkpoint]
interval = "30m"
[pricing]
on_demand_hourly = 3.06
[simulation]
runs = 3000
"#;

    fn entry(text: &str, name: &str) -> Entry {
        Entry {
            name: name.to_string(),
            file: format!("{name}.toml"),
            scenario: parse_scenario(text, &format!("{name}.toml")).unwrap(),
        }
    }

    #[test]
    fn a_scenario_against_itself_differs_by_nothing() {
        let comparison = compare(vec![entry(ONE, "a"), entry(ONE, "b")]);
        assert_eq!(comparison.differences.len(), 1);
        let d = &comparison.differences[0];
        assert_eq!((d.name.as_str(), d.vs.as_str()), ("b", "a"));
        for pd in [d.cost_usd, d.wall_s, d.completed_share] {
            assert_eq!(pd.mean, 0.0);
            assert_eq!(pd.ci95, Some((0.0, 0.0)));
        }
        assert_eq!((d.cheaper.below, d.cheaper.tie), (0.0, 1.0));
        assert_eq!(
            comparison.scenarios[0].estimate,
            comparison.scenarios[1].estimate
        );
    }

    #[test]
    fn more_instances_pair_tightly_with_one() {
        let four = ONE.replace("instance_count = 1", "instance_count = 4");
        let comparison = compare(vec![entry(ONE, "one"), entry(&four, "four")]);
        let cost = comparison.differences[0].cost_usd;
        let (lo, hi) = cost.ci95.unwrap();
        let (unpaired_lo, unpaired_hi) = cost.unpaired_ci95.unwrap();
        // Four instances cost more per run. The shared training length and market draws make
        // the runs move together; but four instances spread about four times as much, so even a
        // perfect correlation could narrow the interval only to (4 − 1) / sqrt(1 + 16) = 0.73.
        assert!(lo > 0.0, "{cost:?}");
        assert!(cost.correlation.unwrap() > 0.9, "{cost:?}");
        assert!(hi - lo < 0.85 * (unpaired_hi - unpaired_lo), "{cost:?}");
    }

    #[test]
    fn a_price_change_alone_pairs_perfectly() {
        // Every run meets the same job and market; only the price differs, by 4/3: d = a / 3,
        // so Var d = Var a / 9 against Var a · (1 + 16/9) unpaired, a gain of 25.
        let dearer = ONE.replace("discount = 0.7", "discount = 0.6");
        let comparison = compare(vec![entry(ONE, "a"), entry(&dearer, "b")]);
        let d = &comparison.differences[0];
        assert!(
            (d.cost_usd.pairing_gain_x.unwrap() - 25.0).abs() < 1e-6,
            "{d:?}"
        );
        assert_eq!(d.wall_s.ci95, Some((0.0, 0.0)));
        assert_eq!(d.cheaper.below, 0.0);
    }

    #[test]
    fn names_collide_only_when_they_must() {
        let list = |items: &[(&str, &str)]| {
            items
                .iter()
                .map(|(n, f)| (n.to_string(), f.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            unique_names(&list(&[("a", "x/a.toml"), ("b", "x/b.toml")])),
            ["a", "b"]
        );
        assert_eq!(
            unique_names(&list(&[
                ("bert", "x/a.toml"),
                ("bert", "y/a.toml"),
                ("c", "c.toml")
            ])),
            ["bert (x/a.toml)", "bert (y/a.toml)", "c"]
        );
        assert_eq!(
            unique_names(&list(&[("bert", "a.toml"), ("bert", "a.toml")])),
            ["bert (a.toml, #1)", "bert (a.toml, #2)"]
        );
    }

    #[test]
    fn flags_or_the_first_file_settle_runs_and_seed() {
        let a = parse_scenario(ONE, "a.toml").unwrap();
        let b =
            parse_scenario(&ONE.replace("runs = 3000", "runs = 10\nseed = 9"), "b.toml").unwrap();
        let files = [("a.toml", &a), ("b.toml", &b)];
        let settled = common_settings(&files, None, None);
        assert_eq!((settled.runs, settled.seed), (3000, 1));
        let note = settled.note.unwrap();
        assert!(
            note.contains("simulation.runs (3000 in a.toml, 10 in b.toml)")
                && note.contains("simulation.seed (1 in a.toml, 9 in b.toml)"),
            "{note}"
        );
        let settled = common_settings(&files, Some(50), Some(2));
        assert_eq!(
            settled,
            CommonSettings {
                runs: 50,
                seed: 2,
                note: None
            }
        );
        let same = [("a.toml", &a), ("c.toml", &a)];
        assert_eq!(common_settings(&same, None, None).note, None);
    }

    /// Beyond the exact limit the pairs are streamed: the same figures as the kept runs give,
    /// within rounding.
    #[test]
    fn a_streamed_comparison_agrees_with_the_kept_runs() {
        let runs = 140_000;
        let four = ONE.replace("instance_count = 1", "instance_count = 4");
        let entries: Vec<Entry> = [entry(ONE, "one"), entry(&four, "four")]
            .into_iter()
            .map(|mut e| {
                e.scenario.simulation.runs = runs;
                e
            })
            .collect();
        let kept: Vec<crate::montecarlo::Runs> = entries
            .iter()
            .map(|e| crate::montecarlo::run_scenario(&e.scenario))
            .collect();
        let comparison = compare(entries);
        let column = |k: usize, f: fn(&RunRecord) -> f64| -> Vec<f64> {
            kept[k].spot.as_ref().unwrap().iter().map(f).collect()
        };
        let near = |got: f64, want: f64| (got - want).abs() <= 1e-9 * want.abs();
        let d = &comparison.differences[0];
        for (got, f) in [
            (
                &d.cost_usd,
                (|r: &RunRecord| r.cost_usd) as fn(&RunRecord) -> f64,
            ),
            (&d.wall_s, |r: &RunRecord| r.wall_s),
            (&d.completed_share, completed),
        ] {
            let want = crate::stats::paired::paired_difference(&column(0, f), &column(1, f));
            assert!(near(got.mean, want.mean), "{got:?} {want:?}");
            let (g, w) = (got.ci95.unwrap(), want.ci95.unwrap());
            assert!(near(g.0, w.0) && near(g.1, w.1), "{got:?} {want:?}");
            assert!(near(got.correlation.unwrap(), want.correlation.unwrap()));
        }
        let cost = |r: &RunRecord| r.cost_usd;
        let want = crate::stats::paired::paired_order(&column(0, cost), &column(1, cost));
        assert_eq!(d.cheaper, want);
        let done: Vec<f64> = kept[1]
            .spot
            .as_ref()
            .unwrap()
            .iter()
            .map(completed)
            .collect();
        let want = crate::stats::paired::ratio_of_means(&column(1, cost), &done).unwrap();
        let got = comparison.scenarios[1].intervals.spot.unwrap();
        let (g, w) = (got.cost_per_completed_job_usd.unwrap(), want.ci95.unwrap());
        assert!(near(g.0, w.0) && near(g.1, w.1), "{g:?} {w:?}");
    }
}
