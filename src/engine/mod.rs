//! The discrete-event lifecycle engine: one training job, from creation to its final status.
//!
//! The engine is pure: no I/O, no global RNG, no allocation. It draws job durations (training
//! length, provisioning, downloads, saves, restores, uploads) from a *job* generator and market
//! events (capacity waits, reclaims) from a *market* generator, both handed in by the caller, so
//! the same job can meet the spot market and the on-demand baseline with its own draws lined up.
//!
//! A job has at most four pending events at any moment, so the event list is a fixed set of
//! timers (`Timers`) rather than a heap: the next event is the earliest timer, and equal times
//! are resolved by a fixed priority (phase end, MaxRuntime, the wall-clock deadline of MaxWait
//! and the 30-day lifetime cap, the market's notice or reclaim). `docs/model.md`
//! states every rule implemented here and where each comes from.

use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardUniform};
use serde::Serialize;

use crate::inputs::dist::Dist;
use crate::units::duration::{DAY_S, HOUR_S};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::inputs::availability::Availability;
use crate::inputs::price::PriceSeries;
use crate::inputs::profile::Profile;
use crate::scenario::{
    FallbackWhen, JOB_LIFETIME_LIMIT_S, MarketSpec, MaxRunCounting, Scenario, SpotPriceSpec,
    StartHour, TraceStart, regular_saves_left,
};

/// How a job ended (`TrainingJobStatus` + `SecondaryStatus` of the final state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Outcome {
    /// Completed: all training done and the model uploaded.
    Completed,
    /// Stopped: cumulative running time reached `max_run`.
    MaxRuntimeExceeded,
    /// Stopped: the wall clock reached `max_wait`.
    MaxWaitTimeExceeded,
}

impl Outcome {
    /// Every outcome, in reporting order.
    pub const ALL: [Outcome; 3] = [
        Outcome::Completed,
        Outcome::MaxRuntimeExceeded,
        Outcome::MaxWaitTimeExceeded,
    ];

    /// The `SecondaryStatus` name of the final state.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "Completed",
            Outcome::MaxRuntimeExceeded => "MaxRuntimeExceeded",
            Outcome::MaxWaitTimeExceeded => "MaxWaitTimeExceeded",
        }
    }
}

/// `SecondaryStatus` values the engine passes through, as the API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondaryStatus {
    /// Waiting for capacity or provisioning instances; not billed.
    Starting,
    /// Downloading input data; billed.
    Downloading,
    /// Training, including checkpoint restores and saves; billed.
    Training,
    /// A spot instance was reclaimed; the job goes back to Starting.
    Interrupted,
    /// Uploading the model; billed.
    Uploading,
    /// A limit was reached; the job is being stopped.
    Stopping,
    /// Final: completed.
    Completed,
    /// Final: stopped by MaxRuntime.
    MaxRuntimeExceeded,
    /// Final: stopped by MaxWait.
    MaxWaitTimeExceeded,
    /// Final: stopped by a `StopTrainingJob` call (the `[fallback]` scheduler's).
    Stopped,
}

impl SecondaryStatus {
    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SecondaryStatus::Starting => "Starting",
            SecondaryStatus::Downloading => "Downloading",
            SecondaryStatus::Training => "Training",
            SecondaryStatus::Interrupted => "Interrupted",
            SecondaryStatus::Uploading => "Uploading",
            SecondaryStatus::Stopping => "Stopping",
            SecondaryStatus::Completed => "Completed",
            SecondaryStatus::MaxRuntimeExceeded => "MaxRuntimeExceeded",
            SecondaryStatus::MaxWaitTimeExceeded => "MaxWaitTimeExceeded",
            SecondaryStatus::Stopped => "Stopped",
        }
    }
}

/// Receives the job's story as it happens. The Monte Carlo runner uses [`NoObserver`], which
/// compiles to nothing; timelines and tests record it.
pub trait Observer {
    /// The job entered `status` at `time_s` (seconds since job creation).
    fn status(&mut self, _time_s: f64, _status: SecondaryStatus) {}
    /// A checkpoint of `progress_s` seconds of training became durable at `time_s`.
    fn checkpoint(&mut self, _time_s: f64, _progress_s: f64) {}
    /// The run's clock at job creation, heard once before anything else: seconds after
    /// midnight with a time-of-day profile, seconds into the trace with a trace market, 0
    /// otherwise.
    fn clock(&mut self, _clock_offset_s: f64) {}
    /// The engine handled an event at `time_s`: a timer fired (a phase ended, MaxRuntime, the
    /// wall-clock deadline, the market's notice or reclaim). For counting, as the per-event
    /// bench does; a phase of no length ends within the event that began it, without one.
    fn event(&mut self, _time_s: f64) {}
    /// `[fallback]`: the spot job has ended and an on-demand job is created at `time_s` with
    /// the same checkpoint URI; its story follows, on the same clock.
    fn fallback(&mut self, _time_s: f64) {}
}

/// An observer that ignores everything.
pub struct NoObserver;

impl Observer for NoObserver {}

/// What one run of the job produced. Times are seconds; `training_s` and `billable_s` are per
/// instance, like `TrainingTimeInSeconds` and `BillableTimeInSeconds`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RunRecord {
    /// How the job ended.
    pub outcome: Outcome,
    /// From job creation to the final status.
    pub wall_s: f64,
    /// Billed-phase seconds summed over attempts (TrainingTimeInSeconds).
    pub training_s: f64,
    /// `training_s` scaled by the spot price factor (BillableTimeInSeconds).
    pub billable_s: f64,
    /// `billable_s × instance_count × on-demand hourly / 3600`.
    pub cost_usd: f64,
    /// How many times a reclaim sent the job back to Starting.
    pub interruptions: u32,
    /// Time spent waiting for capacity.
    pub waiting_s: f64,
    /// Training progress lost to interruptions (done since the last durable checkpoint).
    pub lost_work_s: f64,
    /// Training compute this run needed (its draw of `training`).
    pub work_required_s: f64,
    /// Training progress reached when the job ended (all of it when completed).
    pub work_done_s: f64,
    /// Where `training_s` went, phase by phase.
    pub billed: BilledTime,
    /// Training in `billed.train_s` whose progress an interruption threw away, to be done
    /// again (`lost_work_s` of the billed attempts).
    pub billed_redone_s: f64,
    /// What a `[fallback]` did in this run (all zero without one; not serialised then).
    #[serde(skip_serializing_if = "FallbackPart::is_unarmed")]
    pub fallback: FallbackPart,
    /// Whether the run was cut short by the event budget (`simulation.max_events`): it is
    /// recorded as stopped by MaxWait, with what it had spent and done when cut (not
    /// serialised when false).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub event_budget_hit: bool,
}

/// The on-demand part of a run with `[fallback]`. The run's totals (`cost_usd`, `training_s`,
/// `wall_s`, ...) already include it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct FallbackPart {
    /// Whether the job carried a fallback rule at all.
    pub armed: bool,
    /// Whether the run went on-demand.
    pub fell_back: bool,
    /// Billed seconds per instance of the on-demand job.
    pub on_demand_training_s: f64,
    /// Cost of the on-demand job.
    pub on_demand_cost_usd: f64,
    /// Whether the rule has a deadline.
    pub has_deadline: bool,
    /// Whether the run completed by the deadline (with one).
    pub met_deadline: bool,
}

impl FallbackPart {
    /// Whether the job carried no fallback rule (nothing to show).
    pub fn is_unarmed(&self) -> bool {
        !self.armed
    }
}

/// `[fallback]` as the engine runs it: the rule, and the on-demand job it creates.
#[derive(Debug, Clone, PartialEq)]
pub struct FallbackModel {
    /// When the scheduler gives up on spot.
    pub when: FallbackWhen,
    /// From the spot job's final status to the on-demand job's creation, seconds.
    pub reaction_s: f64,
    /// The deadline rule's fixed lead: expected seconds from the decision to stop the spot job
    /// to the end of the on-demand job, training apart: the spot job's stop upload, the
    /// reaction, the on-demand job's provisioning, download, restore and upload (means), plus
    /// the margin.
    pub lead_s: f64,
    /// The on-demand job's checkpoint interval (`+inf` without checkpoints) and mean save:
    /// the deadline rule counts the saves left in the remaining training.
    pub interval_s: f64,
    /// Mean checkpoint save, seconds.
    pub save_s: f64,
    /// The on-demand job: the scenario's job, its own MaxRuntime, no MaxWait.
    pub on_demand: JobModel,
}

/// Billed seconds per instance by what the job was doing; the fields add up to
/// `RunRecord::training_s`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct BilledTime {
    /// Downloading input data.
    pub download_s: f64,
    /// Restoring a checkpoint after a restart.
    pub restore_s: f64,
    /// Training compute (progress, including progress later lost).
    pub train_s: f64,
    /// Saving checkpoints, on schedule or on the interruption notice.
    pub save_s: f64,
    /// Uploading the model, at completion or after a stop.
    pub upload_s: f64,
}

impl BilledTime {
    /// The sum of the parts.
    pub fn total_s(&self) -> f64 {
        self.download_s + self.restore_s + self.train_s + self.save_s + self.upload_s
    }

    /// From the engine's per-kind totals, indexed as [`Phase::bucket`] numbers them.
    fn from_buckets([download_s, restore_s, train_s, save_s, upload_s]: [f64; 5]) -> Self {
        BilledTime {
            download_s,
            restore_s,
            train_s,
            save_s,
            upload_s,
        }
    }
}

/// Where a spot job's capacity comes from and when it goes away.
#[derive(Debug, Clone, PartialEq)]
pub enum Market {
    /// On-demand: capacity at once, never reclaimed.
    OnDemand,
    /// Independent draws: a capacity wait before every (re)start, and per-instance times to
    /// interruption from each capacity grant.
    Independent {
        /// Wait for the whole cluster's capacity.
        capacity_wait: Dist,
        /// Time from grant to the first reclaim among the cluster's instances.
        first_reclaim: ClusterReclaim,
    },
    /// Capacity alternates between available and unavailable periods with exponential lengths.
    /// The job is created at a random moment of the stationary market (capacity available with
    /// probability `U / (U + D)`); a waiting job starts when capacity returns, a running one is
    /// interrupted when it goes. Memoryless periods make a remaining period as long as a fresh
    /// one, so each wait and each time to reclaim is one exponential draw.
    Markov {
        /// Mean available period U, seconds.
        mean_available_s: f64,
        /// Mean unavailable period D, seconds.
        mean_unavailable_s: f64,
    },
    /// A recorded trace, replayed from a moment of it drawn uniformly for each run: a waiting
    /// job starts when the trace has capacity for the whole cluster, a running one is
    /// interrupted when it no longer has.
    Trace {
        /// When the cluster has capacity.
        availability: Arc<Availability>,
        /// Where each run starts in the trace.
        start: TraceStart,
    },
}

