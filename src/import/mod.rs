//! `spotsim import`: a scenario from what a SageMaker user already has, as commented TOML that
//! `spotsim validate` and `spotsim run` accept.
//!
//! - A `CreateTrainingJob` request (the JSON `aws sagemaker create-training-job
//!   --cli-input-json` takes, or the body the SDKs send) says what the job may use: instances,
//!   limits, spot, checkpoints. It is checked against the service's rules (spec §1) first, and
//!   a request the service would reject is an error, every problem at once.
//! - A finished job's `DescribeTrainingJob` document (what `aws sagemaker
//!   describe-training-job` prints, and what `spotsim trace` writes) says what the job did: the
//!   scenario replays it, with the phase durations, the interruptions and the spot discount it
//!   showed. It is read by [`crate::import::fit::DescribedJob`], the reader `spotsim fit jobs` uses.
//!
//! Invariants: every key the document does not give is a placeholder taken from `spotsim
//! init`'s templates ([`crate::import::templates`]), so the two cannot drift; it is marked `# ASSUMED:`
//! next to the key and listed in [`Import::assumed`]. Unknown JSON fields are ignored (real
//! requests carry many). Nothing here prints: the binary shows the scenario and the notes.

pub mod fit;
pub mod templates;

use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};

use crate::import::fit::{DescribedJob, fit_jobs, time_s};
use crate::import::templates::{template_for, template_key};
use crate::inputs::bounded::{FileKind, ReadError};
use crate::scenario::{DEFAULT_MAX_RUN_S, JOB_LIFETIME_LIMIT_S, MAX_RUN_LIMIT_S};
use crate::units::duration::{format_duration, format_duration_exact};

/// Which SageMaker document an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A `CreateTrainingJob` request: `spotsim import create-training-job`.
    CreateTrainingJob,
    /// A finished job's `DescribeTrainingJob` document: `spotsim import describe-training-job`.
    DescribeTrainingJob,
}

impl Source {
    /// What the document is called in messages.
    pub fn document(self) -> &'static str {
        match self {
            Source::CreateTrainingJob => "CreateTrainingJob request",
            Source::DescribeTrainingJob => "DescribeTrainingJob document",
        }
    }

    /// The command that reads it.
    pub fn command(self) -> &'static str {
        match self {
            Source::CreateTrainingJob => "spotsim import create-training-job",
            Source::DescribeTrainingJob => "spotsim import describe-training-job",
        }
    }
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The scenario: commented TOML, ending with a newline.
    pub scenario_toml: String,
    /// The keys the document did not give, in file order: placeholders to replace.
    pub assumed: Vec<Assumed>,
    /// What the service may reject that the document cannot settle, for the user to check.
    pub warnings: Vec<String>,
}

/// One placeholder key of an imported scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumed {
    /// The scenario key, e.g. `job.training`.
    pub key: &'static str,
    /// Why it had to be assumed.
    pub reason: String,
}

/// One way a document breaks a rule of the service (or of spotsim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The JSON key, dotted, e.g. `StoppingCondition.MaxWaitTimeInSeconds`.
    pub key: String,
    /// The value as the document writes it, or `None` when it is missing.
    pub value: Option<String>,
    /// The rule it breaks.
    pub rule: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{} ({value}) {}", self.key, self.rule),
            None => write!(f, "{} {}", self.key, self.rule),
        }
    }
}

/// Why a document could not be imported; every message starts with the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("{path}: cannot read the {document}: {source}")]
    Read {
        /// The path as given.
        path: String,
        /// What the file should hold.
        document: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a regular file, or passes the size cap of a job document.
    #[error("{path}: {source}")]
    Refused {
        /// The path as given.
        path: String,
        /// Why it was not read.
        source: crate::inputs::bounded::ReadError,
    },
    /// The file is not JSON, or not of the document's shape.
    #[error("{path}:{line}:{column}: not a {document}: {message}")]
    Json {
        /// The path as given.
        path: String,
        /// What the file should hold.
        document: &'static str,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// `serde_json`'s description.
        message: String,
    },
    /// Valid JSON, but another document.
    #[error("{path}: not a {document}: {reason}")]
    WrongDocument {
        /// The path as given.
        path: String,
        /// What the file should hold.
        document: &'static str,
        /// What is missing or what the file is instead.
        reason: String,
    },
    /// The document breaks the service's rules: one line per problem, `FILE: KEY (VALUE) RULE`.
    #[error("{}", render_problems(path, problems))]
    Invalid {
        /// The path as given.
        path: String,
        /// Every problem, in the order the document was read.
        problems: Vec<Problem>,
    },
}

