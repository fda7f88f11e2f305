//! `spotsim report`: the capacity-planning review, as one document model rendered to a
//! self-contained HTML page or to Markdown.
//!
//! [`build_review`] decides the content once (sections, tables, charts, the scenario text);
//! [`render_review_html`] and [`render_review_md`] only lay it out, so both formats say the same.
//! Nothing in the review depends on the clock or the machine: the same scenario and seed give
//! the same bytes.

use std::fmt::Write as _;

use super::validate::scenario_rows;
use crate::charts::ChartKind;
use crate::engine::Outcome;
use crate::montecarlo::Estimate;
use crate::montecarlo::timeline::JobTimeline;
use crate::scenario::{MarketSpec, MaxRunCounting, Scenario, Warning};
use crate::stats::accumulate::ScenarioStats;
use crate::stats::summary::{SideSummary, Z_95, wilson_interval};
use crate::units::duration::{format_duration_exact, format_duration_within};
use crate::units::format::{
    format_count, format_pct, format_share, format_usd, format_usd_with_interval,
};

/// One piece of the review.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading; level 2 or 3.
    Heading(u8, String),
    /// A paragraph of plain text.
    Paragraph(String),
    /// The one-line recommendation, set apart.
    Recommendation(String),
    /// Warnings about the scenario.
    Warnings(Vec<String>),
    /// A table with a header row.
    Table {
        /// Column titles.
        header: Vec<String>,
        /// Cells, row by row.
        rows: Vec<Vec<String>>,
    },
    /// A bulleted list.
    List(Vec<String>),
    /// A chart, with its description as caption.
    Chart(ChartKind),
    /// A chart known by its file stem (the fleet charts), with its caption.
    Figure {
        /// The chart's file stem.
        stem: String,
        /// What it shows.
        caption: String,
    },
    /// Preformatted text (the scenario file, the command).
    Code(String),
}

/// The review: a title and its blocks in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The page title.
    pub title: String,
    /// The content.
    pub blocks: Vec<Block>,
    /// Whether the scenario runs on spot (chart captions differ without it).
    pub spot: bool,
}

/// What the review is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReviewInput<'a> {
    /// The job's display name.
    pub name: &'a str,
    /// The scenario file as given on the command line.
    pub file: &'a str,
    /// The scenario file's text, shown verbatim.
    pub scenario_text: &'a str,
    /// The scenario as run (overrides applied).
    pub scenario: &'a Scenario,
    /// The streamed runs.
    pub stats: &'a ScenarioStats,
    /// Their summaries.
    pub estimate: &'a Estimate,
    /// The sample job shown status by status.
    pub sample: &'a JobTimeline,
    /// Lint warnings about the scenario.
    pub warnings: &'a [Warning],
    /// The command that reproduces the review.
    pub command: &'a str,
    /// The `spotsim trace` command that prints the sample job.
    pub trace_command: &'a str,
    /// The charts included, in order.
    pub charts: &'a [ChartKind],
    /// The job in every region of the Spot Advisor feed, when the scenario reads the feed.
    pub regions: Option<&'a crate::studies::regions::RegionRanking>,
    /// The share of spot jobs that must complete for the review to recommend spot.
    pub target_completion: f64,
    /// With `[fallback]`: the scenario against the same job on spot alone and on-demand, run
    /// by run ([`crate::studies::deadline::fallback_worth`]).
    pub fallback: Option<&'a crate::studies::deadline::DeadlineAnswer>,
}

/// `seconds`, a figure of the distribution `summary` describes, rounded no coarser than the
/// standard error of its mean: the rule of `spotsim run`'s table, so the two read alike.
fn to_its_error(summary: &crate::stats::summary::Summary, seconds: f64) -> String {
    let resolution_s = summary
        .std_err
        .filter(|se| *se > 0.0)
        .unwrap_or(f64::INFINITY);
    format_duration_within(seconds, resolution_s)
}

/// `mean (95 % interval lo – hi)` of a cost.
fn cost_with_interval(side: &SideSummary) -> String {
    let cost = &side.metrics.cost_usd;
    match cost.std_err {
        Some(se) if se > 0.0 => {
            format_usd_with_interval(cost.mean, cost.mean - Z_95 * se, cost.mean + Z_95 * se)
        }
        _ => format_usd(cost.mean),
    }
}

/// `share % (95 % interval lo – hi %)` of an outcome, by Wilson's interval.
fn share_with_interval(share: f64, runs: u64) -> String {
    let count = (share * runs as f64).round() as u64;
    let (lo, hi) = wilson_interval(count, runs, Z_95);
    format!(
        "{} ({} runs; 95 % interval {} – {})",
        format_pct(share * 100.0, 2),
        format_count(count),
        // A low end above zero never reads as zero either.
        format_pct(lo * 100.0, 2).trim_end_matches(" %"),
        format_pct(hi * 100.0, 2)
    )
}