impl Market {
    /// The wait for capacity at a start: `first` is the job's first start (creation, in the
    /// stationary market); later starts follow the loss of capacity (or of an instance).
    /// `clock_s` is the run's clock (trace time for a trace market).
    #[inline(always)]
    fn capacity_wait_s<R: Rng + ?Sized>(&self, first: bool, clock_s: f64, rng: &mut R) -> f64 {
        // The independent market first, as a plain branch: see `Dist::sample`.
        if let Market::Independent { capacity_wait, .. } = self {
            return capacity_wait.sample(rng);
        }
        match self {
            Market::OnDemand => 0.0,
            Market::Trace { availability, .. } => availability.next_available_s(clock_s) - clock_s,
            Market::Independent { capacity_wait, .. } => capacity_wait.sample(rng),
            Market::Markov {
                mean_available_s,
                mean_unavailable_s,
            } => {
                if first {
                    let u: f64 = StandardUniform.sample(rng);
                    if u * (mean_available_s + mean_unavailable_s) < *mean_available_s {
                        return 0.0;
                    }
                }
                let e: f64 = Exp1.sample(rng);
                mean_unavailable_s * e
            }
        }
    }

    /// Time from a capacity grant to the cluster's first reclaim.
    #[inline(always)]
    fn first_reclaim_s<R: Rng + ?Sized>(&self, clock_s: f64, rng: &mut R) -> f64 {
        if let Market::Independent { first_reclaim, .. } = self {
            return first_reclaim.sample(rng);
        }
        match self {
            Market::OnDemand => f64::INFINITY,
            Market::Trace { availability, .. } => availability.available_until_s(clock_s) - clock_s,
            Market::Independent { first_reclaim, .. } => first_reclaim.sample(rng),
            Market::Markov {
                mean_available_s, ..
            } => {
                let e: f64 = Exp1.sample(rng);
                mean_available_s * e
            }
        }
    }
}

/// The time to the first reclaim among `count` instances, drawn in O(1) whatever `count` is.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterReclaim {
    /// The minimum has a closed form in the same family (see [`Dist::min_of`]).
    Closed(Dist),
    /// The minimum is drawn by inverting the per-instance distribution at the minimum of
    /// `count` uniforms (see [`Dist::sample_min_by_inversion`]).
    ByInversion {
        /// Per-instance time to interruption.
        per_instance: Dist,
        /// Number of instances.
        count: u32,
    },
}

impl ClusterReclaim {
    /// The first reclaim among `count` instances whose times follow `per_instance`.
    pub fn new(per_instance: Dist, count: u32) -> Self {
        match per_instance.min_of(count) {
            Some(min) => ClusterReclaim::Closed(min),
            None => ClusterReclaim::ByInversion {
                per_instance,
                count,
            },
        }
    }

    #[inline(always)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            ClusterReclaim::Closed(dist) => dist.sample(rng),
            ClusterReclaim::ByInversion {
                per_instance,
                count,
            } => per_instance.sample_min_by_inversion(*count, rng),
        }
    }
}

/// Checkpointing, as the engine needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointModel {
    /// Training progress between checkpoints, seconds.
    pub interval_s: f64,
    /// Save time (training paused).
    pub save: Dist,
    /// Restore time after Downloading, when a checkpoint exists.
    pub restore: Dist,
    /// Time from the end of a save until the checkpoint is durable in S3; at most `interval_s`.
    pub sync_s: f64,
    /// Whether the job saves a checkpoint when it gets EC2's two-minute interruption notice.
    pub on_notice: bool,
}

/// One job in one market, in the form the engine runs: everything resolved to seconds, the
/// price factor and the cluster's reclaim distribution precomputed.
#[derive(Debug, Clone, PartialEq)]
pub struct JobModel {
    /// Instances in the cluster.
    pub instance_count: u32,
    /// Training compute needed (one draw per run).
    pub training: Dist,
    /// Provisioning after each capacity grant (not billed).
    pub provisioning: Dist,
    /// Download at each (re)start (billed).
    pub download: Dist,
    /// Upload at the end or after a stop (billed).
    pub upload: Dist,
    /// Checkpoints, if the job writes them.
    pub checkpoint: Option<CheckpointModel>,
    /// MaxRuntime, seconds.
    pub max_run_s: f64,
    /// MaxWait from creation, seconds; `+inf` when there is none (on-demand).
    pub max_wait_s: f64,
    /// How running time adds up toward MaxRuntime across restarts.
    pub max_run_counts: MaxRunCounting,
    /// Whether Downloading and restoring count toward MaxRuntime.
    pub max_run_includes_download: bool,
    /// The capacity market.
    pub market: Market,
    /// Billable / training: `1 - discount` on spot, 1 on-demand (when there is no history).
    pub price_factor: f64,
    /// A spot price history: each billed second costs `price(t) / on-demand price` billable
    /// seconds instead of `price_factor`.
    pub price_history: Option<Arc<PriceSeries>>,
    /// Whether the part of an attempt cut short by an interruption is billed.
    pub bill_interrupted_attempt: bool,
    /// On-demand USD per instance-hour.
    pub on_demand_hourly_usd: f64,
    /// Hour-of-day multipliers on the reclaim hazard (spot only).
    pub profile: Option<Profile>,
    /// Hour-of-day stretch of capacity waits: the reciprocal profile, when asked for.
    pub wait_profile: Option<Profile>,
    /// When in the day the job is created (used with a profile).
    pub start_hour: StartHour,
    /// `[fallback]`: the on-demand job that finishes a spot job its scheduler gave up on.
    pub fallback: Option<Arc<FallbackModel>>,
    /// The most events one run may handle (`simulation.max_events`); a run that reaches it
    /// ends, flagged ([`RunRecord::event_budget_hit`]).
    pub max_events: u64,
}

impl JobModel {
    /// The scenario's job on managed spot, or `None` if the scenario does not use spot.
    pub fn spot(scenario: &Scenario) -> Option<JobModel> {
        let spot = scenario.spot.as_ref()?;
        let mut model = JobModel::on_demand(scenario);
        model.max_wait_s = scenario.stopping.max_wait_s.unwrap_or(f64::INFINITY);
        model.market = match &spot.market {
            MarketSpec::Independent {
                capacity_wait,
                time_to_interruption,
                ..
            } => Market::Independent {
                capacity_wait: capacity_wait.clone(),
                // One clock per instance, or one for the cluster (spot.reclaim).
                first_reclaim: ClusterReclaim::new(
                    time_to_interruption.clone(),
                    scenario.reclaiming_instances(),
                ),
            },
            MarketSpec::Markov {
                mean_available_s,
                mean_unavailable_s,
            } => Market::Markov {
                mean_available_s: *mean_available_s,
                mean_unavailable_s: *mean_unavailable_s,
            },
            MarketSpec::Trace { trace, start, .. } => Market::Trace {
                availability: Arc::new(Availability::new(trace, scenario.job.instance_count)),
                start: *start,
            },
        };
        if let Some(profile) = &spot.profile {
            let hazard = Profile::new(profile.hourly);
            model.wait_profile = profile.scale_capacity_wait.then(|| hazard.reciprocal());
            model.profile = Some(hazard);
        }
        match &spot.price {
            SpotPriceSpec::Discount(discount) => model.price_factor = 1.0 - discount,
            SpotPriceSpec::History { series, .. } => model.price_history = Some(series.clone()),
        }
        model.bill_interrupted_attempt = spot.bill_interrupted_attempt;
        model.fallback = scenario.fallback.map(|fallback| {
            let on_demand = JobModel::on_demand(scenario);
            let margin_s = match fallback.when {
                FallbackWhen::Deadline { margin_s, .. } => margin_s,
                _ => 0.0,
            };
            let restore_s = on_demand
                .checkpoint
                .as_ref()
                .map_or(0.0, |c| c.restore.mean_s());
            let lead_s = on_demand.upload.mean_s()
                + fallback.reaction_s
                + on_demand.provisioning.mean_s()
                + on_demand.download.mean_s()
                + restore_s
                + on_demand.upload.mean_s()
                + margin_s;
            let (interval_s, save_s) = on_demand
                .checkpoint
                .as_ref()
                .map_or((f64::INFINITY, 0.0), |c| (c.interval_s, c.save.mean_s()));
            Arc::new(FallbackModel {
                when: fallback.when,
                reaction_s: fallback.reaction_s,
                lead_s,
                interval_s,
                save_s,
                on_demand,
            })
        });
        Some(model)
    }

    /// The same job on on-demand capacity: no waits, no interruptions, no MaxWait.
    pub fn on_demand(scenario: &Scenario) -> JobModel {
        let job = &scenario.job;
        JobModel {
            instance_count: job.instance_count,
            training: job.training.clone(),
            provisioning: job.provisioning.clone(),
            download: job.download.clone(),
            upload: job.upload.clone(),
            checkpoint: scenario.checkpoint.as_ref().map(|c| CheckpointModel {
                interval_s: c.interval_s,
                save: c.save.clone(),
                restore: c.restore.clone(),
                sync_s: c.sync_s,
                on_notice: c.on_notice,
            }),
            max_run_s: scenario.stopping.max_run_s,
            max_wait_s: f64::INFINITY,
            max_run_counts: scenario.stopping.max_run_counts,
            max_run_includes_download: scenario.stopping.max_run_includes_download,
            market: Market::OnDemand,
            price_factor: 1.0,
            price_history: None,
            bill_interrupted_attempt: true,
            on_demand_hourly_usd: scenario.pricing.on_demand_hourly_usd,
            profile: None,
            wait_profile: None,
            start_hour: job.start_hour,
            fallback: None,
            max_events: scenario.simulation.max_events,
        }
    }
}

/// Timer slots, in tie-breaking priority order: at equal times the lower index fires first.
/// Finishing a phase wins ties (work done at t counts), then MaxRuntime, then the wall-clock
/// deadline, then the market.
const PHASE_END: usize = 0;
const MAX_RUN: usize = 1;
/// The earlier of MaxWait and the service's 30-day cap on a job's life (MaxWait first on a
/// tie). The cap also bounds the clock, so even an infinite draw cannot run it to infinity.
const DEADLINE: usize = 2;
/// The next market event: the interruption notice (when `checkpoint.on_notice`), then the
/// reclaim itself.
const MARKET: usize = 3;

/// The event budget and the stop request are checked once every this many events (a power
/// of two: one mask and one well-predicted branch per event). At about 10 ns an event
/// (docs/performance.md), a stop request is seen within 0.1 ms of a run's time.
pub const EVENT_POLL: u64 = 1 << 14;

/// EC2's interruption notice comes two minutes before the reclaim (spec §5).
pub const INTERRUPTION_NOTICE_S: f64 = 120.0;

/// The pending events of one job: a fixed set of timers, `+inf` when not armed.
#[derive(Debug, Clone, Copy)]
struct Timers {
    at_s: [f64; 4],
}

impl Timers {
    /// The earliest armed timer and its time; ties go to the lowest slot.
    #[inline]
    fn next(&self) -> (usize, f64) {
        let mut slot = 0;
        let mut time = self.at_s[0];
        for (index, &t) in self.at_s.iter().enumerate().skip(1) {
            if t < time {
                slot = index;
                time = t;
            }
        }
        (slot, time)
    }