fn render_problems(path: &str, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{path}: {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads and imports a document file; `path` is shown in the scenario's header and in errors.
pub fn import_file(source: Source, path: &Path) -> Result<Import, ImportError> {
    import_file_priced(source, path, None)
}

/// As [`import_file`], with the instance type's on-demand price in USD per instance-hour when
/// the user gives it (`--price-per-hour`).
pub fn import_file_priced(
    source: Source,
    path: &Path,
    price_per_hour_usd: Option<f64>,
) -> Result<Import, ImportError> {
    let shown = path.display().to_string();
    let text = crate::inputs::bounded::read_bounded_text(path, FileKind::JobDocument).map_err(
        |error| match error {
            ReadError::Io { source: e, .. } => ImportError::Read {
                path: shown.clone(),
                document: source.document(),
                source: e,
            },
            refused => ImportError::Refused {
                path: shown.clone(),
                source: refused,
            },
        },
    )?;
    match source {
        Source::CreateTrainingJob => {
            import_create_training_job_priced(&text, &shown, price_per_hour_usd)
        }
        Source::DescribeTrainingJob => {
            import_describe_training_job_priced(&text, &shown, price_per_hour_usd)
        }
    }
}

/// The note `spotsim import` prints on stderr: which keys are placeholders, and why.
pub fn render_assumed_note(import: &Import) -> String {
    if import.assumed.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "note: {} key{} of the scenario {} assumed (marked `# ASSUMED` in it); replace {} with \
         your job's figures:\n",
        import.assumed.len(),
        if import.assumed.len() == 1 { "" } else { "s" },
        if import.assumed.len() == 1 {
            "is"
        } else {
            "are"
        },
        if import.assumed.len() == 1 {
            "it"
        } else {
            "them"
        },
    );
    let width = import
        .assumed
        .iter()
        .map(|a| a.key.len())
        .max()
        .unwrap_or(0);
    for assumed in &import.assumed {
        out.push_str(&format!(
            "  {:width$}  {}\n",
            assumed.key,
            first_sentence(&assumed.reason)
        ));
    }
    out
}

/// The text up to the first `:` or `;`: the short form of a reason.
fn first_sentence(reason: &str) -> &str {
    reason.split([':', ';']).next().unwrap_or(reason).trim()
}

// ---------------------------------------------------------------------------------------------
// The scenario being written.

/// One line group of the scenario: a key with its comment, or a comment alone.
enum Line {
    Key {
        /// `table.key`.
        path: &'static str,
        /// The value, as TOML.
        value: String,
        /// Comment lines above it, each one sentence or so (wrapped when written).
        comment: Vec<String>,
        /// Why it is a placeholder, when it is one.
        assumed: Option<String>,
    },
    /// Comment lines inside `table` (written after its header, which it opens if needed).
    Note {
        table: &'static str,
        lines: Vec<String>,
    },
}

/// The scenario as lines, and where its placeholders come from.
struct Draft {
    /// `spotsim init`'s template that suits the instance type.
    template: &'static str,
    /// Its flag, `--gpu` or `--cpu`.
    flag: &'static str,
    header: Vec<String>,
    lines: Vec<Line>,
    warnings: Vec<String>,
    /// The on-demand price the user gave (`--price-per-hour`), USD per instance-hour.
    price_per_hour_usd: Option<f64>,
}

/// Longest comment line written, in characters.
const COMMENT_WIDTH: usize = 100;

impl Draft {
    fn new(instance_type: Option<&str>) -> Draft {
        let (template, flag) = template_for(instance_type);
        Draft {
            template,
            flag,
            header: Vec::new(),
            lines: Vec::new(),
            warnings: Vec::new(),
            price_per_hour_usd: None,
        }
    }

    fn key(&mut self, path: &'static str, value: String, comment: &[&str]) {
        self.lines.push(Line::Key {
            path,
            value,
            comment: comment
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
            assumed: None,
        });
    }

    /// The template's comment for `path`, then ours.
    fn key_with_template_comment(&mut self, path: &'static str, value: String, comment: &[&str]) {
        let mut lines = self.template_comment(path);
        lines.extend(comment.iter().map(std::string::ToString::to_string));
        self.lines.push(Line::Key {
            path,
            value,
            comment: lines,
            assumed: None,
        });
    }

    fn note(&mut self, table: &'static str, lines: &[&str]) {
        self.lines.push(Line::Note {
            table,
            lines: lines.iter().map(std::string::ToString::to_string).collect(),
        });
    }

    /// The template's placeholder for `path`, marked assumed for `reason`.
    fn placeholder(&mut self, path: &'static str, reason: &str) {
        let value = self.template_value(path);
        self.assumed_value(path, value, reason);
    }

    /// A value of ours that is still a guess, with the template's comment.
    fn assumed_value(&mut self, path: &'static str, value: String, reason: &str) {
        let comment = self.template_comment(path);
        self.lines.push(Line::Key {
            path,
            value,
            comment,
            assumed: Some(reason.to_string()),
        });
    }

    fn template_value(&self, path: &str) -> String {
        template_key(self.template, path)
            .map(|k| k.value.to_string())
            .expect("both templates give every key an import may assume (tested)")
    }

    fn template_comment(&self, path: &str) -> Vec<String> {
        template_key(self.template, path)
            .map(|k| {
                k.comment
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn finish(self) -> Import {
        let mut out = String::new();
        for line in &self.header {
            if line.starts_with("  ") {
                // A command to copy: its spacing aligns the comments after it.
                out.push_str(&format!("# {line}\n"));
            } else {
                push_comment(&mut out, "", line);
            }
        }
        let mut table = "";
        let mut assumed = Vec::new();
        for line in &self.lines {
            let (line_table, path) = match line {
                Line::Key { path, .. } => (path.split_once('.').map_or("", |(t, _)| t), *path),
                Line::Note { table, .. } => (*table, ""),
            };
            if line_table.is_empty() {
                out.push('\n');
            } else if line_table != table {
                table = line_table;
                out.push_str(&format!("\n[{table}]\n"));
            }
            match line {
                Line::Key {
                    value,
                    comment,
                    assumed: reason,
                    ..
                } => {
                    for text in comment {
                        push_comment(&mut out, "", text);
                    }
                    if let Some(reason) = reason {
                        push_comment(&mut out, "ASSUMED: ", &format!("{reason}."));
                        assumed.push(Assumed {
                            key: path,
                            reason: reason.clone(),
                        });
                    }
                    let key = path.split_once('.').map_or(path, |(_, k)| k);
                    out.push_str(&format!("{key} = {value}\n"));
                }
                Line::Note { lines, .. } => {
                    for text in lines {
                        push_comment(&mut out, "", text);
                    }
                }
            }
        }
        Import {
            scenario_toml: out,
            assumed,
            warnings: self.warnings,
        }
    }
}

/// Appends `# <prefix><text>`, wrapped at [`COMMENT_WIDTH`]; continuation lines are indented
/// under the text when there is a prefix. Control characters (a newline in a job name or a
/// path) become spaces, so a comment can never end early and turn into TOML.
fn push_comment(out: &mut String, prefix: &str, text: &str) {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let indent = if prefix.is_empty() { "" } else { "  " };
    let mut line = format!("# {prefix}");
    let mut empty = true;
    for word in clean.split(' ').filter(|w| !w.is_empty()) {
        if !empty && line.chars().count() + 1 + word.chars().count() > COMMENT_WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = format!("# {indent}");
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// A TOML string literal (quotes and escapes as needed).
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Seconds as a TOML number: whole when they are, else to the millisecond.
fn toml_seconds(seconds: f64) -> String {
    if seconds.fract() == 0.0 && seconds.abs() < 1e15 {
        format!("{}", seconds as i64)
    } else {
        let text = format!("{seconds:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A JSON value as the document writes it, shortened for messages.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(37).collect::<String>())
    } else {
        text
    }
}

/// A number of seconds as the document writes it.
fn shown_seconds(seconds: f64) -> String {
    if seconds.abs() < 1e15 {
        toml_seconds(seconds)
    } else {
        // `1e300`, not 301 digits.
        crate::units::format::format_quoted_number(seconds)
    }
}

// ---------------------------------------------------------------------------------------------
// Rules both documents follow.

/// `StoppingCondition` and `EnableManagedSpotTraining`, checked.
struct Limits {
    /// `MaxRuntimeInSeconds`, or the API's default when absent.
    max_run_s: f64,
    /// Whether `MaxRuntimeInSeconds` was given.
    max_run_given: bool,
    /// `MaxWaitTimeInSeconds` (spot only).
    max_wait_s: Option<f64>,
    /// `EnableManagedSpotTraining`.
    spot: bool,
}

const MAX_RUN_KEY: &str = "StoppingCondition.MaxRuntimeInSeconds";
const MAX_WAIT_KEY: &str = "StoppingCondition.MaxWaitTimeInSeconds";

/// A field of a document: absent, present but unreadable (already reported), or its value
/// with the text it was written as.
type Field<T> = Result<Option<T>, ()>;

/// The service's rules for the limits (spec §1): MaxRuntime from 1 s to 28 days (default 1
/// day), MaxWait only with spot and required with it, MaxWait at least MaxRuntime, both whole
/// seconds (integers in the API). A rule that needs a field that was unreadable is skipped, so
/// one mistake is reported once; the limits come back only when every rule held.
fn check_limits(
    max_run: Field<(f64, String)>,
    max_wait: Field<(f64, String)>,
    spot: Result<bool, ()>,
    problems: &mut Vec<Problem>,
) -> Option<Limits> {
    let before = problems.len();
    let mut bad = |key: &str, value: &str, rule: String| {
        problems.push(Problem {
            key: key.to_string(),
            value: Some(value.to_string()),
            rule,
        });
    };
    let mut max_run_ok = max_run.is_ok();
    if let Ok(Some((seconds, text))) = &max_run {
        if seconds.fract() != 0.0 {
            bad(
                MAX_RUN_KEY,
                text,
                "must be a whole number of seconds (an integer in the API)".into(),
            );
            max_run_ok = false;
        } else if !(1.0..=MAX_RUN_LIMIT_S).contains(seconds) {
            bad(
                MAX_RUN_KEY,
                text,
                "must be from 1 to 2419200 (28 days): the service accepts no other MaxRuntime"
                    .into(),
            );
            max_run_ok = false;
        }
    }
    let mut max_wait_ok = max_wait.is_ok();
    if let Ok(Some((seconds, text))) = &max_wait {
        if spot == Ok(false) {
            bad(
                MAX_WAIT_KEY,
                text,
                "is rejected without managed spot (\"Invalid MaxWaitTimeInSeconds. It is only \
                 supported when EnableManagedSpotTraining is set to true\"): set \
                 EnableManagedSpotTraining to true or remove MaxWaitTimeInSeconds"
                    .into(),
            );
        } else if seconds.fract() != 0.0 {
            bad(
                MAX_WAIT_KEY,
                text,
                "must be a whole number of seconds (an integer in the API)".into(),
            );
            max_wait_ok = false;
        } else if *seconds < 1.0 {
            bad(MAX_WAIT_KEY, text, "must be at least 1".into());
            max_wait_ok = false;
        }
    }
    let max_run_s = match &max_run {
        Ok(Some((seconds, _))) => *seconds,
        _ => DEFAULT_MAX_RUN_S,
    };
    if let (Ok(Some((wait, text))), Ok(true), true, true) =
        (&max_wait, spot, max_run_ok, max_wait_ok)
        && *wait < max_run_s
    {
        bad(
            MAX_WAIT_KEY,
            text,
            format!(
                "must be at least {MAX_RUN_KEY} ({}{}): MaxWait is the wall-clock budget for \
                 waiting plus running, and the service rejects a smaller one",
                shown_seconds(max_run_s),
                if matches!(max_run, Ok(Some(_))) {
                    ""
                } else {
                    ", its default"
                }
            ),
        );
    }
    if let (Ok(true), Ok(None)) = (spot, &max_wait) {
        problems.push(Problem {
            key: MAX_WAIT_KEY.to_string(),
            value: None,
            rule: "is required with EnableManagedSpotTraining = true: the service rejects spot \
                   without it. It is the wall-clock budget from job creation (waits for \
                   capacity, restarts and running time), at least MaxRuntimeInSeconds"
                .to_string(),
        });
    }
    match (max_run, max_wait, spot) {
        (Ok(max_run), Ok(max_wait), Ok(spot)) if problems.len() == before => Some(Limits {
            max_run_s,
            max_run_given: max_run.is_some(),
            max_wait_s: max_wait.map(|(s, _)| s),
            spot,
        }),
        _ => None,
    }
}

/// `[stopping]` from checked limits.
fn write_stopping(draft: &mut Draft, limits: &Limits) {
    if limits.max_run_given {
        draft.key(
            "stopping.max_run",
            toml_seconds(limits.max_run_s),
            &[&format!(
                "StoppingCondition.MaxRuntimeInSeconds ({}): running time allowed, summed over \
                 all attempts (SDK v2 `max_run`).",
                format_duration_exact(limits.max_run_s)
            )],
        );
    } else {
        draft.key(
            "stopping.max_run",
            toml_seconds(limits.max_run_s),
            &[
                "StoppingCondition.MaxRuntimeInSeconds is not given: the API's default, 1 day \
               (SDK v2 `max_run`), running time allowed, summed over all attempts.",
            ],
        );
    }
    if let Some(wait) = limits.max_wait_s {
        draft.key(
            "stopping.max_wait",
            toml_seconds(wait),
            &[&format!(
                "StoppingCondition.MaxWaitTimeInSeconds ({}): wall clock from job creation, waits \
             for capacity included (SDK v2 `max_wait`). It is not a budget for waiting alone.",
                format_duration_exact(wait)
            )],
        );
    } else {
        // Twice max_run, as the templates do, within the service's 30-day life of a job.
        let suggested = (2.0 * limits.max_run_s)
            .min(JOB_LIFETIME_LIMIT_S)
            .max(limits.max_run_s);
        draft.note(
            "stopping",
            &[
                "No MaxWaitTimeInSeconds: the job runs on-demand. To try managed spot, set \
                 spot.enabled = true and give max_wait (at least max_run), e.g.",
                &format!("max_wait = {}", toml_seconds(suggested)),
            ],
        );
    }
}

/// `[spot]` for a job that runs on-demand: `enabled = false` and a placeholder market, so that
/// trying spot is one edit away (`[spot]`'s other keys are ignored while it is off).
fn write_spot_off(draft: &mut Draft, enabled_comment: &str) {
    draft.key("spot.enabled", "false".into(), &[enabled_comment]);
    let reason = "the job runs on-demand; this market is used only with enabled = true";
    draft.placeholder("spot.capacity_wait", reason);
    draft.placeholder("spot.time_to_interruption", reason);
    draft.placeholder("spot.discount", reason);
}

/// The value an import writes for `pricing.on_demand_hourly` when spotsim does not know the
/// instance type's price and the user gave none: a string, which `validate` and `run` refuse
/// with a message that says to set it (`src/scenario/parse.rs`, `read_pricing`).
pub const PRICE_PLACEHOLDER: &str = "SET ME: USD per instance-hour";

/// `[pricing]`. spotsim has no price list: the one price it knows is its template's, for the
/// template's instance type. Any other type is priced by the user, with `--price-per-hour` or
/// by replacing [`PRICE_PLACEHOLDER`]: another type's price would put every cost off by the
/// ratio of the two prices without a word (issue 15).
fn write_pricing(draft: &mut Draft, instance_type: Option<&str>) {
    let template_type =
        template_key(draft.template, "job.instance_type").map_or("", |k| k.value.trim_matches('"'));
    let shown_type = instance_type.unwrap_or("your instance type");
    if let Some(price) = draft.price_per_hour_usd {
        draft.key(
            "pricing.on_demand_hourly",
            crate::units::format::format_quoted_number(price),
            &[&format!(
                "USD per instance-hour of {shown_type} on-demand, from --price-per-hour."
            )],
        );
        return;
    }
    match instance_type {
        Some(t) if t == template_type => {
            let reason = format!(
                "no document gives a price, and spotsim has no price list: this is the price of \
                 {t} from `spotsim init {}`; check your region's",
                draft.flag
            );
            draft.placeholder("pricing.on_demand_hourly", &reason);
        }
        _ => {
            let reason = format!(
                "no document gives a price, and spotsim knows no price for {shown_type}: set \
                 its on-demand price in your region, in USD per instance-hour (or import again \
                 with --price-per-hour); validate and run refuse the scenario until then"
            );
            draft.assumed_value(
                "pricing.on_demand_hourly",
                format!("\"{PRICE_PLACEHOLDER}\""),
                &reason,
            );
        }
    }
}

/// The header's closing lines: what to do next.
fn next_steps(draft: &mut Draft) {
    draft.header.extend([
        "Check it, then simulate it:".to_string(),
        "  spotsim validate FILE.toml     # what spotsim understood, defaults included".to_string(),
        "  spotsim run FILE.toml          # cost, wall time and timeouts, spot against on-demand"
            .to_string(),
        "A bare number is seconds; durations also take units (\"90s\", \"45m\", \"6h\"). Every \
         key: docs/scenario-format.md."
            .to_string(),
    ]);
}

// ---------------------------------------------------------------------------------------------
// CreateTrainingJob.

/// Reads fields of a JSON object by dotted key, reporting wrong types as problems. JSON `null`
/// counts as absent, as the AWS CLI's skeletons write it.
struct Reader {
    problems: Vec<Problem>,
}

impl Reader {
    fn get<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
        object.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&mut self, key: &str, value: &Value, rule: &str) {
        self.problems.push(Problem {
            key: key.to_string(),
            value: Some(shown(value)),
            rule: rule.to_string(),
        });
    }

    fn object<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        name: &str,
        key: &str,
    ) -> Option<&'v Map<String, Value>> {
        let value = Self::get(object, name)?;
        match value {
            Value::Object(inner) => Some(inner),
            other => {
                self.wrong(key, other, "must be a JSON object");
                None
            }
        }
    }

    fn string<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        name: &str,
        key: &str,
    ) -> Option<&'v str> {
        match Self::get(object, name)? {
            Value::String(text) => Some(text),
            other => {
                self.wrong(key, other, "must be a string");
                None
            }
        }
    }

    /// `Err(())` when present but not a boolean.
    fn boolean(
        &mut self,
        object: &Map<String, Value>,
        name: &str,
        key: &str,
    ) -> Result<Option<bool>, ()> {
        match Self::get(object, name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => {
                self.wrong(
                    key,
                    other,
                    "must be true or false (a JSON boolean, not a string)",
                );
                Err(())
            }
        }
    }

    /// A number, with the text it was written as; `Err(())` when present but not a number.
    fn number(
        &mut self,
        object: &Map<String, Value>,
        name: &str,
        key: &str,
    ) -> Result<Option<(f64, String)>, ()> {
        match Self::get(object, name) {
            None => Ok(None),
            Some(value @ Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() => Ok(Some((x, shown(value)))),
                _ => {
                    self.wrong(key, value, "is not a number spotsim can read");
                    Err(())
                }
            },
            Some(other) => {
                self.wrong(key, other, "must be a number (seconds), not a string");
                Err(())
            }
        }
    }
}

/// What a request says, as far as spotsim reads it.
struct Request {
    name: Option<String>,
    instance_type: String,
    instance_count: u32,
    limits: Limits,
    /// `CheckpointConfig`'s `S3Uri` and `LocalPath`.
    checkpoint: Option<(String, String)>,
    /// `TrainingImage …` or `AlgorithmName …`.
    image: Option<String>,
}

/// A scenario from a `CreateTrainingJob` request. `file` names the request in the scenario's
/// header and in errors.
pub fn import_create_training_job(text: &str, file: &str) -> Result<Import, ImportError> {
    import_create_training_job_priced(text, file, None)
}

/// As [`import_create_training_job`], with the on-demand price of the instance type in USD
/// per instance-hour when the user gives it (`--price-per-hour`): without it, an instance type
/// whose price spotsim does not know gets [`PRICE_PLACEHOLDER`], which `validate` and `run`
/// refuse until the user sets it.
pub fn import_create_training_job_priced(
    text: &str,
    file: &str,
    price_per_hour_usd: Option<f64>,
) -> Result<Import, ImportError> {
    checked(import_request(text, file, price_per_hour_usd), file)
}

/// `import` itself, without the final check of [`checked`].
fn import_request(
    text: &str,
    file: &str,
    price_per_hour_usd: Option<f64>,
) -> Result<Import, ImportError> {
    let source = Source::CreateTrainingJob;
    let root: Value =
        serde_json::from_str(crate::inputs::bounded::without_bom(text)).map_err(|e| {
            ImportError::Json {
                path: file.to_string(),
                document: source.document(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            }
        })?;
    let wrong = |reason: String| ImportError::WrongDocument {
        path: file.to_string(),
        document: source.document(),
        reason,
    };
    let Value::Object(root) = &root else {
        return Err(wrong(format!(
            "the file holds a JSON {}, not an object with ResourceConfig and StoppingCondition",
            json_kind(&root)
        )));
    };
    if root.contains_key("SecondaryStatusTransitions") || root.contains_key("TrainingJobStatus") {
        return Err(wrong(
            "it has TrainingJobStatus or SecondaryStatusTransitions, so it describes a job that \
             ran: use `spotsim import describe-training-job`"
                .into(),
        ));
    }
    if !root.contains_key("ResourceConfig") {
        return Err(wrong(
            "it has no ResourceConfig (InstanceType, InstanceCount), which every \
             CreateTrainingJob request gives"
                .into(),
        ));
    }
    let request = read_request(root).map_err(|problems| ImportError::Invalid {
        path: file.to_string(),
        problems,
    })?;
    Ok(request_scenario(&request, file, price_per_hour_usd))
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn read_request(root: &Map<String, Value>) -> Result<Request, Vec<Problem>> {
    let mut r = Reader {
        problems: Vec::new(),
    };
    let name = r.string(root, "TrainingJobName", "TrainingJobName");

    let resources = r.object(root, "ResourceConfig", "ResourceConfig");
    let empty = Map::new();
    let resources = resources.unwrap_or(&empty);
    let instance_type = match r.string(resources, "InstanceType", "ResourceConfig.InstanceType") {
        Some(t) if t.starts_with("ml.") && t.len() > 3 => Some(t),
        Some(t) => {
            r.wrong(
                "ResourceConfig.InstanceType",
                &Value::String(t.to_string()),
                "must be a SageMaker instance type such as ml.p3.2xlarge",
            );
            None
        }
        None if Reader::get(resources, "InstanceGroups").is_some() => {
            r.problems.push(Problem {
                key: "ResourceConfig.InstanceGroups".into(),
                value: None,
                rule: "(a heterogeneous cluster) is not supported: spotsim models one instance \
                       type; give ResourceConfig.InstanceType and InstanceCount"
                    .into(),
            });
            None
        }
        None if Reader::get(resources, "InstanceType").is_none() => {
            r.problems.push(Problem {
                key: "ResourceConfig.InstanceType".into(),
                value: None,
                rule: "is required: the instance type, e.g. ml.p3.2xlarge".into(),
            });
            None
        }
        None => None,
    };
    let instance_count = match r.number(resources, "InstanceCount", "ResourceConfig.InstanceCount")
    {
        Ok(Some((count, text))) => {
            if count.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&count) {
                Some(count as u32)
            } else {
                r.problems.push(Problem {
                    key: "ResourceConfig.InstanceCount".into(),
                    value: Some(text),
                    rule: "must be a whole number of instances, at least 1".into(),
                });
                None
            }
        }
        Ok(None) => {
            r.problems.push(Problem {
                key: "ResourceConfig.InstanceCount".into(),
                value: None,
                rule: "is required: the number of instances, at least 1".into(),
            });
            None
        }
        Err(()) => None,
    };
    let keep_alive = r
        .number(
            resources,
            "KeepAlivePeriodInSeconds",
            "ResourceConfig.KeepAlivePeriodInSeconds",
        )
        .ok()
        .flatten();

    let spot = r.boolean(
        root,
        "EnableManagedSpotTraining",
        "EnableManagedSpotTraining",
    );
    let stopping = r.object(root, "StoppingCondition", "StoppingCondition");
    let stopping = stopping.unwrap_or(&empty);
    let max_run = r.number(stopping, "MaxRuntimeInSeconds", MAX_RUN_KEY);
    let max_wait = r.number(stopping, "MaxWaitTimeInSeconds", MAX_WAIT_KEY);
    let limits = check_limits(
        max_run,
        max_wait,
        spot.map(|s| s.unwrap_or(false)),
        &mut r.problems,
    );
    if let (Some(limits), Some((seconds, text))) = (&limits, &keep_alive)
        && limits.spot
        && *seconds > 0.0
    {
        r.problems.push(Problem {
            key: "ResourceConfig.KeepAlivePeriodInSeconds".into(),
            value: Some(text.clone()),
            rule: "is rejected with managed spot: warm pools cannot be used with spot; remove it \
                   or set it to 0"
                .into(),
        });
    }

    let checkpoint = match r.object(root, "CheckpointConfig", "CheckpointConfig") {
        Some(config) => {
            let uri = r.string(config, "S3Uri", "CheckpointConfig.S3Uri");
            let local = r.string(config, "LocalPath", "CheckpointConfig.LocalPath");
            if let Some(uri) = uri {
                Some(Some((
                    uri,
                    local.unwrap_or(crate::scenario::CHECKPOINT_LOCAL_PATH),
                )))
            } else {
                if Reader::get(config, "S3Uri").is_none() {
                    r.problems.push(Problem {
                        key: "CheckpointConfig.S3Uri".into(),
                        value: None,
                        rule: "is required in CheckpointConfig: the S3 prefix checkpoints \
                               are copied to"
                            .into(),
                    });
                }
                None
            }
        }
        None => Some(None),
    };

    let algorithm = r.object(root, "AlgorithmSpecification", "AlgorithmSpecification");
    let image = algorithm.and_then(|a| {
        let image = r.string(a, "TrainingImage", "AlgorithmSpecification.TrainingImage");
        let name = r.string(a, "AlgorithmName", "AlgorithmSpecification.AlgorithmName");
        image
            .map(|i| format!("TrainingImage {i}"))
            .or_else(|| name.map(|n| format!("AlgorithmName {n}")))
    });

    match (instance_type, instance_count, limits, checkpoint) {
        (Some(instance_type), Some(instance_count), Some(limits), Some(checkpoint))
            if r.problems.is_empty() =>
        {
            Ok(Request {
                name: name.map(str::to_string),
                instance_type: instance_type.to_string(),
                instance_count,
                limits,
                checkpoint: checkpoint.map(|(uri, local)| (uri.to_string(), local.to_string())),
                image,
            })
        }
        _ => Err(r.problems),
    }
}

/// `job.training` for a request: the template's, unless the template's job would not fit in
/// the request's MaxRuntime (a user who allows 1 h does not expect 2 h): then a lognormal of the
/// template's spread with half of MaxRuntime as its median, which leaves room for the download,
/// the upload and some work redone.
fn write_training_placeholder(draft: &mut Draft, max_run_s: f64, reason: &str) {
    let template = crate::scenario::parse_scenario(draft.template, "template")
        .expect("the templates are valid scenarios (tested)");
    let job = &template.job;
    let running_s = job.training.mean_s() + job.download.mean_s() + job.upload.mean_s();
    if running_s <= max_run_s {
        draft.placeholder("job.training", reason);
        return;
    }
    let sigma = match job.training {
        crate::inputs::dist::Dist::Lognormal { sigma, .. } => sigma,
        _ => 0.15,
    };
    let median_s = (max_run_s / 2.0).round().max(1.0);
    draft.assumed_value(
        "job.training",
        format!(
            "{{ dist = \"lognormal\", median = {}, sigma = {sigma} }}",
            toml_string(&format_duration_exact(median_s).replace(' ', ""))
        ),
        &format!(
            "{reason}. Half of MaxRuntimeInSeconds here: the template's job ({} of running on \
             average) would not fit in {}",
            format_duration(running_s),
            format_duration_exact(max_run_s)
        ),
    );
}

fn request_scenario(request: &Request, file: &str, price_per_hour_usd: Option<f64>) -> Import {
    let mut draft = Draft::new(Some(request.instance_type.as_str()));
    draft.price_per_hour_usd = price_per_hour_usd;
    let flag = draft.flag;
    draft.header = vec![
        format!(
            "A spotsim scenario imported by `spotsim import create-training-job` from {file}: \
             the CreateTrainingJob request{}{}.",
            request
                .name
                .as_ref()
                .map(|n| format!(" of {n}"))
                .unwrap_or_default(),
            request
                .image
                .as_ref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default()
        ),
        format!(
            "A request says what the job may use, not how long it trains nor what the spot \
             market will do: every key marked ASSUMED is a placeholder from `spotsim init {flag}`. \
             Replace those with your job's figures before trusting the numbers."
        ),
    ];
    next_steps(&mut draft);

    if let Some(name) = &request.name {
        draft.key("job.name", toml_string(name), &["TrainingJobName."]);
    }
    draft.key(
        "job.instance_type",
        toml_string(&request.instance_type),
        &["ResourceConfig.InstanceType; prices come from [pricing] below."],
    );
    draft.key(
        "job.instance_count",
        request.instance_count.to_string(),
        &["ResourceConfig.InstanceCount; a reclaim of any one interrupts the whole job."],
    );
    write_training_placeholder(
        &mut draft,
        request.limits.max_run_s,
        "a request does not say how long the job trains: set the compute it needs when nothing \
         interrupts it",
    );
    draft.placeholder(
        "job.provisioning",
        "a request does not say how long instances take to start",
    );
    draft.placeholder(
        "job.download",
        "a request does not say how long InputDataConfig takes to download",
    );
    draft.placeholder(
        "job.upload",
        "a request does not say how long the model takes to upload",
    );

    write_stopping(&mut draft, &request.limits);

    if request.limits.spot {
        draft.key_with_template_comment(
            "spot.enabled",
            "true".into(),
            &["EnableManagedSpotTraining is true."],
        );
        let reason = "a request says nothing of the spot market";
        draft.placeholder("spot.capacity_wait", reason);
        draft.placeholder(
            "spot.time_to_interruption",
            "a request says nothing of the spot market: the Spot Instance Advisor's bucket for \
             the EC2 type fits here, e.g. { advisor = \"5-10%\" }",
        );
        draft.placeholder(
            "spot.discount",
            "a request does not say what spot will cost: `spotsim fit jobs` on past jobs \
             measures it",
        );
    } else {
        write_spot_off(
            &mut draft,
            "EnableManagedSpotTraining is false or not given: the job runs on-demand.",
        );
    }

    if let Some((uri, local)) = &request.checkpoint {
        draft.note(
            "checkpoint",
            &[&format!(
                "CheckpointConfig: S3Uri {uri}, LocalPath {local}. It says where the \
                 script's checkpoints go, not how often it writes them nor how long that \
                 takes; spotsim assumes the script restores the last one at every restart."
            )],
        );
        draft.placeholder(
            "checkpoint.interval",
            "a request does not say how often the script saves",
        );
        draft.placeholder(
            "checkpoint.save",
            "a request does not say how long a save takes",
        );
        draft.placeholder(
            "checkpoint.restore",
            "a request does not say how long a restore takes",
        );
    } else {
        draft.note(
            "",
            &[
                "No CheckpointConfig: SageMaker copies no checkpoints, so every interruption \
               restarts training from zero (spec §4).",
            ],
        );
        if request.limits.spot
            && request
                .image
                .as_deref()
                .is_some_and(|i| i.starts_with("AlgorithmName"))
            && request.limits.max_wait_s.is_some_and(|w| w > 3600.0)
        {
            draft.warnings.push(
                "StoppingCondition.MaxWaitTimeInSeconds is above 3600 for an AlgorithmName \
                 without CheckpointConfig: the service limits built-in and marketplace \
                 algorithms that do not checkpoint to MaxWait <= 3600 s, and rejects this \
                 request if yours does not checkpoint"
                    .to_string(),
            );
        }
    }

    write_pricing(&mut draft, Some(request.instance_type.as_str()));
    draft.finish()
}

// ---------------------------------------------------------------------------------------------
// DescribeTrainingJob.

/// A scenario that replays a finished job, from its `DescribeTrainingJob` document. `file`
/// names the document in the scenario's header and in errors.
pub fn import_describe_training_job(text: &str, file: &str) -> Result<Import, ImportError> {
    import_describe_training_job_priced(text, file, None)
}

/// As [`import_describe_training_job`], with the instance type's on-demand price when the
/// user gives it (see [`import_create_training_job_priced`]).
pub fn import_describe_training_job_priced(
    text: &str,
    file: &str,
    price_per_hour_usd: Option<f64>,
) -> Result<Import, ImportError> {
    checked(import_description(text, file, price_per_hour_usd), file)
}

/// The last line of defence: what an import writes must be a valid scenario. The checks above
/// follow the service's rules; a document can still carry values no real job has (a Starting
/// phase of a thousand years, found by the `describe_job` fuzz target), which the scenario
/// parser refuses. Those become problems of the document, never an invalid file on stdout.
fn checked(import: Result<Import, ImportError>, file: &str) -> Result<Import, ImportError> {
    let import = import?;
    // The price placeholder is for the user to replace: every other key must already hold.
    let priced = import
        .scenario_toml
        .replace(&format!("\"{PRICE_PLACEHOLDER}\""), "1.0");
    match crate::scenario::parse_scenario(&priced, "imported.toml") {
        Ok(_) => Ok(import),
        Err(errors) => Err(ImportError::Invalid {
            path: file.to_string(),
            problems: errors
                .0
                .into_iter()
                .map(|error| Problem {
                    key: "the document".into(),
                    value: None,
                    rule: format!(
                        "holds values no real training job has, which give an invalid scenario: {}",
                        error.message
                    ),
                })
                .collect(),
        }),
    }
}

/// `import` itself, without the final check of [`checked`].
fn import_description(
    text: &str,
    file: &str,
    price_per_hour_usd: Option<f64>,
) -> Result<Import, ImportError> {
    let source = Source::DescribeTrainingJob;
    let job: DescribedJob = serde_json::from_str(crate::inputs::bounded::without_bom(text))
        .map_err(|e| ImportError::Json {
            path: file.to_string(),
            document: source.document(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    if !job.is_training_job() {
        let hint = if job.resource_config.is_some() && job.training_job_status.is_empty() {
            ": it looks like a CreateTrainingJob request; use `spotsim import \
             create-training-job`"
        } else {
            ""
        };
        return Err(ImportError::WrongDocument {
            path: file.to_string(),
            document: source.document(),
            reason: format!("it has no TrainingJobName or no SecondaryStatusTransitions{hint}"),
        });
    }
    let mut problems: Vec<Problem> = job
        .time_problems()
        .into_iter()
        .map(|(key, value, rule)| Problem {
            key,
            value: Some(value),
            rule: rule.to_string(),
        })
        .collect();
    match job.training_job_status.as_str() {
        "Completed" | "Stopped" | "Failed" => {}
        other => problems.push(Problem {
            key: "TrainingJobStatus".into(),
            value: Some(if other.is_empty() {
                "not given".into()
            } else {
                other.to_string()
            }),
            rule: "must be Completed, Stopped or Failed: import a finished job, whose transitions \
                   tell its whole story"
                .into(),
        }),
    }
    let instance_count = match &job.resource_config {
        Some(r) if r.instance_count >= 1 => Some(r.instance_count),
        Some(r) => {
            problems.push(Problem {
                key: "ResourceConfig.InstanceCount".into(),
                value: Some(r.instance_count.to_string()),
                rule: "must be at least 1".into(),
            });
            None
        }
        None => {
            problems.push(Problem {
                key: "ResourceConfig".into(),
                value: None,
                rule: "is required: the instance type and count the job ran on".into(),
            });
            None
        }
    };
    let stopping = job.stopping_condition.as_ref();
    let max_run = stopping
        .and_then(|s| s.max_runtime_in_seconds)
        .map(|s| (s, shown_seconds(s)));
    let max_wait = stopping
        .and_then(|s| s.max_wait_time_in_seconds)
        .map(|s| (s, shown_seconds(s)));
    let limits = check_limits(
        Ok(max_run),
        Ok(max_wait),
        Ok(job.enable_managed_spot_training),
        &mut problems,
    );
    let fit = fit_jobs(std::slice::from_ref(&job));
    if let (Some(discount), Some(training), Some(billable)) = (
        fit.discount,
        job.training_time_in_seconds,
        job.billable_time_in_seconds,
    ) && !(0.0..1.0).contains(&round_discount(discount))
        // Times out of bounds are refused by `time_problems` already, under their own keys.
        && [training, billable]
            .iter()
            .all(|s| (0.0..=crate::scenario::keys::MAX_DURATION_S).contains(s))
        // Billable above Training is refused by `time_problems` too.
        && billable <= training
    {
        problems.push(Problem {
            key: "BillableTimeInSeconds".into(),
            value: Some(shown_seconds(billable)),
            rule: format!(
                "gives a spot discount of 1 - {}/{} = {:.1} %: spotsim needs one from 0 % to \
                 below 100 % (Billable is at most TrainingTimeInSeconds, and above 0)",
                shown_seconds(billable),
                shown_seconds(training),
                discount * 100.0
            ),
        });
    }
    match (instance_count, limits) {
        (Some(instance_count), Some(limits)) if problems.is_empty() => Ok(replay_scenario(
            &job,
            instance_count,
            &limits,
            file,
            price_per_hour_usd,
        )),
        _ => Err(ImportError::Invalid {
            path: file.to_string(),
            problems,
        }),
    }
}

/// A discount as written in the scenario: four decimals.
fn round_discount(discount: f64) -> f64 {
    (discount * 10_000.0).round() / 10_000.0
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn periods(count: usize, status: &str) -> String {
    if count == 1 {
        format!("its {status} period")
    } else {
        format!("the mean of its {count} {status} periods")
    }
}

fn replay_scenario(
    job: &DescribedJob,
    instance_count: u32,
    limits: &Limits,
    file: &str,
    price_per_hour_usd: Option<f64>,
) -> Import {
    let instance_type = job
        .resource_config
        .as_ref()
        .and_then(|r| r.instance_type.as_deref());
    let mut draft = Draft::new(instance_type);
    draft.price_per_hour_usd = price_per_hour_usd;
    let flag = draft.flag;
    let fit = fit_jobs(std::slice::from_ref(job));
    let interruptions = job.interruptions();
    let finished = job.training_job_status == "Completed";
    let ended =
        if job.secondary_status.is_empty() || job.secondary_status == job.training_job_status {
            job.training_job_status.clone()
        } else {
            format!("{} ({})", job.training_job_status, job.secondary_status)
        };

    // The job's story, for the header: created when, ended how, after how long.
    let created = job.creation_time.as_ref().and_then(time_s).or_else(|| {
        job.secondary_status_transitions
            .first()
            .and_then(|t| time_s(&t.start_time))
    });
    let last = job.secondary_status_transitions.last().and_then(|t| {
        t.end_time
            .as_ref()
            .and_then(time_s)
            .or_else(|| time_s(&t.start_time))
    });
    let wall = match (created, last) {
        (Some(c), Some(l)) if l >= c => format!(" after {}", format_duration(l - c)),
        _ => String::new(),
    };
    let times = match (job.training_time_in_seconds, job.billable_time_in_seconds) {
        (Some(t), Some(b)) => format!(
            "; TrainingTimeInSeconds {}, BillableTimeInSeconds {}",
            shown_seconds(t),
            shown_seconds(b)
        ),
        _ => String::new(),
    };
    draft.header = vec![
        format!(
            "A spotsim scenario imported by `spotsim import describe-training-job` from {file}: \
             a replay of the training job {}, {ended}{wall}, {} interruption{}{times}.",
            job.training_job_name,
            interruptions,
            if interruptions == 1 { "" } else { "s" }
        ),
        format!(
            "Durations come from its SecondaryStatusTransitions; one job is one draw, so widen \
             them into distributions before trusting tail figures. Keys marked ASSUMED are \
             placeholders from `spotsim init {flag}`: replace them."
        ),
    ];
    next_steps(&mut draft);

    draft.key(
        "job.name",
        toml_string(&job.training_job_name),
        &["TrainingJobName."],
    );
    if let Some(t) = instance_type {
        draft.key(
            "job.instance_type",
            toml_string(t),
            &["ResourceConfig.InstanceType; prices come from [pricing] below."],
        );
    }
    draft.key(
        "job.instance_count",
        instance_count.to_string(),
        &["ResourceConfig.InstanceCount; a reclaim of any one interrupts the whole job."],
    );

    // Training: the Training periods hold the compute, the checkpoint saves and restores.
    let training = job.durations_s("Training");
    let total: f64 = training.iter().sum();
    let has_checkpoints = job.checkpoint_config.is_some();
    let template_comment = "Training compute the job needs when nothing interrupts it (its \
                            Training periods, checkpoint saves and restores included).";
    if training.is_empty() || total <= 0.0 {
        write_training_placeholder(
            &mut draft,
            limits.max_run_s,
            "the job never trained (no Training period in SecondaryStatusTransitions): set the \
             compute it needs when nothing interrupts it",
        );
    } else if interruptions == 0 || training.len() == 1 {
        let value = toml_seconds(total);
        if finished {
            draft.key(
                "job.training",
                value,
                &[
                    template_comment,
                    &format!("From {}.", periods(1, "Training")),
                ],
            );
        } else {
            draft.assumed_value(
                "job.training",
                value,
                &format!(
                    "at least this: the job ended {ended} before finishing, after {} of \
                     Training; it needed more",
                    format_duration(total)
                ),
            );
        }
    } else if !has_checkpoints {
        let last = training[training.len() - 1];
        let value = toml_seconds(last);
        let comment = format!(
            "From its last Training period: without CheckpointConfig every restart trains from \
             zero ({} of Training over {} attempts in all).",
            format_duration(total),
            training.len()
        );
        if finished {
            draft.key("job.training", value, &[template_comment, &comment]);
        } else {
            draft.assumed_value(
                "job.training",
                value,
                &format!(
                    "at least this: the job ended {ended} before finishing, after {} in its last \
                     Training period; it needed more",
                    format_duration(last)
                ),
            );
        }
    } else {
        let last = training[training.len() - 1];
        draft.assumed_value(
            "job.training",
            toml_seconds(total),
            &format!(
                "at most this, the Training of all {} attempts, as if no interruption lost work: \
                 the document does not say how much each lost. The last attempt alone trained \
                 {} (the lower bound){}",
                training.len(),
                format_duration(last),
                if finished {
                    ""
                } else {
                    ", and the job ended before finishing"
                }
            ),
        );
    }

    let starting = job.durations_s("Starting");
    if limits.spot {
        draft.key(
            "job.provisioning",
            "0".into(),
            &[
                "Provisioning is in spot.capacity_wait below: Starting covers both the wait for \
               spot capacity and provisioning, and the document does not split them.",
            ],
        );
    } else {
        match mean(&starting) {
            Some(m) => draft.key(
                "job.provisioning",
                toml_seconds(m),
                &[&format!(
                    "Provisioning (Starting, not billed): {}.",
                    periods(starting.len(), "Starting")
                )],
            ),
            None => draft.placeholder("job.provisioning", "the job shows no Starting period"),
        }
    }
    let downloads = job.durations_s("Downloading");
    match mean(&downloads) {
        Some(m) => draft.key(
            "job.download",
            toml_seconds(m),
            &[&format!(
                "Downloading the input data, at every start and restart (billed): {}.",
                periods(downloads.len(), "Downloading")
            )],
        ),
        None => draft.placeholder("job.download", "the job shows no Downloading period"),
    }
    let uploads = job.durations_s("Uploading");
    if uploads.is_empty() {
        draft.placeholder("job.upload", "the job shows no Uploading period");
    } else {
        draft.key(
            "job.upload",
            toml_seconds(uploads.iter().sum()),
            &["Uploading the model at the end or after a stop (billed): its Uploading time."],
        );
    }

    write_stopping(&mut draft, limits);

    if limits.spot {
        draft.key_with_template_comment(
            "spot.enabled",
            "true".into(),
            &["EnableManagedSpotTraining is true."],
        );
        match mean(&starting) {
            Some(m) if m > 0.0 => draft.key(
                "spot.capacity_wait",
                format!("{{ dist = \"exponential\", mean = {} }}", toml_seconds(m)),
                &[&format!(
                    "Waiting for spot capacity and provisioning (Starting, not billed): {}, as \
                     the mean of an exponential (one job shows one draw of it).",
                    periods(starting.len(), "Starting")
                )],
            ),
            Some(_) => draft.key(
                "spot.capacity_wait",
                "0".into(),
                &["Waiting for spot capacity (Starting): none in this job."],
            ),
            None => draft.placeholder("spot.capacity_wait", "the job shows no Starting period"),
        }
        if interruptions > 0 && fit.instance_hours > 0.0 {
            let mean_s = fit.instance_hours * 3600.0 / interruptions as f64;
            draft.key(
                "spot.time_to_interruption",
                format!(
                    "{{ dist = \"exponential\", mean = {} }}",
                    toml_seconds(mean_s.round())
                ),
                &[&format!(
                    "Time from a capacity grant until one instance is reclaimed, per instance: \
                     {interruptions} interruption{} in {:.2} instance-hours of running \
                     (TrainingTimeInSeconds × InstanceCount). One job is weak evidence: `spotsim \
                     fit jobs` on many measures it better.",
                    if interruptions == 1 { "" } else { "s" },
                    fit.instance_hours
                )],
            );
        } else if fit.running_hours > 0.0 {
            draft.placeholder(
                "spot.time_to_interruption",
                &format!(
                    "the job was not interrupted in {} of running: one job says little about \
                     the market",
                    format_duration(fit.running_hours * 3600.0)
                ),
            );
        } else {
            draft.placeholder(
                "spot.time_to_interruption",
                "the job never ran on spot capacity, so it says nothing of reclaims",
            );
        }
        match fit.discount {
            Some(discount) => draft.key(
                "spot.discount",
                format!("{:.4}", round_discount(discount))
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_string(),
                &[&format!(
                    "What spot saved on the price: 1 - BillableTimeInSeconds / \
                     TrainingTimeInSeconds = 1 - {}/{} (the console's \"Managed Spot Training \
                     savings\").",
                    shown_seconds(job.billable_time_in_seconds.unwrap_or(0.0)),
                    shown_seconds(job.training_time_in_seconds.unwrap_or(0.0))
                )],
            ),
            None => draft.placeholder(
                "spot.discount",
                "the document has no TrainingTimeInSeconds and BillableTimeInSeconds to measure \
                 it from",
            ),
        }
    } else {
        write_spot_off(
            &mut draft,
            "EnableManagedSpotTraining is false: the job ran on-demand.",
        );
    }

    match &job.checkpoint_config {
        Some(config) => {
            draft.note(
                "checkpoint",
                &[&format!(
                    "CheckpointConfig: S3Uri {}, LocalPath {}. It says where the script's \
                     checkpoints went, not how often it wrote them.",
                    config.s3_uri.as_deref().unwrap_or("not given"),
                    config
                        .local_path
                        .as_deref()
                        .unwrap_or(crate::scenario::CHECKPOINT_LOCAL_PATH)
                )],
            );
            draft.placeholder(
                "checkpoint.interval",
                "the document does not say how often the script saved",
            );
            draft.key(
                "checkpoint.save",
                "0".into(),
                &[
                    "0: job.training above already includes the time the saves took. To model \
                   saves, set their time here and take it out of job.training.",
                ],
            );
            draft.key(
                "checkpoint.restore",
                "0".into(),
                &["0: job.training above already includes the time restores took."],
            );
        }
        None => draft.note(
            "",
            &[
                "No CheckpointConfig: SageMaker copied no checkpoints, so every interruption \
               restarted training from zero (spec §4).",
            ],
        ),
    }

    write_pricing(&mut draft, instance_type);
    draft.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_with_impossible_times_is_refused_not_imported() {
        // Found by the `describe_job` fuzz target: a Starting phase of about 1,000 years.
        let text = include_str!("../../fuzz/seeds/describe_job/regression-thousand-year-wait.json");
        let error = import_describe_training_job(text, "job.json").unwrap_err();
        let message = error.to_string();
        // Its year-1011 StartTime is now refused as a time no job has, before any import.
        assert!(
            message.starts_with(
                "job.json: SecondaryStatusTransitions[0].StartTime (\"1011-03-02T08:00:05Z\") \
                 must be an ISO 8601 timestamp or a number of epoch seconds, from 1970 to 9999"
            ),
            "{message}"
        );
    }
    use crate::scenario::{MarketSpec, Scenario, ScenarioErrors};

    /// The imported scenario as the user reads it once they have priced it: the price
    /// placeholder replaced by a price, every other key as imported. (That the placeholder
    /// itself is refused is `an_unknown_type_is_priced_by_the_user_not_by_the_template`.)
    fn parse_scenario(toml: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
        let priced = toml.replace(&format!("\"{PRICE_PLACEHOLDER}\""), "12.5");
        crate::scenario::parse_scenario(&priced, file)
    }

    /// Issue 15, item 3: spotsim knows no price but its template's; any other instance type
    /// gets a placeholder that `validate` and `run` refuse, naming the key and saying how to
    /// set it, unless the user gives the price on import.
    #[test]
    fn an_unknown_type_is_priced_by_the_user_not_by_the_template() {
        let request = SPOT.replace("ml.p3.2xlarge", "ml.p4d.24xlarge");
        let import = import_create_training_job(&request, "r.json").unwrap();
        let placeholder = format!("on_demand_hourly = \"{PRICE_PLACEHOLDER}\"\n");
        assert!(
            import.scenario_toml.contains(&placeholder),
            "{}",
            import.scenario_toml
        );
        assert!(
            import
                .assumed
                .iter()
                .any(|a| a.key == "pricing.on_demand_hourly"
                    && a.reason.contains("knows no price for ml.p4d.24xlarge"))
        );
        let errors = crate::scenario::parse_scenario(&import.scenario_toml, "r.toml").unwrap_err();
        let message = errors.to_string();
        assert!(
            message.contains("pricing.on_demand_hourly (\"SET ME")
                && message.contains("must be a number, not text: set it to the on-demand price"),
            "{message}"
        );
        let priced = import_create_training_job_priced(&request, "r.json", Some(37.688)).unwrap();
        assert!(priced.scenario_toml.contains("on_demand_hourly = 37.688\n"));
        assert!(
            priced
                .assumed
                .iter()
                .all(|a| a.key != "pricing.on_demand_hourly")
        );
        let scenario = crate::scenario::parse_scenario(&priced.scenario_toml, "r.toml").unwrap();
        assert_eq!(scenario.pricing.on_demand_hourly_usd, 37.688);
        // The template's own type: its price is known, an assumption to check, not refused.
        let g5 = SPOT.replace("ml.p3.2xlarge", "ml.g5.2xlarge");
        let known = import_create_training_job(&g5, "r.json").unwrap();
        let scenario = crate::scenario::parse_scenario(&known.scenario_toml, "r.toml").unwrap();
        assert!(scenario.pricing.on_demand_hourly_usd > 0.0);
    }

    const SPOT: &str = r#"{
        "TrainingJobName": "bert-spot",
        "RoleArn": "arn:aws:iam::111122223333:role/SageMakerRole",
        "AlgorithmSpecification": {"TrainingImage": "example/pytorch:2.1", "TrainingInputMode": "File"},
        "HyperParameters": {"epochs": "3"},
        "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50},
        "StoppingCondition": {"MaxRuntimeInSeconds": 28800, "MaxWaitTimeInSeconds": 43200},
        "EnableManagedSpotTraining": true,
        "CheckpointConfig": {"S3Uri": "s3://bucket/ckpt"}
    }"#;

    fn problems_of(text: &str) -> Vec<String> {
        match import_create_training_job(text, "r.json") {
            Err(ImportError::Invalid { problems, .. }) => problems
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn a_spot_request_becomes_a_valid_scenario_with_its_limits_and_assumptions() {
        let import = import_create_training_job(SPOT, "r.json").unwrap();
        let scenario = parse_scenario(&import.scenario_toml, "r.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", import.scenario_toml));
        assert_eq!(scenario.job.name.as_deref(), Some("bert-spot"));
        assert_eq!(scenario.job.instance_type.as_deref(), Some("ml.p3.2xlarge"));
        assert_eq!(scenario.job.instance_count, 2);
        assert_eq!(scenario.stopping.max_run_s, 28_800.0);
        assert_eq!(scenario.stopping.max_wait_s, Some(43_200.0));
        assert!(scenario.is_spot() && scenario.checkpoint.is_some());
        let keys: Vec<&str> = import.assumed.iter().map(|a| a.key).collect();
        assert_eq!(
            keys,
            [
                "job.training",
                "job.provisioning",
                "job.download",
                "job.upload",
                "spot.capacity_wait",
                "spot.time_to_interruption",
                "spot.discount",
                "checkpoint.interval",
                "checkpoint.save",
                "checkpoint.restore",
                "pricing.on_demand_hourly",
            ]
        );
        // Every assumed key is marked just above itself in the TOML.
        let lines: Vec<&str> = import.scenario_toml.lines().collect();
        for assumed in &import.assumed {
            let key = assumed.key.split_once('.').unwrap().1;
            let at = lines
                .iter()
                .position(|l| l.starts_with(&format!("{key} = ")))
                .unwrap();
            let above: Vec<&str> = lines[..at]
                .iter()
                .rev()
                .take_while(|l| l.starts_with('#'))
                .copied()
                .collect();
            assert!(
                above.iter().any(|l| l.starts_with("# ASSUMED: ")),
                "{key}: {above:?}"
            );
        }
        // The placeholders are the GPU template's, for a GPU instance.
        assert!(
            import
                .scenario_toml
                .contains(r#"training = { dist = "lognormal", median = "6h", sigma = 0.15 }"#)
        );
        assert!(import.scenario_toml.starts_with(
            "# A spotsim scenario imported by `spotsim import create-training-job` from r.json:"
        ));
    }

    #[test]
    fn an_on_demand_request_keeps_a_market_to_switch_on() {
        let text = r#"{"TrainingJobName": "xgb", "ResourceConfig": {"InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1}, "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}"#;
        let import = import_create_training_job(text, "od.json").unwrap();
        let scenario = parse_scenario(&import.scenario_toml, "od.toml").unwrap();
        assert!(!scenario.is_spot() && scenario.checkpoint.is_none());
        assert_eq!(scenario.stopping.max_wait_s, None);
        // The CPU template's placeholders, the training cut to fit in MaxRuntime, and a
        // max_wait to uncomment.
        assert!(import.scenario_toml.contains(r#"download = "2m""#));
        assert!(
            import
                .scenario_toml
                .contains(r#"training = { dist = "lognormal", median = "30m", sigma = 0.2 }"#)
        );
        assert!(crate::scenario::lint(&scenario).is_empty());
        assert!(import.scenario_toml.contains("# max_wait = 7200\n"));
        // Switching spot on by the hint gives a valid spot scenario.
        let switched = import
            .scenario_toml
            .replace("enabled = false", "enabled = true")
            .replace("# max_wait = 7200", "max_wait = 7200");
        assert!(parse_scenario(&switched, "on.toml").unwrap().is_spot());
    }

    #[test]
    fn the_default_max_runtime_is_the_apis() {
        let text = r#"{"ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1}}"#;
        let import = import_create_training_job(text, "d.json").unwrap();
        let scenario = parse_scenario(&import.scenario_toml, "d.toml").unwrap();
        assert_eq!(scenario.stopping.max_run_s, DEFAULT_MAX_RUN_S);
        assert_eq!(scenario.job.name, None);
    }

    #[test]
    fn the_services_limit_rules_are_enforced() {
        let request = |spot: &str, stopping: &str| {
            format!(
                r#"{{"ResourceConfig": {{"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1}},
                "EnableManagedSpotTraining": {spot}, "StoppingCondition": {{{stopping}}}}}"#
            )
        };
        let wait_without_spot = problems_of(&request(
            "false",
            r#""MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200"#,
        ));
        assert_eq!(wait_without_spot.len(), 1);
        assert!(
            wait_without_spot[0].starts_with(
                "StoppingCondition.MaxWaitTimeInSeconds (7200) is rejected without managed spot"
            ),
            "{wait_without_spot:?}"
        );
        let spot_without_wait = problems_of(&request("true", r#""MaxRuntimeInSeconds": 3600"#));
        assert!(spot_without_wait[0].contains("is required with EnableManagedSpotTraining"));
        let short_wait = problems_of(&request(
            "true",
            r#""MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 3600"#,
        ));
        assert!(
            short_wait[0].starts_with(
                "StoppingCondition.MaxWaitTimeInSeconds (3600) must be at least \
                 StoppingCondition.MaxRuntimeInSeconds (7200)"
            ),
            "{short_wait:?}"
        );
        // Against the default MaxRuntime (1 day) too.
        let short_default = problems_of(&request("true", r#""MaxWaitTimeInSeconds": 3600"#));
        assert!(
            short_default[0].contains("(86400, its default)"),
            "{short_default:?}"
        );
        let long_run = problems_of(&request("false", r#""MaxRuntimeInSeconds": 2419201"#));
        assert!(long_run[0].contains("(2419201) must be from 1 to 2419200"));
        // Equal limits are allowed, as in the API; 28 days exactly too.
        assert!(
            import_create_training_job(
                &request(
                    "true",
                    r#""MaxRuntimeInSeconds": 2419200, "MaxWaitTimeInSeconds": 2419200"#
                ),
                "ok.json"
            )
            .is_ok()
        );
    }

    #[test]
    fn every_problem_is_reported_at_once_without_panicking_on_odd_values() {
        let text = r#"{"TrainingJobName": 7,
            "ResourceConfig": {"InstanceType": "p3.2xlarge", "InstanceCount": -1,
                               "KeepAlivePeriodInSeconds": 600},
            "EnableManagedSpotTraining": "true",
            "StoppingCondition": {"MaxRuntimeInSeconds": 1e300, "MaxWaitTimeInSeconds": "1h"},
            "CheckpointConfig": {"LocalPath": "/ckpt"}}"#;
        let problems = problems_of(text);
        let expected = [
            "TrainingJobName (7) must be a string",
            "ResourceConfig.InstanceType (\"p3.2xlarge\") must be a SageMaker instance type",
            "ResourceConfig.InstanceCount (-1) must be a whole number of instances",
            "EnableManagedSpotTraining (\"true\") must be true or false",
            "StoppingCondition.MaxWaitTimeInSeconds (\"1h\") must be a number",
            "StoppingCondition.MaxRuntimeInSeconds (1e+300) must be from 1 to 2419200",
            "CheckpointConfig.S3Uri is required",
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (problem, start) in problems.iter().zip(expected) {
            assert!(problem.starts_with(start), "{problem} / {start}");
        }
        let huge = problems_of(
            r#"{"ResourceConfig": {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1e30},
                "StoppingCondition": {"MaxRuntimeInSeconds": -5}}"#,
        );
        assert_eq!(huge.len(), 2, "{huge:?}");
        assert!(huge[1].contains("(-5) must be from 1 to 2419200"));
        let fraction = problems_of(
            r#"{"ResourceConfig": {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600.5}}"#,
        );
        assert!(fraction[0].contains("whole number of seconds"));
    }

    #[test]
    fn warm_pools_are_rejected_with_spot_only() {
        let text = |spot: bool| {
            format!(
                r#"{{"ResourceConfig": {{"InstanceType": "ml.g5.xlarge", "InstanceCount": 1,
                "KeepAlivePeriodInSeconds": 1800}}, "EnableManagedSpotTraining": {spot},
                "StoppingCondition": {{"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 3600}}}}"#
            )
        };
        assert!(problems_of(&text(true))[0].contains("warm pools cannot be used with spot"));
        // On-demand, MaxWait is the problem, not the warm pool.
        let on_demand = problems_of(&text(false));
        assert_eq!(on_demand.len(), 1);
        assert!(on_demand[0].contains("rejected without managed spot"));
    }

    #[test]
    fn other_documents_are_told_apart() {
        let error = |text: &str| {
            import_create_training_job(text, "x.json")
                .unwrap_err()
                .to_string()
        };
        assert!(error("[1, 2]").contains("holds a JSON array"));
        assert!(error(r#"{"TrainingJobName": "a"}"#).contains("it has no ResourceConfig"));
        assert!(
            error(r#"{"TrainingJobStatus": "Completed", "ResourceConfig": {}}"#)
                .contains("use `spotsim import describe-training-job`")
        );
        assert!(error("{\"a\": ").starts_with("x.json:1:"));
        let request = import_describe_training_job(SPOT, "r.json")
            .unwrap_err()
            .to_string();
        assert!(
            request.contains("use `spotsim import create-training-job`"),
            "{request}"
        );
    }

    #[test]
    fn names_and_paths_cannot_break_out_of_comments_or_strings() {
        let text = r#"{"TrainingJobName": "a\"b\n[pricing]\nx = 1",
            "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1},
            "CheckpointConfig": {"S3Uri": "s3://b/\n[job]\ntraining = 1"}}"#;
        let import = import_create_training_job(text, "odd\nname.json").unwrap();
        let scenario = parse_scenario(&import.scenario_toml, "o.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", import.scenario_toml));
        assert_eq!(scenario.job.name.as_deref(), Some("a\"b\n[pricing]\nx = 1"));
    }

    #[test]
    fn a_described_spot_job_with_an_interruption_is_replayed() {
        let text = include_str!("../../tests/fixtures/jobs/resnet-spot-interrupted.json");
        let import = import_describe_training_job(text, "resnet.json").unwrap();
        let scenario = parse_scenario(&import.scenario_toml, "resnet.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", import.scenario_toml));
        // Training 08:12:05-10:00:05 and 10:43:05-12:05:05: 6480 + 4920 s, checkpointed.
        assert_eq!(scenario.job.training.mean_s(), 11_400.0);
        assert_eq!(scenario.job.download.mean_s(), 180.0);
        assert_eq!(scenario.job.upload.mean_s(), 120.0);
        assert_eq!(scenario.job.provisioning.mean_s(), 0.0);
        assert_eq!(scenario.stopping.max_run_s, 28_800.0);
        assert_eq!(scenario.stopping.max_wait_s, Some(43_200.0));
        let spot = scenario.spot.as_ref().unwrap();
        match &spot.market {
            MarketSpec::Independent {
                capacity_wait,
                time_to_interruption,
                ..
            } => {
                // Starting: 540 s and 2400 s. One interruption in 11880 s of running.
                assert_eq!(capacity_wait.mean_s(), 1470.0);
                assert_eq!(time_to_interruption.mean_s(), 11_880.0);
            }
            other => panic!("{other:?}"),
        }
        // 1 - 3564/11880 = 0.7.
        assert!(import.scenario_toml.contains("discount = 0.7\n"));
        let keys: Vec<&str> = import.assumed.iter().map(|a| a.key).collect();
        assert_eq!(
            keys,
            [
                "job.training",
                "checkpoint.interval",
                "pricing.on_demand_hourly"
            ]
        );
    }

    #[test]
    fn a_described_on_demand_job_gives_its_provisioning() {
        let text = include_str!("../../tests/fixtures/jobs/bert-on-demand.json");
        let import = import_describe_training_job(text, "bert.json").unwrap();
        let scenario = parse_scenario(&import.scenario_toml, "bert.toml").unwrap();
        // The on-demand timeline of spec §6: Training 09:15:02-10:16:16.
        assert_eq!(scenario.job.training.mean_s(), 3674.0);
        assert_eq!(scenario.job.provisioning.mean_s(), 83.0);
        assert_eq!(scenario.job.download.mean_s(), 20.0);
        assert_eq!(scenario.job.upload.mean_s(), 60.0);
        assert!(!scenario.is_spot());
        assert!(import.scenario_toml.contains("Completed after 1h 4m"));
    }

    #[test]
    fn a_described_job_must_be_finished_and_consistent() {
        let base = include_str!("../../tests/fixtures/jobs/distilbert-spot.json");
        let error = |text: &str| {
            import_describe_training_job(text, "j.json")
                .unwrap_err()
                .to_string()
        };
        let running = base.replace(
            r#""TrainingJobStatus": "Completed""#,
            r#""TrainingJobStatus": "InProgress""#,
        );
        assert!(error(&running).contains("TrainingJobStatus (InProgress) must be Completed"));
        let overbilled = base.replace(
            r#""BillableTimeInSeconds": 262"#,
            r#""BillableTimeInSeconds": 900"#,
        );
        assert!(
            error(&overbilled)
                .contains("BillableTimeInSeconds (900) must be at most TrainingTimeInSeconds")
        );
        let unbilled = base.replace(
            r#""BillableTimeInSeconds": 262"#,
            r#""BillableTimeInSeconds": 0"#,
        );
        assert!(error(&unbilled).contains("BillableTimeInSeconds (0) gives a spot discount"));
        let no_wait = base.replace(r#", "MaxWaitTimeInSeconds": 7200"#, "");
        assert!(error(&no_wait).contains("MaxWaitTimeInSeconds is required"));
        assert!(error("{\"TrainingJobName\": 3}").starts_with("j.json:1:"));
    }

    #[test]
    fn a_job_that_never_got_capacity_gets_placeholders_that_fit_its_limits() {
        let text = r#"{"TrainingJobName": "never", "TrainingJobStatus": "Stopped",
            "SecondaryStatus": "MaxWaitTimeExceeded", "EnableManagedSpotTraining": true,
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
            "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1},
            "SecondaryStatusTransitions": [
                {"Status": "Starting", "StartTime": 0, "EndTime": 7200},
                {"Status": "MaxWaitTimeExceeded", "StartTime": 7200}]}"#;
        let import = import_describe_training_job(text, "never.json").unwrap();
        let scenario = parse_scenario(&import.scenario_toml, "never.toml").unwrap();
        // The GPU template's 6 h would not fit in one hour: half of it instead.
        assert_eq!(
            scenario.job.training.describe(),
            "lognormal, median 30m, sigma 0.15"
        );
        let reasons: Vec<&str> = import.assumed.iter().map(|a| a.reason.as_str()).collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("never ran on spot capacity")),
            "{reasons:?}"
        );
    }

    #[test]
    fn a_stopped_job_gives_a_lower_bound_on_its_training() {
        let text = include_str!("../../tests/fixtures/jobs/distilbert-spot.json").replace(
            r#""TrainingJobStatus": "Completed",
  "SecondaryStatus": "Completed""#,
            r#""TrainingJobStatus": "Stopped", "SecondaryStatus": "MaxRuntimeExceeded""#,
        );
        let import = import_describe_training_job(&text, "stopped.json").unwrap();
        let training = import
            .assumed
            .iter()
            .find(|a| a.key == "job.training")
            .unwrap();
        assert!(
            training
                .reason
                .starts_with("at least this: the job ended Stopped (MaxRuntimeExceeded)"),
            "{}",
            training.reason
        );
        let scenario = parse_scenario(&import.scenario_toml, "stopped.toml").unwrap();
        assert_eq!(scenario.job.training.mean_s(), 798.0);
    }

    #[test]
    fn comments_wrap_and_stay_comments() {
        let mut out = String::new();
        push_comment(&mut out, "ASSUMED: ", &"word ".repeat(40));
        for line in out.lines() {
            assert!(line.starts_with("# ") && line.chars().count() <= COMMENT_WIDTH);
        }
        assert!(out.lines().nth(1).unwrap().starts_with("#   word"));
        assert_eq!(toml_seconds(180.0), "180");
        assert_eq!(toml_seconds(0.25), "0.25");
        assert_eq!(first_sentence("a thing: more; and"), "a thing");
    }
}
