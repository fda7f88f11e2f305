//! Random durations: the distributions a scenario may give for a *random* key, and their samplers.
//!
//! Every sampler draws only from the generator it is handed (no global RNG), so a run's numbers
//! depend on its seed alone. All values are seconds and never negative; `Never` is `+inf`, used for
//! "capacity never comes" or "never reclaimed".

use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal, StandardUniform};
use serde::Serialize;

/// A distribution of durations in seconds. Parameters are validated by the scenario parser.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum Dist {
    /// Always the same value.
    Constant {
        /// The value, seconds.
        value_s: f64,
    },
    /// Exponential with the given mean (memoryless: a constant hazard `1 / mean_s`).
    Exponential {
        /// Mean, seconds.
        mean_s: f64,
    },
    /// Log-normal: `ln X ~ Normal(ln median_s, sigma²)`.
    Lognormal {
        /// Median, seconds.
        median_s: f64,
        /// Standard deviation of `ln X`.
        sigma: f64,
    },
    /// Weibull with `P(X > x) = exp(-(x / scale_s)^shape)`.
    Weibull {
        /// Shape k (< 1: decreasing hazard, 1: exponential, > 1: wear-out).
        shape: f64,
        /// Scale λ, seconds.
        scale_s: f64,
    },
    /// Uniform on `[min_s, max_s]`.
    Uniform {
        /// Lower bound, seconds.
        min_s: f64,
        /// Upper bound, seconds.
        max_s: f64,
    },
    /// The event never happens (`+inf`).
    Never,
}

impl Dist {
    /// A constant duration.
    pub const fn constant(value_s: f64) -> Self {
        Dist::Constant { value_s }
    }

    /// Zero seconds: the default of optional phases.
    pub const ZERO: Dist = Dist::Constant { value_s: 0.0 };

