//! `spotsim sweep`: a scenario at every point of a grid of one or two keys, with common random
//! numbers, and the best point.

use std::path::Path;

use super::Failure;
use super::args::{SimulationArgs, StudyShardArgs, SweepFormat, SweepMetricArg};
use super::load::{job_name, load_with_overrides_and_text};
use super::output::{
    chart_format_of, check_writable_parent, print_stdout, print_warnings, thread_pool,
    with_progress, write_file,
};

/// `spotsim sweep`: every problem with the file and the `--set` flags is reported before
/// anything runs, and nothing is written then.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep(
    path: &Path,
    flags: &[String],
    metric: SweepMetricArg,
    target: Option<f64>,
    sim: SimulationArgs,
    format: SweepFormat,
    chart: Option<&Path>,
    sharding: &StudyShardArgs,
) -> Result<(), Failure> {
    let metric_arg = metric;
    let metric = metric.metric();
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
    let shard = sharding.resolve().map_err(Failure::BadInput)?;
    if let Some((_, out)) = &shard {
        check_writable_parent("--out", out)?;
    }
    print_warnings(path, &base);
    let pool = thread_pool(threads)?;
    if let Some((shard, out)) = shard {
        let blocks = shard.blocks(spotsim::stats::accumulate::block_count(runs));
        let slice = shard.runs(runs);
        let total = spotsim::studies::sweep::total_runs(&points, slice.end - slice.start);
        let count =
            super::output::Count::runs(total, (slice.end - slice.start) * points.len() as u64);
        let study = with_progress(quiet, count, |done| {
            pool.install(|| {
                spotsim::studies::sweep::sweep_shard(
                    &points,
                    metric,
                    runs,
                    seed,
                    blocks.clone(),
                    done,
                    super::cancel_token(),
                )
            })
        })
        .map_err(|_| Failure::Runtime(super::interrupted()))?;
        let part = spotsim::parts::Part::of_study(
            "sweep",
            shard,
            &job_name(path, &base),
            &[(
                &base,
                spotsim::parts::StoredScenario {
                    path: shown.clone(),
                    text,
                },
            )],
            sweep_options(flags, metric_arg, target),
            (runs, seed),
            blocks,
            study,
        );
        write_file(&out, part.to_json().as_bytes())?;
        if !quiet {
            eprintln!(
                "shard {shard}: runs {} to {} of {} ({} runs) of {} points -> {}",
                slice.start,
                slice.end.saturating_sub(1).max(slice.start),
                runs,
                slice.end - slice.start,
                points.len(),
                out.display()
            );
        }
        return Ok(());
    }
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
                super::cancel_token(),
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

/// The flags a sweep's part carries, read back by [`merge_sweep`]: every `--set` and the
/// `--metric`.
fn sweep_options(flags: &[String], metric: SweepMetricArg, target: Option<f64>) -> Vec<String> {
    let mut options = Vec::with_capacity(2 * flags.len() + 2);
    for flag in flags {
        options.push("--set".to_string());
        options.push(flag.clone());
    }
    options.push("--metric".to_string());
    options.push(
        clap::ValueEnum::to_possible_value(&metric)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default(),
    );
    if let Some(target) = target {
        options.push("--target-completion".to_string());
        options.push(target.to_string());
    }
    options
}

/// `spotsim merge` of a sweep's parts: the base scenario re-read (from `scenario_path`, else
/// from the text the parts carry) and checked against their hash, the grid rebuilt from the
/// flags they carry, the appended statistics summarised and printed as `spotsim sweep` does.
pub(crate) fn merge_sweep(
    first: &spotsim::parts::Part,
    study: spotsim::montecarlo::study::StudyPart,
    format: SweepFormat,
    scenario_path: Option<&Path>,
) -> Result<(), Failure> {
    let (base, text, shown) = if let Some(path) = scenario_path {
        let (base, text) = load_with_overrides_and_text(path, Some(first.runs), Some(first.seed))?;
        (base, text, path.display().to_string())
    } else {
        let mut base =
            spotsim::scenario::parse_scenario(&first.scenario_text, &first.scenario_path).map_err(
                |errors| {
                    Failure::BadInput(format!(
                        "{errors}\n(the scenario is re-read from the text stored in the \
                         parts, its data files relative to {}; give --scenario PATH to read \
                         it from a file here)",
                        first.scenario_path
                    ))
                },
            )?;
        base.simulation.runs = first.runs;
        base.simulation.seed = first.seed;
        (
            base,
            first.scenario_text.clone(),
            first.scenario_path.clone(),
        )
    };
    let sha = spotsim::parts::scenario_sha256(&base);
    if sha != first.scenario_sha256 {
        return Err(Failure::BadInput(format!(
            "{shown}: the scenario read here (SHA-256 {sha}) is not the one the parts simulated \
             (SHA-256 {}): a value or a data file differs",
            first.scenario_sha256
        )));
    }
    let (flags, metric, target) = read_sweep_options(&first.options).map_err(Failure::BadInput)?;
    let (axes, points) = spotsim::studies::sweep::build_grid(&text, &shown, &flags)
        .map_err(|errors| Failure::BadInput(errors.to_string()))?;
    print_warnings(Path::new(&shown), &base);
    let result = spotsim::studies::sweep::finish_sweep(
        &axes,
        &points,
        metric.metric(),
        target,
        first.runs,
        first.seed,
        study,
    )
    .map_err(Failure::BadInput)?;
    for note in result.notes() {
        eprintln!("note: {note}");
    }
    print_stdout(&match format {
        SweepFormat::Table => spotsim::report::render_sweep_table(&first.name, &result),
        SweepFormat::Json => spotsim::report::render_sweep_json(&first.name, &result),
        SweepFormat::Csv => spotsim::report::render_sweep_csv(&result),
    })
}

/// The `--set` flags and the metric of a sweep part's options ([`sweep_options`]).
#[allow(clippy::type_complexity)]
fn read_sweep_options(
    options: &[String],
) -> Result<(Vec<String>, SweepMetricArg, Option<f64>), String> {
    let mut flags = Vec::new();
    let mut metric = None;
    let mut target = None;
    let mut words = options.iter();
    while let Some(word) = words.next() {
        let value = words
            .next()
            .ok_or_else(|| format!("the parts' options end after `{word}`"))?;
        match word.as_str() {
            "--set" => flags.push(value.clone()),
            "--metric" => {
                metric = Some(
                    <SweepMetricArg as clap::ValueEnum>::from_str(value, false)
                        .map_err(|_| format!("the parts' metric `{value}` is unknown"))?,
                );
            }
            "--target-completion" => {
                target = Some(value.parse::<f64>().map_err(|_| {
                    format!("the parts' completion target `{value}` is not a number")
                })?);
            }
            other => return Err(format!("the parts carry an unknown option `{other}`")),
        }
    }
    Ok((flags, metric.ok_or("the parts name no --metric")?, target))
}
