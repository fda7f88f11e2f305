//! spotsim: an offline lifecycle simulator and cost estimator for Amazon SageMaker Managed Spot
//! Training.
//!
//! # The pipeline
//!
//! The modules follow the data, each importing only from the modules above it in this list
//! (`docs/architecture.md` has the map, file by file):
//!
//! 1. [`units`]: durations, timestamps and numbers as people write and read them.
//! 2. [`inputs`]: the data a scenario is built from: distributions, CSV data files,
//!    availability traces, spot price histories, training-speed profiles.
//! 3. [`scenario`]: TOML text → a validated [`scenario::Scenario`] (or a
//!    [`scenario::fleet::Fleet`]), every problem reported at once with file, line, key, value
//!    and rule. Keys are declared once, in [`scenario::keys`], from which the parser's key lists
//!    and `spotsim schema`'s JSON Schema both come.
//! 4. [`engine`]: one training job's lifecycle as a discrete-event simulation. Pure: no I/O,
//!    no global state, no allocation per event; its random numbers come from the generators
//!    it is handed.
//! 5. [`stats`]: the streamed state of many runs, in memory that does not grow with their
//!    number: per-block moments, quantile stores, summaries, paired differences.
//! 6. [`montecarlo`]: many runs in parallel with rayon, in blocks of 65,536 run indices; run
//!    `i` draws only from generators seeded from `(seed, i)` ([`montecarlo::rng`]), and
//!    blocks are combined in block order, so the output is byte-identical for any thread
//!    count. Also: the `--target-rse` rule ([`montecarlo::precision`]), shards for many
//!    machines ([`montecarlo::shard`]), and one run replayed status by status
//!    ([`montecarlo::timeline`]).
//! 7. [`studies`] (a grid of settings, several scenarios side by side, "what should I set?")
//!    and [`fleet`] (a team's month of jobs under quotas): questions answered by many
//!    simulations with common random numbers. [`parts`]: what a shard of `run`, `fleet`,
//!    `sweep` or `compare` writes, checked and merged into one machine's figures.
//! 8. [`import`]: scenarios from what SageMaker users already have (`CreateTrainingJob`
//!    requests, `DescribeTrainingJob` documents, recorded jobs and traces to fit).
//! 9. [`charts`] and [`report`]: pure renderers, from results to PNG/SVG and to text, JSON,
//!    CSV, HTML and Markdown. No renderer simulates.
//!
//! The `spotsim` binary (`src/main.rs`, `src/cli/`) parses arguments, calls these, prints,
//! writes files atomically and picks the exit code: it is the only place that does.
//!
//! # Invariants
//!
//! - Same seed ⇒ byte-identical output, whatever the thread count or the number of shards.
//! - A user's mistake is an error value naming file, key, value and rule; the library never
//!   panics on user input and never prints.
//! - `docs/model.md` lists every assumption the engine makes.

pub mod units;

pub mod inputs;
pub mod scenario;

pub mod engine;
pub mod montecarlo;
pub mod stats;

pub mod fleet;
pub mod studies;

pub mod parts;

pub mod import;

pub mod charts;
pub mod report;

use std::path::Path;

