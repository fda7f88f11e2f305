//! Streamed moments: count, sum, mean, sum of squared deviations, min and max of a stream of
//! values, and the co-moment of a stream of pairs, in constant memory.
//!
//! Within a block of runs, values are added one at a time by Welford's update (Welford 1962,
//! "Note on a method for calculating corrected sums of squares and products", Technometrics 4):
//! the running mean and the sum of squared deviations from it, which never cancel the way
//! `Σx² − (Σx)²/n` does. Blocks are combined by the pairwise formula of Chan, Golub & LeVeque
//! (1979, "Updating formulae and a pairwise algorithm for computing sample variances", Stanford
//! CS-79-773; also their 1983 paper in The American Statistician 37): for parts `a` and `b`,
//! `M2 = M2_a + M2_b + δ²·n_a·n_b/n` with `δ = mean_b − mean_a`, and likewise for the co-moment.
//!
//! Floating-point addition is not associative, so a figure depends on the order in which parts
//! are combined: callers combine blocks in block order ([`crate::montecarlo`]), never in the
//! order threads finish them, and the result is the same for any thread count. The sum is kept
//! beside the Welford mean because the reported mean is `Σx / n` (the sum in block order), the
//! figure closest to a plain sum over the runs.

use serde::{Deserialize, Serialize};

/// Moments of a stream of values. `Default` is the empty stream.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Values seen.
    pub count: u64,
    /// Their sum, added in stream order.
    pub sum: f64,
    /// Their running (Welford) mean; 0 when empty.
    pub mean: f64,
    /// Sum of squared deviations from the mean, `Σ(x − x̄)²`.
    pub m2: f64,
    /// Smallest value; `+∞` when empty.
    pub min: f64,
    /// Largest value; `−∞` when empty.
    pub max: f64,
}

impl Default for Moments {
    fn default() -> Moments {
        Moments::EMPTY
    }
}

impl Moments {
    /// No values.
    pub const EMPTY: Moments = Moments {
        count: 0,
        sum: 0.0,
        mean: 0.0,
        m2: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    /// Adds `x` (Welford's update).
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        self.sum += x;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Adds `x` `times` times: the same state, bit for bit, as `times` calls of
    /// [`Moments::push`], in a fraction of the work. Once the running mean is `x` itself,
    /// Welford's update is a fixed point (`δ = 0`: the mean and `M2` gain `+0`, and the min and
    /// max hold), so only the count and the sum (added in order) move.
    pub fn push_repeated(&mut self, x: f64, times: u64) {
        let mut left = times;
        // `-0.0` is left to the plain update: `-0 + 0` is `+0`, so it is no fixed point.
        let is_negative_zero = |v: f64| v.to_bits() == (-0.0f64).to_bits();
        while left > 0
            && (self.count == 0
                || self.mean.to_bits() != x.to_bits()
                || !(self.min <= x && x <= self.max)
                || is_negative_zero(x)
                || is_negative_zero(self.m2)
                || is_negative_zero(self.min)
                || is_negative_zero(self.max))
        {
            self.push(x);
            left -= 1;
        }
        self.count += left;
        for _ in 0..left {
            self.sum += x;
        }
    }

    /// Adds the values of `other` after those of `self` (Chan, Golub & LeVeque 1979).
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.count += other.count;
        self.sum += other.sum;
        self.mean += delta * (nb / n);
        self.m2 += other.m2 + delta * delta * (na * nb / n);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// What is wrong with these moments as read from a file (a part): values that are not
    /// finite numbers, a negative sum of squared deviations, a smallest value above the largest,
    /// or a mean or a sum outside `[min, max]` (times the count) beyond rounding. Moments that
    /// a simulation computed always pass.
    pub fn check(&self) -> Result<(), String> {
        // A number in a message: `1e300`, not 301 digits.
        let q = crate::units::format::format_quoted_number;
        if self.count == 0 {
            return if self.sum == 0.0 && self.m2 == 0.0 {
                Ok(())
            } else {
                Err("moments of no values with a sum or a sum of squares".to_string())
            };
        }
        let n = self.count as f64;
        let fields = [self.sum, self.mean, self.m2, self.min, self.max];
        if fields.iter().any(|x| !x.is_finite()) {
            return Err(format!(
                "moments of {} values that are not all finite (sum {}, mean {}, m2 {}, min {}, \
                 max {})",
                self.count,
                q(self.sum),
                q(self.mean),
                q(self.m2),
                q(self.min),
                q(self.max)
            ));
        }
        if self.m2 < 0.0 {
            return Err(format!(
                "a negative sum of squared deviations ({})",
                q(self.m2)
            ));
        }
        if self.min > self.max {
            return Err(format!(
                "a smallest value ({}) above the largest ({})",
                q(self.min),
                q(self.max)
            ));
        }
        // Rounding allowance: a relative 1e-9 of the largest magnitude seen.
        let slack = 1e-9 * self.min.abs().max(self.max.abs()).max(f64::MIN_POSITIVE);
        let within = |x: f64| x >= self.min - slack && x <= self.max + slack;
        if !within(self.mean) || !within(self.sum / n) {
            return Err(format!(
                "a mean ({}, sum/count {}) outside the values' range [{}, {}]",
                q(self.mean),
                q(self.sum / n),
                q(self.min),
                q(self.max)
            ));
        }
        if (self.sum / n - self.mean).abs() > slack.max(1e-9 * self.mean.abs()) * 1e3 {
            return Err(format!(
                "a sum ({}) that does not agree with the mean ({}) of {} values",
                q(self.sum),
                q(self.mean),
                self.count
            ));
        }
        // Σ(x − x̄)² ≤ n·(max − min)².
        let spread = self.max - self.min;
        if self.m2 > n * spread * spread * (1.0 + 1e-9) + slack {
            return Err(format!(
                "a sum of squared deviations ({}) larger than {} values within [{}, {}] allow",
                q(self.m2),
                self.count,
                q(self.min),
                q(self.max)
            ));
        }
        Ok(())
    }

    /// `Σx / n`, the reported mean; NaN when empty.
    pub fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }

    /// The sample variance `M2 / (n − 1)`; `None` below two values.
    pub fn variance(&self) -> Option<f64> {
        (self.count > 1).then(|| self.m2 / (self.count - 1) as f64)
    }

    /// The standard error of the mean, `s / √n`; `None` below two values.
    pub fn std_err(&self) -> Option<f64> {
        let n = self.count as f64;
        (self.count > 1).then(|| (self.m2 / (n - 1.0) / n).sqrt())
    }
}

/// The moments of `N` streams of values that grow together, one value each per step (the
/// metrics of a run): per lane exactly the operations of [`Moments::push`], in the same order,
/// so each lane's [`MomentLanes::lane`] is bit for bit the [`Moments`] of its stream. Kept as
/// arrays of lanes, with one count and one `n` for all, so that the compiler updates several
/// lanes per instruction (IEEE arithmetic is the same per lane, vectorised or not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MomentLanes<const N: usize> {
    count: u64,
    sum: [f64; N],
    mean: [f64; N],
    m2: [f64; N],
    min: [f64; N],
    max: [f64; N],
}

impl<const N: usize> Default for MomentLanes<N> {
    fn default() -> MomentLanes<N> {
        MomentLanes::EMPTY
    }
}

impl<const N: usize> MomentLanes<N> {
    /// No values.
    pub const EMPTY: MomentLanes<N> = MomentLanes {
        count: 0,
        sum: [0.0; N],
        mean: [0.0; N],
        m2: [0.0; N],
        min: [f64::INFINITY; N],
        max: [f64::NEG_INFINITY; N],
    };

    /// Adds `x[i]` to lane `i`, for every lane (Welford's update, as [`Moments::push`]).
    #[inline(always)]
    // Lane by lane over six arrays: an index says it plainest, and it vectorises.
    #[allow(clippy::needless_range_loop)]
    pub fn push(&mut self, x: [f64; N]) {
        self.count += 1;
        let n = self.count as f64;
        for i in 0..N {
            self.sum[i] += x[i];
            let delta = x[i] - self.mean[i];
            self.mean[i] += delta / n;
            self.m2[i] += delta * (x[i] - self.mean[i]);
            self.min[i] = self.min[i].min(x[i]);
            self.max[i] = self.max[i].max(x[i]);
        }
    }

    /// Values per lane.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The moments of lane `i`.
    pub fn lane(&self, i: usize) -> Moments {
        Moments {
            count: self.count,
            sum: self.sum[i],
            mean: self.mean[i],
            m2: self.m2[i],
            min: self.min[i],
            max: self.max[i],
        }
    }
}

