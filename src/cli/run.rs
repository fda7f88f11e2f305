//! `spotsim run`: the scenario's Monte Carlo runs, whole (`run`) or one shard of them
//! (`run_shard`), and the simulation helpers the other commands share.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use spotsim::charts::{ChartFormat, ChartInput, TIMELINE_RUNS, charts_for};
use spotsim::montecarlo::precision::Precision;
use spotsim::montecarlo::timeline::first_runs_until;
use spotsim::montecarlo::{Estimate, NoRows, RunRows, stream_blocks, stream_to_target, total_runs};
use spotsim::report::{RunReport, RunsCsv, render_json, render_table, write_runs_csv_header};
use spotsim::scenario::Scenario;
use spotsim::stats::accumulate::ScenarioStats;

use super::Failure;
use super::args::{Format, SimulationArgs};
use super::load::{job_name, load_with_overrides, load_with_overrides_and_text};
use super::output::{
    Charts, Count, check_chart_dir, check_writable_parent, print_stdout, print_warning,
    print_warnings, thread_pool, with_progress, with_progress_to, write_atomically, write_charts,
    write_file,
};

/// `spotsim run`'s options.
pub(crate) struct RunOptions<'a> {
    pub(crate) sim: SimulationArgs,
    pub(crate) format: Format,
    pub(crate) runs_csv: Option<&'a Path>,
    pub(crate) charts: Option<(&'a Path, ChartFormat)>,
    pub(crate) target_rse: Option<f64>,
}

/// `spotsim run`: simulates the scenario, prints the summary, writes the runs CSV and the
/// charts asked for.
pub(crate) fn run(path: &Path, options: RunOptions<'_>) -> Result<(), Failure> {
    let RunOptions {
        sim:
            SimulationArgs {
                runs,
                seed,
                threads,
                quiet,
            },
        format,
        runs_csv,
        charts,
        target_rse,
    } = options;
    let mut scenario = load_with_overrides(path, runs, seed)?;
    if target_rse.is_some() && runs.is_none() {
        // A file's run count is chosen for a fixed-size run, often a quick look; with a
        // target the cap is --runs, else the largest simulation.
        scenario.simulation.runs = spotsim::scenario::MAX_RUNS;
    }
    if let Some(csv_path) = runs_csv {
        check_writable_parent("--runs-csv", csv_path)?;
    }
    if let Some((dir, _)) = charts {
        check_chart_dir("--charts", dir)?;
    }
    print_warnings(path, &scenario);
    let pool = thread_pool(threads)?;
    let stats = match runs_csv {
        // The rows are written as the runs are simulated, block by block.
        Some(csv_path) => {
            let mut streamed = None;
            write_atomically(csv_path, |file| {
                write_runs_csv_header(&mut *file)?;
                streamed = Some(simulate_with_rows(
                    &pool, &scenario, quiet, target_rse, &RunsCsv, file,
                )?);
                Ok(())
            })
            .with_context(|| format!("cannot write {}", csv_path.display()))
            .map_err(Failure::Runtime)?;
            streamed
                .context("the simulation wrote no rows")
                .map_err(Failure::Runtime)?
        }
        None => simulate_with_rows(
            &pool,
            &scenario,
            quiet,
            target_rse,
            &NoRows,
            &mut std::io::sink(),
        )
        .context("no rows, no write error")
        .map_err(Failure::Runtime)?,
    };
    let (stats, precision) = stats;
    // A stop request may leave no run at all: nothing to estimate, nothing to write.
    if super::CANCEL.requested() {
        return Err(Failure::Runtime(super::interrupted()));
    }
    let estimate = Estimate::of(&stats);
    if let Some(precision) = &precision {
        // Everything below (header, JSON, charts) describes the runs kept.
        scenario.simulation.runs = precision.runs;
        if let Some(warning) = precision.cap_warning() {
            print_warning(path, &warning);
        }
    }
    if let Some(warning) = spotsim::montecarlo::precision::event_budget_warning(
        estimate.spot.as_ref(),
        &estimate.on_demand,
        scenario.simulation.max_events,
    ) {
        print_warning(path, &warning);
    }
    if let Some(spot) = &estimate.spot {
        let warning = spotsim::montecarlo::precision::rare_outcome_warning(
            spot,
            scenario.simulation.runs,
            target_rse.is_some(),
        );
        if let Some(warning) = warning {
            print_warning(path, &warning);
        }
    }

    let name = job_name(path, &scenario);
    if let Some((dir, chart_format)) = charts {
        let timelines =
            pool.install(|| first_runs_until(&scenario, TIMELINE_RUNS, super::cancel_token()));
        if super::CANCEL.requested() {
            return Err(Failure::Runtime(super::interrupted()));
        }
        let input = ChartInput {
            name: &name,
            scenario: &scenario,
            stats: &stats,
            estimate: &estimate,
            timelines: &timelines,
        };
        let kinds = charts_for(&input);
        let written = write_charts(dir, Charts::Scenario(&input, &kinds), chart_format)
            .map_err(Failure::Runtime)?;
        if !quiet {
            eprintln!("charts: {}", written.join(", "));
        }
    }
    let report = RunReport {
        name: &name,
        scenario: &scenario,
        estimate: &estimate,
        precision: precision.as_ref(),
    };
    print_stdout(&match format {
        Format::Table => render_table(&report),
        Format::Json => render_json(&report),
    })
}

