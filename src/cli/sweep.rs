//! `spotsim sweep`: a scenario at every point of a grid of one or two keys, with common random
//! numbers, and the best point.

use std::path::Path;

use spotsim::studies::sweep::SweepMetric;

use super::Failure;
use super::args::{SimulationArgs, SweepFormat};
use super::load::{job_name, load_with_overrides_and_text};
use super::output::{
    chart_format_of, check_writable_parent, print_stdout, print_warnings, thread_pool,
    with_progress, write_file,
};

/// `spotsim sweep`: every problem with the file and the `--set` flags is reported before
/// anything runs, and nothing is written then.
pub(crate) fn sweep(
    path: &Path,
    flags: &[String],
    metric: SweepMetric,
    target: Option<f64>,
    sim: SimulationArgs,
    format: SweepFormat,
    chart: Option<&Path>,
) -> Result<(), Failure> {
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    let (base, text) = load_with_overrides_and_text(path, runs, seed)?;
    let shown = path.display().to_string();
    let (axes, points) = spotsim::studies::sweep::build_grid(&text, &shown, flags)
        .map_err(|errors| Failure::BadInput(errors.to_string()))?;
    let (runs, seed) = (base.simulation.runs, base.simulation.seed);
    let chart = match chart {
        Some(chart_path) => {
            let format = chart_format_of(chart_path).map_err(Failure::BadInput)?;
            check_writable_parent("--chart", chart_path)?;
            Some((chart_path, format))
        }
        None => None,
    };
    print_warnings(path, &base);
    let pool = thread_pool(threads)?;
    let total = spotsim::studies::sweep::total_runs(&points, runs);
    let count = super::output::Count::runs(total, runs * points.len() as u64);
    let result = with_progress(quiet, count, |done| {
        pool.install(|| {
            spotsim::studies::sweep::run_sweep_cancellable(
                &axes,
                &points,
                metric,
                target,
                runs,
                seed,
                done,
                &super::CANCEL,
            )
        })
    })
    .map_err(|_| Failure::Runtime(super::interrupted()))?;
    if !quiet {
        for note in result.notes() {
            eprintln!("note: {note}");
        }
    }
    let name = job_name(path, &base);
    if let Some((chart_path, chart_format)) = chart {
        let bytes = spotsim::charts::render_sweep(&name, &result, chart_format)
            .map_err(|e| Failure::Runtime(e.into()))?;
        write_file(chart_path, &bytes)?;
        if !quiet {
            eprintln!("chart: {}", chart_path.display());
        }
    }
    print_stdout(&match format {
        SweepFormat::Table => spotsim::report::render_sweep_table(&name, &result),
        SweepFormat::Json => spotsim::report::render_sweep_json(&name, &result),
        SweepFormat::Csv => spotsim::report::render_sweep_csv(&result),
    })
}
