//! Quantiles in bounded memory: a store that keeps every value exactly up to [`EXACT_LIMIT`]
//! values, then spills into a relative-error sketch; mergeable, and independent of the order in
//! which values and parts arrive.
//!
//! While a store holds at most [`EXACT_LIMIT`] values it keeps them all, and its quantiles are
//! exact order statistics with linear interpolation (Hyndman & Fan 1996, "Sample quantiles in
//! statistical packages", The American Statistician 50, definition 7), computed by
//! [`quantiles`]: the default 100,000-run outputs are exact.
//!
//! Beyond the limit the store is a DDSketch (Masson, Rim & Lee 2019, "DDSketch: a fast and
//! fully-mergeable quantile sketch with relative-error guarantees", PVLDB 12(12)): values are
//! counted in buckets whose width is a fixed fraction of their magnitude, with a bucket for
//! zero and a separate set of buckets for negative values. The index of `|x|` is its binary
//! exponent and the top [`SIGNIFICAND_BITS`] bits of its significand, read from the float's
//! bits: the "bitwise linearly interpolated" index mapping of Datadog's sketches-java
//! (`BitwiseLinearlyInterpolatedMapping`), which needs no logarithm, costs a shift, and gives
//! the same index on every platform. A bucket `[L, U)` spans at most `U/L = 1 + 2⁻¹²`; its
//! representative is `2LU/(L + U)` (DDSketch's `2γᵏ/(γ + 1)`), within [`RELATIVE_ERROR`]
//! `= 2⁻¹²/(2 + 2⁻¹²) ≈ 1.22·10⁻⁴` of every value in it.
//!
//! Quantiles from the sketch interpolate between the representatives of the buckets that hold
//! the two order statistics of definition 7 (the smallest and largest values are kept exactly,
//! and representatives are clamped to them). The buckets are ordered like the values, so the
//! bucket holding the `r`-th smallest value is the one the sketch finds at rank `r`, and each
//! returned quantile is within [`RELATIVE_ERROR`] of the exact definition-7 quantile for
//! non-negative data (`|q̂ − q| ≤ α·((1 − f)|x₍ₖ₎| + f|x₍ₖ₊₁₎|)` in general).
//!
//! Merging is deterministic whatever the order: two exact stores whose counts add up to at most
//! the limit are concatenated (quantiles depend only on the multiset of values); anything
//! larger is the sketch of all the values, and bucket counts are integers, so every merge order
//! gives the same buckets. Integer-valued metrics (interruptions) use a third form,
//! [`QuantileStore::integers`]: a count per value, exact at any size.
//!
//! Every value must be finite; values of magnitude below `f64::MIN_POSITIVE` (2.2·10⁻³⁰⁸,
//! subnormals) count as zero once sketched.

use serde::{Deserialize, Serialize};

/// Most values a store keeps exactly: above this it is a sketch. Twice 65,536, so that the
/// default 100,000 runs keep exact percentiles.
pub const EXACT_LIMIT: usize = 131_072;

/// Significand bits that index a bucket within a power of two: 4,096 buckets per binade.
pub const SIGNIFICAND_BITS: u32 = 12;

/// Buckets per power of two.
const SLOTS: usize = 1 << SIGNIFICAND_BITS;

/// Bits below the bucket index in an `f64`'s 52-bit significand.
const SHIFT: u32 = 52 - SIGNIFICAND_BITS;

/// Binary exponents (biased) an `f64` can have.
const EXPONENTS: usize = 2048;

/// The sketch's relative error bound `α`: every bucket representative is within `α·|x|` of
/// every value `x` in its bucket. `2⁻¹²/(2 + 2⁻¹²) = 1/8193`.
pub const RELATIVE_ERROR: f64 = 1.0 / (2 * SLOTS + 1) as f64;

/// Largest value an integer store counts per value; a larger or non-integer value turns it into
/// an exact-then-sketch store.
const MAX_COUNTED_INTEGER: f64 = (1u32 << 20) as f64;

/// A multiset of values that answers quantiles: exact up to [`EXACT_LIMIT`] values, a sketch
/// with relative error [`RELATIVE_ERROR`] beyond (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "StoreWire", try_from = "StoreWire")]
pub struct QuantileStore {
    count: u64,
    min: f64,
    max: f64,
    contents: Contents,
}

#[derive(Debug, Clone, PartialEq)]
enum Contents {
    /// Every value, in the order added.
    Exact(Vec<f64>),
    /// `counts[v]` values equal to the integer `v`.
    Integers(Vec<u64>),
    /// Bucket counts.
    Sketch(Box<Sketch>),
}

impl Default for QuantileStore {
    fn default() -> QuantileStore {
        QuantileStore::new()
    }
}

