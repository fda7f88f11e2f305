//! Many simulated months of a fleet → the figures of a capacity-planning review.
//!
//! Months are simulated in parallel in chunks and folded in month order, so every figure is
//! the same for any number of threads. Monthly figures (cost, instance-hours, concurrency) are
//! summarised over months with [`Summary::of`]: the mean, its standard error and percentiles
//! of the month-to-month distribution. Per-job figures (queue wait, outcome shares) pool the
//! jobs of all months: the mean queue wait is the ratio Σ wait / Σ jobs, with the standard
//! error of a ratio of per-month sums (delta method; Cochran 1977, §6.4), since jobs of one
//! month share its queue and are not independent.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::sim::{FleetModel, MonthResult, PoolMonth, simulate_month_until};
use super::{Arrivals, Fleet, PoolKey};
use crate::montecarlo::cancel::Cancel;
use crate::stats::sketch::QuantileStore;
use crate::stats::summary::Summary;

/// Months simulated at once per thread: enough to keep every thread busy, few enough to keep
/// their records (a month's queue waits are kept exactly up to 131,072 jobs) small in memory.
/// Months are folded in month order, so the chunk size changes no figure.
const CHUNK_MONTHS_PER_THREAD: u64 = 16;

/// The summary of a fleet simulation.
#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    /// spotsim's version.
    pub spotsim_version: &'static str,
    /// The fleet file.
    pub fleet: String,
    /// Simulated months.
    pub runs: u64,
    /// Length of a month, seconds.
    pub horizon_s: f64,
    /// Simulated time before each month, seconds.
    pub warmup_s: f64,
    /// The seed.
    pub seed: u64,
    /// Jobs submitted per month.
    pub jobs: Summary,
    /// What a month's jobs cost.
    pub cost_usd: Summary,
    /// What they cost all on-demand.
    pub on_demand_cost_usd: Summary,
    /// `100 · (1 − mean cost / mean on-demand cost)`.
    pub savings_vs_on_demand_pct: f64,
    /// Billed instance-hours per month (TrainingTimeInSeconds × InstanceCount).
    pub instance_hours: Summary,
    /// Instance-hours held against quotas per month (creation to end).
    pub held_instance_hours: Summary,
    /// Queue wait per job (submission to creation); `None` when no job was submitted.
    pub queue_wait_s: Option<Summary>,
    /// Share of jobs that waited in a queue at all.
    pub queued_share: f64,
    /// Shares of jobs by their status at the horizon.
    pub outcomes: FleetShares,
    /// Instances in progress, per instance type.
    pub concurrent_instances: BTreeMap<String, ConcurrencySummary>,
    /// Reclaims and how many jobs they hit at once.
    pub interruptions: InterruptionSummary,
    /// Per workload, in file order.
    pub workloads: Vec<WorkloadSummary>,
    /// Month-by-month figures, for CSV and charts.
    #[serde(skip)]
    pub months: Vec<MonthResult>,
    /// Concurrency over the month per pool (median and p90 over months), for the charts.
    #[serde(skip)]
    pub bands: Vec<PoolBand>,
}

/// Shares of jobs by their status at the horizon; they add up to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FleetShares {
    /// Completed by the horizon.
    pub completed: f64,
    /// Stopped by MaxRuntime by the horizon.
    pub max_runtime_exceeded: f64,
    /// Stopped by MaxWait by the horizon.
    pub max_wait_time_exceeded: f64,
    /// Still queued or in progress at the horizon.
    pub unfinished: f64,
}

impl FleetShares {
    fn of(counts: [u64; 4]) -> FleetShares {
        let total = counts.iter().sum::<u64>().max(1) as f64;
        FleetShares {
            completed: counts[0] as f64 / total,
            max_runtime_exceeded: counts[1] as f64 / total,
            max_wait_time_exceeded: counts[2] as f64 / total,
            unfinished: counts[3] as f64 / total,
        }
    }
}

/// Instances of one type in progress over a month, both sides together and by side.
#[derive(Debug, Clone, Serialize)]
pub struct ConcurrencySummary {
    /// Time-weighted mean over the month.
    pub mean: Summary,
    /// Time-weighted 95th percentile over the month.
    pub p95: Summary,
    /// The month's peak.
    pub peak: Summary,
    /// Spot training jobs, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spot: Option<PoolConcurrency>,
    /// On-demand training jobs, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_demand: Option<PoolConcurrency>,
}

