//! Calibration from recorded data: what a trace says about a market, as numbers and as a
//! ready-to-paste `[spot]` section (`spotsim fit trace`).
//!
//! A trace is cut into alternating available and unavailable periods for a cluster of `n`
//! instances. The first and the last period are cut short by the trace's ends (censored), so
//! they count toward the availability share and the rate of interruptions but not toward the
//! period-length fits. Lengths are fitted by maximum likelihood: exponential (the Markov model's
//! assumption) and Weibull (shape < 1: short periods are more common than memoryless ones);
//! the Kolmogorov–Smirnov distance of each fit to the observed lengths says how well it fits.

use serde::Serialize;

use crate::inputs::availability::Trace;

/// Fitted distributions of one kind of period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFit {
    /// Complete periods observed.
    pub count: usize,
    /// Mean length (the exponential's MLE), seconds.
    pub mean_s: f64,
    /// Kolmogorov–Smirnov distance of the exponential fit.
    pub exponential_ks: f64,
    /// Weibull MLE shape.
    pub weibull_shape: f64,
    /// Weibull MLE scale, seconds.
    pub weibull_scale_s: f64,
    /// Kolmogorov–Smirnov distance of the Weibull fit.
    pub weibull_ks: f64,
}

/// What a trace says about a market for a cluster of `instances`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceFit {
    /// Instances the cluster needs.
    pub instances: u32,
    /// Length of the trace, seconds.
    pub span_s: f64,
    /// Share of time with enough capacity.
    pub availability: f64,
    /// Interruptions (capacity going) per hour of available capacity.
    pub interruptions_per_hour: f64,
    /// Mean available period, seconds, over all periods (censored ones included).
    pub mean_available_s: f64,
    /// Mean unavailable period, seconds, over all periods (censored ones included).
    pub mean_unavailable_s: f64,
    /// Fits of complete available periods, when there are at least two.
    pub available: Option<PeriodFit>,
    /// Fits of complete unavailable periods, when there are at least two.
    pub unavailable: Option<PeriodFit>,
}

/// Cuts `trace` into (available?, length) periods for a cluster of `instances`.
fn periods(trace: &Trace, instances: u32) -> Vec<(bool, f64)> {
    let mut out: Vec<(bool, f64)> = Vec::new();
    for (start, end, count) in trace.segments() {
        let up = count >= instances;
        match out.last_mut() {
            Some(last) if last.0 == up => last.1 += end - start,
            _ => out.push((up, end - start)),
        }
    }
    out
}

/// Fits a trace.
pub fn fit_trace(trace: &Trace, instances: u32) -> TraceFit {
    let all = periods(trace, instances);
    let total = |up: bool| all.iter().filter(|p| p.0 == up).map(|p| p.1).sum::<f64>();
    let count = |up: bool| all.iter().filter(|p| p.0 == up).count();
    let available_s = total(true);
    // Capacity goes at every available period that is followed by an unavailable one.
    let interruptions = all.windows(2).filter(|w| w[0].0 && !w[1].0).count();
    let complete: &[(bool, f64)] = if all.len() > 2 {
        &all[1..all.len() - 1]
    } else {
        &[]
    };
    let lengths =
        |up: bool| -> Vec<f64> { complete.iter().filter(|p| p.0 == up).map(|p| p.1).collect() };
    let mean_of = |up: bool| {
        let n = count(up);
        if n == 0 { 0.0 } else { total(up) / n as f64 }
    };
    TraceFit {
        instances,
        span_s: trace.period_s,
        availability: available_s / trace.period_s,
        interruptions_per_hour: if available_s > 0.0 {
            interruptions as f64 / (available_s / 3600.0)
        } else {
            0.0
        },
        mean_available_s: mean_of(true),
        mean_unavailable_s: mean_of(false),
        available: fit_lengths(&lengths(true)),
        unavailable: fit_lengths(&lengths(false)),
    }
}