    /// Draws one duration in seconds.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Constant { value_s } => value_s,
            Dist::Exponential { mean_s } => {
                let e: f64 = Exp1.sample(rng);
                mean_s * e
            }
            Dist::Lognormal { median_s, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                median_s * (sigma * z).exp()
            }
            // Inversion: (-ln U) ~ Exp(1), so scale * E^(1/shape) is Weibull(shape, scale).
            Dist::Weibull { shape, scale_s } => {
                let e: f64 = Exp1.sample(rng);
                scale_s * e.powf(1.0 / shape)
            }
            Dist::Uniform { min_s, max_s } => {
                let u: f64 = StandardUniform.sample(rng);
                min_s + (max_s - min_s) * u
            }
            Dist::Never => f64::INFINITY,
        }
    }

    /// The distribution of the minimum of `count` independent draws, when it has a closed form
    /// in the same family: exponential (rate adds up), Weibull (scale × count^(-1/shape)),
    /// constant and never. `None` means the caller must draw `count` times and take the minimum.
    pub fn min_of(&self, count: u32) -> Option<Dist> {
        let n = f64::from(count);
        match *self {
            _ if count == 1 => Some(*self),
            Dist::Constant { .. } | Dist::Never => Some(*self),
            Dist::Exponential { mean_s } => Some(Dist::Exponential { mean_s: mean_s / n }),
            Dist::Weibull { shape, scale_s } => Some(Dist::Weibull {
                shape,
                scale_s: scale_s * n.powf(-1.0 / shape),
            }),
            Dist::Lognormal { .. } | Dist::Uniform { .. } => None,
        }
    }

    /// The minimum of `count` independent draws, in one draw: the per-instance quantile
    /// function at the minimum of `count` uniforms, `U_min = 1 - V^(1/count)` with V uniform
    /// (the minimum's distribution function is `1 - (1 - F(x))^count`). Exact for uniform;
    /// lognormal goes through [`inverse_normal_cdf`] (relative error below 1.2e-9).
    pub fn sample_min_by_inversion<R: Rng + ?Sized>(&self, count: u32, rng: &mut R) -> f64 {
        if count == 1 {
            return self.sample(rng);
        }
        if let Some(closed) = self.min_of(count) {
            return closed.sample(rng);
        }
        let u: f64 = StandardUniform.sample(rng);
        // 1 - V^(1/n) with V = 1 - u in (0, 1], computed without cancellation.
        let u_min = -((1.0 - u).ln() / f64::from(count)).exp_m1();
        match *self {
            Dist::Uniform { min_s, max_s } => min_s + (max_s - min_s) * u_min,
            Dist::Lognormal { median_s, sigma } => {
                median_s * (sigma * inverse_normal_cdf(u_min)).exp()
            }
            _ => unreachable!("other families have a closed-form minimum"),
        }
    }

    /// The mean of the minimum of `count` draws, in seconds: closed where the family allows,
    /// else by numerical integration of the survival function `(1 - F(x))^count`.
    pub fn min_mean_s(&self, count: u32) -> f64 {
        if let Some(closed) = self.min_of(count) {
            return closed.mean_s();
        }
        match *self {
            // E[min] = a + (b - a) / (count + 1).
            Dist::Uniform { min_s, max_s } => min_s + (max_s - min_s) / (f64::from(count) + 1.0),
            Dist::Lognormal { median_s, sigma } => {
                // Integrate over z = ln(x / median) / sigma: E[min] = ∫ S(x)^n dx, x = median e^{σz}.
                // The range reaches far into the lower tail, where the minimum of billions lives.
                let steps = 8000;
                let (lo, hi) = (-12.0f64, 9.0f64);
                let h = (hi - lo) / f64::from(steps);
                (0..=steps)
                    .map(|i| {
                        let z = lo + f64::from(i) * h;
                        let survival = 0.5 * erfc(z / std::f64::consts::SQRT_2);
                        let weight = if i == 0 || i == steps { 0.5 } else { 1.0 };
                        weight
                            * survival.powf(f64::from(count))
                            * median_s
                            * sigma
                            * (sigma * z).exp()
                            * h
                    })
                    .sum()
            }
            _ => unreachable!("other families have a closed-form minimum"),
        }
    }

    /// The mean in seconds (`+inf` for `Never`).
    pub fn mean_s(&self) -> f64 {
        match *self {
            Dist::Constant { value_s } => value_s,
            Dist::Exponential { mean_s } => mean_s,
            Dist::Lognormal { median_s, sigma } => median_s * (sigma * sigma / 2.0).exp(),
            Dist::Weibull { shape, scale_s } => scale_s * gamma_fn(1.0 + 1.0 / shape),
            Dist::Uniform { min_s, max_s } => (min_s + max_s) / 2.0,
            Dist::Never => f64::INFINITY,
        }
    }

    /// The variance in seconds² (`+inf` for `Never`).
    pub fn variance_s2(&self) -> f64 {
        match *self {
            Dist::Constant { .. } => 0.0,
            Dist::Exponential { mean_s } => mean_s * mean_s,
            Dist::Lognormal { median_s, sigma } => {
                let s2 = sigma * sigma;
                (s2.exp() - 1.0) * median_s * median_s * s2.exp()
            }
            Dist::Weibull { shape, scale_s } => {
                let g1 = gamma_fn(1.0 + 1.0 / shape);
                let g2 = gamma_fn(1.0 + 2.0 / shape);
                scale_s * scale_s * (g2 - g1 * g1)
            }
            Dist::Uniform { min_s, max_s } => (max_s - min_s).powi(2) / 12.0,
            Dist::Never => f64::INFINITY,
        }
    }

    /// True when every draw is the same number (no randomness consumed).
    pub fn is_constant(&self) -> bool {
        matches!(self, Dist::Constant { .. } | Dist::Never)
    }

    /// A short human description, e.g. `exponential, mean 5m`.
    pub fn describe(&self) -> String {
        use crate::duration::format_duration as d;
        match *self {
            Dist::Constant { value_s } => d(value_s),
            Dist::Exponential { mean_s } => format!("exponential, mean {}", d(mean_s)),
            Dist::Lognormal { median_s, sigma } => {
                format!("lognormal, median {}, sigma {sigma}", d(median_s))
            }
            Dist::Weibull { shape, scale_s } => {
                format!("weibull, shape {shape}, scale {}", d(scale_s))
            }
            Dist::Uniform { min_s, max_s } => format!("uniform, {} to {}", d(min_s), d(max_s)),
            Dist::Never => "never".into(),
        }
    }
}

/// The standard normal quantile function Φ⁻¹(p) for 0 < p < 1 (Acklam's rational
/// approximation, relative error below 1.15e-9). Returns -inf at 0 and +inf at 1.
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.024_25;
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    }
}

