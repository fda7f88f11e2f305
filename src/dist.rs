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
    #[inline]
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
    fn gamma_function_matches_known_values() {
        assert!((gamma_fn(1.0) - 1.0).abs() < 1e-12);
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-10);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
        assert!((gamma_fn(1.5) - 0.886_226_925_452_758).abs() < 1e-12);
    }
}
