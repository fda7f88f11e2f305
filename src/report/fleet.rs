//! `spotsim fleet`: the fleet summary as a table for a review, JSON, or one CSV row per month.

use super::layout::render_rows;
use crate::fleet::{Fleet, FleetReport, FleetShares, PoolConcurrency};
use crate::stats::summary::Summary;
use crate::units::duration::format_duration;
use crate::units::format::{format_count, format_pct, format_std_err, format_usd, format_usd_pm};

/// How a figure is written.
#[derive(Clone, Copy)]
pub(super) enum Unit {
    Usd,
    Duration,
    Count,
}

pub(super) fn show(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Usd => format_usd(value),
        Unit::Duration => format_duration(value),
        Unit::Count if value.fract() == 0.0 && value.abs() < 1e15 => format_count(value as u64),
        Unit::Count => format_tenths(value),
    }
}

/// `4,024.7`: one decimal, thousands grouped.
fn format_tenths(value: f64) -> String {
    let tenths = (value.abs() * 10.0).round() as u64;
    let sign = if value < 0.0 && tenths > 0 { "-" } else { "" };
    format!("{sign}{}.{}", format_count(tenths / 10), tenths % 10)
}

pub(super) fn show_mean(summary: &Summary, unit: Unit) -> String {
    match summary.std_err {
        Some(se) => {
            let se = match unit {
                Unit::Usd => format_usd_pm(se),
                Unit::Duration => format_duration(se),
                Unit::Count => format_std_err(se),
            };
            format!("{} ± {se}", show(summary.mean, unit))
        }
        None => show(summary.mean, unit),
    }
}

pub(super) fn summary_row(label: &str, summary: &Summary, unit: Unit) -> Vec<String> {
    let mut row = vec![format!("  {label}"), show_mean(summary, unit)];
    row.extend(
        [summary.p50, summary.p90, summary.p99, summary.max]
            .iter()
            .map(|&v| show(v, unit)),
    );
    row
}

fn shares_text(shares: &FleetShares) -> String {
    format!(
        "completed {}, stopped by MaxWait {}, stopped by MaxRuntime {}, unfinished {}",
        format_pct(shares.completed * 100.0, 1),
        format_pct(shares.max_wait_time_exceeded * 100.0, 2),
        format_pct(shares.max_runtime_exceeded * 100.0, 2),
        format_pct(shares.unfinished * 100.0, 1)
    )
}

pub(super) fn quota_text(quota: Option<u32>) -> String {
    quota.map_or_else(|| "none".to_string(), |q| format_count(u64::from(q)))
}

/// One row per pool (instance type × side): quota, mean, p95 and peak concurrency. Shared by
/// the table and the review, whose tables indent their labels differently.
pub(super) fn concurrency_rows(report: &FleetReport) -> Vec<Vec<String>> {
    let pool_row = |label: String, pool: &PoolConcurrency| {
        vec![
            label,
            quota_text(pool.quota),
            format_tenths(pool.mean.mean),
            format_tenths(pool.p95.mean),
            format_tenths(pool.peak.mean),
            show(pool.peak.p90, Unit::Count),
            show(pool.peak.p99, Unit::Count),
        ]
    };
    let mut rows = Vec::new();
    for (instance_type, concurrency) in &report.concurrent_instances {
        if let Some(spot) = &concurrency.spot {
            rows.push(pool_row(format!("{instance_type} spot"), spot));
        }
        if let Some(on_demand) = &concurrency.on_demand {
            rows.push(pool_row(format!("{instance_type} on-demand"), on_demand));
        }
    }
    rows
}

/// One row per workload: what it is (instances, capacity, arrivals, jobs a month).
pub(super) fn workload_rows(report: &FleetReport) -> Vec<Vec<String>> {
    report
        .workloads
        .iter()
        .map(|w| {
            vec![
                w.name.clone(),
                format!("{} × {}", w.instance_count, w.instance_type),
                if w.spot { "spot" } else { "on-demand" }.to_string(),
                w.arrivals.describe(),
                format_tenths(w.jobs.mean),
            ]
        })
        .collect()
}

/// One row per workload: what it costs, how long it queues and how its jobs end.
pub(super) fn workload_result_rows(report: &FleetReport) -> Vec<Vec<String>> {
    report
        .workloads
        .iter()
        .map(|w| {
            vec![
                w.name.clone(),
                format_usd(w.cost_usd.mean),
                format_usd(w.on_demand_cost_usd.mean),
                w.cost_per_job_usd.map_or_else(|| "—".into(), format_usd),
                w.mean_queue_wait_s
                    .map_or_else(|| "—".into(), format_duration),
                format_pct(w.outcomes.completed * 100.0, 1),
                format_pct(w.outcomes.max_wait_time_exceeded * 100.0, 2),
                format_pct(w.outcomes.max_runtime_exceeded * 100.0, 2),
                format_pct(w.outcomes.unfinished * 100.0, 1),
            ]
        })
        .collect()
}

