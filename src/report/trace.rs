//! `spotsim trace`: one run as a `DescribeTrainingJob` document, or as the SageMaker Python
//! SDK's log lines.
//!
//! The document has the API's field names and shapes (PascalCase keys, timestamps as the AWS
//! CLI v2 prints them, whole seconds for `TrainingTimeInSeconds` and `BillableTimeInSeconds`),
//! so tools written for real jobs read it, `spotsim fit jobs` included. What the API does not
//! show (work lost, checkpoints, cost, the same run on-demand) goes in a `spotsim` section, whose
//! numbers are those of row `run` of `spotsim run --runs-csv`. Both renderers are pure
//! functions of a [`TraceReport`].

use serde::Serialize;

use super::layout::render_list;
use super::table::job_and_market;
use crate::engine::{Outcome, RunRecord, SecondaryStatus};
use crate::montecarlo::timeline::{JobTimeline, Replay};
use crate::scenario::CHECKPOINT_LOCAL_PATH;
use crate::scenario::{MarketSpec, Scenario};
use crate::units::clock::Timestamp;
use crate::units::duration::format_duration_within;
use crate::units::format::{format_pct, format_price, format_usd};

/// A duration of the one replayed run, to the second: a single run has no ± to round to, and
/// its TrainingTimeInSeconds and BillableTimeInSeconds are printed in whole seconds beside it.
fn to_the_second(seconds: f64) -> String {
    format_duration_within(seconds, 1.0)
}

/// Status messages, one per `SecondaryStatusTransitions` entry. The observed ones are the
/// service's own texts (spec §2); the others are spotsim's, chosen to be clear.
pub mod messages {
    /// The first Starting, at creation (observed; the SDK's first log line).
    pub const STARTING: &str = "Starting the training job";
    /// Starting again after an interruption: waiting for spot capacity, then provisioning
    /// (chosen).
    pub const RESTARTING: &str =
        "Waiting for spot capacity and preparing the instances for training";
    /// Downloading (observed).
    pub const DOWNLOADING: &str = "Downloading input data";
    /// Training (observed).
    pub const TRAINING: &str = "Training image download completed. Training in progress.";
    /// Uploading, at completion or after a stop (observed).
    pub const UPLOADING: &str = "Uploading generated training model";
    /// Interrupted, with a durable checkpoint to restart from (chosen).
    pub const INTERRUPTED_TO_CHECKPOINT: &str =
        "Spot capacity was reclaimed; the job will restart from its last checkpoint";
    /// Interrupted, with no durable checkpoint (chosen).
    pub const INTERRUPTED_TO_START: &str =
        "Spot capacity was reclaimed; the job will restart from the beginning";
    /// Stopping (observed).
    pub const STOPPING: &str = "Stopping the training job";
    /// Completed (observed).
    pub const COMPLETED: &str = "Training job completed";
    /// MaxRuntimeExceeded (chosen: the API reference's description of the status).
    pub const MAX_RUNTIME_EXCEEDED: &str =
        "The job stopped because it exceeded the maximum allowed runtime";
    /// MaxWaitTimeExceeded (chosen; it says what MaxWait measures, since it is often misread
    /// as a limit on waiting alone).
    pub const MAX_WAIT_TIME_EXCEEDED: &str =
        "The job stopped because its time since creation reached MaxWaitTimeInSeconds";
    /// Stopped by a `StopTrainingJob` call (the `[fallback]` scheduler's).
    pub const STOPPED: &str = "Training job stopped by StopTrainingJob";
}

/// Everything `spotsim trace` prints: one replayed run and how to date it.
#[derive(Debug, Clone)]
pub struct TraceReport<'a> {
    /// The job's display name (its `name`, else the file stem).
    pub name: &'a str,
    /// The scenario as run (command-line overrides applied).
    pub scenario: &'a Scenario,
    /// The seed of every random stream.
    pub seed: u64,
    /// The run, status by status.
    pub timeline: JobTimeline,
    /// The same run of the same job on-demand, for a spot scenario.
    pub on_demand: Option<RunRecord>,
    /// `CreationTime`: the simulated t = 0.
    pub creation: Timestamp,
}

