//! Reading the files the commands are given: a scenario or a fleet with the command line's
//! `--runs` and `--seed` applied, and the job's display name.

use std::path::Path;

use spotsim::load_scenario_and_text;
use spotsim::scenario::Scenario;

use super::Failure;

/// Loads a scenario and applies the command line's `--runs` and `--seed`.
pub(crate) fn load_with_overrides(
    path: &Path,
    runs: Option<u64>,
    seed: Option<u64>,
) -> Result<Scenario, Failure> {
    load_with_overrides_and_text(path, runs, seed).map(|(scenario, _)| scenario)
}

/// As [`load_with_overrides`], with the file's text as read.
pub(crate) fn load_with_overrides_and_text(
    path: &Path,
    runs: Option<u64>,
    seed: Option<u64>,
) -> Result<(Scenario, String), Failure> {
    let (mut scenario, text) = load_scenario_and_text(path)?;
    if let Some(runs) = runs {
        scenario.simulation.runs = runs;
    }
    if let Some(seed) = seed {
        scenario.simulation.seed = seed;
    }
    Ok((scenario, text))
}

/// The display name: the job's `name`, else the file stem.
pub(crate) fn job_name(path: &Path, scenario: &Scenario) -> String {
    spotsim::job_name(path, scenario)
}

/// Whether `path` is a fleet file (a top-level `workload` array) rather than a scenario; a
/// file that cannot be read is left to the scenario loader to report.
pub(crate) fn is_fleet_file(path: &Path) -> bool {
    spotsim::inputs::bounded::read_bounded_text(path, spotsim::inputs::bounded::FileKind::Fleet)
        .is_ok_and(|text| spotsim::fleet::is_fleet_text(&text))
}

/// Loads a fleet file with the command line's `--runs` and `--seed`, printing its notes.
pub(crate) fn load_fleet_with_overrides(
    path: &Path,
    runs: Option<u64>,
    seed: Option<u64>,
    quiet: bool,
) -> Result<spotsim::fleet::Fleet, Failure> {
    let mut fleet = spotsim::load_fleet(path)?;
    if let Some(runs) = runs {
        fleet.runs = runs;
    }
    if let Some(seed) = seed {
        fleet.seed = seed;
    }
    if !quiet {
        for note in &fleet.notes {
            eprintln!("warning: {}", note.message);
            eprintln!("  hint: {}", note.hint);
        }
    }
    Ok(fleet)
}
