//! `[fallback]` in the engine: hand-worked timelines for each rule, on the constant-duration
//! job of the engine's own hand-worked test (reclaims 1000 s after each grant).

use super::*;
use crate::montecarlo::rng::{Stream, run_rng};
use crate::scenario::parse_scenario;
use SecondaryStatus::*;

/// Records the statuses, checkpoints and the on-demand job's creation.
#[derive(Default)]
struct Recorder {
    statuses: Vec<(f64, SecondaryStatus)>,
    checkpoints: Vec<(f64, f64)>,
    fallbacks: Vec<f64>,
}

impl Observer for Recorder {
    fn status(&mut self, time_s: f64, status: SecondaryStatus) {
        self.statuses.push((time_s, status));
    }
    fn checkpoint(&mut self, time_s: f64, progress_s: f64) {
        self.checkpoints.push((time_s, progress_s));
    }
    fn fallback(&mut self, time_s: f64) {
        self.fallbacks.push(time_s);
    }
}

/// The engine's hand-worked spot job. Alone, it runs: attempt 1 grant 60, provisioning to 90,
/// download to 190, checkpoint 500 at 700, reclaimed at 1060 (progress 860); attempt 2 grant
/// 1120, download 1150-1250, restore to 1270, checkpoint 1000 at 1780, reclaimed at 2120;
/// attempt 3 grant 2180, download 2210-2310, restore to 2330, trains to 2830, uploads to 2880.
const HAND_WORKED: &str = r#"
[job]
training = 1500
provisioning = 30
download = 100
upload = 50
[stopping]
max_run = "1d"
max_wait = "2d"
[spot]
enabled = true
capacity_wait = 60
time_to_interruption = 1000
discount = 0.7
[checkpoint]
interval = 500
save = 10
restore = 20
[pricing]
on_demand_hourly = 3.6
"#;

