//! The ordered parallel block scheduler: every simulation (`spotsim run`, shards, sweeps,
//! comparisons, recommendations) computes its blocks of run indices here, in parallel, and
//! appends them to its total strictly in block order.
//!
//! Floating-point sums depend on the order of their terms, so a total must see its blocks in
//! one fixed order, never in the order threads finish them: then every figure is the same for
//! any thread count (bheisler/criterion.rs's `univariate` combines chunks as they finish; this
//! does not). Blocks run on the current rayon pool in a sliding window of at most
//! [`WAVE_BLOCKS_PER_THREAD`] per thread: a thread that finishes a block starts the next at
//! once instead of waiting for the slowest block of a wave, and memory holds the blocks in
//! flight, whatever the number of blocks.
//!
//! The scheduler knows nothing of what a block holds: it is generic over the total, the empty
//! block made from the total when the block is started (so that a block can take the total's
//! form: a sketch once the total is one, see [`crate::stats::sketch`]), and the filled block a
//! worker returns. It checks the [`Cancel`] token before starting each block; the block loops
//! check it too.

use std::collections::BTreeMap;
use std::ops::{ControlFlow, Range};

use crate::montecarlo::cancel::Cancel;

/// Blocks in flight per thread (started, not yet appended): enough that a thread always has
/// one to compute while an earlier block is still being finished elsewhere (with 2 per thread
/// the threads of a 2-core machine sat idle about a tenth of the time), few enough to stay
/// small in memory.
pub const WAVE_BLOCKS_PER_THREAD: u64 = 4;

/// How many blocks may be in flight on the current rayon pool when each holds `weight` blocks'
/// worth of work and state (a study's block of `weight` variants): [`WAVE_BLOCKS_PER_THREAD`]
/// per thread for plain blocks, fewer for heavier ones, so that memory grows less than the
/// weight; but at least two per thread. The thread that appends the blocks also computes some
/// of them, and it starts new blocks only between two of its own: with fewer than two per
/// thread in flight, the other threads run out of blocks while it computes (measured: a
/// 4-variant study on 2 threads with 3 in flight kept the threads busy 75 % of the time).
pub fn window(weight: u64) -> u64 {
    let threads = rayon::current_num_threads() as u64;
    (threads * WAVE_BLOCKS_PER_THREAD / weight.max(1)).max(2 * threads)
}

/// How a stream of blocks ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every block was appended.
    Finished,
    /// `append` asked to stop after a block; the blocks in flight after it were dropped.
    Stopped,
    /// A stop was requested through the [`Cancel`] token: the total is incomplete, and the
    /// caller must discard it.
    Cancelled,
}

