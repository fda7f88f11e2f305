//! `spotsim recommend`'s outputs: readable text for a review and JSON for programs, both
//! rendered from one [`Recommendation`]. The JSON shape is documented in `docs/output.md`.

use serde_json::{Value, json};

use crate::stats::paired::PairedDifference;
use crate::studies::recommend::{
    IntervalChoice, Mean, Recommendation, SettingsOutcome, Share, SpotOrOnDemand, Verdict,
};
use crate::units::duration::{format_duration, format_duration_exact, format_duration_within};
use crate::units::format::{
    format_count, format_pct, format_share, format_usd, format_usd_places, usd_decimals_within,
};

fn pct(x: f64) -> String {
    format_share(x, 2)
}

fn share_text(s: &Share) -> String {
    format!(
        "{} (95 % CI {} – {}, {} of {})",
        pct(s.value),
        pct(s.ci95.0),
        pct(s.ci95.1),
        format_count(s.count),
        format_count(s.runs)
    )
}

/// The scenario as written against each recommended change: a small table, and whether the
/// settings as written already meet the target.
fn settings_lines(r: &Recommendation) -> Vec<String> {
    let s = &r.settings;
    let wall = |o: &SettingsOutcome| {
        // To the step of the interval's half-width.
        let resolution_s = o
            .p95_wall_s
            .ci95
            .map_or(f64::INFINITY, |(lo, hi)| ((hi - lo) / 2.0).max(1.0));
        let show = |s: f64| format_duration_within(s, resolution_s);
        format!(
            "{}{}",
            show(o.p95_wall_s.value),
            o.p95_wall_s.ci95.map_or(String::new(), |(lo, hi)| format!(
                " ({} – {})",
                show(lo),
                show(hi)
            ))
        )
    };
    let cost = |o: &SettingsOutcome| match o.mean_cost_usd.ci95 {
        Some((lo, hi)) => {
            let places = usd_decimals_within((hi - lo) / 2.0);
            format!(
                "{} ({} – {})",
                format_usd_places(o.mean_cost_usd.value, places),
                format_usd_places(lo, places),
                format_usd_places(hi, places)
            )
        }
        None => format_usd(o.mean_cost_usd.value),
    };
    let completed = |o: &SettingsOutcome| {
        format!(
            "{} ({} – {})",
            pct(o.completed.value),
            pct(o.completed.ci95.0),
            pct(o.completed.ci95.1)
        )
    };
    let mut rows = vec![vec![
        String::new(),
        "setting".to_string(),
        "completed (95 % CI)".to_string(),
        "mean cost (95 % CI)".to_string(),
        "p95 wall time (95 % CI)".to_string(),
    ]];
    let mut row = |label: &str, setting: &str, o: &SettingsOutcome| {
        rows.push(vec![
            label.to_string(),
            setting.to_string(),
            completed(o),
            cost(o),
            wall(o),
        ]);
    };
    let written = s
        .changes
        .iter()
        .map(|c| c.current.clone())
        .collect::<Vec<_>>()
        .join(", ");
    row("as written", &written, &s.current);
    for change in &s.changes {
        row(
            &format!("with {}", change.setting),
            &change.recommended,
            &change.outcome,
        );
    }
    let mut lines = vec![
        "Your settings against the recommended ones (each change alone, same seed)".to_string(),
    ];
    lines.extend(
        super::layout::render_rows(&rows)
            .lines()
            .map(|l| format!("  {l}")),
    );
    lines.push(if s.current_meets_target {
        format!(
            "  your settings already meet the target: {} of jobs complete as written (target \
             {}); a change is worth it only for what it does to cost and wall time above",
            pct(s.current.completed.value),
            pct(r.target)
        )
    } else {
        format!(
            "  your settings do not meet the target: {} of jobs complete as written (target {})",
            pct(s.current.completed.value),
            pct(r.target)
        )
    });
    lines
}

/// A mean in dollars with its interval, all three with the places the interval needs.
fn mean_usd(m: &Mean) -> String {
    match m.ci95 {
        Some((lo, hi)) => {
            let places = usd_decimals_within((hi - lo) / 2.0);
            format!(
                "{} (95 % CI {} – {})",
                format_usd_places(m.value, places),
                format_usd_places(lo, places),
                format_usd_places(hi, places)
            )
        }
        None => format_usd(m.value),
    }
}

/// The half-width of `ci95`, or infinity without one (a figure then reads as
/// [`format_duration`] and [`format_usd`] print it).
fn half_width(ci95: Option<(f64, f64)>) -> f64 {
    ci95.map_or(f64::INFINITY, |(lo, hi)| (hi - lo) / 2.0)
}

