//! The validated scenario: what one training job and its market look like, in typed form.
//!
//! Only the parser ([`parse_scenario`]) builds a [`Scenario`], and it checks every rule of `docs/scenario-format.md`
//! first, so the rest of the program may rely on these invariants: durations are finite and
//! non-negative seconds, `training` is positive, `1 <= max_run_s <= 28 days`, `max_wait_s` is
//! present exactly when spot is enabled and is at least `max_run_s`, `0 <= discount < 1`,
//! `instance_count >= 1`, `runs >= 1`, and a checkpoint interval is positive.
//!
//! [`keys`] declares every key of the format once (kind, bounds, default, description, the SDK
//! v1 names accepted for three of them): the parser takes its key lists from it, and
//! [`json_schema`] (`spotsim schema`) is built from it, so editors check files by the same list.

pub mod advisor;
pub mod fleet;
pub mod keys;
mod lint;
mod parse;
mod schema;

pub use lint::{Warning, lint};
pub(crate) use parse::closest;
pub use parse::{ScenarioError, ScenarioErrors, parse_fleet, parse_scenario};
pub use schema::{json_schema, render_schema};

use serde::Serialize;

use crate::inputs::dist::Dist;

/// Largest `MaxRuntimeInSeconds` the service accepts: 28 days.
pub const MAX_RUN_LIMIT_S: f64 = 28.0 * 86_400.0;
/// `MaxRuntimeInSeconds` when the scenario does not give one: 1 day, as in the API and SDK.
pub const DEFAULT_MAX_RUN_S: f64 = 86_400.0;
/// The service caps a job's whole life, uploading after a stop included, at 30 days.
pub const JOB_LIFETIME_LIMIT_S: f64 = 30.0 * 86_400.0;
/// `CheckpointConfig.LocalPath`: SageMaker's default checkpoint folder (spec §4).
pub const CHECKPOINT_LOCAL_PATH: &str = "/opt/ml/checkpoints";
/// Most Monte Carlo runs in one simulation. Every command streams its runs in memory that does
/// not grow with their number (the Monte Carlo runner); at about two million runs a second on two
/// cores, this many spot and on-demand runs take a quarter of an hour.
pub const MAX_RUNS: u64 = 1_000_000_000;
/// Default number of Monte Carlo runs.
pub const DEFAULT_RUNS: u64 = 100_000;
/// Default seed: fixed, so that two runs of one file agree.
pub const DEFAULT_SEED: u64 = 1;

/// A whole scenario file, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// The training job.
    pub job: JobSpec,
    /// `StoppingCondition`.
    pub stopping: StoppingSpec,
    /// Managed spot settings; `None` when the job runs on-demand.
    pub spot: Option<SpotSpec>,
    /// Checkpointing; `None` when the job does not checkpoint.
    pub checkpoint: Option<CheckpointSpec>,
    /// `[fallback]`: when a scheduler stops the spot job and finishes on-demand; `None` for
    /// spot alone (SageMaker itself never falls back, spec §2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<FallbackSpec>,
    /// Prices.
    pub pricing: PricingSpec,
    /// Monte Carlo settings.
    pub simulation: SimulationSpec,
    /// What the parser accepted but tells about, located `file:line:column: ...`: an SDK v1 key
    /// name read as spotsim's. Every command that loads the scenario prints them, before the
    /// warnings of [`lint`], which does not repeat them.
    #[serde(skip)]
    pub notes: Vec<Warning>,
    /// What `advisor = "feed"` and `discount = "feed"` took from the Spot Advisor feed. Not in
    /// the JSON echo: the scenario it gives is the one written with the same figures by hand.
    #[serde(skip)]
    pub advisor_feed: Option<advisor::FeedUse>,
}

