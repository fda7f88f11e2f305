//! Shards: one simulation split across machines by contiguous ranges of whole blocks of run
//! indices (or of months, for a fleet), numbered from 1.
//!
//! Run `i` depends only on `(seed, i)` ([`crate::montecarlo::rng`]), and the statistics of
//! consecutive blocks of [`crate::stats::accumulate::BLOCK_RUNS`] run indices append to the bits
//! of a single pass ([`crate::stats::accumulate::ScenarioStats::append`]). So shard `K` of `N`
//! simulates the blocks [`Shard::blocks`] and the part files of [`crate::parts`], appended in
//! block order, give the figures of one machine, whatever `N`.
//!
//! Shards are numbered from 1 (`--shard 1/3` .. `--shard 3/3`); the array-job indices of the
//! schedulers ([`ENV_VARS`]) count from 0, and [`Shard::from_index`] adds the 1.

use std::ops::Range;

use crate::stats::accumulate::{block_count, block_runs};

/// The environment variables an array job's index is read from, first set first: Kubernetes
/// Indexed Jobs, AWS Batch array jobs (both from 0), Slurm job arrays (whatever `--array`
/// says: give `--array=0-(N-1)`).
pub const ENV_VARS: [&str; 3] = [
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "SLURM_ARRAY_TASK_ID",
];

/// Shard `index` of `count`, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `1..=count`.
    pub index: u64,
    /// How many shards in all, at least 1.
    pub count: u64,
}

impl Shard {
    /// `K/N` as on the command line, `1 <= K <= N`.
    ///
    /// # Errors
    /// A message saying what is wrong with `text`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not K/N: give e.g. 2/8 (shard 2 of 8)"))?;
        let number = |part: &str, what: &str| {
            part.trim()
                .parse::<u64>()
                .map_err(|_| format!("`{text}`: {what} `{part}` is not a whole number"))
        };
        let (index, count) = (number(k, "K")?, number(n, "N")?);
        if count == 0 {
            return Err(format!("`{text}`: N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "`{text}`: K counts from 1 to N ({count}); an array job's index from 0 is \
                 read by --shard-from-env {count}"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard of a 0-based array index, `index < count`.
    ///
    /// # Errors
    /// When the index is not below `count`.
    pub fn from_index(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("the number of shards must be at least 1".to_string());
        }
        if index >= count {
            return Err(format!(
                "index {index} is not one of the {count} shards' indices, 0 to {}",
                count - 1
            ));
        }
        Ok(Shard {
            index: index + 1,
            count,
        })
    }

    /// The shard of `count` whose 0-based index is in the first of [`ENV_VARS`] that `var`
    /// finds set (and not empty).
    ///
    /// # Errors
    /// When none is set, or the first set is not an index below `count`.
    pub fn from_env(count: u64, var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let found = ENV_VARS
            .iter()
            .find_map(|name| var(name).filter(|v| !v.is_empty()).map(|v| (*name, v)));
        let Some((name, value)) = found else {
            return Err(format!(
                "--shard-from-env {count}: none of {} is set: run it as an array job, or give \
                 --shard K/{count}",
                ENV_VARS.join(", ")
            ));
        };
        let index = value.trim().parse::<u64>().map_err(|_| {
            format!("--shard-from-env {count}: {name}={value} is not a whole number")
        })?;
        Shard::from_index(index, count).map_err(|reason| {
            let hint = if name == "SLURM_ARRAY_TASK_ID" {
                format!(
                    " (submit with sbatch --array=0-{})",
                    count.saturating_sub(1)
                )
            } else {
                String::new()
            };
            format!("--shard-from-env {count}: {name}={value}: {reason}{hint}")
        })
    }

    /// The blocks of this shard among `blocks` blocks: contiguous, in shard order, their sizes
    /// differing by at most one. With more shards than blocks, some shards have none.
    pub fn blocks(self, blocks: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(k) * u128::from(blocks) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }

    /// The run indices of this shard in a simulation of `runs` runs.
    pub fn runs(self, runs: u64) -> Range<u64> {
        let blocks = self.blocks(block_count(runs));
        let start = block_runs(blocks.start, runs).start;
        if blocks.is_empty() {
            return start..start;
        }
        start..block_runs(blocks.end - 1, runs).end
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_blocks_evenly_contiguously_and_completely() {
        for blocks in [0, 1, 4, 7, 1526] {
            for count in 1..=9 {
                let mut next = 0;
                for index in 1..=count {
                    let range = Shard { index, count }.blocks(blocks);
                    assert_eq!(range.start, next);
                    let size = range.end - range.start;
                    assert!(size == blocks / count || size == blocks / count + 1);
                    next = range.end;
                }
                assert_eq!(next, blocks);
            }
        }
        // 200,000 runs: 4 blocks, the last partial.
        let runs = |index, count| Shard { index, count }.runs(200_000);
        assert_eq!(runs(1, 3), 0..65_536);
        assert_eq!(runs(3, 3), 131_072..200_000);
        assert_eq!(runs(1, 8), 0..0);
        assert_eq!(runs(8, 8), 196_608..200_000);
    }

    #[test]
    fn shard_numbers_are_checked() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/2", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        assert_eq!(
            Shard::from_env(4, env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "3")])),
            Ok(Shard { index: 4, count: 4 })
        );
        // The first variable set wins; an empty one counts as unset.
        assert_eq!(
            Shard::from_env(
                4,
                env(&[("JOB_COMPLETION_INDEX", ""), ("SLURM_ARRAY_TASK_ID", "0")])
            ),
            Ok(Shard { index: 1, count: 4 })
        );
        let error = Shard::from_env(4, env(&[("SLURM_ARRAY_TASK_ID", "4")])).unwrap_err();
        assert!(error.contains("sbatch --array=0-3"), "{error}");
        assert!(
            Shard::from_env(4, env(&[]))
                .unwrap_err()
                .contains("none of")
        );
    }
}
