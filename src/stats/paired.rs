//! Paired statistics for common random numbers: two samples whose element `i` came from run `i`
//! of two simulations under the same seed.
//!
//! When run `i` of both simulations drew the same random inputs, their outcomes move together,
//! and the per-run differences `d_i = b_i − a_i` vary far less than either sample: the interval
//! of the mean difference built from the `d_i` (the paired interval) is narrower than the one
//! that treats the samples as independent (the unpaired interval), by the factor
//! `sqrt(Var a + Var b) / sqrt(Var a + Var b − 2·Cov(a, b))` (Law, "Simulation Modeling and
//! Analysis", 5th ed., §11.2 on common random numbers). When the inputs do not line up the
//! paired interval stays valid — the runs are still independent across `i` — it is just as wide
//! as the unpaired one.
//!
//! Every figure is computed in index order, so it is the same whatever the thread count that
//! produced the samples. Intervals are normal 95 % intervals, `mean ± Z_95 · s.e.`.

use serde::{Deserialize, Serialize};

use crate::stats::moments::{CoMoments, Moments};
use crate::stats::summary::{Z_95, wilson_interval};

/// The difference of two means, `mean(b) − mean(a)`, with its paired and unpaired intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedDifference {
    /// Mean of the per-run differences `b_i − a_i` (equal to `mean(b) − mean(a)` up to
    /// rounding), in the samples' unit.
    pub mean: f64,
    /// 95 % interval from the per-run differences: `mean ± Z_95 · s_d / sqrt(n)`. `None` with a
    /// single run.
    pub ci95: Option<(f64, f64)>,
    /// Standard error of the mean from the per-run differences, `s_d / sqrt(n)`; `None` with a
    /// single run.
    pub std_err: Option<f64>,
    /// 95 % interval as if the samples were independent: `mean ± Z_95 · sqrt(s_a² / n + s_b² /
    /// n)`. `None` with a single run.
    pub unpaired_ci95: Option<(f64, f64)>,
    /// Standard error as if the samples were independent; `None` with a single run.
    pub unpaired_std_err: Option<f64>,
    /// Pearson correlation of `a_i` and `b_i`: how much the two simulations' runs move together.
    /// `None` with a single run or when either sample is constant.
    pub correlation: Option<f64>,
    /// `(unpaired s.e. / paired s.e.)²`: how many times the runs independent streams would need
    /// for an interval as narrow as the paired one. `None` when either standard error is missing
    /// or the paired one is zero (every difference equal).
    pub pairing_gain_x: Option<f64>,
}

/// The mean difference `b − a` of two samples paired by index, with both intervals.
///
/// # Panics
/// If the samples are empty or of different lengths: the caller pairs runs of equal count.
pub fn paired_difference(a: &[f64], b: &[f64]) -> PairedDifference {
    assert!(
        !a.is_empty() && a.len() == b.len(),
        "paired samples must be non-empty and of equal length"
    );
    let n = a.len() as f64;
    let mean_a = a.iter().sum::<f64>() / n;
    let mean_b = b.iter().sum::<f64>() / n;
    let first_difference = b[0] - a[0];
    let differences = a.iter().zip(b).map(|(x, y)| y - x);
    // Identical differences (a scenario against itself gives zeros): the mean's rounding must not
    // show up as a spread.
    let constant = differences.clone().all(|d| d == first_difference);
    let mean = if constant {
        first_difference
    } else {
        differences.clone().sum::<f64>() / n
    };
    if a.len() < 2 {
        return PairedDifference::single(mean);
    }
    // Two passes (means, then squared deviations) rather than sums of squares, which cancel
    // catastrophically when the spread is small against the mean.
    let (mut ss_a, mut ss_b, mut cross, mut ss_d) = (0.0, 0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (da, db) = (x - mean_a, y - mean_b);
        let dd = (y - x) - mean;
        ss_a += da * da;
        ss_b += db * db;
        cross += da * db;
        ss_d += dd * dd;
    }
    if constant {
        ss_d = 0.0;
    }
    PairedDifference::of_sums(a.len() as u64, mean, ss_a, ss_b, cross, ss_d)
}

impl PairedDifference {
    /// A difference with no interval: a single pair, or a study that has none.
    pub fn single(mean: f64) -> PairedDifference {
        PairedDifference {
            mean,
            ci95: None,
            std_err: None,
            unpaired_ci95: None,
            unpaired_std_err: None,
            correlation: None,
            pairing_gain_x: None,
        }
    }

    /// The difference of `n ≥ 2` pairs from its mean and their sums of squared deviations: of
    /// `a` (`ss_a`), of `b` (`ss_b`), their cross products (`cross`) and the differences'
    /// (`ss_d`, zero when every difference is equal). Shared by the exact and streamed forms.
    fn of_sums(n: u64, mean: f64, ss_a: f64, ss_b: f64, cross: f64, ss_d: f64) -> PairedDifference {
        let n = n as f64;
        let std_err = (ss_d / (n - 1.0) / n).sqrt();
        let unpaired_std_err = ((ss_a + ss_b) / (n - 1.0) / n).sqrt();
        let interval = |se: f64| (mean - Z_95 * se, mean + Z_95 * se);
        PairedDifference {
            mean,
            ci95: Some(interval(std_err)),
            std_err: Some(std_err),
            unpaired_ci95: Some(interval(unpaired_std_err)),
            unpaired_std_err: Some(unpaired_std_err),
            correlation: (ss_a > 0.0 && ss_b > 0.0).then(|| cross / (ss_a * ss_b).sqrt()),
            pairing_gain_x: (std_err > 0.0).then(|| (unpaired_std_err / std_err).powi(2)),
        }
    }