/// One pool's concurrency against its quota.
#[derive(Debug, Clone, Serialize)]
pub struct PoolConcurrency {
    /// The quota; `None`: unlimited.
    pub quota: Option<u32>,
    /// Time-weighted mean over the month.
    pub mean: Summary,
    /// Time-weighted 95th percentile over the month.
    pub p95: Summary,
    /// The month's peak.
    pub peak: Summary,
}

/// Interruptions during the month.
#[derive(Debug, Clone, Serialize)]
pub struct InterruptionSummary {
    /// Interruptions per month (a reclaim that stops three jobs counts three).
    pub per_month: Summary,
    /// Distinct moments per month at which reclaims interrupted jobs.
    pub reclaim_events: Summary,
    /// Jobs interrupted per reclaim event, over all months.
    pub jobs_per_reclaim: Option<f64>,
    /// Most jobs of one instance type interrupted at the same moment, per month.
    pub largest_simultaneous: Summary,
}

/// One workload over all months.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadSummary {
    /// Its name.
    pub name: String,
    /// The scenario file, or `inline`.
    pub source: String,
    /// Instance type.
    pub instance_type: String,
    /// Instances per job.
    pub instance_count: u32,
    /// Whether its jobs use spot.
    pub spot: bool,
    /// Its arrival process.
    pub arrivals: Arrivals,
    /// Jobs submitted per month.
    pub jobs: Summary,
    /// What its jobs cost per month.
    pub cost_usd: Summary,
    /// What they would cost on-demand per month.
    pub on_demand_cost_usd: Summary,
    /// Mean cost per job over all months.
    pub cost_per_job_usd: Option<f64>,
    /// Mean queue wait per job over all months.
    pub mean_queue_wait_s: Option<f64>,
    /// Mean instance-seconds held per job (creation to end, × instances).
    pub mean_held_instance_s: Option<f64>,
    /// Shares of its jobs by status at the horizon.
    pub outcomes: FleetShares,
}

/// Concurrency over the month for one pool, across months.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolBand {
    /// The pool.
    pub key: PoolKey,
    /// Its quota.
    pub quota: Option<u32>,
    /// Seconds between samples.
    pub step_s: f64,
    /// Median over months of the level at each sample.
    pub p50: Vec<u32>,
    /// 90th percentile over months of the level at each sample.
    pub p90: Vec<u32>,
    /// The highest level of any month at each sample.
    pub max: Vec<u32>,
    /// With a quota: the share of the samples of all months at which the pool held its whole
    /// quota, an estimate of the share of the time spent at the quota.
    pub at_quota_share: Option<f64>,
}

/// Simulates every month of `fleet` and summarises them.
pub fn run_fleet(fleet: &Fleet, file: &str) -> Option<FleetReport> {
    run_fleet_counted(fleet, file, &AtomicU64::new(0), &Cancel::new())
}

/// As [`run_fleet`], adding each finished month to `done` (for a progress bar). `None` when
/// a stop was requested through `cancel`.
pub fn run_fleet_counted(
    fleet: &Fleet,
    file: &str,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Option<FleetReport> {
    let model = FleetModel::new(fleet);
    let fold = fold_months(&model, 0..fleet.runs, done, cancel)?;
    Some(summarise(fleet, file, &model, fold))
}

/// Simulates months `months` of the fleet (a shard's share, or all of them) on the current
/// rayon pool and folds them in month order, adding each finished month to `done`. `None`
/// when a stop was requested through `cancel`.
pub fn fold_months(
    model: &FleetModel,
    months: Range<u64>,
    done: &AtomicU64,
    cancel: &Cancel,
) -> Option<Fold> {
    let mut fold = Fold::new(model);
    let mut start = months.start;
    while start < months.end {
        let chunk = CHUNK_MONTHS_PER_THREAD * rayon::current_num_threads() as u64;
        let end = (start + chunk).min(months.end);
        // A month may be long (hundreds of thousands of jobs): it polls the stop flag itself.
        let months: Vec<Option<MonthResult>> = (start..end)
            .into_par_iter()
            .map(|month| {
                if cancel.requested() {
                    return None;
                }
                let result = simulate_month_until(model, month, Some(cancel.flag()));
                done.fetch_add(1, Ordering::Relaxed);
                Some(result)
            })
            .collect();
        if cancel.requested() {
            return None;
        }
        for month in months {
            fold.push(month?);
        }
        start = end;
    }
    Some(fold)
}

/// What the months add up to, folded in month order: every month's record (its samples taken
/// out), the queue waits of all months' jobs, and per pool and sample time how many months
/// had each level. Folds of consecutive months append into the fold of them all, so shards of
/// the months merge into what one machine computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    months: Vec<MonthResult>,
    queue_waits: QuantileStore,
    /// Per pool, per sample: how many months had each level.
    histograms: Vec<Vec<Vec<u32>>>,
}

