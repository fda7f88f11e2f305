//! `spotsim report FLEET.toml`: the capacity-planning review of a fleet, as a [`Review`] that
//! [`super::render_figures_html`] and [`super::render_figures_md`] lay out.
//!
//! The headline answers the questions a review board asks of a fleet (what a month costs, what
//! spot saves, how full the quotas run, how long jobs queue, how many MaxWait stops), then the
//! charts, the month and workload tables of `spotsim fleet`, and what the model assumes.

use super::fleet::{
    Unit, concurrency_rows, quota_text, show, show_mean, summary_row, workload_result_rows,
    workload_rows,
};
use super::review::{Block, Review};
use crate::charts::FleetChart;
use crate::fleet::FleetReport;
use crate::stats::summary::{Summary, Z_95};
use crate::units::duration::format_duration;
use crate::units::format::{format_pct, format_share, format_usd};

/// What the fleet review is built from.
#[derive(Debug, Clone, Copy)]
pub struct FleetReviewInput<'a> {
    /// The fleet's display name.
    pub name: &'a str,
    /// The simulated months, summarised.
    pub report: &'a FleetReport,
    /// The fleet file's text, shown verbatim.
    pub fleet_text: &'a str,
    /// The command that reproduces the review.
    pub command: &'a str,
    /// The charts included, in order.
    pub charts: &'a [FleetChart],
}

/// `$12.34 (95 % interval $12.00 – $12.68)` of a monthly figure's mean.
fn usd_with_interval(summary: &Summary) -> String {
    match summary.std_err {
        Some(se) if se > 0.0 => crate::units::format::format_usd_with_interval(
            summary.mean,
            summary.mean - Z_95 * se,
            summary.mean + Z_95 * se,
        ),
        _ => format_usd(summary.mean),
    }
}

/// Each pool against its quota, as a headline row: mean and 95th percentile over the month,
/// and how often the month's peak reaches the quota.
fn quota_usage(report: &FleetReport) -> Vec<Vec<String>> {
    report
        .bands
        .iter()
        .enumerate()
        .map(|(index, band)| {
            let side = if band.key.spot { "spot" } else { "on-demand" };
            let pool = format!("{} {side}", band.key.instance_type);
            let concurrency = report
                .concurrent_instances
                .get(&band.key.instance_type)
                .and_then(|c| {
                    if band.key.spot {
                        c.spot.as_ref()
                    } else {
                        c.on_demand.as_ref()
                    }
                });
            let question = match band.quota {
                Some(_) => format!("How full does the {pool} quota run?"),
                None => format!("How many {pool} instances run at once?"),
            };
            let Some(concurrency) = concurrency else {
                return vec![question, "no jobs".to_string()];
            };
            let level = format!(
                "{:.1} instances on average, {:.1} at the month's 95th percentile",
                concurrency.mean.mean, concurrency.p95.mean
            );
            match band.quota {
                Some(quota) => {
                    let peak = report.peak_at_quota_share(index).unwrap_or(0.0);
                    let answer = format!(
                        "{level}, against a quota of {}; the month's peak reaches the quota in \
                         {} of months, and the pool holds its whole quota {} of the time \
                         (sampled every {})",
                        quota_text(Some(quota)),
                        format_share(peak, 1),
                        format_share(band.at_quota_share.unwrap_or(0.0), 1),
                        format_duration(band.step_s)
                    );
                    vec![question, answer]
                }
                None => vec![question, format!("{level}; no quota")],
            }
        })
        .collect()
}

/// The one-line answer set apart at the top.
fn headline(report: &FleetReport) -> String {
    let any_spot = report.workloads.iter().any(|w| w.spot);
    if any_spot {
        format!(
            "The fleet costs {} a month on average against {} with every job on-demand: spot \
             saves {} ({} a month).",
            format_usd(report.cost_usd.mean),
            format_usd(report.on_demand_cost_usd.mean),
            format_pct(report.savings_vs_on_demand_pct, 1),
            format_usd(report.on_demand_cost_usd.mean - report.cost_usd.mean)
        )
    } else {
        format!(
            "The fleet costs {} a month on average; every workload runs on-demand, so spot \
             saves nothing here.",
            format_usd(report.cost_usd.mean)
        )
    }
}

