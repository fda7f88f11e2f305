//! Fuzz target: any text as a Spot Advisor feed (`spot.advisor_file`), then a lookup of an
//! instance type in a region, as `advisor = "feed"` does. Every figure a feed yields must be
//! a finite rate and discount.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::scenario::advisor::parse_feed;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(feed) = parse_feed(text, "fuzz.json") else {
        return;
    };
    for region in feed.regions_offering("p3.2xlarge") {
        if let Ok(entry) = feed.lookup(region, "p3.2xlarge") {
            // The reader keeps savings from -1000 % to 99 %: a discount spotsim can price.
            assert!((-10.0..1.0).contains(&entry.discount()), "{entry:?}");
        }
    }
    let _ = feed.lookup("us-east-1", "m5.large");
});