/// `[job]`: what the training job does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobSpec {
    /// Shown in outputs.
    pub name: Option<String>,
    /// `ResourceConfig.InstanceType`, informational.
    pub instance_type: Option<String>,
    /// The AWS region, e.g. `eu-west-1`: where the Spot Advisor feed looks the type up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `ResourceConfig.InstanceCount`, at least 1.
    pub instance_count: u32,
    /// Training compute needed with no interruption (drawn once per run).
    pub training: Dist,
    /// `Starting` after capacity is granted, before every (re)start; not billed.
    pub provisioning: Dist,
    /// `Downloading` at every (re)start; billed.
    pub download: Dist,
    /// `Uploading` at the end and after a timeout stop; billed.
    pub upload: Dist,
    /// Hour of the day at job creation, for a time-of-day profile.
    pub start_hour: StartHour,
}

/// When in the day the job is created (matters only with `[spot.profile]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StartHour {
    /// Uniform over the day: jobs are submitted at any time (the default).
    Random,
    /// At this hour (0 ≤ h < 24, fractions allowed).
    Fixed(f64),
}

/// How MaxRuntime counts running time across restarts (uncertain in the service).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxRunCounting {
    /// Cumulative running time over all attempts (the default, as RetryStrategy documents).
    AllAttempts,
    /// Each attempt gets the whole `max_run` again.
    EachAttempt,
}

/// `[stopping]`: the `StoppingCondition`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoppingSpec {
    /// `MaxRuntimeInSeconds`.
    pub max_run_s: f64,
    /// `MaxWaitTimeInSeconds`: wall-clock budget from job creation; spot only.
    pub max_wait_s: Option<f64>,
    /// How running time adds up across restarts.
    pub max_run_counts: MaxRunCounting,
    /// Whether Downloading (and restoring) counts toward MaxRuntime.
    pub max_run_includes_download: bool,
}

/// `[spot]`: managed spot training and the market it meets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpotSpec {
    /// When capacity comes and goes.
    pub market: MarketSpec,
    /// What spot costs: a constant discount, or a price history.
    pub price: SpotPriceSpec,
    /// Whether the part of an attempt cut short by an interruption is billed (uncertain).
    pub bill_interrupted_attempt: bool,
    /// Hour-of-day multipliers on the interruption hazard, if any.
    pub profile: Option<ProfileSpec>,
    /// Whether `time_to_interruption` is each instance's or the whole cluster's (left out of
    /// the JSON echo at its default, so single-hazard outputs are unchanged).
    #[serde(skip_serializing_if = "Reclaim::is_per_instance")]
    pub reclaim: Reclaim,
}

/// `spot.reclaim`: how the instances of a multi-instance job are reclaimed (docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reclaim {
    /// Each instance draws its own time to interruption; the first reclaim interrupts the job
    /// (the default: the most interruptions a per-instance rate allows).
    PerInstance,
    /// One time to interruption for the whole cluster, as when a capacity pool is reclaimed at
    /// once.
    Cluster,
}

impl Reclaim {
    /// True for the default.
    pub fn is_per_instance(&self) -> bool {
        *self == Reclaim::PerInstance
    }
}

/// Where in a trace each run starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceStart {
    /// A uniform moment of the trace, drawn per run.
    Random,
    /// This many seconds into the trace, every run.
    At(f64),
    /// Run `i` starts at the beginning of window `i mod n` of `n` equal windows.
    Windows(u32),
}

/// What spot costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpotPriceSpec {
    /// `spot.discount`: spot price = (1 - discount) × on-demand price, always.
    Discount(f64),
    /// `spot.price` (or a trace's own per-tick prices): the price in force at each moment.
    History {
        /// Where the prices come from, e.g. `prices.json (aws-cli, p3.2xlarge, us-east-1a)`.
        source: String,
        /// Length of the history, seconds (it repeats after its end).
        period_s: f64,
        /// Time-weighted mean price, USD per instance-hour.
        mean_usd_per_hour: f64,
        /// The prices.
        #[serde(skip)]
        series: std::sync::Arc<crate::inputs::price::PriceSeries>,
    },
}

/// `[spot.profile]`: the interruption hazard by hour of day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileSpec {
    /// Multiplier for each hour 0..24 (1 = the base distribution's hazard).
    pub hourly: [f64; 24],
    /// Whether capacity waits stretch by the same multipliers (longer in busy hours).
    pub scale_capacity_wait: bool,
}

