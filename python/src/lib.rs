//! `spotsim._spotsim`, the native half of the `spotsim` Python package: the library's scenario
//! loading, simulation and renderers behind a few Python classes, so that a notebook gets the
//! very bytes the `spotsim` binary prints (`docs/python.md`).
//!
//! Like the binary, it is only glue: it parses nothing, formats nothing and simulates nothing
//! itself. What the binary prints on stderr (a scenario's warnings) becomes Python warnings;
//! what it refuses with exit code 2 becomes `spotsim.ScenarioError`; Ctrl-C (a
//! `KeyboardInterrupt`) stops a simulation through the library's cancellation token.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use spotsim::LoadError;
use spotsim::charts::{ChartFormat, ChartInput, ChartKind, TIMELINE_RUNS};
use spotsim::engine::{Outcome, RunRecord};
use spotsim::montecarlo::cancel::Cancel;
use spotsim::montecarlo::precision::Precision;
use spotsim::montecarlo::timeline::first_runs;
use spotsim::montecarlo::{Estimate, RunRows, stream_blocks, stream_to_target};
use spotsim::report::{RunReport, render_json, render_table};
use spotsim::scenario::{ScenarioErrors, Warning};
use spotsim::stats::accumulate::{ScenarioStats, block_count};

mod studies;

create_exception!(
    spotsim,
    ScenarioError,
    PyValueError,
    "A scenario (or another input) that breaks the format's rules.\n\n\
     The message is the one the `spotsim` binary prints, one line per problem; `.problems` \
     lists them as `Problem`s (file, line, column, key, message)."
);

/// One problem of a scenario: where it is and what rule it breaks.
#[pyclass(module = "spotsim", frozen, get_all)]
#[derive(Clone)]
struct Problem {
    /// The file as given (`<string>` for `loads`).
    file: String,
    /// 1-based line (0 when the problem has no place in a file).
    line: usize,
    /// 1-based column, in characters (0 when the problem has no place in a file).
    column: usize,
    /// The dotted key the problem is about, or None (a syntax error, a rule across keys).
    key: Option<String>,
    /// `key (value) rule`, as in the message.
    message: String,
}

#[pymethods]
impl Problem {
    fn __repr__(&self) -> String {
        let key = self
            .key
            .as_ref()
            .map_or_else(|| "None".to_string(), |key| format!("{key:?}"));
        format!(
            "Problem(file={:?}, line={}, column={}, key={key}, message={:?})",
            self.file, self.line, self.column, self.message
        )
    }