/// Exponential and Weibull fits of positive lengths (at least two).
pub fn fit_lengths(lengths: &[f64]) -> Option<PeriodFit> {
    if lengths.len() < 2 {
        return None;
    }
    let n = lengths.len() as f64;
    let mean_s = lengths.iter().sum::<f64>() / n;
    let (shape, scale_s) = weibull_mle(lengths);
    let mut sorted = lengths.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(PeriodFit {
        count: lengths.len(),
        mean_s,
        exponential_ks: ks_distance(&sorted, |x| 1.0 - (-x / mean_s).exp()),
        weibull_shape: shape,
        weibull_scale_s: scale_s,
        weibull_ks: ks_distance(&sorted, |x| 1.0 - (-(x / scale_s).powf(shape)).exp()),
    })
}

/// Weibull maximum likelihood: the shape k solves
/// `Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x) = 0` (found by bisection on ln k, the left side being
/// increasing in k), and the scale is `(Σ xᵏ / n)^(1/k)` (Cohen 1965).
pub fn weibull_mle(lengths: &[f64]) -> (f64, f64) {
    let n = lengths.len() as f64;
    // Work in units of the mean, so that powers stay in range.
    let unit = lengths.iter().sum::<f64>() / n;
    let scaled: Vec<f64> = lengths.iter().map(|x| x / unit).collect();
    let mean_ln = scaled.iter().map(|x| x.ln()).sum::<f64>() / n;
    let score = |k: f64| {
        let (mut sum_pow, mut sum_pow_ln) = (0.0, 0.0);
        for &x in &scaled {
            let p = x.powf(k);
            sum_pow += p;
            sum_pow_ln += p * x.ln();
        }
        sum_pow_ln / sum_pow - 1.0 / k - mean_ln
    };
    let (mut low, mut high) = (1e-3f64.ln(), 1e3f64.ln());
    if scaled.iter().all(|x| *x == scaled[0]) {
        // All lengths equal: the likelihood grows without bound in k; report the upper bound.
        return (1e3, unit);
    }
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if score(mid.exp()) > 0.0 {
            high = mid;
        } else {
            low = mid;
        }
    }
    let k = (0.5 * (low + high)).exp();
    let scale = (scaled.iter().map(|x| x.powf(k)).sum::<f64>() / n).powf(1.0 / k);
    (k, scale * unit)
}

/// Kolmogorov–Smirnov distance between the empirical distribution of `sorted` and `cdf`.
fn ks_distance(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_periods_and_interruptions_of_a_hand_made_trace() {
        // up 2, down 1, up 3, down 2, up 1 (ticks of 1 h): 6 of 9 hours up, 2 interruptions.
        let fit = fit_trace(&Trace::from_ticks(&[1, 1, 0, 1, 1, 1, 0, 0, 1], 3600.0), 1);
        assert!((fit.availability - 6.0 / 9.0).abs() < 1e-12);
        assert!((fit.interruptions_per_hour - 2.0 / 6.0).abs() < 1e-12);
        assert_eq!(fit.mean_available_s, 2.0 * 3600.0);
        assert_eq!(fit.mean_unavailable_s, 1.5 * 3600.0);
        // Complete periods: down 1, up 3, down 2 (the first and last are censored).
        assert_eq!(fit.available, None);
        assert_eq!(
            fit.unavailable.as_ref().map(|f| (f.count, f.mean_s)),
            Some((2, 5400.0))
        );
    }

    #[test]
    fn maximum_likelihood_recovers_known_weibull_parameters() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let dist = crate::inputs::dist::Dist::Weibull {
            shape: 0.7,
            scale_s: 5000.0,
        };
        let lengths: Vec<f64> = (0..20_000).map(|_| dist.sample(&mut rng)).collect();
        let (k, scale) = weibull_mle(&lengths);
        assert!((k - 0.7).abs() < 0.02, "shape {k}");
        assert!((scale / 5000.0 - 1.0).abs() < 0.03, "scale {scale}");
        let fit = fit_lengths(&lengths).unwrap();
        // The Weibull fits its own data; the exponential does not (shape 0.7 is far from 1).
        assert!(fit.weibull_ks < 0.015, "{}", fit.weibull_ks);
        assert!(fit.exponential_ks > 3.0 * fit.weibull_ks, "{fit:?}");
    }
}

