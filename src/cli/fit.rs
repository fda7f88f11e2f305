//! `spotsim fit`: a market calibrated from recorded data, an availability trace (`fit trace`)
//! or finished jobs' descriptions (`fit jobs`).

use std::path::{Path, PathBuf};

use spotsim::inputs::bounded::{FileKind, read_bounded, read_bounded_text};

use super::Failure;
use super::args::{Format, TraceFormatArg};
use super::output::print_stdout;

/// `spotsim fit trace`: the trace read in its format (by default from its extension), fitted.
pub(crate) fn fit_trace(
    path: &Path,
    trace_format: Option<TraceFormatArg>,
    instances: u32,
    format: Format,
) -> Result<(), Failure> {
    let trace_format = trace_format.unwrap_or(
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            TraceFormatArg::Events
        } else {
            TraceFormatArg::SpotTraces
        },
    );
    let shown = path.display().to_string();
    let bytes = read_bounded(path, FileKind::Trace)
        .map_err(|e| Failure::BadInput(format!("{shown}: {e}")))?;
    let trace = spotsim::inputs::availability::read_trace(bytes.as_slice(), trace_format.format())
        .map_err(|e| {
            let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            Failure::BadInput(format!("{shown}{at}: {}", e.message))
        })?;
    let fit = spotsim::import::fit::fit_trace(&trace, instances);
    let text = match format {
        Format::Table => spotsim::report::render_trace_fit_table(&fit, &shown, trace_format.name()),
        Format::Json => spotsim::report::render_trace_fit_json(&fit, &shown, trace_format.name()),
    };
    print_stdout(&text)
}

/// A job file's documents: one, or an array of them.
fn read_jobs(text: &str) -> serde_json::Result<Vec<spotsim::import::fit::DescribedJob>> {
    if text.trim_start().starts_with('[') {
        serde_json::from_str(text)
    } else {
        serde_json::from_str(text).map(|job| vec![job])
    }
}

/// Keeps `job` when it is a DescribeTrainingJob document with sound times; says why not.
fn take_job(
    job: spotsim::import::fit::DescribedJob,
    shown: &str,
    jobs: &mut Vec<spotsim::import::fit::DescribedJob>,
    problems: &mut Vec<String>,
) {
    if !job.is_training_job() {
        problems.push(format!(
            "{shown}: not a DescribeTrainingJob document: it has no TrainingJobName or no \
             SecondaryStatusTransitions"
        ));
    } else if !job.time_problems().is_empty() {
        for (key, value, rule) in job.time_problems() {
            problems.push(format!("{shown}: {key} ({value}) {rule}"));
        }
    } else {
        jobs.push(job);
    }
}

/// `spotsim fit jobs`: every unreadable document is reported at once, before any fit.
pub(crate) fn fit_jobs(files: &[PathBuf], format: Format) -> Result<(), Failure> {
    let mut jobs = Vec::new();
    let mut problems = Vec::new();
    // One document is one job: the same file given twice (by any path) would count it twice.
    let mut seen: Vec<(PathBuf, String)> = Vec::new();
    for path in files {
        let shown = path.display().to_string();
        if let Ok(canonical) = std::fs::canonicalize(path) {
            if let Some((_, first)) = seen.iter().find(|(c, _)| *c == canonical) {
                problems.push(format!(
                    "{shown}: is the same file as {first}, given before: each job document must \
                     be given once"
                ));
                continue;
            }
            seen.push((canonical, shown.clone()));
        }
        match read_bounded_text(path, FileKind::JobDocument) {
            Err(e) => problems.push(format!("{shown}: {e}")),
            // An array holds several documents: `spotsim trace` writes the two jobs of a
            // `[fallback]` run that way.
            Ok(text) => match read_jobs(&text) {
                Ok(many) if text.trim_start().starts_with('[') => {
                    for (index, job) in many.into_iter().enumerate() {
                        take_job(job, &format!("{shown}[{index}]"), &mut jobs, &mut problems);
                    }
                }
                Ok(one) => {
                    for job in one {
                        take_job(job, &shown, &mut jobs, &mut problems);
                    }
                }
                Err(e) => problems.push(format!(
                    "{shown}:{}:{}: not a DescribeTrainingJob document: {e}",
                    e.line(),
                    e.column()
                )),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Failure::BadInput(problems.join("\n")));
    }
    let fit = spotsim::import::fit::fit_jobs(&jobs);
    let text = match format {
        Format::Table => spotsim::report::render_jobs_fit_table(&fit),
        Format::Json => spotsim::report::render_jobs_fit_json(&fit),
    };
    print_stdout(&text)
}
