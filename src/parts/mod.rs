//! Part files: what one shard of `spotsim run`, `fleet`, `sweep` or `compare` simulated, and
//! their merge into the very output one machine prints.
//!
//! A shard ([`crate::montecarlo::shard::Shard`]) simulates a contiguous range of whole blocks
//! of run indices (months, for a fleet) and writes a [`Part`] (JSON) holding their statistics:
//! a [`ScenarioStats`] for `run`, a [`Fold`] of months for `fleet`, a [`StudyPart`] (each
//! variant's statistics and what the study pairs across them) for `sweep` and `compare`.
//! [`merge_parts`] appends the parts in block order: every statistic appends to the bits of a
//! single pass (per-block moments are kept and combined in block order, sketches count
//! multisets), so the merged figures are those of one machine, whatever `N`, the thread counts
//! or the machines.
//!
//! A part names the simulation it belongs to: spotsim's version, the command and its options,
//! the seed, the number of runs, `N`, and the SHA-256 of the canonical scenario
//! ([`scenario_sha256`]). [`merge_parts`] refuses parts that disagree, a shard given twice and
//! missing shards, all at once. A part also carries the SHA-256 of its statistics
//! ([`Part::stats_sha256`]) and its moments are checked on reading ([`merge_parts`]): a
//! part edited by hand, or damaged, is refused rather than merged into wrong figures.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fleet::Fold;
use crate::montecarlo::shard::Shard;
use crate::montecarlo::study::StudyPart;
use crate::scenario::Scenario;
use crate::scenario::fleet::Fleet;
use crate::stats::accumulate::{ScenarioStats, block_count};

/// The `format` field of every part file.
pub const PART_FORMAT: &str = "spotsim-part";
/// The version of the part file's layout; a reader refuses any other.
pub const PART_FORMAT_VERSION: u32 = 2;

/// The SHA-256 (hex) of the scenario as simulated: its canonical JSON form (the `scenario`
/// object of `spotsim run --format json`), after `--runs` and `--seed`. Canonical rather than
/// the file's text, so that comments and layout do not matter but every value does, including
/// what the parser read from data files (a trace's length, a price history's mean).
pub fn scenario_sha256(scenario: &Scenario) -> String {
    let json = serde_json::to_string(scenario).expect("scenarios serialise to JSON");
    hex(&Sha256::digest(json.as_bytes()))
}

/// The SHA-256 (hex) of several scenarios as simulated: that of the first alone
/// ([`scenario_sha256`]: a sweep's base scenario), or of their canonical forms in order.
pub fn scenarios_sha256(scenarios: &[&Scenario]) -> String {
    match scenarios {
        [one] => scenario_sha256(one),
        many => {
            let mut hasher = Sha256::new();
            for scenario in many {
                hasher.update(scenario_sha256(scenario));
            }
            hex(&hasher.finalize())
        }
    }
}

/// Bytes as lower-case hexadecimal.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut out, byte| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// A part file: one shard's statistics and what it takes to check and render the merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Always [`PART_FORMAT`].
    pub format: String,
    /// [`PART_FORMAT_VERSION`].
    pub format_version: u32,
    /// The spotsim that wrote it (`CARGO_PKG_VERSION`).
    pub spotsim_version: String,
    /// [`scenario_sha256`] of the scenario simulated.
    pub scenario_sha256: String,
    /// The job's display name, as `spotsim run` shows it.
    pub name: String,
    /// The scenario file as given to `spotsim run` (data files are named relative to it).
    pub scenario_path: String,
    /// The scenario file's text as read (before `--runs` and `--seed`).
    pub scenario_text: String,
    /// Runs of the whole simulation (all shards).
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// This shard, from 1.
    pub shard: u64,
    /// How many shards in all.
    pub shards: u64,
    /// The blocks this shard simulated ([`Shard::blocks`]).
    pub blocks: Range<u64>,
    /// The command that wrote the part: `run`, `fleet`, `sweep` or `compare` (absent: `run`).
    #[serde(default = "run_command", skip_serializing_if = "is_run")]
    pub command: String,
    /// The command-line flags that changed what was simulated beyond `--runs` and `--seed`
    /// (`--no-quotas`; a sweep's `--set` and `--metric`), applied again when the parts are
    /// merged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// `compare`: the scenarios after the first (`scenario_path`, `scenario_text`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_scenarios: Vec<StoredScenario>,
    /// `run`: the statistics of those blocks' runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<ScenarioStats>,
    /// `fleet`: the months simulated (`blocks` are then months), folded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<Fold>,
    /// `sweep`, `compare`: each variant's statistics of those blocks and the study's total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study: Option<StudyPart>,
    /// The SHA-256 (hex) of the statistics (`stats`, `fleet`, `study`) as written
    /// ([`Part::statistics_sha256`]): a part whose figures were altered is refused.
    pub stats_sha256: String,
}