/// One saved `aws sagemaker describe-training-job` document, as far as calibration
/// (`spotsim fit jobs`) and replay (`spotsim import describe-training-job`) need it. Other
/// fields are ignored.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribedJob {
    /// `TrainingJobName`.
    #[serde(default)]
    pub training_job_name: String,
    /// `TrainingJobStatus`: `InProgress`, `Completed`, `Failed`, `Stopping` or `Stopped`.
    #[serde(default)]
    pub training_job_status: String,
    /// `SecondaryStatus`: the last one, e.g. `Completed` or `MaxWaitTimeExceeded`.
    #[serde(default)]
    pub secondary_status: String,
    /// `StoppingCondition`.
    #[serde(default)]
    pub stopping_condition: Option<StoppingCondition>,
    /// `CheckpointConfig`.
    #[serde(default)]
    pub checkpoint_config: Option<CheckpointConfig>,
    /// `CreationTime`, an ISO 8601 string or epoch seconds.
    #[serde(default)]
    pub creation_time: Option<serde_json::Value>,
    /// `EnableManagedSpotTraining`.
    #[serde(default)]
    pub enable_managed_spot_training: bool,
    /// `TrainingTimeInSeconds`.
    #[serde(default)]
    pub training_time_in_seconds: Option<f64>,
    /// `BillableTimeInSeconds`.
    #[serde(default)]
    pub billable_time_in_seconds: Option<f64>,
    /// `SecondaryStatusTransitions`.
    #[serde(default)]
    pub secondary_status_transitions: Vec<Transition>,
    /// `ResourceConfig`.
    #[serde(default)]
    pub resource_config: Option<ResourceConfig>,
}

/// `ResourceConfig`, as far as calibration and replay need it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceConfig {
    /// `InstanceCount`.
    #[serde(default = "one")]
    pub instance_count: u32,
    /// `InstanceType`, e.g. `ml.p3.2xlarge`.
    #[serde(default)]
    pub instance_type: Option<String>,
}

/// `StoppingCondition`: the limits, seconds, as the document gives them.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoppingCondition {
    /// `MaxRuntimeInSeconds`, seconds.
    #[serde(default)]
    pub max_runtime_in_seconds: Option<f64>,
    /// `MaxWaitTimeInSeconds`, seconds.
    #[serde(default)]
    pub max_wait_time_in_seconds: Option<f64>,
}

/// `CheckpointConfig`: where the job's checkpoints go.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckpointConfig {
    /// `S3Uri`.
    #[serde(default, rename = "S3Uri")]
    pub s3_uri: Option<String>,
    /// `LocalPath` (default `/opt/ml/checkpoints`).
    #[serde(default)]
    pub local_path: Option<String>,
}

fn one() -> u32 {
    1
}

impl DescribedJob {
    /// Whether this looks like a DescribeTrainingJob document at all.
    pub fn is_training_job(&self) -> bool {
        !self.training_job_name.is_empty() && !self.secondary_status_transitions.is_empty()
    }

    fn instance_count(&self) -> u32 {
        self.resource_config
            .as_ref()
            .map_or(1, |r| r.instance_count.max(1))
    }

    /// The length, seconds, of every finished `status` period, in document order (periods
    /// without an `EndTime`, or with unreadable or backward times, are left out).
    pub fn durations_s(&self, status: &str) -> Vec<f64> {
        self.secondary_status_transitions
            .iter()
            .filter(|t| t.status == status)
            .filter_map(|t| Some(time_s(t.end_time.as_ref()?)? - time_s(&t.start_time)?))
            .filter(|d| d.is_finite() && *d >= 0.0)
            .collect()
    }

