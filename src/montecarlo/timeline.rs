//! One run's story, status by status: what `spotsim trace` prints and the timeline chart draws.
//!
//! A [`JobTimeline`] replays run `i` of a scenario with a recording [`Observer`]. The engine is
//! deterministic per `(seed, i)` ([`crate::montecarlo::rng`]), so the replay is the very run `i` that
//! `spotsim run` summarised and wrote to row `i` of `--runs-csv`.

use crate::engine::{JobModel, Observer, RunRecord, SecondaryStatus, simulate_run_until};
use crate::montecarlo::cancel::Cancel;
use crate::montecarlo::rng::{Stream, run_rng};
use crate::scenario::Scenario;

/// One entry of `SecondaryStatusTransitions`: the job was in `status` from `start_s` to `end_s`
/// (seconds since job creation). The final status starts and ends when the job ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// The status.
    pub status: SecondaryStatus,
    /// When the job entered it.
    pub start_s: f64,
    /// When the job left it (the next transition's start).
    pub end_s: f64,
}

/// A checkpoint that became durable (reached S3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurableCheckpoint {
    /// When it became durable, seconds since job creation.
    pub time_s: f64,
    /// The training progress it holds, seconds.
    pub progress_s: f64,
}

/// Everything one run did.
#[derive(Debug, Clone, PartialEq)]
pub struct JobTimeline {
    /// The run index.
    pub run: u64,
    /// The run's clock at creation (see [`Observer::clock`]).
    pub clock_offset_s: f64,
    /// Status transitions, contiguous and in time order; the first is Starting at 0, the last
    /// is the final status.
    pub transitions: Vec<Transition>,
    /// Durable checkpoints, in time order.
    pub checkpoints: Vec<DurableCheckpoint>,
    /// `[fallback]`: when the on-demand job was created, if the run went on-demand. The
    /// transitions from then on are the on-demand job's; those before, the spot job's.
    pub fallback_at_s: Option<f64>,
    /// The run's summary, identical to the Monte Carlo runner's record of run `run`.
    pub record: RunRecord,
    /// Status changes and durable checkpoints past [`MAX_RECORDED`] of each, not kept: a run
    /// of a billion millisecond checkpoints would otherwise fill memory (it took 22 GB).
    pub unrecorded: u64,
}

/// The most status changes, and the most durable checkpoints, a timeline keeps: far more than
/// a chart or a `trace` document can show, and 16 MB of each at most.
pub const MAX_RECORDED: usize = 1_000_000;

impl JobTimeline {
    /// Replays run `run` of `model` under `seed`.
    pub fn replay(model: &JobModel, seed: u64, run: u64) -> JobTimeline {
        JobTimeline::replay_until(model, seed, run, &Cancel::new())
    }

    /// As [`JobTimeline::replay`], ending early once `cancel` is requested (the timeline is
    /// then meaningless: the caller discards it).
    pub fn replay_until(model: &JobModel, seed: u64, run: u64, cancel: &Cancel) -> JobTimeline {
        let mut job_rng = run_rng(seed, run, Stream::Job);
        let mut market_rng = run_rng(seed, run, Stream::Market);
        let mut recorder = Recorder::default();
        let record = simulate_run_until(
            model,
            run,
            &mut job_rng,
            &mut market_rng,
            &mut recorder,
            Some(cancel.flag()),
        );
        let mut transitions: Vec<Transition> = Vec::with_capacity(recorder.statuses.len());
        for &(time_s, status) in &recorder.statuses {
            if let Some(last) = transitions.last_mut() {
                if last.status == status {
                    // The engine may repeat a status (Starting after a lost provisioning);
                    // the API shows one entry.
                    continue;
                }
                last.end_s = time_s;
            }
            transitions.push(Transition {
                status,
                start_s: time_s,
                end_s: time_s,
            });
        }
        JobTimeline {
            run,
            clock_offset_s: recorder.clock_offset_s,
            transitions,
            checkpoints: recorder.checkpoints,
            fallback_at_s: recorder.fallback_at_s,
            record,
            unrecorded: recorder.unrecorded,
        }
    }

    /// Run `run` of a scenario's job under `seed`, as `spotsim run --runs-csv` writes it: on
    /// managed spot when the scenario enables it, else on-demand.
    pub fn of_scenario(scenario: &Scenario, seed: u64, run: u64) -> JobTimeline {
        JobTimeline::of_scenario_until(scenario, seed, run, &Cancel::new())
    }

    /// As [`JobTimeline::of_scenario`], ending early once `cancel` is requested.
    pub fn of_scenario_until(
        scenario: &Scenario,
        seed: u64,
        run: u64,
        cancel: &Cancel,
    ) -> JobTimeline {
        let model = JobModel::spot(scenario).unwrap_or_else(|| JobModel::on_demand(scenario));
        JobTimeline::replay_until(&model, seed, run, cancel)
    }

