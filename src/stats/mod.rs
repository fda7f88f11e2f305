//! Statistics of many runs, streamed: per-block moments ([`moments`], Welford combined by Chan
//! et al.), quantile stores ([`sketch`]: exact up to 131,072 values, a relative-error sketch
//! beyond), the accumulator every simulation command streams its runs through
//! ([`accumulate`]), the summaries read from it ([`summary`]) and paired statistics between
//! variants run with common random numbers ([`paired`]: exact from the kept per-run values up to
//! 131,072 runs, per-block moments combined in block order beyond), and the capacity spot runs
//! held ([`held`]), for the checkpoint advice.

pub mod accumulate;
pub mod held;
pub mod moments;
pub mod paired;
pub mod sketch;
pub mod summary;
