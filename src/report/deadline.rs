//! `spotsim recommend --deadline`'s outputs: readable text and JSON, both rendered from one
//! [`DeadlineAnswer`]. The JSON shape is documented in `docs/output.md`.

use serde_json::{Value, json};

use crate::stats::paired::PairedDifference;
use crate::studies::deadline::{DeadlineAnswer, DeadlineOption, OptionKind};
use crate::studies::recommend::{Mean, Share};
use crate::units::duration::{format_duration, format_duration_exact};
use crate::units::format::{format_count, format_pct, format_share, format_usd};

fn pct(x: f64) -> String {
    format_share(x, 2)
}

fn share_ci(s: &Share) -> String {
    format!("{} ({} – {})", pct(s.value), pct(s.ci95.0), pct(s.ci95.1))
}

fn usd_ci(m: &Mean) -> String {
    match m.ci95 {
        Some((lo, hi)) => format!(
            "{} ({} – {})",
            format_usd(m.value),
            format_usd(lo),
            format_usd(hi)
        ),
        None => format_usd(m.value),
    }
}

/// `$12.34 more` / `$12.34 less`, with the paired interval of the difference.
fn more_or_less(d: &PairedDifference) -> String {
    let word = if d.mean >= 0.0 { "more" } else { "less" };
    let interval = d.ci95.map_or(String::new(), |(lo, hi)| {
        format!(
            " (paired 95 % CI of the difference {} to {})",
            signed_usd(lo),
            signed_usd(hi)
        )
    });
    format!("{} {word} per job{interval}", format_usd(d.mean.abs()))
}

fn signed_usd(x: f64) -> String {
    if x < 0.0 {
        format!("−{}", format_usd(-x))
    } else {
        format!("+{}", format_usd(x))
    }
}

/// The answer in a few sentences: what to run, then whether the fallback pays for itself
/// against spot alone and against on-demand.
fn verdict_lines(a: &DeadlineAnswer) -> Vec<String> {
    let chosen = a.chosen();
    let mut lines = vec![if a.met {
        format!(
            "Answer: {}. It is the cheapest option that meets the deadline in at least {} of \
             runs: {} of runs (95 % CI {} – {}) at {} per job.",
            chosen.label,
            pct(a.target),
            pct(chosen.met_deadline.value),
            pct(chosen.met_deadline.ci95.0),
            pct(chosen.met_deadline.ci95.1),
            format_usd(chosen.cost_usd.value)
        )
    } else {
        format!(
            "Answer: no option meets the deadline in {} of runs; {} meets it most often, in {} \
             of runs (95 % CI {} – {}), at {} per job. A later deadline, or a lower target, is \
             needed.",
            pct(a.target),
            chosen.label,
            pct(chosen.met_deadline.value),
            pct(chosen.met_deadline.ci95.0),
            pct(chosen.met_deadline.ci95.1),
            format_usd(chosen.cost_usd.value)
        )
    }];
    let (Some(alone), Some(on_demand)) = (
        a.option(OptionKind::SpotAlone),
        a.option(OptionKind::OnDemand),
    ) else {
        return lines;
    };
    lines.push(String::new());
    lines.push("Does a fallback pay for itself?".to_string());
    for o in a
        .options
        .iter()
        .filter(|o| o.cost_vs_spot_alone_usd.is_some())
    {
        let Some(d) = &o.cost_vs_spot_alone_usd else {
            continue;
        };
        lines.push(format!("  {}:", o.label));
        lines.push(format!(
            "    against spot alone: {}, and the deadline met in {} of runs instead of {}{}",
            more_or_less(d),
            pct(o.met_deadline.value),
            pct(alone.met_deadline.value),
            o.went_on_demand.map_or(String::new(), |share| format!(
                "; {} of runs went on-demand",
                pct(share)
            ))
        ));
        let saving = o.savings_vs_on_demand_pct.map_or(String::new(), |s| {
            let interval = s.ci95.map_or(String::new(), |(lo, hi)| {
                format!(" (95 % CI {} – {})", format_pct(lo, 1), format_pct(hi, 1))
            });
            format!("{}{interval}", format_pct(s.value, 1))
        });
        let pays = if o.met_deadline.value >= alone.met_deadline.value && d.mean <= 0.0 {
            "it pays for itself outright: no dearer, and the deadline met as often or more"
                .to_string()
        } else if o.met_deadline.value > alone.met_deadline.value {
            "it buys the deadline runs that spot alone misses, for the extra cost above".to_string()
        } else if o.completed.value > alone.completed.value {
            format!(
                "it does not bring the deadline closer; it only finishes the jobs spot alone \
                 leaves unfinished (completed {} instead of {}), late",
                pct(o.completed.value),
                pct(alone.completed.value)
            )
        } else {
            "it buys nothing here: spot alone meets the deadline as often".to_string()
        };
        lines.push(format!(
            "    against on-demand: saves {saving} of the on-demand cost ({} vs {}), the \
             deadline met in {} of runs instead of {}",
            format_usd(o.cost_usd.value),
            format_usd(on_demand.cost_usd.value),
            pct(o.met_deadline.value),
            pct(on_demand.met_deadline.value)
        ));
        lines.push(format!("    so {pays}"));
    }
    lines
}

