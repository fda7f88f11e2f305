//! Library-level checks of the engine and the Monte Carlo runner: closed forms (statistical,
//! fixed seeds), invariants over random scenarios (proptest), determinism across thread counts.

mod closed_form;
mod determinism;
mod properties;
mod skynomad;
mod traces;

use spotsim::scenario::{Scenario, parse_scenario};

/// Parses a scenario written in a test, failing the test with the parser's messages.
pub fn scenario(text: &str) -> Scenario {
    parse_scenario(text, "test.toml").unwrap_or_else(|errors| panic!("{errors}"))
}
