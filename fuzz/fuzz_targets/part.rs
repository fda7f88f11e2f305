//! Fuzz target: any text as a part file of `spotsim run|fleet|sweep|compare --shard`, read
//! as `spotsim merge` reads it, then merged alone (every check of `merge_parts` runs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::parts::{Part, merge_parts};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(part) = Part::from_json(text) {
        let _ = merge_parts(vec![("part.json".to_string(), part)]);
    }
});
