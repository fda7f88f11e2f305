//! Fuzz target: any text through the fleet parser and validator, then, for small fleets, one
//! simulated month. User input must never panic: every problem is a `ScenarioError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::fleet::{FleetModel, parse_fleet, simulate_month};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Scenario and data files named by the input are read relative to the fuzz folder's
    // corpus, where none exist: reading fails cleanly, which is part of what is checked.
    if let Ok(fleet) = parse_fleet(text, "fuzz/corpus/fleet/input.toml") {
        // A month of a few thousand jobs takes milliseconds; larger ones only slow the fuzzer.
        if fleet.expected_jobs_per_month() <= 2_000.0 {
            let model = FleetModel::new(&fleet);
            let _ = simulate_month(&model, 0);
        }
    }
});