impl QuantileStore {
    /// An empty exact-then-sketch store.
    pub fn new() -> QuantileStore {
        QuantileStore::with_capacity(0)
    }

    /// An empty exact-then-sketch store with room for `values` values before it reallocates.
    pub fn with_capacity(values: usize) -> QuantileStore {
        QuantileStore {
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            contents: Contents::Exact(Vec::with_capacity(values.min(EXACT_LIMIT))),
        }
    }

    /// An empty store for non-negative whole numbers (counts of events): exact at any size.
    /// Should a value be negative, fractional or above 2²⁰, it becomes an exact-then-sketch
    /// store holding the same values.
    pub fn integers() -> QuantileStore {
        QuantileStore {
            contents: Contents::Integers(Vec::new()),
            ..QuantileStore::new()
        }
    }

    /// How many values the store holds.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether the store holds no value.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether quantiles are exact (every value kept, or counted per integer).
    pub fn is_exact(&self) -> bool {
        !matches!(self.contents, Contents::Sketch(_))
    }

    /// The smallest value, exact; `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// The largest value, exact; `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// Adds `x` (finite). No allocation while an exact store is within its capacity.
    ///
    /// Inlined: a block pushes a value into a store per metric and side for every run, and
    /// after the first blocks nearly every push is into a sketch's existing page or an integer
    /// store's existing count; the rest is out of line (`push_other`).
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "quantile stores take finite values");
        self.count += 1;
        // Plain comparisons: values are finite, no NaN to order.
        if x < self.min {
            self.min = x;
        }
        if x > self.max {
            self.max = x;
        }
        let done = match &mut self.contents {
            Contents::Sketch(sketch) => sketch.try_add_one(x),
            Contents::Integers(counts) if is_countable(x) => match counts.get_mut(x as usize) {
                Some(count) => {
                    *count += 1;
                    true
                }
                None => false,
            },
            _ => false,
        };
        if !done {
            self.push_other(x);
        }
    }

    /// [`QuantileStore::push`]'s other cases: `count`, `min` and `max` already include `x`.
    #[inline(never)]
    fn push_other(&mut self, x: f64) {
        match &mut self.contents {
            Contents::Exact(values) => {
                values.push(x);
                if values.len() > EXACT_LIMIT {
                    self.spill();
                }
            }
            Contents::Sketch(sketch) => sketch.add(x, 1),
            Contents::Integers(counts) if is_countable(x) => {
                let v = x as usize;
                if v >= counts.len() {
                    counts.resize(v + 1, 0);
                }
                counts[v] += 1;
            }
            Contents::Integers(_) => self.push_uncountable(x),
        }
    }

    /// Adds `x` (finite) `times` times: the same store as `times` calls of
    /// [`QuantileStore::push`].
    pub fn push_repeated(&mut self, x: f64, times: u64) {
        debug_assert!(x.is_finite(), "quantile stores take finite values");
        if times == 0 {
            return;
        }
        if x < self.min {
            self.min = x;
        }
        if x > self.max {
            self.max = x;
        }
        match &mut self.contents {
            Contents::Exact(values) if values.len() as u64 + times <= EXACT_LIMIT as u64 => {
                values.extend(std::iter::repeat_n(x, times as usize));
                self.count += times;
            }
            // A sketch counts values whatever their order: spilling first buckets the same
            // multiset as spilling at the limit.
            Contents::Exact(_) => {
                self.spill();
                self.add_to_sketch(x, times);
            }
            Contents::Sketch(sketch) => {
                sketch.add(x, times);
                self.count += times;
            }
            Contents::Integers(counts) if is_countable(x) => {
                let v = x as usize;
                if v >= counts.len() {
                    counts.resize(v + 1, 0);
                }
                counts[v] += times;
                self.count += times;
            }
            Contents::Integers(_) => {
                self.generalise();
                self.push_repeated(x, times);
            }
        }
    }

    /// Adds `times` values `x` to a store that has just spilled into a sketch.
    fn add_to_sketch(&mut self, x: f64, times: u64) {
        if let Contents::Sketch(sketch) = &mut self.contents {
            sketch.add(x, times);
            self.count += times;
        }
    }

    /// Adds `x`, which an integer store cannot count, to an integer store whose `count`, `min`
    /// and `max` already include it: the store becomes the general store of the same values.
    #[cold]
    fn push_uncountable(&mut self, x: f64) {
        self.count -= 1;
        self.generalise();
        self.count += 1;
        match &mut self.contents {
            Contents::Exact(values) => {
                values.push(x);
                if values.len() > EXACT_LIMIT {
                    self.spill();
                }
            }
            Contents::Sketch(sketch) => sketch.add(x, 1),
            Contents::Integers(_) => unreachable!("generalised above"),
        }
    }

    /// An empty store to collect a part of this store's values in, in the same form: integer,
    /// exact (with room for `capacity` values), or, when this store is already a sketch, an
    /// empty sketch. A sketched part buckets its values where it is filled (on a worker thread)
    /// rather than when it is merged; merged into this store, or into any store of more than
    /// [`EXACT_LIMIT`] values, it gives exactly what the exact part would have given. It must
    /// not be used otherwise: a sketch of few values loses their exactness.
    #[must_use]
    pub fn empty_part(&self, capacity: usize) -> QuantileStore {
        match &self.contents {
            Contents::Exact(_) => QuantileStore::with_capacity(capacity),
            Contents::Integers(_) => QuantileStore::integers(),
            Contents::Sketch(_) => QuantileStore {
                contents: Contents::Sketch(Box::default()),
                ..QuantileStore::new()
            },
        }
    }

    /// Makes an empty exact store an empty sketch, for a store that is known to end with more
    /// than [`EXACT_LIMIT`] values: it would be the sketch of them anyway, and the same sketch
    /// (buckets count a multiset), but its values are bucketed as they come instead of being
    /// kept, then bucketed. Any other store is left as it is.
    pub fn sketch_from_start(&mut self) {
        if self.count == 0 && matches!(self.contents, Contents::Exact(_)) {
            self.contents = Contents::Sketch(Box::default());
        }
    }

    /// Turns an integer store into the exact-then-sketch store of the same values.
    fn generalise(&mut self) {
        let Contents::Integers(counts) = &self.contents else {
            return;
        };
        if self.count as usize > EXACT_LIMIT {
            let mut sketch = Box::<Sketch>::default();
            for (v, &c) in counts.iter().enumerate() {
                if c > 0 {
                    sketch.add(v as f64, c);
                }
            }
            self.contents = Contents::Sketch(sketch);
        } else {
            let mut values = Vec::with_capacity(self.count as usize);
            for (v, &c) in counts.iter().enumerate() {
                values.extend(std::iter::repeat_n(v as f64, c as usize));
            }
            self.contents = Contents::Exact(values);
        }
    }

    /// Turns an exact store into the sketch of its values.
    fn spill(&mut self) {
        if let Contents::Exact(values) = &self.contents {
            let mut sketch = Box::<Sketch>::default();
            for &x in values {
                sketch.add(x, 1);
            }
            self.contents = Contents::Sketch(sketch);
        }
    }

    /// Adds every value of `other`. The result depends only on the two multisets, not on which
    /// is `self`, nor on how either was built.
    pub fn merge(&mut self, other: &QuantileStore) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let count = self.count + other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        if let (Contents::Integers(mine), Contents::Integers(theirs)) =
            (&mut self.contents, &other.contents)
        {
            if theirs.len() > mine.len() {
                mine.resize(theirs.len(), 0);
            }
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m += t;
            }
            self.count = count;
            return;
        }
        self.generalise();
        if count as usize > EXACT_LIMIT || matches!(other.contents, Contents::Sketch(_)) {
            self.spill();
        }
        self.count = count;
        match (&mut self.contents, &other.contents) {
            (Contents::Exact(mine), Contents::Exact(theirs)) => mine.extend_from_slice(theirs),
            (Contents::Exact(mine), Contents::Integers(theirs)) => {
                for (v, &c) in theirs.iter().enumerate() {
                    mine.extend(std::iter::repeat_n(v as f64, c as usize));
                }
            }
            (Contents::Sketch(mine), Contents::Exact(theirs)) => {
                for &x in theirs {
                    mine.add(x, 1);
                }
            }
            (Contents::Sketch(mine), Contents::Integers(theirs)) => {
                for (v, &c) in theirs.iter().enumerate() {
                    if c > 0 {
                        mine.add(v as f64, c);
                    }
                }
            }
            (Contents::Sketch(mine), Contents::Sketch(theirs)) => mine.merge(theirs),
            (Contents::Exact(_), Contents::Sketch(_)) | (Contents::Integers(_), _) => {
                unreachable!("spilled or generalised above")
            }
        }
    }

    /// The store of the values of both `a` and `b`.
    pub fn merged(a: &QuantileStore, b: &QuantileStore) -> QuantileStore {
        let mut out = a.clone();
        out.merge(b);
        out
    }

    /// Quantiles at ascending probabilities `probs` (each in `[0, 1]`), by definition 7 of
    /// Hyndman & Fan: exact while the store is exact, within [`RELATIVE_ERROR`] once sketched.
    /// NaN for an empty store.
    pub fn quantiles<const K: usize>(&self, probs: [f64; K]) -> [f64; K] {
        if self.count == 0 {
            return [f64::NAN; K];
        }
        if let Contents::Exact(values) = &self.contents {
            return quantiles(&mut values.clone(), probs);
        }
        // The order statistics definition 7 needs, found in one ascending scan.
        let last = self.count - 1;
        let mut ranks: Vec<u64> = Vec::with_capacity(2 * K);
        for p in probs {
            let h = p * last as f64;
            let lo = h.floor() as u64;
            ranks.push(lo.min(last));
            ranks.push((lo + 1).min(last));
        }
        ranks.sort_unstable();
        ranks.dedup();
        let stats = self.order_statistics(&ranks);
        let at = |rank: u64| stats[ranks.partition_point(|&r| r < rank)];
        let mut out = [0.0; K];
        for (slot, p) in out.iter_mut().zip(probs) {
            let h = p * last as f64;
            let lo = (h.floor() as u64).min(last);
            let fraction = h - lo as f64;
            let lo_value = at(lo);
            *slot = if fraction > 0.0 && lo < last {
                lo_value + fraction * (at(lo + 1) - lo_value)
            } else {
                lo_value
            };
        }
        out
    }

    /// The value of 0-based ascending rank `rank` (`0` the smallest): exactly the
    /// `rank + 1`-th smallest value (by [`f64::total_cmp`]) while the store is exact, a bucket's
    /// representative within [`RELATIVE_ERROR`] of it once sketched. NaN for an empty store;
    /// a rank past the last is the largest value.
    pub fn value_at_rank(&self, rank: u64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let rank = rank.min(self.count - 1);
        if let Contents::Exact(values) = &self.contents {
            let mut values = values.clone();
            let (_, nth, _) = values.select_nth_unstable_by(rank as usize, f64::total_cmp);
            return *nth;
        }
        self.order_statistics(&[rank])[0]
    }

    /// The values at 0-based ascending `ranks` of a counted store: rank 0 is the minimum, the
    /// last rank the maximum (both exact); others are bucket representatives clamped to them.
    fn order_statistics(&self, ranks: &[u64]) -> Vec<f64> {
        let last = self.count - 1;
        let mut out = Vec::with_capacity(ranks.len());
        let mut next = 0;
        let mut seen = 0u64;
        self.for_each_sorted(|value, count| {
            seen += count;
            // Every wanted rank below `seen` falls in this bucket.
            while next < ranks.len() && ranks[next] < seen {
                out.push(match ranks[next] {
                    0 => self.min,
                    r if r == last => self.max,
                    _ => value.clamp(self.min, self.max),
                });
                next += 1;
            }
        });
        out
    }

    /// Calls `f(value, count)` for the store's values in ascending order: each value once with
    /// count 1 while exact (sorted), each integer with its count, each bucket's representative
    /// with its count once sketched.
    pub fn for_each_sorted(&self, mut f: impl FnMut(f64, u64)) {
        match &self.contents {
            Contents::Exact(values) => {
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                for x in sorted {
                    f(x, 1);
                }
            }
            Contents::Integers(counts) => {
                for (v, &c) in counts.iter().enumerate() {
                    if c > 0 {
                        f(v as f64, c);
                    }
                }
            }
            Contents::Sketch(sketch) => {
                let (min, max) = (self.min, self.max);
                sketch.for_each_sorted(|value, count| f(value.clamp(min, max), count));
            }
        }
    }

    /// Calls `f(value, count)` for the store's values in no particular order (the order they
    /// were added while exact): cheaper than [`QuantileStore::for_each_sorted`] when the order
    /// does not matter, as for a histogram.
    pub fn for_each(&self, mut f: impl FnMut(f64, u64)) {
        match &self.contents {
            Contents::Exact(values) => values.iter().for_each(|&x| f(x, 1)),
            _ => self.for_each_sorted(f),
        }
    }
}

