//! One simulated month of a fleet: arrivals, quota queues, shared markets, every job's
//! lifecycle through the single-job engine.
//!
//! The month is a discrete-event simulation over *submissions* and *quota releases*. A job
//! submitted when its pool (instance type × spot or on-demand) has room for its instances and
//! nobody queued before it is created at once; otherwise it waits in the pool's FIFO queue
//! (the real service rejects a CreateTrainingJob over quota with `ResourceLimitExceeded` and
//! the team's scheduler retries: the queue is that scheduler). A created job holds its
//! instances against the quota until it ends (Completed or Stopped), waits for spot capacity
//! included. Once created, a job's lifecycle does not depend on the other jobs: the market
//! it meets is shared, but the fleet does not consume the market's capacity. So the engine
//! runs each job to its end the moment it is created, at the clock of the shared market, and
//! the end becomes the quota release. `docs/fleet.md` states every rule.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardUniform};
use serde::{Deserialize, Serialize};

use crate::engine::{
    ClusterReclaim, JobModel, Market, NoObserver, Observer, Outcome, RunRecord, SecondaryStatus,
    simulate_at,
};
use crate::inputs::availability::{Availability, Trace};
use crate::montecarlo::rng::{RunRng, Stream, run_rng, splitmix64};
use crate::scenario::{JOB_LIFETIME_LIMIT_S, MarketSpec, TraceStart};
use crate::stats::sketch::QuantileStore;
use crate::units::duration::DAY_S;

use super::{Arrivals, Fleet, PoolKey};

/// A fleet in the form the month simulation runs.
#[derive(Debug, Clone)]
pub struct FleetModel {
    /// Length of the month, seconds.
    pub horizon_s: f64,
    /// Simulated time before the month.
    pub warmup_s: f64,
    /// The fleet's seed.
    pub seed: u64,
    /// Pools (instance type × spot/on-demand) in [`PoolKey`] order.
    pub pools: Vec<PoolInfo>,
    /// Instance types, sorted.
    pub types: Vec<String>,
    /// Spacing of the concurrency samples the charts draw, seconds.
    pub grid_step_s: f64,
    /// Number of concurrency samples per month (at `k · grid_step_s`, `k = 0..grid_points`).
    pub grid_points: usize,
    workloads: Vec<WorkloadModel>,
    /// The shared market of each instance type (by index in `types`), if it is a path drawn
    /// per month (Markov) or a trace replayed from a moment per month.
    shared: Vec<Option<SharedMarket>>,
}

/// A pool's place in the fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolInfo {
    /// Instance type and side.
    pub key: PoolKey,
    /// Most instances in progress at once; `None`: unlimited.
    pub quota: Option<u32>,
    /// Index of the instance type in [`FleetModel::types`].
    pub type_index: usize,
}

#[derive(Debug, Clone)]
struct WorkloadModel {
    /// The job on spot (its market replaced by the shared one when the type has one).
    spot: Option<JobModel>,
    /// The same job on-demand: the baseline, and the job itself for an on-demand workload.
    on_demand: JobModel,
    pool: usize,
    type_index: usize,
    instances: u32,
    arrivals: Arrivals,
    count: Option<u64>,
    /// Seed of the workload's streams.
    key: u64,
    /// `[fallback]`: where its on-demand jobs queue.
    fallback: Option<FallbackPool>,
}

/// The on-demand pool a workload's `[fallback]` jobs take, and the scheduler's reaction.
#[derive(Debug, Clone, Copy)]
struct FallbackPool {
    pool: usize,
    reaction_s: f64,
}

#[derive(Debug, Clone)]
enum SharedMarket {
    Markov {
        mean_available_s: f64,
        mean_unavailable_s: f64,
    },
    Trace {
        /// Capacity for each instance count the type's workloads need.
        availability: BTreeMap<u32, Arc<Availability>>,
        start: TraceStart,
        period_s: f64,
    },
}

/// A workload's seed: its streams never meet another workload's.
fn workload_key(seed: u64, index: usize) -> u64 {
    splitmix64(splitmix64(seed) ^ splitmix64(0xF1EE_7000 + index as u64))
}

/// An instance type's seed for its shared market.
fn type_key(seed: u64, index: usize) -> u64 {
    splitmix64(splitmix64(seed) ^ splitmix64(0x3A4B_E700 + index as u64))
}

