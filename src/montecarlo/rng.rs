//! Deterministic per-run random streams.
//!
//! Run `i` of a simulation with seed `s` gets two generators, one for the job's own durations
//! and one for the market, each seeded from `(s, i, stream)` through the SplitMix64 finaliser
//! (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"), a bijection on
//! 64-bit words. The generators are Xoshiro256++ (Blackman & Vigna 2021), seeded through
//! SplitMix64 as its authors recommend. A run's numbers therefore depend on `(s, i)` alone: not
//! on the thread that runs it, nor on the other runs.
//!
//! A generator is seeded at its first draw, not when it is made: seeding costs about as much
//! as a dozen events, and many runs never draw from one of their streams (an on-demand run has
//! no market events; constant durations draw nothing). The numbers are the same either way.

use std::convert::Infallible;

use rand::{Rng, SeedableRng, TryRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every run uses: Xoshiro256++ seeded from a stream key at its first draw.
#[derive(Debug, Clone)]
pub struct RunRng {
    key: u64,
    generator: Option<Xoshiro256PlusPlus>,
}

impl RunRng {
    /// The generator seeded with `key` (through SplitMix64, as
    /// `Xoshiro256PlusPlus::seed_from_u64(key)`), seeded when first drawn from.
    #[inline]
    pub fn new(key: u64) -> Self {
        RunRng {
            key,
            generator: None,
        }
    }

    /// Whether any number was drawn from this stream (its generator was seeded).
    pub fn was_drawn(&self) -> bool {
        self.generator.is_some()
    }

    #[inline(always)]
    fn generator(&mut self) -> &mut Xoshiro256PlusPlus {
        let key = self.key;
        self.generator.get_or_insert_with(|| seeded(key))
    }
}

/// Out of line: once per stream, where the draws are many.
#[cold]
#[inline(never)]
fn seeded(key: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(key)
}

impl TryRng for RunRng {
    type Error = Infallible;

    #[inline(always)]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.generator().next_u32())
    }

    #[inline(always)]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.generator().next_u64())
    }

    #[inline]
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        self.generator().fill_bytes(dest);
        Ok(())
    }
}

/// Which of a run's random streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// Job durations: training length, provisioning, downloads, saves, restores, uploads.
    Job = 1,
    /// Market events: capacity waits and reclaims.
    Market = 2,
    /// A fleet workload's submissions in one month ([`crate::fleet`]).
    Arrivals = 3,
    /// A market shared by a fleet's jobs in one month: its path, or where in a trace it starts.
    SharedMarket = 4,
}

/// SplitMix64's output function: a bijective mix of a 64-bit word.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 64-bit key of stream `stream` of run `run` under `seed`.
#[inline]
pub fn stream_key(seed: u64, run: u64, stream: Stream) -> u64 {
    splitmix64(splitmix64(splitmix64(seed) ^ run) ^ stream as u64)
}

/// The generator of stream `stream` of run `run` under `seed`.
#[inline]
pub fn run_rng(seed: u64, run: u64, stream: Stream) -> RunRng {
    RunRng::new(stream_key(seed, run, stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = run_rng(1, 7, Stream::Job).next_u64();
        assert_eq!(a, run_rng(1, 7, Stream::Job).next_u64());
        assert_ne!(a, run_rng(1, 7, Stream::Market).next_u64());
        assert_ne!(a, run_rng(1, 8, Stream::Job).next_u64());
        assert_ne!(a, run_rng(2, 7, Stream::Job).next_u64());
    }

    #[test]
    fn a_stream_draws_what_its_eagerly_seeded_generator_draws() {
        let key = stream_key(3, 11, Stream::Market);
        let mut eager = Xoshiro256PlusPlus::seed_from_u64(key);
        let mut lazy = run_rng(3, 11, Stream::Market);
        let mut bytes = [[0u8; 13]; 2];
        eager.fill_bytes(&mut bytes[0]);
        lazy.fill_bytes(&mut bytes[1]);
        assert_eq!(bytes[0], bytes[1]);
        for _ in 0..100 {
            assert_eq!(lazy.next_u64(), eager.next_u64());
            assert_eq!(lazy.next_u32(), eager.next_u32());
        }
    }

    #[test]
    fn keys_do_not_collide_over_many_runs() {
        let mut keys: Vec<u64> = (0..100_000)
            .flat_map(|run| {
                [
                    stream_key(1, run, Stream::Job),
                    stream_key(1, run, Stream::Market),
                ]
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 200_000);
    }
}
