//! Fuzz target: any bytes as a CSV data file: an empirical distribution's column of durations
//! (`dist = "empirical"`, by number and by name) and a fleet's submission plan
//! (`workload.arrivals.file`). Every value read must be finite and within its bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::inputs::data::{
    Column, MAX_DATA_DURATION_S, read_duration_column, read_submission_plan,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 | 1 => {
            let column = if selector % 3 == 0 {
                Column::Number(1)
            } else {
                Column::Name("wait_s".into())
            };
            // A value the reader passes is one the engine can sample.
            for value in read_duration_column(body, &column).unwrap_or_default() {
                assert!((0.0..=MAX_DATA_DURATION_S).contains(&value), "{value}");
            }
        }
        _ => {
            for time_s in read_submission_plan(body).unwrap_or_default() {
                assert!(time_s.is_finite() && time_s >= 0.0, "{time_s}");
            }
        }
    }
});
