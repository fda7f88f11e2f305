//! `spotsim recommend --deadline D`: spot alone, spot with an on-demand fallback (which rule),
//! or on-demand, for a job that must be done `D` after its creation.
//!
//! Method (`docs/model.md`, "Recommendations", "For a deadline"): the scenario is run as a
//! comparison ([`crate::studies::compare`]) of its spot variants, all under the scenario's seed
//! so that run `i` of each draws the same job and market (common random numbers):
//! - **spot alone**: the scenario without `[fallback]` (the baseline of the paired figures);
//! - **fallback at the deadline**: `[fallback] when = "deadline"`, `deadline = D` (the
//!   scenario's own `margin` and `reaction` when it has a deadline rule, else 0 and its
//!   `reaction`), validated by the scenario parser, so a deadline the on-demand job alone cannot
//!   meet is refused as `fallback.deadline` would be;
//! - **fallback after MaxWait**: `when = "max_wait"`;
//! - **the scenario's own `[fallback]`**, when it has another rule or another deadline.
//!
//! On-demand is the on-demand side of the same runs. A run **meets the deadline** when it
//! completes with a wall time of at most `D` (the engine's `met_deadline` for the deadline rule,
//! counted here for every option alike). The choice: among the options whose share of runs
//! meeting the deadline reaches the completion target, the lowest mean cost per run; when none
//! does, the option meeting it most often. Every share carries its Wilson 95 % interval, every
//! mean its normal interval, and the fallback options their paired difference against spot alone.
//!
//! Invariants: fixed seeds and results collected in run order, so the answer is identical for
//! any thread count.

use std::ops::Range;
use std::sync::atomic::AtomicU64;

use serde::Serialize;
use toml::{Table, Value};

use crate::engine::{Outcome, RunRecord};
use crate::montecarlo::cancel::Cancel;
use crate::montecarlo::study::{Cancelled, Collect};
use crate::scenario::{FallbackWhen, Scenario, parse_scenario};
use crate::stats::paired::PairedDifference;
use crate::stats::summary::SideSummary;
use crate::studies::compare::{Entry, compare_with_cancellable};
use crate::studies::recommend::{Mean, Share, check_target};
use crate::units::duration::format_duration_exact;

/// Why a deadline study gave no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum DeadlineError {
    /// The scenario or the deadline cannot be studied: the message says why, naming the file.
    Invalid(String),
    /// A stop was requested.
    Cancelled,
}

impl From<Cancelled> for DeadlineError {
    fn from(_: Cancelled) -> DeadlineError {
        DeadlineError::Cancelled
    }
}

/// What an option is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionKind {
    /// Managed spot, no fallback.
    SpotAlone,
    /// Spot, then on-demand at the last moment that still meets the deadline.
    FallbackDeadline,
    /// Spot, then on-demand after MaxWaitTimeExceeded.
    FallbackMaxWait,
    /// Spot with the scenario's own `[fallback]`.
    FallbackScenario,
    /// On-demand from the start.
    OnDemand,
}

/// One option's figures over the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineOption {
    /// What it is.
    pub kind: OptionKind,
    /// How it reads: `spot alone`, `spot + fallback when = "deadline"`, ...
    pub label: String,
    /// The `[fallback]` it runs, as TOML (`when = "deadline", deadline = "2d 4h"`), if any.
    pub fallback: Option<String>,
    /// Share of runs that completed by the deadline.
    pub met_deadline: Share,
    /// Share of runs that completed at all.
    pub completed: Share,
    /// Mean cost per run, USD.
    pub cost_usd: Mean,
    /// Total cost over the completed runs / their number, USD.
    pub cost_per_completed_job_usd: Option<f64>,
    /// p95 of the wall time, seconds.
    pub wall_p95_s: f64,
    /// Share of runs that went on-demand (fallback options).
    pub went_on_demand: Option<f64>,
    /// The on-demand jobs' share of the cost (fallback options).
    pub on_demand_cost_share: Option<f64>,
    /// Cost per run minus spot alone's, run by run (fallback options).
    pub cost_vs_spot_alone_usd: Option<PairedDifference>,
    /// `(1 − cost / on-demand cost) × 100` with its paired 95 % interval (spot options).
    pub savings_vs_on_demand_pct: Option<Mean>,
}