/// `spotsim run --shard K/N` (`shard` is `Ok`) or `--shard-from-env N` (`Err(N)`): simulates the
/// shard's blocks and writes its part to `out` (and its rows to `runs_csv`).
pub(crate) fn run_shard(
    path: &Path,
    sim: SimulationArgs,
    shard: Result<spotsim::montecarlo::shard::Shard, u64>,
    out: &Path,
    runs_csv: Option<&Path>,
) -> Result<(), Failure> {
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    let shard = match shard {
        Ok(shard) => shard,
        Err(count) => {
            spotsim::montecarlo::shard::Shard::from_env(count, |name| std::env::var(name).ok())
                .map_err(Failure::BadInput)?
        }
    };
    let (scenario, text) = load_with_overrides_and_text(path, runs, seed)?;
    check_writable_parent("--out", out)?;
    if let Some(csv_path) = runs_csv {
        check_writable_parent("--runs-csv", csv_path)?;
    }
    print_warnings(path, &scenario);
    let pool = thread_pool(threads)?;
    let blocks = shard.blocks(spotsim::stats::accumulate::block_count(
        scenario.simulation.runs,
    ));
    let slice = shard.runs(scenario.simulation.runs);
    let sides = total_runs(&scenario) / scenario.simulation.runs;
    let simulate_slice = |rows_out: &mut (dyn Write + Send), with_rows: bool| {
        with_progress(
            quiet,
            Count::runs((slice.end - slice.start) * sides, slice.end - slice.start),
            |done| {
                pool.install(|| {
                    if with_rows {
                        stream_blocks(
                            &scenario,
                            blocks.clone(),
                            done,
                            super::cancel_token(),
                            &RunsCsv,
                            rows_out,
                        )
                    } else {
                        stream_blocks(
                            &scenario,
                            blocks.clone(),
                            done,
                            super::cancel_token(),
                            &NoRows,
                            rows_out,
                        )
                    }
                })
            },
        )
    };
    let stats = match runs_csv {
        Some(csv_path) => {
            let mut streamed = None;
            write_atomically(csv_path, |file| {
                write_runs_csv_header(&mut *file)?;
                streamed = Some(simulate_slice(file, true)?);
                Ok(())
            })
            .with_context(|| format!("cannot write {}", csv_path.display()))
            .map_err(Failure::Runtime)?;
            streamed
                .context("the simulation wrote no rows")
                .map_err(Failure::Runtime)?
        }
        None => simulate_slice(&mut std::io::sink(), false)
            .context("cannot simulate")
            .map_err(Failure::Runtime)?,
    };
    let name = job_name(path, &scenario);
    let part = spotsim::parts::Part::new(
        shard,
        &scenario,
        &name,
        &path.display().to_string(),
        &text,
        stats,
    );
    let json = part.to_json();
    write_file(out, json.as_bytes())?;
    if !quiet {
        eprintln!(
            "shard {shard}: runs {} to {} of {} ({} runs) -> {}",
            slice.start,
            slice.end.saturating_sub(1).max(slice.start),
            scenario.simulation.runs,
            slice.end - slice.start,
            out.display()
        );
    }
    Ok(())
}

/// Streams the scenario's runs on `pool`, with a progress bar on stderr when it is a terminal,
/// the run takes longer than about a second, and `quiet` is off.
pub(crate) fn simulate(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    quiet: bool,
) -> ScenarioStats {
    match simulate_with_rows(pool, scenario, quiet, None, &NoRows, &mut std::io::sink()) {
        Ok((stats, _)) => stats,
        // No rows are written to a sink: nothing can fail.
        Err(_) => unreachable!("no rows, no write error"),
    }
}

/// As [`simulate`], writing each run's row formatted by `rows` to `out`, in run order; with a
/// `target` relative standard error, only until it is reached (the runs count is the cap).
fn simulate_with_rows<R: RunRows>(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    quiet: bool,
    target: Option<f64>,
    rows: &R,
    out: &mut (dyn Write + Send),
) -> std::io::Result<(ScenarioStats, Option<Precision>)> {
    if let Some(target) = target {
        let count = Count::runs(total_runs(scenario), scenario.simulation.runs);
        return with_progress_to(quiet, count, true, |done| {
            pool.install(|| {
                stream_to_target(scenario, target, done, super::cancel_token(), rows, out)
            })
        })
        .map(|(stats, precision)| (stats, Some(precision)));
    }
    let blocks = 0..spotsim::stats::accumulate::block_count(scenario.simulation.runs);
    let count = Count::runs(total_runs(scenario), scenario.simulation.runs);
    with_progress(quiet, count, |done| {
        pool.install(|| stream_blocks(scenario, blocks, done, super::cancel_token(), rows, out))
    })
    .map(|stats| (stats, None))
}
