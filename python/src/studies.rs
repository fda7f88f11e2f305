//! The other commands on a `Scenario`: `sweep`, `compare`, `recommend` and `trace`, and
//! `spotsim.fleet`, each returning the binary's `--format json` output parsed into a dict.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use spotsim::stats::summary::Metric;
use spotsim::studies::sweep::SweepMetric;

use crate::{Scenario, interruptible, load_error, scenario_error, warn_text};

/// The binary's JSON text, parsed.
fn parsed<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (json,))
}

/// A `ScenarioError` with the binary's message and no located problem.
fn bad_input(py: Python<'_>, message: String) -> PyErr {
    scenario_error(py, message, Vec::new())
}

/// The error of a study stopped by a signal whose exception was not raised (it always is).
fn interrupted() -> PyErr {
    PyKeyboardInterrupt::new_err("interrupted")
}

/// `--metric`'s values.
const METRICS: [(&str, SweepMetric); 5] = [
    ("cost_usd", SweepMetric::Mean(Metric::CostUsd)),
    ("wall_s", SweepMetric::Mean(Metric::WallS)),
    ("p95_wall_s", SweepMetric::P95(Metric::WallS)),
    ("p95_cost_usd", SweepMetric::P95(Metric::CostUsd)),
    ("completed", SweepMetric::Completed),
];

