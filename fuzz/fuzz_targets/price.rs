//! Fuzz target: any bytes as a spot price history in each format the scenario accepts
//! (`aws ec2 describe-spot-price-history` JSON, its TSV text, plain and zstd-compressed, a plain
//! series), and as a column of durations (`dist = "empirical"`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotsim::inputs::data::{Column, read_duration_column};
use spotsim::inputs::price::{PriceFilter, read_aws_cli, read_series, read_tsv};

/// zstd's magic number: selector 5 puts it before the body, so that the fuzzer spends its time
/// in the decoder (and its size cap) rather than finding the four bytes.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let filter = PriceFilter {
        instance_type: None,
        zone: None,
        product: None,
    };
    let _ = match selector % 6 {
        0 => read_aws_cli(body, &filter).map(|_| ()),
        1 => read_tsv(body, &filter).map(|_| ()),
        2 => read_series(body, "price", 60.0).map(|_| ()),
        3 => read_duration_column(body, &Column::Number(1)).map(|_| ()),
        4 => read_duration_column(body, &Column::Name("wait_s".into())).map(|_| ()),
        _ => read_tsv([&ZSTD_MAGIC[..], body].concat().as_slice(), &filter).map(|_| ()),
    };
});
