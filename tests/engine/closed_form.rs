//! The simulated means against closed forms, within 4 standard errors, at fixed seeds.
//!
//! Closed form (issue "Core", §6): exponential interruptions at rate λ = `instance_count` / mean
//! time to interruption, exponential capacity waits of mean d, constant download R, no
//! provisioning, upload or restore time, constant save C, training = n × τ, no limit reached.
//! With `X_i` = τ + C for i < n, `X_n` = τ and K = e^{λR} (1 + `Σ_i` (`e^{λX_i`} − 1)) (the expected
//! number of starts):
//!   E[interruptions] = K − 1, E[`training_s`] = (K − 1)/λ, E[`wall_s`] = (d + 1/λ) K − 1/λ.
//! The middle one is Wald's identity: billed time is exactly the exposure to the reclaim process.

use spotsim::montecarlo::{Estimate, run_scenario, stream_scenario};
use spotsim::stats::summary::Summary;

use super::scenario;

/// One parameter set of the closed form.
struct Case {
    name: &'static str,
    instance_count: u32,
    /// Per-instance time to interruption, as written in the scenario.
    time_to_interruption: &'static str,
    /// λ implied by it, per second.
    lambda_per_s: f64,
    capacity_wait_mean_s: f64,
    download_s: f64,
    interval_s: f64,
    save_s: f64,
    intervals: u32,
    checkpoints: bool,
    /// `Some((U, D))` for a Markov market instead of the two distributions.
    markov: Option<(f64, f64)>,
}

impl Case {
    fn toml(&self, runs: u64, seed: u64) -> String {
        let checkpoint = if self.checkpoints {
            format!(
                "[checkpoint]\ninterval = {}\nsave = {}\nrestore = 0\n",
                self.interval_s, self.save_s
            )
        } else {
            String::new()
        };
        format!(
            r#"[job]
instance_count = {count}
training = {training}
provisioning = 0
download = {download}
upload = 0
[stopping]
max_run = "28d"
max_wait = "28d"
[spot]
enabled = true
{market}discount = 0.7
{checkpoint}[pricing]
on_demand_hourly = 1
[simulation]
runs = {runs}
seed = {seed}
"#,
            count = self.instance_count,
            training = self.interval_s * f64::from(self.intervals),
            download = self.download_s,
            market = match self.markov {
                None => format!(
                    "capacity_wait = {{ dist = \"exponential\", mean = {} }}\n\
                     time_to_interruption = {}\n",
                    self.capacity_wait_mean_s, self.time_to_interruption
                ),
                Some((up_s, down_s)) => format!(
                    "market = {{ model = \"markov\", mean_available = {up_s}, \
                     mean_unavailable = {down_s} }}\n"
                ),
            },
        )
    }

    /// (E[interruptions], E[`training_s`], E[`wall_s`]).
    fn expected(&self) -> (f64, f64, f64) {
        let lambda = self.lambda_per_s;
        let segments = (1..=self.intervals).map(|i| {
            if i < self.intervals {
                self.interval_s + self.save_s
            } else {
                self.interval_s
            }
        });
        let k = (lambda * self.download_s).exp()
            * (1.0 + segments.map(|x| (lambda * x).exp() - 1.0).sum::<f64>());
        let wall_s = match self.markov {
            // Issue "Markets", §10: the first wait has mean D²/(U+D) (capacity is there with
            // probability U/(U+D)), every later one D.
            Some((up_s, down_s)) => {
                down_s * down_s / (up_s + down_s) + (k - 1.0) * down_s + (k - 1.0) / lambda
            }
            None => (self.capacity_wait_mean_s + 1.0 / lambda) * k - 1.0 / lambda,
        };
        (k - 1.0, (k - 1.0) / lambda, wall_s)
    }
}

fn assert_within(label: &str, summary: &Summary, expected: f64, case: &str) {
    let se = summary.std_err.expect("many runs");
    let z = (summary.mean - expected) / se;
    assert!(
        z.abs() <= 4.0,
        "{case}: {label} mean {:.4} vs closed form {expected:.4} ({z:+.2} standard errors)",
        summary.mean
    );
}