    /// Whether the phase end is the next event: exactly `self.next().0 == PHASE_END` (the
    /// scan keeps slot 0 unless a later timer is strictly earlier), in one branch.
    // `!(t < end)` rather than `t >= end`: the same answer as the scan for every input, NaN
    // included, so the choice of event can never differ from `next`.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    #[inline(always)]
    fn phase_end_is_next(&self) -> bool {
        let [end, max_run, deadline, market] = self.at_s;
        !(max_run < end) && !(deadline < end) && !(market < end)
    }
}

/// What the job is doing. Starting covers `CapacityWait` and `Provisioning`; Training covers
/// `Restoring`, `Training`, `Saving` and `NoticeSaving`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    CapacityWait,
    Provisioning,
    Downloading,
    Restoring,
    Training,
    Saving,
    /// Saving a checkpoint at the current progress on the interruption notice.
    NoticeSaving,
    Uploading,
    StopUploading,
}

impl Phase {
    #[inline(always)]
    fn is_billed(self) -> bool {
        !matches!(self, Phase::CapacityWait | Phase::Provisioning)
    }

    /// Which [`BilledTime`] part a billed phase's time goes to, as an index into
    /// [`BilledTime::from_buckets`]: a table lookup at every billed event, where a `match`
    /// compiled to an indirect jump.
    #[inline(always)]
    fn bucket(self) -> usize {
        // CapacityWait and Provisioning are not billed; their entries are never used.
        const BUCKET: [u8; 9] = [0, 0, 0, 1, 2, 3, 3, 4, 4];
        BUCKET[self as usize] as usize
    }
}

/// A set of phases, one bit each: a membership test is a shift and a mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PhaseSet(u16);

impl PhaseSet {
    const fn of(phases: &[Phase]) -> PhaseSet {
        let mut bits = 0;
        let mut i = 0;
        while i < phases.len() {
            bits |= 1 << phases[i] as u16;
            i += 1;
        }
        PhaseSet(bits)
    }

    #[inline(always)]
    fn contains(self, phase: Phase) -> bool {
        self.0 & (1 << phase as u16) != 0
    }
}

/// Simulates one run of `model`. Job durations come from `job_rng`, market events from
/// `market_rng`; `observer` hears every status change.
pub fn simulate<J, M, O>(
    model: &JobModel,
    job_rng: &mut J,
    market_rng: &mut M,
    observer: &mut O,
) -> RunRecord
where
    J: Rng + ?Sized,
    M: Rng + ?Sized,
    O: Observer + ?Sized,
{
    simulate_run(model, 0, job_rng, market_rng, observer)
}

/// Simulates run `run` of `model`: as [`simulate`], for markets whose start depends on the run
/// index (a trace replayed window by window).
pub fn simulate_run<J, M, O>(
    model: &JobModel,
    run_index: u64,
    job_rng: &mut J,
    market_rng: &mut M,
    observer: &mut O,
) -> RunRecord
where
    J: Rng + ?Sized,
    M: Rng + ?Sized,
    O: Observer + ?Sized,
{
    simulate_run_until(model, run_index, job_rng, market_rng, observer, None)
}

/// As [`simulate_run`], ending early once `stop` is set (a Ctrl-C): the flag is read every
/// [`EVENT_POLL`] events, so that even a run of billions of events stops within
/// milliseconds. The record of a stopped run is meaningless; the caller discards it. The
/// engine only reads the flag it is handed: nothing global.
pub fn simulate_run_until<J, M, O>(
    model: &JobModel,
    run_index: u64,
    job_rng: &mut J,
    market_rng: &mut M,
    observer: &mut O,
    stop: Option<&AtomicBool>,
) -> RunRecord
where
    J: Rng + ?Sized,
    M: Rng + ?Sized,
    O: Observer + ?Sized,
{
    let work_total_s = model.training.sample(job_rng);
    let mut run = Run::new(model, work_total_s);
    run.stop_request = stop;
    // Only a profile or a trace reads the clock; drawing here keeps other scenarios' streams
    // as they are.
    if let Market::Trace {
        availability,
        start,
    } = &model.market
    {
        let period_s = availability.period_s();
        run.clock_offset_s = match *start {
            TraceStart::Random => {
                let u: f64 = StandardUniform.sample(market_rng);
                u * period_s
            }
            TraceStart::At(offset_s) => offset_s,
            TraceStart::Windows(windows) => {
                (run_index % u64::from(windows)) as f64 * period_s / f64::from(windows)
            }
        };
    } else if model.profile.is_some() {
        run.clock_offset_s = match model.start_hour {
            StartHour::Fixed(hour) => hour * HOUR_S,
            StartHour::Random => {
                let u: f64 = StandardUniform.sample(market_rng);
                u * DAY_S
            }
        };
    }
    // Prices follow the trace's clock (a per-tick series is aligned with its trace); otherwise
    // their own: a uniform moment of the history, whatever the time of day.
    run.price_offset_s = run.clock_offset_s;
    if let Some(history) = &model.price_history
        && !matches!(model.market, Market::Trace { .. })
    {
        let u: f64 = StandardUniform.sample(market_rng);
        run.price_offset_s = u * history.period_s();
    }
    run.run_to_end(job_rng, market_rng, observer)
}

/// Simulates one run of `model` whose clock at job creation is `clock_offset_s` (seconds
/// after midnight with a time-of-day profile, seconds into the trace with a trace market) and
/// whose price history is read from `price_offset_s`. A fleet (`spotsim fleet`) creates its
/// jobs at known moments of a market they share, so it gives the clock rather than having
/// the run draw it; the job's draws come from `job_rng` and `market_rng` as in
/// [`simulate_run`]. Like [`simulate_run_until`], it ends early once `stop` is set, and the
/// record of a stopped run is meaningless.
pub fn simulate_at<J, M, O>(
    model: &JobModel,
    clock_offset_s: f64,
    price_offset_s: f64,
    job_rng: &mut J,
    market_rng: &mut M,
    observer: &mut O,
    stop: Option<&AtomicBool>,
) -> RunRecord
where
    J: Rng + ?Sized,
    M: Rng + ?Sized,
    O: Observer + ?Sized,
{
    let work_total_s = model.training.sample(job_rng);
    let mut run = Run::new(model, work_total_s);
    run.stop_request = stop;
    run.clock_offset_s = clock_offset_s;
    run.price_offset_s = price_offset_s;
    run.run_to_end(job_rng, market_rng, observer)
}

/// The state of one run.
struct Run<'m> {
    model: &'m JobModel,
    /// Events handled so far (timers fired, phases ended), against `model.max_events`.
    events: u64,
    /// Set once the run was cut, by the event budget or by `stop_request`.
    was_cut: bool,
    /// Set when the event budget cut the run.
    cut_by_budget: bool,
    /// A stop request to poll every [`EVENT_POLL`] events.
    stop_request: Option<&'m AtomicBool>,
    now: f64,
    phase: Phase,
    phase_start_s: f64,
    timers: Timers,
    /// Training compute this run needs.
    work_total_s: f64,
    /// Saved, syncing and durable checkpoints.
    checkpoints: CheckpointState,
    /// Progress saved by the notice save in progress.
    notice_progress_s: f64,
    /// When the cluster's first instance is reclaimed (this attempt).
    reclaim_at_s: f64,
    /// Whether the market timer holds the interruption notice (else the reclaim).
    market_event_is_notice: bool,
    /// The run's clock at job creation: seconds after midnight (with a profile) or into the
    /// trace (with a trace market); 0 otherwise.
    clock_offset_s: f64,
    /// Where in the price history the run starts (with a price history).
    price_offset_s: f64,
    /// Progress when the current training segment began.
    segment_start_progress_s: f64,
    /// Progress at which the current segment ends (next checkpoint or completion).
    segment_target_s: f64,
    billed_s: f64,
    /// `billed_s` of this attempt; like `attempt_billed` and `attempt_billable_s`, kept only
    /// when an interrupted attempt is not billed (the only use).
    attempt_billed_s: f64,
    /// `billed_s` by kind (the parts of [`BilledTime`], numbered by [`Phase::bucket`]), over
    /// all attempts and over this attempt.
    billed: [f64; 5],
    attempt_billed: [f64; 5],
    billed_redone_s: f64,
    /// Billable seconds so far, with a price history (else derived from `billed_s` at the end).
    billable_s: f64,
    attempt_billable_s: f64,
    /// Running time counted toward MaxRuntime.
    runtime_used_s: f64,
    waiting_s: f64,
    lost_work_s: f64,
    interruptions: u32,
    /// The limit that is stopping the job, once one has been reached.
    stop: Option<Outcome>,
    /// Training progress when the stop began.
    progress_at_stop_s: f64,
    /// Whether billed time needs more than the totals: per-attempt totals (an interrupted
    /// attempt is not billed) or prices from a history. One test per billed event for the
    /// common case, where there would be two.
    more_booking: bool,
    /// `checkpoint.on_notice`: whether the market timer holds the notice before each reclaim.
    saves_on_notice: bool,
    /// `[fallback]`: when the scheduler's rule stops the job (`+inf`: not armed). The
    /// `DEADLINE` timer holds the earliest of it, MaxWait and the 30-day cap.
    fallback_at_s: f64,
    /// `[fallback] when = "deadline"`: the switch moment moves with each durable checkpoint.
    tracks_deadline: bool,
    /// Whether the stop in progress is the scheduler's `StopTrainingJob`.
    stopped_by_scheduler: bool,
}

impl<'m> Run<'m> {
    /// A run of `model` that needs `work_total_s` of training, at job creation.
    #[inline(always)]
    fn new(model: &'m JobModel, work_total_s: f64) -> Self {
        let mut run = Run {
            model,
            events: 0,
            was_cut: false,
            cut_by_budget: false,
            stop_request: None,
            now: 0.0,
            phase: Phase::CapacityWait,
            phase_start_s: 0.0,
            timers: Timers {
                at_s: [f64::INFINITY; 4],
            },
            work_total_s,
            checkpoints: CheckpointState::default(),
            notice_progress_s: 0.0,
            reclaim_at_s: f64::INFINITY,
            market_event_is_notice: false,
            clock_offset_s: 0.0,
            price_offset_s: 0.0,
            segment_start_progress_s: 0.0,
            segment_target_s: 0.0,
            billed_s: 0.0,
            attempt_billed_s: 0.0,
            billed: [0.0; 5],
            attempt_billed: [0.0; 5],
            billed_redone_s: 0.0,
            billable_s: 0.0,
            attempt_billable_s: 0.0,
            runtime_used_s: 0.0,
            waiting_s: 0.0,
            lost_work_s: 0.0,
            interruptions: 0,
            stop: None,
            progress_at_stop_s: 0.0,
            more_booking: !model.bill_interrupted_attempt || model.price_history.is_some(),
            saves_on_notice: model.checkpoint.as_ref().is_some_and(|c| c.on_notice),
            fallback_at_s: f64::INFINITY,
            tracks_deadline: model
                .fallback
                .as_ref()
                .is_some_and(|f| matches!(f.when, FallbackWhen::Deadline { .. })),
            stopped_by_scheduler: false,
        };
        run.timers.at_s[DEADLINE] = model.max_wait_s.min(JOB_LIFETIME_LIMIT_S);
        if run.tracks_deadline {
            run.arm_deadline_rule();
        }
        run
    }

