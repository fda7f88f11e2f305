//! Shards: one simulation split across machines, then merged into the very output one machine
//! prints.
//!
//! Run `i` depends only on `(seed, i)` ([`crate::montecarlo::rng`]), and the statistics of consecutive
//! blocks of [`crate::stats::accumulate::BLOCK_RUNS`] run indices append to the bits of a single pass
//! ([`ScenarioStats::append`]). So shard `K` of `N` simulates a contiguous range of whole blocks
//! ([`Shard::blocks`]), writes a [`Part`] (JSON) holding its [`ScenarioStats`], and
//! [`merge_parts`] appends the parts in block order: the merged figures are those of one
//! `spotsim run`, whatever `N`, the thread counts or the machines.
//!
//! A part names the simulation it belongs to: spotsim's version, the seed, the number of runs,
//! `N`, and the SHA-256 of the canonical scenario ([`scenario_sha256`]). [`merge_parts`] refuses
//! parts that disagree, a shard given twice and missing shards, all at once.
//!
//! A fleet (`spotsim fleet`) shards the same way by months: month `m` depends only on the
//! seed and `m`, so shard `K` simulates a contiguous range of months and its part holds their
//! [`Fold`], which appends in month order ([`Fold::append`]).
//!
//! Shards are numbered from 1 (`--shard 1/3` .. `--shard 3/3`); the array-job indices of the
//! schedulers ([`ENV_VARS`]) count from 0, and [`Shard::from_index`] adds the 1.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fleet::Fold;
use crate::scenario::Scenario;
use crate::scenario::fleet::Fleet;
use crate::stats::accumulate::{ScenarioStats, block_count, block_runs};

/// The `format` field of every part file.
pub const PART_FORMAT: &str = "spotsim-part";
/// The version of the part file's layout; a reader refuses any other.
pub const PART_FORMAT_VERSION: u32 = 1;

/// The environment variables an array job's index is read from, first set first: Kubernetes
/// Indexed Jobs, AWS Batch array jobs (both from 0), Slurm job arrays (whatever `--array`
/// says: give `--array=0-(N-1)`).
pub const ENV_VARS: [&str; 3] = [
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "SLURM_ARRAY_TASK_ID",
];

/// Shard `index` of `count`, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `1..=count`.
    pub index: u64,
    /// How many shards in all, at least 1.
    pub count: u64,
}