fn check(case: &Case) {
    // 40,000 runs: the standard error of E[wall_s] is below 0.5 % of the mean for every case.
    let s = scenario(&case.toml(40_000, 20_261_123));
    let estimate = Estimate::of(&stream_scenario(&s));
    let spot = estimate.spot.expect("spot scenario");
    assert_eq!(
        spot.outcomes.completed, 1.0,
        "{}: a limit was reached",
        case.name
    );
    let (interruptions, training_s, wall_s) = case.expected();
    assert_within(
        "interruptions",
        &spot.metrics.interruptions,
        interruptions,
        case.name,
    );
    assert_within(
        "training_s",
        &spot.metrics.training_s,
        training_s,
        case.name,
    );
    assert_within("wall_s", &spot.metrics.wall_s, wall_s, case.name);
}

#[test]
fn reference_scenario_shape() {
    let case = Case {
        name: "reference",
        instance_count: 1,
        time_to_interruption: r#"{ dist = "exponential", mean = "1h" }"#,
        lambda_per_s: 1.0 / 3600.0,
        capacity_wait_mean_s: 300.0,
        download_s: 120.0,
        interval_s: 1800.0,
        save_s: 30.0,
        intervals: 8,
        checkpoints: true,
        markov: None,
    };
    // The shipped reference scenario is this case (about 6.5 starts per run).
    let (interruptions, _, _) = case.expected();
    assert!((interruptions + 1.0 - 6.50).abs() < 0.01);
    check(&case);
}

#[test]
fn four_instances_interrupt_four_times_as_often() {
    check(&Case {
        name: "4 instances",
        instance_count: 4,
        time_to_interruption: r#"{ dist = "exponential", mean = "16h" }"#,
        lambda_per_s: 4.0 / (16.0 * 3600.0),
        capacity_wait_mean_s: 600.0,
        download_s: 300.0,
        interval_s: 3600.0,
        save_s: 120.0,
        intervals: 6,
        checkpoints: true,
        markov: None,
    });
}

#[test]
fn a_cluster_reclaimed_at_once_interrupts_as_one_instance() {
    // spot.reclaim = "cluster": one clock for the 8 instances, so λ = 1 / mean, not 8 / mean.
    let case = Case {
        name: "8 instances, cluster",
        instance_count: 8,
        time_to_interruption: r#"{ dist = "exponential", mean = "16h" }"#,
        lambda_per_s: 1.0 / (16.0 * 3600.0),
        capacity_wait_mean_s: 600.0,
        download_s: 300.0,
        interval_s: 3600.0,
        save_s: 120.0,
        intervals: 6,
        checkpoints: true,
        markov: None,
    };
    let text = case.toml(40_000, 20_261_123).replace(
        "enabled = true\n",
        "enabled = true\nreclaim = \"cluster\"\n",
    );
    let spot = Estimate::of(&stream_scenario(&scenario(&text)))
        .spot
        .expect("spot scenario");
    let (interruptions, training_s, wall_s) = case.expected();
    assert_within(
        "interruptions",
        &spot.metrics.interruptions,
        interruptions,
        case.name,
    );
    assert_within(
        "training_s",
        &spot.metrics.training_s,
        training_s,
        case.name,
    );
    assert_within("wall_s", &spot.metrics.wall_s, wall_s, case.name);
}

#[test]
fn without_checkpoints_training_restarts_from_zero() {
    check(&Case {
        name: "no checkpoints",
        instance_count: 1,
        time_to_interruption: r#"{ dist = "exponential", mean = "3h" }"#,
        lambda_per_s: 1.0 / 10_800.0,
        capacity_wait_mean_s: 180.0,
        download_s: 60.0,
        interval_s: 7200.0,
        save_s: 0.0,
        intervals: 1,
        checkpoints: false,
        markov: None,
    });
}

#[test]
fn frequent_interruptions_and_short_intervals() {
    check(&Case {
        name: "heavy",
        instance_count: 1,
        time_to_interruption: r#"{ dist = "exponential", mean = "20m" }"#,
        lambda_per_s: 1.0 / 1200.0,
        capacity_wait_mean_s: 60.0,
        download_s: 30.0,
        interval_s: 600.0,
        save_s: 60.0,
        intervals: 6,
        checkpoints: true,
        markov: None,
    });
}