/// `rows` with their labels indented under a heading, as the text table shows them.
fn indented(rows: Vec<Vec<String>>) -> impl Iterator<Item = Vec<String>> {
    rows.into_iter().map(|mut row| {
        row[0] = format!("  {}", row[0]);
        row
    })
}

/// The fleet summary for people.
pub fn render_fleet_table(report: &FleetReport) -> String {
    let mut out = format!(
        "{} · {} simulated months of {} ({} warm-up) · seed {}\n",
        report.fleet,
        format_count(report.runs),
        format_duration(report.horizon_s),
        format_duration(report.warmup_s),
        report.seed
    );

    let mut rows: Vec<Vec<String>> = vec![vec![String::new()]];
    rows.push(
        [
            "Workload",
            "instances",
            "capacity",
            "arrivals",
            "jobs/month",
        ]
        .map(String::from)
        .to_vec(),
    );
    rows.extend(indented(workload_rows(report)));
    out.push_str(&render_rows(&rows));

    let mut rows: Vec<Vec<String>> = vec![vec![String::new()]];
    rows.push(
        ["Per month", "mean ± s.e.", "p50", "p90", "p99", "max"]
            .map(String::from)
            .to_vec(),
    );
    rows.push(summary_row("cost", &report.cost_usd, Unit::Usd));
    rows.push(summary_row(
        "cost if all on-demand",
        &report.on_demand_cost_usd,
        Unit::Usd,
    ));
    rows.push(summary_row(
        "billed instance-hours",
        &report.instance_hours,
        Unit::Count,
    ));
    rows.push(summary_row("jobs submitted", &report.jobs, Unit::Count));
    rows.push(summary_row(
        "interruptions",
        &report.interruptions.per_month,
        Unit::Count,
    ));
    if let Some(wait) = &report.queue_wait_s {
        rows.push(vec![String::new()]);
        rows.push(
            ["Per job", "mean ± s.e.", "p50", "p90", "p99", "max"]
                .map(String::from)
                .to_vec(),
        );
        rows.push(summary_row("quota queue wait", wait, Unit::Duration));
    }
    out.push_str(&render_rows(&rows));
    out.push_str(&format!(
        "  Saving against all on-demand: {} (mean cost {} against {} a month)\n",
        format_pct(report.savings_vs_on_demand_pct, 1),
        format_usd(report.cost_usd.mean),
        format_usd(report.on_demand_cost_usd.mean)
    ));
    out.push_str(&format!(
        "  Jobs that queued for quota: {}\n  At the horizon: {}\n",
        format_pct(report.queued_share * 100.0, 1),
        shares_text(&report.outcomes)
    ));
    if let Some(per_reclaim) = report.interruptions.jobs_per_reclaim {
        out.push_str(&format!(
            "  Reclaims: {:.1} a month, {per_reclaim:.2} jobs interrupted per reclaim, at most {} \
             at once (mean over months)\n",
            report.interruptions.reclaim_events.mean,
            show(report.interruptions.largest_simultaneous.mean, Unit::Count)
        ));
    }

    let mut rows: Vec<Vec<String>> = vec![vec![String::new()]];
    rows.push(
        [
            "Concurrent instances",
            "quota",
            "mean",
            "p95 (mean)",
            "peak (mean)",
            "peak (p90)",
            "peak (p99)",
        ]
        .map(String::from)
        .to_vec(),
    );
    rows.extend(indented(concurrency_rows(report)));
    out.push_str(&render_rows(&rows));
    out.push_str(
        "  Instances of jobs in progress (created, not yet ended), waits for spot capacity \
         included: what a quota limits.\n",
    );

    let mut rows: Vec<Vec<String>> = vec![vec![String::new()]];
    rows.push(
        [
            "By workload",
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
    );
    rows.extend(indented(workload_result_rows(report)));
    out.push_str(&render_rows(&rows));
    out
}

/// What `spotsim validate` understood from a fleet file.
pub fn render_fleet_validation(file: &str, fleet: &Fleet) -> String {
    let mut out = format!(
        "{file}: a valid fleet: {} workload{}, months of {} ({} warm-up), {} runs, seed {}, \
         about {} jobs a month\n",
        fleet.workloads.len(),
        if fleet.workloads.len() == 1 { "" } else { "s" },
        format_duration(fleet.horizon_s),
        format_duration(fleet.warmup_s),
        format_count(fleet.runs),
        fleet.seed,
        format_count(
            (fleet.expected_jobs_per_month() * fleet.horizon_s / (fleet.horizon_s + fleet.warmup_s))
                .round() as u64
        )
    );
    let mut rows: Vec<Vec<String>> = vec![vec![String::new()]];
    rows.push(
        [
            "Workload",
            "scenario",
            "instances",
            "capacity",
            "arrivals",
            "count",
        ]
        .map(String::from)
        .to_vec(),
    );
    for w in &fleet.workloads {
        rows.push(vec![
            format!("  {}", w.name),
            w.source.clone(),
            format!("{} × {}", w.instance_count(), w.instance_type),
            if w.is_spot() { "spot" } else { "on-demand" }.to_string(),
            w.arrivals.describe(),
            w.count.map_or_else(|| "—".into(), format_count),
        ]);
    }
    out.push_str(&render_rows(&rows));
    let mut types: Vec<&str> = fleet
        .workloads
        .iter()
        .map(|w| w.instance_type.as_str())
        .collect();
    types.sort_unstable();
    types.dedup();
    let mut rows: Vec<Vec<String>> = vec![vec![String::new()]];
    rows.push(
        [
            "Instance type",
            "spot quota",
            "on-demand quota",
            "spot market",
        ]
        .map(String::from)
        .to_vec(),
    );
    for instance_type in types {
        let quota = fleet.quotas.get(instance_type).copied().unwrap_or_default();
        let market = match fleet.markets.get(instance_type) {
            Some(crate::scenario::MarketSpec::Independent { .. }) => {
                "independent (each job's own draws)"
            }
            Some(crate::scenario::MarketSpec::Markov { .. }) => "Markov, shared",
            Some(crate::scenario::MarketSpec::Trace { .. }) => "trace replay, shared",
            None => "each scenario's own",
        };
        rows.push(vec![
            format!("  {instance_type}"),
            quota_text(quota.spot),
            quota_text(quota.on_demand),
            market.to_string(),
        ]);
    }
    out.push_str(&render_rows(&rows));
    out
}

/// The fleet summary as pretty-printed JSON, ending with a newline.
pub fn render_fleet_json(report: &FleetReport) -> String {
    let mut json = serde_json::to_string_pretty(report).expect("a fleet report serialises");
    json.push('\n');
    json
}

/// One CSV row per simulated month.
pub fn render_fleet_csv(report: &FleetReport) -> String {
    let mut header: Vec<String> = [
        "month",
        "jobs",
        "cost_usd",
        "on_demand_cost_usd",
        "instance_hours",
        "held_instance_hours",
        "completed",
        "max_runtime_exceeded",
        "max_wait_time_exceeded",
        "unfinished",
        "queue_wait_sum_s",
        "interruptions",
    ]
    .map(String::from)
    .to_vec();
    for band in &report.bands {
        let pool = format!("{}_{}", band.key.instance_type, band.key.side());
        for figure in ["mean", "p95", "peak"] {
            header.push(format!("{pool}_{figure}_instances"));
        }
    }
    for w in &report.workloads {
        header.push(format!("{}_cost_usd", w.name));
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut write = |record: Vec<String>| {
        writer
            .write_record(&record)
            .expect("writing CSV to memory cannot fail");
    };
    write(header);
    for (index, month) in report.months.iter().enumerate() {
        let mut record = vec![
            index.to_string(),
            month.jobs.to_string(),
            month.cost_usd.to_string(),
            month.on_demand_cost_usd.to_string(),
            month.instance_hours.to_string(),
            month.held_instance_hours.to_string(),
        ];
        record.extend(month.outcomes.iter().map(u64::to_string));
        record.push(month.queue_wait_sum_s.to_string());
        record.push(month.interruptions.to_string());
        for pool in &month.pools {
            record.extend([pool.mean, pool.p95, pool.peak].map(|v| v.to_string()));
        }
        record.extend(month.workloads.iter().map(|w| w.cost_usd.to_string()));
        write(record);
    }
    String::from_utf8(writer.into_inner().expect("in memory")).expect("CSV of UTF-8 text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_are_grouped() {
        assert_eq!(format_tenths(4024.66), "4,024.7");
        assert_eq!(format_tenths(0.04), "0.0");
        assert_eq!(format_tenths(-1234.5), "-1,234.5");
    }
}
