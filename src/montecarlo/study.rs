//! Several variants of a job (the points of a sweep, the scenarios of a comparison) simulated
//! over the same run indices under one seed, through the scheduler and the block loop of
//! `spotsim run` ([`crate::montecarlo::blocks`], [`Sides::simulate_block`]).
//!
//! Invariants:
//! - **The statistics of `run`.** Each variant accumulates its own [`ScenarioStats`], block by
//!   block in block order, exactly as [`crate::montecarlo::stream_scenario`] does for its
//!   scenario (with the study's runs and seed): every summary of a variant is, to the bit, what
//!   `spotsim run` prints for it.
//! - **Common random numbers.** Run `i` of every variant draws from generators seeded from
//!   `(seed, i)`, so what the variants share (the job, the market) lines up run by run; a
//!   [`Collect`]or sees run `i` of each variant and keeps what the study pairs across them.
//! - **Memory that does not grow with the runs.** Up to [`EXACT_LIMIT`] runs (at most two blocks
//!   per variant), the variants run one after the other, block by block (a task is one block of
//!   one variant), and each variant's statistics are handed over as soon as its last block is
//!   in: the study pairs the few values it kept per run ([`crate::stats::paired`], exact). Beyond
//!   the limit a task is one block of run indices for *every* variant, simulated on one thread,
//!   so that the collector can pair the variants inside the block and keep only per-block
//!   moments (streamed); the variants' statistics are then all alive, as sketches, until the
//!   last block.
//! - **One on-demand job, simulated once.** Variants whose on-demand job is the same (a sweep of
//!   a spot-only key) share its runs: the first to simulate a block keeps its records and
//!   figures, the others copy them, or simulate the block themselves when it is not there yet;
//!   the same records either way, so no figure depends on which.
//! - **Determinism.** Tasks are appended in task order, so every figure is the same for any
//!   thread count.

use std::ops::{ControlFlow, Range};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::engine::RunRecord;
use crate::montecarlo::blocks::{Ended, stream_ordered, window};
use crate::montecarlo::cancel::Cancel;
use crate::montecarlo::{OnDemandBlock, OnDemandRuns, Sides};
use serde::{Deserialize, Serialize};

use crate::scenario::Scenario;
use crate::stats::accumulate::{BlockStats, ScenarioStats, block_count, block_runs};
use crate::stats::held::HeldTime;
use crate::stats::paired::PairedStore;
use crate::stats::sketch::{EXACT_LIMIT, QuantileStore};

/// Whether a study of `runs` runs per variant keeps per-run values for exact paired statistics
/// (at most [`EXACT_LIMIT`] runs), rather than streaming them: the same rule as a quantile
/// store's exact/sketch rule, so the outputs of up to 131,072 runs are exact.
pub fn pairs_exactly(runs: u64) -> bool {
    runs <= EXACT_LIMIT as u64
}

/// What a study keeps of each run besides the variants' own statistics (its paired columns,
/// sections, sums), block by block. The collector itself is the study's configuration, shared
/// by the threads; its state lives in [`Collect::Block`]s and in one [`Collect::Total`].
pub trait Collect: Sync {
    /// What is kept of one task: one block of run indices for the variants `group`.
    type Block: Send;
    /// What is kept of all the tasks appended so far.
    type Total: Send;

    /// An empty block for the variants `group` over run indices `runs`, made on the scheduling
    /// thread from the total as it is (a store may take the total's form, as
    /// [`crate::stats::sketch::QuantileStore::empty_part`]).
    fn start_block(
        &self,
        total: &Self::Total,
        group: Range<usize>,
        runs: Range<u64>,
    ) -> Self::Block;

    /// Run `run` of variant `variant`, on the worker thread, in run order per variant (the
    /// variants of a group one after the other). `spot` is `None` without spot.
    fn push(
        &self,
        block: &mut Self::Block,
        variant: usize,
        run: u64,
        spot: Option<&RunRecord>,
        on_demand: &RunRecord,
    );

    /// Called on the worker once the block's runs are all pushed: the place for per-block
    /// pairing, which needs every variant's values of the block.
    fn finish_block(&self, _block: &mut Self::Block) {}

    /// Appends a block to the total, in task order.
    fn append(&self, total: &mut Self::Total, block: Self::Block);
}

