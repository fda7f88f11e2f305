//! Fleets: many training jobs a month sharing service quotas and spot markets.
//!
//! A fleet file (`spotsim fleet FLEET.toml`, format in `docs/fleet.md`) names workloads (a
//! scenario's job submitted again and again by an arrival process), the quotas of concurrent
//! instances per instance type for spot and on-demand training, and the market each instance
//! type's spot jobs share. [`simulate_month`] replays one month; [`summarise`] turns many
//! months into the figures of a capacity-planning review. Every month depends only on the
//! seed and its index, so results are the same for any number of threads.

mod sim;
mod summary;

pub use crate::scenario::fleet::{
    Arrivals, DEFAULT_FLEET_RUNS, Fleet, MAX_FLEET_JOBS, MAX_FLEET_RUNS, MAX_HORIZON_S,
    MAX_JOBS_PER_MONTH, PoolKey, Quota, Workload, expected_jobs_per_month, is_fleet_text,
};
pub use crate::scenario::parse_fleet;
pub use sim::{
    FleetModel, MonthResult, PoolMonth, WorkloadMonth, simulate_month, simulate_month_until,
};
pub use summary::{
    ConcurrencySummary, FleetReport, FleetShares, Fold, InterruptionSummary, PoolBand,
    PoolConcurrency, WorkloadSummary, fold_months, run_fleet, run_fleet_counted, summarise,
};