/// Which limit stops more spot runs, and what to change for it.
fn stop_advice(spot: &SideSummary, scenario: &Scenario) -> &'static str {
    let outcomes = &spot.outcomes;
    if outcomes.max_runtime_exceeded >= outcomes.max_wait_exceeded {
        // Work redone after restarts counts toward MaxRuntime.
        if scenario.checkpoint.is_none() {
            "most stops are MaxRuntime, which counts the work redone after every interruption; \
             add checkpoints or raise max_run"
        } else {
            "most stops are MaxRuntime, which counts the work redone after every interruption; \
             raise max_run or checkpoint more often"
        }
    } else if scenario.checkpoint.is_none() {
        "most stops are MaxWait; add checkpoints or raise max_wait"
    } else {
        "most stops are MaxWait; raise max_wait or checkpoint more often"
    }
}

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The one-line recommendation from the headline numbers.
fn recommendation(estimate: &Estimate, scenario: &Scenario, target: f64) -> String {
    let on_demand = &estimate.on_demand;
    // A job that does not fit its max_run even on-demand must be fixed first, whatever the
    // market.
    if on_demand.outcomes.max_runtime_exceeded > 0.01 {
        return format!(
            "Raise max_run first: even on-demand, {} of jobs stop at MaxRuntime ({}) before \
             they finish; p99 of the on-demand training time is {}.",
            format_pct(on_demand.outcomes.max_runtime_exceeded * 100.0, 1),
            format_duration_exact(scenario.stopping.max_run_s),
            to_its_error(
                &on_demand.metrics.training_s,
                on_demand.metrics.training_s.p99
            )
        );
    }
    let Some(spot) = &estimate.spot else {
        return "The job runs on-demand in this scenario; enable [spot] to see what managed spot \
                training would save."
            .to_string();
    };
    let completed = spot.outcomes.completed;
    let stopped_pct = (1.0 - completed) * 100.0;
    // With a `[fallback]` the spot side is spot with the fallback's on-demand jobs: the
    // headline names what it recommends, not spot alone.
    let (what, jobs) = if scenario.fallback.is_some() {
        ("spot with the fallback", "spot + fallback jobs")
    } else {
        ("spot", "spot jobs")
    };
    match estimate.savings_per_completed_job_pct {
        None => format!(
            "Do not use {what} with these settings: no spot run completed. {}.",
            capitalized(stop_advice(spot, scenario))
        ),
        Some(saving) if saving <= 0.0 => format!(
            "Run on-demand: per completed job, {what} costs {} more once stopped runs and work \
             redone after interruptions are paid for.",
            format_pct(-saving, 1)
        ),
        Some(saving) if completed < target => format!(
            "{} saves {} per completed job, but {} of {jobs} stop at a limit, more than the \
             target completion of {} allows. Before relying on it: {}.",
            capitalized(what),
            format_pct(saving, 1),
            format_pct(stopped_pct, 1),
            format_share(target, 1),
            stop_advice(spot, scenario)
        ),
        Some(saving) => format!(
            "Use {what}: it saves {} per completed job, and {} of {jobs} complete within \
             their limits (target {}).",
            format_pct(saving, 1),
            format_share(completed, 1),
            format_share(target, 1)
        ),
    }
}

/// The job, market and limits in a few sentences.
fn plain_words(input: &ReviewInput<'_>) -> String {
    let scenario = input.scenario;
    let job = &scenario.job;
    let training = if job.training.is_constant() {
        format!(
            "{} of training",
            format_duration_exact(job.training.mean_s())
        )
    } else {
        format!(
            "{} of training on average ({})",
            format_duration_exact(job.training.mean_s()),
            job.training.describe()
        )
    };
    let mut text = format!(
        "{} needs {training}, on {} × {} at {}/h per instance on-demand. ",
        input.name,
        job.instance_count,
        job.instance_type
            .as_deref()
            .unwrap_or("an unnamed instance type"),
        crate::units::format::format_price(scenario.pricing.on_demand_hourly_usd),
    );
    match &scenario.spot {
        Some(spot) => {
            let market = match &spot.market {
                MarketSpec::Independent { capacity_wait, .. } => format!(
                    "Spot capacity takes {} to find at every start",
                    capacity_wait.describe()
                ),
                MarketSpec::Markov {
                    mean_available_s,
                    mean_unavailable_s,
                } => format!(
                    "Spot capacity comes and goes: available for {} on average, then gone for {}",
                    format_duration_exact(*mean_available_s),
                    format_duration_exact(*mean_unavailable_s)
                ),
                MarketSpec::Trace { file, .. } => {
                    format!("Spot capacity follows the availability recorded in {file}")
                }
            };
            let _ = write!(text, "{market}. ");
            let mean_reclaim_s = spot
                .market
                .mean_first_reclaim_s(scenario.reclaiming_instances());
            let who = if scenario.job.instance_count > 1 && scenario.reclaiming_instances() == 1 {
                "a reclaim of the cluster (one hazard for all its instances) interrupts the job"
            } else {
                "a reclaim of any instance interrupts the whole job"
            };
            let _ = write!(
                text,
                "On spot, {who} on average every {} of running; it then waits for capacity again (shown as Starting, not billed), \
                 downloads its data and resumes from its last checkpoint. ",
                format_duration_exact(mean_reclaim_s)
            );
        }
        None => text.push_str("The job runs on-demand: no interruptions, no waits. "),
    }
    match &scenario.checkpoint {
        Some(checkpoint) => {
            let _ = write!(
                text,
                "It writes a checkpoint every {} of training. ",
                format_duration_exact(checkpoint.interval_s)
            );
        }
        None if scenario.is_spot() => text
            .push_str("It writes no checkpoints: every interruption restarts training from zero. "),
        None => {}
    }
    let _ = write!(
        text,
        "Limits: max_run {} of running time",
        format_duration_exact(scenario.stopping.max_run_s)
    );
    match scenario.stopping.max_wait_s {
        Some(wait_s) => {
            let _ = write!(
                text,
                ", max_wait {} of wall-clock time from creation (waits included).",
                format_duration_exact(wait_s)
            );
        }
        None => text.push('.'),
    }
    text
}

