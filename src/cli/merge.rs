//! `spotsim merge`: the part files of `spotsim run --shard` or `spotsim fleet --shard`, checked
//! and combined into what the command prints on one machine.

use std::path::{Path, PathBuf};

use spotsim::inputs::bounded::{FileKind, read_bounded_text};
use spotsim::load_scenario;
use spotsim::montecarlo::Estimate;
use spotsim::parts::{Merged, Whole};
use spotsim::report::{RunReport, render_json, render_table};

use super::Failure;
use super::args::{Format, SweepFormat};
use super::output::{print_stdout, print_warning, print_warnings};

/// `spotsim merge`: checks the parts, appends them in block order, prints what `spotsim run`
/// prints. On any problem, nothing on stdout and exit 2.
pub(crate) fn merge(
    files: &[PathBuf],
    format: SweepFormat,
    scenario_path: Option<&Path>,
) -> Result<(), Failure> {
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let shown = file.display().to_string();
        match read_bounded_text(file, FileKind::Part) {
            Err(e) => problems.push(format!("{shown}: {e}")),
            Ok(text) => match spotsim::parts::Part::from_json(&text) {
                Ok(part) => parts.push((shown, part)),
                Err(reason) => problems.push(format!("{shown}: {reason}")),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Failure::BadInput(problems.join("\n")));
    }
    let Merged { first, whole } = spotsim::parts::merge_parts(parts).map_err(Failure::BadInput)?;
    let stats = match whole {
        Whole::Run(stats) => *stats,
        Whole::Fleet(fold) => return merge_fleet(&first, fold, format, scenario_path),
        Whole::Study(study) if first.command == "sweep" => {
            return super::sweep::merge_sweep(&first, *study, format, scenario_path);
        }
        Whole::Study(study) => {
            if scenario_path.is_some() {
                return Err(Failure::BadInput(
                    "--scenario: the parts are of spotsim compare, whose scenarios are re-read \
                     from the texts the parts carry (data files relative to the paths the \
                     shards were given)"
                        .to_string(),
                ));
            }
            let format = match format {
                SweepFormat::Table => Format::Table,
                SweepFormat::Json => Format::Json,
                SweepFormat::Csv => {
                    return Err(Failure::BadInput(
                        "--format csv: the parts are of spotsim compare, whose output is a \
                         table or JSON"
                            .to_string(),
                    ));
                }
            };
            return super::compare::merge_comparison(&first, *study, format);
        }
    };
    let first = &first;
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
    if spotsim::parts::scenario_sha256(&scenario) != first.scenario_sha256 {
        return Err(Failure::BadInput(format!(
            "{shown}: the scenario read here (SHA-256 {}) is not the one the parts simulated \
             (SHA-256 {}): a value or a data file differs",
            spotsim::parts::scenario_sha256(&scenario),
            first.scenario_sha256
        )));
    }
    print_warnings(Path::new(&shown), &scenario);
    let estimate = Estimate::of(&stats);
    if let Some(spot) = &estimate.spot
        && let Some(warning) = spotsim::montecarlo::precision::rare_outcome_warning(
            spot,
            scenario.simulation.runs,
            false,
        )
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
        SweepFormat::Table => render_table(&report),
        SweepFormat::Json => render_json(&report),
        SweepFormat::Csv => {
            return Err(Failure::BadInput(
                "--format csv: the parts are of spotsim run, whose output is a table or JSON \
                 (the rows of --runs-csv are written by each shard)"
                    .to_string(),
            ));
        }
    })
}

/// The fleet of the parts, re-read as `scenario_path` or from the text they carry, checked
/// against their hash, summarised from the merged months and printed as `spotsim fleet` does.
fn merge_fleet(
    first: &spotsim::parts::Part,
    fold: spotsim::fleet::Fold,
    format: SweepFormat,
    fleet_path: Option<&Path>,
) -> Result<(), Failure> {
    let (mut fleet, shown) = match fleet_path {
        Some(path) => (spotsim::load_fleet(path)?, path.display().to_string()),
        None => (
            spotsim::fleet::parse_fleet(&first.scenario_text, &first.scenario_path).map_err(
                |errors| {
                    Failure::BadInput(format!(
                        "{errors}\n(the fleet is re-read from the text stored in the parts, its \
                         scenario and data files relative to {}; give --scenario PATH to read \
                         it from a file here)",
                        first.scenario_path
                    ))
                },
            )?,
            first.scenario_path.clone(),
        ),
    };
    fleet.runs = first.runs;
    fleet.seed = first.seed;
    if first.options.iter().any(|o| o == "--no-quotas") {
        fleet.quotas.clear();
    }
    let sha = spotsim::parts::fleet_sha256(&fleet);
    if sha != first.scenario_sha256 {
        return Err(Failure::BadInput(format!(
            "{shown}: the fleet read here (SHA-256 {sha}) is not the one the parts simulated \
             (SHA-256 {}): a value, a scenario or a data file differs",
            first.scenario_sha256
        )));
    }
    let model = spotsim::fleet::FleetModel::new(&fleet);
    let report = spotsim::fleet::summarise(&fleet, &first.scenario_path, &model, fold);
    print_stdout(&match format {
        SweepFormat::Table => spotsim::report::render_fleet_table(&report),
        SweepFormat::Json => spotsim::report::render_fleet_json(&report),
        SweepFormat::Csv => spotsim::report::render_fleet_csv(&report),
    })
}
