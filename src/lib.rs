//! spotsim: an offline lifecycle simulator and cost estimator for Amazon SageMaker Managed Spot
//! Training.
//!
//! The pipeline follows the data, one module a step:
//!
//! 1. [`scenario`]: TOML text → a validated [`scenario::Scenario`] (every problem reported at
//!    once, with file, line, key, value and rule). Its keys are declared once, in
//!    [`scenario::keys`], from which the parser's key lists and `spotsim schema`'s JSON Schema
//!    both come.
//! 2. [`engine`]: one training job's lifecycle as a discrete-event simulation: capacity waits,
//!    provisioning, downloads, training with checkpoints, interruptions, MaxRuntime and MaxWait
//!    stops, uploads. Pure: no I/O, no global RNG, no allocation per event.
//! 3. [`montecarlo`]: many runs in parallel with rayon, in blocks of 65,536 run indices; run `i`
//!    draws only from generators seeded from `(seed, i)` ([`rng`]), and blocks are combined in
//!    block order by one scheduler ([`montecarlo::blocks`]) for every command, so the output is
//!    byte-identical for any thread count. A study ([`montecarlo::study`]) runs several variants
//!    of a job over the same blocks; a stop request reaches them all through a
//!    [`montecarlo::cancel::Cancel`] token.
//! 4. [`accumulate`]: the streamed state of the runs, in memory that does not grow with their
//!    number: per-block [`moments`] (Welford, combined by Chan et al.) and quantile stores
//!    ([`sketch`]: exact up to 131,072 values, a relative-error sketch beyond).
//! 5. [`stats`]: means with standard errors, percentiles, outcome shares, savings.
//! 6. [`report`]: pure renderers (table, JSON, CSV, validation summary).
//!
//! [`sweep`] runs one scenario at every point of a grid of one or two keys with common random
//! numbers (every point runs the same run indices under the same seed), and [`advice`] gives
//! Young's and Daly's checkpoint intervals beside the simulated optimum.
//!
//! [`shard`] splits one simulation into shards of whole blocks for many machines, and merges
//! their part files into the very statistics one machine computes (`docs/distributed.md`).
//!
//! [`timeline`] replays a single run with a recording observer: the story of run `i`, status
//! by status, for `spotsim trace` (dated by [`clock`]) and the timeline chart.
//!
//! [`compare`] runs several scenarios under one seed, so that run `i` of each shares its random
//! streams (common random numbers), and pairs them run by run with [`paired`] statistics: exact
//! up to 131,072 runs, streamed beyond, like the quantile stores.
//!
//! [`recommend`] answers "what should I set?": spot or on-demand, the checkpoint interval (by
//! [`sweep`]s around Young's estimate) and the smallest `max_wait` and `max_run` reaching a
//! completion target, each with its 95 % interval.
//!
//! [`import`] turns what SageMaker users already have into a scenario: a `CreateTrainingJob`
//! request (with placeholders from [`templates`] for what a request cannot say, each marked
//! `# ASSUMED`) or a finished job's `DescribeTrainingJob` document (a replay of that job).
//!
//! The `spotsim` binary parses arguments, calls these, prints, and picks the exit code.
//! `docs/model.md` lists every assumption the engine makes.
//!
//! [`rng`]: montecarlo::rng
//! [`accumulate`]: stats::accumulate
//! [`moments`]: stats::moments
//! [`sketch`]: stats::sketch
//! [`paired`]: stats::paired
//! [`sweep`]: studies::sweep
//! [`advice`]: studies::advice
//! [`compare`]: studies::compare
//! [`recommend`]: studies::recommend
//! [`shard`]: montecarlo::shard
//! [`timeline`]: montecarlo::timeline
//! [`clock`]: units::clock
//! [`templates`]: import::templates

pub mod units;

pub mod inputs;
pub mod scenario;

pub mod engine;
pub mod montecarlo;
pub mod stats;

pub mod fleet;
pub mod studies;

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
}

/// Reads and validates a scenario file.
pub fn load_scenario(path: &Path) -> Result<scenario::Scenario, LoadError> {
    load_scenario_and_text(path).map(|(scenario, _)| scenario)
}

/// As [`load_scenario`], also returning the file's text, for commands that show or rewrite it
/// (a report quotes it, a sweep applies its grid to it): one read, so both agree.
pub fn load_scenario_and_text(path: &Path) -> Result<(scenario::Scenario, String), LoadError> {
    let (text, shown) = read_text(path, "scenario")?;
    let scenario = scenario::parse_scenario(&text, &shown)?;
    Ok((scenario, text))
}

/// Reads and validates a fleet file (`spotsim fleet`, `docs/fleet.md`).
pub fn load_fleet(path: &Path) -> Result<fleet::Fleet, LoadError> {
    let (text, shown) = read_text(path, "fleet")?;
    Ok(fleet::parse_fleet(&text, &shown)?)
}

/// A UTF-8 text file and its path as shown in messages; `what` names the kind of file.
fn read_text(path: &Path, what: &'static str) -> Result<(String, String), LoadError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: shown.clone(),
        what,
        source,
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