/// Keeps nothing.
impl Collect for () {
    type Block = ();
    type Total = ();
    fn start_block(&self, (): &(), _: Range<usize>, _: Range<u64>) {}
    #[inline]
    fn push(&self, (): &mut (), _: usize, _: u64, _: Option<&RunRecord>, _: &RunRecord) {}
    fn append(&self, (): &mut (), (): ()) {}
}

/// Two collectors side by side.
impl<A: Collect, B: Collect> Collect for (A, B) {
    type Block = (A::Block, B::Block);
    type Total = (A::Total, B::Total);

    fn start_block(
        &self,
        total: &Self::Total,
        group: Range<usize>,
        runs: Range<u64>,
    ) -> Self::Block {
        (
            self.0.start_block(&total.0, group.clone(), runs.clone()),
            self.1.start_block(&total.1, group, runs),
        )
    }

    #[inline]
    fn push(
        &self,
        block: &mut Self::Block,
        variant: usize,
        run: u64,
        spot: Option<&RunRecord>,
        on_demand: &RunRecord,
    ) {
        self.0.push(&mut block.0, variant, run, spot, on_demand);
        self.1.push(&mut block.1, variant, run, spot, on_demand);
    }

    fn finish_block(&self, block: &mut Self::Block) {
        self.0.finish_block(&mut block.0);
        self.1.finish_block(&mut block.1);
    }

    fn append(&self, total: &mut Self::Total, block: Self::Block) {
        self.0.append(&mut total.0, block.0);
        self.1.append(&mut total.1, block.1);
    }
}

/// A stop was requested through the [`Cancel`] token: the study's results are incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// Most blocks of on-demand runs kept for other variants at once (a block's records are about
/// 9 MB, its figures up to 5 MB more): enough for the variants that share an on-demand job to
/// follow one another, as they do in a sweep of a spot-only key (one group: its two blocks up to
/// the exact limit, one block at a time beyond), and for up to four groups taking turns, as in a
/// sweep of a spot key and another key of four values or fewer.
const MAX_SHARED_BLOCKS: usize = 4;

/// On-demand runs simulated once for the variants that share their on-demand job
/// ([`Sides::same_on_demand`]): the first of them to simulate a block offers its records, the
/// next ones read them if they are there when they start the block, and simulate the block
/// themselves otherwise (the same records either way, so the figures never depend on it; no
/// thread ever waits for another).
struct SharedOnDemand {
    /// Per variant, the first variant with the same on-demand runs, when a later one shares
    /// them and they are not a constant run.
    group: Vec<Option<usize>>,
    /// Per variant, whether a later variant shares its on-demand runs.
    shared_later: Vec<bool>,
    /// Blocks offered: `(group, block, runs)`.
    blocks: Mutex<Vec<(usize, u64, Arc<OnDemandBlock>)>>,
}

impl SharedOnDemand {
    fn new(sides: &[Sides]) -> SharedOnDemand {
        let first_same = |v: usize| {
            (!sides[v].on_demand_is_constant())
                .then(|| (0..v).find(|&u| sides[u].same_on_demand(&sides[v])))
                .flatten()
        };
        let mut group = vec![None; sides.len()];
        let mut shared_later = vec![false; sides.len()];
        for v in 0..sides.len() {
            if let Some(first) = first_same(v) {
                group[v] = Some(first);
                group[first] = Some(first);
                // Every variant of the group before `v` is followed by one that shares.
                for (u, later) in shared_later.iter_mut().enumerate().take(v) {
                    if group[u] == Some(first) {
                        *later = true;
                    }
                }
            }
        }
        SharedOnDemand {
            group,
            shared_later,
            blocks: Mutex::new(Vec::new()),
        }
    }

    /// The runs of `block` offered for `variant`'s group, if any.
    fn get(&self, variant: usize, block: u64) -> Option<Arc<OnDemandBlock>> {
        let group = self.group[variant]?;
        let blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        blocks
            .iter()
            .find(|(g, b, _)| *g == group && *b == block)
            .map(|(_, _, records)| Arc::clone(records))
    }