impl<'a> TraceReport<'a> {
    /// The story of a replayed run ([`Replay`]). The job is created at `start`, or, without
    /// one, at 2026-01-01T00:00:00Z plus the run's clock offset, so that the hour of day of
    /// the timestamps is the one a time-of-day profile saw.
    pub fn new(
        name: &'a str,
        scenario: &'a Scenario,
        seed: u64,
        replay: Replay,
        start: Option<Timestamp>,
    ) -> TraceReport<'a> {
        let Replay {
            timeline,
            on_demand,
        } = replay;
        let creation =
            start.unwrap_or_else(|| Timestamp::DEFAULT_START.plus_s(timeline.clock_offset_s));
        TraceReport {
            name,
            scenario,
            seed,
            timeline,
            on_demand,
            creation,
        }
    }

    /// `TrainingJobName`: the job's name made valid for the API, then `-run-<i>`.
    pub fn training_job_name(&self) -> String {
        training_job_name(self.name, self.timeline.run)
    }

    /// The instant `time_s` seconds after creation.
    fn at(&self, time_s: f64) -> Timestamp {
        self.creation.plus_s(time_s)
    }

    /// `StatusMessage` of transition `index` (below the number of transitions).
    pub fn status_message(&self, index: usize) -> &'static str {
        let transition = &self.timeline.transitions[index];
        match transition.status {
            SecondaryStatus::Starting if index == 0 => messages::STARTING,
            // The on-demand job of a `[fallback]` is a new job: it starts as any job does.
            SecondaryStatus::Starting if self.timeline.fallback_index() == Some(index) => {
                messages::STARTING
            }
            SecondaryStatus::Starting => messages::RESTARTING,
            SecondaryStatus::Downloading => messages::DOWNLOADING,
            SecondaryStatus::Training => messages::TRAINING,
            SecondaryStatus::Uploading => messages::UPLOADING,
            SecondaryStatus::Interrupted => {
                let restored = self
                    .timeline
                    .checkpoints
                    .first()
                    .is_some_and(|c| c.time_s <= transition.start_s);
                if restored {
                    messages::INTERRUPTED_TO_CHECKPOINT
                } else {
                    messages::INTERRUPTED_TO_START
                }
            }
            SecondaryStatus::Stopping => messages::STOPPING,
            SecondaryStatus::Completed => messages::COMPLETED,
            SecondaryStatus::MaxRuntimeExceeded => messages::MAX_RUNTIME_EXCEEDED,
            SecondaryStatus::MaxWaitTimeExceeded => messages::MAX_WAIT_TIME_EXCEEDED,
            SecondaryStatus::Stopped => messages::STOPPED,
        }
    }

    /// `(1 − billable / training) × 100` of this run, when spot and anything was billed.
    fn console_savings_pct(&self) -> Option<f64> {
        let record = &self.timeline.record;
        (self.scenario.is_spot() && record.training_s > 0.0)
            .then(|| (1.0 - record.billable_s / record.training_s) * 100.0)
    }

    /// `(1 − spot cost / on-demand cost) × 100` of this run against its on-demand twin.
    fn savings_vs_on_demand_pct(&self) -> Option<f64> {
        let on_demand = self.on_demand.as_ref()?;
        (on_demand.cost_usd > 0.0)
            .then(|| (1.0 - self.timeline.record.cost_usd / on_demand.cost_usd) * 100.0)
    }
}

/// The API's `TrainingJobStatus` of an outcome: both limits end `Stopped` (spec §2).
pub fn training_job_status(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Completed => "Completed",
        Outcome::MaxRuntimeExceeded | Outcome::MaxWaitTimeExceeded => "Stopped",
    }
}

/// Longest training job name the API accepts.
const MAX_JOB_NAME_LEN: usize = 63;

/// A training job name the API accepts (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`): `name` with
/// every run of other characters turned into one hyphen, trimmed of hyphens, cut so that
/// `-run-<run>` fits in 63 characters; `spotsim-job` when nothing is left.
pub fn training_job_name(name: &str, run: u64) -> String {
    let suffix = format!("-run-{run}");
    let mut base = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
    }
    base.truncate(MAX_JOB_NAME_LEN - suffix.len());
    let base = base.trim_end_matches('-');
    let base = if base.is_empty() { "spotsim-job" } else { base };
    format!("{base}{suffix}")
}

/// A limit in seconds as the API writes it: a whole number when it is one.
fn api_seconds(seconds: f64) -> serde_json::Value {
    if seconds.fract() == 0.0 && (0.0..9.0e15).contains(&seconds) {
        serde_json::Value::from(seconds as u64)
    } else {
        serde_json::Value::from(seconds)
    }
}

/// Whole seconds, as the API reports times (rounded to the nearest).
fn whole_seconds(seconds: f64) -> u64 {
    seconds.round().max(0.0) as u64
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Document<'a> {
    training_job_name: String,
    training_job_status: &'static str,
    secondary_status: &'static str,
    resource_config: ResourceConfig<'a>,
    stopping_condition: StoppingCondition,
    creation_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    training_start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    training_end_time: Option<String>,
    last_modified_time: String,
    secondary_status_transitions: Vec<TransitionEntry>,
    enable_managed_spot_training: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_config: Option<CheckpointConfig>,
    training_time_in_seconds: u64,
    billable_time_in_seconds: u64,
    #[serde(rename = "spotsim")]
    spotsim: DocumentExtra<'a>,
}

