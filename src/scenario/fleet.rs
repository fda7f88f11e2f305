//! The typed model of a fleet file (`spotsim fleet`, `docs/fleet.md`): workloads with their
//! arrival processes, quotas per instance type and shared markets, as the fleet parser
//! (`parse/fleet.rs`) validates them. The simulation of a fleet is [`crate::fleet`]'s.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::scenario::{MarketSpec, Scenario, Warning};

/// Most simulated months in one fleet simulation.
pub const MAX_FLEET_RUNS: u64 = 100_000;
/// Most jobs one simulated month may submit (expected, over all workloads and the warm-up).
pub const MAX_JOBS_PER_MONTH: f64 = 2_000_000.0;
/// Most jobs one fleet simulation may submit over all its months (expected).
pub const MAX_FLEET_JOBS: f64 = 1e10;
/// Longest horizon: a year.
pub const MAX_HORIZON_S: f64 = 366.0 * 86_400.0;
/// Default number of simulated months.
pub const DEFAULT_FLEET_RUNS: u64 = 1_000;

/// Expected submissions of `workloads` in one month of `horizon_s` with a warm-up of
/// `warmup_s`, after `count` limits (the warm-up repeats the end of the month before).
pub fn expected_jobs_per_month<'a>(
    workloads: impl IntoIterator<Item = &'a Workload>,
    horizon_s: f64,
    warmup_s: f64,
) -> f64 {
    workloads
        .into_iter()
        .map(|w| {
            let month = w.arrivals.expected_between(0.0, horizon_s);
            let capped = w.count.map_or(month, |count| month.min(count as f64));
            capped * (1.0 + warmup_s / horizon_s)
        })
        .sum()
}

/// Whether `text` is a fleet file rather than a scenario: it has a top-level `workload` key
/// (`[[workload]]`). Text that is not TOML is not a fleet (the scenario parser then says why).
pub fn is_fleet_text(text: &str) -> bool {
    let (document, _) = toml::de::DeTable::parse_recoverable(text);
    document
        .get_ref()
        .iter()
        .any(|(key, _)| key.get_ref().as_ref() == "workload")
}

/// Whether `text` reads as a scenario file rather than a fleet file: a `[job]` table and no
/// `[[workload]]`, so a command given the wrong kind of file can say which command it is for.
pub fn is_scenario_text(text: &str) -> bool {
    let (document, _) = toml::de::DeTable::parse_recoverable(text);
    let keys: Vec<String> = document
        .get_ref()
        .iter()
        .map(|(key, _)| key.get_ref().to_string())
        .collect();
    keys.iter().any(|k| k == "job") && !keys.iter().any(|k| k == "workload")
}

/// A validated fleet file.
#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    /// Length of a simulated month, seconds.
    pub horizon_s: f64,
    /// Time simulated before the month starts, so that the month opens with the jobs of the
    /// previous one still running (they count toward quotas and concurrency, not cost).
    pub warmup_s: f64,
    /// Simulated months.
    pub runs: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// The workloads, in file order.
    pub workloads: Vec<Workload>,
    /// Quotas by instance type.
    pub quotas: BTreeMap<String, Quota>,
    /// Markets shared by all spot jobs of an instance type, by instance type.
    pub markets: BTreeMap<String, MarketSpec>,
    /// What the parser accepted but tells about (scenario notes, ignored scenario keys).
    #[serde(skip)]
    pub notes: Vec<Warning>,
}

impl Fleet {
    /// Expected submissions in one simulated month, warm-up included, after `count` limits.
    pub fn expected_jobs_per_month(&self) -> f64 {
        expected_jobs_per_month(&self.workloads, self.horizon_s, self.warmup_s)
    }

