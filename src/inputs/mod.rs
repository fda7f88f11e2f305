//! The data a scenario is built from, read and checked before any run: probability
//! distributions of durations, empirical and CSV data files, availability traces of real spot
//! markets (the availability input; "trace" alone names `spotsim trace`'s output), spot price
//! histories and training-speed profiles.

pub mod availability;
pub mod bounded;
pub mod data;
pub mod dist;
pub mod price;
pub mod profile;