#[test]
fn weibull_of_shape_one_is_exponential_per_instance() {
    // Weibull(1, 3h) per instance, 3 instances: the cluster's first reclaim is Exp(mean 1h),
    // through the Weibull minimum's closed form.
    check(&Case {
        name: "weibull k=1, 3 instances",
        instance_count: 3,
        time_to_interruption: r#"{ dist = "weibull", shape = 1.0, scale = "3h" }"#,
        lambda_per_s: 1.0 / 3600.0,
        capacity_wait_mean_s: 300.0,
        download_s: 120.0,
        interval_s: 1800.0,
        save_s: 30.0,
        intervals: 4,
        checkpoints: true,
        markov: None,
    });
}

#[test]
fn markov_market_waits_and_interruptions() {
    // U = 6h available, D = 45m unavailable: λ = 1/U for the running job.
    check(&Case {
        name: "markov 6h/45m",
        instance_count: 1,
        time_to_interruption: "",
        lambda_per_s: 1.0 / 21_600.0,
        capacity_wait_mean_s: 0.0,
        download_s: 120.0,
        interval_s: 1800.0,
        save_s: 30.0,
        intervals: 8,
        checkpoints: true,
        markov: Some((21_600.0, 2700.0)),
    });
    // A harsh market: capacity for 1h, then gone for 2h.
    check(&Case {
        name: "markov 1h/2h",
        instance_count: 1,
        time_to_interruption: "",
        lambda_per_s: 1.0 / 3600.0,
        capacity_wait_mean_s: 0.0,
        download_s: 300.0,
        interval_s: 1200.0,
        save_s: 60.0,
        intervals: 6,
        checkpoints: true,
        markov: Some((3600.0, 7200.0)),
    });
}

#[test]
fn lognormal_minimum_over_instances_matches_integration() {
    // No closed form for the minimum of lognormals: the engine draws it by inversion. Check its
    // mean against numerical integration, through the first interruption of a long download.
    // With a 100 h download every run is interrupted in it (a first reclaim after MaxWait's 10 h
    // has probability below 1e-11), and with no capacity wait the first Interrupted status comes
    // at the cluster's first reclaim: E[min of 2 lognormal(median 1h, sigma 0.5)].
    let text = r#"[job]
instance_count = 2
training = 60
download = "100h"
[stopping]
max_run = "10h"
max_wait = "10h"
[spot]
enabled = true
capacity_wait = "never"
time_to_interruption = { dist = "lognormal", median = "1h", sigma = 0.5 }
discount = 0.5
[pricing]
on_demand_hourly = 1
"#;
    // capacity_wait = "never" would stop every run at once; use it to check that instead.
    let s = scenario(text);
    let estimate = Estimate::of(&stream_scenario(&s));
    let spot = estimate.spot.unwrap();
    assert_eq!(spot.outcomes.max_wait_exceeded, 1.0);
    assert_eq!(spot.metrics.wall_s.max, 36_000.0);
    assert_eq!(spot.metrics.training_s.max, 0.0);

    let text = text
        .replace("capacity_wait = \"never\"", "capacity_wait = 0")
        .replace("[pricing]", "[simulation]\nruns = 20000\n[pricing]");
    let model = spotsim::engine::JobModel::spot(&scenario(&text)).unwrap();
    let mut first_reclaims = Vec::new();
    for run in 0..20_000 {
        let mut recorder = FirstInterruption(None);
        spotsim::engine::simulate(
            &model,
            &mut spotsim::montecarlo::rng::run_rng(5, run, spotsim::montecarlo::rng::Stream::Job),
            &mut spotsim::montecarlo::rng::run_rng(
                5,
                run,
                spotsim::montecarlo::rng::Stream::Market,
            ),
            &mut recorder,
        );
        first_reclaims.push(recorder.0.expect("interrupted in the download"));
    }
    let summary = Summary::of(&mut first_reclaims);
    // E[min(X1, X2)] = ∫ P(X > t)² dt for lognormal(median 3600, sigma 0.5), by the trapezoid
    // rule on a fine grid.
    let survival = |t: f64| {
        if t <= 0.0 {
            return 1.0;
        }
        let z = (t / 3600.0).ln() / 0.5;
        0.5 * spotsim::inputs::dist::erfc(z / std::f64::consts::SQRT_2)
    };
    let step = 1.0;
    let expected: f64 = (0..100_000)
        .map(|i| {
            let t = f64::from(i) * step;
            0.5 * (survival(t).powi(2) + survival(t + step).powi(2)) * step
        })
        .sum();
    assert_within(
        "first reclaim of 2 lognormal instances",
        &summary,
        expected,
        "lognormal",
    );
}