    fn __str__(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A `ScenarioError` carrying `message` and `problems`.
fn scenario_error(py: Python<'_>, message: String, problems: Vec<Problem>) -> PyErr {
    let error = ScenarioError::new_err(message);
    let problems = problems
        .into_iter()
        .map(|p| Py::new(py, p))
        .collect::<PyResult<Vec<_>>>();
    let attached = problems
        .and_then(|problems| PyList::new(py, problems))
        .and_then(|list| error.value(py).setattr("problems", list));
    match attached {
        Ok(()) => error,
        Err(other) => other,
    }
}

/// The problems of a file that breaks the format's rules.
fn problems_of(errors: &ScenarioErrors) -> Vec<Problem> {
    errors
        .0
        .iter()
        .map(|e| Problem {
            file: e.file.clone(),
            line: e.line,
            column: e.column,
            key: e.key.clone(),
            message: e.message.clone(),
        })
        .collect()
}

/// The Python exception of a load failure: the binary's message, as `ScenarioError`, or
/// `FileNotFoundError`/`OSError` for a file that cannot be read.
fn load_error(py: Python<'_>, error: LoadError) -> PyErr {
    let message = error.to_string();
    match error {
        LoadError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(message)
        }
        LoadError::Read { .. } | LoadError::Refused { .. } => PyOSError::new_err(message),
        LoadError::NotUtf8 {
            path, line, column, ..
        } => {
            let problem = Problem {
                file: path,
                line,
                column,
                key: None,
                message: message.clone(),
            };
            scenario_error(py, message, vec![problem])
        }
        LoadError::Invalid(errors) => {
            let problems = problems_of(&errors);
            scenario_error(py, message, problems)
        }
        LoadError::WrongKind { path, .. } => {
            let problem = Problem {
                file: path,
                line: 0,
                column: 0,
                key: None,
                message: message.clone(),
            };
            scenario_error(py, message, vec![problem])
        }
    }
}

/// Emits a scenario warning as a Python `UserWarning`, worded as the binary's stderr.
fn warn(py: Python<'_>, shown: &str, warning: &Warning, located: bool) -> PyResult<()> {
    let text = if located {
        format!("{}\n  hint: {}", warning.message, warning.hint)
    } else {
        format!("{shown}: {}\n  hint: {}", warning.message, warning.hint)
    };
    warn_text(py, text)
}

/// Emits `text` as a Python `UserWarning`.
fn warn_text(py: Python<'_>, text: String) -> PyResult<()> {
    let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
    let text = std::ffi::CString::new(text.replace('\0', " "))?;
    PyErr::warn(py, &category, &text, 1)
}

/// A scenario file's parser notes and lint warnings, as `spotsim run` prints them.
fn warn_scenario(
    py: Python<'_>,
    shown: &str,
    scenario: &spotsim::scenario::Scenario,
) -> PyResult<()> {
    for note in &scenario.notes {
        warn(py, shown, note, true)?;
    }
    for warning in spotsim::scenario::lint(scenario) {
        warn(py, shown, &warning, false)?;
    }
    Ok(())
}

/// A failure of the machinery (never the user's input).
pub(crate) fn runtime(error: impl std::fmt::Display) -> PyErr {
    PyRuntimeError::new_err(error.to_string())
}

/// Runs `work` on a pool of `threads` worker threads (rayon's default, one per core, as the
/// binary, when None) without the GIL, checking Python's signals every 20 ms: on
/// `KeyboardInterrupt` (or any signal handler's exception) the library's cancellation token is
/// requested, the simulation ends within milliseconds, and the exception is raised with
/// nothing returned.
pub(crate) fn interruptible<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce(&Cancel) -> T + Send,
) -> PyResult<T> {
    if threads == Some(0) {
        return Err(PyValueError::new_err("threads must be at least 1"));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(runtime)?;
    let cancel = Cancel::new();
    py.detach(|| {
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| pool.install(|| work(&cancel)));
            loop {
                if worker.is_finished() {
                    return worker
                        .join()
                        .map_err(|_| runtime("the simulation panicked (a bug: please report it)"));
                }
                if let Err(signal) = Python::attach(|py| py.check_signals()) {
                    cancel.request();
                    // The token ends the simulation within milliseconds; its result is dropped.
                    let _ = worker.join();
                    return Err(signal);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    })
}

/// A validated scenario, ready to run. Made by `spotsim.load`, `loads`, `from_dict` or
/// `from_estimator`.
#[pyclass(module = "spotsim", frozen)]
struct Scenario {
    scenario: spotsim::scenario::Scenario,
    /// The TOML text it was read from.
    text: String,
    /// The file it was read from (data files are relative to its folder), if any.
    path: Option<PathBuf>,
    /// The file as named in messages.
    shown: String,
    /// The keys an import assumed (key, reason), for `from_estimator`.
    assumed: Vec<(String, String)>,
}

impl Scenario {
    /// Parses `text`, shown as `shown` in messages; data files are relative to `path`'s folder
    /// (the working directory without one).
    fn parse(py: Python<'_>, text: String, path: Option<PathBuf>) -> PyResult<Scenario> {
        let shown = path
            .as_ref()
            .map_or_else(|| "<string>".to_string(), |p| p.display().to_string());
        Scenario::parse_shown(py, text, path, shown)
    }

    /// As [`Scenario::parse`], named `shown` in messages.
    fn parse_shown(
        py: Python<'_>,
        text: String,
        path: Option<PathBuf>,
        shown: String,
    ) -> PyResult<Scenario> {
        let scenario = spotsim::scenario::parse_scenario(&text, &shown)
            .map_err(|errors| load_error(py, LoadError::Invalid(errors)))?;
        Scenario::parsed(py, scenario, text, path, shown)
    }

    /// A parsed scenario, its warnings emitted.
    fn parsed(
        py: Python<'_>,
        scenario: spotsim::scenario::Scenario,
        text: String,
        path: Option<PathBuf>,
        shown: String,
    ) -> PyResult<Scenario> {
        warn_scenario(py, &shown, &scenario)?;
        Ok(Scenario {
            scenario,
            text,
            path,
            shown,
            assumed: Vec::new(),
        })
    }

    /// The job's display name, as the binary's (the file stem without a `name`).
    fn job_name(&self) -> String {
        match &self.path {
            Some(path) => spotsim::job_name(path, &self.scenario),
            None => self.scenario.display_name("scenario").to_string(),
        }
    }

    /// The scenario with `runs` and `seed` applied, as the binary's `--runs` and `--seed`.
    fn with_overrides(&self, runs: Option<u64>, seed: Option<u64>) -> spotsim::scenario::Scenario {
        let mut scenario = self.scenario.clone();
        if let Some(runs) = runs {
            scenario.simulation.runs = runs;
        }
        if let Some(seed) = seed {
            scenario.simulation.seed = seed;
        }
        scenario
    }
}

/// Each run's row of `--runs-csv`, packed as nine little-endian 8-byte fields (run, outcome
/// index, then the CSV's columns), for `numpy.frombuffer`.
struct PackedRows;

/// The outcomes in the order of their packed index, named as in `--runs-csv`.
fn outcomes() -> [&'static str; 3] {
    [
        Outcome::Completed.as_str(),
        Outcome::MaxRuntimeExceeded.as_str(),
        Outcome::MaxWaitTimeExceeded.as_str(),
    ]
}

impl RunRows for PackedRows {
    type Block = Vec<u8>;

    fn start_block(&self) -> Vec<u8> {
        Vec::new()
    }

    fn row(block: &mut Vec<u8>, run: u64, record: &RunRecord) -> std::io::Result<()> {
        // The index in `outcomes()`.
        let outcome: u64 = match record.outcome {
            Outcome::Completed => 0,
            Outcome::MaxRuntimeExceeded => 1,
            Outcome::MaxWaitTimeExceeded => 2,
        };
        block.extend_from_slice(&run.to_le_bytes());
        block.extend_from_slice(&outcome.to_le_bytes());
        for value in [
            record.wall_s,
            record.training_s,
            record.billable_s,
            record.cost_usd,
        ] {
            block.extend_from_slice(&value.to_le_bytes());
        }
        block.extend_from_slice(&u64::from(record.interruptions).to_le_bytes());
        for value in [record.waiting_s, record.lost_work_s] {
            block.extend_from_slice(&value.to_le_bytes());
        }
        Ok(())
    }

    fn finish_block(block: Vec<u8>) -> std::io::Result<Vec<u8>> {
        Ok(block)
    }
}

#[pymethods]
impl Scenario {
    /// Simulates the scenario's Monte Carlo runs, as `spotsim run`.
    ///
    /// runs, seed: override `simulation.runs` and `simulation.seed` (`--runs`, `--seed`).
    /// threads: worker threads (default: one per core, as the binary); the result is the same
    ///     for any count.
    /// target_rse: run until the mean cost's relative standard error is at most this
    ///     (`--target-rse`), `runs` being the cap.
    /// keep_runs: keep each run's row for `Result.runs_frame()` (72 bytes a run).
    ///
    /// The GIL is released while it runs; Ctrl-C (KeyboardInterrupt) stops it within
    /// milliseconds and returns nothing.
    #[pyo3(signature = (runs=None, seed=None, threads=None, *, target_rse=None, keep_runs=true))]
    fn run(
        &self,
        py: Python<'_>,
        runs: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
        target_rse: Option<f64>,
        keep_runs: bool,
    ) -> PyResult<RunResult> {
        let mut scenario = self.with_overrides(runs, seed);
        if target_rse.is_some() && runs.is_none() {
            // As the binary: with a target the cap is `runs`, else the largest simulation.
            scenario.simulation.runs = spotsim::scenario::MAX_RUNS;
        }
        if let Some(target) = target_rse
            && !(target > 0.0 && target.is_finite())
        {
            return Err(PyValueError::new_err(format!(
                "target_rse ({target}) must be a positive number, e.g. 0.01"
            )));
        }
        if scenario.simulation.runs == 0 {
            return Err(PyValueError::new_err("runs must be at least 1"));
        }
        let simulated = interruptible(py, threads, |cancel| {
            let mut rows = Vec::new();
            let done = AtomicU64::new(0);
            let result = match (target_rse, keep_runs) {
                (Some(target), true) => {
                    stream_to_target(&scenario, target, &done, cancel, &PackedRows, &mut rows)
                        .map(|(stats, precision)| (stats, Some(precision)))
                }
                (Some(target), false) => stream_to_target(
                    &scenario,
                    target,
                    &done,
                    cancel,
                    &spotsim::montecarlo::NoRows,
                    &mut rows,
                )
                .map(|(stats, precision)| (stats, Some(precision))),
                (None, keep) => {
                    let blocks = 0..block_count(scenario.simulation.runs);
                    if keep {
                        stream_blocks(&scenario, blocks, &done, cancel, &PackedRows, &mut rows)
                    } else {
                        let nothing = &spotsim::montecarlo::NoRows;
                        stream_blocks(&scenario, blocks, &done, cancel, nothing, &mut rows)
                    }
                    .map(|stats| (stats, None))
                }
            };
            result.map(|(stats, precision)| (stats, precision, rows))
        })?;
        let (stats, precision, rows) = simulated.map_err(runtime)?;
        let estimate = Estimate::of(&stats);
        if let Some(precision) = &precision {
            scenario.simulation.runs = precision.runs;
            if let Some(warning) = precision.cap_warning() {
                warn(py, &self.shown, &warning, false)?;
            }
        }
        if let Some(spot) = &estimate.spot
            && let Some(warning) = spotsim::montecarlo::precision::rare_outcome_warning(
                spot,
                scenario.simulation.runs,
                target_rse.is_some(),
            )
        {
            warn(py, &self.shown, &warning, false)?;
        }
        Ok(RunResult {
            name: self.job_name(),
            scenario,
            stats,
            estimate,
            precision,
            rows: keep_runs.then_some(rows),
        })
    }

    /// The scenario's TOML text, as read (or as made by `from_dict`/`from_estimator`).
    #[getter]
    fn toml(&self) -> &str {
        &self.text
    }

    /// The file it was read from, or None.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.path.clone()
    }

    /// The job's display name: its `name`, else the file stem.
    #[getter]
    fn name(&self) -> String {
        self.job_name()
    }

    /// `simulation.runs`.
    #[getter]
    fn runs(&self) -> u64 {
        self.scenario.simulation.runs
    }

    /// The keys `from_estimator` had to assume, as (key, reason) pairs: placeholders to replace
    /// with the job's figures (empty for a scenario file).
    #[getter]
    fn assumed(&self) -> Vec<(String, String)> {
        self.assumed.clone()
    }

    /// `simulation.seed`.
    #[getter]
    fn seed(&self) -> u64 {
        self.scenario.simulation.seed
    }

    fn __repr__(&self) -> String {
        format!(
            "<spotsim.Scenario {:?} ({}, {} runs, seed {})>",
            self.job_name(),
            self.shown,
            self.scenario.simulation.runs,
            self.scenario.simulation.seed
        )
    }
}

/// What `Scenario.run` found: the summary `spotsim run` prints, and each run when kept.
#[pyclass(module = "spotsim", name = "Result", frozen)]
struct RunResult {
    name: String,
    scenario: spotsim::scenario::Scenario,
    stats: ScenarioStats,
    estimate: Estimate,
    precision: Option<Precision>,
    /// [`PackedRows`]' bytes, when kept.
    rows: Option<Vec<u8>>,
}

impl RunResult {
    fn report(&self) -> RunReport<'_> {
        RunReport {
            name: &self.name,
            scenario: &self.scenario,
            estimate: &self.estimate,
            precision: self.precision.as_ref(),
        }
    }
}

