//! Renders results for people and programs: one [`RunReport`], many formats (and one
//! [`TraceReport`] for `spotsim trace`).
//!
//! Every renderer is a pure function from the report to text, so each is tested alone and the
//! CLI only decides where the text goes. Numbers come out the same for the same seed, whatever
//! the thread count; no timing of the simulator itself appears in any output.

mod compare;
mod csv;
mod fit;
mod fleet;
mod fleet_review;
mod json;
mod layout;
mod recommend;
mod regions;
mod review;
mod sweep;
mod table;
mod trace;
mod validate;

pub use self::csv::{RunsCsv, write_runs_csv, write_runs_csv_header};
pub use compare::{render_compare_json, render_compare_table};
pub use fit::{
    jobs_scenario, market_sections, render_jobs_fit_json, render_jobs_fit_table,
    render_trace_fit_json, render_trace_fit_table,
};
pub use fleet::{render_fleet_csv, render_fleet_json, render_fleet_table, render_fleet_validation};
pub use fleet_review::{FleetReviewInput, build_fleet_review};

pub use json::render_json;
pub use recommend::{render_recommend_json, render_recommend_table};
pub use regions::{render_regions_json, render_regions_table};
pub use review::{
    Block, Review, ReviewInput, build_review, regions_blocks, render_figures_html,
    render_figures_md, render_review_html, render_review_md, review_command, shell_word,
};
pub use sweep::{advice_sentence, render_sweep_csv, render_sweep_json, render_sweep_table};
pub use table::render_table;
pub use trace::{
    TraceReport, messages, render_trace_json, render_trace_table, training_job_name,
    training_job_status,
};
pub use validate::{render_validation, scenario_rows};

use crate::montecarlo::Estimate;
use crate::montecarlo::precision::Precision;
use crate::scenario::Scenario;

/// Everything `spotsim run` reports.
#[derive(Debug, Clone)]
pub struct RunReport<'a> {
    /// The job's display name (its `name`, else the file stem).
    pub name: &'a str,
    /// The scenario as run (command-line overrides applied).
    pub scenario: &'a Scenario,
    /// The summaries.
    pub estimate: &'a Estimate,
    /// How `--target-rse` ended the runs, when given.
    pub precision: Option<&'a Precision>,
}