#[pymethods]
impl Scenario {
    /// `spotsim sweep`: the scenario at every point of a grid of one or two keys, with common
    /// random numbers, and the best point. Returns the JSON of `--format json` as a dict.
    ///
    /// set: the grid, as the binary's `--set` flags (`["spot.discount=0.5,0.6,0.7"]`) or a dict
    ///     of key to values (`{"checkpoint.interval": ["15m", "30m", "1h"]}`).
    /// metric: `cost_usd` (default), `wall_s`, `p95_wall_s`, `p95_cost_usd` or `completed`.
    /// target_completion: the best point is chosen among the points completing this share of
    ///     jobs (by cost per completed job); 0.99 unless `metric` alone is given, as the binary.
    #[pyo3(signature = (set, metric=None, target_completion=None, runs=None, seed=None, threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn sweep<'py>(
        &self,
        py: Python<'py>,
        set: &Bound<'py, PyAny>,
        metric: Option<&str>,
        target_completion: Option<f64>,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let flags = set_flags(set)?;
        // The raw metric when asked for by name alone; a completion target otherwise.
        let target = match (metric, target_completion) {
            (_, Some(target)) => Some(target),
            (None, None) => Some(spotsim::studies::recommend::DEFAULT_TARGET),
            (Some(_), None) => None,
        };
        let metric = metric.unwrap_or("cost_usd");
        let metric = METRICS
            .iter()
            .find(|(name, _)| *name == metric)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "metric {metric:?}: one of {}",
                    METRICS.map(|(name, _)| name).join(", ")
                ))
            })?;
        let base = self.with_overrides(runs, seed);
        let (axes, points) = spotsim::studies::sweep::build_grid(&self.text, &self.shown, &flags)
            .map_err(|errors| bad_input(py, errors.to_string()))?;
        let (runs, seed) = (base.simulation.runs, base.simulation.seed);
        let result = interruptible(py, threads, |cancel| {
            spotsim::studies::sweep::run_sweep_cancellable(
                &axes,
                &points,
                metric,
                target,
                runs,
                seed,
                &AtomicU64::new(0),
                cancel,
            )
        })?
        .map_err(|_| interrupted())?;
        for note in result.notes() {
            warn_text(py, format!("note: {note}"))?;
        }
        parsed(
            py,
            &spotsim::report::render_sweep_json(&self.job_name(), &result),
        )
    }

    /// `spotsim compare`: this scenario (the baseline) and `others` run with common random
    /// numbers, side by side and paired run by run with the baseline. Returns the JSON of
    /// `--format json` as a dict. Runs and seed are the baseline's unless given.
    /// target_completion: the best scenario is the cheapest per completed job among those
    ///     completing this share of jobs (default 0.99, as the binary).
    #[pyo3(signature = (*others, target_completion=0.99, runs=None, seed=None, threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn compare<'py>(
        &self,
        py: Python<'py>,
        others: &Bound<'py, PyTuple>,
        target_completion: f64,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if others.is_empty() {
            return Err(PyValueError::new_err(
                "compare needs at least one other scenario: a.compare(b, c, ...)",
            ));
        }
        let others: Vec<Bound<'py, Scenario>> = others
            .iter()
            .map(|o| o.cast_into::<Scenario>().map_err(PyErr::from))
            .collect::<PyResult<_>>()?;
        let all: Vec<&Scenario> = std::iter::once(self)
            .chain(others.iter().map(Bound::get))
            .collect();
        let settings = {
            let files: Vec<(&str, &spotsim::scenario::Scenario)> = all
                .iter()
                .map(|s| (s.shown.as_str(), &s.scenario))
                .collect();
            spotsim::studies::compare::common_settings(&files, runs, seed)
        };
        if let Some(note) = &settings.note {
            warn_text(py, format!("note: {note}"))?;
        }
        let names = spotsim::studies::compare::unique_names(
            &all.iter()
                .map(|s| (s.job_name(), s.shown.clone()))
                .collect::<Vec<_>>(),
        );
        let entries: Vec<spotsim::studies::compare::Entry> = all
            .iter()
            .zip(names)
            .map(|(s, name)| {
                let mut scenario = s.scenario.clone();
                scenario.simulation.runs = settings.runs;
                scenario.simulation.seed = settings.seed;
                spotsim::studies::compare::Entry {
                    name,
                    file: s.shown.clone(),
                    scenario,
                }
            })
            .collect();
        let comparison = interruptible(py, threads, |cancel| {
            spotsim::studies::compare::compare_cancellable(entries, &AtomicU64::new(0), cancel)
        })?
        .map_err(|_| interrupted())?;
        parsed(
            py,
            &spotsim::report::render_compare_json(&comparison, target_completion),
        )
    }

    /// `spotsim recommend`: spot or on-demand, the checkpoint interval and the limits that
    /// reach `target_completion` (the share of jobs that must complete, default 0.95), with 95 %
    /// intervals. Returns the JSON of `--format json` as a dict.
    #[pyo3(signature = (target_completion=0.95, runs=None, seed=None, threads=None))]
    fn recommend<'py>(
        &self,
        py: Python<'py>,
        target_completion: f64,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let base = self.with_overrides(runs, seed);
        let result = interruptible(py, threads, |cancel| {
            spotsim::studies::recommend::recommend_cancellable(
                &self.text,
                &self.shown,
                &base,
                target_completion,
                &AtomicU64::new(0),
                cancel,
            )
        })?
        .map_err(|error| match error {
            spotsim::studies::recommend::RecommendError::Invalid(message) => bad_input(py, message),
            spotsim::studies::recommend::RecommendError::Cancelled => interrupted(),
        })?;
        parsed(
            py,
            &spotsim::report::render_recommend_json(&self.job_name(), &result),
        )
    }

    /// `spotsim trace`: run `run` replayed status by status, as the DescribeTrainingJob
    /// document of `--format json` (a dict). `seed` overrides the scenario's; `start` is the
    /// job's creation time (RFC 3339, e.g. `2024-05-06T10:00:00Z`).
    #[pyo3(signature = (run=0, seed=None, start=None))]
    fn trace<'py>(
        &self,
        py: Python<'py>,
        run: u64,
        seed: Option<u64>,
        start: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let start = start
            .map(spotsim::units::clock::Timestamp::parse_rfc3339)
            .transpose()
            .map_err(|reason| PyValueError::new_err(format!("start: the time {reason}")))?;
        let scenario = self.with_overrides(None, seed);
        let seed = scenario.simulation.seed;
        let name = self.job_name();
        let replay = spotsim::montecarlo::timeline::Replay::of_scenario(&scenario, seed, run);
        let report = spotsim::report::TraceReport::new(&name, &scenario, seed, replay, start);
        parsed(py, &spotsim::report::render_trace_json(&report))
    }

    /// `spotsim report`: the capacity-planning review of the scenario as one HTML page with its
    /// charts inline, written to `path` (the same bytes as `spotsim report FILE --runs N --seed
    /// S -o PATH`). The file is written atomically once everything is computed: an interrupted
    /// or failed report leaves no file, and an earlier one as it was. Returns the path.
    #[pyo3(signature = (path, runs=None, seed=None, threads=None))]
    fn report(
        &self,
        py: Python<'_>,
        path: PathBuf,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
    ) -> PyResult<PathBuf> {
        let scenario = self.with_overrides(runs, seed);
        if scenario.simulation.runs == 0 {
            return Err(PyValueError::new_err("runs must be at least 1"));
        }
        let html = interruptible(py, threads, |cancel| {
            review_html(self, &scenario, &path, cancel)
        })?
        .map_err(crate::runtime)?;
        let Some(html) = html else {
            return Err(interrupted());
        };
        write_atomically(&path, html.as_bytes())
            .map_err(|e| PyOSError::new_err(format!("cannot write {}: {e}", path.display())))?;
        Ok(path)
    }
}

