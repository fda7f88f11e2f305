//! Fuzz target: any text as a CreateTrainingJob request, imported as `spotsim import
//! create-training-job` does; an imported scenario must then parse (once priced).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::import::{
    PRICE_PLACEHOLDER, import_create_training_job, import_create_training_job_priced,
};
use spotsim::scenario::parse_scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Priced by the user (`--price-per-hour`), what import writes is a scenario the parser
    // accepts: anything else is a bug. Unpriced, an instance type whose price spotsim does not
    // know gets the placeholder, which only the price key may fail on.
    if let Ok(import) = import_create_training_job_priced(text, "request.json", Some(3.825)) {
        if let Err(errors) = parse_scenario(&import.scenario_toml, "imported.toml") {
            panic!(
                "import wrote an invalid scenario: {errors}\n{}",
                import.scenario_toml
            );
        }
    }
    if let Ok(import) = import_create_training_job(text, "request.json")
        && let Err(errors) = parse_scenario(&import.scenario_toml, "imported.toml")
    {
        let only_the_price = import.scenario_toml.contains(PRICE_PLACEHOLDER)
            && errors
                .0
                .iter()
                .all(|e| e.message.starts_with("pricing.on_demand_hourly"));
        assert!(
            only_the_price,
            "import wrote an invalid scenario: {errors}\n{}",
            import.scenario_toml
        );
    }
});