    /// Every time that no real job has, as (JSON key, value as written, rule): a
    /// `TrainingTimeInSeconds` or `BillableTimeInSeconds` outside 0 to 3650d (the bound of every
    /// duration of a scenario), a transition time that is not a timestamp from 1970 to 9999, an
    /// `EndTime` before its `StartTime`. `fit jobs` and `import describe-training-job` share it.
    /// Readers refuse such a document rather than leave its periods out silently.
    pub fn time_problems(&self) -> Vec<(String, String, &'static str)> {
        let shown =
            |value: &serde_json::Value| crate::units::format::cut_for_message(&value.to_string());
        let mut problems = Vec::new();
        for (key, seconds) in [
            ("TrainingTimeInSeconds", self.training_time_in_seconds),
            ("BillableTimeInSeconds", self.billable_time_in_seconds),
        ] {
            if let Some(seconds) = seconds
                && !(0.0..=crate::scenario::keys::MAX_DURATION_S).contains(&seconds)
            {
                problems.push((
                    key.to_string(),
                    crate::units::format::format_quoted_number(seconds),
                    JOB_SECONDS_RULE,
                ));
            }
        }
        // A job is billed for at most the time it ran: on-demand, Billable equals Training; with
        // managed spot it is what remains after the saving (spec §3). More would be a negative
        // discount, which `fit jobs` would then write into a scenario `validate` refuses.
        if let (Some(training), Some(billable)) =
            (self.training_time_in_seconds, self.billable_time_in_seconds)
            && problems.is_empty()
            && billable > training
        {
            problems.push((
                "BillableTimeInSeconds".to_string(),
                crate::units::format::format_quoted_number(billable),
                BILLED_OVER_TRAINING_RULE,
            ));
        }
        for (index, transition) in self.secondary_status_transitions.iter().enumerate() {
            let key = |field: &str| format!("SecondaryStatusTransitions[{index}].{field}");
            let start_s = time_s(&transition.start_time);
            if start_s.is_none() {
                problems.push((key("StartTime"), shown(&transition.start_time), TIME_RULE));
            }
            let Some(end) = &transition.end_time else {
                continue;
            };
            match (start_s, time_s(end)) {
                (_, None) => problems.push((key("EndTime"), shown(end), TIME_RULE)),
                (Some(start_s), Some(end_s)) if end_s < start_s => problems.push((
                    key("EndTime"),
                    shown(end),
                    "is before the StartTime of the same transition",
                )),
                _ => {}
            }
        }
        problems
    }

    /// How many times spot capacity was reclaimed: `Interrupted` transitions.
    pub fn interruptions(&self) -> usize {
        self.secondary_status_transitions
            .iter()
            .filter(|t| t.status == "Interrupted")
            .count()
    }
}

/// One `SecondaryStatusTransitions` entry; times as ISO 8601 strings or epoch seconds.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transition {
    /// `Status`.
    pub status: String,
    /// `StartTime`.
    pub start_time: serde_json::Value,
    /// `EndTime` (absent on the last, current status).
    #[serde(default)]
    pub end_time: Option<serde_json::Value>,
}

/// Seconds of a timestamp given as an ISO 8601 string or a number of epoch seconds.
/// `None` for anything else, and for a time outside 1970-01-01 to 9999-12-31 (a `1e300` or a
/// negative number of seconds is no job's time).
pub fn time_s(value: &serde_json::Value) -> Option<f64> {
    let seconds = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(text) => crate::inputs::price::parse_timestamp_s(text),
        _ => None,
    }?;
    (0.0..=LAST_TIME_S).contains(&seconds).then_some(seconds)
}

/// The rule of `TrainingTimeInSeconds` and `BillableTimeInSeconds`.
const JOB_SECONDS_RULE: &str =
    "must be a number of seconds from 0 to 315360000 (3650d, the bound of every duration)";

/// The rule that Billable is at most Training.
const BILLED_OVER_TRAINING_RULE: &str = "must be at most TrainingTimeInSeconds: a job is never \
     billed for more seconds than it ran (a negative spot discount)";

/// 9999-12-31T23:59:59Z in seconds since 1970: the last time a document may hold.
const LAST_TIME_S: f64 = 253_402_300_799.0;

/// The rule of a transition time.
const TIME_RULE: &str =
    "must be an ISO 8601 timestamp or a number of epoch seconds, from 1970 to 9999";

/// Summary of the durations of one status across jobs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationSummary {
    /// How many.
    pub count: usize,
    /// Mean, seconds.
    pub mean_s: f64,
    /// Median, seconds.
    pub median_s: f64,
}

