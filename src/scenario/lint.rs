//! Warnings for valid scenarios that are probably not what the user meant.
//!
//! These are the classic mistakes of `../shared/spec` §7 (spot without checkpoints on a long job,
//! a MaxWait that leaves no room to wait, a MaxRuntime shorter than the job) plus a few
//! sampling cautions. They never stop a run: the CLI prints them with a hint.

use super::{JOB_LIFETIME_LIMIT_S, Scenario};
use crate::units::duration::{HOUR_S, format_duration};

/// A warning about a valid scenario, with a hint on what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What looks wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// Fewer runs than this make p99 rest on fewer than 10 samples.
const FEW_RUNS: u64 = 1000;

/// `max_wait` less than this share of `max_run` above it leaves almost no room for waits.
const BARELY_ABOVE: f64 = 0.1;

/// More checkpoints than this per run make every run slow (each is two events).
const MANY_CHECKPOINTS: f64 = 100_000.0;

/// More expected starts per run than this make a run slow and a finish unlikely.
const MANY_STARTS: f64 = 10_000.0;

/// Expected number of starts per run, from the closed form for exponential reclaims (issue
/// "Core", §6): `K = e^{λR} (1 + Σ_i (e^{λX_i} − 1))`, with `λ` from the mean of the cluster's
/// first reclaim, `R` the mean download plus restore and `X_i` the stretches between
/// checkpoints. An estimate for other distributions, and capped by no limit: it says how hard
/// the job is, not how the run ends. `None` without reclaims.
fn expected_starts(scenario: &Scenario) -> Option<f64> {
    let spot = scenario.spot.as_ref()?;
    let first_reclaim_s = spot
        .market
        .mean_first_reclaim_s(scenario.reclaiming_instances());
    if !first_reclaim_s.is_finite() || first_reclaim_s <= 0.0 {
        return None;
    }
    let lambda = 1.0 / first_reclaim_s;
    let training_s = scenario.job.training.mean_s();
    let (restart_s, stretches) = match &scenario.checkpoint {
        Some(c) => {
            let intervals = (training_s / c.interval_s).ceil().max(1.0);
            let last_s = training_s - (intervals - 1.0) * c.interval_s;
            let full = (intervals - 1.0) * (lambda * (c.interval_s + c.save.mean_s())).exp_m1();
            (c.restore.mean_s(), full + (lambda * last_s).exp_m1())
        }
        None => (0.0, (lambda * training_s).exp_m1()),
    };
    Some((lambda * (scenario.job.download.mean_s() + restart_s)).exp() * (1.0 + stretches))
}

/// The most starts (capacity grants) a run may need on average before the checker refuses the
/// scenario: each start is a handful of events, so a run stays well under a second and a
/// Ctrl-C is answered within one (`docs/reliability.md`).
pub const MAX_STARTS_PER_RUN: f64 = 10_000_000.0;

/// Why a scenario's runs cannot end in any reasonable time, with the estimate; `None` if they
/// can. A run ends at MaxWait (or the service's lifetime limit) at the latest, and between two
/// starts it spends at least the mean capacity wait, provisioning, download, restore and time
/// to the first reclaim: so it needs at most `max_wait / that cycle` starts, and at most the
/// closed form of [`expected_starts`]. The smaller of the two must stay under
/// [`MAX_STARTS_PER_RUN`]: a market that reclaims a 4-billion-instance cluster every
/// picosecond with nothing between starts would need ~10¹⁹ starts per run (and its clock would
/// stop advancing in floating point), which no run finishes.
pub fn cannot_end(scenario: &Scenario) -> Option<String> {
    let spot = scenario.spot.as_ref()?;
    let count = scenario.job.instance_count;
    let first_reclaim_s = spot.market.mean_first_reclaim_s(count);
    if first_reclaim_s.is_infinite() {
        return None;
    }
    let waiting_s = match &spot.market {
        super::MarketSpec::Independent { capacity_wait, .. } => capacity_wait.mean_s(),
        super::MarketSpec::Markov {
            mean_unavailable_s, ..
        } => *mean_unavailable_s,
        super::MarketSpec::Trace { .. } => 0.0,
    };
    let restore_s = scenario
        .checkpoint
        .as_ref()
        .map_or(0.0, |c| c.restore.mean_s());
    let cycle_s = waiting_s
        + scenario.job.provisioning.mean_s()
        + scenario.job.download.mean_s()
        + restore_s
        + first_reclaim_s.max(0.0);
    let lifetime_s = scenario.stopping.max_wait_s.unwrap_or(JOB_LIFETIME_LIMIT_S);
    let bounded = if cycle_s > 0.0 {
        lifetime_s / cycle_s
    } else {
        f64::INFINITY
    };
    let starts = expected_starts(scenario).map_or(bounded, |expected| expected.min(bounded));
    // NaN (an undefined mean) is refused too: nothing says the runs end.
    if starts <= MAX_STARTS_PER_RUN {
        return None;
    }
    Some(format!(
        "the runs cannot end: the cluster's first reclaim comes after {} on average and a \
         restart takes {} (capacity wait, provisioning, download, restore), so a run of up to {} \
         needs about {} starts, more than the {} a run may simulate; check the market's times \
         and their units (a bare number is seconds)",
        format_duration_short(first_reclaim_s),
        format_duration_short(cycle_s - first_reclaim_s.max(0.0)),
        format_duration(lifetime_s),
        format_starts(starts),
        crate::units::format::format_count(MAX_STARTS_PER_RUN as u64)
    ))
}