/// A scenario file as a command read it: its path as given and its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredScenario {
    /// The path as given on the command line (data files are named relative to it).
    pub path: String,
    /// The file's text as read.
    pub text: String,
}

fn run_command() -> String {
    "run".to_string()
}

fn is_run(command: &str) -> bool {
    command == "run"
}

/// The SHA-256 (hex) of a fleet as simulated: its canonical JSON form and that of every
/// workload's scenario, after `--runs` and `--seed`.
pub fn fleet_sha256(fleet: &Fleet) -> String {
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_string(fleet).expect("fleets serialise to JSON"));
    for workload in &fleet.workloads {
        hasher.update(serde_json::to_string(&workload.scenario).expect("scenarios serialise"));
    }
    hex(&hasher.finalize())
}

/// The first fields of a part, read before the rest so that another layout is named as such.
#[derive(Deserialize)]
struct PartHeader {
    format: Option<String>,
    format_version: Option<u32>,
    spotsim_version: Option<String>,
}

impl Part {
    /// The part of `shard` of `scenario` (as simulated, `--runs` and `--seed` applied), read
    /// from the file `path` with text `text`, displayed as `name`.
    pub fn new(
        shard: Shard,
        scenario: &Scenario,
        name: &str,
        path: &str,
        text: &str,
        stats: ScenarioStats,
    ) -> Part {
        Part {
            format: PART_FORMAT.to_string(),
            format_version: PART_FORMAT_VERSION,
            spotsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_sha256: scenario_sha256(scenario),
            name: name.to_string(),
            scenario_path: path.to_string(),
            scenario_text: text.to_string(),
            runs: scenario.simulation.runs,
            seed: scenario.simulation.seed,
            shard: shard.index,
            shards: shard.count,
            blocks: stats.blocks(),
            command: run_command(),
            options: Vec::new(),
            more_scenarios: Vec::new(),
            stats: Some(stats),
            fleet: None,
            study: None,
            stats_sha256: String::new(),
        }
        .sealed()
    }

    /// The part of `shard` of `fleet` (as simulated, `--runs` and `--seed` applied): the fold
    /// of months `months`, read from the file `path` with text `text`.
    pub fn of_fleet(
        shard: Shard,
        fleet: &Fleet,
        (path, text): (&str, &str),
        options: Vec<String>,
        months: Range<u64>,
        fold: Fold,
    ) -> Part {
        Part {
            format: PART_FORMAT.to_string(),
            format_version: PART_FORMAT_VERSION,
            spotsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_sha256: fleet_sha256(fleet),
            name: path.to_string(),
            scenario_path: path.to_string(),
            scenario_text: text.to_string(),
            runs: fleet.runs,
            seed: fleet.seed,
            shard: shard.index,
            shards: shard.count,
            blocks: months,
            command: "fleet".to_string(),
            options,
            more_scenarios: Vec::new(),
            stats: None,
            fleet: Some(fold),
            study: None,
            stats_sha256: String::new(),
        }
        .sealed()
    }

