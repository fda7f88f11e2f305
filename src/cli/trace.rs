//! `spotsim trace`: one run replayed as a DescribeTrainingJob document or the SDK's log lines.

use std::path::Path;

use spotsim::report::{TraceReport, render_trace_json, render_trace_table};
use spotsim::units::clock::Timestamp;

use super::Failure;
use super::args::Format;
use super::load::{job_name, load_with_overrides};
use super::output::{print_notes, print_stdout};

/// `spotsim trace`: run `run` of the scenario under `seed` (else the file's), from `start`.
pub(crate) fn trace(
    path: &Path,
    run: u64,
    seed: Option<u64>,
    start: Option<Timestamp>,
    format: Format,
) -> Result<(), Failure> {
    let scenario = load_with_overrides(path, None, seed)?;
    print_notes(&scenario);
    let name = job_name(path, &scenario);
    let seed = scenario.simulation.seed;
    let replay = spotsim::montecarlo::timeline::Replay::of_scenario_until(
        &scenario,
        seed,
        run,
        super::cancel_token(),
    );
    if super::CANCEL.requested() {
        return Err(Failure::Runtime(super::interrupted()));
    }
    if replay.timeline.unrecorded > 0 {
        eprintln!(
            "warning: {}: run {run} changed status or saved a checkpoint {} times more than \
             the {} of each a replay keeps: the document shows the first ones and the end",
            path.display(),
            spotsim::units::format::format_count(replay.timeline.unrecorded),
            spotsim::units::format::format_count(
                spotsim::montecarlo::timeline::MAX_RECORDED as u64
            ),
        );
    }
    let report = TraceReport::new(&name, &scenario, seed, replay, start);
    print_stdout(&match format {
        Format::Table => render_trace_table(&report),
        Format::Json => render_trace_json(&report),
    })
}