    /// From job creation (its clocks set) to the final status.
    #[inline(always)]
    fn run_to_end<J, M, O>(
        mut self,
        job_rng: &mut J,
        market_rng: &mut M,
        observer: &mut O,
    ) -> RunRecord
    where
        J: Rng + ?Sized,
        M: Rng + ?Sized,
        O: Observer + ?Sized,
    {
        let run = &mut self;
        let model = run.model;
        observer.clock(run.clock_offset_s);
        run.begin_start(true, job_rng, market_rng, observer);
        loop {
            // Most events end a phase, and the phase end wins every tie: test that first.
            let finished = if run.timers.phase_end_is_next() {
                run.on_phase_ends(job_rng, market_rng, observer)
            } else if run.count_event() {
                Some(run.cut())
            } else {
                let (slot, time) = run.timers.next();
                debug_assert!(time.is_finite(), "a job always has a pending event");
                debug_assert!(time >= run.now, "events run forward in time");
                run.now = time;
                observer.event(time);
                // Tested in order of frequency: predictable branches, where a `match` on the slot
                // compiled to an indirect jump that the event mix kept mispredicting.
                if slot == MARKET {
                    if run.market_event_is_notice {
                        run.on_notice(job_rng)
                    } else {
                        run.on_reclaim(job_rng, market_rng, observer)
                    }
                } else if slot == MAX_RUN {
                    run.on_stop(Outcome::MaxRuntimeExceeded, job_rng, observer)
                } else if run.stop.is_none() && run.now >= model.max_wait_s {
                    run.on_stop(Outcome::MaxWaitTimeExceeded, job_rng, observer)
                } else if run.stop.is_none() && run.now >= run.fallback_at_s {
                    run.on_fallback_rule(job_rng, observer)
                } else {
                    run.on_lifetime_end(observer)
                }
            };
            if let Some(outcome) = finished {
                if run.was_cut {
                    // No fallback job: the run is over as it stands.
                    return RunRecord {
                        event_budget_hit: run.cut_by_budget,
                        ..run.record(outcome)
                    };
                }
                run.checkpoints.settle(run.now, observer);
                if model.fallback.is_some() {
                    return run.finish_with_fallback(outcome, job_rng, market_rng, observer);
                }
                return run.record(outcome);
            }
        }
    }
}