    /// Whether each transition was billed: Downloading, Training and Uploading are, except in
    /// an attempt (Downloading up to the reclaim) that a reclaim cut short when such attempts
    /// are not billed (`spot.bill_interrupted_attempt = false`). Starting, Interrupted and
    /// Stopping are not billed (the last two take no time).
    pub fn billed_transitions(&self, bill_interrupted_attempt: bool) -> Vec<bool> {
        let mut billed = vec![false; self.transitions.len()];
        // Walk backwards, knowing whether the attempt being walked ends in an interruption.
        let mut attempt_interrupted = false;
        for (index, t) in self.transitions.iter().enumerate().rev() {
            match t.status {
                SecondaryStatus::Interrupted => attempt_interrupted = true,
                SecondaryStatus::Starting => attempt_interrupted = false,
                SecondaryStatus::Downloading
                | SecondaryStatus::Training
                | SecondaryStatus::Uploading => {
                    billed[index] = bill_interrupted_attempt || !attempt_interrupted;
                }
                _ => {}
            }
        }
        billed
    }

    /// The index of the on-demand job's first transition, when the run went on-demand.
    pub fn fallback_index(&self) -> Option<usize> {
        self.fallback_at_s?;
        // The spot job's final status (Stopped, or MaxWaitTimeExceeded) comes once, last of
        // its job; the on-demand job's Starting follows.
        self.transitions
            .iter()
            .position(|t| {
                matches!(
                    t.status,
                    SecondaryStatus::Stopped | SecondaryStatus::MaxWaitTimeExceeded
                )
            })
            .map(|index| index + 1)
    }

    /// Seconds spent in the billed transitions ([`JobTimeline::billed_transitions`]): equals
    /// `record.training_s` (TrainingTimeInSeconds) up to floating-point rounding.
    pub fn billed_status_s(&self, bill_interrupted_attempt: bool) -> f64 {
        self.transitions
            .iter()
            .zip(self.billed_transitions(bill_interrupted_attempt))
            .filter(|(_, billed)| *billed)
            .map(|(t, _)| t.end_s - t.start_s)
            .sum()
    }

    /// Times at which a reclaim interrupted the job.
    pub fn interruptions_s(&self) -> impl Iterator<Item = f64> + '_ {
        self.transitions
            .iter()
            .filter(|t| t.status == SecondaryStatus::Interrupted)
            .map(|t| t.start_s)
    }
}

/// Replays of the first `count` runs (at most the scenario's run count) of the scenario's job:
/// on spot when enabled, else on-demand, the side `--runs-csv` writes.
pub fn first_runs(scenario: &Scenario, count: u64) -> Vec<JobTimeline> {
    first_runs_until(scenario, count, &Cancel::new())
}

/// As [`first_runs`], ending early once `cancel` is requested (the timelines are then
/// meaningless: the caller discards them).
pub fn first_runs_until(scenario: &Scenario, count: u64, cancel: &Cancel) -> Vec<JobTimeline> {
    let model = JobModel::spot(scenario).unwrap_or_else(|| JobModel::on_demand(scenario));
    (0..count.min(scenario.simulation.runs))
        .map(|run| JobTimeline::replay_until(&model, scenario.simulation.seed, run, cancel))
        .collect()
}

/// What `spotsim trace` shows of one run: the run replayed status by status (on spot when
/// enabled, as `--runs-csv` does) and, for a spot scenario, the same run of the job on-demand.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The run, status by status.
    pub timeline: JobTimeline,
    /// The same run of the same job on-demand, for a spot scenario.
    pub on_demand: Option<RunRecord>,
}

impl Replay {
    /// Replays run `run` of `scenario` under `seed`, and its on-demand twin for a spot scenario.
    pub fn of_scenario(scenario: &Scenario, seed: u64, run: u64) -> Replay {
        Replay::of_scenario_until(scenario, seed, run, &Cancel::new())
    }

    /// As [`Replay::of_scenario`], ending early once `cancel` is requested.
    pub fn of_scenario_until(scenario: &Scenario, seed: u64, run: u64, cancel: &Cancel) -> Replay {
        Replay {
            timeline: JobTimeline::of_scenario_until(scenario, seed, run, cancel),
            on_demand: scenario.is_spot().then(|| {
                crate::montecarlo::run_one_until(&JobModel::on_demand(scenario), seed, run, cancel)
            }),
        }
    }
}

#[derive(Default)]
struct Recorder {
    clock_offset_s: f64,
    fallback_at_s: Option<f64>,
    statuses: Vec<(f64, SecondaryStatus)>,
    checkpoints: Vec<DurableCheckpoint>,
    unrecorded: u64,
}