impl FleetModel {
    /// The model of a validated fleet.
    pub fn new(fleet: &Fleet) -> FleetModel {
        let mut keys: Vec<PoolKey> = fleet
            .workloads
            .iter()
            .map(|w| PoolKey {
                instance_type: w.instance_type.clone(),
                spot: w.is_spot(),
            })
            .collect();
        // A `[fallback]`'s on-demand jobs take the type's on-demand pool.
        keys.extend(
            fleet
                .workloads
                .iter()
                .filter(|w| w.is_spot() && w.scenario.fallback.is_some())
                .map(|w| PoolKey {
                    instance_type: w.instance_type.clone(),
                    spot: false,
                }),
        );
        keys.sort();
        keys.dedup();
        let mut types: Vec<String> = keys.iter().map(|k| k.instance_type.clone()).collect();
        types.dedup();
        let type_index = |name: &str| types.iter().position(|t| t == name).unwrap_or(0);
        let pools: Vec<PoolInfo> = keys
            .into_iter()
            .map(|key| {
                let quota = fleet
                    .quotas
                    .get(&key.instance_type)
                    .and_then(|q| if key.spot { q.spot } else { q.on_demand });
                PoolInfo {
                    type_index: type_index(&key.instance_type),
                    key,
                    quota,
                }
            })
            .collect();
        let shared: Vec<Option<SharedMarket>> = types
            .iter()
            .map(|name| match fleet.markets.get(name) {
                Some(MarketSpec::Markov {
                    mean_available_s,
                    mean_unavailable_s,
                }) => Some(SharedMarket::Markov {
                    mean_available_s: *mean_available_s,
                    mean_unavailable_s: *mean_unavailable_s,
                }),
                Some(MarketSpec::Trace {
                    trace,
                    start,
                    period_s,
                    ..
                }) => Some(SharedMarket::Trace {
                    availability: trace_availabilities(fleet, name, trace),
                    start: *start,
                    period_s: *period_s,
                }),
                _ => None,
            })
            .collect();
        let workloads = fleet
            .workloads
            .iter()
            .enumerate()
            .map(|(index, workload)| {
                let pool_key = PoolKey {
                    instance_type: workload.instance_type.clone(),
                    spot: workload.is_spot(),
                };
                let mut spot = JobModel::spot(&workload.scenario);
                if let (
                    Some(model),
                    Some(MarketSpec::Independent {
                        capacity_wait,
                        time_to_interruption,
                        ..
                    }),
                ) = (spot.as_mut(), fleet.markets.get(&workload.instance_type))
                {
                    model.market = Market::Independent {
                        capacity_wait: capacity_wait.clone(),
                        first_reclaim: ClusterReclaim::new(
                            time_to_interruption.clone(),
                            workload.instance_count(),
                        ),
                    };
                }
                let fallback_key = PoolKey {
                    instance_type: workload.instance_type.clone(),
                    spot: false,
                };
                WorkloadModel {
                    fallback: workload
                        .scenario
                        .fallback
                        .filter(|_| spot.is_some())
                        .map(|f| FallbackPool {
                            pool: pools
                                .iter()
                                .position(|p| p.key == fallback_key)
                                .unwrap_or(0),
                            reaction_s: f.reaction_s,
                        }),
                    spot,
                    on_demand: JobModel::on_demand(&workload.scenario),
                    pool: pools.iter().position(|p| p.key == pool_key).unwrap_or(0),
                    type_index: type_index(&workload.instance_type),
                    instances: workload.instance_count(),
                    arrivals: workload.arrivals.clone(),
                    count: workload.count,
                    key: workload_key(fleet.seed, index),
                }
            })
            .collect();
        // Hourly samples up to 60 days; beyond, 1,440 samples over the month.
        let grid_step_s = if fleet.horizon_s <= 60.0 * DAY_S {
            3_600.0
        } else {
            fleet.horizon_s / 1_440.0
        };
        let grid_points = ((fleet.horizon_s / grid_step_s).ceil() as usize).max(1);
        FleetModel {
            horizon_s: fleet.horizon_s,
            warmup_s: fleet.warmup_s,
            seed: fleet.seed,
            pools,
            types,
            grid_step_s,
            grid_points,
            workloads,
            shared,
        }
    }

    /// Number of workloads.
    pub fn workload_count(&self) -> usize {
        self.workloads.len()
    }

    /// The simulated span: warm-up, month, and the longest a job created at its end can live.
    fn path_length_s(&self) -> f64 {
        self.warmup_s + self.horizon_s + JOB_LIFETIME_LIMIT_S + DAY_S
    }
}

/// Capacity in `trace` for every instance count the type's spot workloads need.
fn trace_availabilities(
    fleet: &Fleet,
    instance_type: &str,
    trace: &Trace,
) -> BTreeMap<u32, Arc<Availability>> {
    fleet
        .workloads
        .iter()
        .filter(|w| w.is_spot() && w.instance_type == instance_type)
        .map(|w| {
            let count = w.instance_count();
            (count, Arc::new(Availability::new(trace, count)))
        })
        .collect()
}

/// What one month produced. Jobs *of the month* are those submitted within it; they are
/// followed to their end (past the horizon if need be), so their cost is whole. The one record
/// of a month: the summary folds it ([`crate::fleet::Fold`]), keeps it for the per-month CSV,
/// and a fleet shard's part carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthResult {
    /// Jobs submitted in the month.
    pub jobs: u64,
    /// What the month's jobs cost.
    pub cost_usd: f64,
    /// What the same jobs cost all on-demand (each job's paired on-demand run).
    pub on_demand_cost_usd: f64,
    /// Billed instance-hours (`TrainingTimeInSeconds × InstanceCount`) of the month's jobs.
    pub instance_hours: f64,
    /// Instance-hours the month's jobs held against quotas (creation to end).
    pub held_instance_hours: f64,
    /// The month's jobs at the horizon: completed, stopped by MaxRuntime, stopped by MaxWait,
    /// unfinished (queued or in progress).
    pub outcomes: [u64; 4],
    /// Queue waits of the month's jobs, summed.
    pub queue_wait_sum_s: f64,
    /// The month's jobs that waited in a queue at all.
    pub queued_jobs: u64,
    /// Queue waits of the month's jobs; empty once folded into the fleet's store.
    pub queue_waits: QuantileStore,
    /// Per workload, in file order.
    pub workloads: Vec<WorkloadMonth>,
    /// Concurrency per pool, in [`FleetModel::pools`] order.
    pub pools: Vec<PoolMonth>,
    /// Concurrency per instance type (both sides), in [`FleetModel::types`] order.
    pub types: Vec<PoolMonth>,
    /// Interruptions during the month (one per job per reclaim).
    pub interruptions: u64,
    /// Distinct moments at which reclaims interrupted jobs, per instance type summed.
    pub reclaim_events: u64,
    /// Most jobs of one instance type interrupted at the same moment.
    pub largest_simultaneous: u64,
}

