#!/usr/bin/env bash
# A fingerprint of every command's output on every shipped scenario: one line per output,
# "NAME SHA256 EXIT", stdout and stderr hashed separately, files a command writes hashed too.
# Run it before and after a change that must not change behaviour, and diff the two files:
#   scripts/fingerprint.sh target/release/spotsim > before.txt
#   ... change, rebuild ...
#   scripts/fingerprint.sh target/release/spotsim > after.txt && diff before.txt after.txt
# Runs are kept at or below 131,072 per point, where every statistic is exact (docs/model.md).
set -uo pipefail
bin=$(realpath "${1:-target/release/spotsim}")
cd "$(dirname "$0")/.."
runs=${RUNS:-20000}
work=target/fingerprint-work; rm -rf "$work"; mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

hash() { sha256sum | cut -c1-16; }
# fp NAME CMD...: hashes stdout, stderr and the exit code of one command.
fp() {
    local name=$1; shift
    "$@" > "$work/out" 2> "$work/err"
    local code=$?
    printf '%s stdout=%s stderr=%s exit=%s\n' "$name" "$(hash < "$work/out")" \
        "$(sed "s#$work#WORK#g" "$work/err" | hash)" "$code"
}
# files NAME DIR: hashes every file a command wrote into DIR (names and bytes).
files() {
    local name=$1 dir=$2
    if [ -d "$dir" ]; then
        (cd "$dir" && find . -type f | LC_ALL=C sort | while read -r f; do
            printf '%s %s\n' "$name:$f" "$(hash < "$f")"; done)
        rm -rf "$dir"
    fi
}

scenarios=$(ls scenarios/*.toml scenarios/cookbook/*.toml scenarios/traces/*.toml)
for s in $scenarios; do
    n=${s#scenarios/}
    fp "validate $n" "$bin" validate "$s"
    fp "run $n" "$bin" run "$s" --runs "$runs" -q
    fp "run-json $n" "$bin" run "$s" --runs "$runs" --format json -q
    fp "run-csv $n" "$bin" run "$s" --runs 2000 -q --runs-csv "$work/runs.csv"
    [ -f "$work/runs.csv" ] && printf '%s %s\n' "runs.csv $n" "$(hash < "$work/runs.csv")" && rm -f "$work/runs.csv"
    fp "run-charts $n" "$bin" run "$s" --runs 5000 -q --charts "$work/charts"
    files "charts $n" "$work/charts"
    fp "shard1 $n" "$bin" run "$s" --runs "$runs" --shard 1/2 --out "$work/p1.json" -q
    fp "shard2 $n" "$bin" run "$s" --runs "$runs" --shard 2/2 --out "$work/p2.json" -q
    fp "merge $n" "$bin" merge "$work/p1.json" "$work/p2.json"
    rm -f "$work"/p*.json
    fp "trace $n" "$bin" trace "$s" --run 3
    fp "trace-table $n" "$bin" trace "$s" --run 3 --format table
    fp "sweep $n" "$bin" sweep "$s" --set checkpoint.interval=10m..2h:4 --runs "$runs" -q
    fp "sweep-json $n" "$bin" sweep "$s" --set checkpoint.interval=10m..2h:3 --set stopping.max_wait=2d..3d:2 --runs 5000 --format json -q
    fp "sweep-chart $n" "$bin" sweep "$s" --set checkpoint.interval=10m..2h:3 --runs 5000 --chart "$work/sweep.png" -q
    [ -f "$work/sweep.png" ] && printf '%s %s\n' "sweep.png $n" "$(hash < "$work/sweep.png")" && rm -f "$work/sweep.png"
    fp "compare $n" "$bin" compare "$s" scenarios/quickstart.toml --runs "$runs" -q
    fp "compare-json $n" "$bin" compare scenarios/reference.toml "$s" --runs 5000 --format json -q --chart "$work/compare.png"
    [ -f "$work/compare.png" ] && printf '%s %s\n' "compare.png $n" "$(hash < "$work/compare.png")" && rm -f "$work/compare.png"
    fp "recommend $n" "$bin" recommend "$s" --runs 5000 -q
    fp "recommend-json $n" "$bin" recommend "$s" --runs 5000 --format json -q
    mkdir -p "$work/rep"; fp "report-md $n" "$bin" report "$s" --runs 5000 --format md -o "$work/rep/review.md" -q
    files "report-md $n" "$work/rep"
    fp "report-html $n" "$bin" report "$s" --runs 5000 -o "$work/review.html" -q
    [ -f "$work/review.html" ] && printf '%s %s\n' "review.html $n" "$(hash < "$work/review.html")" && rm -f "$work/review.html"
done

for f in scenarios/fleets/*.toml; do
    n=${f#scenarios/}
    fp "validate $n" "$bin" validate "$f"
    fp "fleet $n" "$bin" fleet "$f" --runs 20 -q
    fp "fleet-json $n" "$bin" fleet "$f" --runs 20 --format json -q
    fp "fleet-csv $n" "$bin" fleet "$f" --runs 20 --format csv -q
    fp "fleet-noquota $n" "$bin" fleet "$f" --runs 20 --no-quotas -q
    fp "fleet-charts $n" "$bin" fleet "$f" --runs 20 --charts "$work/fc" -q
    files "fleet-charts $n" "$work/fc"
    fp "fleet-report $n" "$bin" report "$f" --runs 20 -o "$work/fleet.html" -q
    [ -f "$work/fleet.html" ] && printf '%s %s\n' "fleet.html $n" "$(hash < "$work/fleet.html")" && rm -f "$work/fleet.html"
done

fp "init" "$bin" init
fp "init-cpu" "$bin" init --cpu
fp "schema" "$bin" schema
fp "completions" "$bin" completions bash
fp "man" "$bin" man
fp "help" "$bin" --help
for c in run sweep compare recommend report fleet merge trace validate fit import; do
    fp "help $c" "$bin" "$c" --help
done
for r in tests/fixtures/requests/*.json; do
    fp "import-request ${r##*/}" "$bin" import create-training-job "$r"
done
for j in tests/fixtures/jobs/*.json; do
    fp "import-job ${j##*/}" "$bin" import describe-training-job "$j"
done
fp "fit-jobs" "$bin" fit jobs tests/fixtures/jobs/*.json
fp "fit-jobs-json" "$bin" fit jobs tests/fixtures/jobs/*.json --format json
for t in ../shared/data/spot-traces/availability/1-node/aws-02-15-2023/us-east-1f_v100_1.json; do
    [ -f "$t" ] && fp "fit-trace ${t##*/}" "$bin" fit trace "$t"
done
fp "bad-scenario" "$bin" run tests/fixtures/requests/on-demand.json