impl Run<'_> {
    /// Counts one event; every [`EVENT_POLL`] events, whether the run must end here: its
    /// event budget is spent, or a stop was requested.
    #[inline(always)]
    fn count_event(&mut self) -> bool {
        self.events += 1;
        if self.events & (EVENT_POLL - 1) != 0 {
            return false;
        }
        self.poll()
    }

    #[cold]
    #[inline(never)]
    fn poll(&mut self) -> bool {
        if self.events >= self.model.max_events {
            self.cut_by_budget = true;
            return true;
        }
        self.stop_request
            .is_some_and(|stop| stop.load(Ordering::Relaxed))
    }

    /// Ends a run cut by its budget or a stop request, as a stop by MaxWait: the service
    /// would end a job that never finishes there (or at its 30-day lifetime) at the latest.
    /// The current phase is booked up to now.
    #[cold]
    #[inline(never)]
    fn cut(&mut self) -> Outcome {
        self.leave_phase();
        self.was_cut = true;
        Outcome::MaxWaitTimeExceeded
    }

    /// Whether time in `phase` counts toward MaxRuntime.
    #[inline(always)]
    fn counts_toward_max_run(&self, phase: Phase) -> bool {
        // Bit tests rather than a `match`: no indirect jump when `phase` varies, and nothing
        // left at all where it is a constant.
        const ALWAYS: PhaseSet = PhaseSet::of(&[
            Phase::Training,
            Phase::Saving,
            Phase::NoticeSaving,
            Phase::Uploading,
        ]);
        const DOWNLOADS: PhaseSet = PhaseSet::of(&[Phase::Downloading, Phase::Restoring]);
        ALWAYS.contains(phase)
            || (DOWNLOADS.contains(phase) && self.model.max_run_includes_download)
    }

    /// Books the time spent in the current phase.
    #[inline(always)]
    fn leave_phase(&mut self) {
        self.leave(self.phase);
    }

    /// Books the time spent in the current phase, `phase`. Runs at every event, so it is
    /// inlined (where `phase` is a constant, only the bookkeeping that applies to it remains),
    /// and the price-history integral, which most scenarios never need, stays out of line.
    #[inline(always)]
    fn leave(&mut self, phase: Phase) {
        debug_assert_eq!(phase, self.phase);
        let elapsed = self.now - self.phase_start_s;
        if phase.is_billed() {
            let bucket = phase.bucket();
            self.billed_s += elapsed;
            self.billed[bucket] += elapsed;
            if self.more_booking {
                // Only needed to take an unbilled interrupted attempt back off the totals.
                if !self.model.bill_interrupted_attempt {
                    self.attempt_billed_s += elapsed;
                    self.attempt_billed[bucket] += elapsed;
                }
                if self.model.price_history.is_some() {
                    self.bill_at_history_prices();
                }
            }
        }
        if self.counts_toward_max_run(phase) {
            self.runtime_used_s += elapsed;
        }
        if phase == Phase::CapacityWait {
            self.waiting_s += elapsed;
        }
    }

    /// Books the current phase at the price history's prices: ∫ price dt / on-demand price,
    /// billable seconds at the price in force.
    #[cold]
    #[inline(never)]
    fn bill_at_history_prices(&mut self) {
        if let Some(history) = &self.model.price_history {
            let from_s = self.price_offset_s + self.phase_start_s;
            let billable = history.integral(from_s, self.price_offset_s + self.now)
                / self.model.on_demand_hourly_usd;
            self.billable_s += billable;
            self.attempt_billable_s += billable;
        }
    }

    /// Enters `phase` for `duration_s`, arming the MaxRuntime timer if the phase counts.
    #[inline(always)]
    fn enter(&mut self, phase: Phase, duration_s: f64) {
        // Once a stop begins the only phase left is StopUploading, which never counts: so a
        // counting phase means no stop, and the test of `stop` can go.
        debug_assert!(self.stop.is_none() || phase == Phase::StopUploading);
        self.phase = phase;
        self.phase_start_s = self.now;
        self.timers.at_s[PHASE_END] = self.now + duration_s;
        self.timers.at_s[MAX_RUN] = if self.counts_toward_max_run(phase) {
            self.now + (self.model.max_run_s - self.runtime_used_s).max(0.0)
        } else {
            f64::INFINITY
        };
    }

    /// Training progress at `now`.
    fn progress_s(&self) -> f64 {
        self.progress_in(self.phase)
    }

    /// Training progress at `now` in the current phase, `phase` (a constant where it is one).
    #[inline(always)]
    fn progress_in(&self, phase: Phase) -> f64 {
        debug_assert_eq!(phase, self.phase);
        match phase {
            Phase::Training => self.segment_start_progress_s + (self.now - self.phase_start_s),
            Phase::Saving => self.segment_target_s,
            Phase::NoticeSaving => self.notice_progress_s,
            Phase::Uploading => self.work_total_s,
            Phase::StopUploading => self.progress_at_stop_s,
            Phase::CapacityWait | Phase::Provisioning | Phase::Downloading | Phase::Restoring => {
                self.checkpoints.durable_s
            }
        }
    }

    /// Goes to Starting: wait for capacity (spot) or provision at once (on-demand). `first`
    /// is the start at job creation; the others follow an interruption.
    #[inline(always)]
    fn begin_start<J: Rng + ?Sized, M: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        first: bool,
        job_rng: &mut J,
        market_rng: &mut M,
        observer: &mut O,
    ) {
        observer.status(self.now, SecondaryStatus::Starting);
        self.timers.at_s[MARKET] = f64::INFINITY;
        if matches!(self.model.market, Market::OnDemand) {
            self.grant_capacity(job_rng, market_rng, observer);
        } else {
            let clock_s = self.clock_offset_s + self.now;
            let wait_s = self
                .model
                .market
                .capacity_wait_s(first, clock_s, market_rng);
            self.enter(
                Phase::CapacityWait,
                self.on_the_clock(self.model.wait_profile.as_ref(), wait_s),
            );
            self.arm_waiting_rule();
        }
    }

    /// Capacity is granted: the reclaim clock starts, then provisioning.
    #[inline(always)]
    fn grant_capacity<J: Rng + ?Sized, M: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        job_rng: &mut J,
        market_rng: &mut M,
        observer: &mut O,
    ) {
        if !matches!(self.model.market, Market::OnDemand) {
            if self.fallback_at_s.is_finite() && !self.tracks_deadline {
                // The waiting rule watches one wait at a time.
                self.arm_fallback(f64::INFINITY);
            }
            let clock_s = self.clock_offset_s + self.now;
            let base_s = self.model.market.first_reclaim_s(clock_s, market_rng);
            let reclaim_s = self.now + self.on_the_clock(self.model.profile.as_ref(), base_s);
            self.reclaim_at_s = reclaim_s;
            self.market_event_is_notice = self.saves_on_notice;
            self.timers.at_s[MARKET] = if self.market_event_is_notice {
                // A reclaim within two minutes of the grant warns the job while it is starting.
                (reclaim_s - INTERRUPTION_NOTICE_S).max(self.now)
            } else {
                reclaim_s
            };
        }
        let provisioning_s = self.model.provisioning.sample(job_rng);
        if provisioning_s == 0.0 {
            // No provisioning (the default): it would end at once, before any other event due
            // now (a phase end wins ties), and book nothing, so go straight on.
            self.begin_download(job_rng, observer);
        } else {
            self.enter(Phase::Provisioning, provisioning_s);
        }
    }

    /// Instances are up: Downloading starts a new billed attempt.
    #[inline(always)]
    fn begin_download<J: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        job_rng: &mut J,
        observer: &mut O,
    ) {
        observer.status(self.now, SecondaryStatus::Downloading);
        if self.more_booking {
            self.attempt_billed_s = 0.0;
            self.attempt_billable_s = 0.0;
            self.attempt_billed = [0.0; 5];
        }
        if self.model.max_run_counts == MaxRunCounting::EachAttempt {
            self.runtime_used_s = 0.0;
        }
        let download_s = self.model.download.sample(job_rng);
        self.enter(Phase::Downloading, download_s);
    }

    /// The download is done: restore the durable checkpoint if there is one, then train.
    #[inline(always)]
    fn begin_training<J: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        job_rng: &mut J,
        observer: &mut O,
    ) {
        observer.status(self.now, SecondaryStatus::Training);
        if let Some(checkpoint) = &self.model.checkpoint
            && self.checkpoints.durable_s > 0.0
        {
            let restore_s = checkpoint.restore.sample(job_rng);
            if restore_s != 0.0 {
                self.enter(Phase::Restoring, restore_s);
                return;
            }
            // A restore of no time would end at once and book only zeros (adding +0.0 leaves
            // every total as it is): train at once.
        }
        self.train_from(self.checkpoints.durable_s);
    }

    /// Trains from `progress_s` toward the next regular checkpoint (or the end of training).
    #[inline(always)]
    fn train_from(&mut self, progress_s: f64) {
        let target_s = match &self.model.checkpoint {
            Some(checkpoint) => {
                // Regular checkpoints fall at whole multiples of the interval, none at the end.
                // Their positions come from a count, so rounding can never repeat one.
                // (Through i64: the same value, in one instruction where u64 takes eight.)
                let next_s =
                    (self.checkpoints.saved_regular + 1) as i64 as f64 * checkpoint.interval_s;
                if next_s < self.work_total_s * (1.0 - 1e-12) {
                    next_s
                } else {
                    self.work_total_s
                }
            }
            None => self.work_total_s,
        };
        debug_assert!(target_s > progress_s || self.work_total_s == progress_s);
        self.segment_start_progress_s = progress_s;
        self.segment_target_s = target_s;
        self.enter(Phase::Training, target_s - progress_s);
    }

    /// Ends the current phase and every following one that ends before any other event.
    #[inline(always)]
    fn on_phase_ends<J: Rng + ?Sized, M: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        job_rng: &mut J,
        market_rng: &mut M,
        observer: &mut O,
    ) -> Option<Outcome> {
        loop {
            if self.count_event() {
                return Some(self.cut());
            }
            // A phase of zero length ends now.
            if self.timers.at_s[PHASE_END] > self.now {
                self.now = self.timers.at_s[PHASE_END];
            }
            observer.event(self.now);
            let finished = self.on_phase_end(job_rng, market_rng, observer);
            if finished.is_some() || !self.timers.phase_end_is_next() {
                return finished;
            }
        }
    }

    #[inline(always)]
    fn on_phase_end<J: Rng + ?Sized, M: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        job_rng: &mut J,
        market_rng: &mut M,
        observer: &mut O,
    ) -> Option<Outcome> {
        // Each arm books its own phase, a constant there, so the compiler keeps only the
        // bookkeeping that applies to it.
        match self.phase {
            Phase::CapacityWait => {
                self.leave(Phase::CapacityWait);
                self.grant_capacity(job_rng, market_rng, observer);
            }
            Phase::Provisioning => {
                self.leave(Phase::Provisioning);
                self.begin_download(job_rng, observer);
            }
            Phase::Downloading => {
                self.leave(Phase::Downloading);
                self.begin_training(job_rng, observer);
            }
            Phase::Restoring => {
                self.leave(Phase::Restoring);
                self.train_from(self.checkpoints.durable_s);
            }
            Phase::Training => {
                self.leave(Phase::Training);
                if self.segment_target_s >= self.work_total_s {
                    observer.status(self.now, SecondaryStatus::Uploading);
                    let upload_s = self.model.upload.sample(job_rng);
                    if upload_s == 0.0 {
                        // No upload (the default): it would end at once, before any other
                        // event due now, booking only +0.0.
                        self.phase = Phase::Uploading;
                        observer.status(self.now, SecondaryStatus::Completed);
                        return Some(Outcome::Completed);
                    }
                    self.enter(Phase::Uploading, upload_s);
                } else {
                    let save_s = self
                        .model
                        .checkpoint
                        .as_ref()
                        .map_or(0.0, |c| c.save.sample(job_rng));
                    self.enter(Phase::Saving, save_s);
                }
            }
            Phase::Saving => {
                self.leave(Phase::Saving);
                let sync_s = self.sync_s();
                self.checkpoints.saved_regular += 1;
                let regular = self.checkpoints.saved_regular;
                self.checkpoints
                    .saved(self.now, sync_s, self.segment_target_s, regular, observer);
                if self.tracks_deadline {
                    self.arm_deadline_rule();
                }
                self.train_from(self.segment_target_s);
            }
            Phase::NoticeSaving => {
                self.leave(Phase::NoticeSaving);
                let sync_s = self.sync_s();
                let regular = self.checkpoints.saved_regular;
                self.checkpoints
                    .saved(self.now, sync_s, self.notice_progress_s, regular, observer);
                if self.tracks_deadline {
                    self.arm_deadline_rule();
                }
                self.train_from(self.notice_progress_s);
            }
            Phase::Uploading => {
                self.leave(Phase::Uploading);
                observer.status(self.now, SecondaryStatus::Completed);
                return Some(Outcome::Completed);
            }
            Phase::StopUploading => {
                self.leave(Phase::StopUploading);
                return self.finish_stop(observer);
            }
        }
        None
    }

    /// A limit is reached: Stopping, then Uploading if an instance is running, then Stopped.
    fn on_stop<J: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        outcome: Outcome,
        job_rng: &mut J,
        observer: &mut O,
    ) -> Option<Outcome> {
        self.stop = Some(outcome);
        self.progress_at_stop_s = self.progress_s();
        self.timers.at_s[MAX_RUN] = f64::INFINITY;
        // MaxWait no longer applies; the 30-day cap still does.
        self.timers.at_s[DEADLINE] = JOB_LIFETIME_LIMIT_S;
        observer.status(self.now, SecondaryStatus::Stopping);
        match self.phase {
            Phase::CapacityWait | Phase::Provisioning => {
                self.leave_phase();
                self.finish_stop(observer)
            }
            Phase::Uploading => {
                // Already uploading: the upload in progress finishes as the stop's upload.
                self.leave_phase();
                observer.status(self.now, SecondaryStatus::Uploading);
                let remaining_s = self.timers.at_s[PHASE_END] - self.now;
                self.enter(Phase::StopUploading, remaining_s);
                None
            }
            Phase::StopUploading => unreachable!("limits are disarmed once a stop begins"),
            Phase::Downloading
            | Phase::Restoring
            | Phase::Training
            | Phase::Saving
            | Phase::NoticeSaving => {
                self.leave_phase();
                observer.status(self.now, SecondaryStatus::Uploading);
                let upload_s = self.model.upload.sample(job_rng);
                self.enter(Phase::StopUploading, upload_s);
                None
            }
        }
    }

    /// The real duration, from now, of `base_s` seconds of a base distribution run through a
    /// time-of-day profile (the identity without one).
    #[inline]
    fn on_the_clock(&self, profile: Option<&Profile>, base_s: f64) -> f64 {
        match profile {
            None => base_s,
            Some(profile) => {
                let from_s = self.clock_offset_s + self.now;
                profile.end_of(from_s, base_s) - from_s
            }
        }
    }

    #[inline(always)]
    fn sync_s(&self) -> f64 {
        self.model.checkpoint.as_ref().map_or(0.0, |c| c.sync_s)
    }

    /// EC2's two-minute notice: a job that is training pauses to save a checkpoint at its
    /// current progress (`checkpoint.on_notice`). The save counts only if it finishes (and
    /// syncs) before the reclaim. In any other phase the notice changes nothing.
    fn on_notice<J: Rng + ?Sized>(&mut self, job_rng: &mut J) -> Option<Outcome> {
        self.market_event_is_notice = false;
        self.timers.at_s[MARKET] = self.reclaim_at_s;
        if self.phase == Phase::Training {
            let progress_s = self.progress_s();
            self.leave_phase();
            self.notice_progress_s = progress_s;
            let save_s = self
                .model
                .checkpoint
                .as_ref()
                .map_or(0.0, |c| c.save.sample(job_rng));
            self.enter(Phase::NoticeSaving, save_s);
        }
        None
    }

    /// The service's 30-day cap on a job's whole life: the job ends at once, wherever it is.
    /// A job already stopping keeps its outcome; one that is not (only possible with MaxWait
    /// above 30 days, or days of provisioning and downloads excluded from MaxRuntime) is
    /// reported as stopped by its own limit, since the real status is not documented.
    fn on_lifetime_end<O: Observer + ?Sized>(&mut self, observer: &mut O) -> Option<Outcome> {
        if self.stop.is_none() {
            self.stop = Some(if self.model.max_wait_s.is_finite() {
                Outcome::MaxWaitTimeExceeded
            } else {
                Outcome::MaxRuntimeExceeded
            });
            self.progress_at_stop_s = self.progress_s();
            observer.status(self.now, SecondaryStatus::Stopping);
        }
        self.leave_phase();
        // Report the progress reached at the stop, whatever the job was doing.
        self.phase = Phase::StopUploading;
        self.finish_stop(observer)
    }

    #[allow(
        clippy::unnecessary_wraps,
        reason = "shares the `Option<Outcome>` signature of the other phase-end arms"
    )]
    fn finish_stop<O: Observer + ?Sized>(&mut self, observer: &mut O) -> Option<Outcome> {
        let outcome = self.stop.expect("a stop upload follows a stop");
        observer.status(
            self.now,
            match outcome {
                _ if self.stopped_by_scheduler => SecondaryStatus::Stopped,
                Outcome::MaxRuntimeExceeded => SecondaryStatus::MaxRuntimeExceeded,
                _ => SecondaryStatus::MaxWaitTimeExceeded,
            },
        );
        Some(outcome)
    }

    /// Sets the moment the `[fallback]` rule stops the job (`+inf`: disarmed), keeping the
    /// `DEADLINE` timer on the earliest of it, MaxWait and the 30-day cap.
    fn arm_fallback(&mut self, at_s: f64) {
        self.fallback_at_s = at_s;
        if self.stop.is_none() {
            self.timers.at_s[DEADLINE] = self.model.max_wait_s.min(JOB_LIFETIME_LIMIT_S).min(at_s);
        }
    }

    /// `when = "deadline"`: the last moment an on-demand job created then still finishes by
    /// the deadline: the deadline, less the remaining training from the last durable
    /// checkpoint and its saves, less the expected lead ([`FallbackModel::lead_s`]); now if
    /// that has passed.
    #[inline(never)]
    fn arm_deadline_rule(&mut self) {
        if let Some(fallback) = self.model.fallback.as_deref()
            && let FallbackWhen::Deadline { deadline_s, .. } = fallback.when
        {
            let remaining_s = self.work_total_s - self.checkpoints.durable_s;
            // The same count as the scenario's check of the deadline.
            let saves = regular_saves_left(remaining_s, fallback.interval_s);
            let at_s = deadline_s - fallback.lead_s - remaining_s - saves * fallback.save_s;
            self.arm_fallback(at_s.max(self.now));
        }
    }

    /// `when = "waiting"`: a wait for capacity that begins now may last `waiting` at most.
    #[inline]
    fn arm_waiting_rule(&mut self) {
        if let Some(fallback) = self.model.fallback.as_deref()
            && let FallbackWhen::Waiting { waiting_s } = fallback.when
        {
            self.arm_fallback(self.now + waiting_s);
        }
    }

    /// `when = "interruptions"`: the job just went back to Starting; the scheduler stops it
    /// there once it has seen enough interruptions.
    #[inline]
    fn after_interruption<J: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        job_rng: &mut J,
        observer: &mut O,
    ) -> Option<Outcome> {
        if let Some(fallback) = self.model.fallback.as_deref()
            && let FallbackWhen::Interruptions { interruptions } = fallback.when
            && self.interruptions >= interruptions
        {
            self.stopped_by_scheduler = true;
            return self.on_stop(Outcome::MaxWaitTimeExceeded, job_rng, observer);
        }
        None
    }

    /// The `[fallback]` rule's moment has come: the scheduler stops the job (spec §2: a stopped
    /// job ends as a timeout does, Stopping, then the upload of its artifacts, then Stopped).
    /// A job already uploading its finished model is left to complete.
    fn on_fallback_rule<J: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        job_rng: &mut J,
        observer: &mut O,
    ) -> Option<Outcome> {
        if self.phase == Phase::Uploading {
            self.arm_fallback(f64::INFINITY);
            return None;
        }
        self.stopped_by_scheduler = true;
        // The outcome only stands for "stopped"; the on-demand job's decides the run's.
        self.on_stop(Outcome::MaxWaitTimeExceeded, job_rng, observer)
    }

    /// The spot job has ended: with `[fallback]`, an on-demand job created `reaction` after a
    /// stop by the scheduler or by MaxWait restores the last durable checkpoint and finishes.
    /// The run's record adds both jobs up.
    #[cold]
    #[inline(never)]
    fn finish_with_fallback<J: Rng + ?Sized, M: Rng + ?Sized, O: Observer + ?Sized>(
        &self,
        outcome: Outcome,
        job_rng: &mut J,
        market_rng: &mut M,
        observer: &mut O,
    ) -> RunRecord {
        let spot = self.record(outcome);
        let Some(fallback) = self.model.fallback.as_deref() else {
            return spot;
        };
        let deadline_s = match fallback.when {
            FallbackWhen::Deadline { deadline_s, .. } => deadline_s,
            _ => f64::INFINITY,
        };
        let mut part = FallbackPart {
            armed: true,
            has_deadline: deadline_s.is_finite(),
            ..FallbackPart::default()
        };
        if !(self.stopped_by_scheduler || outcome == Outcome::MaxWaitTimeExceeded) {
            part.met_deadline = outcome == Outcome::Completed && spot.wall_s <= deadline_s;
            return RunRecord {
                fallback: part,
                ..spot
            };
        }
        let start_s = self.now + fallback.reaction_s;
        observer.fallback(start_s);
        let mut run = Run::new(&fallback.on_demand, self.work_total_s);
        run.stop_request = self.stop_request;
        // The on-demand job spends what is left of the run's budget.
        run.events = self.events;
        run.checkpoints = self.checkpoints;
        run.checkpoints.restart();
        run.clock_offset_s = self.clock_offset_s + start_s;
        run.price_offset_s = self.price_offset_s + start_s;
        // One observer type for every on-demand job, so that the engine's generic functions
        // are not instantiated for ever deeper wrappers.
        let shifted: &mut dyn Observer = &mut Shifted {
            inner: observer,
            offset_s: start_s,
        };
        let od = run.run_to_end(job_rng, market_rng, shifted);
        // Progress the stop threw away: done since the last durable checkpoint.
        let lost_at_stop_s = (spot.work_done_s - self.checkpoints.durable_s).max(0.0);
        let wall_s = start_s + od.wall_s;
        part.fell_back = true;
        part.on_demand_training_s = od.training_s;
        part.on_demand_cost_usd = od.cost_usd;
        part.met_deadline = od.outcome == Outcome::Completed && wall_s <= deadline_s;
        let sum = |a: BilledTime, b: BilledTime| BilledTime {
            download_s: a.download_s + b.download_s,
            restore_s: a.restore_s + b.restore_s,
            train_s: a.train_s + b.train_s,
            save_s: a.save_s + b.save_s,
            upload_s: a.upload_s + b.upload_s,
        };
        RunRecord {
            outcome: od.outcome,
            wall_s,
            training_s: spot.training_s + od.training_s,
            billable_s: spot.billable_s + od.billable_s,
            cost_usd: spot.cost_usd + od.cost_usd,
            interruptions: spot.interruptions,
            waiting_s: spot.waiting_s,
            lost_work_s: spot.lost_work_s + lost_at_stop_s,
            work_required_s: spot.work_required_s,
            work_done_s: od.work_done_s,
            billed: sum(spot.billed, od.billed),
            billed_redone_s: spot.billed_redone_s + lost_at_stop_s + od.billed_redone_s,
            fallback: part,
            event_budget_hit: od.event_budget_hit,
        }
    }

    /// The first instance of the cluster is reclaimed.
    #[inline(always)]
    fn on_reclaim<J: Rng + ?Sized, M: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        job_rng: &mut J,
        market_rng: &mut M,
        observer: &mut O,
    ) -> Option<Outcome> {
        match self.phase {
            Phase::CapacityWait => unreachable!("no instance runs while waiting for capacity"),
            Phase::Provisioning => {
                // Lost an instance before the job ran: back to waiting, still Starting.
                self.leave_phase();
                self.timers.at_s[MARKET] = f64::INFINITY;
                let clock_s = self.clock_offset_s + self.now;
                let wait_s = self
                    .model
                    .market
                    .capacity_wait_s(false, clock_s, market_rng);
                let wait_s = self.on_the_clock(self.model.wait_profile.as_ref(), wait_s);
                self.enter(Phase::CapacityWait, wait_s);
                self.arm_waiting_rule();
                None
            }
            Phase::StopUploading => {
                // The stop's upload is cut short; the job ends stopped all the same.
                self.leave_phase();
                self.finish_stop(observer)
            }
            // Most reclaims come while training: that arm's phase is a constant.
            Phase::Training => {
                self.interrupt(Phase::Training, job_rng, market_rng, observer);
                self.after_interruption(job_rng, observer)
            }
            phase @ (Phase::Downloading
            | Phase::Restoring
            | Phase::Saving
            | Phase::NoticeSaving
            | Phase::Uploading) => {
                self.interrupt(phase, job_rng, market_rng, observer);
                self.after_interruption(job_rng, observer)
            }
        }
    }

    /// The cluster lost an instance while running in `phase`: the attempt ends, back to
    /// Starting.
    #[inline(always)]
    fn interrupt<J: Rng + ?Sized, M: Rng + ?Sized, O: Observer + ?Sized>(
        &mut self,
        phase: Phase,
        job_rng: &mut J,
        market_rng: &mut M,
        observer: &mut O,
    ) {
        let progress_s = self.progress_in(phase);
        self.leave(phase);
        // Saves that finished syncing by now are durable; the rest are lost with the
        // instance (the service does not flush at termination).
        self.checkpoints.settle(self.now, observer);
        self.checkpoints.restart();
        let lost_s = progress_s - self.checkpoints.durable_s;
        self.lost_work_s += lost_s;
        self.interruptions += 1;
        if self.model.bill_interrupted_attempt {
            self.billed_redone_s += lost_s;
        } else {
            self.billed_s -= self.attempt_billed_s;
            self.billable_s -= self.attempt_billable_s;
            for (total, attempt) in self.billed.iter_mut().zip(self.attempt_billed) {
                *total -= attempt;
            }
        }
        observer.status(self.now, SecondaryStatus::Interrupted);
        if self.tracks_deadline {
            self.arm_deadline_rule();
        }
        self.begin_start(false, job_rng, market_rng, observer);
    }

    #[inline(always)]
    fn record(&self, outcome: Outcome) -> RunRecord {
        let billable_s = if self.model.price_history.is_some() {
            self.billable_s
        } else {
            self.billed_s * self.model.price_factor
        };
        RunRecord {
            outcome,
            wall_s: self.now,
            training_s: self.billed_s,
            billable_s,
            cost_usd: billable_s
                * f64::from(self.model.instance_count)
                * self.model.on_demand_hourly_usd
                / 3600.0,
            interruptions: self.interruptions,
            waiting_s: self.waiting_s,
            lost_work_s: self.lost_work_s,
            work_required_s: self.work_total_s,
            work_done_s: self.progress_s(),
            billed: BilledTime::from_buckets(self.billed),
            billed_redone_s: self.billed_redone_s,
            fallback: FallbackPart::default(),
            event_budget_hit: false,
        }
    }
}