/// Quantiles (Hyndman & Fan definition 7) of `values` at ascending probabilities `probs`,
/// by successive selection: O(n) per quantile, no full sort.
pub fn quantiles<const K: usize>(values: &mut [f64], probs: [f64; K]) -> [f64; K] {
    let last = values.len() - 1;
    let mut out = [0.0; K];
    // `lower_bound`: every index below it holds a value <= values[lower_bound..].
    let mut lower_bound = 0;
    let select = |values: &mut [f64], rank: usize, lower_bound: &mut usize| -> f64 {
        let offset = *lower_bound;
        let (_, nth, _) = values[offset..].select_nth_unstable_by(rank - offset, f64::total_cmp);
        *lower_bound = rank;
        *nth
    };
    for (slot, p) in out.iter_mut().zip(probs) {
        debug_assert!((0.0..=1.0).contains(&p));
        let h = p * last as f64;
        let lo = h.floor() as usize;
        let lo_value = select(values, lo, &mut lower_bound);
        let fraction = h - lo as f64;
        *slot = if fraction > 0.0 && lo < last {
            // values[lo + 1..] are all >= values[lo]; the next order statistic is their minimum.
            let hi_value = values[lo + 1..]
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            lo_value + fraction * (hi_value - lo_value)
        } else {
            lo_value
        };
    }
    out
}