/// The readable answer.
pub fn render_deadline_table(name: &str, a: &DeadlineAnswer) -> String {
    let mut out = format!(
        "deadline for {name}: {} after creation, to be met by {} of runs; {} runs per option, \
         seed {}\n\n",
        format_duration_exact(a.deadline_s),
        pct(a.target),
        format_count(a.runs),
        a.seed
    );
    let mut rows = vec![vec![
        String::new(),
        "met deadline (95 % CI)".to_string(),
        "completed".to_string(),
        "mean cost (95 % CI)".to_string(),
        "per completed job".to_string(),
        "p95 wall".to_string(),
        "went on-demand".to_string(),
    ]];
    for (index, o) in a.options.iter().enumerate() {
        let mark = if index == a.choice { "→ " } else { "  " };
        rows.push(vec![
            format!("{mark}{}", o.label),
            share_ci(&o.met_deadline),
            pct(o.completed.value),
            usd_ci(&o.cost_usd),
            o.cost_per_completed_job_usd
                .map_or("—".to_string(), format_usd),
            format_duration(o.wall_p95_s),
            o.went_on_demand.map_or("—".to_string(), pct),
        ]);
    }
    out.push_str(&super::layout::render_rows(&rows));
    out.push('\n');
    for line in verdict_lines(a) {
        out.push_str(&line);
        out.push('\n');
    }
    let fallbacks: Vec<&DeadlineOption> =
        a.options.iter().filter(|o| o.fallback.is_some()).collect();
    if !fallbacks.is_empty() {
        out.push_str("\nThe fallbacks simulated ([fallback] in the scenario):\n");
        for o in fallbacks {
            out.push_str(&format!(
                "  {}: {}\n",
                o.label,
                o.fallback.as_deref().unwrap_or_default()
            ));
        }
    }
    out.push_str(
        "A run meets the deadline when it completes within it; every option ran the same \
         runs (common random numbers).\n",
    );
    out
}

fn mean_json(m: &Mean) -> Value {
    json!({"value": m.value, "ci95": m.ci95.map(|(a, b)| [a, b])})
}

fn share_json(s: &Share) -> Value {
    json!({"value": s.value, "ci95": [s.ci95.0, s.ci95.1], "count": s.count, "runs": s.runs})
}

/// The answer as JSON (one object, ending with a newline).
pub fn render_deadline_json(name: &str, a: &DeadlineAnswer) -> String {
    let options: Vec<Value> = a
        .options
        .iter()
        .map(|o| {
            json!({
                "kind": o.kind,
                "label": o.label,
                "fallback": o.fallback,
                "met_deadline": share_json(&o.met_deadline),
                "completed": share_json(&o.completed),
                "cost_usd": mean_json(&o.cost_usd),
                "cost_per_completed_job_usd": o.cost_per_completed_job_usd,
                "wall_p95_s": o.wall_p95_s,
                "went_on_demand": o.went_on_demand,
                "on_demand_cost_share": o.on_demand_cost_share,
                "cost_vs_spot_alone_usd": o.cost_vs_spot_alone_usd.map(|d| json!({
                    "mean": d.mean,
                    "ci95": d.ci95.map(|(lo, hi)| [lo, hi]),
                })),
                "savings_vs_on_demand_pct": o.savings_vs_on_demand_pct.as_ref().map(mean_json),
            })
        })
        .collect();
    let value = json!({
        "spotsim_version": env!("CARGO_PKG_VERSION"),
        "name": name,
        "deadline_s": a.deadline_s,
        "deadline": format_duration_exact(a.deadline_s),
        "target": a.target,
        "runs": a.runs,
        "seed": a.seed,
        "choice": a.chosen().kind,
        "choice_label": a.chosen().label,
        "met_target": a.met,
        "options": options,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("JSON values serialise");
    text.push('\n');
    text
}