/// Computes blocks `blocks` in parallel on the current rayon pool, at most `in_flight` at a
/// time ([`window`]), and appends them to `total` in block order.
///
/// - `start(total, b)` makes block `b`'s empty state, on the scheduling thread, from the total
///   as it is when the block is started;
/// - `fill(b, empty)` computes block `b` on a worker thread;
/// - `append(total, b, filled)` appends it, on the scheduling thread, strictly in block order;
///   [`ControlFlow::Break`] stops the stream there (the decision depends only on the blocks
///   appended so far, so it is the same for any thread count).
///
/// # Errors
/// The first error of `fill` or `append`, in block order; the blocks after it are dropped.
pub fn stream_ordered<T, S, B, E>(
    total: &mut T,
    blocks: Range<u64>,
    in_flight: u64,
    cancel: &Cancel,
    start: impl Fn(&T, u64) -> S + Send,
    fill: impl Fn(u64, S) -> Result<B, E> + Sync,
    mut append: impl FnMut(&mut T, u64, B) -> Result<ControlFlow<()>, E> + Send,
) -> Result<Ended, E>
where
    T: Send,
    S: Send,
    B: Send,
    E: Send,
{
    if blocks.is_empty() {
        return Ok(Ended::Finished);
    }
    let window = in_flight.max(1);
    let fill = &fill;
    let (sender, receiver) = std::sync::mpsc::channel();
    // First in, first out: a thread that looks for work, the appending one included, takes the
    // earliest block started, the next to be appended (rayon's default takes its own latest
    // first): blocks are appended sooner and wait less, and a study's variants that share
    // their on-demand runs meet them computed.
    rayon::scope_fifo(move |scope| {
        let receiver = receiver;
        let spawn = |total: &T, block: u64| {
            let empty = start(total, block);
            let sender = sender.clone();
            scope.spawn_fifo(move |_| {
                // After a stop request nothing more is computed. A panic is caught and sent
                // on, to be raised again on the scheduling thread: otherwise that thread would
                // wait for this block for ever.
                let output = (!cancel.requested()).then(|| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fill(block, empty)))
                });
                // The receiver lives until every spawned block is done.
                let _ = sender.send((block, output));
            });
        };
        let mut spawned = blocks.start;
        while spawned < blocks.end && spawned < blocks.start + window {
            spawn(total, spawned);
            spawned += 1;
        }
        let mut ready = BTreeMap::new();
        for next in blocks.clone() {
            let output = loop {
                if let Some(output) = ready.remove(&next) {
                    break output;
                }
                match receiver.try_recv() {
                    Ok((block, output)) => {
                        ready.insert(block, output);
                    }
                    // Waiting for the next block in order: help with the others meanwhile;
                    // when every block spawned is being computed, wait for one to finish (only
                    // this thread spawns, so nothing else can turn up).
                    Err(_) => {
                        if rayon::yield_now() != Some(rayon::Yield::Executed)
                            && let Ok((block, output)) = receiver.recv()
                        {
                            ready.insert(block, output);
                        }
                    }
                }
            };
            let output = match output {
                None => return Ok(Ended::Cancelled),
                Some(Ok(output)) => output,
                Some(Err(panic)) => std::panic::resume_unwind(panic),
            };
            // A block that saw the request part-way is incomplete: drop it.
            if cancel.requested() {
                return Ok(Ended::Cancelled);
            }
            if append(total, next, output?)?.is_break() {
                return Ok(Ended::Stopped);
            }
            if spawned < blocks.end {
                spawn(total, spawned);
                spawned += 1;
            }
        }
        Ok(Ended::Finished)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::tests::in_pool;

    /// A sum of many terms in block order: a fold whose bits depend on the order.
    fn ordered_sum(blocks: Range<u64>, threads: usize) -> (Vec<u64>, f64) {
        in_pool(threads, || {
            let mut total = (Vec::new(), 0.0f64);
            let ended = stream_ordered(
                &mut total,
                blocks,
                window(1),
                &Cancel::new(),
                |_, _| (),
                |b, ()| {
                    // Uneven work, so that blocks finish out of order.
                    let terms = 1 + (b * 7919) % 5000;
                    Ok::<_, ()>(
                        (0..terms)
                            .map(|i| 1.0 / (1.0 + (b * i) as f64))
                            .sum::<f64>(),
                    )
                },
                |total, b, x| {
                    total.0.push(b);
                    total.1 += x;
                    Ok(ControlFlow::Continue(()))
                },
            );
            assert_eq!(ended, Ok(Ended::Finished));
            total
        })
    }

    #[test]
    fn blocks_are_appended_in_order_whatever_the_thread_count() {
        let one = ordered_sum(0..200, 1);
        assert_eq!(one.0, (0..200).collect::<Vec<_>>());
        for threads in [2, 3, 8] {
            let many = ordered_sum(0..200, threads);
            assert_eq!(many.0, one.0);
            assert_eq!(many.1.to_bits(), one.1.to_bits());
        }
        assert_eq!(ordered_sum(5..5, 2).0, Vec::<u64>::new());
    }

    #[test]
    fn a_stop_ends_after_its_block_and_an_error_is_the_first_in_order() {
        let mut seen = Vec::new();
        let ended = in_pool(3, || {
            stream_ordered(
                &mut seen,
                0..100,
                window(1),
                &Cancel::new(),
                |_, _| (),
                |b, ()| if b == 40 || b == 60 { Err(b) } else { Ok(b) },
                |seen, b, _| {
                    seen.push(b);
                    Ok(if b == 30 {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    })
                },
            )
        });
        assert_eq!(ended, Ok(Ended::Stopped));
        assert_eq!(seen, (0..=30).collect::<Vec<_>>());
        let mut seen = Vec::new();
        let ended = in_pool(3, || {
            stream_ordered(
                &mut seen,
                0..100,
                window(1),
                &Cancel::new(),
                |_, _| (),
                |b, ()| if b == 40 || b == 60 { Err(b) } else { Ok(b) },
                |seen, b, _| {
                    seen.push(b);
                    Ok(ControlFlow::Continue(()))
                },
            )
        });
        assert_eq!(ended, Err(40));
        assert_eq!(seen.len(), 40);
    }

    #[test]
    #[should_panic(expected = "block 7 fails")]
    fn a_panic_in_a_block_reaches_the_caller() {
        in_pool(2, || {
            stream_ordered(
                &mut (),
                0..50,
                window(1),
                &Cancel::new(),
                |(), _| (),
                |b, ()| {
                    assert!(b != 7, "block 7 fails");
                    Ok::<_, ()>(())
                },
                |(), _, ()| Ok(ControlFlow::Continue(())),
            )
        })
        .unwrap();
    }

    #[test]
    fn a_cancelled_stream_computes_nothing_more() {
        let cancel = Cancel::new();
        let mut appended = 0u64;
        let ended = in_pool(2, || {
            stream_ordered(
                &mut appended,
                0..1000,
                window(1),
                &cancel,
                |_, _| (),
                |b, ()| {
                    if b == 10 {
                        cancel.request();
                    }
                    Ok::<_, ()>(())
                },
                |appended, _, ()| {
                    *appended += 1;
                    Ok(ControlFlow::Continue(()))
                },
            )
        });
        assert_eq!(ended, Ok(Ended::Cancelled));
        assert!(appended <= 10, "{appended}");
    }
}
