//! `spotsim regions`: one job run in every region of the Spot Advisor feed that lists its EC2
//! type, with common random numbers, and ranked.
//!
//! The scenario must read the feed (`advisor = "feed"` or `discount = "feed"`): each region's
//! variant is the scenario file with `job.region` set to that region, parsed again, so it is the
//! scenario a user would get by editing the file (every rule checked, the feed's bucket and
//! discount of that region). The variants are compared ([`crate::studies::compare`]): run `i` of
//! every region draws from the same streams, and each region is paired run by run with the
//! scenario's own region (the first). The ranking is by real saving, then completed share, then
//! p95 wall time. The scenario's on-demand price applies in every region (the feed has no
//! prices), so the savings in percent compare across regions, the costs in dollars do not.

use serde::Serialize;
use toml::{Table, Value};

use crate::scenario::advisor::{FeedEntry, ec2_type};
use crate::scenario::{Scenario, parse_scenario};
use crate::studies::compare::{Comparison, Entry};

/// One region's variant, before it runs.
#[derive(Debug, Clone)]
pub struct RegionVariant {
    /// The region.
    pub region: String,
    /// The feed's entry for the type there.
    pub entry: FeedEntry,
    /// The scenario with `job.region` set to it.
    pub scenario: Scenario,
}

/// The regions to run: the scenario's own first, then `wanted` in the order given (or every
/// region of the feed that lists the type, in name order). Every problem at once: a scenario that does not read the
/// feed, a wanted region that is not in the feed or does not list the type.
pub fn region_variants(
    text: &str,
    file: &str,
    scenario: &Scenario,
    wanted: Option<&[String]>,
) -> Result<Vec<RegionVariant>, Vec<String>> {
    let Some(feed_use) = &scenario.advisor_feed else {
        return Err(vec![format!(
            "{file}: spotsim regions needs a scenario that reads the Spot Advisor feed: \
             job.instance_type, job.region and time_to_interruption = {{ advisor = \"feed\" }} \
             and/or discount = \"feed\" (docs/scenario-format.md)"
        )]);
    };
    let ec2 = ec2_type(scenario.job.instance_type.as_deref().unwrap_or_default()).to_string();
    let offering = feed_use.feed.regions_offering(&ec2);
    let mut regions: Vec<String> = vec![feed_use.region.clone()];
    let mut problems = Vec::new();
    match wanted {
        None => regions.extend(
            offering
                .iter()
                .filter(|r| **r != feed_use.region)
                .map(std::string::ToString::to_string),
        ),
        Some(wanted) => {
            for region in wanted {
                if let Err(error) = feed_use.feed.lookup(region, &ec2) {
                    problems.push(format!("--region {region}: {}", lookup_message(error)));
                } else if !regions.contains(region) {
                    regions.push(region.clone());
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let document: Table = text
        .parse()
        .map_err(|e: toml::de::Error| vec![format!("{file}: {}", e.message())])?;
    let mut variants = Vec::with_capacity(regions.len());
    for region in regions {
        let mut variant = document.clone();
        if let Some(Value::Table(job)) = variant.get_mut("job") {
            job.insert("region".into(), Value::String(region.clone()));
        }
        let variant_text = toml::to_string(&variant).unwrap_or_default();
        match parse_scenario(&variant_text, file) {
            Ok(mut parsed) => {
                parsed.simulation = scenario.simulation.clone();
                let entry = parsed.advisor_feed.as_ref().map(|u| u.entry);
                match entry {
                    Some(entry) => variants.push(RegionVariant {
                        region,
                        entry,
                        scenario: parsed,
                    }),
                    None => problems.push(format!("{region}: the feed was not read")),
                }
            }
            Err(errors) => problems.push(format!("job.region = {region:?}: {errors}")),
        }
    }
    if problems.is_empty() {
        Ok(variants)
    } else {
        Err(problems)
    }
}

fn lookup_message(error: crate::scenario::advisor::LookupError) -> String {
    match error {
        crate::scenario::advisor::LookupError::Region(m)
        | crate::scenario::advisor::LookupError::InstanceType(m) => m,
    }
}

/// The variants as a comparison's entries, named by region.
pub fn entries(variants: &[RegionVariant]) -> Vec<Entry> {
    variants
        .iter()
        .map(|v| Entry {
            name: v.region.clone(),
            file: v.region.clone(),
            scenario: v.scenario.clone(),
        })
        .collect()
}

/// One region's figures, as ranked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionRow {
    /// 1 for the best.
    pub rank: usize,
    /// The region.
    pub region: String,
    /// The feed's bucket there.
    pub bucket: &'static str,
    /// The feed's savings there, percent.
    pub feed_savings_pct: i32,
    /// The real saving against on-demand, percent, with its paired 95 % interval.
    pub real_saving_pct: Option<f64>,
    /// Its 95 % interval.
    pub real_saving_ci95_pct: Option<(f64, f64)>,
    /// Share of spot runs that completed.
    pub completed_share: f64,
    /// Its 95 % (Wilson) interval.
    pub completed_ci95: (f64, f64),
    /// p95 wall time, seconds.
    pub wall_p95_s: f64,
    /// Its 95 % interval.
    pub wall_p95_ci95_s: Option<(f64, f64)>,
    /// Mean interruptions per run.
    pub interruptions_mean: f64,
    /// Expected cost per completed job, USD (at the scenario's on-demand price).
    pub cost_per_completed_job_usd: Option<f64>,
    /// Whether this is the scenario's own region (the baseline of the paired differences).
    pub home: bool,
}

/// Everything `spotsim regions` reports.
#[derive(Debug, Clone)]
pub struct RegionRanking {
    /// The job's instance type.
    pub instance_type: String,
    /// The feed the buckets and discounts came from.
    pub feed: String,
    /// The regions, best first.
    pub rows: Vec<RegionRow>,
    /// The comparison behind them: the scenario's own region first.
    pub comparison: Comparison,
}

/// Ranks a comparison of `variants` (in their order): by real saving (highest first), then
/// completed share (highest), then p95 wall time (shortest), then region name.
pub fn rank(variants: &[RegionVariant], comparison: Comparison) -> RegionRanking {
    let mut rows: Vec<RegionRow> = variants
        .iter()
        .zip(&comparison.scenarios)
        .enumerate()
        .map(|(index, (variant, result))| {
            let side = result
                .estimate
                .spot
                .as_ref()
                .unwrap_or(&result.estimate.on_demand);
            let completed = side.outcomes.completed;
            let ci = side.outcomes.ci95.completed;
            RegionRow {
                rank: 0,
                region: variant.region.clone(),
                bucket: variant.entry.bucket,
                feed_savings_pct: variant.entry.savings_pct,
                real_saving_pct: result.estimate.savings_vs_on_demand_pct,
                real_saving_ci95_pct: result.intervals.savings_vs_on_demand_pct,
                completed_share: completed,
                completed_ci95: (ci[0], ci[1]),
                wall_p95_s: side.metrics.wall_s.p95,
                wall_p95_ci95_s: result.wall_p95_ci_s,
                interruptions_mean: side.metrics.interruptions.mean,
                cost_per_completed_job_usd: side.cost_per_completed_job_usd,
                home: index == 0,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let saving = |r: &RegionRow| r.real_saving_pct.unwrap_or(f64::NEG_INFINITY);
        saving(b)
            .total_cmp(&saving(a))
            .then(b.completed_share.total_cmp(&a.completed_share))
            .then(a.wall_p95_s.total_cmp(&b.wall_p95_s))
            .then(a.region.cmp(&b.region))
    });
    for (rank, row) in rows.iter_mut().enumerate() {
        row.rank = rank + 1;
    }
    let first = &variants[0].scenario;
    RegionRanking {
        instance_type: first.job.instance_type.clone().unwrap_or_default(),
        feed: first
            .advisor_feed
            .as_ref()
            .map(|u| u.feed.label())
            .unwrap_or_default(),
        rows,
        comparison,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::studies::compare::compare;

    const JOB: &str = r#"[job]
instance_type = "ml.p3.2xlarge"
region = "us-east-1"
training = "10h"
[stopping]
max_run = "1d"
max_wait = "2d"
[spot]
enabled = true
capacity_wait = "10m"
time_to_interruption = { advisor = "feed", bound = "lower" }
discount = "feed"
[checkpoint]
interval = "30m"
[pricing]
on_demand_hourly = 3.06
[simulation]
runs = 2000
"#;

    #[test]
    fn every_region_listing_the_type_runs_and_is_ranked_by_real_saving() {
        let scenario = parse_scenario(JOB, "p3.toml").unwrap();
        let variants = region_variants(JOB, "p3.toml", &scenario, None).unwrap();
        // The snapshot lists p3.2xlarge in 11 regions; the scenario's own comes first.
        assert_eq!(variants.len(), 11);
        assert_eq!(variants[0].region, "us-east-1");
        // Each variant is the file with that region: same bucket (">20%" everywhere), the
        // region's own discount.
        let west = variants.iter().find(|v| v.region == "us-west-2").unwrap();
        assert_eq!(
            west.scenario.spot.as_ref().unwrap().price,
            crate::scenario::SpotPriceSpec::Discount(0.71)
        );
        let ranking = rank(&variants, compare(entries(&variants)));
        let savings: Vec<f64> = ranking
            .rows
            .iter()
            .map(|r| r.real_saving_pct.unwrap())
            .collect();
        assert!(savings.windows(2).all(|w| w[0] >= w[1]), "{savings:?}");
        // Same bucket, same runs: every region meets the same interruptions, so the real saving
        // is the feed's discount for all (10 h of training, checkpoints lose little).
        for row in &ranking.rows {
            let (lo, hi) = row.real_saving_ci95_pct.unwrap();
            assert!(lo <= row.real_saving_pct.unwrap() && row.real_saving_pct.unwrap() <= hi);
            assert!(
                (row.real_saving_pct.unwrap() - f64::from(row.feed_savings_pct)).abs() < 3.0,
                "{row:?}"
            );
        }
        let best = ranking
            .rows
            .iter()
            .map(|r| r.feed_savings_pct)
            .max()
            .unwrap();
        assert_eq!(ranking.rows[0].feed_savings_pct, best);
        assert!(ranking.rows.iter().filter(|r| r.home).count() == 1);
        // With one bucket and common random numbers the wall times agree run by run.
        let walls: Vec<f64> = ranking.rows.iter().map(|r| r.wall_p95_s).collect();
        assert!(walls.iter().all(|w| *w == walls[0]), "{walls:?}");
    }

    #[test]
    fn a_region_list_is_checked_against_the_feed() {
        let scenario = parse_scenario(JOB, "p3.toml").unwrap();
        let wanted = [
            "eu-west-1".to_string(),
            "eu-north-1".to_string(),
            "mars-1".to_string(),
        ];
        let problems = region_variants(JOB, "p3.toml", &scenario, Some(&wanted)).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].starts_with("--region eu-north-1: EC2 type p3.2xlarge"),
            "{problems:#?}"
        );
        assert!(
            problems[1].starts_with("--region mars-1: region mars-1"),
            "{problems:#?}"
        );
        let plain = JOB
            .replace("discount = \"feed\"", "discount = 0.7")
            .replace("{ advisor = \"feed\", bound = \"lower\" }", "\"6h\"");
        let scenario = parse_scenario(&plain, "p3.toml").unwrap();
        assert!(
            region_variants(&plain, "p3.toml", &scenario, None).unwrap_err()[0]
                .contains("needs a scenario that reads the Spot Advisor feed")
        );
    }
}