    /// The part of `shard` of a study (`command`: `sweep` or `compare`) of `scenarios` (each as
    /// simulated, with its file path and text; a sweep's: the base scenario) with `runs` runs
    /// under `seed` and the flags `options`: the blocks `blocks`, simulated into `study`.
    #[allow(clippy::too_many_arguments)]
    pub fn of_study(
        command: &str,
        shard: Shard,
        name: &str,
        scenarios: &[(&Scenario, StoredScenario)],
        options: Vec<String>,
        (runs, seed): (u64, u64),
        blocks: Range<u64>,
        study: StudyPart,
    ) -> Part {
        let simulated: Vec<&Scenario> = scenarios.iter().map(|(s, _)| *s).collect();
        let mut stored = scenarios.iter().map(|(_, file)| file.clone());
        let first = stored.next().unwrap_or(StoredScenario {
            path: String::new(),
            text: String::new(),
        });
        Part {
            format: PART_FORMAT.to_string(),
            format_version: PART_FORMAT_VERSION,
            spotsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_sha256: scenarios_sha256(&simulated),
            name: name.to_string(),
            scenario_path: first.path,
            scenario_text: first.text,
            runs,
            seed,
            shard: shard.index,
            shards: shard.count,
            blocks,
            command: command.to_string(),
            options,
            more_scenarios: stored.collect(),
            stats: None,
            fleet: None,
            study: Some(study),
            stats_sha256: String::new(),
        }
        .sealed()
    }

    /// The part with its [`Part::stats_sha256`] set.
    fn sealed(mut self) -> Part {
        self.stats_sha256 = self.statistics_sha256();
        self
    }

    /// The SHA-256 (hex) of the part's statistics in their JSON form.
    pub fn statistics_sha256(&self) -> String {
        let json = serde_json::to_string(&(&self.stats, &self.fleet, &self.study))
            .expect("statistics serialise to JSON");
        hex(&Sha256::digest(json.as_bytes()))
    }

