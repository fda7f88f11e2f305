//! `spotsim import`: a scenario from a SageMaker CreateTrainingJob request or a finished job's
//! DescribeTrainingJob document.

use std::path::Path;

use super::Failure;
use super::output::print_stdout;

/// `spotsim import`: the scenario on stdout; warnings and the assumed keys on stderr.
pub(crate) fn import_document(source: spotsim::import::Source, path: &Path) -> Result<(), Failure> {
    let imported = spotsim::import::import_file(source, path)
        .map_err(|error| Failure::BadInput(error.to_string()))?;
    print_stdout(&imported.scenario_toml)?;
    for warning in &imported.warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    eprint!("{}", spotsim::import::render_assumed_note(&imported));
    Ok(())
}
