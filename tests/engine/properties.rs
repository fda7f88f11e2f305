//! Invariants that must hold for every run of every valid scenario (proptest).

use proptest::prelude::*;
use spotsim::engine::{JobModel, Observer, Outcome, RunRecord, SecondaryStatus, simulate};
use spotsim::montecarlo::rng::{Stream, run_rng};
use spotsim::scenario::MaxRunCounting;

use super::scenario;

/// A random duration key: constant, exponential, uniform, lognormal or gamma, around `scale_s`.
fn random_duration(scale_s: f64) -> impl Strategy<Value = String> {
    let scale = scale_s.max(1.0);
    prop_oneof![
        (0.0..scale).prop_map(|v| format!("{v}")),
        (1.0..scale).prop_map(|m| format!("{{ dist = \"exponential\", mean = {m} }}")),
        (0.0..scale, 0.0..scale).prop_map(|(a, b)| format!(
            "{{ dist = \"uniform\", min = {}, max = {} }}",
            a.min(b),
            a.max(b)
        )),
        (1.0..scale, 0.0..1.5f64)
            .prop_map(|(m, s)| format!("{{ dist = \"lognormal\", median = {m}, sigma = {s} }}")),
        (0.2..5.0f64, 1.0..scale)
            .prop_map(|(k, t)| format!("{{ dist = \"gamma\", shape = {k}, scale = {t} }}")),
    ]
}

fn time_to_interruption() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"never\"".to_string()),
        (300.0..200_000.0f64).prop_map(|m| format!("{{ dist = \"exponential\", mean = {m} }}")),
        (0.3..3.0f64, 300.0..100_000.0f64)
            .prop_map(|(k, s)| format!("{{ dist = \"weibull\", shape = {k}, scale = {s} }}")),
        (300.0..100_000.0f64, 0.1..2.0f64)
            .prop_map(|(m, s)| format!("{{ dist = \"lognormal\", median = {m}, sigma = {s} }}")),
        (0.3..4.0f64, 300.0..100_000.0f64)
            .prop_map(|(k, s)| format!("{{ dist = \"gamma\", shape = {k}, scale = {s} }}")),
    ]
}

#[derive(Debug, Clone)]
struct Params {
    text: String,
    max_run_s: f64,
    max_wait_s: f64,
    counts_all_downloads: bool,
    bills_interrupted: bool,
}

prop_compose! {
    fn scenario_text()(
        instance_count in 1u32..5,
        training_s in 60.0..30_000.0f64,
        exponential_training in any::<bool>(),
        provisioning in random_duration(300.0),
        download in random_duration(600.0),
        upload in random_duration(300.0),
        checkpoint in proptest::option::of((
            60.0..6000.0f64,
            random_duration(120.0),
            random_duration(120.0),
            0.0..1.0f64,
            any::<bool>(),
        )),
        capacity_wait in random_duration(3600.0),
        tti in time_to_interruption(),
        markov in proptest::option::of((600.0..50_000.0f64, 60.0..20_000.0f64)),
        profile in proptest::option::of((proptest::array::uniform24(0.01..4.0f64), any::<bool>(), proptest::option::of(0.0..24.0f64))),
        max_run_s in 600u32..150_000,
        max_wait_extra_s in 0u32..150_000,
        discount in 0.0..0.95f64,
        bills_interrupted in any::<bool>(),
        each_attempt in any::<bool>(),
        includes_download in any::<bool>(),
    ) -> Params {
        let training = if exponential_training {
            format!("{{ dist = \"exponential\", mean = {training_s} }}")
        } else {
            format!("{training_s}")
        };
        let checkpoint = checkpoint.map_or(
            String::new(),
            |(interval, save, restore, sync_share, on_notice)| {
                format!(
                    "[checkpoint]\ninterval = {interval}\nsave = {save}\nrestore = {restore}\n\
                     sync = {}\non_notice = {on_notice}\n",
                    interval * sync_share
                )
            },
        );
        let max_wait_s = max_run_s + max_wait_extra_s;
        let text = format!(
            "[job]\ninstance_count = {instance_count}\ntraining = {training}\n{start_hour}\
             provisioning = {provisioning}\ndownload = {download}\nupload = {upload}\n\
             [stopping]\nmax_run = {max_run_s}\nmax_wait = {max_wait_s}\n\
             max_run_counts = \"{counts}\"\nmax_run_includes_download = {includes_download}\n\
             [spot]\nenabled = true\n{market}\
             discount = {discount}\nbill_interrupted_attempt = {bills_interrupted}\n\
             {profile}{checkpoint}[pricing]\non_demand_hourly = 2.5\n",
            counts = if each_attempt { "each_attempt" } else { "all_attempts" },
            profile = match profile {
                Some((hourly, scale_waits, _)) => format!(
                    "[spot.profile]\nhourly = {hourly:?}\nscale_capacity_wait = {scale_waits}\n"
                ),
                None => String::new(),
            },
            start_hour = match profile.and_then(|p| p.2) {
                Some(hour) => format!("start_hour = {hour}\n"),
                None => String::new(),
            },
            market = match markov {
                Some((up_s, down_s)) => format!(
                    "market = {{ model = \"markov\", mean_available = {up_s}, \
                     mean_unavailable = {down_s} }}\n"
                ),
                None => format!("capacity_wait = {capacity_wait}\ntime_to_interruption = {tti}\n"),
            },
        );
        Params {
            text,
            max_run_s: f64::from(max_run_s),
            max_wait_s: f64::from(max_wait_s),
            counts_all_downloads: !each_attempt && includes_download,
            bills_interrupted,
        }
    }
}

/// Checks that statuses run forward in time, start with Starting at 0 and end as the outcome.
#[derive(Default)]
struct Timeline {
    statuses: Vec<(f64, SecondaryStatus)>,
    checkpoints: Vec<(f64, f64)>,
}