/// The on-demand job's observer: its times, counted from its own creation, moved onto the
/// spot job's clock.
struct Shifted<'o, O: Observer + ?Sized> {
    inner: &'o mut O,
    offset_s: f64,
}

impl<O: Observer + ?Sized> Observer for Shifted<'_, O> {
    fn status(&mut self, time_s: f64, status: SecondaryStatus) {
        self.inner.status(time_s + self.offset_s, status);
    }
    fn checkpoint(&mut self, time_s: f64, progress_s: f64) {
        self.inner.checkpoint(time_s + self.offset_s, progress_s);
    }
    // The run's clock was heard at the spot job's creation.
    fn clock(&mut self, _clock_offset_s: f64) {}
    fn event(&mut self, time_s: f64) {
        self.inner.event(time_s + self.offset_s);
    }
    fn fallback(&mut self, time_s: f64) {
        self.inner.fallback(time_s + self.offset_s);
    }
}

/// Checkpoints that finished saving but are not yet durable: at most one regular checkpoint
/// (sync is at most the interval, and regular saves end at least an interval apart) and one
/// notice save per attempt, so a fixed array suffices.
const MAX_SYNCING: usize = 4;

/// A finished save, waiting for its sync to S3.
#[derive(Debug, Clone, Copy, Default)]
struct Syncing {
    durable_at_s: f64,
    progress_s: f64,
    regular: u64,
}

/// What the job has saved, what is durable, and what is still syncing.
#[derive(Debug, Clone, Copy, Default)]
struct CheckpointState {
    /// Progress of the last durable checkpoint (0: none).
    durable_s: f64,
    /// Regular checkpoints at or below the durable one.
    durable_regular: u64,
    /// Regular checkpoints saved in this attempt, synced or not: the next is number + 1.
    saved_regular: u64,
    /// Finished saves still syncing, oldest first.
    syncing: [Syncing; MAX_SYNCING],
    syncing_len: usize,
}

impl CheckpointState {
    /// A save of `progress_s` finished at `now_s`; it becomes durable `sync_s` later.
    #[inline(always)]
    fn saved<O: Observer + ?Sized>(
        &mut self,
        now_s: f64,
        sync_s: f64,
        progress_s: f64,
        regular: u64,
        observer: &mut O,
    ) {
        if sync_s == 0.0 && self.syncing_len == 0 {
            // Durable at once: the common case, without the queue.
            self.durable_s = progress_s;
            self.durable_regular = regular;
            observer.checkpoint(now_s, progress_s);
        } else {
            self.queue(now_s, sync_s, progress_s, regular, observer);
        }
    }

