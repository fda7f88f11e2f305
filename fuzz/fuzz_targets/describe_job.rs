//! Fuzz target: any text as a saved `aws sagemaker describe-training-job` document, read as
//! `spotsim fit jobs` reads it and fitted, and imported as `spotsim import
//! describe-training-job` does; an imported scenario must then parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::import::fit::{DescribedJob, fit_jobs};
use spotsim::import::import_describe_training_job;
use spotsim::scenario::parse_scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(job) = serde_json::from_str::<DescribedJob>(text)
        && job.is_training_job()
    {
        let _ = fit_jobs(&[job.clone(), job]);
    }
    if let Ok(import) = import_describe_training_job(text, "job.json") {
        // What import writes is a scenario the parser accepts: anything else is a bug.
        if let Err(errors) = parse_scenario(&import.scenario_toml, "imported.toml") {
            panic!("import wrote an invalid scenario: {errors}\n{}", import.scenario_toml);
        }
    }
});