    /// The difference `b − a` of streamed pairs, as [`paired_difference`] computes it from the
    /// kept values (equal within rounding: the sums are taken block by block).
    ///
    /// # Panics
    /// If `pair` holds no pair.
    pub fn of_moments(pair: &PairMoments) -> PairedDifference {
        let n = pair.d.count;
        assert!(n > 0, "paired samples must be non-empty");
        let mean = match pair.constant {
            Some(d) => d,
            None => pair.d.sum / n as f64,
        };
        if n < 2 {
            return PairedDifference::single(mean);
        }
        let ss_d = if pair.constant.is_some() {
            0.0
        } else {
            pair.d.m2
        };
        PairedDifference::of_sums(n, mean, pair.a.m2, pair.b.m2, pair.ab.c, ss_d)
    }

    /// True when the interval holds 0: the two are not told apart at 95 %.
    pub fn holds_zero(&self) -> bool {
        self.ci95.is_some_and(|(lo, hi)| lo <= 0.0 && 0.0 <= hi)
    }
}

/// How often `b_i` is below, equal to or above `a_i`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedOrder {
    /// Share of indices with `b_i < a_i` (strictly).
    pub below: f64,
    /// Wilson 95 % interval of `below`.
    pub below_ci95: (f64, f64),
    /// Share of indices with `b_i == a_i` exactly (ties count neither as below nor above).
    pub tie: f64,
}

/// The shares of `b_i < a_i` and `b_i == a_i`.
///
/// # Panics
/// If the samples are of different lengths.
pub fn paired_order(a: &[f64], b: &[f64]) -> PairedOrder {
    assert_eq!(a.len(), b.len(), "paired samples must be of equal length");
    let (mut below, mut tie) = (0u64, 0u64);
    for (x, y) in a.iter().zip(b) {
        if y < x {
            below += 1;
        } else if y == x {
            tie += 1;
        }
    }
    PairedOrder::of_counts(below, tie, a.len() as u64)
}

impl PairedOrder {
    /// The shares of `below` and `tie` pairs out of `n`.
    pub fn of_counts(below: u64, tie: u64, n: u64) -> PairedOrder {
        let share = |count: u64| count as f64 / n.max(1) as f64;
        let (mut lo, mut hi) = wilson_interval(below, n, Z_95);
        // At the ends the interval touches 0 or 1 exactly; rounding would leave a hair off.
        if below == 0 {
            lo = 0.0;
        }
        if below == n {
            hi = 1.0;
        }
        PairedOrder {
            below: share(below),
            below_ci95: (lo, hi),
            tie: share(tie),
        }
    }

    /// The order of streamed pairs: the same counts as [`paired_order`] of the kept values.
    pub fn of_moments(pair: &PairMoments) -> PairedOrder {
        PairedOrder::of_counts(pair.below, pair.tie, pair.d.count)
    }
}

/// A ratio of two means, `Σx / Σy`, with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RatioEstimate {
    /// `Σx / Σy`.
    pub value: f64,
    /// Delta-method 95 % interval; `None` with a single pair.
    pub ci95: Option<(f64, f64)>,
}

/// `Σx / Σy` of pairs `(x_i, y_i)` with a 95 % interval by the delta method for a ratio of
/// means: `Var(x̄/ȳ) ≈ (Var x − 2R·Cov(x, y) + R²·Var y) / (n·ȳ²)` with `R = x̄/ȳ` (Stuart & Ord,
/// "Kendall's Advanced Theory of Statistics", §10.5). With `x` the cost of run `i` and `y` 1 when
/// it completed, this is the cost per completed job. `None` when `Σy` is not positive.
///
/// # Panics
/// If the samples are empty or of different lengths.
pub fn ratio_of_means(x: &[f64], y: &[f64]) -> Option<RatioEstimate> {
    assert!(
        !x.is_empty() && x.len() == y.len(),
        "paired samples must be non-empty and of equal length"
    );
    let n = x.len() as f64;
    let (sum_x, sum_y) = (x.iter().sum::<f64>(), y.iter().sum::<f64>());
    let (mean_x, mean_y) = (sum_x / n, sum_y / n);
    if mean_y <= 0.0 {
        return None;
    }
    if x.len() < 2 {
        return Some(RatioEstimate {
            value: sum_x / sum_y,
            ci95: None,
        });
    }
    let (mut ss_x, mut ss_y, mut cross) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mean_x, b - mean_y);
        ss_x += dx * dx;
        ss_y += dy * dy;
        cross += dx * dy;
    }
    Some(ratio_of_sums(
        x.len() as u64,
        [sum_x, sum_y],
        [ss_x, ss_y, cross],
    ))
}

