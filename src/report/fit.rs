//! `spotsim fit trace`: what a trace says about its market, and sections to paste.

use serde::Serialize;

use super::layout::render_list;
use crate::import::fit::{PeriodFit, TraceFit};
use crate::units::duration::format_duration;
use crate::units::format::format_pct;

/// The `[spot.market]` sections a user can paste for this trace: Markov, then trace replay.
pub fn market_sections(fit: &TraceFit, file: &str, format: &str) -> (String, String) {
    let markov = if fit.mean_available_s <= 0.0 || fit.mean_unavailable_s <= 0.0 {
        format!(
            "# No Markov model: capacity is there {} of the time, so the trace has no {} periods.\n",
            format_pct(fit.availability * 100.0, 1),
            if fit.mean_unavailable_s <= 0.0 {
                "unavailable"
            } else {
                "available"
            }
        )
    } else {
        format!(
            "[spot.market]\nmodel = \"markov\"\nmean_available = {:.0}    # {}\nmean_unavailable = {:.0}    # {}\n",
            fit.mean_available_s,
            format_duration(fit.mean_available_s),
            fit.mean_unavailable_s,
            format_duration(fit.mean_unavailable_s)
        )
    };
    let trace = format!(
        "[spot.market]\nmodel = \"trace\"\nfile = {file:?}    # relative to the scenario file\nformat = \"{format}\"\n"
    );
    (markov, trace)
}

fn describe(fit: Option<&PeriodFit>) -> String {
    match fit {
        None => "fewer than 2 complete periods: no fit".to_string(),
        Some(f) => format!(
            "{} complete, mean {}; exponential KS {:.3}; Weibull shape {:.2}, scale {}, KS {:.3}",
            f.count,
            format_duration(f.mean_s),
            f.exponential_ks,
            f.weibull_shape,
            format_duration(f.weibull_scale_s),
            f.weibull_ks
        ),
    }
}

/// The fit as text for a person.
pub fn render_trace_fit_table(fit: &TraceFit, file: &str, format: &str) -> String {
    let rows = vec![
        vec![format!(
            "{file} ({format}), {} long, for a cluster of {}",
            format_duration(fit.span_s),
            fit.instances
        )],
        vec![
            "  availability".to_string(),
            format!("{} of the time", format_pct(fit.availability * 100.0, 1)),
        ],
        vec![
            "  interruptions".to_string(),
            format!(
                "{:.4} per hour of available capacity",
                fit.interruptions_per_hour
            ),
        ],
        vec![
            "  available periods".to_string(),
            format!(
                "mean {} over all; {}",
                format_duration(fit.mean_available_s),
                describe(fit.available.as_ref())
            ),
        ],
        vec![
            "  unavailable periods".to_string(),
            format!(
                "mean {} over all; {}",
                format_duration(fit.mean_unavailable_s),
                describe(fit.unavailable.as_ref())
            ),
        ],
    ];
    let (markov, trace) = market_sections(fit, file, format);
    let mut out = render_list(&rows);
    out.push_str(
        "\nThe periods cut by the trace's start and end count toward the means and the rate, not \
         the fits.\nA smaller KS distance is a better fit; the Markov model assumes exponential \
         periods.\n\nPaste as a Markov market:\n\n",
    );
    out.push_str(&markov);
    out.push_str("\nOr replay the trace itself:\n\n");
    out.push_str(&trace);
    out
}

#[derive(Serialize)]
struct JsonFit<'a> {
    file: &'a str,
    format: &'a str,
    #[serde(flatten)]
    fit: &'a TraceFit,
    markov_section: String,
    trace_section: String,
}

/// The fit as JSON: `availability`, `interruptions_per_hour`, `mean_available_s`,
/// `mean_unavailable_s`, the period fits and the two sections.
pub fn render_trace_fit_json(fit: &TraceFit, file: &str, format: &str) -> String {
    let (markov_section, trace_section) = market_sections(fit, file, format);
    let json = JsonFit {
        file,
        format,
        fit,
        markov_section,
        trace_section,
    };
    let mut text = serde_json::to_string_pretty(&json).expect("fits serialise to JSON");
    text.push('\n');
    text
}