/// The co-moment `Σ(x − x̄)(y − ȳ)` of a stream of pairs, with the means it is taken about.
/// The variances of `x` and `y` are kept apart, in a [`Moments`] each, by the caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CoMoments {
    /// Pairs seen.
    pub count: u64,
    /// Running mean of `x`.
    pub mean_x: f64,
    /// Running mean of `y`.
    pub mean_y: f64,
    /// `Σ(x − x̄)(y − ȳ)`.
    pub c: f64,
}

impl CoMoments {
    /// Adds the pair `(x, y)` (Welford's update for products).
    #[inline]
    pub fn push(&mut self, x: f64, y: f64) {
        self.count += 1;
        let n = self.count as f64;
        let dx = x - self.mean_x;
        self.mean_x += dx / n;
        self.mean_y += (y - self.mean_y) / n;
        self.c += dx * (y - self.mean_y);
    }

    /// Adds the pairs of `other` after those of `self` (Chan, Golub & LeVeque 1979).
    pub fn merge(&mut self, other: &CoMoments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let (dx, dy) = (other.mean_x - self.mean_x, other.mean_y - self.mean_y);
        self.count += other.count;
        self.mean_x += dx * (nb / n);
        self.mean_y += dy * (nb / n);
        self.c += other.c + dx * dy * (na * nb / n);
    }