impl Fold {
    /// Nothing folded yet.
    pub fn new(model: &FleetModel) -> Fold {
        Fold {
            months: Vec::new(),
            queue_waits: QuantileStore::new(),
            histograms: vec![vec![Vec::new(); model.grid_points]; model.pools.len()],
        }
    }

    /// Months folded so far.
    pub fn months(&self) -> u64 {
        self.months.len() as u64
    }

    /// Adds the next month.
    pub fn push(&mut self, mut result: MonthResult) {
        self.queue_waits.merge(&result.queue_waits);
        result.queue_waits = QuantileStore::new();
        for (histograms, pool) in self.histograms.iter_mut().zip(&mut result.pools) {
            for (histogram, &level) in histograms.iter_mut().zip(&pool.grid) {
                let level = level as usize;
                if histogram.len() <= level {
                    histogram.resize(level + 1, 0);
                }
                histogram[level] += 1;
            }
            pool.grid = Vec::new();
        }
        self.months.push(result);
    }

    /// Appends the fold of the months that follow this one's.
    ///
    /// # Errors
    /// When `later` folds months of another fleet (other pools or sample times).
    pub fn append(&mut self, later: Fold) -> Result<(), String> {
        let shape = |f: &Fold| f.histograms.iter().map(Vec::len).collect::<Vec<_>>();
        if shape(self) != shape(&later) {
            return Err("the parts fold months of different fleets".to_string());
        }
        self.queue_waits.merge(&later.queue_waits);
        for (mine, theirs) in self.histograms.iter_mut().zip(later.histograms) {
            for (histogram, other) in mine.iter_mut().zip(theirs) {
                if histogram.len() < other.len() {
                    histogram.resize(other.len(), 0);
                }
                for (count, add) in histogram.iter_mut().zip(other) {
                    *count += add;
                }
            }
        }
        self.months.extend(later.months);
        Ok(())
    }
}