    /// Offers `variant`'s runs of `block` (complete: `runs` of them) to the later variants of
    /// its group, when there is room.
    fn offer(&self, variant: usize, block: u64, kept: OnDemandBlock, runs: usize) {
        let Some(group) = self.group[variant] else {
            return;
        };
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        let known = blocks.iter().any(|(g, b, _)| *g == group && *b == block);
        let complete = kept.records.len() == runs && kept.stores.is_some();
        if complete && !known && blocks.len() < MAX_SHARED_BLOCKS {
            blocks.push((group, block, Arc::new(kept)));
        }
    }

    /// Drops the records of `block` once the last variant of the group has it.
    fn done(&self, variant: usize, block: u64) {
        if let (Some(group), false) = (self.group[variant], self.shared_later[variant]) {
            let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
            blocks.retain(|(g, b, _)| !(*g == group && *b == block));
        }
    }
}

/// Each variant's statistics while a study runs, until handed over: shared between the
/// scheduling thread (which appends the blocks in order) and the workers (which merge their
/// sketches as soon as they have them, [`ScenarioStats::merge_sketches`]).
type Shared = Vec<Mutex<Option<ScenarioStats>>>;

/// A variant's statistics, locked; a poisoned lock (a panic elsewhere, raised again by the
/// scheduler) still gives them.
fn lock(stats: &Mutex<Option<ScenarioStats>>) -> MutexGuard<'_, Option<ScenarioStats>> {
    stats.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One task: a block of run indices for some variants.
struct Task<B> {
    /// The variants.
    group: Range<usize>,
    /// Their accumulated runs, in `group` order.
    stats: Vec<BlockStats>,
    /// What the collector keeps of them.
    collected: B,
}