fn summarise(mut values: Vec<f64>) -> Option<DurationSummary> {
    if values.is_empty() {
        return None;
    }
    let count = values.len();
    let mean_s = values.iter().sum::<f64>() / count as f64;
    let [median_s] = crate::stats::sketch::quantiles(&mut values, [0.5]);
    Some(DurationSummary {
        count,
        mean_s,
        median_s,
    })
}

/// What past jobs say about a market and a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobsFit {
    /// Documents read.
    pub jobs: usize,
    /// Of which managed spot.
    pub spot_jobs: usize,
    /// `1 - Σ Billable / Σ Training` over spot jobs.
    pub discount: Option<f64>,
    /// `Interrupted` transitions over spot jobs.
    pub interruptions: usize,
    /// Billed running hours of spot jobs (Σ TrainingTimeInSeconds / 3600).
    pub running_hours: f64,
    /// Instance-hours of spot jobs (running hours × instance count).
    pub instance_hours: f64,
    /// The instance count, when every spot job has the same.
    pub instance_count: Option<u32>,
    /// Interruptions per running hour of the job (its cluster).
    pub interruptions_per_hour: Option<f64>,
    /// Exact 95 % interval of that rate (Garwood 1936, Poisson counts).
    pub interruptions_per_hour_95: Option<(f64, f64)>,
    /// `Starting` periods of spot jobs: waiting for capacity plus provisioning.
    pub starting: Option<DurationSummary>,
    /// `Downloading` periods.
    pub downloading: Option<DurationSummary>,
    /// `Uploading` periods.
    pub uploading: Option<DurationSummary>,
}

/// Fits saved DescribeTrainingJob documents.
pub fn fit_jobs(jobs: &[DescribedJob]) -> JobsFit {
    let spot: Vec<&DescribedJob> = jobs
        .iter()
        .filter(|j| j.enable_managed_spot_training)
        .collect();
    let (mut training, mut billable) = (0.0, 0.0);
    for job in &spot {
        if let (Some(t), Some(b)) = (job.training_time_in_seconds, job.billable_time_in_seconds) {
            training += t;
            billable += b;
        }
    }
    let interruptions: usize = spot.iter().map(|j| j.interruptions()).sum();
    // A fold from +0.0: `Sum` of no value is -0.0, which would print as "-0s".
    let running_hours = spot
        .iter()
        .filter_map(|j| j.training_time_in_seconds)
        .fold(0.0, |sum, t| sum + t)
        / 3600.0;
    let durations = |status: &str, spot_only: bool| {
        jobs.iter()
            .filter(|j| !spot_only || j.enable_managed_spot_training)
            .flat_map(|j| j.durations_s(status))
            .collect::<Vec<f64>>()
    };
    let instance_hours = spot
        .iter()
        .filter_map(|j| Some(j.training_time_in_seconds? * f64::from(j.instance_count())))
        .fold(0.0, |sum, t| sum + t)
        / 3600.0;
    let mut counts: Vec<u32> = spot.iter().map(|j| j.instance_count()).collect();
    counts.dedup();
    let instance_count = (counts.len() == 1).then(|| counts[0]);
    let rate = (running_hours > 0.0).then(|| interruptions as f64 / running_hours);
    let interval = (running_hours > 0.0).then(|| {
        let k = interruptions as f64;
        let lower = if interruptions == 0 {
            0.0
        } else {
            crate::inputs::dist::gamma_quantile(k, 0.025)
        };
        let upper = crate::inputs::dist::gamma_quantile(k + 1.0, 0.975);
        (lower / running_hours, upper / running_hours)
    });
    JobsFit {
        jobs: jobs.len(),
        spot_jobs: spot.len(),
        discount: (training > 0.0).then(|| 1.0 - billable / training),
        interruptions,
        running_hours,
        instance_hours,
        instance_count,
        interruptions_per_hour: rate,
        interruptions_per_hour_95: interval,
        // Capacity waits are a spot matter: on-demand Starting is provisioning alone.
        starting: summarise(durations("Starting", true)),
        downloading: summarise(durations("Downloading", false)),
        uploading: summarise(durations("Uploading", false)),
    }
}