    /// Refuses a simulation too large to finish in reasonable time: more than
    /// [`MAX_FLEET_JOBS`] jobs over all months (about three hours on one core).
    pub fn check_size(&self) -> Result<(), String> {
        let total = self.expected_jobs_per_month() * self.runs as f64;
        if total > MAX_FLEET_JOBS {
            return Err(format!(
                "the fleet would simulate about {total:.2e} jobs ({} months of about {:.0}), more \
                 than spotsim simulates at once ({MAX_FLEET_JOBS:.0e}); lower runs (--runs) or \
                 the arrivals",
                self.runs,
                self.expected_jobs_per_month()
            ));
        }
        Ok(())
    }
}

/// `[quota."<instance type>"]`: most instances of the type in progress at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Quota {
    /// Spot training jobs (the "for spot training job usage" quota); `None`: unlimited.
    pub spot: Option<u32>,
    /// On-demand training jobs (the "for training job usage" quota); `None`: unlimited.
    pub on_demand: Option<u32>,
}

/// One `[[workload]]`: a job submitted by an arrival process.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    /// Name shown in outputs.
    pub name: String,
    /// Where the job came from: the scenario path, or `inline`.
    pub source: String,
    /// `ResourceConfig.InstanceType`.
    pub instance_type: String,
    /// The job (its `[simulation]` is not used: the fleet's runs and seed are).
    #[serde(skip)]
    pub scenario: Scenario,
    /// When jobs are submitted.
    pub arrivals: Arrivals,
    /// Most jobs submitted per month, if limited.
    pub count: Option<u64>,
}

impl Workload {
    /// Instances each job holds.
    pub fn instance_count(&self) -> u32 {
        self.scenario.job.instance_count
    }

    /// Whether the jobs use managed spot training.
    pub fn is_spot(&self) -> bool {
        self.scenario.is_spot()
    }
}

/// When a workload's jobs are submitted; times are seconds from the start of the month
/// (midnight of its first day).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Arrivals {
    /// A Poisson process of `per_day` jobs a day on average.
    Poisson {
        /// Mean jobs per day.
        per_day: f64,
    },
    /// Every day at these times of day (seconds after midnight, ascending).
    Daily {
        /// Times of day, seconds.
        times_s: Vec<f64>,
    },
    /// The same planned submission times every month, from a CSV file.
    Planned {
        /// The file as the fleet names it.
        file: String,
        /// Submission times, seconds from the month's start, ascending.
        times_s: Vec<f64>,
    },
}

impl Arrivals {
    /// Expected submissions in `[from_s, to_s)` before any `count` limit.
    pub fn expected_between(&self, from_s: f64, to_s: f64) -> f64 {
        let span_s = (to_s - from_s).max(0.0);
        match self {
            Arrivals::Poisson { per_day } => per_day * span_s / 86_400.0,
            Arrivals::Daily { times_s } => times_s.len() as f64 * (span_s / 86_400.0).ceil(),
            Arrivals::Planned { times_s, .. } => times_s.len() as f64,
        }
    }

    /// A short description: `40/day (Poisson)`, `daily at 09:00, 21:00`, `plan.csv (120 jobs)`.
    pub fn describe(&self) -> String {
        match self {
            Arrivals::Poisson { per_day } => format!("{per_day}/day (Poisson)"),
            Arrivals::Daily { times_s } => {
                let times: Vec<String> = times_s
                    .iter()
                    .map(|t| {
                        let minutes = (t / 60.0).round() as u64;
                        format!("{:02}:{:02}", minutes / 60, minutes % 60)
                    })
                    .collect();
                format!("daily at {}", times.join(", "))
            }
            Arrivals::Planned { file, times_s } => format!("{file} ({} jobs)", times_s.len()),
        }
    }
}

/// Where a pool's jobs run: one instance type, spot or on-demand.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PoolKey {
    /// The instance type.
    pub instance_type: String,
    /// Spot training (else on-demand).
    pub spot: bool,
}

impl PoolKey {
    /// `spot` or `on_demand`.
    pub fn side(&self) -> &'static str {
        if self.spot { "spot" } else { "on_demand" }
    }
}