/// Whether an integer store counts `x` per value.
#[inline]
fn is_countable(x: f64) -> bool {
    (0.0..MAX_COUNTED_INTEGER).contains(&x) && x.fract() == 0.0
}

/// Bucket counts: zeros, and positive and negative values by magnitude.
#[derive(Debug, Clone, Default, PartialEq)]
struct Sketch {
    zeros: u64,
    positive: Buckets,
    negative: Buckets,
}

impl Sketch {
    /// Adds `x` once if its bucket's page exists (the usual case), returning whether it did.
    #[inline(always)]
    fn try_add_one(&mut self, x: f64) -> bool {
        let bits = x.abs().to_bits();
        let exponent = (bits >> 52) as usize;
        let slot = (bits >> SHIFT) as usize & (SLOTS - 1);
        let buckets = if x < 0.0 {
            &mut self.negative
        } else {
            &mut self.positive
        };
        // Zero and subnormals (exponent 0) are counted apart, by `add`.
        match buckets.pages.get_mut(exponent) {
            Some(Some(page)) if exponent != 0 => {
                page[slot] += 1;
                true
            }
            _ => false,
        }
    }

    #[inline]
    fn add(&mut self, x: f64, count: u64) {
        let bits = x.abs().to_bits();
        let exponent = (bits >> 52) as usize;
        if exponent == 0 {
            // Zero and subnormals.
            self.zeros += count;
            return;
        }
        let slot = (bits >> SHIFT) as usize & (SLOTS - 1);
        let buckets = if x < 0.0 {
            &mut self.negative
        } else {
            &mut self.positive
        };
        buckets.add(exponent, slot, count);
    }