/// The complementary error function (W. J. Cody's rational Chebyshev approximation as given in
/// Numerical Recipes, 3rd ed., §6.2 `erfc`; fractional error below 1.2e-7).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The gamma function Γ(x) for x > 0, by the Lanczos approximation (g = 7, n = 9; Press et al.,
/// Numerical Recipes, 3rd ed., §6.1), relative error below 1e-13 on the range used here.
pub fn gamma_fn(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula: Γ(x) Γ(1 - x) = π / sin(πx).
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x));
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, &c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Sample mean and variance of `n` draws.
    fn moments(dist: &Dist, n: usize, seed: u64) -> (f64, f64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let draws: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var)
    }

    /// Checks the sample mean within 5 standard errors and the sample variance within 5 % of the
    /// formulas (200,000 draws: the variance's relative s.e. is below 1 % for these shapes).
    fn check_moments(dist: Dist) {
        let n = 200_000;
        let (mean, var) = moments(&dist, n, 42);
        let se = (dist.variance_s2() / n as f64).sqrt();
        assert!(
            (mean - dist.mean_s()).abs() <= 5.0 * se + 1e-12,
            "{dist:?}: mean {mean} vs {}",
            dist.mean_s()
        );
        let want = dist.variance_s2();
        assert!(
            (var - want).abs() <= 0.05 * want + 1e-12,
            "{dist:?}: variance {var} vs {want}"
        );
    }

    #[test]
    fn samplers_match_their_moments() {
        check_moments(Dist::Exponential { mean_s: 300.0 });
        check_moments(Dist::Lognormal {
            median_s: 180.0,
            sigma: 0.5,
        });
        check_moments(Dist::Weibull {
            shape: 0.8,
            scale_s: 21_600.0,
        });
        check_moments(Dist::Weibull {
            shape: 2.5,
            scale_s: 100.0,
        });
        check_moments(Dist::Uniform {
            min_s: 60.0,
            max_s: 240.0,
        });
        check_moments(Dist::constant(120.0));
    }

    #[test]
    fn minimum_closed_forms_match_drawing_each() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for dist in [
            Dist::Exponential { mean_s: 3600.0 },
            Dist::Weibull {
                shape: 0.7,
                scale_s: 5000.0,
            },
        ] {
            let count = 4;
            let closed = dist.min_of(count).unwrap();
            let n = 100_000;
            let direct: f64 = (0..n)
                .map(|_| {
                    (0..count)
                        .map(|_| dist.sample(&mut rng))
                        .fold(f64::INFINITY, f64::min)
                })
                .sum::<f64>()
                / n as f64;
            let se = (closed.variance_s2() / n as f64).sqrt();
            assert!(
                (direct - closed.mean_s()).abs() < 5.0 * se,
                "{dist:?}: min of {count} draws has mean {direct}, closed form {}",
                closed.mean_s()
            );
        }
        assert_eq!(
            Dist::Lognormal {
                median_s: 1.0,
                sigma: 1.0
            }
            .min_of(3),
            None
        );
    }

    #[test]
    fn inverse_normal_cdf_matches_known_quantiles() {
        assert_eq!(inverse_normal_cdf(0.5), 0.0);
        assert!((inverse_normal_cdf(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((inverse_normal_cdf(0.001) + 3.090_232_306_167_813_5).abs() < 1e-8);
        assert!((inverse_normal_cdf(1e-10) + 6.361_340_902_404_056).abs() < 1e-7);
        // Round trip through erfc: Φ(Φ⁻¹(p)) = p.
        for p in [0.01, 0.2, 0.6, 0.99] {
            let back = 0.5 * erfc(-inverse_normal_cdf(p) / std::f64::consts::SQRT_2);
            assert!((back - p).abs() < 1e-6, "{p} -> {back}");
        }
    }

    #[test]
    fn minimum_by_inversion_matches_drawing_each() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for dist in [
            Dist::Lognormal {
                median_s: 3600.0,
                sigma: 0.8,
            },
            Dist::Uniform {
                min_s: 100.0,
                max_s: 900.0,
            },
        ] {
            let count = 5;
            let n = 100_000;
            let by_inversion: Vec<f64> = (0..n)
                .map(|_| dist.sample_min_by_inversion(count, &mut rng))
                .collect();
            let direct: Vec<f64> = (0..n)
                .map(|_| {
                    (0..count)
                        .map(|_| dist.sample(&mut rng))
                        .fold(f64::INFINITY, f64::min)
                })
                .collect();
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let sd = |v: &[f64]| {
                let m = mean(v);
                (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
            };
            let se = (sd(&by_inversion).powi(2) / n as f64 + sd(&direct).powi(2) / n as f64).sqrt();
            assert!(
                (mean(&by_inversion) - mean(&direct)).abs() < 5.0 * se,
                "{dist:?}: {} vs {}",
                mean(&by_inversion),
                mean(&direct)
            );
            let want = dist.min_mean_s(count);
            // A cluster as large as the format allows still gets a finite, small minimum.
            let huge = dist.min_mean_s(u32::MAX);
            assert!(
                huge.is_finite() && huge < dist.min_mean_s(count),
                "{dist:?}: {huge}"
            );
            assert!(
                (mean(&by_inversion) - want).abs() < 5.0 * se,
                "{dist:?}: {} vs integral {want}",
                mean(&by_inversion)
            );
        }
    }

    #[test]
    fn gamma_function_matches_known_values() {
        assert!((gamma_fn(1.0) - 1.0).abs() < 1e-12);
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-10);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
        assert!((gamma_fn(1.5) - 0.886_226_925_452_758).abs() < 1e-12);
    }
}
