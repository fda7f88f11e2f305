//! Fuzz target: any bytes as a recorded availability trace in each format, then the fit that
//! `spotsim fit trace` makes of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::inputs::availability::{TraceFormat, read_trace};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => TraceFormat::SpotTraces,
        1 => TraceFormat::Skynomad,
        _ => TraceFormat::Events,
    };
    if let Ok(trace) = read_trace(body, format) {
        for instances in [1, 2, 8] {
            let _ = spotsim::import::fit::fit_trace(&trace, instances);
        }
    }
});