/// Runs the run indices of `blocks` (all of them: [`all_blocks`]; a shard's:
/// [`crate::montecarlo::shard::Shard::blocks`]) of `runs` runs of every variant under `seed` on
/// the current rayon pool (see the module documentation), feeding every run to `collect`. Each variant's statistics are handed
/// to `finished(variant, stats)` once its last block is in (up to [`EXACT_LIMIT`] runs one
/// variant after the other, those that share their on-demand runs together; beyond, all at the
/// end, in variant order); returns the collector's total. Adds every run
/// simulated to `done`, for a progress display.
///
/// # Errors
/// [`Cancelled`] after a stop request through `cancel`; the variants handed over before it are
/// complete, the rest never will be.
#[allow(clippy::too_many_arguments)]
pub fn run_study<C: Collect>(
    variants: &[&Scenario],
    runs: u64,
    seed: u64,
    blocks: Range<u64>,
    collect: &C,
    collected: C::Total,
    done: &AtomicU64,
    cancel: &Cancel,
    mut finished: impl FnMut(usize, ScenarioStats) + Send,
) -> Result<C::Total, Cancelled> {
    let sides: Vec<Sides> = variants.iter().map(|s| Sides::new(s, seed)).collect();
    let on_demand_share = SharedOnDemand::new(&sides);
    let on_demand_share = &on_demand_share;
    let first_block = blocks.start;
    let last_block = blocks.end;
    let blocks = blocks.end.saturating_sub(blocks.start);
    let exact = pairs_exactly(runs);
    let stats = sides
        .iter()
        .map(|sides| {
            let mut stats = ScenarioStats::new(sides.is_spot(), first_block);
            // As `spotsim run` does for a simulation that will count more than the limit.
            if runs > EXACT_LIMIT as u64 {
                stats.sketch_from_start();
            }
            Mutex::new(Some(stats))
        })
        .collect();
    let shared: &Shared = &stats;
    // Exactly, the variants one after the other, those that share their on-demand runs
    // together (the order changes no figure: each variant's blocks stay in block order).
    let mut order: Vec<usize> = (0..sides.len()).collect();
    order.sort_by_key(|&v| on_demand_share.group[v].unwrap_or(v));
    // Task `t`: exactly, block `t % blocks` of variant `order[t / blocks]`; streamed, block `t`
    // of all.
    let task_of = |t: u64| -> (Range<usize>, u64) {
        if exact {
            let variant = order[(t / blocks) as usize];
            (variant..variant + 1, first_block + t % blocks)
        } else {
            (0..sides.len(), first_block + t)
        }
    };
    let tasks = if exact {
        blocks * sides.len() as u64
    } else {
        blocks
    };
    let mut total = collected;
    // A task of `n` variants weighs `n` blocks.
    let weight = if exact { 1 } else { sides.len() as u64 };
    let ended = stream_ordered(
        &mut total,
        0..tasks,
        window(weight),
        cancel,
        |total: &C::Total, t| {
            let (group, block) = task_of(t);
            let range = block_runs(block, runs);
            let size = (range.end - range.start) as usize;
            Task {
                stats: group
                    .clone()
                    .map(|v| match &*lock(&shared[v]) {
                        Some(stats) => stats.empty_block(size),
                        None => unreachable!("a variant is handed over after its last block"),
                    })
                    .collect(),
                collected: collect.start_block(total, group.clone(), range),
                group,
            }
        },
        |t, mut task: Task<C::Block>| {
            let (_, block) = task_of(t);
            let range = block_runs(block, runs);
            let Task {
                group,
                stats,
                collected,
            } = &mut task;
            for (variant, acc) in group.clone().zip(stats.iter_mut()) {
                let each = |run: u64, spot: Option<&RunRecord>, on_demand: &RunRecord| {
                    collect.push(collected, variant, run, spot, on_demand);
                    Ok::<(), std::convert::Infallible>(())
                };
                let given = on_demand_share.get(variant, block);
                let mut kept = OnDemandBlock::default();
                let on_demand = match &given {
                    Some(records) => OnDemandRuns::Given(records),
                    None if on_demand_share.shared_later[variant] => OnDemandRuns::Keep(&mut kept),
                    None => OnDemandRuns::Simulate,
                };
                let simulated = sides[variant].simulate_block_sharing(
                    range.clone(),
                    acc,
                    done,
                    cancel,
                    on_demand,
                    each,
                );
                if let Err(never) = simulated {
                    match never {}
                }
                if given.is_none() && on_demand_share.shared_later[variant] {
                    on_demand_share.offer(variant, block, kept, (range.end - range.start) as usize);
                }
                on_demand_share.done(variant, block);
                // The variant's sketches go to its total now: only one variant's are held per
                // thread, however many variants a block has and however many blocks wait.
                if let Some(total) = &mut *lock(&shared[variant]) {
                    total.merge_sketches(acc);
                }
            }
            // A stop request ends the variants' loops part-way, at different runs: the block
            // is dropped unappended, and its columns must not be paired. (Once a loop has
            // stopped, the request is seen here.)
            if !cancel.requested() {
                collect.finish_block(collected);
            }
            Ok::<_, std::convert::Infallible>(task)
        },
        |total, t, task| {
            let (_, block) = task_of(t);
            for (variant, acc) in task.group.clone().zip(&task.stats) {
                if let Some(stats) = &mut *lock(&shared[variant]) {
                    stats.push_block(acc);
                }
            }
            collect.append(total, task.collected);
            if block + 1 == last_block {
                for variant in task.group {
                    let handed = lock(&shared[variant]).take();
                    if let Some(stats) = handed {
                        finished(variant, stats);
                    }
                }
            }
            Ok(ControlFlow::Continue(()))
        },
    );
    // A shard without blocks hands over each variant's (empty) statistics here.
    if matches!(ended, Ok(Ended::Finished)) {
        for (variant, stats) in shared.iter().enumerate() {
            let handed = lock(stats).take();
            if let Some(stats) = handed {
                finished(variant, stats);
            }
        }
    }
    match ended {
        Ok(Ended::Finished | Ended::Stopped) => Ok(total),
        Ok(Ended::Cancelled) => Err(Cancelled),
        Err(never) => match never {},
    }
}

/// How many runs a study simulates in all (both sides where spot is enabled), for progress.
pub fn total_runs(variants: &[&Scenario], runs: u64) -> u64 {
    variants
        .iter()
        .map(|s| runs * if s.is_spot() { 2 } else { 1 })
        .sum()
}

/// Every block of a study of `runs` runs.
pub fn all_blocks(runs: u64) -> Range<u64> {
    0..block_count(runs)
}

/// What a study keeps across its variants besides their own statistics, in one shape for every
/// study (each fills what it needs): the paired columns, the percentile sections, the capacity
/// held. A shard's is appended to the next shard's in block order ([`StudyPart::append`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyTotal {
    /// The paired columns (a shard's, streamed, per block: [`PairedStore::Blocks`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs: Option<PairedStore>,
    /// Per variant, the stores of a percentile's sections of run indices (empty without).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Vec<QuantileStore>>,
    /// Per variant, the capacity held (empty when no advice needs it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<HeldTime>,
}