    /// [`CheckpointState::saved`] when the save must wait for its sync, or others are syncing.
    #[inline(never)]
    fn queue<O: Observer + ?Sized>(
        &mut self,
        now_s: f64,
        sync_s: f64,
        progress_s: f64,
        regular: u64,
        observer: &mut O,
    ) {
        self.settle(now_s, observer);
        if self.syncing_len == MAX_SYNCING {
            // Unreachable while sync <= interval (validated); keep the newest if it happens.
            self.syncing.copy_within(1.., 0);
            self.syncing_len -= 1;
        }
        self.syncing[self.syncing_len] = Syncing {
            durable_at_s: now_s + sync_s,
            progress_s,
            regular,
        };
        self.syncing_len += 1;
        self.settle(now_s, observer);
    }

    /// Makes durable every save whose sync has finished by `now_s`.
    #[inline(always)]
    fn settle<O: Observer + ?Sized>(&mut self, now_s: f64, observer: &mut O) {
        // Nothing is syncing unless `checkpoint.sync` is set: test that inline, walk the queue
        // out of line.
        if self.syncing_len != 0 {
            self.settle_syncing(now_s, observer);
        }
    }

    #[inline(never)]
    fn settle_syncing<O: Observer + ?Sized>(&mut self, now_s: f64, observer: &mut O) {
        let mut done = 0;
        while done < self.syncing_len && self.syncing[done].durable_at_s <= now_s {
            let checkpoint = self.syncing[done];
            self.durable_s = checkpoint.progress_s;
            self.durable_regular = checkpoint.regular;
            observer.checkpoint(checkpoint.durable_at_s, checkpoint.progress_s);
            done += 1;
        }
        if done > 0 {
            self.syncing.copy_within(done..self.syncing_len, 0);
            self.syncing_len -= done;
        }
    }

    /// The instance is gone: unsynced saves are lost, training resumes from the durable one.
    #[inline(always)]
    fn restart(&mut self) {
        self.syncing_len = 0;
        self.saved_regular = self.durable_regular;
    }
}