/// [`ratio_of_means`] of `n ≥ 2` pairs from the sums `[Σx, Σy]` and the sums of squared
/// deviations and cross products `[Σ(x − x̄)², Σ(y − ȳ)², Σ(x − x̄)(y − ȳ)]`, with `Σy > 0`.
/// Shared by the exact and streamed forms.
fn ratio_of_sums(n: u64, [sum_x, sum_y]: [f64; 2], [ss_x, ss_y, cross]: [f64; 3]) -> RatioEstimate {
    let n = n as f64;
    let (mean_x, mean_y) = (sum_x / n, sum_y / n);
    let value = sum_x / sum_y;
    let (var_x, var_y, cov) = (ss_x / (n - 1.0), ss_y / (n - 1.0), cross / (n - 1.0));
    let ratio = mean_x / mean_y;
    // Rounding can leave a hair below zero when x is proportional to y.
    let variance =
        ((var_x - 2.0 * ratio * cov + ratio * ratio * var_y) / (n * mean_y * mean_y)).max(0.0);
    let half = Z_95 * variance.sqrt();
    RatioEstimate {
        value,
        ci95: Some((value - half, value + half)),
    }
}

impl RatioEstimate {
    /// [`ratio_of_means`] of streamed pairs `(x, y) = (a, b)`.
    ///
    /// # Panics
    /// If `pair` holds no pair.
    pub fn of_moments(pair: &PairMoments) -> Option<RatioEstimate> {
        let n = pair.ab.count;
        assert!(n > 0, "paired samples must be non-empty");
        let (sum_x, sum_y) = (pair.a.sum, pair.b.sum);
        if sum_y / n as f64 <= 0.0 {
            return None;
        }
        if n < 2 {
            return Some(RatioEstimate {
                value: sum_x / sum_y,
                ci95: None,
            });
        }
        Some(ratio_of_sums(
            n,
            [sum_x, sum_y],
            [pair.a.m2, pair.b.m2, pair.ab.c],
        ))
    }
}

/// The streamed form of two paired columns `a` and `b` (run `i` of each): what
/// [`paired_difference`], [`paired_order`] and [`ratio_of_means`] need, in memory that does not
/// grow with the runs.
///
/// A block's pairs are summarised by two passes over the block's values (means, then squared
/// deviations and cross products about them, as the exact functions do over all values), and
/// blocks are combined in block order by the pairwise formulas of Chan, Golub & LeVeque (1979,
/// "Updating formulae and a pairwise algorithm for computing sample variances", Stanford
/// CS-79-773): `M2 = M2_a + M2_b + δ²·n_a·n_b/n` for each column and for the differences, and
/// `C = C_a + C_b + δ_x·δ_y·n_a·n_b/n` for the cross products ([`Moments::merge`],
/// [`CoMoments::merge`]). The figures then agree with the exact ones within rounding (a relative
/// 10⁻¹² or so), and are the same bits for any thread count, since the blocks are combined in
/// block order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairMoments {
    /// The values of `a`.
    pub a: Moments,
    /// The values of `b`.
    pub b: Moments,
    /// The differences `b − a`.
    pub d: Moments,
    /// The cross products of `a` and `b` about their means.
    pub ab: CoMoments,
    /// The difference every pair has, when they all have the same one (`b − a` compared with
    /// `==`, as [`paired_difference`] does); `None` otherwise.
    pub constant: Option<f64>,
    /// Pairs with `b < a`.
    pub below: u64,
    /// Pairs with `b == a`.
    pub tie: u64,
}

impl PairMoments {
    /// The pairs `(a_i, b_i)` of one block, by two passes over them; `a` and `b` are the
    /// columns' own moments over the block ([`block_moments`]).
    ///
    /// # Panics
    /// If the columns are empty or of different lengths.
    pub fn of_block(a: &[f64], b: &[f64], moments_a: &Moments, moments_b: &Moments) -> PairMoments {
        assert!(
            !a.is_empty() && a.len() == b.len(),
            "paired samples must be non-empty and of equal length"
        );
        let n = a.len();
        let first = b[0] - a[0];
        let mut sum_d = 0.0;
        let (mut min_d, mut max_d) = (f64::INFINITY, f64::NEG_INFINITY);
        for (x, y) in a.iter().zip(b) {
            let d = y - x;
            sum_d += d;
            min_d = min_d.min(d);
            max_d = max_d.max(d);
        }
        let mean_d = sum_d / n as f64;
        let (mean_a, mean_b) = (moments_a.mean, moments_b.mean);
        let (mut ss_d, mut cross) = (0.0, 0.0);
        let (mut below, mut tie, mut equal) = (0u64, 0u64, 0usize);
        for (x, y) in a.iter().zip(b) {
            let d = y - x;
            let dd = d - mean_d;
            ss_d += dd * dd;
            cross += (x - mean_a) * (y - mean_b);
            below += u64::from(y < x);
            tie += u64::from(y == x);
            equal += usize::from(d == first);
        }
        PairMoments {
            a: *moments_a,
            b: *moments_b,
            d: Moments {
                count: n as u64,
                sum: sum_d,
                mean: mean_d,
                m2: ss_d,
                min: min_d,
                max: max_d,
            },
            ab: CoMoments {
                count: n as u64,
                mean_x: mean_a,
                mean_y: mean_b,
                c: cross,
            },
            constant: (equal == n).then_some(first),
            below,
            tie,
        }
    }