/// One workload in one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadMonth {
    /// Jobs submitted.
    pub jobs: u64,
    /// Their cost.
    pub cost_usd: f64,
    /// Their cost all on-demand.
    pub on_demand_cost_usd: f64,
    /// Completed / MaxRuntime / MaxWait / unfinished at the horizon.
    pub outcomes: [u64; 4],
    /// Queue waits summed.
    pub queue_wait_sum_s: f64,
    /// Instance-seconds held against the quota.
    pub held_instance_s: f64,
}

/// Instances in progress over the month, `[0, horizon)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolMonth {
    /// Time-weighted mean.
    pub mean: f64,
    /// Time-weighted 95th percentile: the smallest level held at least 95 % of the month.
    pub p95: f64,
    /// Most at any moment.
    pub peak: f64,
    /// The level at `k · grid_step_s`, for the charts; empty once folded into the fleet's
    /// histograms.
    pub grid: Vec<u32>,
}

/// A month's job, once submitted.
#[derive(Debug, Clone, Copy)]
struct Submission {
    at_s: f64,
    workload: u32,
    /// Its index among its workload's submissions this month: picks its random streams.
    seq: u32,
    in_month: bool,
}

/// A job's fate, filled in when it is created.
#[derive(Debug, Clone, Copy)]
struct JobFate {
    created_s: f64,
    /// The end of its last job (the on-demand job's, once created, for a fallback).
    ended_s: f64,
    record: RunRecord,
    on_demand_cost_usd: f64,
    /// `[fallback]`: the run went on-demand.
    fallback: Option<FallbackLeg>,
}

/// The on-demand job of a `[fallback]` run in the fleet: requested when the scheduler creates
/// it, created when the on-demand quota lets it (its lifecycle does not depend on when: an
/// on-demand job meets no market), so it is the engine's on-demand job shifted by its queue
/// wait.
// Every field is a time and carries its unit, as the house rule asks.
#[allow(clippy::struct_field_names)]
#[derive(Debug, Clone, Copy)]
struct FallbackLeg {
    /// When the spot job ended (Stopped or MaxWaitTimeExceeded): its spot instances are free.
    spot_ended_s: f64,
    /// When the scheduler asked for the on-demand job (the spot job's end plus the reaction).
    requested_s: f64,
    /// The on-demand job's wall time.
    duration_s: f64,
    /// When the quota let it be created.
    created_s: Option<f64>,
}

/// Heap key: the time of a quota release, ties by job order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct At(f64);

impl Eq for At {}

impl PartialOrd for At {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for At {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Quota releases of the month's queue simulation: (time, job, pool).
type Releases = BinaryHeap<Reverse<(At, usize, usize)>>;
/// Fallbacks' requests for on-demand jobs: (time, job).
type Requests = BinaryHeap<Reverse<(At, usize)>>;

/// Records when a job is interrupted, on the month's clock, and when a `[fallback]` created its
/// on-demand job (on the job's clock).
// Every field is a time and carries its unit, as the house rule asks.
#[allow(clippy::struct_field_names)]
struct Interruptions<'a> {
    created_s: f64,
    at_s: &'a mut Vec<f64>,
    fallback_at_s: Option<f64>,
}

impl Observer for Interruptions<'_> {
    fn status(&mut self, time_s: f64, status: SecondaryStatus) {
        if status == SecondaryStatus::Interrupted {
            self.at_s.push(self.created_s + time_s);
        }
    }

    fn fallback(&mut self, time_s: f64) {
        self.fallback_at_s = Some(time_s);
    }
}

/// One workload's jobs in one month, as the engine runs them: its models with the month's
/// market and where the month's clocks start.
struct MonthWorkload<'m> {
    spot: Option<Cow<'m, JobModel>>,
    /// Clock of the engine (time of day, or trace time) at the month's simulated time 0.
    clock_base_s: f64,
    /// Where the price history is read at simulated time 0.
    price_base_s: f64,
}

/// Simulates month `month` of `model`. The month's numbers depend on `(seed, month)` alone.
pub fn simulate_month(model: &FleetModel, month: u64) -> MonthResult {
    simulate_month_until(model, month, None)
}