/// Places for dollars beside `ci95`.
fn usd_places(ci95: Option<(f64, f64)>) -> usize {
    ci95.map_or(2, |(lo, hi)| usd_decimals_within((hi - lo) / 2.0))
}

/// A duration beside `ci95`: to the step of its half-width, at least a second.
fn duration_within(x: f64, ci95: Option<(f64, f64)>) -> String {
    format_duration_within(x, half_width(ci95).max(1.0))
}

/// The verdict for people. The figures are formatted here, not by the study: a share that is not
/// exactly 0 or 1 never reads as `0 %` or `100 %` (`cheaper in 99.995 % of runs`, beside
/// `P(spot cheaper): 99.995 %`).
pub(super) fn verdict_text(s: &SpotOrOnDemand, target: f64) -> String {
    match s.verdict {
        Verdict::OnDemand => {
            "on-demand: spot does not cost less per completed job for this job".to_string()
        }
        Verdict::SpotShortOfTarget => format!(
            "spot, with the limits below: it costs less per completed job, but as written only \
             {} of spot jobs complete (target {})",
            format_share(s.spot_completed.value, 1),
            format_share(target, 1)
        ),
        Verdict::SpotCheaper => {
            let saving_pct = (1.0
                - s.spot_cost_per_completed_job_usd.unwrap_or(0.0)
                    / s.on_demand_cost_per_completed_job_usd
                        .unwrap_or(f64::INFINITY))
                * 100.0;
            format!(
                "spot: {} cheaper per completed job, cheaper in {} of runs",
                format_pct(saving_pct, 0),
                pct(s.p_spot_cheaper.below)
            )
        }
    }
}

fn interval_of<T>(ci: Option<(f64, f64)>, show: impl Fn(f64) -> T) -> String
where
    T: std::fmt::Display,
{
    ci.map_or(String::new(), |(lo, hi)| {
        format!(" (95 % CI {} – {})", show(lo), show(hi))
    })
}

fn diff_text(d: &PairedDifference, show: impl Fn(f64) -> String) -> String {
    format!("{}{}", show(d.mean), interval_of(d.ci95, &show))
}

fn signed_usd(x: f64, places: usize) -> String {
    if x < 0.0 {
        format!("-{}", format_usd_places(-x, places))
    } else {
        format!("+{}", format_usd_places(x, places))
    }
}

fn signed_duration(x: f64, ci95: Option<(f64, f64)>) -> String {
    if x < 0.0 {
        format!("-{}", duration_within(-x, ci95))
    } else {
        format!("+{}", duration_within(x, ci95))
    }
}