/// Everything `spotsim recommend --deadline` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineAnswer {
    /// The deadline, seconds from the spot job's creation.
    pub deadline_s: f64,
    /// The share of runs that must meet it.
    pub target: f64,
    /// Runs per option.
    pub runs: u64,
    /// The seed of every option.
    pub seed: u64,
    /// The options: spot alone, the fallbacks, on-demand (last).
    pub options: Vec<DeadlineOption>,
    /// Index of the chosen option.
    pub choice: usize,
    /// Whether the chosen option meets the target.
    pub met: bool,
}

impl DeadlineAnswer {
    /// The chosen option.
    pub fn chosen(&self) -> &DeadlineOption {
        &self.options[self.choice]
    }

    /// The option of `kind`, if it was run.
    pub fn option(&self, kind: OptionKind) -> Option<&DeadlineOption> {
        self.options.iter().find(|o| o.kind == kind)
    }
}

/// Counts, per variant, the runs that completed by the deadline, and the same for the
/// on-demand side (last; counted from variant 0 only, every variant has the same on-demand
/// runs).
struct MetCollect {
    deadline_s: f64,
    variants: usize,
}

impl MetCollect {
    fn met(&self, record: &RunRecord) -> bool {
        record.outcome == Outcome::Completed && record.wall_s <= self.deadline_s
    }
}

impl Collect for MetCollect {
    type Block = Vec<u64>;
    type Total = Vec<u64>;

    fn start_block(&self, _: &Vec<u64>, _: Range<usize>, _: Range<u64>) -> Vec<u64> {
        vec![0; self.variants + 1]
    }

    #[inline]
    fn push(
        &self,
        block: &mut Vec<u64>,
        variant: usize,
        _: u64,
        spot: Option<&RunRecord>,
        on_demand: &RunRecord,
    ) {
        if spot.is_some_and(|r| self.met(r)) {
            block[variant] += 1;
        }
        if variant == 0 && self.met(on_demand) {
            block[self.variants] += 1;
        }
    }

    fn append(&self, total: &mut Vec<u64>, block: Vec<u64>) {
        for (t, b) in total.iter_mut().zip(block) {
            *t += b;
        }
    }
}

/// A duration as a TOML value: whole seconds as an integer, else a float.
fn seconds_value(seconds: f64) -> Value {
    if seconds.fract() == 0.0 && seconds.abs() < 9.0e15 {
        Value::Integer(seconds as i64)
    } else {
        Value::Float(seconds)
    }
}