fn headline_table(report: &FleetReport) -> Block {
    let mut rows = vec![
        vec![
            "What does a month cost?".to_string(),
            format!(
                "{}; 9 months in 10 cost at most {}",
                usd_with_interval(&report.cost_usd),
                format_usd(report.cost_usd.p90)
            ),
        ],
        vec![
            "And with every job on-demand?".to_string(),
            usd_with_interval(&report.on_demand_cost_usd),
        ],
        vec![
            "What does spot save?".to_string(),
            if report.workloads.iter().any(|w| w.spot) {
                format!(
                    "{} of the mean monthly cost ({} a month)",
                    format_pct(report.savings_vs_on_demand_pct, 1),
                    format_usd(report.on_demand_cost_usd.mean - report.cost_usd.mean)
                )
            } else {
                "nothing: every workload runs on-demand".to_string()
            },
        ],
    ];
    rows.extend(quota_usage(report));
    rows.push(vec![
        "How long do jobs wait for quota?".to_string(),
        match &report.queue_wait_s {
            Some(wait) => format!(
                "{} per job on average; {} of jobs queued at all; 1 job in 100 waits {} or more",
                show_mean(wait, Unit::Duration),
                format_pct(report.queued_share * 100.0, 1),
                format_duration(wait.p99)
            ),
            None => "no job was submitted".to_string(),
        },
    ]);
    let outcomes = &report.outcomes;
    rows.push(vec![
        "How many jobs does MaxWait stop?".to_string(),
        format!(
            "{} of jobs; MaxRuntime stops {}, {} are still queued or running at the month's end",
            format_pct(outcomes.max_wait_time_exceeded * 100.0, 2),
            format_pct(outcomes.max_runtime_exceeded * 100.0, 2),
            format_pct(outcomes.unfinished * 100.0, 1)
        ),
    ]);
    let interruptions = &report.interruptions;
    rows.push(vec![
        "How often are jobs interrupted?".to_string(),
        match interruptions.jobs_per_reclaim {
            Some(per_reclaim) => format!(
                "{} interruptions a month in {:.1} reclaims, {per_reclaim:.2} jobs per reclaim",
                show(interruptions.per_month.mean, Unit::Count),
                interruptions.reclaim_events.mean
            ),
            None => "never: no spot job was interrupted".to_string(),
        },
    ]);
    Block::Table {
        header: vec!["question".to_string(), "answer".to_string()],
        rows,
    }
}

/// `summary_row`'s cells with the label unindented, for a review table.
fn row(label: &str, summary: &Summary, unit: Unit) -> Vec<String> {
    let mut cells = summary_row(label, summary, unit);
    cells[0] = label.to_string();
    cells
}