impl Observer for Timeline {
    fn status(&mut self, time_s: f64, status: SecondaryStatus) {
        self.statuses.push((time_s, status));
    }
    fn checkpoint(&mut self, time_s: f64, progress_s: f64) {
        self.checkpoints.push((time_s, progress_s));
    }
}

const EPS: f64 = 1e-6;

fn check_run(
    params: &Params,
    model: &JobModel,
    record: &RunRecord,
    timeline: &Timeline,
    spot: bool,
) {
    let r = record;
    let tolerance = EPS * r.wall_s.max(1.0);
    assert!(
        r.billable_s <= r.training_s + tolerance,
        "billable > training: {r:?}"
    );
    assert!(
        r.training_s <= r.wall_s + tolerance,
        "training > wall: {r:?}"
    );
    assert!(
        r.training_s + r.waiting_s <= r.wall_s + tolerance,
        "phases overlap: {r:?}"
    );
    assert!(
        r.lost_work_s >= 0.0 && r.waiting_s >= 0.0 && r.cost_usd >= 0.0,
        "{r:?}"
    );
    assert!(r.work_done_s <= r.work_required_s + tolerance, "{r:?}");
    // The billed breakdown partitions TrainingTimeInSeconds; every part is non-negative.
    let b = &r.billed;
    assert!(
        (b.total_s() - r.training_s).abs() <= tolerance,
        "breakdown {b:?} does not add up to {r:?}"
    );
    assert!(
        [b.download_s, b.restore_s, b.train_s, b.save_s, b.upload_s]
            .iter()
            .all(|&part| part >= -tolerance),
        "{b:?}"
    );
    assert!(r.billed_redone_s <= b.train_s + tolerance, "{r:?}");
    if params.bills_interrupted || !spot {
        // Every attempt billed: the training compute is the progress kept plus the progress
        // redone, and the redone progress is all the work lost.
        assert!(
            (b.train_s - r.billed_redone_s - r.work_done_s).abs() <= tolerance,
            "{r:?}"
        );
        assert!(
            (r.billed_redone_s - r.lost_work_s).abs() <= tolerance,
            "{r:?}"
        );
    } else {
        assert_eq!(r.billed_redone_s, 0.0);
        assert!(b.train_s <= r.work_done_s + tolerance, "{r:?}");
    }
    match r.outcome {
        Outcome::Completed => {
            assert_eq!(
                r.work_done_s, r.work_required_s,
                "completed without all training"
            );
            assert!(r.wall_s <= model.max_wait_s + tolerance, "{r:?}");
        }
        Outcome::MaxWaitTimeExceeded => {
            assert!(spot, "MaxWait on-demand");
            assert!(r.wall_s >= params.max_wait_s - tolerance, "{r:?}");
        }
        Outcome::MaxRuntimeExceeded => {
            if params.counts_all_downloads && (params.bills_interrupted || !spot) {
                assert!(r.training_s >= params.max_run_s - tolerance, "{r:?}");
            }
        }
    }
    if !spot {
        assert_eq!((r.interruptions, r.waiting_s, r.lost_work_s), (0, 0.0, 0.0));
        assert_eq!(r.billable_s, r.training_s);
    }
    if model.max_run_counts == MaxRunCounting::AllAttempts && params.bills_interrupted {
        // Billed time can pass max_run only by uploads after the stop.
        assert!(r.training_s.is_finite());
    }
    let statuses = &timeline.statuses;
    assert_eq!(statuses.first(), Some(&(0.0, SecondaryStatus::Starting)));
    assert!(
        statuses.windows(2).all(|w| w[0].0 <= w[1].0),
        "time runs backwards: {statuses:?}"
    );
    let last = statuses.last().unwrap();
    assert_eq!(last.0, r.wall_s);
    let expected_last = match r.outcome {
        Outcome::Completed => SecondaryStatus::Completed,
        Outcome::MaxRuntimeExceeded => SecondaryStatus::MaxRuntimeExceeded,
        Outcome::MaxWaitTimeExceeded => SecondaryStatus::MaxWaitTimeExceeded,
    };
    assert_eq!(last.1, expected_last);
    let interrupted = statuses
        .iter()
        .filter(|(_, s)| *s == SecondaryStatus::Interrupted)
        .count();
    assert_eq!(interrupted as u32, r.interruptions);
    // Checkpoints move forward in time and in progress, and never past the work.
    let checkpoints = &timeline.checkpoints;
    assert!(
        checkpoints
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1),
        "checkpoints out of order: {checkpoints:?}"
    );
    assert!(
        checkpoints
            .iter()
            .all(|c| c.1 < r.work_required_s && c.0 <= r.wall_s)
    );
    assert!(r.wall_s <= spotsim::scenario::JOB_LIFETIME_LIMIT_S);
}

proptest! {
    // A fixed seed: the same 300 scenarios on every run, so CI is deterministic. To explore
    // other cases, change the seed and the count here (4 × 3,000 more cases passed).
    #![proptest_config(ProptestConfig {
        cases: 300,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_123),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_run_keeps_the_invariants(params in scenario_text(), seed in any::<u64>()) {
        let s = scenario(&params.text);
        let spot_model = JobModel::spot(&s).unwrap();
        let on_demand_model = JobModel::on_demand(&s);
        for (model, spot) in [(&spot_model, true), (&on_demand_model, false)] {
            for run in 0..20 {
                let mut timeline = Timeline::default();
                let record = simulate(
                    model,
                    &mut run_rng(seed, run, Stream::Job),
                    &mut run_rng(seed, run, Stream::Market),
                    &mut timeline,
                );
                check_run(&params, model, &record, &timeline, spot);
            }
        }
    }
}