    /// The part as JSON (one line, ending with a newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string(self).expect("parts serialise to JSON");
        text.push('\n');
        text
    }

    /// Reads a part written by [`Part::to_json`].
    ///
    /// # Errors
    /// A message (without the file name) when `text` is not a part of this format version.
    pub fn from_json(text: &str) -> Result<Part, String> {
        let header: PartHeader = serde_json::from_str(text).map_err(|e| {
            format!(
                "{}:{}: not a spotsim part file (JSON written by spotsim run --shard): {e}",
                e.line(),
                e.column()
            )
        })?;
        if header.format.as_deref() != Some(PART_FORMAT) {
            return Err("not a spotsim part file (written by spotsim run --shard)".to_string());
        }
        if header.format_version != Some(PART_FORMAT_VERSION) {
            return Err(format!(
                "part format version {} (spotsim {}), this spotsim {} reads version \
                 {PART_FORMAT_VERSION}: merge with the spotsim that wrote the parts",
                header
                    .format_version
                    .map_or_else(|| "missing".to_string(), |v| v.to_string()),
                header.spotsim_version.as_deref().unwrap_or("unknown"),
                env!("CARGO_PKG_VERSION"),
            ));
        }
        let part: Part = serde_json::from_str(text).map_err(|e| {
            format!(
                "{}:{}: a damaged spotsim part file: {e}",
                e.line(),
                e.column()
            )
        })?;
        let sha = part.statistics_sha256();
        if sha != part.stats_sha256 {
            return Err(format!(
                "the statistics do not match their SHA-256 (stats_sha256 {}, computed {sha}): \
                 the file was altered or damaged",
                part.stats_sha256
            ));
        }
        Ok(part)
    }

    /// What is wrong with this part on its own: a shard number out of range, blocks other than
    /// its shard's, statistics of other blocks or another number of runs.
    fn check_alone(&self) -> Result<(), String> {
        let shard = Shard::from_index(self.shard.wrapping_sub(1), self.shards)
            .map_err(|_| format!("shard {}/{} is not a shard", self.shard, self.shards))?;
        match (self.command.as_str(), &self.stats, &self.fleet) {
            ("run", Some(stats), None) if self.study.is_none() => self.check_run(shard, stats),
            ("sweep" | "compare", None, None) if self.study.is_some() => self.check_study(shard),
            ("fleet", None, Some(fold)) if self.study.is_none() => {
                let expected = shard.blocks(self.runs);
                if self.blocks != expected || fold.months() != expected.end - expected.start {
                    return Err(format!(
                        "shard {shard} of {} months should hold months {expected:?}, it holds \
                         {:?} ({} months folded): the file was altered",
                        self.runs,
                        self.blocks,
                        fold.months()
                    ));
                }
                Ok(())
            }
            (command, _, _) => Err(format!(
                "a part of `spotsim {command}` without its statistics: the file was altered"
            )),
        }
    }

    /// [`Part::check_alone`] for a part of `spotsim sweep` or `compare`.
    fn check_study(&self, shard: Shard) -> Result<(), String> {
        let Some(study) = &self.study else {
            return Err("a study part without its statistics: the file was altered".to_string());
        };
        let expected = shard.blocks(block_count(self.runs));
        let runs = shard.runs(self.runs);
        if self.blocks != expected {
            return Err(format!(
                "shard {shard} of {} runs should hold blocks {expected:?}, it holds {:?}: the \
                 file was altered",
                self.runs, self.blocks
            ));
        }
        for (variant, stats) in study.variants.iter().enumerate() {
            if stats.blocks() != expected || stats.runs() != runs.end - runs.start {
                return Err(format!(
                    "variant {} holds blocks {:?} ({} runs), shard {shard} should hold blocks \
                     {expected:?} ({} runs): the file was altered",
                    variant + 1,
                    stats.blocks(),
                    stats.runs(),
                    runs.end - runs.start
                ));
            }
            stats
                .check()
                .map_err(|e| format!("variant {}: {e}: the file was altered", variant + 1))?;
        }
        study
            .check()
            .map_err(|e| format!("{e}: the file was altered"))
    }

    /// [`Part::check_alone`] for a part of `spotsim run`.
    fn check_run(&self, shard: Shard, stats: &ScenarioStats) -> Result<(), String> {
        let expected = shard.blocks(block_count(self.runs));
        let runs = shard.runs(self.runs);
        if self.blocks != expected
            || stats.blocks() != expected
            || stats.runs() != runs.end - runs.start
        {
            return Err(format!(
                "shard {shard} of {} runs should hold blocks {expected:?} ({} runs), it holds \
                 blocks {:?} ({} runs): the file was altered",
                self.runs,
                runs.end - runs.start,
                stats.blocks(),
                stats.runs()
            ));
        }
        stats
            .check()
            .map_err(|e| format!("{e}: the file was altered"))
    }
}

/// The parts of one simulation, checked and appended in block order.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The first part given, statistics emptied: the simulation's name, scenario and settings.
    pub first: Part,
    /// What the parts add up to, the same bits as one machine's.
    pub whole: Whole,
}

/// The merged statistics of a simulation, by command.
#[derive(Debug, Clone)]
pub enum Whole {
    /// `spotsim run`: the statistics of all runs (boxed: far larger than a fold's handles).
    Run(Box<ScenarioStats>),
    /// `spotsim fleet`: every month, folded.
    Fleet(Fold),
    /// `spotsim sweep` or `compare`: every variant's statistics and the study's total.
    Study(Box<StudyPart>),
}