/// What a study (or a shard of it) simulated: each variant's statistics and the study's total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyPart {
    /// Per variant, the statistics of the blocks simulated.
    pub variants: Vec<ScenarioStats>,
    /// What the study kept across the variants.
    pub total: StudyTotal,
}

impl StudyPart {
    /// Appends `later`, the part of the blocks after this one's.
    ///
    /// # Errors
    /// Parts of other blocks, variants or forms.
    pub fn append(&mut self, later: StudyPart) -> Result<(), String> {
        if later.variants.len() != self.variants.len()
            || later.total.sections.len() != self.total.sections.len()
            || later.total.held.len() != self.total.held.len()
            || later.total.pairs.is_some() != self.total.pairs.is_some()
        {
            return Err("a study part of other variants than the first part's".to_string());
        }
        for (mine, theirs) in self.variants.iter_mut().zip(later.variants) {
            mine.append(theirs)?;
        }
        if let (Some(mine), Some(theirs)) = (&mut self.total.pairs, later.total.pairs) {
            mine.append_store(theirs)?;
        }
        for (mine, theirs) in self.total.sections.iter_mut().zip(later.total.sections) {
            if mine.len() != theirs.len() {
                return Err("percentile sections of another number than the first part's".into());
            }
            for (mine, theirs) in mine.iter_mut().zip(&theirs) {
                mine.merge(theirs);
            }
        }
        for (mine, theirs) in self.total.held.iter_mut().zip(later.total.held) {
            mine.append_total(theirs);
        }
        Ok(())
    }

