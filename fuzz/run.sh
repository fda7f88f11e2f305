#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 600) from its committed seeds, on the stable
# toolchain (RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags; no sanitizer, debug assertions
# on so that integer overflows panic). Usage: fuzz/run.sh TARGET [SECONDS]
# Needs cargo-fuzz: cargo install cargo-fuzz --locked
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
seconds=${2:-600}
mkdir -p "fuzz/corpus/$target"
RUSTC_BOOTSTRAP=1 exec cargo fuzz run -s none -O -a "$target" \
    "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1