/// A document's `spotsim` section: the run's, or a fallback's on-demand job's.
#[derive(Serialize)]
#[serde(untagged)]
enum DocumentExtra<'a> {
    Run(Box<Extra<'a>>),
    OnDemand(OnDemandExtra<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_type: Option<&'a str>,
    instance_count: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct StoppingCondition {
    max_runtime_in_seconds: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_wait_time_in_seconds: Option<serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CheckpointConfig {
    #[serde(rename = "S3Uri")]
    s3_uri: String,
    local_path: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TransitionEntry {
    status: &'static str,
    start_time: String,
    end_time: String,
    status_message: &'static str,
}

#[derive(Serialize)]
struct Extra<'a> {
    spotsim_version: &'static str,
    name: &'a str,
    run: u64,
    seed: u64,
    #[serde(flatten)]
    record: &'a RunRecord,
    /// `[fallback]` run that went on-demand: this (spot) job's own figures; the record above
    /// is the run's, both jobs together.
    #[serde(skip_serializing_if = "Option::is_none")]
    job: Option<JobFigures>,
    durable_checkpoints: usize,
    checkpoints: Vec<CheckpointEntry>,
    clock_offset_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    console_savings_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_demand_outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_demand_wall_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_demand_cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    savings_vs_on_demand_pct: Option<f64>,
    /// `[fallback]`: the on-demand job the scheduler created, when the run went on-demand.
    #[serde(skip_serializing_if = "Option::is_none")]
    on_demand_fallback: Option<FallbackJob>,
}

/// The on-demand job of a `[fallback]`, whose document follows the spot job's.
#[derive(Serialize)]
struct FallbackJob {
    training_job_name: String,
    creation_time: String,
    creation_s: f64,
    checkpoint_s3_uri: String,
}

#[derive(Serialize)]
struct CheckpointEntry {
    time: String,
    time_s: f64,
    progress_s: f64,
}

/// The checkpoint S3 URI of the run's job, shared by a `[fallback]`'s on-demand job.
fn checkpoint_uri(name: &str, scenario: &Scenario) -> String {
    match scenario.checkpoint {
        Some(_) => format!("s3://spotsim/checkpoints/{name}"),
        None => "(none: the job does not checkpoint)".to_string(),
    }
}

/// One training job of a run: all of it, or one of the two jobs of a `[fallback]` run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobPart {
    /// The run's only job.
    Whole,
    /// A `[fallback]` run's spot job: the transitions before the on-demand job's.
    Spot,
    /// A `[fallback]` run's on-demand job: the transitions from its own Starting on.
    OnDemand,
}

/// What one training job of a run shows: its transitions, its figures and its name.
struct JobView {
    part: JobPart,
    name: String,
    /// `range` of `timeline.transitions`.
    first: usize,
    last: usize,
    /// Creation and end, seconds since the run's (the spot job's) creation.
    creation_s: f64,
    end_s: f64,
    training_s: f64,
    billable_s: f64,
    cost_usd: f64,
}

impl TraceReport<'_> {
    /// The run's training jobs: one, or the spot job and the on-demand job of a `[fallback]`
    /// run. The on-demand job bills all its time (`BillableTimeInSeconds` = training), so the
    /// spot job's figures are the run's totals less the on-demand job's.
    fn jobs(&self) -> Vec<JobView> {
        let timeline = &self.timeline;
        let record = &timeline.record;
        let name = self.training_job_name();
        let count = timeline.transitions.len();
        match timeline.fallback_at_s.zip(timeline.fallback_index()) {
            Some((at_s, first)) if first < count => {
                let od = &record.fallback;
                vec![
                    JobView {
                        part: JobPart::Spot,
                        name: name.clone(),
                        first: 0,
                        last: first,
                        creation_s: 0.0,
                        // The spot job ends at its final status; the reaction follows it.
                        end_s: timeline.transitions[first - 1].start_s,
                        training_s: (record.training_s - od.on_demand_training_s).max(0.0),
                        billable_s: (record.billable_s - od.on_demand_training_s).max(0.0),
                        cost_usd: (record.cost_usd - od.on_demand_cost_usd).max(0.0),
                    },
                    JobView {
                        part: JobPart::OnDemand,
                        name: format!("{name}-on-demand"),
                        first,
                        last: count,
                        creation_s: at_s,
                        end_s: record.wall_s,
                        training_s: od.on_demand_training_s,
                        billable_s: od.on_demand_training_s,
                        cost_usd: od.on_demand_cost_usd,
                    },
                ]
            }
            _ => vec![JobView {
                part: JobPart::Whole,
                name,
                first: 0,
                last: count,
                creation_s: 0.0,
                end_s: record.wall_s,
                training_s: record.training_s,
                billable_s: record.billable_s,
                cost_usd: record.cost_usd,
            }],
        }
    }
}

/// `TrainingJobStatus` of a job whose last status is `status`.
fn job_status_of(status: SecondaryStatus) -> &'static str {
    match status {
        SecondaryStatus::Completed => "Completed",
        _ => "Stopped",
    }
}