/// The summary of `fold`'s months.
pub fn summarise(fleet: &Fleet, file: &str, model: &FleetModel, fold: Fold) -> FleetReport {
    let rows = &fold.months;
    let column = |f: &dyn Fn(&MonthResult) -> f64| -> Summary {
        let mut values: Vec<f64> = rows.iter().map(f).collect();
        Summary::of(&mut values)
    };
    let jobs = column(&|r| r.jobs as f64);
    let cost_usd = column(&|r| r.cost_usd);
    let on_demand_cost_usd = column(&|r| r.on_demand_cost_usd);
    let total_jobs: u64 = rows.iter().map(|r| r.jobs).sum();
    let queued_jobs: u64 = rows.iter().map(|r| r.queued_jobs).sum();
    let wait_sums: Vec<f64> = rows.iter().map(|r| r.queue_wait_sum_s).collect();
    let job_counts: Vec<f64> = rows.iter().map(|r| r.jobs as f64).collect();
    let queue_wait_s = (total_jobs > 0).then(|| {
        let (mean, std_err) = ratio_mean(&wait_sums, &job_counts);
        Summary::from_parts(
            mean,
            std_err,
            fold.queue_waits.quantiles([0.5, 0.9, 0.95, 0.99]),
            (
                fold.queue_waits.min().unwrap_or(0.0),
                fold.queue_waits.max().unwrap_or(0.0),
            ),
        )
    });
    let mut outcome_counts = [0u64; 4];
    for row in rows {
        for (total, count) in outcome_counts.iter_mut().zip(row.outcomes) {
            *total += count;
        }
    }

    let mut concurrent_instances = BTreeMap::new();
    for (type_index, name) in model.types.iter().enumerate() {
        let of_type = |pick: fn(&PoolMonth) -> f64| {
            let mut values: Vec<f64> = rows.iter().map(|r| pick(&r.types[type_index])).collect();
            Summary::of(&mut values)
        };
        let pool = |spot: bool| {
            let index = model
                .pools
                .iter()
                .position(|p| p.type_index == type_index && p.key.spot == spot)?;
            let of_pool = |pick: fn(&PoolMonth) -> f64| {
                let mut values: Vec<f64> = rows.iter().map(|r| pick(&r.pools[index])).collect();
                Summary::of(&mut values)
            };
            Some(PoolConcurrency {
                quota: model.pools[index].quota,
                mean: of_pool(|p| p.mean),
                p95: of_pool(|p| p.p95),
                peak: of_pool(|p| p.peak),
            })
        };
        concurrent_instances.insert(
            name.clone(),
            ConcurrencySummary {
                mean: of_type(|p| p.mean),
                p95: of_type(|p| p.p95),
                peak: of_type(|p| p.peak),
                spot: pool(true),
                on_demand: pool(false),
            },
        );
    }

    let total_interruptions: u64 = rows.iter().map(|r| r.interruptions).sum();
    let total_events: u64 = rows.iter().map(|r| r.reclaim_events).sum();
    let interruptions = InterruptionSummary {
        per_month: column(&|r| r.interruptions as f64),
        reclaim_events: column(&|r| r.reclaim_events as f64),
        jobs_per_reclaim: (total_events > 0)
            .then(|| total_interruptions as f64 / total_events as f64),
        largest_simultaneous: column(&|r| r.largest_simultaneous as f64),
    };

    let workloads = fleet
        .workloads
        .iter()
        .enumerate()
        .map(|(index, workload)| {
            let months: Vec<&super::WorkloadMonth> =
                rows.iter().map(|m| &m.workloads[index]).collect();
            let of = |pick: fn(&super::WorkloadMonth) -> f64| {
                let mut values: Vec<f64> = months.iter().map(|m| pick(m)).collect();
                Summary::of(&mut values)
            };
            let jobs: u64 = months.iter().map(|m| m.jobs).sum();
            let per_job = |pick: fn(&super::WorkloadMonth) -> f64| {
                (jobs > 0).then(|| months.iter().map(|m| pick(m)).sum::<f64>() / jobs as f64)
            };
            let mut outcomes = [0u64; 4];
            for month in &months {
                for (total, count) in outcomes.iter_mut().zip(month.outcomes) {
                    *total += count;
                }
            }
            WorkloadSummary {
                name: workload.name.clone(),
                source: workload.source.clone(),
                instance_type: workload.instance_type.clone(),
                instance_count: workload.instance_count(),
                spot: workload.is_spot(),
                arrivals: workload.arrivals.clone(),
                jobs: of(|m| m.jobs as f64),
                cost_usd: of(|m| m.cost_usd),
                on_demand_cost_usd: of(|m| m.on_demand_cost_usd),
                cost_per_job_usd: per_job(|m| m.cost_usd),
                mean_queue_wait_s: per_job(|m| m.queue_wait_sum_s),
                mean_held_instance_s: per_job(|m| m.held_instance_s),
                outcomes: FleetShares::of(outcomes),
            }
        })
        .collect();

    let bands = model
        .pools
        .iter()
        .zip(&fold.histograms)
        .map(|(pool, histograms)| PoolBand {
            key: pool.key.clone(),
            quota: pool.quota,
            step_s: model.grid_step_s,
            p50: histograms
                .iter()
                .map(|h| histogram_quantile(h, 0.5))
                .collect(),
            p90: histograms
                .iter()
                .map(|h| histogram_quantile(h, 0.9))
                .collect(),
            max: histograms
                .iter()
                .map(|h| h.iter().rposition(|&c| c > 0).unwrap_or(0) as u32)
                .collect(),
            at_quota_share: pool.quota.map(|quota| share_at_or_above(histograms, quota)),
        })
        .collect();

    FleetReport {
        spotsim_version: env!("CARGO_PKG_VERSION"),
        fleet: file.to_string(),
        runs: rows.len() as u64,
        horizon_s: fleet.horizon_s,
        warmup_s: fleet.warmup_s,
        seed: fleet.seed,
        savings_vs_on_demand_pct: if on_demand_cost_usd.mean > 0.0 {
            100.0 * (1.0 - cost_usd.mean / on_demand_cost_usd.mean)
        } else {
            0.0
        },
        jobs,
        cost_usd,
        on_demand_cost_usd,
        instance_hours: column(&|r| r.instance_hours),
        held_instance_hours: column(&|r| r.held_instance_hours),
        queue_wait_s,
        queued_share: if total_jobs > 0 {
            queued_jobs as f64 / total_jobs as f64
        } else {
            0.0
        },
        outcomes: FleetShares::of(outcome_counts),
        concurrent_instances,
        interruptions,
        workloads,
        months: fold.months,
        bands,
    }
}

