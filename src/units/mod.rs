//! Quantities as people write and read them: durations (`"1h 30m"`), calendar timestamps, and
//! numbers (money, shares, counts), and the distance between mistyped words. The bottom floor: used by the scenario parser and by every
//! renderer, it imports nothing of spotsim.

pub mod clock;
pub mod duration;
pub mod format;
pub mod text;
