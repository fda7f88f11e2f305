//! `spotsim fleet` (a fleet's months under shared quotas and spot markets) and `spotsim report`
//! on a fleet file (the fleet review).

use std::path::{Path, PathBuf};

use anyhow::Context;
use spotsim::charts::ChartFormat;

use super::args::{ReportFormat, SimulationArgs, SweepFormat};
use super::load::load_fleet_with_overrides;
use super::output::{
    Charts, check_chart_dir, check_review_output, check_writable_parent, print_stdout,
    review_command, thread_pool, with_progress, write_charts, write_file, write_review,
};

use super::{Failure, interrupted};

/// `spotsim fleet`'s options.
pub(crate) struct FleetOptions {
    pub(crate) runs: Option<u64>,
    pub(crate) seed: Option<u64>,
    pub(crate) threads: Option<u16>,
    pub(crate) quiet: bool,
    pub(crate) format: SweepFormat,
    pub(crate) no_quotas: bool,
    pub(crate) charts: Option<(PathBuf, ChartFormat)>,
}

/// Simulates the fleet's months on a pool of `threads`, with a progress bar of months.
fn simulate_fleet(
    path: &Path,
    fleet: &spotsim::fleet::Fleet,
    threads: Option<u16>,
    quiet: bool,
) -> Result<spotsim::fleet::FleetReport, Failure> {
    let pool = thread_pool(threads)?;
    let shown = path.display().to_string();
    let months = super::output::Count {
        total: fleet.runs,
        shown: fleet.runs,
        unit: "months",
    };
    let report = with_progress(quiet, months, |done| {
        pool.install(|| {
            spotsim::fleet::run_fleet_counted(fleet, &shown, done, super::cancel_token())
        })
    });
    report.ok_or_else(|| Failure::Runtime(interrupted()))
}

/// `spotsim fleet --shard K/N --out PART`: simulates shard K's months and writes their fold
/// to a part file for `spotsim merge`.
pub(crate) fn run_fleet_shard(
    path: &Path,
    options: FleetOptions,
    shard: Result<spotsim::montecarlo::shard::Shard, u64>,
    out: &Path,
) -> Result<(), Failure> {
    let shard = match shard {
        Ok(shard) => shard,
        Err(count) => {
            spotsim::montecarlo::shard::Shard::from_env(count, |name| std::env::var(name).ok())
                .map_err(Failure::BadInput)?
        }
    };
    let (mut fleet, text) = spotsim::load_fleet_and_text(path)?;
    apply_fleet_overrides(&mut fleet, &options);
    fleet.check_size().map_err(Failure::BadInput)?;
    check_writable_parent("--out", out)?;
    let months = shard.blocks(fleet.runs);
    let model = spotsim::fleet::FleetModel::new(&fleet);
    let pool = thread_pool(options.threads)?;
    let count = months.end - months.start;
    let shown = super::output::Count {
        total: count,
        shown: count,
        unit: "months",
    };
    let fold = with_progress(options.quiet, shown, |done| {
        pool.install(|| {
            spotsim::fleet::fold_months(&model, months.clone(), done, super::cancel_token())
        })
    })
    .ok_or_else(|| Failure::Runtime(interrupted()))?;
    let flags = if options.no_quotas {
        vec!["--no-quotas".to_string()]
    } else {
        Vec::new()
    };
    let shown = path.display().to_string();
    let part =
        spotsim::parts::Part::of_fleet(shard, &fleet, (&shown, &text), flags, months.clone(), fold);
    write_file(out, part.to_json().as_bytes())?;
    if !options.quiet {
        eprintln!(
            "shard {shard}: months {} to {} of {} ({count} months) -> {}",
            months.start,
            months.end.saturating_sub(1).max(months.start),
            fleet.runs,
            out.display()
        );
    }
    Ok(())
}

/// `--runs`, `--seed` and `--no-quotas` applied to a fleet as read.
fn apply_fleet_overrides(fleet: &mut spotsim::fleet::Fleet, options: &FleetOptions) {
    if let Some(runs) = options.runs {
        fleet.runs = runs;
    }
    if let Some(seed) = options.seed {
        fleet.seed = seed;
    }
    if options.no_quotas {
        fleet.quotas.clear();
    }
}

/// `spotsim fleet`.
pub(crate) fn run_fleet(path: &Path, options: FleetOptions) -> Result<(), Failure> {
    let mut fleet = load_fleet_with_overrides(path, options.runs, options.seed, options.quiet)?;
    if options.no_quotas {
        fleet.quotas.clear();
    }
    fleet.check_size().map_err(Failure::BadInput)?;
    if let Some((dir, _)) = &options.charts {
        check_chart_dir("--charts", dir)?;
    }
    let report = simulate_fleet(path, &fleet, options.threads, options.quiet)?;
    if let Some((dir, chart_format)) = &options.charts {
        let charts = spotsim::charts::fleet_charts(&report);
        let written = write_charts(dir, Charts::Fleet(&report, &charts), *chart_format)
            .map_err(Failure::Runtime)?;
        if !options.quiet {
            eprintln!("charts: {}", written.join(", "));
        }
    }
    let text = match options.format {
        SweepFormat::Table => spotsim::report::render_fleet_table(&report),
        SweepFormat::Json => spotsim::report::render_fleet_json(&report),
        SweepFormat::Csv => spotsim::report::render_fleet_csv(&report),
    };
    print_stdout(&text)
}

/// `spotsim report FLEET.toml`: the fleet review, HTML with inline SVG or Markdown with PNG
/// charts beside it.
pub(crate) fn report_fleet(
    path: &Path,
    output: &Path,
    format: ReportFormat,
    sim: SimulationArgs,
) -> Result<(), Failure> {
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    if let Some(runs) = runs.filter(|&r| r > spotsim::fleet::MAX_FLEET_RUNS) {
        return Err(Failure::BadInput(format!(
            "--runs {runs}: a fleet simulates at most {} months",
            spotsim::units::format::format_count(spotsim::fleet::MAX_FLEET_RUNS)
        )));
    }
    let fleet = load_fleet_with_overrides(path, runs, seed, quiet)?;
    fleet.check_size().map_err(Failure::BadInput)?;
    let fleet_text = spotsim::inputs::bounded::read_bounded_text(
        path,
        spotsim::inputs::bounded::FileKind::Fleet,
    )
    .with_context(|| format!("cannot read {}", path.display()))
    .map_err(Failure::Runtime)?;
    check_review_output(output, format)?;
    let report = simulate_fleet(path, &fleet, threads, quiet)?;
    let command = review_command(
        &path.display().to_string(),
        fleet.runs,
        fleet.seed,
        format,
        output,
    );
    let name = path
        .file_stem()
        .map_or_else(|| "fleet".to_string(), |s| s.to_string_lossy().into_owned());
    let charts = spotsim::charts::fleet_charts(&report);
    let review = spotsim::report::build_fleet_review(&spotsim::report::FleetReviewInput {
        name: &name,
        report: &report,
        fleet_text: &fleet_text,
        command: &command,
        charts: &charts,
    });
    let pool = thread_pool(threads)?;
    write_review(
        &review,
        Charts::Fleet(&report, &charts),
        format,
        output,
        &pool,
        quiet,
    )
}