impl Observer for Recorder {
    fn status(&mut self, time_s: f64, status: SecondaryStatus) {
        // The final status is always kept: the timeline ends with it.
        let final_status = matches!(
            status,
            SecondaryStatus::Completed
                | SecondaryStatus::MaxRuntimeExceeded
                | SecondaryStatus::MaxWaitTimeExceeded
                | SecondaryStatus::Stopped
        );
        if self.statuses.len() < MAX_RECORDED || final_status {
            self.statuses.push((time_s, status));
        } else {
            self.unrecorded += 1;
        }
    }

    fn checkpoint(&mut self, time_s: f64, progress_s: f64) {
        if self.checkpoints.len() < MAX_RECORDED {
            self.checkpoints
                .push(DurableCheckpoint { time_s, progress_s });
        } else {
            self.unrecorded += 1;
        }
    }

    fn clock(&mut self, clock_offset_s: f64) {
        self.clock_offset_s = clock_offset_s;
    }

    fn fallback(&mut self, time_s: f64) {
        self.fallback_at_s = Some(time_s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::run_one;
    use crate::scenario::parse_scenario;

    const SCENARIO: &str = r#"
[job]
training = "10h"
instance_count = 2
[stopping]
max_run = "20h"
max_wait = "40h"
[spot]
enabled = true
discount = 0.7
capacity_wait = { dist = "exponential", mean = "10m" }
time_to_interruption = { dist = "exponential", mean = "3h" }
[checkpoint]
interval = "30m"
[pricing]
on_demand_hourly = 3.06
"#;

    #[test]
    fn a_replay_is_the_monte_carlo_run() {
        let scenario = parse_scenario(SCENARIO, "t.toml").unwrap();
        let model = JobModel::spot(&scenario).unwrap();
        for run in 0..50 {
            let timeline = JobTimeline::replay(&model, 7, run);
            assert_eq!(timeline.record, run_one(&model, 7, run));
            let t = &timeline.transitions;
            assert_eq!(
                (t[0].status, t[0].start_s),
                (SecondaryStatus::Starting, 0.0)
            );
            assert!(t.windows(2).all(|w| w[0].end_s == w[1].start_s));
            assert!(t.windows(2).all(|w| w[0].status != w[1].status));
            let last = t.last().unwrap();
            assert_eq!(
                (last.start_s, last.end_s),
                (timeline.record.wall_s, timeline.record.wall_s)
            );
            assert_eq!(
                timeline.interruptions_s().count() as u32,
                timeline.record.interruptions
            );
            // The billed transitions add up to TrainingTimeInSeconds.
            let billed_s: f64 = t
                .iter()
                .zip(timeline.billed_transitions(true))
                .filter(|(_, billed)| *billed)
                .map(|(t, _)| t.end_s - t.start_s)
                .sum();
            assert!((billed_s - timeline.record.training_s).abs() < 1e-6 * billed_s.max(1.0));
        }
    }

    #[test]
    fn billed_statuses_add_up_to_the_training_time_under_both_billing_rules() {
        // Tight limits, so that some runs stop in Starting, in Training or while uploading.
        let tight = SCENARIO
            .replace("max_run = \"20h\"", "max_run = \"12h\"")
            .replace("max_wait = \"40h\"", "max_wait = \"14h\"")
            .replace("[job]", "[job]\ndownload = \"5m\"\nupload = \"10m\"");
        for bill in [true, false] {
            let text = tight.replace(
                "discount = 0.7",
                &format!("discount = 0.7\nbill_interrupted_attempt = {bill}"),
            );
            let scenario = parse_scenario(&text, "t.toml").unwrap();
            let (mut interrupted, mut stopped) = (0, 0);
            for run in 0..300 {
                let timeline = JobTimeline::of_scenario(&scenario, 3, run);
                let record = &timeline.record;
                let billed_s = timeline.billed_status_s(bill);
                assert!(
                    (billed_s - record.training_s).abs() <= 1e-9 * record.wall_s.max(1.0),
                    "bill {bill}, run {run}: {billed_s} vs {}",
                    record.training_s
                );
                interrupted += usize::from(record.interruptions > 0);
                stopped += usize::from(record.outcome != crate::engine::Outcome::Completed);
            }
            assert!(interrupted > 100 && stopped > 10, "{interrupted} {stopped}");
        }
    }

    #[test]
    fn a_scenario_replays_on_spot_or_on_demand_as_the_runs_csv_does() {
        let spot = parse_scenario(SCENARIO, "t.toml").unwrap();
        let model = JobModel::spot(&spot).unwrap();
        assert_eq!(
            JobTimeline::of_scenario(&spot, 5, 9).record,
            run_one(&model, 5, 9)
        );
        let text = SCENARIO.replace("enabled = true", "enabled = false");
        let text = text.replace("max_wait = \"40h\"\n", "");
        let on_demand = parse_scenario(&text, "t.toml").unwrap_or_else(|e| panic!("{e}"));
        assert!(!on_demand.is_spot());
        assert_eq!(
            JobTimeline::of_scenario(&on_demand, 5, 9).record,
            run_one(&JobModel::on_demand(&on_demand), 5, 9)
        );
    }
}