impl Shard {
    /// `K/N` as on the command line, `1 <= K <= N`.
    ///
    /// # Errors
    /// A message saying what is wrong with `text`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not K/N: give e.g. 2/8 (shard 2 of 8)"))?;
        let number = |part: &str, what: &str| {
            part.trim()
                .parse::<u64>()
                .map_err(|_| format!("`{text}`: {what} `{part}` is not a whole number"))
        };
        let (index, count) = (number(k, "K")?, number(n, "N")?);
        if count == 0 {
            return Err(format!("`{text}`: N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "`{text}`: K counts from 1 to N ({count}); an array job's index from 0 is \
                 read by --shard-from-env {count}"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard of a 0-based array index, `index < count`.
    ///
    /// # Errors
    /// When the index is not below `count`.
    pub fn from_index(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("the number of shards must be at least 1".to_string());
        }
        if index >= count {
            return Err(format!(
                "index {index} is not one of the {count} shards' indices, 0 to {}",
                count - 1
            ));
        }
        Ok(Shard {
            index: index + 1,
            count,
        })
    }

    /// The shard of `count` whose 0-based index is in the first of [`ENV_VARS`] that `var`
    /// finds set (and not empty).
    ///
    /// # Errors
    /// When none is set, or the first set is not an index below `count`.
    pub fn from_env(count: u64, var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let found = ENV_VARS
            .iter()
            .find_map(|name| var(name).filter(|v| !v.is_empty()).map(|v| (*name, v)));
        let Some((name, value)) = found else {
            return Err(format!(
                "--shard-from-env {count}: none of {} is set: run it as an array job, or give \
                 --shard K/{count}",
                ENV_VARS.join(", ")
            ));
        };
        let index = value.trim().parse::<u64>().map_err(|_| {
            format!("--shard-from-env {count}: {name}={value} is not a whole number")
        })?;
        Shard::from_index(index, count).map_err(|reason| {
            let hint = if name == "SLURM_ARRAY_TASK_ID" {
                format!(
                    " (submit with sbatch --array=0-{})",
                    count.saturating_sub(1)
                )
            } else {
                String::new()
            };
            format!("--shard-from-env {count}: {name}={value}: {reason}{hint}")
        })
    }

    /// The blocks of this shard among `blocks` blocks: contiguous, in shard order, their sizes
    /// differing by at most one. With more shards than blocks, some shards have none.
    pub fn blocks(self, blocks: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(k) * u128::from(blocks) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }

    /// The run indices of this shard in a simulation of `runs` runs.
    pub fn runs(self, runs: u64) -> Range<u64> {
        let blocks = self.blocks(block_count(runs));
        let start = block_runs(blocks.start, runs).start;
        if blocks.is_empty() {
            return start..start;
        }
        start..block_runs(blocks.end - 1, runs).end
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The SHA-256 (hex) of the scenario as simulated: its canonical JSON form (the `scenario`
/// object of `spotsim run --format json`), after `--runs` and `--seed`. Canonical rather than
/// the file's text, so that comments and layout do not matter but every value does, including
/// what the parser read from data files (a trace's length, a price history's mean).
pub fn scenario_sha256(scenario: &Scenario) -> String {
    let json = serde_json::to_string(scenario).expect("scenarios serialise to JSON");
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
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
    /// The command that wrote the part: `run` or `fleet` (absent, as in parts of earlier
    /// versions: `run`).
    #[serde(default = "run_command", skip_serializing_if = "is_run")]
    pub command: String,
    /// The command-line flags that changed what was simulated beyond `--runs` and `--seed`
    /// (`--no-quotas`), applied again when the parts are merged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// `run`: the statistics of those blocks' runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<ScenarioStats>,
    /// `fleet`: the months simulated (`blocks` are then months), folded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<Fold>,
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
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
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
            stats: Some(stats),
            fleet: None,
        }
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
            stats: None,
            fleet: Some(fold),
        }
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
        serde_json::from_str(text).map_err(|e| {
            format!(
                "{}:{}: a damaged spotsim part file: {e}",
                e.line(),
                e.column()
            )
        })
    }

    /// What is wrong with this part on its own: a shard number out of range, blocks other than
    /// its shard's, statistics of other blocks or another number of runs.
    fn check_alone(&self) -> Result<(), String> {
        let shard = Shard::from_index(self.shard.wrapping_sub(1), self.shards)
            .map_err(|_| format!("shard {}/{} is not a shard", self.shard, self.shards))?;
        match (self.command.as_str(), &self.stats, &self.fleet) {
            ("run", Some(stats), None) => self.check_run(shard, stats),
            ("fleet", None, Some(fold)) => {
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
        Ok(())
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
        (None, None) => return Err(format!("{first_file}: a part without statistics")),
    };
    Ok(Merged { first, whole })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_blocks_evenly_contiguously_and_completely() {
        for blocks in [0, 1, 4, 7, 1526] {
            for count in 1..=9 {
                let mut next = 0;
                for index in 1..=count {
                    let range = Shard { index, count }.blocks(blocks);
                    assert_eq!(range.start, next);
                    let size = range.end - range.start;
                    assert!(size == blocks / count || size == blocks / count + 1);
                    next = range.end;
                }
                assert_eq!(next, blocks);
            }
        }
        // 200,000 runs: 4 blocks, the last partial.
        let runs = |index, count| Shard { index, count }.runs(200_000);
        assert_eq!(runs(1, 3), 0..65_536);
        assert_eq!(runs(3, 3), 131_072..200_000);
        assert_eq!(runs(1, 8), 0..0);
        assert_eq!(runs(8, 8), 196_608..200_000);
    }

    #[test]
    fn shard_numbers_are_checked() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/2", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        assert_eq!(
            Shard::from_env(4, env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "3")])),
            Ok(Shard { index: 4, count: 4 })
        );
        // The first variable set wins; an empty one counts as unset.
        assert_eq!(
            Shard::from_env(
                4,
                env(&[("JOB_COMPLETION_INDEX", ""), ("SLURM_ARRAY_TASK_ID", "0")])
            ),
            Ok(Shard { index: 1, count: 4 })
        );
        let error = Shard::from_env(4, env(&[("SLURM_ARRAY_TASK_ID", "4")])).unwrap_err();
        assert!(error.contains("sbatch --array=0-3"), "{error}");
        assert!(
            Shard::from_env(4, env(&[]))
                .unwrap_err()
                .contains("none of")
        );
    }
}
