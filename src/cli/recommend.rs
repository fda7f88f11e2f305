//! `spotsim recommend`: spot or on-demand, the checkpoint interval and the limits that reach a
//! completion target, with 95 % intervals; with `--deadline`, spot alone, spot with a fallback
//! or on-demand for that deadline.

use std::path::Path;
use std::sync::atomic::AtomicU64;

use super::Failure;
use super::args::{RecommendFormat, SimulationArgs};
use super::load::{job_name, load_with_overrides_and_text};
use super::output::{print_notes, print_stdout, thread_pool};

/// What both kinds of `recommend` start from: the scenario (and its text, for the study's
/// variants), its name in messages and the thread pool; the notes and the opening line printed.
struct Prepared {
    base: spotsim::scenario::Scenario,
    text: String,
    shown: String,
    pool: rayon::ThreadPool,
}

fn prepare(path: &Path, sim: SimulationArgs, what: &str) -> Result<Prepared, Failure> {
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    let (base, text) = load_with_overrides_and_text(path, runs, seed)?;
    print_notes(&base);
    let pool = thread_pool(threads)?;
    if !quiet {
        eprintln!(
            "recommend: simulating {} runs {what}",
            spotsim::units::format::format_count(base.simulation.runs)
        );
    }
    Ok(Prepared {
        base,
        text,
        shown: path.display().to_string(),
        pool,
    })
}

/// `spotsim recommend`: `target` is the share of jobs that must complete.
pub(crate) fn recommend(
    path: &Path,
    target: f64,
    sim: SimulationArgs,
    format: RecommendFormat,
) -> Result<(), Failure> {
    let Prepared {
        base,
        text,
        shown,
        pool,
    } = prepare(path, sim, "per setting (many settings: this takes a while)")?;
    let done = AtomicU64::new(0);
    let result = pool
        .install(|| {
            spotsim::studies::recommend::recommend_cancellable(
                &text,
                &shown,
                &base,
                target,
                &done,
                super::cancel_token(),
            )
        })
        .map_err(|error| match error {
            spotsim::studies::recommend::RecommendError::Invalid(message) => {
                Failure::BadInput(message)
            }
            spotsim::studies::recommend::RecommendError::Cancelled => {
                Failure::Runtime(super::interrupted())
            }
        })?;
    let name = job_name(path, &base);
    print_stdout(&match format {
        RecommendFormat::Table => spotsim::report::render_recommend_table(&name, &result),
        RecommendFormat::Json => spotsim::report::render_recommend_json(&name, &result),
    })
}

/// `spotsim recommend --deadline D`: `target` is the share of runs that must meet `deadline_s`.
pub(crate) fn recommend_deadline(
    path: &Path,
    deadline_s: f64,
    target: f64,
    sim: SimulationArgs,
    format: RecommendFormat,
) -> Result<(), Failure> {
    let Prepared {
        base,
        text,
        shown,
        pool,
    } = prepare(path, sim, "of spot alone, the fallbacks and on-demand")?;
    let done = AtomicU64::new(0);
    let answer = pool
        .install(|| {
            spotsim::studies::deadline::deadline_study(
                &text,
                &shown,
                &base,
                deadline_s,
                target,
                &done,
                super::cancel_token(),
            )
        })
        .map_err(|error| match error {
            spotsim::studies::deadline::DeadlineError::Invalid(message) => {
                Failure::BadInput(message)
            }
            spotsim::studies::deadline::DeadlineError::Cancelled => {
                Failure::Runtime(super::interrupted())
            }
        })?;
    let name = job_name(path, &base);
    print_stdout(&match format {
        RecommendFormat::Table => spotsim::report::render_deadline_table(&name, &answer),
        RecommendFormat::Json => spotsim::report::render_deadline_json(&name, &answer),
    })
}
