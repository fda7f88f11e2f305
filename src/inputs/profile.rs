//! Time of day: hourly multipliers on a hazard, applied exactly by a change of clock.
//!
//! A profile gives a multiplier `m(h)` for each hour of the day. A duration drawn from a base
//! distribution (which describes an hour with multiplier 1) is spent in *operational time*
//! `Λ(t) = ∫₀ᵗ m(hour(s)) ds`: an event due `T` after time `t0` happens at `Λ⁻¹(Λ(t0) + T)`.
//! For an exponential base this is exactly a hazard of `m(hour) / mean`; for any base it scales
//! the hazard by the hour's multiplier (a time-changed renewal). `Λ` is piecewise linear, so
//! both directions are exact, with no clock ticking (Çinlar 1975, §4.7; Lewis & Shedler 1979
//! do the same by thinning).

use crate::units::duration::{DAY_S, HOUR_S};

/// Hourly multipliers and their cumulative sums over one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Multiplier for hours 0..24, each ≥ 0.
    multipliers: [f64; 24],
    /// `Λ` at the start of each hour of a day, seconds × multiplier; `[24]` is one whole day.
    cumulative: [f64; 25],
}

impl Profile {
    /// A profile from 24 non-negative multipliers, not all zero.
    pub fn new(multipliers: [f64; 24]) -> Self {
        assert!(multipliers.iter().all(|m| m.is_finite() && *m >= 0.0));
        assert!(
            multipliers.iter().any(|m| *m > 0.0),
            "a profile needs a positive hour"
        );
        let mut cumulative = [0.0; 25];
        for hour in 0..24 {
            cumulative[hour + 1] = cumulative[hour] + multipliers[hour] * HOUR_S;
        }
        Profile {
            multipliers,
            cumulative,
        }
    }

    /// The multipliers.
    pub fn multipliers(&self) -> &[f64; 24] {
        &self.multipliers
    }

    /// The same profile with each multiplier replaced by its reciprocal (for a wait that is
    /// slower when the hazard is higher); a zero becomes a very fast hour.
    #[must_use]
    pub fn reciprocal(&self) -> Profile {
        let mut inverse = [0.0; 24];
        for (out, m) in inverse.iter_mut().zip(self.multipliers) {
            *out = if m > 0.0 { 1.0 / m } else { 1e9 };
        }
        Profile::new(inverse)
    }

    /// Operational time `Λ(t)` at clock time `t_s` (seconds since midnight of day 0, ≥ 0).
    pub fn operational_s(&self, t_s: f64) -> f64 {
        let days = (t_s / DAY_S).floor();
        let within = t_s - days * DAY_S;
        let hour = ((within / HOUR_S) as usize).min(23);
        days * self.cumulative[24]
            + self.cumulative[hour]
            + self.multipliers[hour] * (within - hour as f64 * HOUR_S)
    }

    /// The earliest clock time whose operational time is `v` (the inverse of `Λ`).
    pub fn clock_s(&self, v: f64) -> f64 {
        if !v.is_finite() {
            return f64::INFINITY;
        }
        let per_day = self.cumulative[24];
        let mut days = (v / per_day).floor();
        let mut within = v - days * per_day;
        if within >= per_day {
            days += 1.0;
            within -= per_day;
        }
        // The first hour whose end reaches `within` (hours of multiplier 0 are skipped over).
        let hour = (0..24)
            .find(|&h| self.cumulative[h + 1] >= within && self.multipliers[h] > 0.0)
            .unwrap_or(23);
        let into_hour = (within - self.cumulative[hour]).max(0.0) / self.multipliers[hour];
        days * DAY_S + hour as f64 * HOUR_S + into_hour.min(HOUR_S)
    }

    /// The clock time at which a duration of `base_s` operational seconds, begun at `from_s`,
    /// ends.
    pub fn end_of(&self, from_s: f64, base_s: f64) -> f64 {
        self.clock_s(self.operational_s(from_s) + base_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day_and_night() -> Profile {
        let mut m = [1.0; 24];
        m[9..17].fill(3.0);
        m[3] = 0.0;
        Profile::new(m)
    }

    #[test]
    fn operational_time_and_its_inverse_agree() {
        let p = day_and_night();
        // 9:00 on day 0: 9 hours at 1, except hour 3 at 0 → 8 h of operational time.
        assert_eq!(p.operational_s(9.0 * HOUR_S), 8.0 * HOUR_S);
        // One day: 16 hours at 1 minus hour 3, 8 hours at 3 → 15 + 24 = 39 h.
        assert_eq!(p.operational_s(DAY_S), 39.0 * HOUR_S);
        for t in [
            0.0,
            100.0,
            3.5 * HOUR_S + 7.0,
            9.25 * HOUR_S,
            30.0 * HOUR_S,
            1e6,
        ] {
            let back = p.clock_s(p.operational_s(t));
            // Inside a zero hour every time maps to the same value: the inverse gives its start.
            let expected = if (t / HOUR_S).floor() as u64 % 24 == 3 {
                (t / HOUR_S).floor() * HOUR_S
            } else {
                t
            };
            assert!((back - expected).abs() < 1e-6, "{t}: {back} vs {expected}");
        }
    }

    #[test]
    fn durations_stretch_and_shrink_with_the_hour() {
        let p = day_and_night();
        // One operational hour from 9:00 at multiplier 3 takes 20 minutes.
        assert!((p.end_of(9.0 * HOUR_S, HOUR_S) - 9.0 * HOUR_S - 1200.0).abs() < 1e-6);
        // From 2:30, half an hour at 1 reaches 3:00, hour 3 passes for free, then 4:30.
        assert!((p.end_of(2.5 * HOUR_S, HOUR_S) - 4.5 * HOUR_S).abs() < 1e-6);
        // A flat profile of 1 is the identity.
        let flat = Profile::new([1.0; 24]);
        assert!((flat.end_of(12_345.0, 99_999.0) - 112_344.0).abs() < 1e-6);
        assert_eq!(p.end_of(0.0, f64::INFINITY), f64::INFINITY);
    }
}