/// Checks that `parts` (each with its file name) are every shard of one simulation, each once,
/// and appends their statistics in block order.
///
/// # Errors
/// Every problem found, one a line, each naming its file: parts of another version, scenario,
/// seed, number of runs or of shards than the first; a shard given twice; missing shards.
pub fn merge_parts(parts: Vec<(String, Part)>) -> Result<Merged, String> {
    let mut problems = Vec::new();
    let Some((first_file, first)) = parts.first().cloned() else {
        return Err("no part to merge".to_string());
    };
    for (file, part) in &parts {
        if let Err(problem) = part.check_alone() {
            problems.push(format!("{file}: {problem}"));
        }
        let mut differs = |what: &str, theirs: String, ours: String| {
            if theirs != ours {
                problems.push(format!(
                    "{file}: {what} {theirs}, but {first_file} has {ours}: parts of different \
                     simulations cannot be merged"
                ));
            }
        };
        differs(
            "spotsim version",
            part.spotsim_version.clone(),
            first.spotsim_version.clone(),
        );
        differs(
            "scenario SHA-256",
            part.scenario_sha256.clone(),
            first.scenario_sha256.clone(),
        );
        differs("command", part.command.clone(), first.command.clone());
        differs("options", part.options.join(" "), first.options.join(" "));
        differs("name", part.name.clone(), first.name.clone());
        differs("seed", part.seed.to_string(), first.seed.to_string());
        differs("runs", part.runs.to_string(), first.runs.to_string());
        differs(
            "shard count",
            part.shards.to_string(),
            first.shards.to_string(),
        );
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let mut by_shard: Vec<Option<(String, Part)>> = vec![None; first.shards as usize];
    for (file, part) in parts {
        let slot = &mut by_shard[(part.shard - 1) as usize];
        match slot {
            Some((earlier, _)) => problems.push(format!(
                "{file}: shard {}/{} again: {earlier} is that shard already",
                part.shard, part.shards
            )),
            None => *slot = Some((file, part)),
        }
    }
    let missing: Vec<String> = by_shard
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.is_none())
        .map(|(k, _)| format!("{}/{}", k + 1, first.shards))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "missing shard{} {}: merge needs every part of the simulation",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ));
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let mut first = first;
    let (stats, fleet) = (first.stats.take(), first.fleet.take());
    first.study = None;
    let whole = match (stats, fleet) {
        (Some(stats), _) => {
            let mut whole = ScenarioStats::new(stats.spot().is_some(), 0);
            for (file, part) in by_shard.into_iter().flatten() {
                // Checked alone above: a run part has its statistics.
                let Some(stats) = part.stats else { continue };
                whole
                    .append(stats)
                    .map_err(|reason| format!("{file}: {reason}"))?;
            }
            Whole::Run(Box::new(whole))
        }
        (None, Some(_)) => {
            let mut whole: Option<Fold> = None;
            for (file, part) in by_shard.into_iter().flatten() {
                // Checked alone above: a fleet part has its fold. Months come in shard order.
                let Some(fold) = part.fleet else { continue };
                match &mut whole {
                    None => whole = Some(fold),
                    Some(whole) => whole
                        .append(fold)
                        .map_err(|reason| format!("{file}: {reason}"))?,
                }
            }
            match whole {
                Some(fold) => Whole::Fleet(fold),
                None => return Err(format!("{first_file}: a part without statistics")),
            }
        }
        (None, None) => {
            let mut whole: Option<StudyPart> = None;
            for (file, part) in by_shard.into_iter().flatten() {
                // Checked alone above: a study part has its statistics.
                let Some(study) = part.study else { continue };
                match &mut whole {
                    None => whole = Some(study),
                    Some(whole) => whole
                        .append(study)
                        .map_err(|reason| format!("{file}: {reason}"))?,
                }
            }
            match whole {
                Some(study) => Whole::Study(Box::new(study)),
                None => return Err(format!("{first_file}: a part without statistics")),
            }
        }
    };
    Ok(Merged { first, whole })
}