/// Escapes text for HTML.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[pymethods]
impl RunResult {
    /// The JSON summary: byte for byte what `spotsim run --format json` prints for the same
    /// scenario, runs and seed.
    fn to_json(&self) -> String {
        render_json(&self.report())
    }

    /// `to_json()` parsed: a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (self.to_json(),))
    }

    /// The table `spotsim run` prints.
    fn to_table(&self) -> String {
        render_table(&self.report())
    }

    /// Each run as a pandas DataFrame: the columns and rows of `spotsim run --runs-csv` (run,
    /// outcome, wall_s, training_s, billable_s, cost_usd, interruptions, waiting_s,
    /// lost_work_s). Needs pandas (`pip install pandas`).
    fn runs_frame<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let Some(rows) = &self.rows else {
            return Err(PyValueError::new_err(
                "the runs were not kept: run the scenario with keep_runs=True",
            ));
        };
        let bytes = PyBytes::new(py, rows);
        py.import("spotsim._frames")?
            .call_method1("runs_frame", (bytes, outcomes().to_vec()))
    }

    /// A chart as SVG text: `cost`, `savings` (with spot), `completion`, `breakdown` or
    /// `timeline`, as `spotsim run --charts DIR --chart-format svg` draws it.
    fn chart_svg(&self, py: Python<'_>, kind: &str) -> PyResult<String> {
        let kind = ChartKind::ALL
            .into_iter()
            .find(|k| k.file_stem() == kind)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "unknown chart {kind:?}: one of {}",
                    ChartKind::ALL.map(ChartKind::file_stem).join(", ")
                ))
            })?;
        let timelines = if kind == ChartKind::Timeline {
            py.detach(|| first_runs(&self.scenario, TIMELINE_RUNS))
        } else {
            Vec::new()
        };
        let input = ChartInput {
            name: &self.name,
            scenario: &self.scenario,
            stats: &self.stats,
            estimate: &self.estimate,
            timelines: &timelines,
        };
        if !spotsim::charts::charts_for(&input).contains(&kind) {
            return Err(PyValueError::new_err(format!(
                "no {} chart for a scenario without spot",
                kind.file_stem()
            )));
        }
        let bytes = spotsim::charts::render(kind, &input, ChartFormat::Svg).map_err(runtime)?;
        String::from_utf8(bytes).map_err(runtime)
    }

    /// Jupyter's view: the run table, then the completion and cost charts inline (SVG).
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        let mut html = format!(
            "<div class=\"spotsim-result\"><pre>{}</pre>",
            html_escape(&self.to_table())
        );
        for kind in ["completion", "cost"] {
            html.push_str("<div style=\"max-width:1100px\">");
            html.push_str(&self.chart_svg(py, kind)?);
            html.push_str("</div>");
        }
        html.push_str("</div>");
        Ok(html)
    }

    /// The job's display name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The runs simulated (with `target_rse`, those kept).
    #[getter]
    fn runs(&self) -> u64 {
        self.scenario.simulation.runs
    }

    /// The seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.scenario.simulation.seed
    }

    fn __repr__(&self) -> String {
        format!(
            "<spotsim.Result {:?}: {} runs, seed {}>",
            self.name, self.scenario.simulation.runs, self.scenario.simulation.seed
        )
    }
}