/// The spot market's model of capacity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum MarketSpec {
    /// Two independent distributions: `spot.capacity_wait` and `spot.time_to_interruption`.
    Independent {
        /// Wait for the whole cluster's capacity before every (re)start; not billed.
        capacity_wait: Dist,
        /// Per instance, from capacity grant to reclaim.
        time_to_interruption: Dist,
        /// The Spot Advisor bucket `time_to_interruption` was derived from, if it was.
        #[serde(skip_serializing_if = "Option::is_none")]
        time_to_interruption_advisor: Option<advisor::AdvisorSource>,
    },
    /// `[spot.market] model = "trace"`: a recorded availability series, replayed from a random
    /// moment of it.
    Trace {
        /// The trace file as the scenario names it.
        file: String,
        /// Its format: `spot-traces`, `skynomad` or `events`.
        format: String,
        /// Length of the trace, seconds (it repeats after its end).
        period_s: f64,
        /// Where in the trace runs start.
        start: TraceStart,
        /// The trace itself.
        #[serde(skip)]
        trace: std::sync::Arc<crate::inputs::availability::Trace>,
    },
    /// `[spot.market] model = "markov"`: capacity alternates between available and unavailable
    /// periods of exponential lengths.
    Markov {
        /// Mean length of an available period, seconds.
        mean_available_s: f64,
        /// Mean length of an unavailable period, seconds.
        mean_unavailable_s: f64,
    },
}

impl MarketSpec {
    /// Mean time from a capacity grant to the first reclaim of a cluster of `count` instances;
    /// `+inf` when capacity is never reclaimed.
    pub fn mean_first_reclaim_s(&self, count: u32) -> f64 {
        match self {
            MarketSpec::Independent {
                time_to_interruption,
                ..
            } => time_to_interruption.min_mean_s(count),
            MarketSpec::Markov {
                mean_available_s, ..
            } => *mean_available_s,
            MarketSpec::Trace { trace, .. } => {
                crate::inputs::availability::Availability::new(trace, count).mean_available_run_s()
            }
        }
    }
}

/// `[checkpoint]`: the training script's checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckpointSpec {
    /// Training progress between checkpoints, seconds.
    pub interval_s: f64,
    /// Training pauses while a checkpoint is written.
    pub save: Dist,
    /// After Downloading, on a restart that has a checkpoint.
    pub restore: Dist,
    /// From the end of a save until the checkpoint is durable in S3 (uncertain; default 0).
    pub sync_s: f64,
    /// Whether the job saves on EC2's two-minute interruption notice (uncertain; default no).
    pub on_notice: bool,
}

/// When the scheduler of `[fallback]` gives up on spot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "when", rename_all = "snake_case")]
pub enum FallbackWhen {
    /// At the last moment an on-demand job can still finish by `deadline_s` after the spot
    /// job's creation, less `margin_s`.
    Deadline {
        /// Wall-clock budget from the spot job's creation, seconds.
        deadline_s: f64,
        /// Extra safety before the last possible moment, seconds.
        margin_s: f64,
    },
    /// Only when the spot job ends with MaxWaitTimeExceeded.
    MaxWait,
    /// After this many interruptions (at least 1).
    Interruptions {
        /// The interruption that sends the job on-demand.
        interruptions: u32,
    },
    /// When one wait for capacity lasts this long, seconds.
    Waiting {
        /// The longest wait tolerated, seconds.
        waiting_s: f64,
    },
}

/// The regular checkpoint saves left in `remaining_s` of training at one save every
/// `interval_s` of progress (`+inf` without checkpoints): saves fall at whole multiples of the
/// interval and none at the end, so about `ceil(remaining / interval) - 1` of them. The deadline
/// rule of `[fallback]` counts them (times the mean save) in the on-demand job's time, both when
/// the engine places the switch and when the scenario's deadline is checked, so the two agree.
pub fn regular_saves_left(remaining_s: f64, interval_s: f64) -> f64 {
    ((remaining_s / interval_s).ceil() - 1.0).max(0.0)
}