/// Why a scenario file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read the {what} file: {source}")]
    Read {
        /// The path as given.
        path: String,
        /// `scenario` or `fleet`.
        what: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a regular file, or passes the size cap of its kind
    /// ([`inputs::bounded`]).
    #[error("{path}: {source}")]
    Refused {
        /// The path as given.
        path: String,
        /// Why it was not read.
        source: inputs::bounded::ReadError,
    },
    /// The file is not UTF-8 text.
    #[error("{path}:{line}:{column}: the {what} file is not UTF-8 text (save it as UTF-8)")]
    NotUtf8 {
        /// The path as given.
        path: String,
        /// `scenario` or `fleet`.
        what: &'static str,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based column (characters) of the first invalid byte.
        column: usize,
    },
    /// The file was read but breaks the format's rules.
    #[error("{0}")]
    Invalid(#[from] scenario::ScenarioErrors),
    /// The file is the other kind: a fleet file given where a scenario is read, or the reverse.
    #[error("{path}: this is a {found} file{why}: use `spotsim {command} {path}`{also}")]
    WrongKind {
        /// The path as given.
        path: String,
        /// `fleet` or `scenario`.
        found: &'static str,
        /// What gave it away.
        why: &'static str,
        /// The command that reads it.
        command: &'static str,
        /// Other commands that read it.
        also: &'static str,
    },
}

/// The display name of a scenario read from `path`: the job's `name`, else the file stem
/// (`job` when the path has none). Every report and the Python package name a job so.
pub fn job_name(path: &Path, scenario: &scenario::Scenario) -> String {
    let stem = path
        .file_stem()
        .map_or_else(|| "job".to_string(), |s| s.to_string_lossy().into_owned());
    scenario.display_name(&stem).to_string()
}

/// Reads and validates a scenario file.
pub fn load_scenario(path: &Path) -> Result<scenario::Scenario, LoadError> {
    load_scenario_and_text(path).map(|(scenario, _)| scenario)
}

/// As [`load_scenario`], also returning the file's text, for commands that show or rewrite it
/// (a report quotes it, a sweep applies its grid to it): one read, so both agree.
pub fn load_scenario_and_text(path: &Path) -> Result<(scenario::Scenario, String), LoadError> {
    let (text, shown) = read_text(path, "scenario")?;
    if scenario::fleet::is_fleet_text(&text) {
        return Err(LoadError::WrongKind {
            path: shown,
            found: "fleet",
            why: " (it has [[workload]] tables)",
            command: "fleet",
            also: " (or `spotsim report` for its review; docs/fleet.md)",
        });
    }
    let scenario = scenario::parse_scenario(&text, &shown)?;
    Ok((scenario, text))
}

/// Reads and validates a fleet file (`spotsim fleet`, `docs/fleet.md`).
pub fn load_fleet(path: &Path) -> Result<fleet::Fleet, LoadError> {
    load_fleet_and_text(path).map(|(fleet, _)| fleet)
}

/// As [`load_fleet`], also returning the file's text (a shard's part carries it).
pub fn load_fleet_and_text(path: &Path) -> Result<(fleet::Fleet, String), LoadError> {
    let (text, shown) = read_text(path, "fleet")?;
    if scenario::fleet::is_scenario_text(&text) {
        return Err(LoadError::WrongKind {
            path: shown,
            found: "scenario",
            why: " (it has a [job] table and no [[workload]])",
            command: "run",
            also: " (a fleet file lists scenarios in [[workload]] tables: docs/fleet.md)",
        });
    }
    let fleet = fleet::parse_fleet(&text, &shown)?;
    Ok((fleet, text))
}

/// A UTF-8 text file and its path as shown in messages; `what` names the kind of file.
fn read_text(path: &Path, what: &'static str) -> Result<(String, String), LoadError> {
    use inputs::bounded::{FileKind, ReadError, read_bounded};
    let shown = path.display().to_string();
    let kind = if what == "fleet" {
        FileKind::Fleet
    } else {
        FileKind::Scenario
    };
    let bytes = read_bounded(path, kind).map_err(|error| match error {
        ReadError::Io { source, .. } => LoadError::Read {
            path: shown.clone(),
            what,
            source,
        },
        source => LoadError::Refused {
            path: shown.clone(),
            source,
        },
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, shown)),
        Err(error) => {
            let bytes = error.as_bytes();
            let valid_up_to = error.utf8_error().valid_up_to();
            // Everything before the first bad byte is valid text: locate the byte in it.
            let valid = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
            let line = valid.matches('\n').count() + 1;
            let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
            Err(LoadError::NotUtf8 {
                path: shown,
                what,
                line,
                column: valid[line_start..].chars().count() + 1,
            })
        }
    }
}