/// A duration for a message, with sub-second means shown in seconds (`2.5e-13 s`), which
/// `format_duration` rounds to `0s`.
fn format_duration_short(seconds: f64) -> String {
    if seconds.is_finite() && seconds > 0.0 && seconds < 1.0 {
        format!("{} s", crate::units::format::format_quoted_number(seconds))
    } else {
        format_duration(seconds)
    }
}

fn format_starts(starts: f64) -> String {
    if starts < 1e9 {
        crate::units::format::format_count(starts.round() as u64)
    } else if starts < 1e300 {
        format!("{starts:.1e}")
    } else {
        // e^(λR) overflows for reclaims far faster than a restart: no count means anything.
        "more than 1e300".to_string()
    }
}

/// All warnings for a scenario, in a fixed order.
pub fn lint(scenario: &Scenario) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut warn = |message: String, hint: &str| {
        warnings.push(Warning {
            message,
            hint: hint.to_string(),
        });
    };
    let job = &scenario.job;
    let training_mean_s = job.training.mean_s();
    let running_mean_s = training_mean_s + job.download.mean_s() + job.upload.mean_s();

    if let Some(spot) = &scenario.spot {
        let reclaimed = spot
            .market
            .mean_first_reclaim_s(scenario.reclaiming_instances())
            .is_finite();
        if reclaimed && scenario.checkpoint.is_none() && training_mean_s >= HOUR_S {
            warn(
                format!(
                    "spot without checkpoints on a {} job: every interruption restarts training \
                     from zero, until the job completes or a limit stops it",
                    format_duration(training_mean_s)
                ),
                "add a [checkpoint] table (and make sure the script restores from it)",
            );
        }
        if let super::MarketSpec::Trace {
            trace, period_s, ..
        } = &spot.market
        {
            let share =
                crate::inputs::availability::Availability::new(trace, scenario.job.instance_count)
                    .share();
            // Wall time is at least the running time stretched by the share of time with capacity.
            let wall_estimate_s = running_mean_s / share.max(1e-9);
            if wall_estimate_s > 0.25 * period_s {
                warn(
                    format!(
                        "a run takes about {} or more, against a trace of {}: many runs will wrap \
                         around its end and replay its start, so results lean on the same stretch",
                        format_duration(wall_estimate_s),
                        format_duration(*period_s)
                    ),
                    "use a longer trace, or read the results as that trace's weather only",
                );
            }
        }
        if let Some(starts) = expected_starts(scenario)
            && starts > MANY_STARTS
        {
            let first_reclaim_s = spot
                .market
                .mean_first_reclaim_s(scenario.reclaiming_instances());
            warn(
                format!(
                    "the cluster's first reclaim comes after {} on average, so a run needs about \
                     {} starts to finish: runs will mostly end at their limits, and simulating \
                     them is slow",
                    format_duration(first_reclaim_s),
                    format_starts(starts)
                ),
                "check the market's times and their units (a bare number is seconds)",
            );
        }
        if let Some(max_wait_s) = scenario.stopping.max_wait_s
            && max_wait_s <= scenario.stopping.max_run_s
        {
            warn(
                "max_wait equals max_run: MaxWait counts waiting for capacity, provisioning and \
                 restarts too, so any of them leaves less than max_run to run"
                    .to_string(),
                "give max_wait room above max_run for capacity waits and restarts",
            );
        }
        if let Some(max_wait_s) = scenario.stopping.max_wait_s
            && max_wait_s > scenario.stopping.max_run_s
            && max_wait_s - scenario.stopping.max_run_s < BARELY_ABOVE * scenario.stopping.max_run_s
        {
            warn(
                format!(
                    "max_wait ({}) is barely above max_run ({}): only {} for every capacity wait, \
                     provisioning and restart together, and MaxWait counts running time too (it \
                     is not a budget for waiting alone)",
                    format_duration(max_wait_s),
                    format_duration(scenario.stopping.max_run_s),
                    format_duration(max_wait_s - scenario.stopping.max_run_s)
                ),
                "give max_wait room above max_run; `spotsim recommend` finds the smallest that \
                 reaches a completion target",
            );
        }
        if scenario
            .stopping
            .max_wait_s
            .is_some_and(|w| w > JOB_LIFETIME_LIMIT_S)
        {
            warn(
                "max_wait is above 30 days, but the service caps a job's whole life at 30 days: \
                 runs still going then are cut off at 30 days"
                    .to_string(),
                "keep max_wait at or below 30d",
            );
        }
    }
    if running_mean_s > scenario.stopping.max_run_s {
        warn(
            format!(
                "max_run ({}) is shorter than the job's mean running time ({}): most runs will \
                 stop with MaxRuntimeExceeded",
                format_duration(scenario.stopping.max_run_s),
                format_duration(running_mean_s)
            ),
            "raise stopping.max_run",
        );
    }
    if let Some(checkpoint) = &scenario.checkpoint
        && checkpoint.interval_s >= training_mean_s
    {
        warn(
            format!(
                "checkpoint.interval ({}) is not shorter than the training ({}): few or no \
                 checkpoints will be written",
                format_duration(checkpoint.interval_s),
                format_duration(training_mean_s)
            ),
            "shorten checkpoint.interval, or remove [checkpoint]",
        );
    }
    if let Some(checkpoint) = &scenario.checkpoint {
        let per_run = training_mean_s / checkpoint.interval_s;
        if per_run > MANY_CHECKPOINTS {
            warn(
                format!(
                    "checkpoint.interval ({}) means about {per_run:.0} checkpoints per run: the \
                     simulation will be slow",
                    format_duration(checkpoint.interval_s)
                ),
                "checkpoint every few minutes or more; the saves would dominate the job anyway",
            );
        }
    }
    if scenario.simulation.runs < FEW_RUNS {
        warn(
            format!(
                "only {} runs: tail percentiles (p95, p99) and rare outcomes rest on few samples",
                scenario.simulation.runs
            ),
            "use --runs 100000 or more for figures to show",
        );
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_counts_read_as_numbers_even_when_they_overflow() {
        assert_eq!(format_starts(12.4), "12");
        assert_eq!(format_starts(3.0e12), "3.0e12");
        assert_eq!(format_starts(f64::INFINITY), "more than 1e300");
    }
    use crate::scenario::parse_scenario;

    #[test]
    fn warns_about_spot_without_checkpoints_on_a_long_job() {
        let s = parse_scenario(
            r#"[job]
training = "10h"
[stopping]
max_run = "1d"
max_wait = "1d"
[spot]
enabled = true
capacity_wait = "5m"
time_to_interruption = "6h"
discount = 0.7
[pricing]
on_demand_hourly = 1
[simulation]
runs = 100
"#,
            "t.toml",
        )
        .unwrap();
        let messages: Vec<String> = lint(&s).into_iter().map(|w| w.message).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(messages[0].starts_with("spot without checkpoints on a 10h job"));
        assert!(messages[1].starts_with("max_wait equals max_run"));
        assert!(messages[2].starts_with("only 100 runs"));
    }

    #[test]
    fn warns_when_max_wait_is_barely_above_max_run() {
        let text = |wait: &str| {
            format!(
                "[job]\ntraining = \"2h\"\n[stopping]\nmax_run = \"10h\"\nmax_wait = \"{wait}\"\n\
                 [spot]\nenabled = true\ncapacity_wait = \"5m\"\ntime_to_interruption = \"never\"\n\
                 discount = 0.7\n[pricing]\non_demand_hourly = 1\n"
            )
        };
        let warnings = lint(&parse_scenario(&text("10h30m"), "t.toml").unwrap());
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0]
                .message
                .starts_with("max_wait (10h 30m) is barely above max_run")
        );
        assert!(
            warnings[0].message.contains("only 30m"),
            "{}",
            warnings[0].message
        );
        assert_eq!(
            lint(&parse_scenario(&text("12h"), "t.toml").unwrap()),
            vec![]
        );
    }

    #[test]
    fn a_sound_scenario_gets_no_warning() {
        let s = parse_scenario(
            "[job]\ntraining = \"2h\"\n[checkpoint]\ninterval = \"30m\"\n[pricing]\non_demand_hourly = 1\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(lint(&s), vec![]);
    }

    #[test]
    fn warns_when_reclaims_come_far_too_often() {
        // `mean = 6` is six seconds (meant: six hours): a 2-minute download rarely finishes.
        let text = |mean: &str| {
            format!(
                "[job]\ntraining = \"4h\"\ndownload = \"2m\"\n[stopping]\nmax_run = \"1d\"\n\
                 max_wait = \"2d\"\n[spot]\nenabled = true\ncapacity_wait = 0\n\
                 time_to_interruption = {{ dist = \"exponential\", mean = {mean} }}\n\
                 discount = 0.7\n[checkpoint]\ninterval = \"30m\"\n[pricing]\n\
                 on_demand_hourly = 1\n"
            )
        };
        let warnings = lint(&parse_scenario(&text("6"), "t.toml").unwrap());
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(warnings[0].message.contains("first reclaim comes after 6s"));
        assert!(
            warnings[0].message.contains("7.5e139 starts"),
            "{}",
            warnings[0].message
        );
        // The reference shape needs about 6.5 starts: no warning.
        assert_eq!(
            lint(&parse_scenario(&text("\"6h\""), "t.toml").unwrap()),
            vec![]
        );
    }

    #[test]
    fn runs_that_cannot_end_are_refused_with_the_estimate() {
        let markov = |available: &str, unavailable: &str| {
            crate::scenario::parse_scenario(
                &format!(
                    "[job]\ntraining = \"10h\"\n[stopping]\nmax_run = \"1d\"\nmax_wait = \"2d\"\n\
                     [spot]\nenabled = true\ndiscount = 0.7\n[spot.market]\nmodel = \"markov\"\n\
                     mean_available = {available}\nmean_unavailable = {unavailable}\n\
                     [pricing]\non_demand_hourly = 3\n"
                ),
                "m.toml",
            )
        };
        // Microsecond periods: about 8.6e10 starts in two days.
        let errors = markov("0.000001", "0.000001").unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert!(
            errors.0[0].message.starts_with(
                "the runs cannot end: the cluster's first reclaim comes after 0.000001 s"
            ),
            "{errors}"
        );
        assert!(
            errors.0[0]
                .message
                .contains("needs about 8.6e10 starts, more than the 10,000,000")
        );
        // A market that reclaims every second, with a second between starts, is slow but ends:
        // 86,400 starts at most in two days.
        assert!(markov("1", "1").is_ok());
    }

    #[test]
    fn expected_starts_match_the_closed_form() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/reference.toml");
        let s = crate::load_scenario(std::path::Path::new(path)).unwrap();
        // K = 6.50 for the reference shape (issue "Core", §7).
        assert!((expected_starts(&s).unwrap() - 6.499).abs() < 0.01);
    }

    #[test]
    fn warns_when_max_run_is_shorter_than_the_job() {
        let s = parse_scenario(
            "[job]\ntraining = \"2h\"\n[stopping]\nmax_run = \"1h\"\n[pricing]\non_demand_hourly = 1\n",
            "t.toml",
        )
        .unwrap();
        let warnings = lint(&s);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("MaxRuntimeExceeded"));
    }
}
