//! `spotsim compare`: several scenarios run under one seed and one run count, summarised side by
//! side, and each paired run by run with the first (the baseline).
//!
//! Run `i` of every scenario draws from generators seeded from `(seed, i)` ([`crate::montecarlo::rng`]), so
//! two scenarios share their random inputs run by run wherever their draws line up (common
//! random numbers, `docs/model.md`): the per-run differences then vary far less than either
//! scenario, and the paired intervals ([`crate::stats::paired`]) are narrower than unpaired ones. When
//! the draws do not line up the paired intervals are still valid, only no narrower.
//!
//! Scenarios are summarised one at a time and only the baseline's per-run figures are kept, so
//! memory holds two scenarios' runs at most, however many are compared. Every figure is computed
//! in run order: the same seed gives the same comparison whatever the thread count.

use serde::Serialize;

use crate::engine::{Outcome, RunRecord};
use crate::montecarlo::{Estimate, Runs};
use crate::scenario::Scenario;
use crate::stats::accumulate::ScenarioStats;
use crate::stats::paired::{
    PairedDifference, PairedOrder, mean_interval, paired_difference, paired_order, ratio_of_means,
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
}

/// The runs a scenario is compared by: its spot runs when spot is enabled, else its on-demand
/// runs (the same rule as `spotsim run --runs-csv`).
pub fn compared_side(runs: &Runs) -> (Side, &[RunRecord]) {
    match &runs.spot {
        Some(spot) => (Side::Spot, spot),
        None => (Side::OnDemand, &runs.on_demand),
    }
}

/// The per-run figures paired differences need, in run order.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedColumns {
    /// Which side of the scenario they come from.
    pub side: Side,
    /// Cost of run `i`, USD.
    pub cost_usd: Vec<f64>,
    /// Wall time of run `i`, seconds.
    pub wall_s: Vec<f64>,
    /// 1 when run `i` completed, else 0.
    pub completed: Vec<f64>,
}

impl PairedColumns {
    /// The compared side's columns of `runs`.
    pub fn of(runs: &Runs) -> PairedColumns {
        let (side, records) = compared_side(runs);
        PairedColumns {
            side,
            cost_usd: records.iter().map(|r| r.cost_usd).collect(),
            wall_s: records.iter().map(|r| r.wall_s).collect(),
            completed: records.iter().map(completed).collect(),
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
    /// The intervals of `records`, whose summary is `summary` (its cost mean and standard
    /// error, so that the interval agrees with `spotsim run`'s figures to the bit).
    pub fn of(records: &[RunRecord], summary: &SideSummary) -> SideIntervals {
        let cost: Vec<f64> = records.iter().map(|r| r.cost_usd).collect();
        let done: Vec<f64> = records.iter().map(completed).collect();
        let cost_summary = &summary.metrics.cost_usd;
        SideIntervals {
            cost_usd: mean_interval(cost_summary.mean, cost_summary.std_err),
            cost_per_completed_job_usd: ratio_of_means(&cost, &done).and_then(|r| r.ci95),
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
}

impl ScenarioResult {
    /// Summarises `runs` of `scenario`, whose streamed statistics are `stats`; returns the
    /// result and the columns to pair.
    pub fn new(
        name: String,
        file: String,
        scenario: Scenario,
        runs: &Runs,
        stats: &ScenarioStats,
    ) -> (ScenarioResult, PairedColumns) {
        let estimate = Estimate::of(stats);
        let intervals = ScenarioIntervals {
            spot: runs
                .spot
                .as_deref()
                .zip(estimate.spot.as_ref())
                .map(|(records, summary)| SideIntervals::of(records, summary)),
            on_demand: SideIntervals::of(&runs.on_demand, &estimate.on_demand),
            savings_vs_on_demand_pct: stats.paired_saving_interval_pct(),
        };
        let columns = PairedColumns::of(runs);
        let result = ScenarioResult {
            name,
            file,
            scenario,
            side: columns.side,
            estimate,
            intervals,
        };
        (result, columns)
    }
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

impl Difference {
    /// `scenario − baseline`, run by run.
    ///
    /// # Panics
    /// If the two have different run counts: a comparison runs every scenario the same number
    /// of times.
    pub fn between(
        name: &str,
        columns: &PairedColumns,
        vs: &str,
        baseline: &PairedColumns,
    ) -> Difference {
        Difference {
            name: name.to_string(),
            vs: vs.to_string(),
            side: columns.side,
            vs_side: baseline.side,
            cost_usd: paired_difference(&baseline.cost_usd, &columns.cost_usd),
            wall_s: paired_difference(&baseline.wall_s, &columns.wall_s),
            completed_share: paired_difference(&baseline.completed, &columns.completed),
            cheaper: paired_order(&baseline.cost_usd, &columns.cost_usd),
        }
    }
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

/// Runs every entry with `simulate` (which returns its runs and their statistics, as
/// [`ScenarioStats::of_runs`] gives them), in order, and pairs each with the first. Only the baseline's per-run columns outlive their scenario's
/// turn.
///
/// # Panics
/// If `entries` is empty.
pub fn compare(
    entries: Vec<Entry>,
    mut simulate: impl FnMut(&Scenario) -> (Runs, ScenarioStats),
) -> Comparison {
    assert!(!entries.is_empty(), "a comparison needs a scenario");
    let runs = entries[0].scenario.simulation.runs;
    let seed = entries[0].scenario.simulation.seed;
    let mut scenarios: Vec<ScenarioResult> = Vec::with_capacity(entries.len());
    let mut differences = Vec::new();
    let mut baseline: Option<PairedColumns> = None;
    for entry in entries {
        let (scenario_runs, stats) = simulate(&entry.scenario);
        let (result, columns) = ScenarioResult::new(
            entry.name,
            entry.file,
            entry.scenario,
            &scenario_runs,
            &stats,
        );
        drop(scenario_runs);
        match &baseline {
            None => baseline = Some(columns),
            Some(base) => differences.push(Difference::between(
                &result.name,
                &columns,
                &scenarios[0].name,
                base,
            )),
        }
        scenarios.push(result);
    }
    Comparison {
        runs,
        seed,
        scenarios,
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
    use crate::montecarlo::run_scenario;
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

    fn run(scenario: &Scenario) -> (Runs, ScenarioStats) {
        let runs = run_scenario(scenario);
        let stats = ScenarioStats::of_runs(&runs);
        (runs, stats)
    }

    #[test]
    fn a_scenario_against_itself_differs_by_nothing() {
        let comparison = compare(vec![entry(ONE, "a"), entry(ONE, "b")], run);
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
        let comparison = compare(vec![entry(ONE, "one"), entry(&four, "four")], run);
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
        let comparison = compare(vec![entry(ONE, "a"), entry(&dearer, "b")], run);
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
}
