//! `spotsim merge`: the part files of `spotsim run --shard`, checked and combined into what
//! `spotsim run` prints.

use std::path::{Path, PathBuf};

use spotsim::load_scenario;
use spotsim::montecarlo::Estimate;
use spotsim::report::{RunReport, render_json, render_table};

use super::Failure;
use super::args::Format;
use super::output::{print_stdout, print_warning, print_warnings};

/// `spotsim merge`: checks the parts, appends them in block order, prints what `spotsim run`
/// prints. On any problem, nothing on stdout and exit 2.
pub(crate) fn merge(
    files: &[PathBuf],
    format: Format,
    scenario_path: Option<&Path>,
) -> Result<(), Failure> {
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let shown = file.display().to_string();
        match std::fs::read_to_string(file) {
            Err(e) => problems.push(format!("{shown}: cannot read the part file: {e}")),
            Ok(text) => match spotsim::shard::Part::from_json(&text) {
                Ok(part) => parts.push((shown, part)),
                Err(reason) => problems.push(format!("{shown}: {reason}")),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Failure::BadInput(problems.join("\n")));
    }
    let merged = spotsim::shard::merge_parts(parts).map_err(Failure::BadInput)?;
    let first = &merged.first;
    // The scenario as the shards ran it: re-read (its data files too), then checked against
    // the parts' hash.
    let (mut scenario, shown) = match scenario_path {
        Some(path) => (load_scenario(path)?, path.display().to_string()),
        None => (
            spotsim::scenario::parse_scenario(&first.scenario_text, &first.scenario_path).map_err(
                |errors| {
                    Failure::BadInput(format!(
                        "{errors}\n(the scenario is re-read from the text stored in the parts, \
                         its data files relative to {}; give --scenario PATH to read it from \
                         a file here)",
                        first.scenario_path
                    ))
                },
            )?,
            first.scenario_path.clone(),
        ),
    };
    scenario.simulation.runs = first.runs;
    scenario.simulation.seed = first.seed;
    if spotsim::shard::scenario_sha256(&scenario) != first.scenario_sha256 {
        return Err(Failure::BadInput(format!(
            "{shown}: the scenario read here (SHA-256 {}) is not the one the parts simulated \
             (SHA-256 {}): a value or a data file differs",
            spotsim::shard::scenario_sha256(&scenario),
            first.scenario_sha256
        )));
    }
    print_warnings(Path::new(&shown), &scenario);
    let estimate = Estimate::of(&merged.stats);
    if let Some(spot) = &estimate.spot
        && let Some(warning) =
            spotsim::precision::rare_outcome_warning(spot, scenario.simulation.runs, false)
    {
        print_warning(Path::new(&shown), &warning);
    }
    let report = RunReport {
        name: &first.name,
        scenario: &scenario,
        estimate: &estimate,
        precision: None,
    };
    print_stdout(&match format {
        Format::Table => render_table(&report),
        Format::Json => render_json(&report),
    })
}