/// The scenario's document with `[fallback]` replaced by `fallback` (removed with `None`),
/// validated by the parser, with the base's runs and seed.
fn variant(
    document: &Table,
    file: &str,
    base: &Scenario,
    fallback: Option<Table>,
) -> Result<Scenario, String> {
    let mut document = document.clone();
    document.remove("fallback");
    if let Some(table) = fallback {
        document.insert("fallback".into(), Value::Table(table));
    }
    let text = toml::to_string(&document).map_err(|e| e.to_string())?;
    let mut scenario = parse_scenario(&text, file).map_err(|errors| {
        errors
            .0
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    scenario.simulation = base.simulation.clone();
    Ok(scenario)
}

/// `[fallback]` of a rule, keeping the base's `reaction` (and `margin` for the deadline rule).
fn fallback_table(base: &Scenario, when: &str, deadline_s: Option<f64>) -> Table {
    let mut table = Table::new();
    table.insert("when".into(), Value::String(when.into()));
    if let Some(deadline_s) = deadline_s {
        table.insert("deadline".into(), seconds_value(deadline_s));
        if let Some(FallbackWhen::Deadline { margin_s, .. }) = base.fallback.map(|f| f.when)
            && margin_s > 0.0
        {
            table.insert("margin".into(), seconds_value(margin_s));
        }
    }
    if let Some(reaction_s) = base.fallback.map(|f| f.reaction_s).filter(|r| *r > 0.0) {
        table.insert("reaction".into(), seconds_value(reaction_s));
    }
    table
}

/// The `[fallback]` table as one line of TOML, its keys in the documented order.
fn inline(table: &Table) -> String {
    const ORDER: [&str; 6] = [
        "when",
        "deadline",
        "margin",
        "interruptions",
        "waiting",
        "reaction",
    ];
    let rank = |key: &str| ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len());
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort_by_key(|k| rank(k));
    keys.iter()
        .map(|k| {
            let value = &table[k.as_str()];
            // Durations are written as a user writes them ("2d 4h"), not as the seconds the
            // study puts in the document: the line is meant to be pasted into a scenario.
            let seconds = match value {
                Value::Integer(i) if k.as_str() != "interruptions" => Some(*i as f64),
                Value::Float(f) if k.as_str() != "interruptions" => Some(*f),
                _ => None,
            };
            match seconds {
                Some(seconds) => format!("{k} = \"{}\"", format_duration_exact(seconds)),
                None => format!("{k} = {value}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The base scenario's own `[fallback]` as one line, read back from the file's document.
fn own_fallback(document: &Table) -> Option<String> {
    match document.get("fallback") {
        Some(Value::Table(table)) => Some(inline(table)),
        _ => None,
    }
}

/// Answers "spot alone, spot with a fallback, or on-demand?" for `deadline_s`, with `target`
/// the share of runs that must meet it. `text` is the scenario file's text, `file` its name as
/// shown, `base` the scenario as loaded (runs and seed applied).
///
/// # Errors
/// [`DeadlineError::Invalid`] for a scenario without spot, a bad target or a deadline the
/// parser refuses (`fallback.deadline`'s rules); [`DeadlineError::Cancelled`] after a stop.
pub fn deadline_study(
    text: &str,
    file: &str,
    base: &Scenario,
    deadline_s: f64,
    target: f64,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<DeadlineAnswer, DeadlineError> {
    check_target(target).map_err(DeadlineError::Invalid)?;
    if !base.is_spot() {
        return Err(DeadlineError::Invalid(format!(
            "{file}: --deadline weighs spot alone, spot with an on-demand fallback and \
             on-demand, but the scenario does not use spot: set [spot] enabled = true"
        )));
    }
    if !(deadline_s.is_finite() && deadline_s > 0.0) {
        return Err(DeadlineError::Invalid(format!(
            "--deadline must be a positive duration such as 52h (got {deadline_s} s)"
        )));
    }
    let document: Table = text
        .parse()
        .map_err(|e: toml::de::Error| DeadlineError::Invalid(format!("{file}: {}", e.message())))?;
    let refused = |error: String| {
        DeadlineError::Invalid(format!(
            "--deadline {}: {error}",
            crate::units::duration::format_duration(deadline_s)
        ))
    };

    let mut entries = Vec::new();
    let mut kinds = Vec::new();
    let mut fallbacks = Vec::new();
    let mut push = |kind: OptionKind, name: String, fallback: Option<Table>| {
        let shown = fallback.as_ref().map(inline);
        variant(&document, file, base, fallback).map(|scenario| {
            entries.push(Entry {
                name,
                file: file.to_string(),
                scenario,
            });
            kinds.push(kind);
            fallbacks.push(shown);
        })
    };
    push(OptionKind::SpotAlone, "spot alone".into(), None).map_err(refused)?;
    push(
        OptionKind::FallbackDeadline,
        "spot + fallback when = \"deadline\"".into(),
        Some(fallback_table(base, "deadline", Some(deadline_s))),
    )
    .map_err(refused)?;
    push(
        OptionKind::FallbackMaxWait,
        "spot + fallback when = \"max_wait\"".into(),
        Some(fallback_table(base, "max_wait", None)),
    )
    .map_err(refused)?;
    // The scenario's own rule, unless it is one of the two above.
    let own_is_shown = match base.fallback.map(|f| f.when) {
        None | Some(FallbackWhen::MaxWait) => true,
        Some(FallbackWhen::Deadline {
            deadline_s: own, ..
        }) => own == deadline_s,
        Some(_) => false,
    };
    if !own_is_shown && let Some(own) = base.fallback {
        let label = format!("spot + your fallback when = \"{}\"", own.when_name());
        entries.push(Entry {
            name: label,
            file: file.to_string(),
            scenario: base.clone(),
        });
        kinds.push(OptionKind::FallbackScenario);
        fallbacks.push(own_fallback(&document));
    }

    Ok(study(
        entries, &kinds, &fallbacks, deadline_s, target, done, cancel,
    )?)
}

/// Does the scenario's own `[fallback]` pay for itself? The scenario as written against the same
/// job on spot alone (without `[fallback]`) and on-demand, run by run (what `spotsim report`
/// shows). A run meets the deadline of a deadline rule; for other rules there is none and a
/// run "meets" it when it completes. `None` for a scenario without a fallback.
///
/// # Errors
/// [`DeadlineError::Invalid`] when the scenario without its `[fallback]` is refused (it cannot
/// be: the table is optional); [`DeadlineError::Cancelled`] after a stop.
pub fn fallback_worth(
    text: &str,
    file: &str,
    base: &Scenario,
    target: f64,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<Option<DeadlineAnswer>, DeadlineError> {
    let Some(own) = base.fallback.filter(|_| base.is_spot()) else {
        return Ok(None);
    };
    let document: Table = text
        .parse()
        .map_err(|e: toml::de::Error| DeadlineError::Invalid(format!("{file}: {}", e.message())))?;
    let alone = variant(&document, file, base, None).map_err(DeadlineError::Invalid)?;
    let entries = vec![
        Entry {
            name: "spot alone".into(),
            file: file.to_string(),
            scenario: alone,
        },
        Entry {
            name: format!("spot + fallback when = \"{}\"", own.when_name()),
            file: file.to_string(),
            scenario: base.clone(),
        },
    ];
    let kinds = [OptionKind::SpotAlone, OptionKind::FallbackScenario];
    let fallbacks = [None, own_fallback(&document)];
    let deadline_s = own.deadline_s().unwrap_or(f64::INFINITY);
    Ok(Some(study(
        entries, &kinds, &fallbacks, deadline_s, target, done, cancel,
    )?))
}

/// Runs `entries` (spot alone first) as a comparison, counting the runs that meet
/// `deadline_s`, and adds on-demand as the last option.
fn study(
    entries: Vec<Entry>,
    kinds: &[OptionKind],
    fallbacks: &[Option<String>],
    deadline_s: f64,
    target: f64,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Result<DeadlineAnswer, Cancelled> {
    let collect = MetCollect {
        deadline_s,
        variants: entries.len(),
    };
    let (comparison, met) = compare_with_cancellable(
        entries,
        &collect,
        vec![0; collect.variants + 1],
        done,
        cancel,
    )?;
    let runs = comparison.runs;
    let share_of = |value: f64| Share::of((value * runs as f64).round() as u64, runs);
    let mean = |summary: &SideSummary, ci95: Option<(f64, f64)>| Mean {
        value: summary.metrics.cost_usd.mean,
        ci95,
    };
    let mut options = Vec::with_capacity(kinds.len() + 1);
    for (index, result) in comparison.scenarios.iter().enumerate() {
        let spot = result
            .estimate
            .spot
            .as_ref()
            .expect("every option but on-demand runs on spot");
        let difference = index
            .checked_sub(1)
            .map(|d| &comparison.differences[d])
            .filter(|_| kinds[index] != OptionKind::SpotAlone);
        options.push(DeadlineOption {
            kind: kinds[index],
            label: result.name.clone(),
            fallback: fallbacks[index].clone(),
            met_deadline: Share::of(met[index], runs),
            completed: share_of(spot.outcomes.completed),
            cost_usd: mean(spot, result.intervals.spot.and_then(|i| i.cost_usd)),
            cost_per_completed_job_usd: spot.cost_per_completed_job_usd,
            wall_p95_s: spot.metrics.wall_s.p95,
            went_on_demand: spot.fallback.map(|f| f.fell_back_share),
            on_demand_cost_share: spot.fallback.map(|f| f.on_demand_cost_share),
            cost_vs_spot_alone_usd: difference.map(|d| d.cost_usd),
            savings_vs_on_demand_pct: result.estimate.savings_vs_on_demand_pct.map(|value| Mean {
                value,
                ci95: result.intervals.savings_vs_on_demand_pct,
            }),
        });
    }
    let first = &comparison.scenarios[0];
    let on_demand = &first.estimate.on_demand;
    options.push(DeadlineOption {
        kind: OptionKind::OnDemand,
        label: "on-demand".into(),
        fallback: None,
        met_deadline: Share::of(met[collect.variants], runs),
        completed: share_of(on_demand.outcomes.completed),
        cost_usd: mean(on_demand, first.intervals.on_demand.cost_usd),
        cost_per_completed_job_usd: on_demand.cost_per_completed_job_usd,
        wall_p95_s: on_demand.metrics.wall_s.p95,
        went_on_demand: None,
        on_demand_cost_share: None,
        cost_vs_spot_alone_usd: None,
        savings_vs_on_demand_pct: None,
    });
    let (choice, met_target) = choose(&options, target);
    Ok(DeadlineAnswer {
        deadline_s,
        target,
        runs,
        seed: comparison.seed,
        options,
        choice,
        met: met_target,
    })
}

/// Among the options meeting the deadline in at least `target` of runs, the cheapest (mean cost
/// per run; the earlier option on a tie); when none does, the one meeting it most often (then
/// the cheapest). Returns its index and whether it meets the target.
fn choose(options: &[DeadlineOption], target: f64) -> (usize, bool) {
    let meets = |o: &DeadlineOption| o.met_deadline.value >= target;
    let any = options.iter().any(meets);
    let mut best = 0;
    for (index, o) in options.iter().enumerate().skip(1) {
        let b = &options[best];
        let better = if any {
            meets(o) && (!meets(b) || o.cost_usd.value < b.cost_usd.value)
        } else {
            o.met_deadline.value > b.met_deadline.value
                || (o.met_deadline.value == b.met_deadline.value
                    && o.cost_usd.value < b.cost_usd.value)
        };
        if better {
            best = index;
        }
    }
    (best, any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fallback_line_writes_durations_as_a_user_does() {
        // The study puts seconds in the document; the line shows them as durations that parse
        // back to the same seconds, and leaves counts and names as they are.
        let mut table = Table::new();
        table.insert("reaction".into(), Value::Integer(90));
        table.insert("margin".into(), Value::Float(600.0));
        table.insert("deadline".into(), Value::Integer(187_200));
        table.insert("when".into(), Value::String("deadline".into()));
        assert_eq!(
            inline(&table),
            "when = \"deadline\", deadline = \"2d 4h\", margin = \"10m\", reaction = \"1m 30s\""
        );
        let mut table = Table::new();
        table.insert("when".into(), Value::String("interruptions".into()));
        table.insert("interruptions".into(), Value::Integer(3));
        assert_eq!(
            inline(&table),
            "when = \"interruptions\", interruptions = 3"
        );
        for text in ["2d 4h", "10m", "1m 30s"] {
            assert!(
                crate::units::duration::parse_duration_s(text).is_ok(),
                "{text}"
            );
        }
    }

    fn option(kind: OptionKind, met: u64, cost: f64) -> DeadlineOption {
        DeadlineOption {
            kind,
            label: format!("{kind:?}"),
            fallback: None,
            met_deadline: Share::of(met, 100),
            completed: Share::of(met, 100),
            cost_usd: Mean {
                value: cost,
                ci95: None,
            },
            cost_per_completed_job_usd: None,
            wall_p95_s: 0.0,
            went_on_demand: None,
            on_demand_cost_share: None,
            cost_vs_spot_alone_usd: None,
            savings_vs_on_demand_pct: None,
        }
    }

    #[test]
    fn the_cheapest_option_meeting_the_target_is_chosen() {
        let options = [
            option(OptionKind::SpotAlone, 80, 50.0),
            option(OptionKind::FallbackDeadline, 100, 90.0),
            option(OptionKind::FallbackMaxWait, 99, 85.0),
            option(OptionKind::OnDemand, 100, 140.0),
        ];
        assert_eq!(choose(&options, 0.99), (2, true));
        assert_eq!(choose(&options, 0.995), (1, true));
        assert_eq!(choose(&options, 0.5), (0, true));
    }

    #[test]
    fn without_an_option_meeting_the_target_the_most_reliable_is_chosen() {
        let options = [
            option(OptionKind::SpotAlone, 40, 50.0),
            option(OptionKind::FallbackDeadline, 70, 90.0),
            option(OptionKind::OnDemand, 70, 80.0),
        ];
        assert_eq!(choose(&options, 0.99), (2, false));
    }

    #[test]
    fn durations_go_into_toml_as_seconds() {
        assert_eq!(seconds_value(187_200.0), Value::Integer(187_200));
        assert_eq!(seconds_value(1.5), Value::Float(1.5));
    }
}
