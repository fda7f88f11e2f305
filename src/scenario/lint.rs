//! Warnings for valid scenarios that are probably not what the user meant.
//!
//! These are the classic mistakes of `../shared/spec` §7 (spot without checkpoints on a long job,
//! a MaxWait that leaves no room to wait, a MaxRuntime shorter than the job) plus a few
//! sampling cautions. They never stop a run: the CLI prints them with a hint.

use super::{JOB_LIFETIME_LIMIT_S, Scenario};
use crate::duration::{HOUR_S, format_duration};

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

/// More checkpoints than this per run make every run slow (each is two events).
const MANY_CHECKPOINTS: f64 = 100_000.0;

/// All warnings for a scenario, in a fixed order.
pub fn lint(scenario: &Scenario) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut warn = |message: String, hint: &str| {
        warnings.push(Warning {
            message,
            hint: hint.to_string(),
        })
    };
    let job = &scenario.job;
    let training_mean_s = job.training.mean_s();
    let running_mean_s = training_mean_s + job.download.mean_s() + job.upload.mean_s();

    if scenario.is_spot() {
        if scenario.checkpoint.is_none() && training_mean_s >= HOUR_S {
            warn(
                format!(
                    "spot without checkpoints on a {} job: every interruption restarts training \
                     from zero, until MaxWait stops the job",
                    format_duration(training_mean_s)
                ),
                "add a [checkpoint] table (and make sure the script restores from it)",
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
    fn a_sound_scenario_gets_no_warning() {
        let s = parse_scenario(
            "[job]\ntraining = \"2h\"\n[checkpoint]\ninterval = \"30m\"\n[pricing]\non_demand_hourly = 1\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(lint(&s), vec![]);
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