/// The recommendation as text for people.
pub fn render_recommend_table(name: &str, r: &Recommendation) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "recommendation for {name}: {} runs per simulation, seed {}, target completion {}",
        format_count(r.runs),
        r.seed,
        pct(r.target)
    ));
    line(String::new());
    line("Spot or on-demand".into());
    if let Some(s) = &r.spot_or_on_demand {
        line(format!(
            "  verdict:                {}",
            verdict_text(s, r.target)
        ));
        line(format!(
            "  P(spot cheaper):        {} (95 % CI {} – {}), run i against run i",
            pct(s.p_spot_cheaper.below),
            pct(s.p_spot_cheaper.below_ci95.0),
            pct(s.p_spot_cheaper.below_ci95.1)
        ));
        line(format!(
            "  spot cost per job:      {}",
            mean_usd(&s.spot_cost_usd)
        ));
        line(format!(
            "  on-demand cost per job: {}",
            mean_usd(&s.on_demand_cost_usd)
        ));
        if let (Some(a), Some(b)) = (
            s.spot_cost_per_completed_job_usd,
            s.on_demand_cost_per_completed_job_usd,
        ) {
            line(format!(
                "  per completed job:      spot {}, on-demand {}",
                format_usd(a),
                format_usd(b)
            ));
        }
        line(format!(
            "  spot completes:         {}",
            share_text(&s.spot_completed)
        ));
        line(format!(
            "  spot stops at MaxWait:  {}",
            share_text(&s.spot_max_wait_exceeded)
        ));
        line(format!(
            "  spot stops at MaxRun:   {}",
            share_text(&s.spot_max_runtime_exceeded)
        ));
    } else {
        line("  on-demand only (spot is not enabled)".into());
        line(format!(
            "  on-demand cost per job: {}",
            mean_usd(&r.on_demand_cost_usd)
        ));
    }
    line(String::new());
    line("Checkpoint interval".into());
    match &r.checkpoint {
        Some(c) => {
            let choice = |label: &str, ch: &IntervalChoice, usd: bool| {
                // Each figure to the places (or the step) of its own interval.
                let value_ci = ch.value.ci95;
                let show = |x: f64| {
                    if usd {
                        format_usd_places(x, usd_places(value_ci))
                    } else {
                        duration_within(x, value_ci)
                    }
                };
                let diff_ci = ch.current_minus_best.ci95;
                let diff = |x: f64| {
                    if usd {
                        signed_usd(x, usd_places(diff_ci))
                    } else {
                        signed_duration(x, diff_ci)
                    }
                };
                format!(
                    "  {label} {} → {}{}; your {} is {}",
                    format_duration(ch.interval_s),
                    show(ch.value.value),
                    interval_of(ch.value.ci95, show),
                    format_duration(c.current_s),
                    diff_text(&ch.current_minus_best, diff)
                )
            };
            line(choice("lowest mean cost:   ", &c.min_cost, true));
            match (&c.min_p95_wall, &c.p95_note) {
                (Some(ch), _) => line(choice("lowest p95 wall:    ", ch, false)),
                (None, note) => line(format!(
                    "  lowest p95 wall:     not told apart: {}",
                    note.as_deref().unwrap_or("")
                )),
            }
            line(format!(
                "  closed forms:        Young {}, Daly {} (C = {}, M = {}, {}); {} grid points \
                 simulated",
                format_duration(c.closed_form.young_s),
                format_duration(c.closed_form.daly_s),
                format_duration(c.closed_form.save_s),
                format_duration(c.closed_form.mean_time_between_interruptions_s),
                super::sweep::m_source(&c.closed_form),
                c.points
            ));
        }
        None => line(format!(
            "  skipped: {}",
            r.checkpoint_note.as_deref().unwrap_or("")
        )),
    }
    line(String::new());
    line(if r.checkpoint.is_some() {
        "Stopping condition (sized for your own checkpoint interval; a shorter one finishes \
         sooner)"
            .to_string()
    } else {
        "Stopping condition".to_string()
    });
    let l = &r.limits;
    line(format!(
        // The API's own field and value, to paste into a CreateTrainingJob request as it is.
        "  max_run:   {} (MaxRuntimeInSeconds = {}; yours: {})",
        format_duration_exact(l.max_run_s),
        l.max_run_s,
        format_duration_exact(r.current_max_run_s)
    ));
    if let Some(w) = l.max_wait_s {
        line(format!(
            "  max_wait:  {} (MaxWaitTimeInSeconds = {}; yours: {})",
            format_duration_exact(w),
            w,
            r.current_max_wait_s
                .map_or("none".into(), format_duration_exact)
        ));
    }
    if l.max_wait_s.is_some() {
        line(format!(
            "  completion with max_wait at the 30-day cap: {}",
            share_text(&l.completion_at_cap)
        ));
    }
    line(format!(
        "  check at these values, fresh seed {}: {}{}",
        l.check_seed,
        share_text(&l.check_completed),
        if l.reachable {
            ""
        } else {
            " — the target is out of reach"
        }
    ));
    for note in &l.notes {
        line(format!("  note: {note}"));
    }
    line(String::new());
    for text in settings_lines(r) {
        line(text);
    }
    if !r.warnings.is_empty() {
        line(String::new());
        line("Warnings".into());
        for w in &r.warnings {
            line(format!("  - {}", w.message));
            line(format!("    hint: {}", w.hint));
        }
    }
    out
}

fn share_json(s: &Share) -> Value {
    json!({"value": s.value, "ci95": [s.ci95.0, s.ci95.1], "count": s.count, "runs": s.runs})
}

fn mean_json(m: &Mean) -> Value {
    json!({"value": m.value, "ci95": m.ci95.map(|(a, b)| [a, b])})
}

fn choice_json(c: &IntervalChoice, metric: &str) -> Value {
    json!({
        "interval_s": c.interval_s,
        metric: {"value": c.value.value, "ci95": c.value.ci95.map(|(a, b)| [a, b])},
        "current_minus_best": {
            "diff": c.current_minus_best.mean,
            "ci95": c.current_minus_best.ci95.map(|(a, b)| [a, b]),
        },
    })
}