/// `spotsim.load(path)`: reads and validates a scenario file (a `Scenario`) or a fleet file
/// (a `Fleet`, for a file with `[[workload]]` tables); data files it names are read relative to
/// its folder, as the binary does. Raises ScenarioError on bad input.
#[pyfunction]
fn load(py: Python<'_>, path: PathBuf) -> PyResult<Py<PyAny>> {
    let is_fleet =
        std::fs::read_to_string(&path).is_ok_and(|text| spotsim::fleet::is_fleet_text(&text));
    if is_fleet {
        return Ok(Py::new(py, studies::Fleet::load(py, path)?)?.into_any());
    }
    let (scenario, text) = spotsim::load_scenario_and_text(&path).map_err(|e| load_error(py, e))?;
    let shown = path.display().to_string();
    Ok(Py::new(py, Scenario::parsed(py, scenario, text, Some(path), shown)?)?.into_any())
}

/// `spotsim.loads(text, path=None)`: a scenario from TOML text; `path` (optional) names it in
/// messages and is where data files are relative to (else the working directory).
#[pyfunction]
#[pyo3(signature = (text, path=None))]
fn loads(py: Python<'_>, text: String, path: Option<PathBuf>) -> PyResult<Scenario> {
    Scenario::parse(py, text, path)
}