/// `[fallback]`: a scheduler outside SageMaker stops the spot job and creates an on-demand job
/// with the same checkpoint URI, which restores the last durable checkpoint and finishes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FallbackSpec {
    /// The rule.
    #[serde(flatten)]
    pub when: FallbackWhen,
    /// From the spot job's final status (Stopped) to the on-demand job's creation, seconds:
    /// the scheduler's reaction (default 0).
    pub reaction_s: f64,
}

impl FallbackSpec {
    /// The deadline, when the rule has one.
    pub fn deadline_s(&self) -> Option<f64> {
        match self.when {
            FallbackWhen::Deadline { deadline_s, .. } => Some(deadline_s),
            _ => None,
        }
    }

    /// The rule's name as the scenario writes it.
    pub fn when_name(&self) -> &'static str {
        match self.when {
            FallbackWhen::Deadline { .. } => "deadline",
            FallbackWhen::MaxWait => "max_wait",
            FallbackWhen::Interruptions { .. } => "interruptions",
            FallbackWhen::Waiting { .. } => "waiting",
        }
    }
}

/// `[pricing]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricingSpec {
    /// On-demand USD per instance-hour.
    pub on_demand_hourly_usd: f64,
}

/// `[simulation]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationSpec {
    /// Number of Monte Carlo runs.
    pub runs: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// The most events one run may handle before it is cut and reported
    /// (`simulation.max_events`); not echoed at its default, so that outputs stay as they were.
    #[serde(skip_serializing_if = "is_default_max_events")]
    pub max_events: u64,
}

/// The default event budget of a run: 100 events for each of the
/// 10,000,000 (`lint::MAX_STARTS_PER_RUN`) starts the checker lets a run make (a start handles about 7:
/// `docs/performance.md`), so no run the checker accepts reaches it but by its checkpoints
/// (a billion of them) or a draw far in a distribution's tail. About 10 s of one core.
pub const DEFAULT_MAX_EVENTS: u64 = 1_000_000_000;

/// The smallest `simulation.max_events`: the engine checks the budget every
/// 16,384 events (`engine::EVENT_POLL`), so a smaller one would not be kept to.
pub const MIN_MAX_EVENTS: u64 = 100_000;

/// The largest `simulation.max_events`: a trillion events, hours of one core for one run.
pub const MAX_MAX_EVENTS: u64 = 1_000_000_000_000;

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_default_max_events(max_events: &u64) -> bool {
    *max_events == DEFAULT_MAX_EVENTS
}

impl Scenario {
    /// True when the job uses managed spot training.
    pub fn is_spot(&self) -> bool {
        self.spot.is_some()
    }

    /// How many independent reclaim clocks the job's cluster has: `instance_count`, or 1 with
    /// `spot.reclaim = "cluster"` (or without spot).
    pub fn reclaiming_instances(&self) -> u32 {
        match &self.spot {
            Some(spot) if spot.reclaim == Reclaim::PerInstance => self.job.instance_count,
            _ => 1,
        }
    }

    /// The job's display name: `name`, else the file stem given by the caller.
    pub fn display_name<'a>(&'a self, fallback: &'a str) -> &'a str {
        self.job.name.as_deref().unwrap_or(fallback)
    }
}

#[cfg(test)]
mod tests {
    use super::regular_saves_left;

    #[test]
    fn saves_fall_at_whole_intervals_and_none_at_the_end() {
        // 6 h at one save per 30 min: saves at 0.5 h .. 5.5 h, 11 of them; none at the end.
        assert_eq!(regular_saves_left(6.0 * 3600.0, 1800.0), 11.0);
        // A part interval past the last whole one still has that save.
        assert_eq!(regular_saves_left(6.0 * 3600.0 + 1.0, 1800.0), 12.0);
        assert_eq!(regular_saves_left(1800.0, 1800.0), 0.0);
        assert_eq!(regular_saves_left(0.0, 1800.0), 0.0);
        // Without checkpoints the interval is infinite: no save.
        assert_eq!(regular_saves_left(48.0 * 3600.0, f64::INFINITY), 0.0);
    }
}
