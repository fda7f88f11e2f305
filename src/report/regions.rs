//! `spotsim regions`' outputs: the ranked table, the JSON document and the review's section, all
//! from one [`RegionRanking`].

use serde::Serialize;

use super::layout::render_rows;
use crate::studies::regions::{RegionRanking, RegionRow};
use crate::units::duration::format_duration;
use crate::units::format::{format_count, format_pct};

/// `54.0 % (53.8–54.2)`.
pub(super) fn saving_cell(row: &RegionRow) -> String {
    match (row.real_saving_pct, row.real_saving_ci95_pct) {
        (Some(saving), Some((lo, hi))) => format!("{saving:.1} % ({lo:.1}–{hi:.1})"),
        (Some(saving), None) => format!("{saving:.1} %"),
        _ => "—".to_string(),
    }
}

/// `99.9 % (99.8–100.0)`.
fn completed_cell(row: &RegionRow) -> String {
    let (lo, hi) = row.completed_ci95;
    format!(
        "{} ({:.1}–{:.1})",
        format_pct(row.completed_share * 100.0, 1),
        lo * 100.0,
        hi * 100.0
    )
}

/// `9h 12m (9h 5m–9h 20m)`.
fn wall_cell(row: &RegionRow) -> String {
    match row.wall_p95_ci95_s {
        Some((lo, hi)) => format!(
            "{} ({}–{})",
            format_duration(row.wall_p95_s),
            format_duration(lo),
            format_duration(hi)
        ),
        None => format_duration(row.wall_p95_s),
    }
}

fn region_cell(row: &RegionRow) -> String {
    if row.home {
        format!("{} (scenario's)", row.region)
    } else {
        row.region.clone()
    }
}

/// The ranked rows as table cells, a header first.
pub(super) fn table_rows(ranking: &RegionRanking) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "#".to_string(),
        "region".to_string(),
        "bucket".to_string(),
        "feed savings".to_string(),
        "real saving (95 % CI)".to_string(),
        "completed (95 % CI)".to_string(),
        "p95 wall time (95 % CI)".to_string(),
        "interruptions/run".to_string(),
    ]];
    for row in &ranking.rows {
        rows.push(vec![
            row.rank.to_string(),
            region_cell(row),
            row.bucket.to_string(),
            format!("{} %", row.feed_savings_pct),
            saving_cell(row),
            completed_cell(row),
            wall_cell(row),
            format!("{:.3}", row.interruptions_mean),
        ]);
    }
    rows
}

/// The note every output carries: what the figures are, and what they are not.
pub(super) fn caveat(ranking: &RegionRanking) -> String {
    format!(
        "Buckets and discounts from the Spot Advisor feed ({}); EC2's savings taken as \
         SageMaker's discount (docs/model.md). Every region bills at the scenario's on-demand \
         price: compare savings in percent, not dollars.",
        ranking.feed
    )
}

/// The terminal table: ranked by real saving, then completed share, then p95 wall time.
pub fn render_regions_table(ranking: &RegionRanking) -> String {
    // The first column of render_rows is left-aligned: put the region there.
    let rows: Vec<Vec<String>> = table_rows(ranking)
        .into_iter()
        .map(|mut row| {
            let rank = row.remove(0);
            row.insert(1, rank);
            row
        })
        .collect();
    let mut out = format!(
        "{} in {} regions of the Spot Advisor feed · {} runs each, seed {} (common random \
         numbers)\n\n",
        ranking.instance_type,
        ranking.rows.len(),
        format_count(ranking.comparison.runs),
        ranking.comparison.seed
    );
    out.push_str(&render_rows(&rows));
    out.push('\n');
    out.push_str(&caveat(ranking));
    out.push('\n');
    out
}

#[derive(Serialize)]
struct JsonRanking<'a> {
    spotsim_version: &'static str,
    instance_type: &'a str,
    feed: &'a str,
    runs: u64,
    seed: u64,
    ranked_by: [&'static str; 3],
    regions: &'a [RegionRow],
}

/// The JSON document: every region's row, best first.
pub fn render_regions_json(ranking: &RegionRanking) -> String {
    let json = JsonRanking {
        spotsim_version: env!("CARGO_PKG_VERSION"),
        instance_type: &ranking.instance_type,
        feed: &ranking.feed,
        runs: ranking.comparison.runs,
        seed: ranking.comparison.seed,
        ranked_by: [
            "real_saving_pct (highest first)",
            "completed_share (highest first)",
            "wall_p95_s (shortest first)",
        ],
        regions: &ranking.rows,
    };
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}
