//! spotsim: an offline lifecycle simulator and cost estimator for Amazon SageMaker Managed Spot
//! Training.
//!
//! The pipeline follows the data, one module a step:
//!
//! 1. [`scenario`]: TOML text → a validated [`scenario::Scenario`] (every problem reported at
//!    once, with file, line, key, value and rule).
//! 2. [`engine`]: one training job's lifecycle as a discrete-event simulation: capacity waits,
//!    provisioning, downloads, training with checkpoints, interruptions, MaxRuntime and MaxWait
//!    stops, uploads. Pure: no I/O, no global RNG, no allocation per event.
//! 3. [`montecarlo`]: many runs in parallel with rayon; run `i` draws only from generators
//!    seeded from `(seed, i)` ([`rng`]), and results are kept in run order, so the output is
//!    byte-identical for any thread count.
//! 4. [`stats`]: means with standard errors, exact percentiles, outcome shares, savings.
//! 5. [`report`]: pure renderers (table, JSON, CSV, validation summary).
//!
//! The `spotsim` binary parses arguments, calls these, prints, and picks the exit code.
//! `docs/model.md` lists every assumption the engine makes.

pub mod dist;
pub mod duration;
pub mod engine;
pub mod montecarlo;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stats;

use std::path::Path;

/// Why a scenario file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read the scenario file: {source}")]
    Read {
        /// The path as given.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file was read but breaks the format's rules.
    #[error("{0}")]
    Invalid(#[from] scenario::ScenarioErrors),
}

/// Reads and validates a scenario file.
pub fn load_scenario(path: &Path) -> Result<scenario::Scenario, LoadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: shown.clone(),
        source,
    })?;
    Ok(scenario::parse_scenario(&text, &shown)?)
}