    /// What is wrong with the part's study statistics as read from a file (the variants'
    /// own statistics are checked with the part).
    pub fn check(&self) -> Result<(), String> {
        if let Some(pairs) = &self.total.pairs {
            pairs.check()?;
        }
        self.total.held.iter().try_for_each(HeldTime::check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::stream_scenario;
    use crate::montecarlo::tests::{SCENARIO, in_pool};
    use crate::scenario::parse_scenario;

    /// Counts each variant's runs and sums their spot cost in run order.
    struct Sums;

    impl Collect for Sums {
        type Block = Vec<(usize, u64, f64)>;
        type Total = Vec<(usize, u64, f64)>;
        fn start_block(&self, _: &Self::Total, _: Range<usize>, _: Range<u64>) -> Self::Block {
            Vec::new()
        }
        fn push(
            &self,
            block: &mut Self::Block,
            variant: usize,
            run: u64,
            spot: Option<&RunRecord>,
            on_demand: &RunRecord,
        ) {
            block.push((variant, run, spot.unwrap_or(on_demand).cost_usd));
        }
        fn append(&self, total: &mut Self::Total, block: Self::Block) {
            total.extend(block);
        }
    }

    fn variants(runs: u64) -> Vec<Scenario> {
        let base = parse_scenario(SCENARIO, "t.toml").unwrap();
        let on_demand = parse_scenario(
            &SCENARIO
                .replace("enabled = true", "enabled = false")
                .replace("max_wait = \"5h\"", ""),
            "od.toml",
        )
        .unwrap();
        let mut dearer = base.clone();
        dearer.job.instance_count = 2;
        // The same on-demand job as `base`: its on-demand runs are read from base's.
        let cheaper = parse_scenario(
            &SCENARIO.replace("discount = 0.7", "discount = 0.5"),
            "cheaper.toml",
        )
        .unwrap();
        [base, on_demand, dearer, cheaper]
            .into_iter()
            .map(|mut s| {
                // The study's runs and seed, not the file's: `run` must agree with them.
                s.simulation.runs = runs;
                s.simulation.seed = 7;
                s
            })
            .collect()
    }

    #[test]
    fn every_variant_gets_exactly_the_statistics_of_run_in_both_modes() {
        for runs in [70_000, 140_000] {
            let scenarios = variants(runs);
            let refs: Vec<&Scenario> = scenarios.iter().collect();
            for threads in [1, 3] {
                let mut handed = Vec::new();
                let done = AtomicU64::new(0);
                let seen = in_pool(threads, || {
                    run_study(
                        &refs,
                        runs,
                        7,
                        all_blocks(runs),
                        &Sums,
                        Vec::new(),
                        &done,
                        &Cancel::new(),
                        |v, stats| handed.push((v, stats)),
                    )
                })
                .unwrap();
                assert_eq!(done.load(std::sync::atomic::Ordering::Relaxed), {
                    total_runs(&refs, runs)
                });
                // Exactly, variants 1 and 3 share variant 0's on-demand runs and follow it.
                let order: Vec<usize> = handed.iter().map(|(v, _)| *v).collect();
                let expected = if pairs_exactly(runs) {
                    [0, 1, 3, 2]
                } else {
                    [0, 1, 2, 3]
                };
                assert_eq!(order, expected);
                for (v, stats) in &handed {
                    let alone = in_pool(2, || stream_scenario(&scenarios[*v]));
                    assert_eq!(*stats, alone, "variant {v}, {runs} runs, {threads} threads");
                }
                // Every run of every variant, once, in run order per variant.
                for v in 0..4 {
                    let runs_seen: Vec<u64> = seen
                        .iter()
                        .filter(|(w, ..)| *w == v)
                        .map(|(_, run, _)| *run)
                        .collect();
                    assert_eq!(runs_seen, (0..runs).collect::<Vec<_>>());
                }
            }
        }
    }

    #[test]
    fn variants_share_on_demand_runs_only_when_their_on_demand_job_is_the_same() {
        let scenarios = variants(1000);
        let sides: Vec<Sides> = scenarios.iter().map(|s| Sides::new(s, 7)).collect();
        let shared = SharedOnDemand::new(&sides);
        assert_eq!(shared.group[3], Some(0));
        // On-demand, the scenario without spot runs the very job of the one with spot.
        assert_eq!(shared.group[1], Some(0));
        assert_eq!(shared.group[2], None);
        assert!(shared.shared_later[0] && !shared.shared_later[3]);
    }

    #[test]
    fn a_cancelled_study_says_so() {
        let scenarios = variants(300_000);
        let refs: Vec<&Scenario> = scenarios.iter().collect();
        let cancel = Cancel::new();
        cancel.request();
        let result = run_study(
            &refs,
            300_000,
            7,
            all_blocks(300_000),
            &(),
            (),
            &AtomicU64::new(0),
            &cancel,
            |_, _| unreachable!("nothing finishes"),
        );
        assert_eq!(result, Err(Cancelled));
    }

    /// Pairs every two variants' spot costs, and requests a stop at run `stop_at` of the last
    /// variant: the other variants' loops have run further by then.
    struct StopsPart {
        pairing: crate::stats::paired::Pairing,
        cancel: Cancel,
        stop_at: u64,
    }

    impl Collect for StopsPart {
        type Block = crate::stats::paired::PairedBlock;
        type Total = crate::stats::paired::PairedStore;
        fn start_block(
            &self,
            _: &Self::Total,
            group: Range<usize>,
            runs: Range<u64>,
        ) -> Self::Block {
            self.pairing
                .start_block(group, (runs.end - runs.start) as usize)
        }
        fn push(
            &self,
            block: &mut Self::Block,
            variant: usize,
            run: u64,
            spot: Option<&RunRecord>,
            on_demand: &RunRecord,
        ) {
            block.push(variant, spot.unwrap_or(on_demand).cost_usd);
            if variant == 2 && run == self.stop_at {
                self.cancel.request();
            }
        }
        fn finish_block(&self, block: &mut Self::Block) {
            self.pairing.finish_block(block);
        }
        fn append(&self, total: &mut Self::Total, block: Self::Block) {
            self.pairing.append(total, block);
        }
    }

    #[test]
    fn a_stop_in_the_middle_of_a_block_drops_it_without_pairing_it() {
        let runs = 300_000;
        let scenarios = variants(runs);
        let refs: Vec<&Scenario> = scenarios.iter().collect();
        let collect = StopsPart {
            pairing: crate::stats::paired::Pairing::new(3, vec![(0, 1), (0, 2)], runs),
            cancel: Cancel::new(),
            stop_at: 140_000,
        };
        let result = in_pool(2, || {
            run_study(
                &refs,
                runs,
                7,
                all_blocks(runs),
                &collect,
                collect.pairing.store(),
                &AtomicU64::new(0),
                &collect.cancel,
                |_, _| unreachable!("no variant finishes"),
            )
        });
        assert_eq!(result.err(), Some(Cancelled));
    }
}