    /// Adds the pairs of `other` after those of `self` (Chan, Golub & LeVeque 1979).
    pub fn merge(&mut self, other: &PairMoments) {
        if other.d.count == 0 {
            return;
        }
        if self.d.count == 0 {
            *self = *other;
            return;
        }
        self.a.merge(&other.a);
        self.b.merge(&other.b);
        self.d.merge(&other.d);
        self.ab.merge(&other.ab);
        self.constant = match (self.constant, other.constant) {
            (Some(mine), Some(theirs)) if mine == theirs => Some(mine),
            _ => None,
        };
        self.below += other.below;
        self.tie += other.tie;
    }
}

impl Default for PairMoments {
    fn default() -> PairMoments {
        PairMoments {
            a: Moments::EMPTY,
            b: Moments::EMPTY,
            d: Moments::EMPTY,
            ab: CoMoments::default(),
            constant: None,
            below: 0,
            tie: 0,
        }
    }
}

/// The moments of one block's values by two passes: the sum in order, the mean `Σx / n`, then
/// the squared deviations about it; the smallest and largest value. An empty block has none.
pub fn block_moments(values: &[f64]) -> Moments {
    if values.is_empty() {
        return Moments::EMPTY;
    }
    let n = values.len() as f64;
    let (mut sum, mut min, mut max) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
    for &x in values {
        sum += x;
        min = min.min(x);
        max = max.max(x);
    }
    let mean = sum / n;
    let m2 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
    Moments {
        count: values.len() as u64,
        sum,
        mean,
        m2,
        min,
        max,
    }
}

/// Which columns of per-run values a study pairs, and how: exactly from every value kept while
/// the runs are at most [`crate::stats::sketch::EXACT_LIMIT`] (the two-pass functions of this
/// module, the very figures of a study that kept its runs), streamed beyond it ([`PairMoments`]
/// per block, combined in block order), like a quantile store's exact/sketch rule.
///
/// A study numbers its columns `0..columns` (e.g. the cost of each variant) and names the pairs
/// it wants as `(a, b)`: the statistics of `b − a`. A streamed block must hold every column that
/// a pair names; an exact block may hold any range of columns (one variant's, say).
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    columns: usize,
    pairs: Vec<(usize, usize)>,
    exact: bool,
    /// Streamed, whether the store keeps each block's moments ([`PairedStore::Blocks`]): for a
    /// shard, whose blocks are combined with other shards' in block order.
    keep_blocks: bool,
}

/// One block's values of some columns, in run order.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedBlock {
    /// The first column held.
    first: usize,
    /// Per column held, its values of the block's runs; emptied once streamed pairs are
    /// computed from them.
    values: Vec<Vec<f64>>,
    /// Per pair, the block's moments (streamed form, after [`Pairing::finish_block`]).
    pairs: Vec<PairMoments>,
    /// Runs in the block.
    runs: usize,
}

impl PairedBlock {
    /// Adds the value of the next run to column `column`.
    #[inline]
    pub fn push(&mut self, column: usize, value: f64) {
        let values = &mut self.values[column - self.first];
        if values.capacity() == 0 {
            values.reserve_exact(self.runs);
        }
        values.push(value);
    }
}

/// Every block of a [`Pairing`], appended in block order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairedStore {
    /// Every column's values, in run order.
    Exact(Vec<Vec<f64>>),
    /// Every pair's moments.
    Streamed(Vec<PairMoments>),
    /// Per block, in block order, every pair's moments: a shard's store, which
    /// [`PairedStore::append_store`] joins to the other shards' and [`PairedStore::folded`]
    /// turns into the [`PairedStore::Streamed`] store of one pass.
    Blocks(Vec<Vec<PairMoments>>),
}

/// One pair of a [`PairedStore`], in its form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pair<'a> {
    /// The values of `a` and `b`.
    Exact(&'a [f64], &'a [f64]),
    /// Their moments.
    Streamed(&'a PairMoments),
}

impl Pair<'_> {
    /// The mean difference `b − a` with its intervals ([`paired_difference`]).
    pub fn difference(&self) -> PairedDifference {
        match self {
            Pair::Exact(a, b) => paired_difference(a, b),
            Pair::Streamed(moments) => PairedDifference::of_moments(moments),
        }
    }

    /// How often `b < a` ([`paired_order`]).
    pub fn order(&self) -> PairedOrder {
        match self {
            Pair::Exact(a, b) => paired_order(a, b),
            Pair::Streamed(moments) => PairedOrder::of_moments(moments),
        }
    }

    /// `Σa / Σb` with its interval ([`ratio_of_means`]).
    pub fn ratio(&self) -> Option<RatioEstimate> {
        match self {
            Pair::Exact(a, b) => ratio_of_means(a, b),
            Pair::Streamed(moments) => RatioEstimate::of_moments(moments),
        }
    }
}

impl Pairing {
    /// Pairs `pairs` of `columns` columns, for a study of `runs` runs: exact up to
    /// [`crate::stats::sketch::EXACT_LIMIT`] runs.
    ///
    /// # Panics
    /// If a pair names a column out of range.
    pub fn new(columns: usize, pairs: Vec<(usize, usize)>, runs: u64) -> Pairing {
        assert!(
            pairs.iter().all(|&(a, b)| a < columns && b < columns),
            "a pair names a column out of range"
        );
        Pairing {
            columns,
            pairs,
            exact: runs <= crate::stats::sketch::EXACT_LIMIT as u64,
            keep_blocks: false,
        }
    }