/// The share of all the samples of `histograms` (per sample time, months per level) at
/// `level` or above.
fn share_at_or_above(histograms: &[Vec<u32>], level: u32) -> f64 {
    let (mut at, mut all) = (0u64, 0u64);
    for histogram in histograms {
        for (index, &count) in histogram.iter().enumerate() {
            all += u64::from(count);
            if index as u64 >= u64::from(level) {
                at += u64::from(count);
            }
        }
    }
    if all == 0 {
        0.0
    } else {
        at as f64 / all as f64
    }
}

impl FleetReport {
    /// With a quota: the share of months whose peak reached the quota of pool `index` (of
    /// [`FleetReport::bands`]). The review and the concurrency chart both say it.
    pub fn peak_at_quota_share(&self, index: usize) -> Option<f64> {
        let quota = self.bands.get(index)?.quota?;
        let full = self
            .months
            .iter()
            .filter(|m| {
                m.pools
                    .get(index)
                    .is_some_and(|p| p.peak >= f64::from(quota))
            })
            .count();
        Some(full as f64 / self.months.len().max(1) as f64)
    }
}

/// `Σ y / Σ x` over months and its standard error by the delta method:
/// `se² = Σ (yᵢ − R xᵢ)² / (n (n − 1) x̄²)` (Cochran 1977, eq. 6.13).
fn ratio_mean(y: &[f64], x: &[f64]) -> (f64, Option<f64>) {
    let n = y.len() as f64;
    let sum_x: f64 = x.iter().sum();
    let ratio = y.iter().sum::<f64>() / sum_x;
    let std_err = (y.len() > 1).then(|| {
        let mean_x = sum_x / n;
        let residuals: f64 = y
            .iter()
            .zip(x)
            .map(|(yi, xi)| (yi - ratio * xi).powi(2))
            .sum();
        (residuals / (n * (n - 1.0)) / (mean_x * mean_x)).sqrt()
    });
    (ratio, std_err)
}

/// The `q` quantile (lower: the smallest level with at least `q` of the months at or below)
/// of a histogram of levels.
fn histogram_quantile(histogram: &[u32], q: f64) -> u32 {
    let total: u64 = histogram.iter().map(|&c| u64::from(c)).sum();
    let mut seen = 0u64;
    for (level, &count) in histogram.iter().enumerate() {
        seen += u64::from(count);
        if seen as f64 >= q * total as f64 {
            return level as u32;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_of_proportional_sums_has_no_spread() {
        let (ratio, se) = ratio_mean(&[2.0, 4.0, 6.0], &[1.0, 2.0, 3.0]);
        assert_eq!(ratio, 2.0);
        assert_eq!(se, Some(0.0));
    }

    #[test]
    fn the_share_at_a_quota_counts_every_sample_at_or_above_it() {
        // Two sample times: levels 0 ×3, 2 ×1; then 1 ×2, 2 ×1, 3 ×1.
        let histograms = vec![vec![3, 0, 1], vec![0, 2, 1, 1]];
        assert_eq!(share_at_or_above(&histograms, 2), 3.0 / 8.0);
        assert_eq!(share_at_or_above(&histograms, 0), 1.0);
        assert_eq!(share_at_or_above(&[], 2), 0.0);
    }

    #[test]
    fn histogram_quantiles_are_lower_levels() {
        // Levels 0 (×5), 1 (×4), 3 (×1).
        let histogram = [5, 4, 0, 1];
        assert_eq!(histogram_quantile(&histogram, 0.5), 0);
        assert_eq!(histogram_quantile(&histogram, 0.9), 1);
        assert_eq!(histogram_quantile(&histogram, 1.0), 3);
    }
}