    fn merge(&mut self, other: &Sketch) {
        self.zeros += other.zeros;
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
    }

    /// `f(representative, count)` per non-empty bucket, in ascending order of value.
    fn for_each_sorted(&self, mut f: impl FnMut(f64, u64)) {
        self.negative
            .for_each_descending(|e, s, c| f(-representative(e, s), c));
        if self.zeros > 0 {
            f(0.0, self.zeros);
        }
        self.positive
            .for_each_ascending(|e, s, c| f(representative(e, s), c));
    }
}

/// The representative of bucket `slot` of binade `exponent` (biased): the harmonic mean of the
/// bucket's bounds, `2LU/(L + U)`, which is within `(U − L)/(U + L) ≤ RELATIVE_ERROR` of every
/// value in `[L, U)`.
fn representative(exponent: usize, slot: usize) -> f64 {
    let low_bits = ((exponent as u64) << 52) | ((slot as u64) << SHIFT);
    let low = f64::from_bits(low_bits);
    // The next bucket's lower bound; past the last slot it carries into the exponent, which is
    // the next power of two, as it should be.
    let high = f64::from_bits(low_bits + (1 << SHIFT));
    if high.is_finite() {
        2.0 * low * high / (low + high)
    } else {
        low
    }
}

/// Counts per bucket of one sign, a page of [`SLOTS`] counters per binade, allocated when the
/// binade is first used: memory follows the range the values span, not their number.
#[derive(Debug, Clone, Default, PartialEq)]
struct Buckets {
    /// Indexed by biased exponent; empty until the first value.
    pages: Vec<Option<Box<Page>>>,
}

/// The counters of one binade.
type Page = [u64; SLOTS];

/// A page of zeros, built on the heap (32 KB would be a large stack frame).
fn zero_page() -> Box<Page> {
    match vec![0; SLOTS].into_boxed_slice().try_into() {
        Ok(page) => page,
        Err(_) => unreachable!("a vector of SLOTS counters is a page"),
    }
}

impl Buckets {
    #[inline]
    fn add(&mut self, exponent: usize, slot: usize, count: u64) {
        if self.pages.is_empty() {
            self.pages.resize(EXPONENTS, None);
        }
        let page = self.pages[exponent].get_or_insert_with(zero_page);
        page[slot] += count;
    }

    fn merge(&mut self, other: &Buckets) {
        for (exponent, page) in other.pages.iter().enumerate() {
            if let Some(page) = page {
                if self.pages.is_empty() {
                    self.pages.resize(EXPONENTS, None);
                }
                match &mut self.pages[exponent] {
                    Some(mine) => mine.iter_mut().zip(page.iter()).for_each(|(m, t)| *m += t),
                    slot @ None => *slot = Some(page.clone()),
                }
            }
        }
    }

