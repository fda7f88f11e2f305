//! `spotsim fit trace`: what a trace says about its market, and sections to paste.

use serde::Serialize;

use super::format::{format_pct, render_list};
use crate::duration::format_duration;
use crate::fit::{PeriodFit, TraceFit};

/// The `[spot.market]` sections a user can paste for this trace: Markov, then trace replay.
pub fn market_sections(fit: &TraceFit, file: &str, format: &str) -> (String, String) {
    let markov = format!(
        "[spot.market]\nmodel = \"markov\"\nmean_available = {:.0}    # {}\nmean_unavailable = {:.0}    # {}\n",
        fit.mean_available_s,
        format_duration(fit.mean_available_s),
        fit.mean_unavailable_s,
        format_duration(fit.mean_unavailable_s)
    );
    let trace = format!(
        "[spot.market]\nmodel = \"trace\"\nfile = {file:?}    # relative to the scenario file\nformat = \"{format}\"\n"
    );
    (markov, trace)
}

fn describe(fit: &Option<PeriodFit>) -> String {
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
                describe(&fit.available)
            ),
        ],
        vec![
            "  unavailable periods".to_string(),
            format!(
                "mean {} over all; {}",
                format_duration(fit.mean_unavailable_s),
                describe(&fit.unavailable)
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
