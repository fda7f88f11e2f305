//! `spotsim regions`' outputs: the ranked table, the JSON document and the review's section, all
//! from one [`RegionRanking`].

use serde::Serialize;

use super::layout::render_rows;
use crate::studies::regions::{RegionRanking, RegionRow};
use crate::units::duration::{format_duration, format_duration_within};
use crate::units::format::{format_count, format_pct, pct_decimals_within};

/// The places `value % (lo–hi)` needs: at least `min`, those of the interval's half-width, and
/// more where [`format_pct`] needs them so that a share short of 100 % does not read as it.
fn interval_places(value_pct: f64, lo_pct: f64, hi_pct: f64, min: usize) -> usize {
    let places = pct_decimals_within((hi_pct - lo_pct) / 2.0, min);
    [value_pct, lo_pct, hi_pct]
        .map(|x| {
            let text = format_pct(x, places);
            text.trim_end_matches(" %")
                .split('.')
                .nth(1)
                .map_or(0, str::len)
        })
        .into_iter()
        .fold(places, usize::max)
}

/// `value % (lo–hi)`, all three with `places` (by [`format_pct`]'s rule), so the ends print
/// apart and the value is never rounded coarser than its interval (`86.998 % (86.997–86.999)`,
/// not `87.0 % (87.0–87.0)` beside a feed's 87 %).
fn pct_with_interval(value_pct: f64, lo_pct: f64, hi_pct: f64, places: usize) -> String {
    let bare = |x: f64| format_pct(x, places).trim_end_matches(" %").to_string();
    format!(
        "{} ({}–{})",
        format_pct(value_pct, places),
        bare(lo_pct),
        bare(hi_pct)
    )
}

/// The places of a row's real saving (at least one).
fn saving_places(row: &RegionRow) -> usize {
    match (row.real_saving_pct, row.real_saving_ci95_pct) {
        (Some(saving), Some((lo, hi))) => interval_places(saving, lo, hi, 1),
        _ => 1,
    }
}

/// The places of a row's completed share (at least one).
fn completed_places(row: &RegionRow) -> usize {
    let (lo, hi) = row.completed_ci95;
    interval_places(row.completed_share * 100.0, lo * 100.0, hi * 100.0, 1)
}

/// `54.0 % (53.8–54.2)`, to the places its interval needs.
pub(super) fn saving_cell(row: &RegionRow) -> String {
    saving_cell_with(row, saving_places(row))
}

/// `54.0 % (53.8–54.2)` with `places`.
fn saving_cell_with(row: &RegionRow, places: usize) -> String {
    match (row.real_saving_pct, row.real_saving_ci95_pct) {
        (Some(saving), Some((lo, hi))) => pct_with_interval(saving, lo, hi, places),
        (Some(saving), None) => format_pct(saving, places),
        _ => "—".to_string(),
    }
}

/// `99.9 % (99.8–100.0)` with `places`.
fn completed_cell(row: &RegionRow, places: usize) -> String {
    let (lo, hi) = row.completed_ci95;
    pct_with_interval(row.completed_share * 100.0, lo * 100.0, hi * 100.0, places)
}

/// `9h 12m (9h 5m–9h 20m)`, each to the step of the interval's half-width.
fn wall_cell(row: &RegionRow) -> String {
    match row.wall_p95_ci95_s {
        Some((lo, hi)) => {
            let show = |s: f64| format_duration_within(s, ((hi - lo) / 2.0).max(1.0));
            format!("{} ({}–{})", show(row.wall_p95_s), show(lo), show(hi))
        }
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
    // One rule per column: the most places any row's interval needs.
    let column =
        |places: fn(&RegionRow) -> usize| ranking.rows.iter().map(places).max().unwrap_or(1);
    let (saving_places, completed_places) = (column(saving_places), column(completed_places));
    for row in &ranking.rows {
        rows.push(vec![
            row.rank.to_string(),
            region_cell(row),
            row.bucket.to_string(),
            format!("{} %", row.feed_savings_pct),
            saving_cell_with(row, saving_places),
            completed_cell(row, completed_places),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(saving_pct: f64, ci95_pct: (f64, f64)) -> RegionRow {
        RegionRow {
            rank: 1,
            region: "us-east-1".to_string(),
            bucket: "<5%",
            feed_savings_pct: 87,
            real_saving_pct: Some(saving_pct),
            real_saving_ci95_pct: Some(ci95_pct),
            completed_share: 0.99997,
            completed_ci95: (0.99990, 0.99999),
            wall_p95_s: 21.0 * 3600.0 + 59.0,
            wall_p95_ci95_s: Some((21.0 * 3600.0 + 40.0, 21.0 * 3600.0 + 80.0)),
            interruptions_mean: 0.5,
            cost_per_completed_job_usd: None,
            home: true,
        }
    }

    /// Issue 15 audit: an interval gets the digits to tell its ends apart, and 86.998 does not
    /// read as 87.0 beside the feed's 87 %.
    #[test]
    fn cells_carry_the_digits_their_intervals_need() {
        let narrow = row(86.998, (86.997, 86.999));
        assert_eq!(saving_cell(&narrow), "86.998 % (86.997–86.999)");
        assert_eq!(
            completed_cell(&narrow, completed_places(&narrow)),
            "99.997 % (99.990–99.999)"
        );
        assert_eq!(wall_cell(&narrow), "21h 0m 59s (21h 0m 40s–21h 1m 20s)");
        let wide = row(54.04, (53.8, 54.2));
        assert_eq!(saving_cell(&wide), "54.0 % (53.8–54.2)");
        // The value needs a place more than its interval to stay short of 100 %: all three
        // get it.
        let mut near = row(54.0, (53.8, 54.2));
        near.completed_share = 0.99995;
        near.completed_ci95 = (0.9997, 0.99999);
        assert_eq!(
            completed_cell(&near, completed_places(&near)),
            "99.995 % (99.970–99.999)"
        );
    }
}