/// `spotsim.from_dict(d, path=None)`: a scenario from a dict of the TOML's tables
/// (`{"job": {...}, "spot": {...}}`), as `tomllib.load` would return it.
#[pyfunction]
#[pyo3(signature = (d, path=None))]
fn from_dict(py: Python<'_>, d: &Bound<'_, PyAny>, path: Option<PathBuf>) -> PyResult<Scenario> {
    let value = to_json(py, d)?;
    if !value.is_object() {
        return Err(PyValueError::new_err(
            "from_dict takes a dict of the scenario's tables, e.g. {\"job\": {...}}",
        ));
    }
    let text = toml::to_string(&value)
        .map_err(|e| PyValueError::new_err(format!("the dict cannot be written as TOML: {e}")))?;
    Scenario::parse(py, text, path)
}

/// Merges `overrides` (tables of keys) into the TOML `text`'s tables.
fn merged_toml(text: &str, overrides: &serde_json::Value) -> Result<String, String> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let overrides: toml::Table =
        toml::Table::try_from(overrides).map_err(|e| format!("the overrides: {e}"))?;
    for (name, keys) in overrides {
        let toml::Value::Table(keys) = keys else {
            return Err(format!("{name} must be a table of keys"));
        };
        let target = table
            .entry(name.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(target) = target else {
            return Err(format!("{name} is not a table in the imported scenario"));
        };
        target.extend(keys);
    }
    toml::to_string(&table).map_err(|e| e.to_string())
}