/// The figures of one job of a `[fallback]` run (the `spotsim.job` block).
#[derive(Serialize)]
struct JobFigures {
    /// `spot` or `on-demand fallback`.
    role: &'static str,
    wall_s: f64,
    training_s: f64,
    billable_s: f64,
    cost_usd: f64,
}

/// The `spotsim` section of a `[fallback]` run's on-demand job.
#[derive(Serialize)]
struct OnDemandExtra<'a> {
    spotsim_version: &'static str,
    name: &'a str,
    run: u64,
    seed: u64,
    job: JobFigures,
    /// The spot job it finishes, whose document comes first.
    spot_training_job_name: String,
    /// The rule that created it.
    when: &'static str,
    /// Its creation, seconds after the spot job's.
    creation_s: f64,
}

/// The run as pretty-printed `DescribeTrainingJob` JSON, ending with a newline: one document,
/// or, for a `[fallback]` run that went on-demand, an array of two (the spot job, ended
/// `Stopped` or `MaxWaitTimeExceeded`, then the on-demand job), linked by the same
/// `CheckpointConfig.S3Uri`.
pub fn render_trace_json(report: &TraceReport<'_>) -> String {
    let jobs = report.jobs();
    let documents: Vec<Document<'_>> = jobs.iter().map(|job| document(report, job)).collect();
    let mut text = if let [one] = documents.as_slice() {
        serde_json::to_string_pretty(one)
    } else {
        serde_json::to_string_pretty(&documents)
    }
    .expect("documents serialise to JSON");
    text.push('\n');
    text
}

/// One job's `DescribeTrainingJob` document.
fn document<'a>(report: &'a TraceReport<'_>, job: &JobView) -> Document<'a> {
    let scenario = report.scenario;
    let timeline = &report.timeline;
    let record = &timeline.record;
    let spot = job.part != JobPart::OnDemand && scenario.is_spot();
    let transitions = &timeline.transitions[job.first..job.last];
    let final_status = transitions
        .last()
        .map_or(record.outcome.as_str(), |t| t.status.as_str());
    let last_status = transitions.last().map(|t| t.status);
    let end = report.at(job.end_s);
    // TrainingStartTime: the job's first Downloading, if it ever left Starting.
    let training_start = transitions
        .iter()
        .find(|t| t.status == SecondaryStatus::Downloading)
        .map(|t| report.at(t.start_s));
    let run_name = report.training_job_name();
    let extra = match job.part {
        JobPart::OnDemand => DocumentExtra::OnDemand(OnDemandExtra {
            spotsim_version: env!("CARGO_PKG_VERSION"),
            name: report.name,
            run: timeline.run,
            seed: report.seed,
            job: job_figures(job),
            spot_training_job_name: run_name.clone(),
            when: scenario.fallback.as_ref().map_or("", |f| f.when_name()),
            creation_s: job.creation_s,
        }),
        JobPart::Whole | JobPart::Spot => DocumentExtra::Run(Box::new(Extra {
            spotsim_version: env!("CARGO_PKG_VERSION"),
            name: report.name,
            run: timeline.run,
            seed: report.seed,
            record,
            job: (job.part == JobPart::Spot).then(|| job_figures(job)),
            durable_checkpoints: timeline.checkpoints.len(),
            checkpoints: timeline
                .checkpoints
                .iter()
                .map(|c| CheckpointEntry {
                    time: report.at(c.time_s).to_aws(),
                    time_s: c.time_s,
                    progress_s: c.progress_s,
                })
                .collect(),
            clock_offset_s: timeline.clock_offset_s,
            console_savings_pct: report.console_savings_pct(),
            on_demand_outcome: report.on_demand.as_ref().map(|r| r.outcome),
            on_demand_wall_s: report.on_demand.as_ref().map(|r| r.wall_s),
            on_demand_cost_usd: report.on_demand.as_ref().map(|r| r.cost_usd),
            savings_vs_on_demand_pct: report.savings_vs_on_demand_pct(),
            on_demand_fallback: timeline
                .fallback_at_s
                .filter(|_| job.part == JobPart::Spot)
                .map(|at_s| FallbackJob {
                    training_job_name: format!("{run_name}-on-demand"),
                    creation_time: report.at(at_s).to_aws(),
                    creation_s: at_s,
                    checkpoint_s3_uri: checkpoint_uri(&run_name, scenario),
                }),
        })),
    };
    let last_index = transitions.len().saturating_sub(1);
    Document {
        training_job_status: match (job.part, last_status) {
            (JobPart::Whole, _) | (_, None) => training_job_status(record.outcome),
            (_, Some(status)) => job_status_of(status),
        },
        secondary_status: final_status,
        resource_config: ResourceConfig {
            instance_type: scenario.job.instance_type.as_deref(),
            instance_count: scenario.job.instance_count,
        },
        stopping_condition: StoppingCondition {
            max_runtime_in_seconds: api_seconds(scenario.stopping.max_run_s),
            // MaxWait is a spot job's limit; the on-demand job has MaxRuntime alone.
            max_wait_time_in_seconds: scenario
                .stopping
                .max_wait_s
                .filter(|_| spot)
                .map(api_seconds),
        },
        creation_time: report.at(job.creation_s).to_aws(),
        training_start_time: training_start.map(Timestamp::to_aws),
        training_end_time: training_start.map(|_| end.to_aws()),
        last_modified_time: end.to_aws(),
        secondary_status_transitions: transitions
            .iter()
            .enumerate()
            .map(|(offset, t)| TransitionEntry {
                status: t.status.as_str(),
                start_time: report.at(t.start_s).to_aws(),
                // The final status starts and ends when the job ends (the scheduler's
                // reaction after a spot job's stop belongs to no job).
                end_time: report
                    .at(if offset == last_index {
                        job.end_s
                    } else {
                        t.end_s
                    })
                    .to_aws(),
                status_message: report.status_message(job.first + offset),
            })
            .collect(),
        enable_managed_spot_training: spot,
        // Both jobs of a fallback run share the URI: the on-demand job restores from it.
        checkpoint_config: scenario.checkpoint.as_ref().map(|_| CheckpointConfig {
            s3_uri: checkpoint_uri(&run_name, scenario),
            local_path: CHECKPOINT_LOCAL_PATH,
        }),
        training_time_in_seconds: whole_seconds(job.training_s),
        billable_time_in_seconds: whole_seconds(job.billable_s),
        spotsim: extra,
        training_job_name: job.name.clone(),
    }
}