/// Records when the first Interrupted status happens.
struct FirstInterruption(Option<f64>);

impl spotsim::engine::Observer for FirstInterruption {
    fn status(&mut self, time_s: f64, status: spotsim::engine::SecondaryStatus) {
        if status == spotsim::engine::SecondaryStatus::Interrupted && self.0.is_none() {
            self.0 = Some(time_s);
        }
    }
}

#[test]
fn capacity_never_granted_in_time_stops_with_max_wait() {
    // Waits ~ Exp(mean 1h), running needs L = 30 min, MaxWait W = 2h, no reclaims:
    // P(MaxWaitTimeExceeded) = P(wait > W − L) = e^{−1.5}.
    let text = r#"[job]
training = "20m"
download = "10m"
[stopping]
max_run = "1h"
max_wait = "2h"
[spot]
enabled = true
capacity_wait = { dist = "exponential", mean = "1h" }
time_to_interruption = "never"
discount = 0.7
[pricing]
on_demand_hourly = 1
[simulation]
runs = 20000
seed = 7
"#;
    let s = scenario(text);
    let runs = run_scenario(&s);
    let spot_runs = runs.spot.as_ref().unwrap();
    let estimate = Estimate::of_runs(&runs);
    let p = (-1.5f64).exp();
    let n = spot_runs.len() as f64;
    let share = estimate.spot.as_ref().unwrap().outcomes.max_wait_exceeded;
    let binomial_se = (p * (1.0 - p) / n).sqrt();
    assert!(
        (share - p).abs() <= 4.0 * binomial_se,
        "MaxWait share {share:.4} vs e^-1.5 = {p:.4}"
    );
    for record in spot_runs {
        match record.outcome {
            spotsim::engine::Outcome::MaxWaitTimeExceeded => {
                // Stopped exactly at MaxWait, no upload (upload = 0), never finished.
                assert_eq!(record.wall_s, 7200.0);
                assert!(record.work_done_s < record.work_required_s);
            }
            outcome => {
                assert_eq!(outcome, spotsim::engine::Outcome::Completed);
                // Billed time is a difference of clock readings: equal up to rounding.
                assert!((record.training_s - 1800.0).abs() < 1e-9, "{record:?}");
                assert!(record.wall_s <= 7200.0);
            }
        }
    }
}

#[test]
fn time_of_day_interruptions_follow_the_profile() {
    // A job that runs without pause for exactly 10 days (no waits, no downloads, no checkpoints,
    // far more training than MaxRuntime allows), started at midnight: every hour of the day gets
    // the same exposure, so interruptions per hour of day are proportional to the profile.
    struct HourCounter<'a>(&'a mut [u64; 24]);
    impl spotsim::engine::Observer for HourCounter<'_> {
        fn status(&mut self, time_s: f64, status: spotsim::engine::SecondaryStatus) {
            if status == spotsim::engine::SecondaryStatus::Interrupted {
                self.0[((time_s / 3600.0).floor() as usize) % 24] += 1;
            }
        }
    }
    let hourly: Vec<f64> = (0..24)
        .map(|h| match h {
            9..=17 => 3.0,
            0..=5 => 0.25,
            _ => 1.0,
        })
        .collect();
    let text = format!(
        r#"[job]
training = "20d"
start_hour = 0
[stopping]
max_run = "10d"
max_wait = "10d"
[spot]
enabled = true
capacity_wait = 0
time_to_interruption = {{ dist = "exponential", mean = "2h" }}
discount = 0.7
[spot.profile]
hourly = {hourly:?}
[pricing]
on_demand_hourly = 1
"#
    );
    let model = spotsim::engine::JobModel::spot(&scenario(&text)).unwrap();
    let mut per_hour = [0u64; 24];
    for run in 0..300 {
        spotsim::engine::simulate(
            &model,
            &mut spotsim::montecarlo::rng::run_rng(9, run, spotsim::montecarlo::rng::Stream::Job),
            &mut spotsim::montecarlo::rng::run_rng(
                9,
                run,
                spotsim::montecarlo::rng::Stream::Market,
            ),
            &mut HourCounter(&mut per_hour),
        );
    }
    let total: u64 = per_hour.iter().sum();
    let weight: f64 = hourly.iter().sum();
    // Pearson's chi-square against counts ∝ m(h): 23 degrees of freedom, 0.1 % critical value
    // 49.7. (About 56,000 interruptions; the quietest hour expects over 500.)
    let chi_square: f64 = per_hour
        .iter()
        .zip(&hourly)
        .map(|(&observed, m)| {
            let expected = total as f64 * m / weight;
            (observed as f64 - expected).powi(2) / expected
        })
        .sum();
    assert!(total > 20_000, "{total}");
    assert!(
        chi_square < 49.7,
        "chi-square {chi_square:.1}: {per_hour:?}"
    );
    // And the shape is unmistakable: a busy hour sees about 12 times a night hour.
    assert!(
        per_hour[12] as f64 > 8.0 * per_hour[3] as f64,
        "{per_hour:?}"
    );
}