fn month_table(report: &FleetReport) -> Block {
    let mut rows = vec![
        row("cost", &report.cost_usd, Unit::Usd),
        row(
            "cost if all on-demand",
            &report.on_demand_cost_usd,
            Unit::Usd,
        ),
        row("billed instance-hours", &report.instance_hours, Unit::Count),
        row(
            "held instance-hours",
            &report.held_instance_hours,
            Unit::Count,
        ),
        row("jobs submitted", &report.jobs, Unit::Count),
        row(
            "interruptions",
            &report.interruptions.per_month,
            Unit::Count,
        ),
    ];
    if let Some(wait) = &report.queue_wait_s {
        rows.push(row("quota queue wait (per job)", wait, Unit::Duration));
    }
    Block::Table {
        header: ["per month", "mean ± s.e.", "p50", "p90", "p99", "max"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

fn concurrency_table(report: &FleetReport) -> Block {
    let rows = concurrency_rows(report);
    Block::Table {
        header: [
            "concurrent instances",
            "quota",
            "mean",
            "p95 (mean)",
            "peak (mean)",
            "peak (p90)",
            "peak (p99)",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn workload_tables(report: &FleetReport) -> Vec<Block> {
    let mut what = workload_rows(report);
    for (row, w) in what.iter_mut().zip(&report.workloads) {
        row.push(w.source.clone());
    }
    let results = workload_result_rows(report);
    vec![
        Block::Table {
            header: [
                "workload",
                "instances",
                "capacity",
                "arrivals",
                "jobs/month",
                "job from",
            ]
            .map(String::from)
            .to_vec(),
            rows: what,
        },
        Block::Table {
            header: [
                "workload",
                "cost/month",
                "all on-demand",
                "cost/job",
                "queue wait",
                "completed",
                "MaxWait",
                "MaxRuntime",
                "unfinished",
            ]
            .map(String::from)
            .to_vec(),
            rows: results,
        },
    ]
}

fn assumption_blocks() -> Vec<Block> {
    vec![
        Block::Paragraph(
            "spotsim simulates each month as a discrete-event simulation of the fleet's \
             submissions and quota releases; every job's life runs through the same engine as \
             `spotsim run`. The model assumes:"
                .to_string(),
        ),
        Block::List(
            [
                "A job whose instances would exceed its pool's quota (instance type × spot or \
                 on-demand) waits in a strict first-in, first-out queue until instances are \
                 released: the team's scheduler retrying CreateTrainingJob after \
                 ResourceLimitExceeded (the service itself queues nothing).",
                "A created job holds its instances against the quota until it ends, waits for \
                 spot capacity included.",
                "Spot jobs of one instance type share one market: when it reclaims capacity, \
                 every running job of the type is interrupted at once. The fleet does not \
                 use up the market's capacity, which holds while it is small against the pool \
                 of the instance type.",
                "Each month starts with the warm-up's jobs still running: they count toward \
                 quotas and concurrency, not toward the month's cost.",
                "A month's cost is the whole billed time of the jobs submitted in it, even past \
                 its end; the on-demand figure is each of those jobs run on-demand with the same \
                 training length, without interruptions or capacity waits.",
            ]
            .map(String::from)
            .to_vec(),
        ),
        Block::Paragraph(
            "docs/fleet.md in the spotsim repository states every rule of the fleet model and \
             the file format; docs/model.md states the rules of a single job's life."
                .to_string(),
        ),
    ]
}

/// Decides the fleet review's content.
pub fn build_fleet_review(input: &FleetReviewInput<'_>) -> Review {
    let report = input.report;
    let mut blocks = vec![
        Block::Paragraph(format!(
            "{} of {} (each after a {} warm-up) of the fleet in {} (seed {}), by spotsim {}.",
            crate::charts::simulated_months(report.runs),
            format_duration(report.horizon_s),
            format_duration(report.warmup_s),
            report.fleet,
            report.seed,
            env!("CARGO_PKG_VERSION"),
        )),
        Block::Recommendation(headline(report)),
        Block::Heading(2, "Headline answers".to_string()),
        headline_table(report),
        Block::Heading(2, "Charts".to_string()),
    ];
    blocks.extend(input.charts.iter().map(|chart| Block::Figure {
        stem: chart.stem.clone(),
        caption: chart.caption.clone(),
    }));
    blocks.push(Block::Heading(2, "Month by month".to_string()));
    blocks.push(Block::Paragraph(
        "The mean over the simulated months with its standard error, and percentiles of the \
         month-to-month spread; the queue wait is per job, over the jobs of every month."
            .to_string(),
    ));
    blocks.push(month_table(report));
    blocks.push(concurrency_table(report));
    blocks.push(Block::Paragraph(
        "Concurrent instances are those of jobs in progress (created, not yet ended), waits \
         for spot capacity included: what a quota limits. Mean and p95 are over the month, \
         averaged over months; the peak is the month's highest level."
            .to_string(),
    ));
    blocks.push(Block::Heading(2, "Workloads".to_string()));
    blocks.extend(workload_tables(report));
    blocks.push(Block::Heading(2, "What the model assumes".to_string()));
    blocks.extend(assumption_blocks());
    blocks.push(Block::Heading(2, "The fleet file".to_string()));
    blocks.push(Block::Paragraph(format!("The file {}:", report.fleet)));
    blocks.push(Block::Code(input.fleet_text.to_string()));
    blocks.push(Block::Heading(2, "Reproduce".to_string()));
    blocks.push(Block::Paragraph(
        "The same command, fleet file and spotsim version give the same numbers and the same \
         file, byte for byte, on any machine and thread count:"
            .to_string(),
    ));
    blocks.push(Block::Code(input.command.to_string()));
    Review {
        title: format!("Fleet review: {}", input.name),
        blocks,
        spot: report.workloads.iter().any(|w| w.spot),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fleet_charts;
    use crate::fleet::{parse_fleet, run_fleet};

    const ON_DEMAND_FLEET: &str = r#"
horizon = "5d"
warmup = "1d"
runs = 12
seed = 5

[[workload]]
name = "evaluation"
arrivals = { per_day = 20 }
[workload.scenario.job]
instance_type = "ml.g5.2xlarge"
training = { dist = "exponential", mean = "40m" }
[workload.scenario.stopping]
max_run = "4h"
[workload.scenario.pricing]
on_demand_hourly = 1.515

[quota."ml.g5.2xlarge"]
on_demand = 2
"#;

    #[test]
    fn an_on_demand_fleet_review_says_spot_saves_nothing_and_shows_its_quota() {
        let fleet = parse_fleet(ON_DEMAND_FLEET, "od.toml").unwrap();
        let report = run_fleet(&fleet, "od.toml").unwrap();
        let charts = fleet_charts(&report);
        let review = build_fleet_review(&FleetReviewInput {
            name: "od",
            report: &report,
            fleet_text: ON_DEMAND_FLEET,
            command: "spotsim report od.toml -o r.html",
            charts: &charts,
        });
        assert_eq!(review.title, "Fleet review: od");
        assert!(!review.spot);
        let Some(Block::Recommendation(headline)) = review.blocks.get(1) else {
            panic!("no headline: {:?}", review.blocks.get(1));
        };
        assert!(headline.contains("spot saves nothing"), "{headline}");
        let figures: Vec<&str> = review
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Figure { stem, .. } => Some(stem.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            figures,
            [
                "fleet-cost",
                "fleet-concurrency-ml-g5-2xlarge-on-demand",
                "fleet-workloads"
            ]
        );
        let html = super::super::render_figures_html(&review, &|stem| format!("<svg>{stem}</svg>"));
        assert!(html.contains("How full does the ml.g5.2xlarge on-demand quota run?"));
        assert!(html.contains("against a quota of 2"));
        // Issue 15, item 8: the time at the quota, as the concurrency chart says it.
        let held = report.bands[0].at_quota_share.unwrap();
        let said = format!(
            "the pool holds its whole quota {} of the time",
            format_share(held, 1)
        );
        assert!(html.contains(&said), "{said}");
        assert!(html.contains("nothing: every workload runs on-demand"));
        assert!(html.contains("<svg>fleet-workloads</svg>"));
        assert!(html.contains("12 simulated months of 5d"));
    }
}
