//! The capacity spot runs held and the reclaims they met, streamed block by block: what the
//! checkpoint advice reads of a simulation whose market is not memoryless
//! ([`crate::studies::advice::IntervalAdvice::observed_held`]).

use serde::{Deserialize, Serialize};

use crate::engine::RunRecord;

/// What the advice reads of spot runs: the reclaims they met and the time they held capacity
/// (wall time less capacity waits).
///
/// The held time is kept as one sum per block of runs (each added in run order), and the total
/// is the sum of the blocks' sums in block order: so the blocks of shards, appended in block
/// order ([`HeldTime::append_total`]), give the very bits of one machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeldTime {
    /// Interruptions, all runs together.
    pub interruptions: u64,
    /// Per block, in block order, the seconds of capacity its runs held, added in run order.
    block_held_s: Vec<f64>,
}

/// One block's share of a [`HeldTime`]: its runs' held times, kept until the block is appended
/// so that the block's sum is added in run order whatever thread computed the block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeldBlock {
    interruptions: u64,
    held_s: Vec<f64>,
    /// Whether anything is kept (see [`crate::studies::advice::IntervalAdvice::needs_runs`]).
    kept: bool,
}

impl HeldTime {
    /// The held time of kept spot runs, as one block.
    pub fn of_records(runs: &[RunRecord]) -> HeldTime {
        HeldTime {
            interruptions: runs.iter().map(|r| u64::from(r.interruptions)).sum(),
            block_held_s: vec![sum_in_order(runs.iter().map(|r| r.wall_s - r.waiting_s))],
        }
    }

    /// Seconds of capacity held, all runs together: the blocks' sums added in block order.
    pub fn held_s(&self) -> f64 {
        sum_in_order(self.block_held_s.iter().copied())
    }

    /// Adds a block's runs after those seen.
    pub fn append(&mut self, block: HeldBlock) {
        self.interruptions += block.interruptions;
        if block.kept {
            self.block_held_s
                .push(sum_in_order(block.held_s.into_iter()));
        }
    }

    /// Adds the blocks of `later` (a later shard's) after those seen.
    pub fn append_total(&mut self, later: HeldTime) {
        self.interruptions += later.interruptions;
        self.block_held_s.extend(later.block_held_s);
    }

    /// What is wrong with these figures as read from a file: a held time that is not a finite,
    /// non-negative number of seconds.
    pub fn check(&self) -> Result<(), String> {
        match self
            .block_held_s
            .iter()
            .find(|s| !(s.is_finite() && **s >= 0.0))
        {
            Some(bad) => Err(format!(
                "a block's held capacity is {} s: it must be a finite, non-negative number",
                crate::units::format::format_quoted_number(*bad)
            )),
            None => Ok(()),
        }
    }
}

/// `0 + x₁ + x₂ + …`, left to right.
fn sum_in_order(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |sum, x| sum + x)
}

impl HeldBlock {
    /// An empty block with room for `runs` runs; it keeps nothing unless `kept`.
    pub fn new(kept: bool, runs: usize) -> HeldBlock {
        HeldBlock {
            interruptions: 0,
            held_s: if kept {
                Vec::with_capacity(runs)
            } else {
                Vec::new()
            },
            kept,
        }
    }

    /// Adds a spot run.
    #[inline]
    pub fn push(&mut self, spot: &RunRecord) {
        if self.kept {
            self.interruptions += u64::from(spot.interruptions);
            self.held_s.push(spot.wall_s - spot.waiting_s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(held: &[f64]) -> HeldBlock {
        HeldBlock {
            interruptions: held.len() as u64,
            held_s: held.to_vec(),
            kept: true,
        }
    }

    #[test]
    fn shards_appended_in_order_give_the_bits_of_one_pass() {
        // Values whose sum depends on the grouping: 0.1 + 0.2 + 0.3 differs from 0.1 + (0.2 + 0.3).
        let blocks = [vec![0.1, 1e16], vec![0.2, -1e16], vec![0.3], vec![7.0, 0.7]];
        let mut one = HeldTime::default();
        for b in &blocks {
            one.append(block(b));
        }
        let mut first = HeldTime::default();
        let mut second = HeldTime::default();
        first.append(block(&blocks[0]));
        first.append(block(&blocks[1]));
        second.append(block(&blocks[2]));
        second.append(block(&blocks[3]));
        first.append_total(second);
        assert_eq!(first, one);
        assert_eq!(first.held_s().to_bits(), one.held_s().to_bits());
        assert_eq!(one.interruptions, 7);
        // The blocks' sums in block order: (0 + 1e16) + (0.2 − 1e16) + 0.3 + 7.7.
        let want = ((((0.1f64 + 1e16) + (0.2 - 1e16)) + 0.3) + (7.0 + 0.7)).to_bits();
        assert_eq!(one.held_s().to_bits(), want);
    }

    #[test]
    fn a_block_that_keeps_nothing_adds_nothing() {
        let mut held = HeldTime::default();
        held.append(HeldBlock::new(false, 4));
        assert_eq!(held, HeldTime::default());
        assert!(held.check().is_ok());
        let bad = HeldTime {
            interruptions: 1,
            block_held_s: vec![-1.0],
        };
        assert!(bad.check().unwrap_err().contains("-1"));
    }
}