/// `[fallback] when = "max_wait"` with exponential capacity waits X of mean m, no
/// interruption, training T, no checkpoints, no download, provisioning or upload, MaxWait W:
/// the spot job completes iff X ≤ a = W − T (it would still be training at W otherwise), so it
/// falls back with probability e^{−a/m}. Its billed time is T when it completes and W − X when
/// it is stopped in training (a < X < W), whose expectation is
/// ∫_a^W (W − x) e^{−x/m} dx / m = T e^{−a/m} − m (e^{−a/m} − e^{−W/m}). The on-demand job
/// starts from zero and bills T. So, at spot price s and on-demand price o per second:
///   E[cost] = s (T − m (e^{−a/m} − e^{−W/m})) + o T e^{−a/m},
///   E[wall] = E[X; X ≤ a] + T (1 − e^{−a/m}) + (W + r + T) e^{−a/m} with reaction r.
#[test]
fn max_wait_fallback_after_exponential_waits() {
    let (m, t, w, r) = (3600.0_f64, 7200.0_f64, 10_800.0_f64, 300.0_f64);
    let s = scenario(&format!(
        "[job]\ntraining = {t}\n[stopping]\nmax_run = {w}\nmax_wait = {w}\n[spot]\n\
         enabled = true\ncapacity_wait = {{ dist = \"exponential\", mean = {m} }}\n\
         time_to_interruption = \"never\"\ndiscount = 0.7\n\
         [fallback]\nwhen = \"max_wait\"\nreaction = {r}\n\
         [pricing]\non_demand_hourly = 3.6\n[simulation]\nruns = 40000\nseed = 20261204\n"
    ));
    let estimate = Estimate::of(&stream_scenario(&s));
    let spot = estimate.spot.expect("spot scenario");
    let a = w - t;
    let p = (-a / m).exp();
    let (spot_per_s, od_per_s) = (0.3 * 3.6 / 3600.0, 3.6 / 3600.0);
    let cost = spot_per_s * (t - m * (p - (-w / m).exp())) + od_per_s * t * p;
    // E[X; X ≤ a] = m (1 − e^{−a/m}) − a e^{−a/m}.
    let wait_done = m * (1.0 - p) - a * p;
    let wall = wait_done + t * (1.0 - p) + (w + r + t) * p;
    assert_within(
        "cost_usd",
        &spot.metrics.cost_usd,
        cost,
        "max_wait fallback",
    );
    assert_within("wall_s", &spot.metrics.wall_s, wall, "max_wait fallback");
    let fallback = spot.fallback.expect("a fallback summary");
    // The share's standard error is √(p(1 − p)/n).
    let se = (p * (1.0 - p) / 40_000.0).sqrt();
    assert!(
        (fallback.fell_back_share - p).abs() <= 4.0 * se,
        "{} vs {p}",
        fallback.fell_back_share
    );
    // Every run completes, on spot or on-demand.
    assert_eq!(spot.outcomes.completed, 1.0);
}
