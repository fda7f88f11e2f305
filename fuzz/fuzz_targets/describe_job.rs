//! Fuzz target: any text as a saved `aws sagemaker describe-training-job` document, read as
//! `spotsim fit jobs` reads it, then fitted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::fit::{DescribedJob, fit_jobs};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(job) = serde_json::from_str::<DescribedJob>(text)
        && job.is_training_job()
    {
        let _ = fit_jobs(&[job.clone(), job]);
    }
});
