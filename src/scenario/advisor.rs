//! Spot Instance Advisor "frequency of interruption" buckets → a time-to-interruption model.
//!
//! AWS describes a bucket as "the rate at which Spot has reclaimed capacity during the trailing
//! month" and does not define the statistic (spec §5, uncertain). spotsim reads a bucket's rate
//! `f` as the share of instances reclaimed within a 30-day month, with reclaims memoryless, so
//! `P(T <= 30 d) = f` for an exponential time to interruption `T`:
//! `mean T = 30 d / -ln(1 - f)`. The user picks which end of the bucket to use; the default,
//! the upper bound, is the conservative one (more interruptions).

use serde::Serialize;

use crate::units::duration::DAY_S;

/// The month a bucket's rate refers to, seconds.
pub const ADVISOR_MONTH_S: f64 = 30.0 * DAY_S;

/// The Advisor's buckets and the rates spotsim takes for their ends. AWS gives no upper end for
/// ">20%": spotsim takes 30 % (an assumption, documented in `docs/model.md`).
pub const BUCKETS: [(&str, f64, f64); 5] = [
    ("<5%", 0.0, 0.05),
    ("5-10%", 0.05, 0.10),
    ("10-15%", 0.10, 0.15),
    ("15-20%", 0.15, 0.20),
    (">20%", 0.20, 0.30),
];

/// Which end of a bucket to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The lower end: fewest interruptions.
    Lower,
    /// The middle.
    Mid,
    /// The upper end: most interruptions (the default).
    Upper,
}

/// Where a time-to-interruption model came from, kept for `validate` and the JSON echo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisorSource {
    /// The bucket as written, e.g. `10-15%`.
    pub bucket: String,
    /// Which end of it.
    pub bound: Bound,
    /// The monthly reclaim share used.
    pub monthly_rate: f64,
    /// The resulting mean time to interruption per instance, seconds (`inf` at a rate of 0).
    pub mean_time_to_interruption_s: f64,
}

/// The monthly rate for a bucket's end, or `None` for an unknown bucket.
pub fn bucket_rate(bucket: &str, bound: Bound) -> Option<f64> {
    let (_, low, high) = BUCKETS.iter().find(|(name, _, _)| *name == bucket)?;
    Some(match bound {
        Bound::Lower => *low,
        Bound::Mid => (low + high) / 2.0,
        Bound::Upper => *high,
    })
}

/// Mean time to interruption for a monthly reclaim share `rate` in [0, 1): `30 d / -ln(1 - rate)`.
pub fn mean_time_to_interruption_s(rate: f64) -> f64 {
    if rate <= 0.0 {
        return f64::INFINITY;
    }
    ADVISOR_MONTH_S / -(-rate).ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_convert_to_mean_times() {
        assert_eq!(bucket_rate("10-15%", Bound::Upper), Some(0.15));
        assert_eq!(bucket_rate("10-15%", Bound::Lower), Some(0.10));
        assert!((bucket_rate("10-15%", Bound::Mid).unwrap() - 0.125).abs() < 1e-15);
        assert_eq!(bucket_rate("12%", Bound::Upper), None);
        // 15 % of instances within 30 days: mean = 720 h / -ln 0.85 = 4430.25 h (184.6 days).
        let mean_h = mean_time_to_interruption_s(0.15) / 3600.0;
        assert!((mean_h - 720.0 / -(0.85f64).ln()).abs() < 1e-9);
        assert!((mean_h - 4430.25).abs() < 0.01);
        // The conversion gives back the rate: P(T <= 30 d) = 1 - e^(-30 d / mean).
        for rate in [0.05, 0.2, 0.3] {
            let back = 1.0 - (-ADVISOR_MONTH_S / mean_time_to_interruption_s(rate)).exp();
            assert!((back - rate).abs() < 1e-12);
        }
        assert_eq!(mean_time_to_interruption_s(0.0), f64::INFINITY);
    }
}