    fn for_each_ascending(&self, mut f: impl FnMut(usize, usize, u64)) {
        for (exponent, page) in self.pages.iter().enumerate() {
            if let Some(page) = page {
                for (slot, &count) in page.iter().enumerate() {
                    if count > 0 {
                        f(exponent, slot, count);
                    }
                }
            }
        }
    }

    fn for_each_descending(&self, mut f: impl FnMut(usize, usize, u64)) {
        for (exponent, page) in self.pages.iter().enumerate().rev() {
            if let Some(page) = page {
                for (slot, &count) in page.iter().enumerate().rev() {
                    if count > 0 {
                        f(exponent, slot, count);
                    }
                }
            }
        }
    }

    /// `(exponent << SIGNIFICAND_BITS | slot, count)` of every non-empty bucket, ascending.
    fn to_sparse(&self) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        self.for_each_ascending(|e, s, c| out.push((((e << SIGNIFICAND_BITS) | s) as u32, c)));
        out
    }

    fn from_sparse(sparse: &[(u32, u64)]) -> Result<Buckets, String> {
        let mut buckets = Buckets::default();
        for &(key, count) in sparse {
            let (exponent, slot) = (
                (key >> SIGNIFICAND_BITS) as usize,
                key as usize & (SLOTS - 1),
            );
            if exponent == 0 || exponent >= EXPONENTS - 1 {
                return Err(format!(
                    "bucket key {key} is outside the finite non-zero range"
                ));
            }
            buckets.add(exponent, slot, count);
        }
        Ok(buckets)
    }
}

/// The serialised form of a [`QuantileStore`]: one of `exact`, `integers` or `sketch`, with the
/// sketch's buckets as sparse `[key, count]` pairs (`key` = biased exponent × 4096 + the top 12
/// significand bits). Values are `f64`: a format that carries them must keep every bit.
#[derive(Serialize, Deserialize)]
struct StoreWire {
    count: u64,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exact: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    integers: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sketch: Option<SketchWire>,
}

#[derive(Serialize, Deserialize)]
struct SketchWire {
    zeros: u64,
    positive: Vec<(u32, u64)>,
    negative: Vec<(u32, u64)>,
}

impl From<QuantileStore> for StoreWire {
    fn from(store: QuantileStore) -> StoreWire {
        let mut wire = StoreWire {
            count: store.count,
            min: store.min(),
            max: store.max(),
            exact: None,
            integers: None,
            sketch: None,
        };
        match store.contents {
            Contents::Exact(values) => wire.exact = Some(values),
            Contents::Integers(counts) => wire.integers = Some(counts),
            Contents::Sketch(sketch) => {
                wire.sketch = Some(SketchWire {
                    zeros: sketch.zeros,
                    positive: sketch.positive.to_sparse(),
                    negative: sketch.negative.to_sparse(),
                });
            }
        }
        wire
    }
}

impl TryFrom<StoreWire> for QuantileStore {
    type Error = String;