fn run(fallback: &str, edit: impl Fn(String) -> String) -> (RunRecord, Recorder) {
    let text = edit(format!("{HAND_WORKED}[fallback]\n{fallback}\n"));
    let scenario = parse_scenario(&text, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let model = JobModel::spot(&scenario).unwrap();
    let mut recorder = Recorder::default();
    let record = simulate(
        &model,
        &mut run_rng(1, 0, Stream::Job),
        &mut run_rng(1, 0, Stream::Market),
        &mut recorder,
    );
    (record, recorder)
}

/// USD of `billed_s` seconds at `factor` of the $3.60/h on-demand price.
fn usd(billed_s: f64, factor: f64) -> f64 {
    billed_s * factor * 3.6 / 3600.0
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The on-demand job from the last durable checkpoint 500, created at `t`: provisioning 30,
/// download 100, restore 20, 500 -> 1000 with a save of 10, 1000 -> 1500, upload 50.
fn on_demand_from_500(t: f64) -> Vec<(f64, SecondaryStatus)> {
    vec![
        (t, Starting),
        (t + 30.0, Downloading),
        (t + 130.0, Training),
        (t + 1160.0, Uploading),
        (t + 1210.0, Completed),
    ]
}

#[test]
fn interruptions_rule_stops_in_starting_and_restores_on_demand() {
    let (record, recorder) = run("when = \"interruptions\"\ninterruptions = 1", |t| t);
    // The first reclaim (1060) sends the job back to Starting, where the scheduler stops it:
    // no instance runs, so nothing is uploaded. The on-demand job is created at once.
    let mut expected = vec![
        (0.0, Starting),
        (90.0, Downloading),
        (190.0, Training),
        (1060.0, Interrupted),
        (1060.0, Starting),
        (1060.0, Stopping),
        (1060.0, Stopped),
    ];
    expected.extend(on_demand_from_500(1060.0));
    assert_eq!(recorder.statuses, expected);
    assert_eq!(recorder.fallbacks, vec![1060.0]);
    assert_eq!(recorder.checkpoints, vec![(700.0, 500.0), (1720.0, 1000.0)]);
    assert_eq!(record.outcome, Outcome::Completed);
    assert_eq!(record.wall_s, 2270.0);
    // Spot: download 100 + training 860 + save 10; on-demand: 100 + 20 + 1000 + 10 + 50.
    assert_eq!(record.training_s, 970.0 + 1180.0);
    assert!(close(record.cost_usd, usd(970.0, 0.3) + usd(1180.0, 1.0)));
    assert!(close(record.fallback.on_demand_cost_usd, usd(1180.0, 1.0)));
    assert_eq!(record.fallback.on_demand_training_s, 1180.0);
    assert!(record.fallback.armed && record.fallback.fell_back);
    assert!(!record.fallback.has_deadline);
    assert_eq!(record.interruptions, 1);
    assert_eq!(record.lost_work_s, 360.0);
    assert_eq!(record.work_done_s, 1500.0);
    assert!(close(record.billed.total_s(), record.training_s));
}

#[test]
fn waiting_rule_fires_within_a_long_wait_only() {
    // Each wait is 60 s: a 45 s limit stops the job at 45, before anything was billed.
    let (record, recorder) = run("when = \"waiting\"\nwaiting = 45", |t| t);
    assert_eq!(
        recorder.statuses,
        vec![
            (0.0, Starting),
            (45.0, Stopping),
            (45.0, Stopped),
            (45.0, Starting),
            (75.0, Downloading),
            (175.0, Training),
            (1695.0, Uploading),
            (1745.0, Completed),
        ]
    );
    // From scratch: 100 + 1500 + two saves + 50.
    assert_eq!(record.training_s, 1670.0);
    assert!(close(record.cost_usd, usd(1670.0, 1.0)));
    assert_eq!(record.waiting_s, 45.0);
    // A 60 s limit ties with the end of each wait; the capacity grant wins the tie (a phase
    // end comes first) and disarms the rule: spot alone, as in the engine's test.
    let (record, recorder) = run("when = \"waiting\"\nwaiting = 60", |t| t);
    assert!(recorder.fallbacks.is_empty());
    assert!(record.fallback.armed && !record.fallback.fell_back);
    assert_eq!(
        (record.outcome, record.wall_s),
        (Outcome::Completed, 2880.0)
    );
    assert!(close(record.cost_usd, usd(2610.0, 0.3)));
}

#[test]
fn max_wait_rule_follows_the_stopped_job_after_the_reaction() {
    // MaxWait at 1500 falls in attempt 2's training (progress 730): Stopping, the upload of
    // 50 s, MaxWaitTimeExceeded at 1550. The scheduler reacts 100 s later.
    let (record, recorder) = run("when = \"max_wait\"\nreaction = 100", |t| {
        t.replace("max_run = \"1d\"", "max_run = 1500")
            .replace("max_wait = \"2d\"", "max_wait = 1500")
    });
    let n = recorder.statuses.len();
    let mut expected = vec![
        (1500.0, Stopping),
        (1500.0, Uploading),
        (1550.0, MaxWaitTimeExceeded),
    ];
    expected.extend(on_demand_from_500(1650.0));
    assert_eq!(recorder.statuses[n - 8..].to_vec(), expected);
    assert_eq!(recorder.fallbacks, vec![1650.0]);
    assert_eq!(record.outcome, Outcome::Completed);
    assert_eq!(record.wall_s, 2860.0);
    // Spot: 970 + 350 + the stop's upload 50; on-demand 1180 (its own MaxRuntime, 1500,
    // is not reached).
    assert_eq!(record.training_s, 1370.0 + 1180.0);
    assert!(close(record.cost_usd, usd(1370.0, 0.3) + usd(1180.0, 1.0)));
    // 360 lost to the reclaim, 230 to the stop (730 reached, 500 durable).
    assert_eq!(record.lost_work_s, 590.0);
    assert_eq!(record.billed_redone_s, 590.0);
}

#[test]
fn deadline_rule_switches_at_the_last_moment() {
    // Lead: stop upload 50 + provisioning 30 + download 100 + restore 20 + upload 50 = 250.
    // With checkpoint 500 durable (from 700), the remaining 1000 s holds one save of 10 s:
    // switch at 2500 - 250 - 1000 - 10 = 1240, in attempt 2's download (1150-1250).
    let (record, recorder) = run("when = \"deadline\"\ndeadline = 2500", |t| t);
    let n = recorder.statuses.len();
    let mut expected = vec![
        (1150.0, Downloading),
        (1240.0, Stopping),
        (1240.0, Uploading),
        (1290.0, Stopped),
    ];
    expected.extend(on_demand_from_500(1290.0));
    assert_eq!(recorder.statuses[n - 9..].to_vec(), expected);
    // The on-demand job ends exactly at the deadline.
    assert_eq!(record.wall_s, 2500.0);
    assert!(record.fallback.has_deadline && record.fallback.met_deadline);
    // Spot: 970 + 90 of download + 50 of upload.
    assert_eq!(record.training_s, 1110.0 + 1180.0);
    assert!(close(record.cost_usd, usd(1110.0, 0.3) + usd(1180.0, 1.0)));

    // A margin moves the switch earlier by as much (after a first moment at 2500 - 270 - 1500
    // - 20 = 710, just after the first checkpoint): 1220, still in the download; the stop's
    // upload ends at 1270 and the 1210 s on-demand job 20 s before the deadline.
    let (record, recorder) = run("when = \"deadline\"\ndeadline = 2500\nmargin = 20", |t| t);
    assert_eq!(recorder.fallbacks, vec![1270.0]);
    assert_eq!(record.wall_s, 2480.0);
    assert!(record.fallback.met_deadline);
}

#[test]
fn deadline_rule_leaves_a_spot_job_that_finishes_first() {
    // Spot alone completes at 2880; the last switch moment (after checkpoint 1000, durable at
    // 1780) is 4000 - 250 - 500 = 3250.
    let (record, recorder) = run("when = \"deadline\"\ndeadline = 4000", |t| t);
    assert!(recorder.fallbacks.is_empty());
    assert_eq!(
        (record.outcome, record.wall_s),
        (Outcome::Completed, 2880.0)
    );
    assert!(record.fallback.armed && !record.fallback.fell_back);
    assert!(record.fallback.met_deadline);
    assert_eq!(record.fallback.on_demand_cost_usd, 0.0);
}