/// `from_estimator`'s native half: imports the `CreateTrainingJob` request `text` (named `file`
/// in messages) as `spotsim import create-training-job`, then sets the keys of `overrides`
/// (`{"job": {"training": ...}, "spot": {...}}`), which are then no longer assumed.
#[pyfunction]
fn _from_request(
    py: Python<'_>,
    text: &str,
    file: &str,
    overrides: &Bound<'_, PyAny>,
) -> PyResult<Scenario> {
    let mut overrides = to_json(py, overrides)?;
    // A given price is written by the import itself, as `spotsim import --price-per-hour`
    // writes it: spotsim knows no price for most instance types, and leaves a placeholder that
    // parsing refuses when none is given.
    let price = overrides
        .get("pricing")
        .and_then(|p| p.get("on_demand_hourly"))
        .and_then(serde_json::Value::as_f64);
    if price.is_some()
        && let Some(pricing) = overrides
            .get_mut("pricing")
            .and_then(serde_json::Value::as_object_mut)
    {
        pricing.remove("on_demand_hourly");
        if pricing.is_empty() {
            overrides.as_object_mut().map(|o| o.remove("pricing"));
        }
    }
    let imported = spotsim::import::import_create_training_job_priced(text, file, price)
        .map_err(|error| import_error(py, error))?;
    for warning in &imported.warnings {
        warn_text(py, format!("{file}: {warning}"))?;
    }
    let given = |key: &str| {
        key.split_once('.')
            .and_then(|(table, name)| overrides.get(table)?.get(name))
            .is_some()
    };
    let assumed: Vec<(String, String)> = imported
        .assumed
        .iter()
        .filter(|a| !given(a.key))
        .map(|a| (a.key.to_string(), a.reason.clone()))
        .collect();
    let text = if overrides.as_object().is_none_or(|o| o.is_empty()) {
        imported.scenario_toml
    } else {
        merged_toml(&imported.scenario_toml, &overrides).map_err(PyValueError::new_err)?
    };
    let mut scenario = Scenario::parse_shown(py, text, None, file.to_string())?;
    if !assumed.is_empty() {
        let keys: Vec<&str> = assumed.iter().map(|(k, _)| k.as_str()).collect();
        let warning = Warning {
            message: format!("assumed (placeholders to replace): {}", keys.join(", ")),
            hint: "pass training=, market= and on_demand_hourly=, or see Scenario.assumed"
                .to_string(),
        };
        warn(py, file, &warning, false)?;
    }
    scenario.assumed = assumed;
    Ok(scenario)
}

/// The Python exception of a failed import: `ScenarioError` with the binary's message, one
/// problem per rule the request breaks.
fn import_error(py: Python<'_>, error: spotsim::import::ImportError) -> PyErr {
    use spotsim::import::ImportError;
    let message = error.to_string();
    let problems = match &error {
        ImportError::Refused { path, .. } => vec![Problem {
            file: path.clone(),
            line: 0,
            column: 0,
            key: None,
            message: message.clone(),
        }],
        ImportError::Invalid { path, problems } => problems
            .iter()
            .map(|p| Problem {
                file: path.clone(),
                line: 0,
                column: 0,
                key: Some(p.key.clone()),
                message: p.to_string(),
            })
            .collect(),
        ImportError::Json {
            path, line, column, ..
        } => vec![Problem {
            file: path.clone(),
            line: *line,
            column: *column,
            key: None,
            message: message.clone(),
        }],
        ImportError::Read { path, .. } | ImportError::WrongDocument { path, .. } => {
            vec![Problem {
                file: path.clone(),
                line: 0,
                column: 0,
                key: None,
                message: message.clone(),
            }]
        }
    };
    scenario_error(py, message, problems)
}

/// A Python value as JSON, through the `json` module.
pub(crate) fn to_json(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let json: String = py
        .import("json")?
        .call_method1("dumps", (value,))?
        .extract()?;
    serde_json::from_str(&json).map_err(runtime)
}

/// The extension module.
#[pymodule]
fn _spotsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add_class::<Problem>()?;
    m.add_class::<Scenario>()?;
    m.add_class::<RunResult>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(from_dict, m)?)?;
    m.add_function(wrap_pyfunction!(_from_request, m)?)?;
    studies::register(m)?;
    Ok(())
}
