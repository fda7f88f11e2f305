//! `spotsim run --format json`: one JSON object, stable key order, no timings.

use serde::Serialize;

use super::RunReport;
use crate::montecarlo::precision::StoppedBy;
use crate::scenario::Scenario;
use crate::stats::summary::SideSummary;

#[derive(Serialize)]
struct JsonReport<'a> {
    spotsim_version: &'static str,
    name: &'a str,
    scenario: &'a Scenario,
    runs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    runs_cap: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_rse: Option<f64>,
    /// Present with a target; `null` when one run gave no standard error.
    #[serde(skip_serializing_if = "Option::is_none")]
    achieved_rse: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_by: Option<StoppedBy>,
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    spot: Option<&'a SideSummary>,
    on_demand: &'a SideSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    savings_vs_on_demand_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    savings_per_completed_job_pct: Option<f64>,
}

/// The report as pretty-printed JSON, ending with a newline.
pub fn render_json(report: &RunReport<'_>) -> String {
    let json = JsonReport {
        spotsim_version: env!("CARGO_PKG_VERSION"),
        name: report.name,
        scenario: report.scenario,
        runs: report.scenario.simulation.runs,
        runs_cap: report.precision.map(|p| p.runs_cap),
        target_rse: report.precision.map(|p| p.target_rse),
        achieved_rse: report.precision.map(|p| p.achieved_rse),
        stopped_by: report.precision.map(|p| p.stopped_by),
        seed: report.scenario.simulation.seed,
        spot: report.estimate.spot.as_ref(),
        on_demand: &report.estimate.on_demand,
        savings_vs_on_demand_pct: report.estimate.savings_vs_on_demand_pct,
        savings_per_completed_job_pct: report.estimate.savings_per_completed_job_pct,
    };
    let mut text = serde_json::to_string_pretty(&json).expect("reports serialise to JSON");
    text.push('\n');
    text
}