fn headline_table(input: &ReviewInput<'_>) -> Block {
    let estimate = input.estimate;
    let runs = input.scenario.simulation.runs;
    let on_demand = &estimate.on_demand;
    let mut header = vec![String::new()];
    let mut sides: Vec<&SideSummary> = Vec::new();
    if let Some(spot) = &estimate.spot {
        header.push(if input.scenario.fallback.is_some() {
            "spot + fallback (both jobs)".to_string()
        } else {
            "spot".to_string()
        });
        sides.push(spot);
    }
    header.push("on-demand".to_string());
    sides.push(on_demand);
    let row = |label: &str, cell: &dyn Fn(&SideSummary) -> String| -> Vec<String> {
        std::iter::once(label.to_string())
            .chain(sides.iter().map(|s| cell(s)))
            .collect()
    };
    let is_on_demand = |s: &SideSummary| std::ptr::eq(s, on_demand);
    let mut rows = vec![
        row("expected cost per job", &cost_with_interval),
        row("cost per completed job (stopped runs paid for)", &|s| {
            s.cost_per_completed_job_usd
                .map_or("— (no run completed)".to_string(), format_usd)
        }),
        row("cost per job, p95", &|s| format_usd(s.metrics.cost_usd.p95)),
        row("wall time, p50", &|s| {
            to_its_error(&s.metrics.wall_s, s.metrics.wall_s.p50)
        }),
        row("wall time, p95", &|s| {
            to_its_error(&s.metrics.wall_s, s.metrics.wall_s.p95)
        }),
        row("completed", &|s| {
            share_with_interval(s.outcomes.completed, runs)
        }),
        row("stopped by MaxWait", &|s| {
            if is_on_demand(s) {
                "— (no MaxWait on-demand)".to_string()
            } else {
                share_with_interval(s.outcomes.max_wait_exceeded, runs)
            }
        }),
        row("stopped by MaxRuntime", &|s| {
            share_with_interval(s.outcomes.max_runtime_exceeded, runs)
        }),
        row("interruptions per job, mean", &|s| {
            format!("{:.2}", s.metrics.interruptions.mean)
        }),
        row("training lost to interruptions, mean", &|s| {
            to_its_error(&s.metrics.lost_work_s, s.metrics.lost_work_s.mean)
        }),
    ];
    if let Some(spot) = &estimate.spot {
        let dash = "—".to_string();
        let console = spot
            .console_savings_pct
            .map_or(dash.clone(), |p| format_pct(p, 1));
        rows.push(vec![
            "console savings (price discount only)".to_string(),
            console,
            dash.clone(),
        ]);
        let real = match (
            estimate.savings_vs_on_demand_pct,
            input.stats.paired_saving_interval_pct(),
        ) {
            (Some(real), Some((lo, hi))) => format!(
                "{} (95 % interval {:.2} – {})",
                format_pct(real, 1),
                lo,
                format_pct(hi, 2)
            ),
            (Some(real), None) => format_pct(real, 1),
            _ => dash.clone(),
        };
        rows.push(vec![
            "real saving against on-demand".to_string(),
            real,
            dash.clone(),
        ]);
        rows.push(vec![
            "saving per completed job".to_string(),
            estimate
                .savings_per_completed_job_pct
                .map_or(dash.clone(), |p| format_pct(p, 1)),
            dash,
        ]);
    }
    Block::Table { header, rows }
}

/// Transitions the sample table shows at most; `spotsim trace` prints them all.
const SAMPLE_ROWS: usize = 30;

/// A duration of the one sample run, to the second: a single run has no ± to round to, and
/// its TrainingTimeInSeconds is printed beside it in whole seconds.
fn exact(seconds: f64) -> String {
    format_duration_within(seconds, 1.0)
}

