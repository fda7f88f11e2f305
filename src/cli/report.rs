//! `spotsim report`: a capacity-planning review of a scenario (a fleet file goes to
//! [`super::fleet::report_fleet`]), as one HTML page or Markdown with its charts beside it.

use std::path::Path;

use anyhow::Context;
use spotsim::charts::{ChartInput, TIMELINE_RUNS, charts_for};
use spotsim::montecarlo::Estimate;
use spotsim::montecarlo::timeline::first_runs_until;
use spotsim::report::{ReviewInput, build_review};
use spotsim::scenario::lint;

use super::Failure;
use super::args::{ReportFormat, SimulationArgs};
use super::fleet::report_fleet;
use super::load::{is_fleet_file, job_name, load_with_overrides_and_text};
use super::output::{
    Charts, check_review_output, print_warnings, review_command, shell_word, thread_pool,
    write_review,
};
use super::run::simulate;

/// `spotsim report`: the review of a scenario, or of a fleet given a fleet file.
pub(crate) fn report(
    path: &Path,
    output: &Path,
    format: ReportFormat,
    sim: SimulationArgs,
    target_completion: f64,
) -> Result<(), Failure> {
    if is_fleet_file(path) {
        return report_fleet(path, output, format, sim);
    }
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    let (scenario, scenario_text) = load_with_overrides_and_text(path, runs, seed)?;
    check_review_output(output, format)?;
    // The parser's notes (placeholders marked ASSUMED first), then the lint's warnings.
    let warnings: Vec<_> = scenario
        .notes
        .iter()
        .cloned()
        .chain(lint(&scenario))
        .collect();
    print_warnings(path, &scenario);
    let pool = thread_pool(threads)?;
    let stats = simulate(&pool, &scenario, quiet);
    // A stop request may leave no run at all: nothing to estimate, nothing to write.
    if super::CANCEL.requested() {
        return Err(Failure::Runtime(super::interrupted()));
    }
    let estimate = Estimate::of(&stats);
    let name = job_name(path, &scenario);
    let timelines =
        pool.install(|| first_runs_until(&scenario, TIMELINE_RUNS, super::cancel_token()));
    if super::CANCEL.requested() {
        return Err(Failure::Runtime(super::interrupted()));
    }
    let chart_input = ChartInput {
        name: &name,
        scenario: &scenario,
        stats: &stats,
        estimate: &estimate,
        timelines: &timelines,
    };
    let charts = charts_for(&chart_input);
    // The sample job: the first run with an interruption tells more than an uneventful one.
    let sample = timelines
        .iter()
        .find(|t| t.record.interruptions > 0)
        .or(timelines.first())
        .context("the scenario has no run")
        .map_err(Failure::Runtime)?;
    let shown_file = path.display().to_string();
    let command = review_command(
        &shown_file,
        scenario.simulation.runs,
        scenario.simulation.seed,
        format,
        output,
    );
    let trace_command = format!(
        "spotsim trace {} --seed {} --run {} --format table",
        shell_word(&shown_file),
        scenario.simulation.seed,
        sample.run
    );
    // A scenario that reads the Spot Advisor feed gets the regions section: the same job in
    // every region that lists its type, with the review's runs and seed.
    let regions = if scenario.advisor_feed.is_none() {
        None
    } else {
        let variants = spotsim::studies::regions::region_variants(
            &scenario_text,
            &shown_file,
            &scenario,
            None,
        )
        .map_err(|problems| Failure::BadInput(problems.join("\n")))?;
        Some(super::regions::simulate_and_rank(
            &variants,
            scenario.simulation.runs,
            &pool,
            quiet,
        )?)
    };
    // With [fallback]: the same job on spot alone beside it, the same runs (a study, not a
    // renderer's job).
    let fallback = if scenario.fallback.is_some() && scenario.is_spot() {
        // Two variants (spot alone and as written) sharing their on-demand job.
        let count = super::output::Count::runs(
            spotsim::montecarlo::study::total_runs(
                &[&scenario, &scenario],
                scenario.simulation.runs,
            ),
            scenario.simulation.runs * 2,
        );
        super::output::with_progress(quiet, count, |done| {
            pool.install(|| {
                spotsim::studies::deadline::fallback_worth(
                    &scenario_text,
                    &shown_file,
                    &scenario,
                    target_completion,
                    done,
                    super::cancel_token(),
                )
            })
        })
        .map_err(|error| match error {
            spotsim::studies::deadline::DeadlineError::Invalid(message) => {
                Failure::BadInput(message)
            }
            spotsim::studies::deadline::DeadlineError::Cancelled => {
                Failure::Runtime(super::interrupted())
            }
        })?
    } else {
        None
    };
    let review = build_review(&ReviewInput {
        name: &name,
        file: &shown_file,
        scenario_text: &scenario_text,
        scenario: &scenario,
        stats: &stats,
        estimate: &estimate,
        sample,
        warnings: &warnings,
        command: &command,
        trace_command: &trace_command,
        charts: &charts,
        regions: regions.as_ref(),
        target_completion,
        fallback: fallback.as_ref(),
    });
    write_review(
        &review,
        Charts::Scenario(&chart_input, &charts),
        format,
        output,
        &pool,
        quiet,
    )
}