/// The review's HTML, as `spotsim report` writes it; None when `cancel` was requested.
fn review_html(
    this: &Scenario,
    scenario: &spotsim::scenario::Scenario,
    output: &std::path::Path,
    cancel: &spotsim::montecarlo::cancel::Cancel,
) -> Result<Option<String>, String> {
    use spotsim::charts::{ChartFormat, ChartInput, TIMELINE_RUNS, charts_for, render};
    let blocks = 0..spotsim::stats::accumulate::block_count(scenario.simulation.runs);
    let stats = spotsim::montecarlo::stream_blocks(
        scenario,
        blocks,
        &AtomicU64::new(0),
        cancel,
        &spotsim::montecarlo::NoRows,
        &mut std::io::sink(),
    )
    .map_err(|e| e.to_string())?;
    if cancel.requested() {
        return Ok(None);
    }
    let estimate = spotsim::montecarlo::Estimate::of(&stats);
    let name = this.job_name();
    let timelines = spotsim::montecarlo::timeline::first_runs(scenario, TIMELINE_RUNS);
    let input = ChartInput {
        name: &name,
        scenario,
        stats: &stats,
        estimate: &estimate,
        timelines: &timelines,
    };
    let charts = charts_for(&input);
    // As the binary: the first run with an interruption tells more than an uneventful one.
    let sample = timelines
        .iter()
        .find(|t| t.record.interruptions > 0)
        .or(timelines.first())
        .ok_or("the scenario has no run")?;
    let (runs, seed) = (scenario.simulation.runs, scenario.simulation.seed);
    let command = spotsim::report::review_command(
        &this.shown,
        runs,
        seed,
        false,
        &output.display().to_string(),
    );
    let trace_command = format!(
        "spotsim trace {} --seed {seed} --run {} --format table",
        spotsim::report::shell_word(&this.shown),
        sample.run
    );
    let warnings = spotsim::scenario::lint(scenario);
    // As the binary: with [fallback], the same job on spot alone beside it.
    let fallback = match spotsim::studies::deadline::fallback_worth(
        &this.text,
        &this.shown,
        scenario,
        spotsim::studies::recommend::DEFAULT_TARGET,
        &AtomicU64::new(0),
        cancel,
    ) {
        Ok(answer) => answer,
        Err(spotsim::studies::deadline::DeadlineError::Cancelled) => return Ok(None),
        Err(spotsim::studies::deadline::DeadlineError::Invalid(message)) => return Err(message),
    };
    let review = spotsim::report::build_review(&spotsim::report::ReviewInput {
        name: &name,
        file: &this.shown,
        scenario_text: &this.text,
        scenario,
        stats: &stats,
        estimate: &estimate,
        sample,
        warnings: &warnings,
        // The regions of a feed scenario are ranked by `spotsim report` only.
        regions: None,
        target_completion: spotsim::studies::recommend::DEFAULT_TARGET,
        fallback: fallback.as_ref(),
        command: &command,
        trace_command: &trace_command,
        charts: &charts,
    });
    let drawn = charts
        .iter()
        .map(|&kind| {
            render(kind, &input, ChartFormat::Svg).map(|bytes| {
                (
                    kind.file_stem(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(Some(spotsim::report::render_figures_html(
        &review,
        &|stem| {
            drawn
                .iter()
                .find(|(s, _)| *s == stem)
                .map(|(_, svg)| svg.clone())
                .unwrap_or_default()
        },
    )))
}

/// Writes `bytes` to `path` through a temporary file in the same folder renamed into place, so
/// that a failure leaves neither a half-written file nor a clobbered earlier one.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let stem = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let temporary = folder.join(format!(".{stem}.{}.tmp", std::process::id()));
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// `--set` flags from a list of them or a dict of key to values.
fn set_flags(set: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(flag) = set.extract::<String>() {
        return Ok(vec![flag]);
    }
    if let Ok(dict) = set.cast::<pyo3::types::PyDict>() {
        let mut flags = Vec::new();
        for (key, values) in dict.iter() {
            let key: String = key.extract()?;
            let values: Vec<String> = values
                .try_iter()?
                .map(|v| v.and_then(|v| Ok(v.str()?.to_string())))
                .collect::<PyResult<_>>()?;
            flags.push(format!("{key}={}", values.join(",")));
        }
        return Ok(flags);
    }
    set.extract::<Vec<String>>()
}

/// A validated fleet file (`docs/fleet.md`), made by `spotsim.load` on a file with
/// `[[workload]]` tables.
#[pyclass(module = "spotsim", frozen)]
pub(crate) struct Fleet {
    fleet: spotsim::fleet::Fleet,
    path: PathBuf,
}

impl Fleet {
    /// Reads a fleet file, its notes issued as warnings.
    pub(crate) fn load(py: Python<'_>, path: PathBuf) -> PyResult<Fleet> {
        let fleet = spotsim::load_fleet(&path).map_err(|e| load_error(py, e))?;
        for note in &fleet.notes {
            warn_text(py, format!("{}\n  hint: {}", note.message, note.hint))?;
        }
        Ok(Fleet { fleet, path })
    }
}

#[pymethods]
impl Fleet {
    /// `spotsim fleet`: the fleet's months under its quotas and spot markets. Returns the JSON
    /// of `--format json` as a dict.
    #[pyo3(signature = (runs=None, seed=None, threads=None, *, no_quotas=false))]
    fn run<'py>(
        &self,
        py: Python<'py>,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
        no_quotas: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut fleet = self.fleet.clone();
        if let Some(runs) = runs {
            fleet.runs = runs;
        }
        if let Some(seed) = seed {
            fleet.seed = seed;
        }
        if no_quotas {
            fleet.quotas.clear();
        }
        fleet
            .check_size()
            .map_err(|message| bad_input(py, message))?;
        let shown = self.path.display().to_string();
        let report = interruptible(py, threads, |cancel| {
            spotsim::fleet::run_fleet_counted(&fleet, &shown, &AtomicU64::new(0), cancel)
        })?
        .ok_or_else(interrupted)?;
        parsed(py, &spotsim::report::render_fleet_json(&report))
    }

    /// The file it was read from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "<spotsim.Fleet {} ({} months, seed {})>",
            self.path.display(),
            self.fleet.runs,
            self.fleet.seed
        )
    }
}

/// `spotsim.fleet(path, runs=None, seed=None, threads=None, *, no_quotas=False)`: as `spotsim
/// fleet FILE --format json`, a dict.
#[pyfunction]
#[pyo3(signature = (path, runs=None, seed=None, threads=None, *, no_quotas=false))]
fn fleet<'py>(
    py: Python<'py>,
    path: PathBuf,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    no_quotas: bool,
) -> PyResult<Bound<'py, PyAny>> {
    Fleet::load(py, path)?.run(py, runs, seed, threads, no_quotas)
}

/// Adds the studies' classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Fleet>()?;
    m.add_function(wrap_pyfunction!(fleet, m)?)?;
    Ok(())
}