fn sample_blocks(input: &ReviewInput<'_>) -> Vec<Block> {
    let sample = input.sample;
    let record = &sample.record;
    let side = if input.scenario.is_spot() {
        "spot"
    } else {
        "on-demand"
    };
    let mut blocks = vec![Block::Paragraph(format!(
        "Run {} on {side}: {} after {}, {} interruption{}, {} of training lost, {} of running \
         time per instance (TrainingTimeInSeconds {:.0}) of which {} is billed \
         (BillableTimeInSeconds {:.0}), cost {}. `{}` prints its status changes as the \
         SageMaker Python SDK's log lines; without `--format table` it prints the \
         DescribeTrainingJob document.",
        sample.run,
        match record.outcome {
            Outcome::Completed => "completed",
            Outcome::MaxRuntimeExceeded => "stopped by MaxRuntime",
            Outcome::MaxWaitTimeExceeded => "stopped by MaxWait",
        },
        exact(record.wall_s),
        record.interruptions,
        if record.interruptions == 1 { "" } else { "s" },
        exact(record.lost_work_s),
        exact(record.training_s),
        record.training_s,
        exact(record.billable_s),
        record.billable_s,
        format_usd(record.cost_usd),
        input.trace_command,
    ))];
    let bills_interrupted = input
        .scenario
        .spot
        .as_ref()
        .is_none_or(|s| s.bill_interrupted_attempt);
    let billed = sample.billed_transitions(bills_interrupted);
    let shown = sample.transitions.len().min(SAMPLE_ROWS);
    let mut rows: Vec<Vec<String>> = sample.transitions[..shown]
        .iter()
        .zip(billed)
        .map(|(t, billed)| {
            vec![
                t.status.as_str().to_string(),
                exact(t.start_s),
                if t.end_s > t.start_s {
                    exact(t.end_s - t.start_s)
                } else {
                    "—".to_string()
                },
                if billed { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    if shown < sample.transitions.len() {
        rows.push(vec![
            format!("… {} more", sample.transitions.len() - shown),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    blocks.push(Block::Table {
        header: ["SecondaryStatus", "from creation", "lasted", "billed"]
            .map(String::from)
            .to_vec(),
        rows,
    });
    blocks
}

/// "Does the fallback pay for itself?": the scenario's spot + fallback against spot alone and
/// on-demand, the same runs, in a table and in words.
fn fallback_blocks(answer: &crate::studies::deadline::DeadlineAnswer) -> Vec<Block> {
    use crate::studies::deadline::OptionKind;
    let (Some(alone), Some(with), Some(on_demand)) = (
        answer.option(OptionKind::SpotAlone),
        answer.option(OptionKind::FallbackScenario),
        answer.option(OptionKind::OnDemand),
    ) else {
        return Vec::new();
    };
    let deadline = answer.deadline_s.is_finite();
    let share = |s: &crate::studies::recommend::Share| {
        format!(
            "{} ({} – {})",
            format_share(s.value, 2),
            format_share(s.ci95.0, 2),
            format_share(s.ci95.1, 2)
        )
    };
    let cost = |m: &crate::studies::recommend::Mean| match m.ci95 {
        Some((lo, hi)) => format!(
            "{} ({} – {})",
            format_usd(m.value),
            format_usd(lo),
            format_usd(hi)
        ),
        None => format_usd(m.value),
    };
    let mut header = vec![String::new(), "completed (95 % CI)".to_string()];
    if deadline {
        header.push(format!(
            "within {} (95 % CI)",
            format_duration_exact(answer.deadline_s)
        ));
    }
    header.extend(["mean cost (95 % CI)", "per completed job", "went on-demand"].map(String::from));
    let rows = [alone, with, on_demand]
        .iter()
        .map(|o| {
            let mut row = vec![o.label.clone(), share(&o.completed)];
            if deadline {
                row.push(share(&o.met_deadline));
            }
            row.push(cost(&o.cost_usd));
            row.push(o.cost_per_completed_job_usd.map_or("—".into(), format_usd));
            row.push(o.went_on_demand.map_or("—".into(), |s| format_share(s, 1)));
            row
        })
        .collect();
    // What "reliable" means here: the deadline when the rule has one, else completion.
    let reliable = |o: &crate::studies::deadline::DeadlineOption| {
        if deadline {
            o.met_deadline.value
        } else {
            o.completed.value
        }
    };
    let what = if deadline {
        format!(
            "meets the deadline of {}",
            format_duration_exact(answer.deadline_s)
        )
    } else {
        "completes".to_string()
    };
    let mut words = Vec::new();
    if let Some(d) = &with.cost_vs_spot_alone_usd {
        let interval = d.ci95.map_or(String::new(), |(lo, hi)| {
            format!(" (paired 95 % CI {} to {})", signed_usd(lo), signed_usd(hi))
        });
        words.push(format!(
            "Against spot alone, the fallback costs {} {} per job{interval}, and the job {what} \
             in {} of runs instead of {}.",
            format_usd(d.mean.abs()),
            if d.mean >= 0.0 { "more" } else { "less" },
            format_share(reliable(with), 2),
            format_share(reliable(alone), 2)
        ));
        // With a deadline, what one job delivered on time costs: the runs that missed it are
        // paid for too (mean cost / share on time); else the cost per completed job.
        let per = |o: &crate::studies::deadline::DeadlineOption| {
            if deadline {
                o.cost_usd.value / o.met_deadline.value
            } else {
                o.cost_per_completed_job_usd.unwrap_or(f64::INFINITY)
            }
        };
        let per_what = if deadline {
            "per job delivered by the deadline"
        } else {
            "per completed job"
        };
        let shown = |x: f64| {
            if x.is_finite() {
                format_usd(x)
            } else {
                "nothing (no run succeeded)".to_string()
            }
        };
        words.push(if d.mean <= 0.0 && reliable(with) >= reliable(alone) {
            "It pays for itself outright: no dearer, and no less reliable.".to_string()
        } else if reliable(with) > reliable(alone) && per(with) <= per(alone) {
            format!(
                "It pays for itself: {per_what} it costs {} against {} on spot alone, whose \
                 failed runs are paid for too.",
                shown(per(with)),
                shown(per(alone))
            )
        } else if reliable(with) > reliable(alone) {
            format!(
                "It pays in reliability, not in money: {per_what} it costs {} against {} on \
                 spot alone.",
                shown(per(with)),
                shown(per(alone))
            )
        } else {
            "It buys nothing here: spot alone is as reliable and no dearer.".to_string()
        });
    }
    if let Some(saving) = &with.savings_vs_on_demand_pct {
        let interval = saving.ci95.map_or(String::new(), |(lo, hi)| {
            format!(" (95 % CI {} – {})", format_pct(lo, 1), format_pct(hi, 1))
        });
        words.push(format!(
            "Against on-demand, it {} {}{interval} of the cost ({} against {}), and the job \
             {what} in {} of runs instead of {}: {}.",
            if saving.value >= 0.0 { "saves" } else { "adds" },
            format_pct(saving.value.abs(), 1),
            format_usd(with.cost_usd.value),
            format_usd(on_demand.cost_usd.value),
            format_share(reliable(with), 2),
            format_share(reliable(on_demand), 2),
            if saving.value > 0.0 && reliable(with) >= reliable(on_demand) {
                "the fallback is the better buy"
            } else if saving.value > 0.0 {
                "cheaper, but less reliable than on-demand"
            } else {
                "on-demand from the start is cheaper"
            }
        ));
    }
    vec![
        Block::Heading(2, "Does the fallback pay for itself?".to_string()),
        Block::Paragraph(format!(
            "The scenario's [fallback] ({}) against the same job on spot alone (the scenario \
             without [fallback]) and on-demand: the same {} runs, run by run.",
            with.fallback.as_deref().unwrap_or("as written"),
            format_count(answer.runs)
        )),
        Block::Table { header, rows },
        Block::Paragraph(words.join(" ")),
    ]
}

/// `+$1.23` or `−$1.23`.
fn signed_usd(x: f64) -> String {
    if x < 0.0 {
        format!("−{}", format_usd(-x))
    } else {
        format!("+{}", format_usd(x))
    }
}

fn assumption_blocks(scenario: &Scenario) -> Vec<Block> {
    let spot = scenario.spot.as_ref();
    let checkpoint = scenario.checkpoint.as_ref();
    let yes_no = |b: bool| if b { "true" } else { "false" }.to_string();
    let not_applicable = || "— (no spot)".to_string();
    let mut rows = vec![
        vec![
            "Is an attempt cut short by an interruption billed?".to_string(),
            "spot.bill_interrupted_attempt".to_string(),
            spot.map_or_else(not_applicable, |s| yes_no(s.bill_interrupted_attempt)),
            "true".to_string(),
        ],
        vec![
            "How MaxRuntime counts across restarts".to_string(),
            "stopping.max_run_counts".to_string(),
            match scenario.stopping.max_run_counts {
                MaxRunCounting::AllAttempts => "all_attempts",
                MaxRunCounting::EachAttempt => "each_attempt",
            }
            .to_string(),
            "all_attempts".to_string(),
        ],
        vec![
            "Does Downloading count toward MaxRuntime?".to_string(),
            "stopping.max_run_includes_download".to_string(),
            yes_no(scenario.stopping.max_run_includes_download),
            "true".to_string(),
        ],
        vec![
            "Delay before a checkpoint reaches S3".to_string(),
            "checkpoint.sync".to_string(),
            checkpoint.map_or("— (no checkpoints)".to_string(), |c| {
                format_duration_exact(c.sync_s)
            }),
            "0s".to_string(),
        ],
        vec![
            "Can the job save on the two-minute notice?".to_string(),
            "checkpoint.on_notice".to_string(),
            checkpoint.map_or("— (no checkpoints)".to_string(), |c| yes_no(c.on_notice)),
            "false".to_string(),
        ],
    ];
    if let Some(feed) = scenario.advisor_feed.as_ref().filter(|f| f.discount_used) {
        // An assumption, not a fact of the service (docs/model.md, "The Spot Advisor feed").
        rows.push(vec![
            "Is EC2's Spot Advisor savings figure SageMaker's discount?".to_string(),
            "spot.discount".to_string(),
            format!(
                "\"feed\": {} % for {} in {} ({})",
                feed.entry.savings_pct,
                feed.ec2_type,
                feed.region,
                feed.feed.label()
            ),
            "your own figure from `spotsim fit jobs`".to_string(),
        ]);
    }
    vec![
        Block::Paragraph(
            "spotsim replays each job as a discrete-event simulation of the lifecycle AWS \
             documents for managed spot training. These points are documented and modelled \
             as such:"
                .to_string(),
        ),
        Block::List(
            [
                "Waiting for spot capacity shows as Starting and is not billed; Downloading, \
                 Training and Uploading are billed, per instance.",
                "max_wait is a wall-clock budget from job creation covering waits, downloads, \
                 training and uploads; max_run limits running time. Both end the job Stopped, \
                 and the model is still uploaded.",
                "There is no fallback to on-demand: a job that finds no capacity waits until \
                 max_wait.",
                "Checkpoints are copied to S3 during training and restored at every restart; \
                 an interruption loses the training done since the last durable checkpoint.",
                "A job's whole life is capped at 30 days.",
                "The console savings figure is (1 − BillableTimeInSeconds / \
                 TrainingTimeInSeconds) × 100: the price discount only. The real saving \
                 compares the cost with the same job run on-demand.",
                "A reclaim of any instance of a multi-instance job interrupts the whole job \
                 (inferred from the documentation).",
            ]
            .map(|text| match scenario.fallback {
                // SageMaker has none; the scenario's [fallback] is a scheduler outside it.
                Some(fallback) if text.starts_with("There is no fallback") => format!(
                    "SageMaker has no fallback to on-demand; this scenario's [fallback] (when = \
                     \"{}\") is a scheduler outside it: it stops the spot job (StopTrainingJob, \
                     or the job ends at max_wait) and creates an on-demand job with the same \
                     checkpoint S3 URI, which restores the last durable checkpoint and \
                     finishes. The costs and times above add both jobs up.",
                    fallback.when_name()
                ),
                _ => text.to_string(),
            })
            .to_vec(),
        ),
        Block::Paragraph(
            "These points of the real service are not documented; each is a scenario option, \
             and this review used:"
                .to_string(),
        ),
        Block::Table {
            header: ["uncertain point", "option", "this scenario", "default"]
                .map(String::from)
                .to_vec(),
            rows,
        },
        Block::Paragraph(
            "Not modelled: the 120-second SIGTERM window before a stop, warm pools (not \
             available with spot), the MaxWait limit of built-in algorithms without \
             checkpoints. docs/model.md in the spotsim repository states every rule the \
             engine follows and the evidence behind it."
                .to_string(),
        ),
    ]
}

/// Decides the review's content.
pub fn build_review(input: &ReviewInput<'_>) -> Review {
    let scenario = input.scenario;
    let mut blocks = vec![
        Block::Paragraph(format!(
            "{} simulated runs of this job (seed {}), {}, by spotsim {}.",
            format_count(scenario.simulation.runs),
            scenario.simulation.seed,
            if scenario.is_spot() {
                "each on spot and on-demand with the same training length"
            } else {
                "on-demand (the scenario does not enable spot)"
            },
            env!("CARGO_PKG_VERSION"),
        )),
        Block::Recommendation(recommendation(
            input.estimate,
            scenario,
            input.target_completion,
        )),
    ];
    if !input.warnings.is_empty() {
        // Placeholders (`# ASSUMED`) come first among the warnings: above the recommendation,
        // whose figures rest on them.
        let at = if input.warnings[0].message.contains("# ASSUMED") {
            blocks.len() - 1
        } else {
            blocks.len()
        };
        blocks.insert(
            at,
            Block::Warnings(
                input
                    .warnings
                    .iter()
                    .map(|w| format!("{} {}", w.message, w.hint))
                    .collect(),
            ),
        );
    }
    blocks.push(Block::Heading(2, "The job and the market".to_string()));
    blocks.push(Block::Paragraph(plain_words(input)));
    blocks.push(Block::Heading(2, "Headline answers".to_string()));
    blocks.push(headline_table(input));
    if let Some(answer) = input.fallback {
        blocks.extend(fallback_blocks(answer));
    }
    blocks.push(Block::Heading(2, "Charts".to_string()));
    blocks.extend(input.charts.iter().map(|&kind| Block::Chart(kind)));
    if let Some(ranking) = input.regions {
        blocks.extend(regions_blocks(ranking));
    }
    blocks.push(Block::Heading(
        2,
        "A sample job, status by status".to_string(),
    ));
    blocks.extend(sample_blocks(input));
    blocks.push(Block::Heading(2, "What the model assumes".to_string()));
    blocks.extend(assumption_blocks(scenario));
    blocks.push(Block::Heading(2, "The scenario".to_string()));
    blocks.push(Block::Paragraph(format!(
        "What spotsim understood from {}:",
        input.file
    )));
    let mut understood = Vec::new();
    for row in scenario_rows(input.name, scenario) {
        match row.as_slice() {
            [heading] => understood.push(vec![heading.clone(), String::new()]),
            [key, value] => understood.push(vec![key.trim().to_string(), value.clone()]),
            _ => {}
        }
    }
    blocks.push(Block::Table {
        header: vec!["setting".to_string(), "meaning".to_string()],
        rows: understood,
    });
    blocks.push(Block::Paragraph(format!("The file {}:", input.file)));
    blocks.push(Block::Code(input.scenario_text.to_string()));
    blocks.push(Block::Heading(2, "Reproduce".to_string()));
    blocks.push(Block::Paragraph(
        "The same command, scenario file and spotsim version give the same numbers and the \
         same file, byte for byte, on any machine and thread count:"
            .to_string(),
    ));
    blocks.push(Block::Code(input.command.to_string()));
    Review {
        title: format!("Spot training review: {}", input.name),
        blocks,
        spot: scenario.is_spot(),
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Inline `code` spans (between backticks) become `<code>`; the rest is escaped.
fn inline_html(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape_html(part));
        } else {
            out.push_str(&escape_html(part));
        }
    }
    out
}

const STYLE: &str = "
:root { --ink: #1e1e1e; --muted: #5a5a5a; --line: #d9d9d9; --accent: #0072b2; --warn: #d55e00; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
  color: var(--ink); line-height: 1.5; margin: 0 auto; padding: 2rem 1.5rem; max-width: 60rem; }
h1 { font-size: 1.8rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 0.6rem; border-bottom: 2px solid var(--line);
  padding-bottom: 0.2rem; }
p { margin: 0.5rem 0; }
.recommendation { border-left: 6px solid var(--accent); background: #eef6fb; padding: 0.8rem 1rem;
  font-size: 1.1rem; font-weight: 600; margin: 1rem 0; }
.warnings { border-left: 6px solid var(--warn); background: #fdf1e8; padding: 0.6rem 1rem; }
.warnings li { margin: 0.3rem 0; }
table { border-collapse: collapse; width: 100%; margin: 0.6rem 0; font-size: 0.95rem; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: #f4f4f4; }
td:first-child { font-weight: 500; }
figure { margin: 1.2rem 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 0.3rem; }
pre { background: #f6f6f6; border: 1px solid var(--line); padding: 0.8rem; overflow-x: auto;
  font-size: 0.85rem; line-height: 1.4; white-space: pre-wrap; word-break: break-word; }
code { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 0.9em; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 2rem; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2, h2 + p { break-after: avoid; page-break-after: avoid; }
  table { break-inside: avoid; page-break-inside: avoid; }
  pre { break-inside: auto; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  .recommendation, .warnings { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

/// The scenario chart of file stem `stem`.
fn chart_kind(stem: &str) -> Option<ChartKind> {
    ChartKind::ALL.into_iter().find(|k| k.file_stem() == stem)
}

/// The review as one self-contained HTML page: inline CSS and SVG, no script, and a Content
/// Security Policy that forbids every external load. `svg_of` gives each chart's SVG.
pub fn render_review_html(review: &Review, svg_of: &dyn Fn(ChartKind) -> String) -> String {
    render_html(review, &|stem| {
        chart_kind(stem).map(svg_of).unwrap_or_default()
    })
}

/// As [`render_review_html`], every chart ([`Block::Chart`] and [`Block::Figure`]) given by its
/// file stem: `svg_of` gives its SVG.
pub fn render_figures_html(review: &Review, svg_of: &dyn Fn(&str) -> String) -> String {
    render_html(review, svg_of)
}

fn render_html(review: &Review, svg_of: &dyn Fn(&str) -> String) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"spotsim {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n<h1>{}</h1>\n",
        env!("CARGO_PKG_VERSION"),
        escape_html(&review.title),
        escape_html(&review.title)
    );
    for block in &review.blocks {
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(html, "<h{level}>{}</h{level}>", escape_html(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(html, "<p>{}</p>", inline_html(text));
            }
            Block::Recommendation(text) => {
                let _ = writeln!(
                    html,
                    "<p class=\"recommendation\">{}</p>",
                    inline_html(text)
                );
            }
            Block::Warnings(items) => {
                html.push_str("<div class=\"warnings\"><strong>Warnings</strong><ul>\n");
                for item in items {
                    let _ = writeln!(html, "<li>{}</li>", inline_html(item));
                }
                html.push_str("</ul></div>\n");
            }
            Block::Table { header, rows } => {
                html.push_str("<table>\n<thead><tr>");
                for cell in header {
                    let _ = write!(html, "<th>{}</th>", escape_html(cell));
                }
                html.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    html.push_str("<tr>");
                    for cell in row {
                        let _ = write!(html, "<td>{}</td>", inline_html(cell));
                    }
                    html.push_str("</tr>\n");
                }
                html.push_str("</tbody>\n</table>\n");
            }
            Block::List(items) => {
                html.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(html, "<li>{}</li>", inline_html(item));
                }
                html.push_str("</ul>\n");
            }
            Block::Chart(kind) => {
                let _ = writeln!(
                    html,
                    "<figure role=\"img\" aria-label=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                    escape_html(kind.caption(review.spot)),
                    svg_of(kind.file_stem()),
                    escape_html(kind.caption(review.spot))
                );
            }
            Block::Figure { stem, caption } => {
                let _ = writeln!(
                    html,
                    "<figure role=\"img\" aria-label=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                    escape_html(caption),
                    svg_of(stem),
                    escape_html(caption)
                );
            }
            Block::Code(text) => {
                let _ = writeln!(
                    html,
                    "<pre><code>{}</code></pre>",
                    escape_html(text.trim_end())
                );
            }
        }
    }
    let _ = writeln!(
        html,
        "<footer>Generated by spotsim {}, an offline simulator of SageMaker Managed Spot \
         Training. Figures are estimates from spotsim's model, not AWS quotes.</footer>\n\
         </body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    html
}

/// A Markdown table cell: pipes escaped, line breaks removed.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The review as Markdown; `image_of` gives each chart's image path relative to the document.
pub fn render_review_md(review: &Review, image_of: &dyn Fn(ChartKind) -> String) -> String {
    render_md(review, &|stem| {
        chart_kind(stem).map(image_of).unwrap_or_default()
    })
}

/// As [`render_review_md`], every chart given by its file stem: `image_of` gives its image path
/// relative to the document.
pub fn render_figures_md(review: &Review, image_of: &dyn Fn(&str) -> String) -> String {
    render_md(review, image_of)
}

/// A Markdown image with its caption under it.
fn md_figure(md: &mut String, path: String, alt: &str, caption: &str) {
    // CommonMark takes a destination with spaces only between angle brackets.
    let destination = if path.contains([' ', '(', ')']) {
        format!("<{path}>")
    } else {
        path
    };
    let _ = writeln!(md, "![{alt}]({destination})\n\n*{caption}*");
}

fn render_md(review: &Review, image_of: &dyn Fn(&str) -> String) -> String {
    let mut md = format!("# {}\n", review.title);
    for block in &review.blocks {
        md.push('\n');
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(md, "{} {text}", "#".repeat(usize::from(*level)));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(md, "{text}");
            }
            Block::Recommendation(text) => {
                let _ = writeln!(md, "> **{text}**");
            }
            Block::Warnings(items) => {
                md.push_str("**Warnings**\n\n");
                for item in items {
                    let _ = writeln!(md, "- {item}");
                }
            }
            Block::Table { header, rows } => {
                let line = |cells: &[String]| -> String {
                    let cells: Vec<String> = cells.iter().map(|c| md_cell(c)).collect();
                    format!("| {} |\n", cells.join(" | "))
                };
                md.push_str(&line(header));
                md.push_str(&format!("|{}\n", " --- |".repeat(header.len())));
                for row in rows {
                    md.push_str(&line(row));
                }
            }
            Block::List(items) => {
                for item in items {
                    let _ = writeln!(md, "- {item}");
                }
            }
            Block::Chart(kind) => md_figure(
                &mut md,
                image_of(kind.file_stem()),
                kind.file_stem(),
                kind.caption(review.spot),
            ),
            Block::Figure { stem, caption } => {
                md_figure(&mut md, image_of(stem), stem, caption);
            }
            Block::Code(text) => {
                // A fence longer than any backtick run inside keeps the text intact.
                let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                let fence = "`".repeat(longest.max(2) + 1);
                let _ = writeln!(md, "{fence}\n{}\n{fence}", text.trim_end());
            }
        }
    }
    md
}

/// The command that writes a review again, for the review to show: `spotsim report FILE --runs
/// N --seed S [--format md] -o OUTPUT` (the binary and the Python package show the same).
pub fn review_command(file: &str, runs: u64, seed: u64, markdown: bool, output: &str) -> String {
    let mut command = format!(
        "spotsim report {} --runs {} --seed {}",
        shell_word(file),
        runs,
        seed
    );
    if markdown {
        command.push_str(" --format md");
    }
    command.push_str(&format!(" -o {}", shell_word(output)));
    command
}

/// `word` quoted for a POSIX shell when it needs it.
pub fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The review's section: the ranking as a table, with what it assumes.
pub fn regions_blocks(ranking: &crate::studies::regions::RegionRanking) -> Vec<Block> {
    let best = &ranking.rows[0];
    vec![
        Block::Heading(2, "Regions".to_string()),
        Block::Paragraph(format!(
            "The same job in the {} regions of the Spot Advisor feed that list {}, each with \
             that region's bucket and discount, {} runs each under one seed (common random \
             numbers). Best by real saving: {} ({}). {}",
            ranking.rows.len(),
            ranking.instance_type,
            format_count(ranking.comparison.runs),
            best.region,
            super::regions::saving_cell(best),
            super::regions::caveat(ranking)
        )),
        Block::Table {
            header: super::regions::table_rows(ranking).remove(0),
            rows: super::regions::table_rows(ranking)
                .into_iter()
                .skip(1)
                .collect(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate_of(text: &str) -> (Scenario, Estimate) {
        let scenario = crate::scenario::parse_scenario(text, "t.toml").unwrap();
        let estimate = Estimate::of(&crate::montecarlo::stream_scenario(&scenario));
        (scenario, estimate)
    }

    const JOB: &str = "[job]\ntraining = \"5h\"\n[pricing]\non_demand_hourly = 3.0\n\
                       [simulation]\nruns = 2000\n";

    #[test]
    fn recommendation_names_the_limit_that_stops_the_jobs() {
        // max_run below the training: even on-demand cannot finish.
        let (scenario, estimate) = estimate_of(&format!("{JOB}[stopping]\nmax_run = \"4h\"\n"));
        assert!(recommendation(&estimate, &scenario, 0.99).starts_with("Raise max_run first"));
        // Spot that waits too long for capacity: MaxWait stops, with a saving per completed job.
        let (scenario, estimate) = estimate_of(&format!(
            "{JOB}[stopping]\nmax_run = \"10h\"\nmax_wait = \"12h\"\n[spot]\nenabled = true\ndiscount = 0.7\n\
             capacity_wait = {{ dist = \"exponential\", mean = \"4h\" }}\n\
             time_to_interruption = \"never\"\n[checkpoint]\ninterval = \"30m\"\n"
        ));
        let text = recommendation(&estimate, &scenario, 0.99);
        assert!(text.contains("most stops are MaxWait"), "{text}");
        // Interruptions without checkpoints: the redone work runs into MaxRuntime.
        let (scenario, estimate) = estimate_of(&format!(
            "{JOB}[stopping]\nmax_run = \"8h\"\nmax_wait = \"30d\"\n[spot]\nenabled = true\ndiscount = 0.7\n\
             capacity_wait = \"1m\"\n\
             time_to_interruption = {{ dist = \"exponential\", mean = \"4h\" }}\n"
        ));
        let text = recommendation(&estimate, &scenario, 0.99);
        assert!(
            text.contains("most stops are MaxRuntime") && text.contains("add checkpoints"),
            "{text}"
        );
        // A healthy spot job.
        let (scenario, estimate) = estimate_of(&format!(
            "{JOB}[stopping]\nmax_run = \"10h\"\nmax_wait = \"2d\"\n[spot]\nenabled = true\ndiscount = 0.7\n\
             capacity_wait = \"5m\"\ntime_to_interruption = \"never\"\n"
        ));
        assert!(
            recommendation(&estimate, &scenario, 0.99).starts_with("Use spot: it saves 70.0 %")
        );
    }

    #[test]
    fn html_escapes_text_and_keeps_code_spans() {
        assert_eq!(escape_html("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(
            inline_html("run `spotsim <x>` now & then"),
            "run <code>spotsim &lt;x&gt;</code> now &amp; then"
        );
    }

    #[test]
    fn markdown_fences_outgrow_backticks_inside() {
        let review = Review {
            spot: true,
            title: "t".to_string(),
            blocks: vec![Block::Code("a ``` b".to_string())],
        };
        let md = render_review_md(&review, &|_| String::new());
        assert!(md.contains("````\na ``` b\n````"), "{md}");
    }

    #[test]
    fn markdown_table_cells_escape_pipes() {
        let review = Review {
            spot: true,
            title: "t".to_string(),
            blocks: vec![Block::Table {
                header: vec!["a".to_string(), "b".to_string()],
                rows: vec![vec!["x|y".to_string(), "z".to_string()]],
            }],
        };
        let md = render_review_md(&review, &|_| String::new());
        assert!(
            md.contains("| a | b |\n| --- | --- |\n| x\\|y | z |\n"),
            "{md}"
        );
    }
}