#[cfg(test)]
mod fallback_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::rng::{Stream, run_rng};
    use crate::scenario::parse_scenario;
    use SecondaryStatus::*;

    /// Records every status change and checkpoint.
    #[derive(Default)]
    struct Recorder {
        statuses: Vec<(f64, SecondaryStatus)>,
        checkpoints: Vec<(f64, f64)>,
    }

    impl Observer for Recorder {
        fn status(&mut self, time_s: f64, status: SecondaryStatus) {
            self.statuses.push((time_s, status));
        }
        fn checkpoint(&mut self, time_s: f64, progress_s: f64) {
            self.checkpoints.push((time_s, progress_s));
        }
    }

    fn scenario(text: &str) -> Scenario {
        parse_scenario(text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    fn simulate_recorded(model: &JobModel, run: u64) -> (RunRecord, Recorder) {
        let mut recorder = Recorder::default();
        let record = simulate(
            model,
            &mut run_rng(1, run, Stream::Job),
            &mut run_rng(1, run, Stream::Market),
            &mut recorder,
        );
        (record, recorder)
    }

    /// Counts the events the engine handles.
    #[derive(Default)]
    struct EventCount(u64);

    impl Observer for EventCount {
        fn event(&mut self, _time_s: f64) {
            self.0 += 1;
        }
    }

    /// Checkpoints every millisecond for 20 days: 1.7 billion events, one start.
    const MILLISECOND_CHECKPOINTS: &str = r#"
[job]
training = "20d"
[stopping]
max_run = "28d"
[checkpoint]
interval = 0.001
[pricing]
on_demand_hourly = 3.6
[simulation]
max_events = 100000
"#;

    fn count_events(model: &JobModel, stop: Option<&AtomicBool>) -> (RunRecord, u64) {
        let mut events = EventCount::default();
        let record = simulate_run_until(
            model,
            0,
            &mut run_rng(1, 0, Stream::Job),
            &mut run_rng(1, 0, Stream::Market),
            &mut events,
            stop,
        );
        (record, events.0)
    }

    #[test]
    fn the_event_budget_cuts_a_run_at_the_first_poll_past_it() {
        let model = JobModel::on_demand(&scenario(MILLISECOND_CHECKPOINTS));
        assert_eq!(model.max_events, 100_000);
        let (record, events) = count_events(&model, None);
        assert!(record.event_budget_hit);
        assert_eq!(record.outcome, Outcome::MaxWaitTimeExceeded);
        // 100,000 rounded up to the poll interval: 7 × 16,384. The observer hears every event
        // but the one that found the budget spent.
        assert_eq!(events, 7 * EVENT_POLL - 1);
        // What was spent is booked up to the cut: the phase in progress included.
        assert!(
            record.wall_s > 0.0 && record.training_s == record.wall_s,
            "{record:?}"
        );
        assert!(record.work_done_s > 0.0 && record.work_done_s < record.work_required_s);
        // The same run with a budget it stays within is not flagged.
        let text = MILLISECOND_CHECKPOINTS.replace("\"20d\"", "\"10s\"");
        let (short, _) = count_events(&JobModel::on_demand(&scenario(&text)), None);
        assert!(!short.event_budget_hit);
        assert_eq!(short.outcome, Outcome::Completed);
    }

    #[test]
    fn a_stop_request_ends_a_run_at_the_next_poll() {
        let text = MILLISECOND_CHECKPOINTS.replace("max_events = 100000", "");
        let model = JobModel::on_demand(&scenario(&text));
        let stop = AtomicBool::new(true);
        let (record, events) = count_events(&model, Some(&stop));
        assert_eq!(events, EVENT_POLL - 1);
        // Cut by the request, not by the budget: nothing to report, the caller discards it.
        assert!(!record.event_budget_hit);
        // Without a request the same run goes on past the first poll.
        let go_on = AtomicBool::new(false);
        let budget = JobModel {
            max_events: 4 * EVENT_POLL,
            ..model
        };
        let (record, events) = count_events(&budget, Some(&go_on));
        assert!(record.event_budget_hit);
        assert_eq!(events, 4 * EVENT_POLL - 1);
    }

    /// Constant durations everywhere, reclaims 1000 s after each grant: a timeline that can be
    /// worked out by hand (see the comments).
    const HAND_WORKED: &str = r#"
[job]
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

    #[test]
    fn hand_worked_timeline_with_two_interruptions() {
        let model = JobModel::spot(&scenario(HAND_WORKED)).unwrap();
        let (record, recorder) = simulate_recorded(&model, 0);
        // Attempt 1: grant at 60 (reclaim at 1060), download 90-190, train 0->500 by 690, save
        // until 700, train until the reclaim at 1060: progress 860, 360 lost.
        // Attempt 2: grant 1120 (reclaim 2120), download 1150-1250, restore until 1270, train
        // 500->1000 by 1770, save until 1780, reclaimed at 2120: progress 1340, 340 lost.
        // Attempt 3: grant 2180, download 2210-2310, restore until 2330, train 1000->1500 by
        // 2830, upload until 2880.
        assert_eq!(
            recorder.statuses,
            vec![
                (0.0, Starting),
                (90.0, Downloading),
                (190.0, Training),
                (1060.0, Interrupted),
                (1060.0, Starting),
                (1150.0, Downloading),
                (1250.0, Training),
                (2120.0, Interrupted),
                (2120.0, Starting),
                (2210.0, Downloading),
                (2310.0, Training),
                (2830.0, Uploading),
                (2880.0, Completed),
            ]
        );
        assert_eq!(recorder.checkpoints, vec![(700.0, 500.0), (1780.0, 1000.0)]);
        assert_eq!(record.outcome, Outcome::Completed);
        assert_eq!(record.wall_s, 2880.0);
        assert_eq!(record.training_s, 970.0 + 970.0 + 670.0);
        assert!((record.billable_s - 2610.0 * 0.3).abs() < 1e-9);
        assert!((record.cost_usd - 2610.0 * 0.3 * 3.6 / 3600.0).abs() < 1e-12);
        assert_eq!(record.interruptions, 2);
        assert_eq!(record.waiting_s, 180.0);
        assert_eq!(record.lost_work_s, 700.0);
        assert_eq!(record.work_done_s, 1500.0);
    }

    #[test]
    fn unbilled_interrupted_attempts_leave_only_the_last_attempt() {
        let text = HAND_WORKED.replace(
            "discount = 0.7",
            "discount = 0.7\nbill_interrupted_attempt = false",
        );
        let model = JobModel::spot(&scenario(&text)).unwrap();
        let (record, _) = simulate_recorded(&model, 0);
        assert_eq!(record.training_s, 670.0);
        assert_eq!(record.wall_s, 2880.0);
    }

    #[test]
    fn max_run_counts_each_attempt_or_all() {
        // The hand-worked run bills 970 s in each of attempts 1 and 2 (download included).
        let all = HAND_WORKED.replace("max_run = \"1d\"", "max_run = 2000");
        let model = JobModel::spot(&scenario(&all)).unwrap();
        let (record, recorder) = simulate_recorded(&model, 0);
        // Attempt 3 starts Downloading at 2210 with 1940 s used: MaxRuntime at 2270.
        assert_eq!(record.outcome, Outcome::MaxRuntimeExceeded);
        assert_eq!(
            recorder.statuses[recorder.statuses.len() - 4..].to_vec(),
            vec![
                (2210.0, Downloading),
                (2270.0, Stopping),
                (2270.0, Uploading),
                (2320.0, MaxRuntimeExceeded)
            ]
        );
        assert_eq!(record.training_s, 2000.0 + 50.0);

        // Each attempt on its own: no attempt runs 2000 s, so the job completes.
        let each = all.replace(
            "[stopping]",
            "[stopping]\nmax_run_counts = \"each_attempt\"",
        );
        let model = JobModel::spot(&scenario(&each)).unwrap();
        assert_eq!(simulate_recorded(&model, 0).0.outcome, Outcome::Completed);

        // Downloads and restores excluded: attempt 1 counts 870 s of training, attempt 2 850 s
        // (1270-2120), so attempt 3 reaches 2000 after 280 s of training from 2330, at 2610.
        let no_download = all.replace(
            "[stopping]",
            "[stopping]\nmax_run_includes_download = false",
        );
        let model = JobModel::spot(&scenario(&no_download)).unwrap();
        let (record, _) = simulate_recorded(&model, 0);
        assert_eq!(record.outcome, Outcome::MaxRuntimeExceeded);
        assert_eq!(record.wall_s, 2610.0 + 50.0);
    }

    #[test]
    fn reclaim_during_provisioning_waits_again_until_max_wait() {
        let text = HAND_WORKED
            .replace("time_to_interruption = 1000", "time_to_interruption = 20")
            .replace("max_run = \"1d\"", "max_run = 3600")
            .replace("max_wait = \"2d\"", "max_wait = 3600");
        let model = JobModel::spot(&scenario(&text)).unwrap();
        let (record, recorder) = simulate_recorded(&model, 0);
        // Every grant is lost 20 s into a 30 s provisioning: never an interruption, never billed.
        assert_eq!(record.outcome, Outcome::MaxWaitTimeExceeded);
        assert_eq!(record.wall_s, 3600.0);
        assert_eq!(record.training_s, 0.0);
        assert_eq!(record.interruptions, 0);
        // 45 cycles of 60 s waiting + 20 s provisioning fill the 3600 s; at 3600 the 45th reclaim
        // and MaxWait coincide, and MaxWait wins the tie (it stops the job in Starting).
        assert_eq!(record.waiting_s, 45.0 * 60.0);
        assert_eq!(
            recorder.statuses,
            vec![
                (0.0, Starting),
                (3600.0, Stopping),
                (3600.0, MaxWaitTimeExceeded)
            ]
        );
    }

    #[test]
    fn on_demand_longer_than_max_run_is_billed_max_run_plus_upload() {
        let s = scenario(
            "[job]\ntraining = \"2h\"\ndownload = 60\nupload = 120\nprovisioning = 45\n\
             [stopping]\nmax_run = \"1h\"\n[pricing]\non_demand_hourly = 2\n",
        );
        assert!(JobModel::spot(&s).is_none());
        let (record, recorder) = simulate_recorded(&JobModel::on_demand(&s), 0);
        assert_eq!(record.outcome, Outcome::MaxRuntimeExceeded);
        assert_eq!(record.training_s, 3600.0 + 120.0);
        assert_eq!(record.billable_s, record.training_s);
        assert_eq!(record.wall_s, 45.0 + 3600.0 + 120.0);
        assert_eq!(record.cost_usd, 3720.0 * 2.0 / 3600.0);
        assert_eq!(
            recorder.statuses,
            vec![
                (0.0, Starting),
                (45.0, Downloading),
                (105.0, Training),
                (3645.0, Stopping),
                (3645.0, Uploading),
                (3765.0, MaxRuntimeExceeded)
            ]
        );
    }

    #[test]
    fn spot_without_interruptions_bills_the_discounted_time() {
        // TrainingTimeInSeconds 874 at a 70 % discount: the SageMaker console shows 262 billable.
        let s = scenario(
            "[job]\ntraining = 800\ndownload = 44\nupload = 30\n[stopping]\nmax_wait = \"1d\"\n\
             [spot]\nenabled = true\ncapacity_wait = 0\ntime_to_interruption = \"never\"\n\
             discount = 0.70\n[pricing]\non_demand_hourly = 3.825\n",
        );
        let (record, _) = simulate_recorded(&JobModel::spot(&s).unwrap(), 0);
        assert_eq!(record.training_s, 874.0);
        assert!((record.billable_s - 262.2).abs() < 1e-9);
        assert_eq!(record.interruptions, 0);
        let on_demand = simulate_recorded(&JobModel::on_demand(&s), 0).0;
        assert_eq!(on_demand.training_s, 874.0);
        assert_eq!(on_demand.billable_s, 874.0);
    }

    #[test]
    fn max_wait_during_training_stops_and_uploads() {
        // Reclaimed at 1060 as in the hand-worked run; MaxWait at 1500 falls in attempt 2's
        // training (1270-1770).
        let text = HAND_WORKED
            .replace("max_run = \"1d\"", "max_run = 1500")
            .replace("max_wait = \"2d\"", "max_wait = 1500");
        let model = JobModel::spot(&scenario(&text)).unwrap();
        let (record, recorder) = simulate_recorded(&model, 0);
        assert_eq!(record.outcome, Outcome::MaxWaitTimeExceeded);
        assert_eq!(record.wall_s, 1550.0);
        // Billed: 970 in attempt 1, 1150-1500 = 350 in attempt 2, plus the 50 s upload.
        assert_eq!(record.training_s, 970.0 + 350.0 + 50.0);
        assert_eq!(
            recorder.statuses[recorder.statuses.len() - 3..].to_vec(),
            vec![
                (1500.0, Stopping),
                (1500.0, Uploading),
                (1550.0, MaxWaitTimeExceeded)
            ]
        );
    }

    #[test]
    fn a_checkpoint_counts_once_synced_to_s3() {
        // sync 300 s: each save is durable before its attempt's reclaim; same run, later stamps.
        let text = HAND_WORKED.replace("restore = 20", "restore = 20\nsync = 300");
        let (record, recorder) = simulate_recorded(&JobModel::spot(&scenario(&text)).unwrap(), 0);
        assert_eq!(
            recorder.checkpoints,
            vec![(1000.0, 500.0), (2080.0, 1000.0)]
        );
        assert_eq!((record.wall_s, record.lost_work_s), (2880.0, 700.0));

        // sync 350 s: attempt 2's save (ends 1780) would be durable at 2130, after its reclaim
        // at 2120, so it dies with the instance; so does attempt 3's (3190 > 3180). MaxWait at
        // 4000 stops attempt 4 in training at progress 1100.
        let text = HAND_WORKED
            .replace("restore = 20", "restore = 20\nsync = 350")
            .replace("max_run = \"1d\"", "max_run = 4000")
            .replace("max_wait = \"2d\"", "max_wait = 4000");
        let (record, recorder) = simulate_recorded(&JobModel::spot(&scenario(&text)).unwrap(), 0);
        assert_eq!(recorder.checkpoints, vec![(1050.0, 500.0)]);
        assert_eq!(record.outcome, Outcome::MaxWaitTimeExceeded);
        assert_eq!(record.interruptions, 3);
        assert_eq!(record.lost_work_s, 360.0 + 840.0 + 840.0);
        assert_eq!(record.wall_s, 4050.0);
        assert_eq!(record.work_done_s, 1100.0);
    }

    #[test]
    fn the_two_minute_notice_saves_a_checkpoint() {
        let text = HAND_WORKED.replace("restore = 20", "restore = 20\non_notice = true");
        let (record, recorder) = simulate_recorded(&JobModel::spot(&scenario(&text)).unwrap(), 0);
        // Attempt 1: notice at 940 (reclaim 1060) saves progress 740 by 950; 110 s lost.
        // Attempt 2: restores 740, regular checkpoint 1000 at 1540, notice at 2000 saves 1460
        // by 2010, training ends at 2050 and the upload at 2100, before the reclaim at 2120.
        assert_eq!(
            recorder.checkpoints,
            vec![
                (700.0, 500.0),
                (950.0, 740.0),
                (1540.0, 1000.0),
                (2010.0, 1460.0)
            ]
        );
        assert_eq!(record.outcome, Outcome::Completed);
        assert_eq!(record.interruptions, 1);
        assert_eq!(record.lost_work_s, 110.0);
        assert_eq!(record.wall_s, 2100.0);
        assert_eq!(record.training_s, 970.0 + 950.0);
        assert_eq!(
            recorder.statuses[4..].to_vec(),
            vec![
                (1060.0, Starting),
                (1150.0, Downloading),
                (1250.0, Training),
                (2050.0, Uploading),
                (2100.0, Completed)
            ]
        );
    }

    #[test]
    fn checkpoints_never_stall_on_fractional_intervals() {
        // 45.3 s and 0.7 s intervals: k × interval / interval can round below k, which once put
        // the next checkpoint on top of the last one. Positions are now counted, not derived.
        for (interval, training) in [("45.3", "600"), ("0.7", "7"), ("0.1", "3")] {
            let s = scenario(&format!(
                "[job]\ntraining = {training}\n[checkpoint]\ninterval = {interval}\nsave = 0\n\
                 [pricing]\non_demand_hourly = 1\n"
            ));
            let (record, recorder) = simulate_recorded(&JobModel::on_demand(&s), 0);
            assert_eq!(record.outcome, Outcome::Completed, "interval {interval}");
            let positions: Vec<f64> = recorder.checkpoints.iter().map(|c| c.1).collect();
            assert!(
                positions.windows(2).all(|w| w[1] > w[0]),
                "interval {interval}: {positions:?}"
            );
            let interval_s: f64 = interval.parse().unwrap();
            let training_s: f64 = training.parse().unwrap();
            let expected = (training_s / interval_s).ceil() as usize - 1;
            assert!(
                positions.len().abs_diff(expected) <= 1,
                "{} vs {expected}",
                positions.len()
            );
        }
    }

    #[test]
    fn heavy_tailed_draws_stop_at_the_thirty_day_lifetime() {
        // Downloads of up to e^90 minutes, not counted toward MaxRuntime: only the 30-day
        // cap on a job's life stops it.
        let s = scenario(
            "[job]\ntraining = 60\ndownload = { dist = \"lognormal\", median = 60, sigma = 10 }\n\
             [stopping]\nmax_run_includes_download = false\n[pricing]\non_demand_hourly = 1\n",
        );
        let model = JobModel::on_demand(&s);
        let mut cut_off = 0;
        for run in 0..50 {
            let (record, recorder) = simulate_recorded(&model, run);
            cut_off += usize::from(record.outcome != Outcome::Completed);
            assert!(record.wall_s <= JOB_LIFETIME_LIMIT_S, "{record:?}");
            assert!(
                record.training_s.is_finite() && record.cost_usd.is_finite(),
                "{record:?}"
            );
            if record.outcome != Outcome::Completed {
                assert_eq!(record.wall_s, JOB_LIFETIME_LIMIT_S);
                assert_eq!(recorder.statuses.last().unwrap().1, MaxRuntimeExceeded);
            }
        }
        // P(download > 30 days) = P(Z > ln(43200) / 10) ≈ 0.14: some runs must reach the cap.
        assert!(cut_off > 0);
    }

    #[test]
    fn a_stop_upload_is_cut_at_thirty_days() {
        let s = scenario(
            "[job]\ntraining = \"29d\"\nupload = \"3d\"\n[stopping]\nmax_run = \"28d\"\n\
             [pricing]\non_demand_hourly = 1\n",
        );
        let (record, _) = simulate_recorded(&JobModel::on_demand(&s), 0);
        assert_eq!(record.outcome, Outcome::MaxRuntimeExceeded);
        assert_eq!(record.wall_s, JOB_LIFETIME_LIMIT_S);
        assert_eq!(record.training_s, JOB_LIFETIME_LIMIT_S);
    }

    #[test]
    fn equal_times_resolve_in_the_documented_order() {
        let mut timers = Timers { at_s: [5.0; 4] };
        assert_eq!(timers.next(), (PHASE_END, 5.0));
        timers.at_s[PHASE_END] = f64::INFINITY;
        assert_eq!(timers.next(), (MAX_RUN, 5.0));
        timers.at_s[MAX_RUN] = f64::INFINITY;
        assert_eq!(timers.next(), (DEADLINE, 5.0));
        timers.at_s = [f64::INFINITY, f64::INFINITY, 7.0, 6.0];
        assert_eq!(timers.next(), (MARKET, 6.0));
    }
}
