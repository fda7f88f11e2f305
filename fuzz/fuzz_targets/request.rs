//! Fuzz target: any text as a CreateTrainingJob request, imported as `spotsim import
//! create-training-job` does; an imported scenario must then parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::import::import_create_training_job;
use spotsim::scenario::parse_scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(import) = import_create_training_job(text, "request.json") {
        if let Err(errors) = parse_scenario(&import.scenario_toml, "imported.toml") {
            panic!("import wrote an invalid scenario: {errors}\n{}", import.scenario_toml);
        }
    }
});