/// The recommendation as JSON (shape in `docs/output.md`).
pub fn render_recommend_json(name: &str, r: &Recommendation) -> String {
    let spot = r.spot_or_on_demand.as_ref().map(|s| {
        json!({
            "choice": s.choice,
            "verdict": verdict_text(s, r.target),
            "p_spot_cheaper": {
                "value": s.p_spot_cheaper.below,
                "ci95": [s.p_spot_cheaper.below_ci95.0, s.p_spot_cheaper.below_ci95.1],
                "tie": s.p_spot_cheaper.tie,
            },
            "spot_cost_usd": mean_json(&s.spot_cost_usd),
            "on_demand_cost_usd": mean_json(&s.on_demand_cost_usd),
            "spot_cost_per_completed_job_usd": s.spot_cost_per_completed_job_usd,
            "on_demand_cost_per_completed_job_usd": s.on_demand_cost_per_completed_job_usd,
            "spot_completed": share_json(&s.spot_completed),
            "spot_max_wait_exceeded": share_json(&s.spot_max_wait_exceeded),
            "spot_max_runtime_exceeded": share_json(&s.spot_max_runtime_exceeded),
            "on_demand_completed": share_json(&s.on_demand_completed),
        })
    });
    let checkpoint = r.checkpoint.as_ref().map(|c| {
        json!({
            "current_s": c.current_s,
            "young_s": c.closed_form.young_s,
            "daly_s": c.closed_form.daly_s,
            "save_s": c.closed_form.save_s,
            "mean_time_between_interruptions_s": c.closed_form.mean_time_between_interruptions_s,
            "min_cost": choice_json(&c.min_cost, "cost_usd"),
            "min_p95_wall": c.min_p95_wall.as_ref().map(|ch| choice_json(ch, "p95_wall_s")),
            "p95_note": c.p95_note,
            "points": c.points,
        })
    });
    let l = &r.limits;
    let doc = json!({
        "spotsim_version": env!("CARGO_PKG_VERSION"),
        "name": name,
        "target_completion": r.target,
        "runs": r.runs,
        "seed": r.seed,
        "checkpoint_interval_s": r.checkpoint.as_ref().map(|c| c.min_cost.interval_s),
        "max_wait_s": l.max_wait_s,
        "max_run_s": l.max_run_s,
        "p_spot_cheaper": r.spot_or_on_demand.as_ref().map(|s| s.p_spot_cheaper.below),
        "spot_or_on_demand": spot,
        "on_demand_cost_usd": mean_json(&r.on_demand_cost_usd),
        "checkpoint": checkpoint,
        "checkpoint_note": r.checkpoint_note,
        "limits": {
            "max_run_s": l.max_run_s,
            "max_wait_s": l.max_wait_s,
            "current_max_run_s": r.current_max_run_s,
            "current_max_wait_s": r.current_max_wait_s,
            "reachable": l.reachable,
            "completion_at_cap": share_json(&l.completion_at_cap),
            "check": {"seed": l.check_seed, "completed": share_json(&l.check_completed)},
            "notes": l.notes,
        },
        "settings": r.settings,
        "warnings": r.warnings.iter().map(|w| json!({"message": w.message, "hint": w.hint}))
            .collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15 audit: a checkpoint choice reads to its interval's step and places, so a
    /// figure of a day and more keeps its minutes and a cent-wide difference its spread.
    #[test]
    fn choices_read_to_their_intervals() {
        let wall = 86_400.0 + 8.0 * 3600.0 + 57.0 * 60.0;
        let ci = Some((wall - 8.0 * 60.0, wall + 8.0 * 60.0));
        assert_eq!(duration_within(wall, ci), "1d 8h 57m");
        assert_eq!(duration_within(wall - 8.0 * 60.0, ci), "1d 8h 49m");
        assert_eq!(duration_within(wall, None), "1d 9h");
        assert_eq!(
            signed_duration(-(1800.0 + 7.0), Some((-1840.0, -1770.0))),
            "-30m 7s"
        );
        let diff_ci = Some((0.0183, 0.0243));
        assert_eq!(signed_usd(0.0213, usd_places(diff_ci)), "+$0.0213");
        assert_eq!(signed_usd(-0.0213, usd_places(diff_ci)), "-$0.0213");
        assert_eq!(signed_usd(0.59, usd_places(Some((0.54, 0.64)))), "+$0.59");
        let mean = Mean {
            value: 7.401,
            ci95: Some((7.3985, 7.4035)),
        };
        assert_eq!(mean_usd(&mean), "$7.4010 (95 % CI $7.3985 – $7.4035)");
    }
}