/// As [`simulate_month`], ending early once `stop` is set (a Ctrl-C): the flag is read before
/// every event of the month and, inside each job, every [`crate::engine::EVENT_POLL`] events,
/// so that a month of hundreds of thousands of long jobs still stops within milliseconds.
/// The result of a stopped month is meaningless; the caller discards it.
pub fn simulate_month_until(
    model: &FleetModel,
    month: u64,
    stop: Option<&AtomicBool>,
) -> MonthResult {
    let stopped = || stop.is_some_and(|flag| flag.load(AtomicOrdering::Relaxed));
    let warmup_s = model.warmup_s;
    let end_s = warmup_s + model.horizon_s;

    // The month's markets: one path per Markov market, one moment of each trace.
    let paths: Vec<Option<Arc<Availability>>> = model
        .shared
        .iter()
        .enumerate()
        .map(|(index, shared)| match shared {
            Some(SharedMarket::Markov {
                mean_available_s,
                mean_unavailable_s,
            }) => {
                let mut rng = run_rng(type_key(model.seed, index), month, Stream::SharedMarket);
                Some(Arc::new(markov_path(
                    *mean_available_s,
                    *mean_unavailable_s,
                    model.path_length_s(),
                    &mut rng,
                )))
            }
            _ => None,
        })
        .collect();
    let trace_offsets: Vec<f64> = model
        .shared
        .iter()
        .enumerate()
        .map(|(index, shared)| match shared {
            Some(SharedMarket::Trace {
                start, period_s, ..
            }) => match *start {
                TraceStart::Random => {
                    let mut rng = run_rng(type_key(model.seed, index), month, Stream::SharedMarket);
                    let u: f64 = StandardUniform.sample(&mut rng);
                    u * period_s
                }
                TraceStart::At(offset_s) => offset_s,
                TraceStart::Windows(windows) => {
                    (month % u64::from(windows)) as f64 * period_s / f64::from(windows)
                }
            },
            _ => 0.0,
        })
        .collect();
    // Time of day at simulated time 0, so that the month's time 0 is midnight.
    let day_clock_base_s = (warmup_s / DAY_S).ceil() * DAY_S - warmup_s;
    let month_workloads: Vec<MonthWorkload<'_>> = model
        .workloads
        .iter()
        .map(|w| {
            let mut clock_base_s = day_clock_base_s;
            let spot = w.spot.as_ref().map(|spot| {
                let shared_market = match &model.shared[w.type_index] {
                    Some(SharedMarket::Markov { .. }) => {
                        // The path starts at simulated time 0.
                        clock_base_s = 0.0;
                        paths[w.type_index].clone()
                    }
                    Some(SharedMarket::Trace { availability, .. }) => {
                        clock_base_s = trace_offsets[w.type_index];
                        availability.get(&w.instances).cloned()
                    }
                    None => None,
                };
                match shared_market {
                    Some(availability) => {
                        let mut month_model = spot.clone();
                        month_model.market = Market::Trace {
                            availability,
                            start: TraceStart::At(0.0),
                        };
                        // The shared market says when capacity is there, at every hour.
                        month_model.profile = None;
                        month_model.wait_profile = None;
                        Cow::Owned(month_model)
                    }
                    None => Cow::Borrowed(spot),
                }
            });
            // A trace's own prices follow the trace's clock; any other history is read from a
            // moment of it drawn per month.
            let trace_clock =
                matches!(model.shared[w.type_index], Some(SharedMarket::Trace { .. }));
            let history = spot.as_ref().and_then(|s| s.price_history.clone());
            let price_base_s = match history {
                Some(_) if trace_clock => clock_base_s,
                Some(series) => {
                    let mut rng = run_rng(w.key, month, Stream::SharedMarket);
                    let u: f64 = StandardUniform.sample(&mut rng);
                    u * series.period_s()
                }
                None => 0.0,
            };
            MonthWorkload {
                spot,
                clock_base_s,
                price_base_s,
            }
        })
        .collect();

    let submissions = submissions(model, month);
    let run_job = |job: &Submission, created_s: f64, interrupted: &mut Vec<f64>| -> JobFate {
        let workload = &model.workloads[job.workload as usize];
        let month_workload = &month_workloads[job.workload as usize];
        let run = (month << 32) | u64::from(job.seq);
        let clock_s = month_workload.clock_base_s + created_s;
        let price_s = month_workload.price_base_s + created_s;
        let job_rng = || run_rng(workload.key, run, Stream::Job);
        let market_rng = || run_rng(workload.key, run, Stream::Market);
        let on_demand = simulate_at(
            &workload.on_demand,
            clock_s,
            price_s,
            &mut job_rng(),
            &mut market_rng(),
            &mut NoObserver,
            stop,
        );
        let mut observer = Interruptions {
            created_s,
            at_s: interrupted,
            fallback_at_s: None,
        };
        let record = match &month_workload.spot {
            Some(spot) => simulate_at(
                spot,
                clock_s,
                price_s,
                &mut job_rng(),
                &mut market_rng(),
                &mut observer,
                stop,
            ),
            None => on_demand,
        };
        let fallback = workload
            .fallback
            .zip(observer.fallback_at_s)
            .map(|(pool, at_s)| FallbackLeg {
                spot_ended_s: created_s + at_s - pool.reaction_s,
                requested_s: created_s + at_s,
                duration_s: record.wall_s - at_s,
                created_s: None,
            });
        JobFate {
            created_s,
            ended_s: created_s + record.wall_s,
            record,
            on_demand_cost_usd: on_demand.cost_usd,
            fallback,
        }
    };

    // The queue simulation: submissions in time order, releases (time, job, pool) and the
    // fallbacks' requests for on-demand jobs (time, job) from heaps. A queue holds jobs by
    // index, `true` for a fallback's on-demand job.
    let mut created: Vec<Option<JobFate>> = vec![None; submissions.len()];
    let mut interrupted: Vec<Vec<f64>> = vec![Vec::new(); model.types.len()];
    let mut in_use: Vec<u64> = vec![0; model.pools.len()];
    let mut queues: Vec<VecDeque<(usize, bool)>> = vec![VecDeque::new(); model.pools.len()];
    let mut releases: Releases = BinaryHeap::new();
    let mut requests: Requests = BinaryHeap::new();
    let fits = |pool: usize, in_use: &[u64], instances: u32| {
        model.pools[pool]
            .quota
            .is_none_or(|quota| in_use[pool] + u64::from(instances) <= u64::from(quota))
    };
    let mut create = |index: usize,
                      at_s: f64,
                      in_use: &mut [u64],
                      releases: &mut Releases,
                      requests: &mut Requests,
                      created: &mut [Option<JobFate>]| {
        let job = &submissions[index];
        let workload = &model.workloads[job.workload as usize];
        let fate = run_job(job, at_s, &mut interrupted[workload.type_index]);
        in_use[workload.pool] += u64::from(workload.instances);
        match fate.fallback {
            // The spot job frees its instances when it ends; its on-demand job is asked for.
            Some(leg) => {
                releases.push(Reverse((At(leg.spot_ended_s), index, workload.pool)));
                requests.push(Reverse((At(leg.requested_s), index)));
            }
            None => releases.push(Reverse((At(fate.ended_s), index, workload.pool))),
        }
        created[index] = Some(fate);
    };
    // A fallback's on-demand job created at `at_s`: the engine's on-demand job, shifted.
    let create_on_demand = |index: usize,
                            at_s: f64,
                            in_use: &mut [u64],
                            releases: &mut Releases,
                            created: &mut [Option<JobFate>]| {
        let workload = &model.workloads[submissions[index].workload as usize];
        let (Some(fate), Some(pool)) = (created[index].as_mut(), workload.fallback) else {
            return;
        };
        let Some(leg) = fate.fallback.as_mut() else {
            return;
        };
        leg.created_s = Some(at_s);
        fate.ended_s = at_s + leg.duration_s;
        in_use[pool.pool] += u64::from(workload.instances);
        releases.push(Reverse((At(fate.ended_s), index, pool.pool)));
    };
    let mut next = 0;
    loop {
        if stopped() {
            break;
        }
        // The earliest event; at equal times releases first, then requests, then submissions.
        let release_s = releases.peek().map(|Reverse((At(t), _, _))| *t);
        let request_s = requests.peek().map(|Reverse((At(t), _))| *t);
        let submission_s = submissions.get(next).map(|job| job.at_s);
        let first = [release_s, request_s, submission_s]
            .into_iter()
            .enumerate()
            .filter_map(|(kind, t)| t.map(|t| (t, kind)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let Some((_, kind)) = first else { break };
        match kind {
            0 => {
                let Some(Reverse((At(at_s), index, pool))) = releases.pop() else {
                    break;
                };
                let workload = &model.workloads[submissions[index].workload as usize];
                in_use[pool] -= u64::from(workload.instances);
                // Strict FIFO: the head of the queue goes first, even if a later job would fit.
                while let Some(&(head, on_demand)) = queues[pool].front() {
                    let instances = model.workloads[submissions[head].workload as usize].instances;
                    if !fits(pool, &in_use, instances) {
                        break;
                    }
                    queues[pool].pop_front();
                    if on_demand {
                        create_on_demand(head, at_s, &mut in_use, &mut releases, &mut created);
                    } else {
                        create(
                            head,
                            at_s,
                            &mut in_use,
                            &mut releases,
                            &mut requests,
                            &mut created,
                        );
                    }
                }
            }
            1 => {
                let Some(Reverse((At(at_s), index))) = requests.pop() else {
                    break;
                };
                let workload = &model.workloads[submissions[index].workload as usize];
                let Some(pool) = workload.fallback.map(|f| f.pool) else {
                    continue;
                };
                if queues[pool].is_empty() && fits(pool, &in_use, workload.instances) {
                    create_on_demand(index, at_s, &mut in_use, &mut releases, &mut created);
                } else {
                    queues[pool].push_back((index, true));
                }
            }
            _ => {
                let index = next;
                next += 1;
                let job = &submissions[index];
                let workload = &model.workloads[job.workload as usize];
                if queues[workload.pool].is_empty()
                    && fits(workload.pool, &in_use, workload.instances)
                {
                    create(
                        index,
                        job.at_s,
                        &mut in_use,
                        &mut releases,
                        &mut requests,
                        &mut created,
                    );
                } else {
                    queues[workload.pool].push_back((index, false));
                }
            }
        }
    }

    // What the month's jobs did.
    let mut result = MonthResult {
        jobs: 0,
        cost_usd: 0.0,
        on_demand_cost_usd: 0.0,
        instance_hours: 0.0,
        held_instance_hours: 0.0,
        outcomes: [0; 4],
        queue_wait_sum_s: 0.0,
        queued_jobs: 0,
        queue_waits: QuantileStore::new(),
        workloads: vec![WorkloadMonth::default(); model.workloads.len()],
        pools: Vec::new(),
        types: Vec::new(),
        interruptions: 0,
        reclaim_events: 0,
        largest_simultaneous: 0,
    };
    let mut pool_changes: Vec<Vec<(f64, i64)>> = vec![Vec::new(); model.pools.len()];
    for (job, fate) in submissions.iter().zip(&created) {
        // Every job fits its empty pool (validated), so every one is created in the end.
        let Some(fate) = fate else { continue };
        let workload = &model.workloads[job.workload as usize];
        let instances = f64::from(workload.instances);
        let n = i64::from(workload.instances);
        // The spot job holds its pool until it ends; a fallback's on-demand job holds the
        // on-demand pool from its creation to its end, after its own wait in that queue.
        let (spot_ended_s, on_demand_leg) = match (fate.fallback, workload.fallback) {
            (Some(leg), Some(pool)) => {
                let od_created_s = leg.created_s.unwrap_or(fate.ended_s);
                (
                    leg.spot_ended_s,
                    Some((pool.pool, od_created_s, od_created_s - leg.requested_s)),
                )
            }
            _ => (fate.ended_s, None),
        };
        pool_changes[workload.pool].push((fate.created_s, n));
        pool_changes[workload.pool].push((spot_ended_s, -n));
        if let Some((pool, od_created_s, _)) = on_demand_leg {
            pool_changes[pool].push((od_created_s, n));
            pool_changes[pool].push((fate.ended_s, -n));
        }
        if !job.in_month {
            continue;
        }
        let fallback_wait_s = on_demand_leg.map_or(0.0, |(_, _, wait_s)| wait_s);
        let wait_s = fate.created_s - job.at_s + fallback_wait_s;
        let held_s = instances
            * (spot_ended_s - fate.created_s
                + on_demand_leg.map_or(0.0, |(_, od_created_s, _)| fate.ended_s - od_created_s));
        let outcome = if fate.ended_s > end_s {
            3
        } else {
            match fate.record.outcome {
                Outcome::Completed => 0,
                Outcome::MaxRuntimeExceeded => 1,
                Outcome::MaxWaitTimeExceeded => 2,
            }
        };
        result.jobs += 1;
        result.cost_usd += fate.record.cost_usd;
        result.on_demand_cost_usd += fate.on_demand_cost_usd;
        result.instance_hours += fate.record.training_s * instances / 3_600.0;
        result.held_instance_hours += held_s / 3_600.0;
        result.outcomes[outcome] += 1;
        result.queue_wait_sum_s += wait_s;
        result.queued_jobs += u64::from(wait_s > 0.0);
        result.queue_waits.push(wait_s);
        let by_workload = &mut result.workloads[job.workload as usize];
        by_workload.jobs += 1;
        by_workload.cost_usd += fate.record.cost_usd;
        by_workload.on_demand_cost_usd += fate.on_demand_cost_usd;
        by_workload.outcomes[outcome] += 1;
        by_workload.queue_wait_sum_s += wait_s;
        by_workload.held_instance_s += held_s;
    }
    for changes in &mut pool_changes {
        // Releases before creations at the same moment: a job that ends frees its instances
        // for the one created then.
        changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    result.pools = pool_changes
        .iter()
        .map(|changes| concurrency(changes, model))
        .collect();
    result.types = (0..model.types.len())
        .map(|type_index| {
            let mut changes: Vec<(f64, i64)> = model
                .pools
                .iter()
                .zip(&pool_changes)
                .filter(|(pool, _)| pool.type_index == type_index)
                .flat_map(|(_, changes)| changes.iter().copied())
                .collect();
            changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            concurrency(&changes, model)
        })
        .collect();
    for times in &mut interrupted {
        times.retain(|t| (warmup_s..end_s).contains(t));
        times.sort_by(f64::total_cmp);
        result.interruptions += times.len() as u64;
        let mut run = 0u64;
        for (i, t) in times.iter().enumerate() {
            if i > 0 && times[i - 1] == *t {
                run += 1;
            } else {
                result.reclaim_events += 1;
                run = 1;
            }
            result.largest_simultaneous = result.largest_simultaneous.max(run);
        }
    }
    result
}

/// The month's submissions, in time order, warm-up first.
fn submissions(model: &FleetModel, month: u64) -> Vec<Submission> {
    let warmup_s = model.warmup_s;
    let horizon_s = model.horizon_s;
    let mut all = Vec::new();
    for (index, workload) in model.workloads.iter().enumerate() {
        let mut rng = run_rng(workload.key, month, Stream::Arrivals);
        let mut seq = 0u32;
        // The warm-up is the end of the month before: its submissions under the same count
        // limit, kept from `-warmup` on.
        if warmup_s > 0.0 {
            for at_s in month_times(workload, horizon_s, &mut rng) {
                let t_s = at_s - horizon_s;
                if t_s >= -warmup_s {
                    all.push(Submission {
                        at_s: t_s + warmup_s,
                        workload: index as u32,
                        seq,
                        in_month: false,
                    });
                    seq += 1;
                }
            }
        }
        for at_s in month_times(workload, horizon_s, &mut rng) {
            all.push(Submission {
                at_s: at_s + warmup_s,
                workload: index as u32,
                seq,
                in_month: true,
            });
            seq += 1;
        }
    }
    all.sort_by(|a, b| {
        a.at_s
            .total_cmp(&b.at_s)
            .then(a.workload.cmp(&b.workload))
            .then(a.seq.cmp(&b.seq))
    });
    all
}

/// A workload's submission times in one month `[0, horizon_s)`, at most `count` of them.
fn month_times(workload: &WorkloadModel, horizon_s: f64, rng: &mut RunRng) -> Vec<f64> {
    let limit = workload.count.unwrap_or(u64::MAX) as usize;
    let mut times = Vec::new();
    match &workload.arrivals {
        Arrivals::Poisson { per_day } => {
            let mean_gap_s = DAY_S / per_day;
            let mut t_s = 0.0;
            loop {
                let gap: f64 = Exp1.sample(rng);
                t_s += gap * mean_gap_s;
                if t_s >= horizon_s || times.len() >= limit {
                    break;
                }
                times.push(t_s);
            }
        }
        Arrivals::Daily { times_s } => {
            let days = (horizon_s / DAY_S).ceil() as u64;
            'days: for day in 0..days {
                for time_s in times_s {
                    let t_s = day as f64 * DAY_S + time_s;
                    if t_s >= horizon_s || times.len() >= limit {
                        break 'days;
                    }
                    times.push(t_s);
                }
            }
        }
        Arrivals::Planned { times_s, .. } => {
            times.extend(
                times_s
                    .iter()
                    .copied()
                    .filter(|t| *t < horizon_s)
                    .take(limit),
            );
        }
    }
    times
}

/// A Markov market's path over `[0, length_s)`: alternating available and unavailable
/// periods of exponential lengths, starting in the stationary state.
fn markov_path<R: Rng + ?Sized>(
    mean_available_s: f64,
    mean_unavailable_s: f64,
    length_s: f64,
    rng: &mut R,
) -> Availability {
    let u: f64 = StandardUniform.sample(rng);
    let mut available = u * (mean_available_s + mean_unavailable_s) < mean_available_s;
    let mut up = Vec::new();
    let mut t_s = 0.0;
    while t_s < length_s {
        let e: f64 = Exp1.sample(rng);
        let mean_s = if available {
            mean_available_s
        } else {
            mean_unavailable_s
        };
        let end_s = (t_s + e * mean_s).min(length_s);
        if available && end_s > t_s {
            up.push((t_s, end_s));
        }
        t_s = end_s;
        available = !available;
    }
    Availability::from_intervals(up, length_s)
}

/// Instances in progress over the month `[warmup, warmup + horizon)`, from the changes
/// `(time, ±instances)` sorted by time, releases first at equal times.
fn concurrency(changes: &[(f64, i64)], model: &FleetModel) -> PoolMonth {
    let start_s = model.warmup_s;
    let end_s = start_s + model.horizon_s;
    let sample_s = |k: usize| start_s + k as f64 * model.grid_step_s;
    let mut level: i64 = 0;
    let mut i = 0;
    // The month opens with the jobs created before it and still in progress.
    while i < changes.len() && changes[i].0 <= start_s {
        level += changes[i].1;
        i += 1;
    }
    let mut peak = level;
    // Seconds spent at each level within the month.
    let mut time_at: Vec<f64> = Vec::new();
    let add_time = |time_at: &mut Vec<f64>, level: i64, seconds: f64| {
        let index = level.max(0) as usize;
        if time_at.len() <= index {
            time_at.resize(index + 1, 0.0);
        }
        time_at[index] += seconds;
    };
    let mut grid = vec![0u32; model.grid_points];
    let mut sampled = 0;
    let mut since_s = start_s;
    while i < changes.len() && changes[i].0 < end_s {
        let t_s = changes[i].0;
        // A sample taken before this moment sees the level before it.
        while sampled < grid.len() && sample_s(sampled) < t_s {
            grid[sampled] = level.max(0) as u32;
            sampled += 1;
        }
        add_time(&mut time_at, level, t_s - since_s);
        since_s = t_s;
        // Releases come first at one moment, so the level after all of them is the highest.
        while i < changes.len() && changes[i].0 == t_s {
            level += changes[i].1;
            i += 1;
        }
        peak = peak.max(level);
    }
    for sample in &mut grid[sampled..] {
        *sample = level.max(0) as u32;
    }
    add_time(&mut time_at, level, end_s - since_s);
    let total_s: f64 = time_at.iter().sum();
    let mean = time_at
        .iter()
        .enumerate()
        .map(|(level, seconds)| level as f64 * seconds)
        .sum::<f64>()
        / total_s;
    let mut p95 = 0.0;
    let mut covered_s = 0.0;
    for (level, seconds) in time_at.iter().enumerate() {
        covered_s += seconds;
        if covered_s >= 0.95 * total_s {
            p95 = level as f64;
            break;
        }
    }
    PoolMonth {
        mean,
        p95,
        peak: peak as f64,
        grid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_fleet;

    /// An on-demand workload of constant `training` with no other phase, submitted daily `at`.
    fn workload(name: &str, at: &str, training: &str) -> String {
        format!(
            r#"
[[workload]]
name = "{name}"
arrivals = {{ at = [{at}] }}
[workload.scenario.job]
instance_type = "ml.m5.large"
training = "{training}"
provisioning = "0s"
download = "0s"
upload = "0s"
[workload.scenario.pricing]
on_demand_hourly = 1
"#
        )
    }

    fn month_of(text: &str) -> (FleetModel, MonthResult) {
        let fleet = parse_fleet(text, "test.toml").unwrap();
        let model = FleetModel::new(&fleet);
        let month = simulate_month(&model, 0);
        (model, month)
    }

    #[test]
    fn a_full_quota_queues_jobs_first_in_first_out() {
        let text = format!(
            "horizon = \"1d\"\nwarmup = \"0s\"\n{}{}\n[quota.\"ml.m5.large\"]\non_demand = 1\n",
            workload("long", "\"00:00\"", "2h"),
            workload("short", "\"00:30\", \"00:45\"", "1h"),
        );
        let (model, month) = month_of(&text);
        // long: 0h–2h; short 1: submitted 0:30, created 2h, ends 3h; short 2: 0:45, 3h, 4h.
        assert_eq!(month.jobs, 3);
        assert_eq!(month.queue_wait_sum_s, 1.5 * 3_600.0 + 2.25 * 3_600.0);
        assert_eq!(month.queued_jobs, 2);
        assert_eq!(month.workloads[1].queue_wait_sum_s, 3.75 * 3_600.0);
        assert_eq!(month.cost_usd, 4.0);
        assert_eq!(month.held_instance_hours, 4.0);
        assert_eq!(month.outcomes, [3, 0, 0, 0]);
        let pool = &month.pools[0];
        assert_eq!(model.pools[0].quota, Some(1));
        assert!((pool.mean - 4.0 / 24.0).abs() < 1e-12);
        assert_eq!(pool.peak, 1.0);
        // Level 1 for 4 h of 24: less than 95 % of the month at 0.
        assert_eq!(pool.p95, 1.0);
        assert_eq!(&pool.grid[..6], &[1, 1, 1, 1, 0, 0]);
        assert_eq!(pool.grid.len(), 24);
    }

    #[test]
    fn the_warm_up_opens_the_month_with_last_months_jobs() {
        let text = format!(
            "horizon = \"2d\"\nwarmup = \"1d\"\n{}",
            workload("nightly", "\"23:00\"", "2h")
        );
        let (_, month) = month_of(&text);
        // In the month: the jobs of 23:00 on days 1 and 2; the second ends after the horizon.
        assert_eq!(month.jobs, 2);
        assert_eq!(month.outcomes, [1, 0, 0, 1]);
        assert_eq!(month.cost_usd, 4.0);
        // Busy 0h–1h (last month's job), 23h–25h and 47h–48h: 4 h of 48.
        let pool = &month.pools[0];
        assert!((pool.mean - 4.0 / 48.0).abs() < 1e-12, "{}", pool.mean);
        assert_eq!(pool.grid[0], 1);
        assert_eq!(pool.grid[1], 0);
        assert_eq!(pool.grid[23], 1);
    }

    #[test]
    fn a_month_depends_on_its_index_only() {
        let text = format!("horizon = \"3d\"\n{}", workload("a", "\"09:00\"", "1h")).replace(
            "arrivals = { at = [\"09:00\"] }",
            "arrivals = { per_day = 20 }",
        );
        let fleet = parse_fleet(&text, "test.toml").unwrap();
        let model = FleetModel::new(&fleet);
        assert_eq!(simulate_month(&model, 7), simulate_month(&model, 7));
        assert_ne!(simulate_month(&model, 7), simulate_month(&model, 8));
    }

    #[test]
    fn a_markov_path_alternates_from_the_stationary_state() {
        let mut rng = run_rng(1, 0, Stream::SharedMarket);
        let path = markov_path(6.0 * 3_600.0, 3_600.0, 1_000.0 * 3_600.0, &mut rng);
        // Available 6/7 of the time, to within a few percent over ~140 cycles.
        assert!((path.share() - 6.0 / 7.0).abs() < 0.03, "{}", path.share());
    }

    /// A spot workload that never gets capacity and whose scheduler goes on-demand after one
    /// hour of waiting, submitted at `at`.
    fn fallback_workload(at: &str) -> String {
        workload("a", at, "2h").replace(
            "[workload.scenario.pricing]",
            "[workload.scenario.stopping]\nmax_wait = \"2d\"\n[workload.scenario.spot]\n\
             enabled = true\ncapacity_wait = \"never\"\ntime_to_interruption = \"1d\"\n\
             discount = 0.7\n[workload.scenario.fallback]\nwhen = \"waiting\"\n\
             waiting = \"1h\"\n[workload.scenario.pricing]",
        )
    }

    #[test]
    fn fallback_jobs_queue_for_the_on_demand_quota() {
        let text = format!(
            "horizon = \"1d\"\nwarmup = \"0s\"\n{}\n[quota.\"ml.m5.large\"]\non_demand = 1\n",
            fallback_workload("\"00:00\", \"00:10\"")
        );
        let (model, month) = month_of(&text);
        // Job 1: spot 0:00–1:00 (waits, stopped by the scheduler), on-demand 1:00–3:00.
        // Job 2: spot 0:10–1:10; its on-demand job waits for job 1's: 3:00–5:00.
        assert_eq!(month.jobs, 2);
        assert_eq!(month.outcomes, [2, 0, 0, 0]);
        assert_eq!(month.queued_jobs, 1);
        assert!((month.queue_wait_sum_s - (3.0 * 3_600.0 - 70.0 * 60.0)).abs() < 1e-6);
        // Only the on-demand jobs are billed: 2 h each at $1/h.
        assert!((month.cost_usd - 4.0).abs() < 1e-9, "{}", month.cost_usd);
        // Held: 1 h of spot and 2 h on-demand per job.
        assert!((month.held_instance_hours - 6.0).abs() < 1e-9);
        let on_demand = model.pools.iter().position(|p| !p.key.spot).unwrap();
        let spot = model.pools.iter().position(|p| p.key.spot).unwrap();
        assert_eq!(model.pools[on_demand].quota, Some(1));
        let pool = &month.pools[on_demand];
        assert_eq!(pool.peak, 1.0);
        assert_eq!(&pool.grid[..6], &[0, 1, 1, 1, 1, 0]);
        assert!((pool.mean - 4.0 / 24.0).abs() < 1e-12);
        let pool = &month.pools[spot];
        assert_eq!(pool.peak, 2.0);
        assert_eq!(&pool.grid[..3], &[1, 1, 0]);

        // Without a quota both on-demand jobs run at once: no queue, the same cost.
        let (_, free) = month_of(&text.replace("on_demand = 1", "on_demand = 2"));
        assert_eq!(free.queued_jobs, 0);
        assert_eq!(free.queue_wait_sum_s, 0.0);
        assert_eq!(free.cost_usd, month.cost_usd);
        assert_eq!(free.pools[on_demand].peak, 2.0);
    }

    #[test]
    fn a_fallback_larger_than_the_on_demand_quota_is_refused() {
        let text = format!(
            "horizon = \"1d\"\nwarmup = \"0s\"\n{}\n[quota.\"ml.m5.large\"]\non_demand = 1\n",
            fallback_workload("\"00:00\"").replace(
                "[workload.scenario.job]",
                "[workload.scenario.job]\ninstance_count = 2",
            )
        );
        let errors = parse_fleet(&text, "test.toml").unwrap_err().to_string();
        assert!(
            errors.contains(
                "needs 2 instances per job but quota.\"ml.m5.large\".on_demand is 1: the \
                 on-demand jobs of its [fallback] could never start"
            ),
            "{errors}"
        );
    }
}
