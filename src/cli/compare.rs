//! `spotsim compare`: several scenarios run with common random numbers, side by side and
//! paired run by run with the first.

use std::path::{Path, PathBuf};

use spotsim::load_scenario;
use spotsim::scenario::Scenario;

use super::Failure;
use super::args::{Format, SimulationArgs};
use super::load::job_name;
use super::output::{
    chart_format_of, check_writable_parent, print_stdout, print_warnings, thread_pool,
    with_progress, write_file,
};

/// `spotsim compare`'s options.
pub(crate) struct CompareOptions<'a> {
    pub(crate) sim: SimulationArgs,
    pub(crate) format: Format,
    pub(crate) chart: Option<&'a Path>,
    pub(crate) target_completion: f64,
}

/// `spotsim compare`: every bad file is reported at once, before anything runs.
pub(crate) fn compare_scenarios(
    paths: &[PathBuf],
    options: CompareOptions<'_>,
) -> Result<(), Failure> {
    let CompareOptions {
        sim:
            SimulationArgs {
                runs,
                seed,
                threads,
                quiet,
            },
        format,
        chart,
        target_completion,
    } = options;
    if paths.len() < 2 {
        return Err(Failure::BadInput(format!(
            "spotsim compare needs at least two scenario files, got {}: the first is the \
             baseline the others are compared with\n\nUsage: spotsim compare A.toml B.toml \
             [C.toml ...] [--runs N] [--seed S]",
            paths.len()
        )));
    }
    // Every bad file (and a bad --chart) at once, before anything runs.
    let mut problems = Vec::new();
    let mut loaded = Vec::new();
    for path in paths {
        match load_scenario(path) {
            Ok(scenario) => loaded.push((path, scenario)),
            Err(error) => problems.push(error.to_string()),
        }
    }
    let chart_format = match chart {
        None => None,
        Some(path) => match chart_format_of(path) {
            Ok(format) => match check_writable_parent("--chart", path) {
                Ok(()) => Some((path, format)),
                Err(Failure::BadInput(message)) => {
                    problems.push(message);
                    None
                }
                Err(other) => return Err(other),
            },
            Err(message) => {
                problems.push(message);
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(Failure::BadInput(problems.join("\n")));
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let settings = {
        let files: Vec<(&str, &Scenario)> = shown
            .iter()
            .zip(&loaded)
            .map(|(file, (_, scenario))| (file.as_str(), scenario))
            .collect();
        spotsim::studies::compare::common_settings(&files, runs, seed)
    };
    if let (Some(note), false) = (&settings.note, quiet) {
        eprintln!("note: {note}");
    }
    let names = spotsim::studies::compare::unique_names(
        &loaded
            .iter()
            .zip(&shown)
            .map(|((path, scenario), file)| (job_name(path, scenario), file.clone()))
            .collect::<Vec<_>>(),
    );
    let entries: Vec<spotsim::studies::compare::Entry> = loaded
        .into_iter()
        .zip(shown)
        .zip(names)
        .map(|(((path, mut scenario), file), name)| {
            scenario.simulation.runs = settings.runs;
            scenario.simulation.seed = settings.seed;
            print_warnings(path, &scenario);
            spotsim::studies::compare::Entry {
                name,
                file,
                scenario,
            }
        })
        .collect();
    let pool = thread_pool(threads)?;
    let scenarios: Vec<&spotsim::scenario::Scenario> =
        entries.iter().map(|e| &e.scenario).collect();
    let total = spotsim::montecarlo::study::total_runs(&scenarios, settings.runs);
    let count = super::output::Count::runs(total, settings.runs * scenarios.len() as u64);
    let comparison = with_progress(quiet, count, |done| {
        pool.install(|| {
            spotsim::studies::compare::compare_cancellable(entries, done, &super::CANCEL)
        })
    })
    .map_err(|_| Failure::Runtime(super::interrupted()))?;
    if let Some((path, chart_format)) = chart_format {
        let bytes = pool
            .install(|| spotsim::charts::render_comparison(&comparison, chart_format))
            .map_err(|e| Failure::Runtime(e.into()))?;
        write_file(path, &bytes)?;
        if !quiet {
            eprintln!("chart: {}", path.display());
        }
    }
    print_stdout(&match format {
        Format::Table => spotsim::report::render_compare_table(&comparison, target_completion),
        Format::Json => spotsim::report::render_compare_json(&comparison, target_completion),
    })
}
