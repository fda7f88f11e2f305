//! `spotsim regions`: a job that reads the Spot Advisor feed, run in every region that offers
//! its type with common random numbers, and ranked.

use std::path::Path;

use spotsim::load_scenario_and_text;
use spotsim::studies::regions::{entries, rank, region_variants};

use super::Failure;
use super::args::{Format, SimulationArgs};
use super::compare::CompareOptions;
use super::output::{
    chart_format_of, check_writable_parent, print_stdout, print_warnings, thread_pool,
    with_progress, write_file,
};

/// `spotsim regions`: every problem (the file, the regions asked for, `--chart`) at once, before
/// anything runs.
pub(crate) fn regions(
    path: &Path,
    wanted: &[String],
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
        ..
    } = options;
    let (mut scenario, text) =
        load_scenario_and_text(path).map_err(|e| Failure::BadInput(e.to_string()))?;
    if let Some(runs) = runs {
        scenario.simulation.runs = runs;
    }
    if let Some(seed) = seed {
        scenario.simulation.seed = seed;
    }
    let shown = path.display().to_string();
    let wanted = (!wanted.is_empty()).then_some(wanted);
    let mut problems = Vec::new();
    let variants = match region_variants(&text, &shown, &scenario, wanted) {
        Ok(variants) => variants,
        Err(found) => {
            problems.extend(found);
            Vec::new()
        }
    };
    let chart_format = match chart {
        None => None,
        Some(chart_path) => match chart_format_of(chart_path) {
            Ok(chart_format) => match check_writable_parent("--chart", chart_path) {
                Ok(()) => Some((chart_path, chart_format)),
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
    print_warnings(path, &scenario);
    let pool = thread_pool(threads)?;
    let ranking = simulate_and_rank(&variants, scenario.simulation.runs, &pool, quiet)?;
    if let Some((chart_path, chart_format)) = chart_format {
        let bytes = pool
            .install(|| spotsim::charts::render_comparison(&ranking.comparison, chart_format))
            .map_err(|e| Failure::Runtime(e.into()))?;
        write_file(chart_path, &bytes)?;
        if !quiet {
            eprintln!("chart: {}", chart_path.display());
        }
    }
    print_stdout(&match format {
        Format::Table => spotsim::report::render_regions_table(&ranking),
        Format::Json => spotsim::report::render_regions_json(&ranking),
    })
}

/// Runs every region's variant of the job (`runs` runs each, common random numbers) with a
/// progress bar, and ranks them: `spotsim regions` and the review's regions section.
pub(crate) fn simulate_and_rank(
    variants: &[spotsim::studies::regions::RegionVariant],
    runs: u64,
    pool: &rayon::ThreadPool,
    quiet: bool,
) -> Result<spotsim::studies::regions::RegionRanking, Failure> {
    let entries = entries(variants);
    let scenarios: Vec<&spotsim::scenario::Scenario> =
        entries.iter().map(|e| &e.scenario).collect();
    let total = spotsim::montecarlo::study::total_runs(&scenarios, runs);
    let count = super::output::Count::runs(total, runs * scenarios.len() as u64);
    let comparison = with_progress(quiet, count, |done| {
        pool.install(|| {
            spotsim::studies::compare::compare_cancellable(entries, done, super::cancel_token())
        })
    })
    .map_err(|_| Failure::Runtime(super::interrupted()))?;
    Ok(rank(variants, comparison))
}