fn job_figures(job: &JobView) -> JobFigures {
    JobFigures {
        role: match job.part {
            JobPart::OnDemand => "on-demand fallback",
            JobPart::Whole | JobPart::Spot => "spot",
        },
        wall_s: job.end_s - job.creation_s,
        training_s: job.training_s,
        billable_s: job.billable_s,
        cost_usd: job.cost_usd,
    }
}

/// The run as the SageMaker Python SDK logs a job (`estimator.fit(logs=True)`): one line per
/// status transition, then its closing lines, then what the API does not show.
pub fn render_trace_table(report: &TraceReport<'_>) -> String {
    let scenario = report.scenario;
    let timeline = &report.timeline;
    let record = &timeline.record;
    let count = scenario.job.instance_count;
    let mut out = format!(
        "{} · run {} · seed {}\n",
        job_and_market(report.name, scenario),
        timeline.run,
        report.seed,
    );
    for job in report.jobs() {
        if job.part == JobPart::OnDemand {
            // The scheduler's new job, linked to the spot job by the checkpoint URI.
            out.push_str(&format!(
                "\n[fallback] the scheduler stopped {} and created the on-demand job {} with the \
                 same CheckpointConfig.S3Uri {}: it restores the last durable checkpoint\n",
                report.training_job_name(),
                job.name,
                checkpoint_uri(&report.training_job_name(), scenario)
            ));
        }
        out.push_str(&format!("TrainingJobName {}\n\n", job.name));
        out.push_str(&sdk_log(report, &job, count));
    }
    out.push('\n');
    let mut rows: Vec<Vec<String>> = vec![vec!["What the API does not show".to_string()]];
    let mut row = |label: &str, text: String| rows.push(vec![format!("  {label}"), text]);
    row(
        "outcome",
        match record.outcome {
            Outcome::Completed => format!("Completed after {}", to_the_second(record.wall_s)),
            stopped => format!(
                "Stopped ({}) after {}",
                stopped.as_str(),
                to_the_second(record.wall_s)
            ),
        },
    );
    if scenario.is_spot() {
        row(
            "interruptions",
            match record.interruptions {
                0 => "none".to_string(),
                n => format!(
                    "{n}, at {} after creation",
                    timeline
                        .interruptions_s()
                        .map(to_the_second)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        );
        row(
            "waiting for capacity",
            format!("{} (Starting, not billed)", to_the_second(record.waiting_s)),
        );
    }
    row(
        "training progress",
        format!(
            "{} of {} needed",
            to_the_second(record.work_done_s),
            to_the_second(record.work_required_s)
        ),
    );
    if scenario.is_spot() {
        row(
            "work lost",
            format!(
                "{} of training progress lost to interruptions",
                to_the_second(record.lost_work_s)
            ),
        );
    }
    if scenario.checkpoint.is_some() {
        row(
            "checkpoints",
            match timeline.checkpoints.last() {
                None => "none durable".to_string(),
                Some(last) => format!(
                    "{} durable; the last holds {} of progress, durable {} after creation",
                    timeline.checkpoints.len(),
                    to_the_second(last.progress_s),
                    to_the_second(last.time_s)
                ),
            },
        );
    }
    let billed = &record.billed;
    row(
        // Running time, TrainingTimeInSeconds: billed at the spot price on spot, so the billable
        // time (BillableTimeInSeconds) on the cost line is shorter.
        "running per instance",
        format!(
            "{} (TrainingTimeInSeconds): download {}, restore {}, training {}, saves {}, upload {}",
            to_the_second(record.training_s),
            to_the_second(billed.download_s),
            to_the_second(billed.restore_s),
            to_the_second(billed.train_s),
            to_the_second(billed.save_s),
            to_the_second(billed.upload_s)
        ),
    );
    row(
        "cost",
        format!(
            "{} = {} billable × {count} instance{} × {}/h",
            format_usd(record.cost_usd),
            to_the_second(record.billable_s),
            if count == 1 { "" } else { "s" },
            format_price(scenario.pricing.on_demand_hourly_usd)
        ),
    );
    if let Some(on_demand) = &report.on_demand {
        let on_demand_run = format!(
            "{} after {}",
            format_usd(on_demand.cost_usd),
            to_the_second(on_demand.wall_s)
        );
        let text = match (record.outcome, on_demand.outcome) {
            (Outcome::Completed, Outcome::Completed) => match report.savings_vs_on_demand_pct() {
                Some(saving) => format!(
                    "{on_demand_run}: spot saved {} on this run",
                    format_pct(saving, 1)
                ),
                None => on_demand_run,
            },
            // A stopped spot run costs less and delivers no model: no saving to speak of.
            (_, Outcome::Completed) => format!(
                "{on_demand_run}, completed; this spot run stopped unfinished, so its {} \
                 bought no model",
                format_usd(record.cost_usd)
            ),
            (_, stopped) => format!("{on_demand_run}, stopped ({})", stopped.as_str()),
        };
        row("same run on-demand", text);
    }
    if let (Some(at_s), Some(fallback)) = (timeline.fallback_at_s, &scenario.fallback) {
        row(
            "fallback",
            format!(
                "when = \"{}\": the spot job was stopped and the on-demand job created {} after \
                 creation; on-demand part {} of the {} total ({} billed)",
                fallback.when_name(),
                to_the_second(at_s),
                format_usd(record.fallback.on_demand_cost_usd),
                format_usd(record.cost_usd),
                to_the_second(record.fallback.on_demand_training_s)
            ),
        );
    }
    if let Some(clock) = market_clock(report) {
        row("market clock", clock);
    }
    out.push_str(&render_list(&rows));
    out
}

/// One job's SDK log: a line per transition, then the SDK's closing lines: per-instance
/// seconds times the instance count, and the savings from the two whole-second figures, for
/// spot jobs (`sagemaker.session.logs_for_job`).
fn sdk_log(report: &TraceReport<'_>, job: &JobView, count: u32) -> String {
    let mut out = String::new();
    for index in job.first..job.last {
        let t = &report.timeline.transitions[index];
        out.push_str(&format!(
            "{} {} - {}\n",
            // Rounded to the second, as every duration of the trace is (not cut, as the SDK's
            // strftime cuts a real clock's fractions): one rule for both.
            report.at(t.start_s).rounded_to_second().to_log(),
            t.status.as_str(),
            report.status_message(index)
        ));
    }
    let training = whole_seconds(job.training_s);
    let billable = whole_seconds(job.billable_s);
    out.push_str(&format!(
        "Training seconds: {}\nBillable seconds: {}\n",
        training * u64::from(count),
        billable * u64::from(count)
    ));
    if report.scenario.is_spot() && job.part != JobPart::OnDemand && training > 0 {
        let saving = (1.0 - billable as f64 / training as f64) * 100.0;
        out.push_str(&format!("Managed Spot Training savings: {saving:.1}%\n"));
    }
    out
}

/// Where the run's market clock stood at creation, for a scenario that reads it.
fn market_clock(report: &TraceReport<'_>) -> Option<String> {
    let spot = report.scenario.spot.as_ref()?;
    let offset_s = report.timeline.clock_offset_s;
    if matches!(spot.market, MarketSpec::Trace { .. }) {
        Some(format!(
            "created {} into the trace",
            to_the_second(offset_s)
        ))
    } else if spot.profile.is_some() {
        let minutes = (offset_s / 60.0).floor() as u64;
        Some(format!(
            "created at {:02}:{:02} of the time-of-day profile",
            minutes / 60 % 24,
            minutes % 60
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    /// Run `run` of `s` replayed and told, as `spotsim trace` does.
    fn replayed<'a>(
        name: &'a str,
        s: &'a Scenario,
        seed: u64,
        run: u64,
        start: Option<Timestamp>,
    ) -> TraceReport<'a> {
        TraceReport::new(name, s, seed, Replay::of_scenario(s, seed, run), start)
    }

    use super::*;
    use crate::scenario::parse_scenario;

    /// The engine's hand-worked run (`src/engine.rs`): reclaims 1000 s after each grant.
    const HAND_WORKED: &str = r#"
[job]
name = "hand worked"
instance_type = "ml.p3.2xlarge"
training = 1500
provisioning = 30
download = 100
upload = 50
[stopping]
max_run = "1d"
max_wait = "2d"
[spot]
enabled = true
capacity_wait = 60
time_to_interruption = 1000
discount = 0.7
[checkpoint]
interval = 500
save = 10
restore = 20
[pricing]
on_demand_hourly = 3.6
"#;

    fn scenario(text: &str) -> Scenario {
        parse_scenario(text, "t.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn job_names_follow_the_api_pattern() {
        assert_eq!(training_job_name("bert-finetune", 3), "bert-finetune-run-3");
        assert_eq!(
            training_job_name("BERT fine_tune (v2)!", 0),
            "BERT-fine-tune-v2-run-0"
        );
        assert_eq!(training_job_name("--a--b--", 1), "a-b-run-1");
        assert_eq!(training_job_name("", 7), "spotsim-job-run-7");
        assert_eq!(training_job_name("日本語", 7), "spotsim-job-run-7");
        let long = training_job_name(&"x".repeat(100), u64::MAX);
        assert_eq!(long.len(), 63);
        assert!(long.ends_with("-run-18446744073709551615"));
        // A cut that ends on a hyphen drops it.
        let cut = training_job_name(&format!("{}-{}", "a".repeat(56), "b".repeat(9)), 1);
        assert_eq!(cut, format!("{}-run-1", "a".repeat(56)));
        for name in [long, cut] {
            let bytes = name.as_bytes();
            assert!(bytes[0].is_ascii_alphanumeric() && bytes[bytes.len() - 1] != b'-');
            assert!(
                bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            );
        }
    }

    #[test]
    fn the_hand_worked_run_as_a_document() {
        let s = scenario(HAND_WORKED);
        let report = replayed("hand worked", &s, 1, 0, None);
        let json: serde_json::Value = serde_json::from_str(&render_trace_json(&report)).unwrap();
        assert_eq!(json["TrainingJobName"], "hand-worked-run-0");
        assert_eq!(json["TrainingJobStatus"], "Completed");
        assert_eq!(json["SecondaryStatus"], "Completed");
        assert_eq!(json["CreationTime"], "2026-01-01T00:00:00.000000+00:00");
        // The first Downloading starts at 90 s; the job ends at 2880 s (48 min).
        assert_eq!(
            json["TrainingStartTime"],
            "2026-01-01T00:01:30.000000+00:00"
        );
        assert_eq!(json["TrainingEndTime"], "2026-01-01T00:48:00.000000+00:00");
        assert_eq!(json["TrainingTimeInSeconds"], 2610);
        assert_eq!(json["BillableTimeInSeconds"], 783);
        assert_eq!(json["StoppingCondition"]["MaxRuntimeInSeconds"], 86_400);
        assert_eq!(json["StoppingCondition"]["MaxWaitTimeInSeconds"], 172_800);
        assert_eq!(json["ResourceConfig"]["InstanceType"], "ml.p3.2xlarge");
        assert_eq!(
            json["CheckpointConfig"]["S3Uri"],
            "s3://spotsim/checkpoints/hand-worked-run-0"
        );
        let transitions = json["SecondaryStatusTransitions"].as_array().unwrap();
        let statuses: Vec<&str> = transitions
            .iter()
            .map(|t| t["Status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            [
                "Starting",
                "Downloading",
                "Training",
                "Interrupted",
                "Starting",
                "Downloading",
                "Training",
                "Interrupted",
                "Starting",
                "Downloading",
                "Training",
                "Uploading",
                "Completed"
            ]
        );
        assert_eq!(
            transitions[3]["StartTime"],
            "2026-01-01T00:17:40.000000+00:00"
        );
        assert_eq!(transitions[3]["EndTime"], transitions[3]["StartTime"]);
        assert_eq!(
            transitions[3]["StatusMessage"],
            messages::INTERRUPTED_TO_CHECKPOINT
        );
        assert_eq!(transitions[4]["StatusMessage"], messages::RESTARTING);
        let last = &transitions[12];
        assert_eq!(last["StartTime"], json["TrainingEndTime"]);
        assert_eq!(last["EndTime"], json["TrainingEndTime"]);
        let extra = &json["spotsim"];
        assert_eq!(extra["outcome"], "Completed");
        assert_eq!(extra["interruptions"], 2);
        assert_eq!(extra["lost_work_s"], 700.0);
        assert_eq!(extra["durable_checkpoints"], 2);
        assert_eq!(extra["checkpoints"][1]["progress_s"], 1000.0);
        assert_eq!(
            extra["checkpoints"][1]["time"],
            "2026-01-01T00:29:40.000000+00:00"
        );
        assert_eq!(extra["billed"]["download_s"], 300.0);
        assert_eq!(extra["billed_redone_s"], 700.0);
    }

    #[test]
    fn the_hand_worked_run_as_log_lines() {
        let s = scenario(HAND_WORKED);
        let start = Timestamp::parse_rfc3339("2026-03-01T09:00:00+01:00").unwrap();
        let report = replayed("hand worked", &s, 1, 0, Some(start));
        let table = render_trace_table(&report);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "hand worked · ml.p3.2xlarge × 1 · spot at 70 % off $3.60/h on-demand · run 0 · seed 1"
        );
        assert_eq!(
            lines[3],
            "2026-03-01 08:00:00 Starting - Starting the training job"
        );
        assert_eq!(
            lines[6],
            "2026-03-01 08:17:40 Interrupted - Spot capacity was reclaimed; the job will \
             restart from its last checkpoint"
        );
        assert_eq!(
            lines[15],
            "2026-03-01 08:48:00 Completed - Training job completed"
        );
        assert_eq!(lines[16], "Training seconds: 2610");
        assert_eq!(lines[17], "Billable seconds: 783");
        assert_eq!(lines[18], "Managed Spot Training savings: 70.0%");
        assert!(table.contains("  interruptions  "), "{table}");
        assert!(table.contains("2, at 17m 40s, 35m 20s"), "{table}");
        assert!(
            table.contains("$0.78 = 13m 3s billable × 1 instance × $3.60/h"),
            "{table}"
        );
    }

    #[test]
    fn a_job_stopped_while_starting_has_no_training_times() {
        let text = HAND_WORKED
            .replace("capacity_wait = 60", "capacity_wait = \"never\"")
            .replace("max_run = \"1d\"", "max_run = 3600")
            .replace("max_wait = \"2d\"", "max_wait = 3600");
        let s = scenario(&text);
        let report = replayed("hand worked", &s, 1, 0, None);
        let json: serde_json::Value = serde_json::from_str(&render_trace_json(&report)).unwrap();
        assert_eq!(json["TrainingJobStatus"], "Stopped");
        assert_eq!(json["SecondaryStatus"], "MaxWaitTimeExceeded");
        assert!(json.get("TrainingStartTime").is_none());
        assert!(json.get("TrainingEndTime").is_none());
        assert_eq!(json["LastModifiedTime"], "2026-01-01T01:00:00.000000+00:00");
        assert_eq!(json["TrainingTimeInSeconds"], 0);
        assert!(json["spotsim"].get("console_savings_pct").is_none());
        let statuses: Vec<&str> = json["SecondaryStatusTransitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["StatusMessage"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            [
                messages::STARTING,
                messages::STOPPING,
                messages::MAX_WAIT_TIME_EXCEEDED
            ]
        );
        let table = render_trace_table(&report);
        assert!(table.contains("Billable seconds: 0\n"), "{table}");
        assert!(!table.contains("Managed Spot Training savings"), "{table}");
    }

    #[test]
    fn a_multi_instance_job_prints_the_sdk_totals() {
        let text = HAND_WORKED.replace("[job]", "[job]\ninstance_count = 4");
        let s = scenario(&text);
        let table = render_trace_table(&replayed("x", &s, 1, 0, None));
        let training: u64 = table
            .lines()
            .find_map(|l| l.strip_prefix("Training seconds: "))
            .unwrap()
            .parse()
            .unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&render_trace_json(&replayed("x", &s, 1, 0, None))).unwrap();
        assert_eq!(
            training,
            json["TrainingTimeInSeconds"].as_u64().unwrap() * 4
        );
    }

    #[test]
    fn a_time_of_day_run_is_dated_on_its_own_clock() {
        let text = HAND_WORKED.replace(
            "discount = 0.7",
            "discount = 0.7\n[spot.profile]\nhourly = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, \
             1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]",
        );
        let text = text.replace("[job]", "[job]\nstart_hour = 9.5");
        let s = scenario(&text);
        let report = replayed("x", &s, 1, 0, None);
        assert_eq!(report.timeline.clock_offset_s, 9.5 * 3600.0);
        assert_eq!(report.creation.to_aws(), "2026-01-01T09:30:00.000000+00:00");
        assert!(render_trace_table(&report).contains("created at 09:30 of the time-of-day"));
        let given = Timestamp::parse_rfc3339("2026-05-05T00:00:00Z").unwrap();
        assert_eq!(replayed("x", &s, 1, 0, Some(given)).creation, given);
    }
}