    fn try_from(wire: StoreWire) -> Result<QuantileStore, String> {
        let (contents, held) = match (wire.exact, wire.integers, wire.sketch) {
            (Some(values), None, None) => {
                if values.len() > EXACT_LIMIT {
                    return Err(format!(
                        "an exact store holds at most {EXACT_LIMIT} values, not {}",
                        values.len()
                    ));
                }
                let held = values.len() as u64;
                (Contents::Exact(values), held)
            }
            (None, Some(counts), None) => {
                let held = counts.iter().sum();
                (Contents::Integers(counts), held)
            }
            (None, None, Some(sketch)) => {
                let held = sketch.zeros
                    + sketch.positive.iter().map(|p| p.1).sum::<u64>()
                    + sketch.negative.iter().map(|p| p.1).sum::<u64>();
                let sketch = Sketch {
                    zeros: sketch.zeros,
                    positive: Buckets::from_sparse(&sketch.positive)?,
                    negative: Buckets::from_sparse(&sketch.negative)?,
                };
                (Contents::Sketch(Box::new(sketch)), held)
            }
            _ => return Err("a store is exactly one of exact, integers or sketch".to_string()),
        };
        if held != wire.count {
            return Err(format!(
                "the store says {} values but holds {held}",
                wire.count
            ));
        }
        let (min, max) = match (wire.min, wire.max, held) {
            (_, _, 0) => (f64::INFINITY, f64::NEG_INFINITY),
            (Some(min), Some(max), _) if min <= max => (min, max),
            _ => return Err("a non-empty store needs its min and max".to_string()),
        };
        Ok(QuantileStore {
            count: wire.count,
            min,
            max,
            contents,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Definition 7 by a full sort, to check the selection-based version against.
    fn sorted_quantile(values: &[f64], p: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let h = p * (v.len() - 1) as f64;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(v.len() - 1);
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    }

    #[test]
    fn quantiles_match_a_full_sort() {
        let mut state = 12345u64;
        for n in [1usize, 2, 3, 10, 101, 1000] {
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    state = crate::montecarlo::rng::splitmix64(state);
                    (state >> 11) as f64 / (1u64 << 53) as f64 * 100.0
                })
                .collect();
            let probs = [0.0, 0.5, 0.9, 0.95, 0.99, 1.0];
            let got = quantiles(&mut values.clone(), probs);
            for (g, p) in got.iter().zip(probs) {
                assert_eq!(*g, sorted_quantile(&values, p), "n={n} p={p}");
            }
        }
    }

    use proptest::prelude::*;

    const PROBS: [f64; 8] = [0.0, 0.005, 0.5, 0.9, 0.95, 0.99, 0.995, 1.0];

    /// Deterministic log-normal-ish values over several orders of magnitude.
    fn sample(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = crate::montecarlo::rng::splitmix64(state);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                (u * 20.0 - 5.0).exp()
            })
            .collect()
    }

    fn store_of(values: &[f64]) -> QuantileStore {
        let mut store = QuantileStore::new();
        for &x in values {
            store.push(x);
        }
        store
    }

    fn exact_quantiles(values: &[f64]) -> [f64; 8] {
        quantiles(&mut values.to_vec(), PROBS)
    }

    /// `|got − want| ≤ α·|want|`, with a hair of slack for the interpolation's own rounding.
    fn within_bound(got: f64, want: f64) -> bool {
        (got - want).abs() <= RELATIVE_ERROR * want.abs() * (1.0 + 1e-9) + 1e-300
    }

    #[test]
    fn exact_up_to_the_limit_then_a_sketch() {
        let values = sample(EXACT_LIMIT + 1, 1);
        let below = store_of(&values[..EXACT_LIMIT]);
        assert!(below.is_exact());
        assert_eq!(
            below.quantiles(PROBS),
            exact_quantiles(&values[..EXACT_LIMIT])
        );
        let above = store_of(&values);
        assert!(!above.is_exact());
        assert_eq!(above.count(), EXACT_LIMIT as u64 + 1);
        let want = exact_quantiles(&values);
        let got = above.quantiles(PROBS);
        for ((g, w), p) in got.iter().zip(want).zip(PROBS) {
            assert!(within_bound(*g, w), "p{p}: {g} against {w}");
        }
        // The extremes stay exact.
        assert_eq!((got[0], got[7]), (want[0], want[7]));
    }

    #[test]
    fn sketch_quantiles_are_within_the_bound_on_large_samples() {
        for seed in [2u64, 3, 4] {
            let values = sample(400_000, seed);
            let store = store_of(&values);
            let want = exact_quantiles(&values);
            let got = store.quantiles(PROBS);
            for ((g, w), p) in got.iter().zip(want).zip(PROBS) {
                assert!(within_bound(*g, w), "seed {seed} p{p}: {g} against {w}");
            }
            // Every bucket representative is within the bound of the values it stands for.
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let mut i = 0usize;
            store.for_each_sorted(|rep, count| {
                for &x in &sorted[i..i + count as usize] {
                    assert!(within_bound(rep, x), "{rep} for {x}");
                }
                i += count as usize;
            });
            assert_eq!(i, values.len());
        }
    }

    #[test]
    fn negative_values_zeros_and_mixed_signs() {
        let mut values = sample(150_000, 7);
        for (i, v) in values.iter_mut().enumerate() {
            match i % 5 {
                0 => *v = -*v,
                1 => *v = 0.0,
                _ => {}
            }
        }
        let store = store_of(&values);
        assert!(!store.is_exact());
        let want = exact_quantiles(&values);
        let got = store.quantiles(PROBS);
        for ((g, w), p) in got.iter().zip(want).zip(PROBS) {
            assert!(within_bound(*g, w), "p{p}: {g} against {w}");
        }
        // A fifth are zero: the sketch keeps them exactly.
        assert_eq!(store.quantiles([0.3]), [0.0]);
        // All negative.
        let negatives: Vec<f64> = sample(140_000, 8).iter().map(|v| -v).collect();
        let store = store_of(&negatives);
        for ((g, w), p) in store
            .quantiles(PROBS)
            .iter()
            .zip(exact_quantiles(&negatives))
            .zip(PROBS)
        {
            assert!(within_bound(*g, w), "p{p}: {g} against {w}");
        }
    }

    #[test]
    fn a_single_value_and_a_constant_sample() {
        let one = store_of(&[3.25]);
        assert_eq!(one.quantiles(PROBS), [3.25; 8]);
        let constant = store_of(&vec![0.1; EXACT_LIMIT + 10]);
        assert!(!constant.is_exact());
        // Clamped to the exact min and max, which are equal: exact.
        assert_eq!(constant.quantiles(PROBS), [0.1; 8]);
        let empty = QuantileStore::new();
        assert!(empty.quantiles([0.5])[0].is_nan());
        assert_eq!((empty.min(), empty.max()), (None, None));
    }

    #[test]
    fn integer_stores_are_exact_at_any_size() {
        let values: Vec<f64> = sample(300_000, 9)
            .iter()
            .map(|v| (v.ln() + 5.0).floor().max(0.0))
            .collect();
        let mut store = QuantileStore::integers();
        for &x in &values {
            store.push(x);
        }
        assert!(store.is_exact());
        assert_eq!(store.quantiles(PROBS), exact_quantiles(&values));
        // A fractional value makes it a general store of the same values.
        let mut mixed = QuantileStore::integers();
        for x in [1.0, 2.0, 2.5, 3.0] {
            mixed.push(x);
        }
        assert_eq!(mixed, store_of(&[1.0, 2.0, 2.5, 3.0]));
    }

    #[test]
    fn repeated_pushes_give_the_store_of_single_pushes() {
        let values = sample(EXACT_LIMIT - 10, 14);
        for start in [
            QuantileStore::new(),
            store_of(&values[..1_000]),
            store_of(&values),
            store_of(&sample(EXACT_LIMIT + 3, 15)),
            QuantileStore::integers(),
            {
                let mut s = QuantileStore::integers();
                for x in [0.0, 3.0, 3.0] {
                    s.push(x);
                }
                s
            },
        ] {
            for x in [0.0, 2.0, 2.5, 1234.5, -7.0] {
                for times in [0u64, 1, 9, 11, 65_536] {
                    let mut one_by_one = start.clone();
                    (0..times).for_each(|_| one_by_one.push(x));
                    let mut repeated = start.clone();
                    repeated.push_repeated(x, times);
                    assert_eq!(repeated, one_by_one, "{x} × {times}");
                }
            }
        }
    }

    #[test]
    fn merge_crosses_the_limit_into_the_same_sketch() {
        let values = sample(EXACT_LIMIT + 5_000, 10);
        let whole = store_of(&values);
        let (a, b) = values.split_at(70_000);
        let mut left = store_of(a);
        left.merge(&store_of(b));
        let mut right = store_of(b);
        right.merge(&store_of(a));
        assert_eq!(left, whole);
        assert_eq!(right, whole);
        // Below the limit: concatenation, the quantiles of the multiset.
        let (a, b) = values[..100_000].split_at(30_000);
        let mut small = store_of(b);
        small.merge(&store_of(a));
        assert!(small.is_exact());
        assert_eq!(small.quantiles(PROBS), exact_quantiles(&values[..100_000]));
    }

    #[test]
    fn serialises_and_reads_back() {
        for store in [
            store_of(&sample(1_000, 12)),
            store_of(&sample(EXACT_LIMIT + 1, 13)),
            {
                let mut s = QuantileStore::integers();
                for x in [0.0, 3.0, 3.0, 7.0] {
                    s.push(x);
                }
                s
            },
            QuantileStore::new(),
        ] {
            let json = serde_json::to_string(&store).unwrap();
            let back: QuantileStore = serde_json::from_str(&json).unwrap();
            assert_eq!(back, store);
        }
        let bad = r#"{"count": 3, "min": 1.0, "max": 2.0, "exact": [1.0, 2.0]}"#;
        assert!(serde_json::from_str::<QuantileStore>(bad).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// However the values are cut into parts and in whatever order the parts are merged,
        /// the result is the same store (bit for bit).
        #[test]
        fn merging_any_split_in_any_order_gives_the_same_store(
            seed in 0u64..1_000,
            n in prop_oneof![1usize..2_000, 125_000usize..140_000],
            cuts in proptest::collection::vec(0.0f64..1.0, 0..6),
            reverse in any::<bool>(),
        ) {
            let values = sample(n, seed);
            let whole = store_of(&values);
            let mut bounds: Vec<usize> = cuts.iter().map(|c| (c * n as f64) as usize).collect();
            bounds.push(0);
            bounds.push(n);
            bounds.sort_unstable();
            let mut parts: Vec<QuantileStore> =
                bounds.windows(2).map(|w| store_of(&values[w[0]..w[1]])).collect();
            if reverse {
                parts.reverse();
            }
            let mut merged = QuantileStore::new();
            for part in &parts {
                merged.merge(part);
            }
            prop_assert_eq!(merged.count(), whole.count());
            prop_assert_eq!(merged.is_exact(), whole.is_exact());
            prop_assert_eq!(
                merged.quantiles(PROBS).map(f64::to_bits),
                whole.quantiles(PROBS).map(f64::to_bits)
            );
            if !whole.is_exact() {
                prop_assert_eq!(&merged, &whole);
            }
        }
    }
}