    /// The same pairing for a shard: streamed, its store keeps each block's moments
    /// ([`PairedStore::Blocks`]).
    #[must_use]
    pub fn keeping_blocks(mut self) -> Pairing {
        self.keep_blocks = true;
        self
    }

    /// Whether every value is kept.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The pairs, in the order given.
    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// An empty store.
    pub fn store(&self) -> PairedStore {
        if self.exact {
            PairedStore::Exact(vec![Vec::new(); self.columns])
        } else if self.keep_blocks {
            PairedStore::Blocks(Vec::new())
        } else {
            PairedStore::Streamed(vec![PairMoments::default(); self.pairs.len()])
        }
    }

    /// An empty block holding columns `columns`, for `runs` values each: room is made when the
    /// first value comes, so that the blocks waiting to be computed hold nothing.
    pub fn start_block(&self, columns: std::ops::Range<usize>, runs: usize) -> PairedBlock {
        PairedBlock {
            first: columns.start,
            values: columns.map(|_| Vec::new()).collect(),
            pairs: Vec::new(),
            runs,
        }
    }

    /// Streamed, computes the block's pairs from its values and frees them (on the block's
    /// worker thread); exact, leaves the values to be kept.
    ///
    /// # Panics
    /// Streamed, if the block lacks a column that a pair names, or its columns' lengths differ.
    pub fn finish_block(&self, block: &mut PairedBlock) {
        if self.exact || block.values.first().is_none_or(Vec::is_empty) {
            return;
        }
        let moments: Vec<Moments> = block.values.iter().map(|v| block_moments(v)).collect();
        let column = |c: usize| c - block.first;
        block.pairs = self
            .pairs
            .iter()
            .map(|&(a, b)| {
                let (a, b) = (column(a), column(b));
                PairMoments::of_block(&block.values[a], &block.values[b], &moments[a], &moments[b])
            })
            .collect();
        block.values = Vec::new();
    }

    /// Appends a block, in block order.
    pub fn append(&self, store: &mut PairedStore, block: PairedBlock) {
        match store {
            PairedStore::Exact(columns) => {
                for (offset, values) in block.values.into_iter().enumerate() {
                    columns[block.first + offset].extend(values);
                }
            }
            PairedStore::Streamed(pairs) => {
                for (total, part) in pairs.iter_mut().zip(&block.pairs) {
                    total.merge(part);
                }
            }
            // A block without runs (a stop request) has no pairs.
            PairedStore::Blocks(blocks) => {
                if !block.pairs.is_empty() {
                    blocks.push(block.pairs);
                }
            }
        }
    }
}

impl PairedStore {
    /// Pair `k` of the [`Pairing`] that made this store, with its columns `(a, b)`.
    ///
    /// # Panics
    /// On a [`PairedStore::Blocks`] store: [`PairedStore::folded`] it first.
    pub fn pair(&self, k: usize, (a, b): (usize, usize)) -> Pair<'_> {
        match self {
            PairedStore::Exact(columns) => Pair::Exact(&columns[a], &columns[b]),
            PairedStore::Streamed(pairs) => Pair::Streamed(&pairs[k]),
            PairedStore::Blocks(_) => panic!("a store of blocks is folded before it is read"),
        }
    }

    /// Appends `later`, the store of the blocks after this one's (a later shard's), of the same
    /// form.
    ///
    /// # Errors
    /// Stores of different forms or widths.
    pub fn append_store(&mut self, later: PairedStore) -> Result<(), String> {
        match (self, later) {
            (PairedStore::Exact(mine), PairedStore::Exact(theirs))
                if mine.len() == theirs.len() =>
            {
                for (mine, theirs) in mine.iter_mut().zip(theirs) {
                    mine.extend(theirs);
                }
                Ok(())
            }
            (PairedStore::Blocks(mine), PairedStore::Blocks(theirs))
                if mine
                    .first()
                    .zip(theirs.first())
                    .is_none_or(|(a, b)| a.len() == b.len()) =>
            {
                mine.extend(theirs);
                Ok(())
            }
            _ => {
                Err("paired statistics of another form or width than the first part's".to_string())
            }
        }
    }

    /// A store of blocks combined in block order from an empty one, as one pass combines them
    /// ([`Pairing::append`]): the bits of a [`PairedStore::Streamed`] store of one machine.
    /// Other stores are returned as they are. `pairs` is the pairing's number of pairs.
    #[must_use]
    pub fn folded(self, pairs: usize) -> PairedStore {
        match self {
            PairedStore::Blocks(blocks) => {
                let mut total = vec![PairMoments::default(); pairs];
                for block in &blocks {
                    for (total, part) in total.iter_mut().zip(block) {
                        total.merge(part);
                    }
                }
                PairedStore::Streamed(total)
            }
            other => other,
        }
    }

    /// What is wrong with the store as read from a file: columns of different lengths, values
    /// or moments that are not finite, negative sums of squares, a smallest value above the
    /// largest.
    pub fn check(&self) -> Result<(), String> {
        match self {
            PairedStore::Exact(columns) => {
                let lengths: Vec<usize> = columns.iter().map(Vec::len).filter(|&n| n > 0).collect();
                if lengths.windows(2).any(|w| w[0] != w[1]) {
                    return Err("paired columns of different lengths".to_string());
                }
                if columns.iter().flatten().any(|x| !x.is_finite()) {
                    return Err("a paired value that is not a finite number".to_string());
                }
                Ok(())
            }
            PairedStore::Streamed(pairs) => pairs.iter().try_for_each(PairMoments::check),
            PairedStore::Blocks(blocks) => blocks.iter().flatten().try_for_each(PairMoments::check),
        }
    }
}