/// A scenario fragment that starts from what past jobs showed.
pub fn jobs_scenario(fit: &crate::import::fit::JobsFit) -> String {
    let mut out = String::from(
        "# From spotsim fit jobs: set job.training (the compute your job needs) and check the rest.\n[job]\n",
    );
    if let Some(count) = fit.instance_count {
        out.push_str(&format!("instance_count = {count}\n"));
    }
    out.push_str("training = \"4h\"    # yours to set\n");
    if let Some(d) = &fit.downloading {
        out.push_str(&format!(
            "download = {:.0}    # mean of {} downloads\n",
            d.mean_s, d.count
        ));
    }
    if let Some(u) = &fit.uploading {
        out.push_str(&format!(
            "upload = {:.0}    # mean of {} uploads\n",
            u.mean_s, u.count
        ));
    }
    out.push_str("\n[stopping]\nmax_run = \"1d\"\nmax_wait = \"2d\"\n\n[spot]\nenabled = true\n");
    match &fit.starting {
        Some(s) => out.push_str(&format!(
            "capacity_wait = {{ dist = \"exponential\", mean = {:.0} }}    # Starting: waits and provisioning, {} periods\n",
            s.mean_s, s.count
        )),
        None => out.push_str("capacity_wait = \"0s\"    # no Starting periods seen\n"),
    }
    match fit.interruptions_per_hour {
        Some(rate) if rate > 0.0 => out.push_str(&format!(
            "time_to_interruption = {{ dist = \"exponential\", mean = {:.0} }}    # per instance: {} interruptions in {:.1} instance-hours\n",
            fit.instance_hours / fit.interruptions as f64 * 3600.0,
            fit.interruptions,
            fit.instance_hours
        )),
        _ => out.push_str("time_to_interruption = \"never\"    # no interruption seen: set a market\n"),
    }
    match fit.discount {
        Some(d) => out.push_str(&format!("discount = {d:.3}\n")),
        None => out.push_str("discount = 0.70    # no spot job with billable time: yours to set\n"),
    }
    out.push_str("\n[pricing]\non_demand_hourly = 1.0    # yours to set: USD per instance-hour\n");
    out
}

/// `spotsim fit jobs` as text.
pub fn render_jobs_fit_table(fit: &crate::import::fit::JobsFit) -> String {
    let duration = |s: &Option<crate::import::fit::DurationSummary>| match s {
        Some(s) => format!(
            "{} periods, mean {}, median {}",
            s.count,
            format_duration(s.mean_s),
            format_duration(s.median_s)
        ),
        None => "none seen".to_string(),
    };
    let rows = vec![
        vec![format!(
            "{} jobs ({} managed spot)",
            fit.jobs, fit.spot_jobs
        )],
        vec![
            "  spot discount".to_string(),
            fit.discount
                .map_or("no spot job with billable time".to_string(), |d| {
                    format!("{} (1 − Σ Billable / Σ Training)", format_pct(d * 100.0, 1))
                }),
        ],
        vec![
            "  interruptions".to_string(),
            match (fit.interruptions_per_hour, fit.interruptions_per_hour_95) {
                (Some(rate), Some((low, high))) => format!(
                    "{} in {:.1} running hours: {rate:.4} per hour (95 %: {low:.4} to {high:.4})",
                    fit.interruptions, fit.running_hours
                ),
                _ => "no spot running time".to_string(),
            },
        ],
        vec![
            "  Starting (waits + provisioning)".to_string(),
            duration(&fit.starting),
        ],
        vec!["  Downloading".to_string(), duration(&fit.downloading)],
        vec!["  Uploading".to_string(), duration(&fit.uploading)],
    ];
    let mut out = render_list(&rows);
    out.push_str("\nA scenario to start from:\n\n");
    out.push_str(&jobs_scenario(fit));
    out
}

#[derive(Serialize)]
struct JsonJobsFit<'a> {
    #[serde(flatten)]
    fit: &'a crate::import::fit::JobsFit,
    scenario: String,
}

/// `spotsim fit jobs --format json`.
pub fn render_jobs_fit_json(fit: &crate::import::fit::JobsFit) -> String {
    let mut text = serde_json::to_string_pretty(&JsonJobsFit {
        fit,
        scenario: jobs_scenario(fit),
    })
    .expect("fits serialise to JSON");
    text.push('\n');
    text
}