    /// The sample covariance `c / (n − 1)`; `None` below two pairs.
    pub fn covariance(&self) -> Option<f64> {
        (self.count > 1).then(|| self.c / (self.count - 1) as f64)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn simulated_moments_pass_their_check_and_impossible_ones_fail_it() {
        let mut m = Moments::EMPTY;
        assert!(m.check().is_ok());
        for x in [3.5, 1e6, 0.25, 42.0, 7.0] {
            m.push(x);
        }
        assert!(m.check().is_ok());
        let broken = |edit: fn(&mut Moments), says: &str| {
            let mut bad = m;
            edit(&mut bad);
            let error = bad.check().unwrap_err();
            assert!(error.contains(says), "{error}");
        };
        broken(|b| b.m2 = -1.0, "negative sum of squared deviations");
        broken(|b| (b.min, b.max) = (b.max, b.min), "smallest value");
        broken(|b| b.mean = f64::NAN, "not all finite");
        broken(|b| b.sum = 1e7, "outside the values' range");
        broken(|b| b.mean *= 0.5, "does not agree");
        broken(|b| b.m2 *= 1e3, "larger than");
        // A number in a message is short: `-1e300`, not 301 digits.
        broken(
            |b| b.m2 = -1e300,
            "a negative sum of squared deviations (-1e300)",
        );
        broken(
            |b| b.m2 = 1e300,
            "a sum of squared deviations (1e300) larger than",
        );
    }
    use super::*;

    /// Deterministic values spread over several orders of magnitude, with a large offset so
    /// that a naive `Σx² − (Σx)²/n` would lose most of its digits.
    fn sample(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = crate::montecarlo::rng::splitmix64(state);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                1e6 + (u * 8.0).exp()
            })
            .collect()
    }

    fn two_pass(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let m2 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        (mean, m2)
    }

    fn one_pass(values: &[f64]) -> Moments {
        let mut m = Moments::EMPTY;
        for &x in values {
            m.push(x);
        }
        m
    }

    #[test]
    fn welford_matches_two_pass() {
        let values = sample(10_000, 3);
        let m = one_pass(&values);
        let (mean, m2) = two_pass(&values);
        assert_eq!(m.count, 10_000);
        assert!((m.mean() - mean).abs() <= 1e-15 * mean);
        assert!((m.mean - mean).abs() <= 1e-12 * mean);
        assert!((m.m2 - m2).abs() <= 1e-10 * m2, "{} {}", m.m2, m2);
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!((m.min, m.max), (min, max));
    }

    #[test]
    fn chan_merge_matches_one_pass_for_any_split() {
        let values = sample(5_000, 11);
        let whole = one_pass(&values);
        for parts in [2usize, 3, 7, 64, 5_000] {
            let size = values.len().div_ceil(parts);
            let mut merged = Moments::EMPTY;
            for chunk in values.chunks(size) {
                merged.merge(&one_pass(chunk));
            }
            assert_eq!(merged.count, whole.count);
            assert_eq!((merged.min, merged.max), (whole.min, whole.max));
            assert!((merged.mean - whole.mean).abs() <= 1e-12 * whole.mean);
            assert!((merged.sum - whole.sum).abs() <= 1e-12 * whole.sum);
            assert!(
                (merged.m2 - whole.m2).abs() <= 1e-9 * whole.m2,
                "{parts} parts: {} against {}",
                merged.m2,
                whole.m2
            );
        }
    }

    #[test]
    fn repeated_pushes_give_the_bits_of_single_pushes() {
        let starts = [
            Moments::EMPTY,
            one_pass(&[1.0, 2.0, 4.0]),
            one_pass(&[7.5]),
            one_pass(&[0.0]),
            one_pass(&[-0.0]),
            one_pass(&sample(100, 4)),
        ];
        for start in starts {
            for x in [0.0, -0.0, 7.5, 1.0e6 + 0.1, -3.25, 1e-310] {
                for times in [0u64, 1, 2, 3, 1_000] {
                    let mut one_by_one = start;
                    (0..times).for_each(|_| one_by_one.push(x));
                    let mut repeated = start;
                    repeated.push_repeated(x, times);
                    let bits = |m: &Moments| [m.sum, m.mean, m.m2, m.min, m.max].map(f64::to_bits);
                    assert_eq!(repeated.count, one_by_one.count);
                    assert_eq!(bits(&repeated), bits(&one_by_one), "{x} × {times}");
                }
            }
        }
    }

    #[test]
    fn lanes_are_bit_for_bit_the_moments_of_each_stream() {
        let streams = [
            sample(3_000, 21),
            sample(3_000, 22),
            vec![0.0; 3_000],
            sample(3_000, 23).iter().map(|x| -x).collect(),
        ];
        let mut lanes = MomentLanes::<4>::EMPTY;
        let [a, b, c, d] = &streams;
        for (((&a, &b), &c), &d) in a.iter().zip(b).zip(c).zip(d) {
            lanes.push([a, b, c, d]);
        }
        for (lane, stream) in streams.iter().enumerate() {
            let got = lanes.lane(lane);
            let want = one_pass(stream);
            assert_eq!(got.count, want.count);
            let bits = |m: &Moments| [m.sum, m.mean, m.m2, m.min, m.max].map(f64::to_bits);
            assert_eq!(bits(&got), bits(&want), "lane {lane}");
        }
    }

    #[test]
    fn merging_with_empty_changes_nothing() {
        let m = one_pass(&[1.0, 2.0, 4.0]);
        let mut left = Moments::EMPTY;
        left.merge(&m);
        assert_eq!(left, m);
        let mut right = m;
        right.merge(&Moments::EMPTY);
        assert_eq!(right, m);
    }

    #[test]
    fn known_values() {
        let m = one_pass(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!((m.mean(), m.variance()), (3.0, Some(2.5)));
        assert!((m.std_err().unwrap() - 0.5f64.sqrt()).abs() < 1e-15);
        let single = one_pass(&[7.0]);
        assert_eq!(
            (single.mean(), single.variance(), single.std_err()),
            (7.0, None, None)
        );
    }

    #[test]
    fn co_moments_match_two_pass_and_merge() {
        let x = sample(3_000, 5);
        let y: Vec<f64> = x
            .iter()
            .zip(sample(3_000, 6))
            .map(|(a, b)| 0.5 * a + b)
            .collect();
        let (mx, _) = two_pass(&x);
        let (my, _) = two_pass(&y);
        let c: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let mut whole = CoMoments::default();
        x.iter().zip(&y).for_each(|(&a, &b)| whole.push(a, b));
        assert!((whole.c - c).abs() <= 1e-9 * c.abs(), "{} {c}", whole.c);
        let mut merged = CoMoments::default();
        for (xs, ys) in x.chunks(700).zip(y.chunks(700)) {
            let mut part = CoMoments::default();
            xs.iter().zip(ys).for_each(|(&a, &b)| part.push(a, b));
            merged.merge(&part);
        }
        assert_eq!(merged.count, 3_000);
        assert!((merged.c - c).abs() <= 1e-9 * c.abs());
        assert!((merged.covariance().unwrap() - c / 2_999.0).abs() <= 1e-9 * c.abs());
    }
}