impl PairMoments {
    /// What is wrong with these moments as read from a file ([`Moments::check`]), or with their
    /// counts: a different number of values in `a`, `b` and `b − a`, more ties and values
    /// below than pairs.
    pub fn check(&self) -> Result<(), String> {
        self.a.check()?;
        self.b.check()?;
        self.d.check()?;
        let n = self.d.count;
        if self.a.count != n || self.b.count != n || self.ab.count != n {
            return Err(format!(
                "paired moments of {} and {} values with {n} differences",
                self.a.count, self.b.count
            ));
        }
        if self.below.checked_add(self.tie).is_none_or(|k| k > n) {
            return Err(format!(
                "{} pairs below and {} tied among {n} pairs",
                self.below, self.tie
            ));
        }
        if !self.ab.c.is_finite() {
            return Err("a cross product that is not a finite number".to_string());
        }
        Ok(())
    }
}

/// A 95 % interval of a mean, `mean ± Z_95 · std_err`; `None` without a standard error.
pub fn mean_interval(mean: f64, std_err: Option<f64>) -> Option<(f64, f64)> {
    std_err.map(|se| (mean - Z_95 * se, mean + Z_95 * se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_stores_of_blocks_fold_into_the_bits_of_one_pass() {
        // 3 columns, pairs (0, 1) and (1, 2), 5 blocks of uneven values.
        let values = |block: usize, column: usize| -> Vec<f64> {
            (0..7 + block)
                .map(|i| ((i * 31 + block * 17 + column * 5) % 11) as f64 * 0.1 + column as f64)
                .collect()
        };
        let pairing = Pairing::new(3, vec![(0, 1), (1, 2)], 1_000_000);
        let block = |pairing: &Pairing, b: usize| {
            let mut block = pairing.start_block(0..3, 7 + b);
            for c in 0..3 {
                for x in values(b, c) {
                    block.push(c, x);
                }
            }
            pairing.finish_block(&mut block);
            block
        };
        let mut one = pairing.store();
        for b in 0..5 {
            pairing.append(&mut one, block(&pairing, b));
        }
        let shard = pairing.clone().keeping_blocks();
        let mut first = shard.store();
        let mut second = shard.store();
        for b in 0..2 {
            shard.append(&mut first, block(&shard, b));
        }
        for b in 2..5 {
            shard.append(&mut second, block(&shard, b));
        }
        first.append_store(second).unwrap();
        assert!(first.check().is_ok());
        assert_eq!(first.folded(2), one);
        // Stores of other forms do not append.
        assert!(pairing.store().append_store(shard.store()).is_err());
    }

    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-12 * want.abs().max(1.0)
    }

    #[test]
    fn paired_difference_matches_hand_computed_values() {
        // a = 1, 2, 3, 4; b = 2, 4, 5, 8. d = 1, 2, 2, 4: mean 9/4, deviations −5/4, −1/4,
        // −1/4, 7/4, squares sum 76/16 = 4.75, s_d² = 4.75 / 3, s.e. = sqrt(4.75 / 12).
        // s_a² = 5/3 (sum of squares 5), s_b² = 6.25 (mean 19/4: squares (121 + 9 + 1 + 169) / 16
        // = 18.75, / 3). Unpaired s.e. = sqrt((5/3 + 6.25) / 4).
        // Cov: Σ(da·db) = (−1.5)(−2.75) + (−0.5)(−0.75) + (0.5)(0.25) + (1.5)(3.25) = 9.5.
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [2.0, 4.0, 5.0, 8.0];
        let d = paired_difference(&a, &b);
        assert!(close(d.mean, 2.25));
        let se = (4.75f64 / 12.0).sqrt();
        assert!(close(d.std_err.unwrap(), se));
        let (lo, hi) = d.ci95.unwrap();
        assert!(close(lo, 2.25 - Z_95 * se) && close(hi, 2.25 + Z_95 * se));
        let unpaired_se = ((5.0f64 / 3.0 + 6.25) / 4.0).sqrt();
        assert!(close(d.unpaired_std_err.unwrap(), unpaired_se));
        let (lo, hi) = d.unpaired_ci95.unwrap();
        assert!(close(lo, 2.25 - Z_95 * unpaired_se) && close(hi, 2.25 + Z_95 * unpaired_se));
        assert!(close(d.correlation.unwrap(), 9.5 / (5.0f64 * 18.75).sqrt()));
        assert!(close(d.pairing_gain_x.unwrap(), (unpaired_se / se).powi(2)));
        // Var d = Var a + Var b − 2 Cov: 4.75/3 = 5/3 + 6.25 − 2·9.5/3.
        assert!(close(4.75 / 3.0, 5.0 / 3.0 + 6.25 - 2.0 * 9.5 / 3.0));
    }

    #[test]
    fn a_sample_against_itself_differs_by_exactly_zero() {
        let a = [0.1, 0.7, 3.3, 1e6, 2.2];
        let d = paired_difference(&a, &a);
        assert_eq!(d.mean, 0.0);
        assert_eq!(d.ci95, Some((0.0, 0.0)));
        assert_eq!(d.std_err, Some(0.0));
        assert!(d.unpaired_std_err.unwrap() > 0.0);
        assert!(close(d.correlation.unwrap(), 1.0));
        assert_eq!(d.pairing_gain_x, None);
        let order = paired_order(&a, &a);
        assert_eq!((order.below, order.tie), (0.0, 1.0));
        // A constant shift: zero width too, whatever the rounding of the sum.
        let shifted: Vec<f64> = [0.5; 5].to_vec();
        let zeros = [0.0; 5];
        let d = paired_difference(&zeros, &shifted);
        assert_eq!((d.mean, d.std_err), (0.5, Some(0.0)));
        assert_eq!(d.correlation, None);
    }

    #[test]
    fn a_single_pair_has_no_interval() {
        let d = paired_difference(&[1.0], &[3.0]);
        assert_eq!(d.mean, 2.0);
        assert_eq!(
            (d.ci95, d.unpaired_ci95, d.pairing_gain_x),
            (None, None, None)
        );
    }

    #[test]
    fn order_counts_strictly_below_and_ties_apart() {
        let order = paired_order(&[1.0, 2.0, 3.0, 4.0], &[0.5, 2.0, 3.5, 1.0]);
        assert_eq!((order.below, order.tie), (0.5, 0.25));
        assert_eq!(order.below_ci95, wilson_interval(2, 4, Z_95));
        assert_eq!(paired_order(&[1.0; 3], &[1.0; 3]).below_ci95.0, 0.0);
        assert_eq!(paired_order(&[1.0; 3], &[0.0; 3]).below_ci95.1, 1.0);
    }

    #[test]
    fn ratio_of_means_matches_hand_computed_values() {
        // Costs 2, 4, 6, 8; completed 1, 1, 0, 1. R = 20/3. x̄ = 5, ȳ = 3/4.
        // s_x² = 20/3; s_y² = (3·(1/16) + 9/16) / 3 = 1/4; cov = Σ(dx·dy)/3 with dx = −3, −1, 1,
        // 3 and dy = 1/4, 1/4, −3/4, 1/4: (−3 − 1 − 3 + 3)/4/3 = −1/3.
        // Var = (20/3 + 2R/3 + R²/4) / (4 · 9/16).
        let x = [2.0, 4.0, 6.0, 8.0];
        let y = [1.0, 1.0, 0.0, 1.0];
        let r = ratio_of_means(&x, &y).unwrap();
        let ratio = 20.0 / 3.0;
        assert!(close(r.value, ratio));
        let variance = (20.0 / 3.0 + 2.0 * ratio / 3.0 + ratio * ratio / 4.0) / (4.0 * 9.0 / 16.0);
        let half = Z_95 * f64::sqrt(variance);
        let (lo, hi) = r.ci95.unwrap();
        assert!(close(lo, ratio - half) && close(hi, ratio + half));
        // Every run completed: the interval of the mean.
        let all = ratio_of_means(&x, &[1.0; 4]).unwrap();
        let se = (20.0f64 / 3.0 / 4.0).sqrt();
        assert!(close(all.ci95.unwrap().1, 5.0 + Z_95 * se));
        assert_eq!(ratio_of_means(&x, &[0.0; 4]), None);
        assert_eq!(ratio_of_means(&[3.0], &[1.0]).unwrap().ci95, None);
    }

    #[test]
    fn mean_interval_is_symmetric() {
        assert_eq!(mean_interval(1.0, None), None);
        let (lo, hi) = mean_interval(10.0, Some(1.0)).unwrap();
        assert!(close(lo, 10.0 - Z_95) && close(hi, 10.0 + Z_95));
    }

    /// Three columns of `n` runs: a skewed cost with a large offset (so that sums of squares
    /// would cancel), a second cost that follows it closely (common random numbers), and a
    /// 0/1 completion.
    fn synthetic(n: usize) -> [Vec<f64>; 3] {
        let mut state = 99u64;
        let mut uniform = || {
            state = crate::montecarlo::rng::splitmix64(state);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut a, mut b, mut done) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let x = 1e4 + (uniform() * 6.0).exp();
            a.push(x);
            b.push(0.97 * x + 40.0 * uniform());
            done.push(if uniform() < 0.93 { 1.0 } else { 0.0 });
        }
        [a, b, done]
    }

    /// The streamed store of `columns`, blocks of 65,536 runs computed in the order `order`
    /// gives them and appended in block order.
    fn streamed(
        columns: &[Vec<f64>],
        pairs: &[(usize, usize)],
        order: impl Fn(usize) -> Vec<usize>,
    ) -> PairedStore {
        let n = columns[0].len();
        let pairing = Pairing::new(columns.len(), pairs.to_vec(), n as u64);
        assert!(!pairing.is_exact());
        let blocks = n.div_ceil(65_536);
        let mut done: Vec<Option<PairedBlock>> = vec![None; blocks];
        for b in order(blocks) {
            let range = b * 65_536..((b + 1) * 65_536).min(n);
            let mut block = pairing.start_block(0..columns.len(), range.len());
            for i in range {
                for (c, column) in columns.iter().enumerate() {
                    block.push(c, column[i]);
                }
            }
            pairing.finish_block(&mut block);
            done[b] = Some(block);
        }
        let mut store = pairing.store();
        for block in done.into_iter().flatten() {
            pairing.append(&mut store, block);
        }
        store
    }

    fn near(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-9 * want.abs().max(1e-300)
    }

    fn near_pair(got: Option<(f64, f64)>, want: Option<(f64, f64)>) -> bool {
        match (got, want) {
            (Some(g), Some(w)) => near(g.0, w.0) && near(g.1, w.1),
            (g, w) => g == w,
        }
    }

    #[test]
    fn streamed_pairs_match_the_exact_figures() {
        let columns = synthetic(300_000);
        let pairs = [(0, 1), (1, 0), (0, 2), (0, 0)];
        let store = streamed(&columns, &pairs, |blocks| (0..blocks).collect());
        for (k, &(a, b)) in pairs.iter().enumerate() {
            let exact = Pair::Exact(&columns[a], &columns[b]);
            let stream = store.pair(k, (a, b));
            let (want, got) = (exact.difference(), stream.difference());
            assert!(
                near(got.mean, want.mean) || got.mean == want.mean,
                "{k}: {got:?} {want:?}"
            );
            assert!(near_pair(got.ci95, want.ci95), "{k}: {got:?} {want:?}");
            assert!(near_pair(got.unpaired_ci95, want.unpaired_ci95), "{k}");
            for (g, w) in [
                (got.std_err, want.std_err),
                (got.unpaired_std_err, want.unpaired_std_err),
                (got.correlation, want.correlation),
                (got.pairing_gain_x, want.pairing_gain_x),
            ] {
                match (g, w) {
                    (Some(g), Some(w)) => assert!(near(g, w) || g == w, "{k}: {g} {w}"),
                    (g, w) => assert_eq!(g, w, "{k}"),
                }
            }
            assert_eq!(stream.order(), exact.order(), "{k}");
            let (got, want) = (stream.ratio(), exact.ratio());
            match (got, want) {
                (Some(g), Some(w)) => {
                    assert!(near(g.value, w.value) && near_pair(g.ci95, w.ci95), "{k}");
                }
                (g, w) => assert_eq!(g, w, "{k}"),
            }
        }
        // A column against itself differs by exactly zero, streamed too.
        let itself = store.pair(3, (0, 0)).difference();
        assert_eq!((itself.mean, itself.ci95), (0.0, Some((0.0, 0.0))));
        // Strongly paired: the paired interval is far narrower than the unpaired one.
        let d = store.pair(0, (0, 1)).difference();
        assert!(d.pairing_gain_x.unwrap() > 100.0, "{d:?}");
    }

    #[test]
    fn streamed_pairs_are_the_same_bits_whatever_order_blocks_are_computed_in() {
        let columns = synthetic(200_000);
        let pairs = [(0, 1), (2, 0)];
        let forward = streamed(&columns, &pairs, |blocks| (0..blocks).collect());
        let backward = streamed(&columns, &pairs, |blocks| (0..blocks).rev().collect());
        let interleaved = streamed(&columns, &pairs, |blocks| {
            (0..blocks)
                .filter(|b| b % 2 == 1)
                .chain((0..blocks).filter(|b| b % 2 == 0))
                .collect()
        });
        let PairedStore::Streamed(forward) = forward else {
            unreachable!("200,000 runs are streamed")
        };
        for other in [backward, interleaved] {
            let PairedStore::Streamed(other) = other else {
                unreachable!("200,000 runs are streamed")
            };
            for (x, y) in forward.iter().zip(&other) {
                let bits = |m: &PairMoments| {
                    [m.a.sum, m.a.m2, m.b.m2, m.d.sum, m.d.m2, m.ab.c].map(f64::to_bits)
                };
                assert_eq!(bits(x), bits(y));
                assert_eq!((x.below, x.tie, x.constant), (y.below, y.tie, y.constant));
            }
        }
    }

    #[test]
    fn a_constant_shift_stays_exact_when_streamed() {
        let a: Vec<f64> = synthetic(150_000)[0].clone();
        let b: Vec<f64> = a.iter().map(|x| x + 0.5).collect();
        let store = streamed(&[a.clone(), b.clone()], &[(0, 1)], |blocks| {
            (0..blocks).collect()
        });
        let d = store.pair(0, (0, 1)).difference();
        let exact = paired_difference(&a, &b);
        // Whether `x + 0.5 − x` rounds to exactly 0.5 for every run decides both forms alike.
        assert_eq!(d.mean.to_bits(), exact.mean.to_bits());
        assert_eq!(d.std_err == Some(0.0), exact.std_err == Some(0.0));
        // Small exact stores keep every value.
        let pairing = Pairing::new(2, vec![(0, 1)], 1000);
        assert!(pairing.is_exact());
    }
}
