//! Fuzz target: any text through the scenario parser and validator, then the lints and the
//! engine's models. User input must never panic: every problem is a `ScenarioError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::engine::JobModel;
use spotsim::scenario::{lint, parse_scenario};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Data files named by the input are read relative to the fuzz folder's corpus, where none
    // exist: reading fails cleanly, which is part of what is checked.
    if let Ok(scenario) = parse_scenario(text, "fuzz/corpus/scenario/input.toml") {
        let _ = lint(&scenario);
        let _ = JobModel::spot(&scenario);
        let _ = JobModel::on_demand(&scenario);
    }
});
