#!/usr/bin/env bash
# Fuzzes every target of crates/fuzz for MINUTES each (default 10), coverage-guided by libFuzzer
# on stable Rust: SanitizerCoverage through stable -C flags, libFuzzer from the libfuzzer-sys
# crate. Corpora are seeded from the real files (../shared/data, or PR_FUZZ_DATA) and the shipped
# model and keyword lists; corpora, logs and findings stay under target/fuzz/.
#   benches/fuzz.sh [MINUTES] [TARGET...]
# Prints executions and findings per target; exits 1 when any target found something.
# An input may take 60 s before it counts as a hang: the model and catalogue targets build
# jieba's dictionary for every model that parses (≈0.15 s, many times that instrumented).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
shift || true
out=target/fuzz
triple=$(rustc -vV | sed -n 's/^host: //p')

cargo build --release -p pr-fuzz --bin seed-corpus
seeder=target/release/seed-corpus
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <("$seeder" --list)
fi
"$seeder" "$out/seeds"

# Instrumented with --target, so that build scripts and proc macros are not; a target dir of
# its own, so that the instrumented build never mixes with the normal one.
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
CARGO_TARGET_DIR=$out/build \
    cargo build --release -p pr-fuzz --features libfuzzer --bin libfuzzer --target "$triple"
fuzzer=$out/build/$triple/release/libfuzzer

printf '%-14s %12s %8s  %s\n' target executions findings log
status=0
for t in "${targets[@]}"; do
    mkdir -p "$out/corpus/$t" "$out/findings/$t"
    log=$out/$t.log
    : >"$log"
    execs=0
    end=$((SECONDS + minutes * 60))
    # A finding ends a libFuzzer run: start again (with the corpus grown so far) until the
    # target has had its time.
    while [ $SECONDS -lt $end ]; do
        PR_FUZZ_TARGET=$t nice "$fuzzer" "$out/corpus/$t" "$out/seeds/$t" \
            -max_total_time=$((end - SECONDS)) -timeout=60 -rss_limit_mb=4096 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix="$out/findings/$t/" >"$log.run" 2>&1 || true
        run=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log.run" | tail -1)
        if [ -z "$run" ]; then
            # Crashed before its final stats: its last progress line.
            run=$(grep -o '^#[0-9]*' "$log.run" | tail -1 | tr -d '#')
        fi
        execs=$((execs + ${run:-0}))
        cat "$log.run" >>"$log"
        echo "== run ended after ${run:-0} executions" >>"$log"
    done
    rm -f "$log.run"
    # Crashes, timeouts and out-of-memory inputs; slow units alone are no finding.
    findings=$(find "$out/findings/$t" -type f ! -name 'slow-unit-*' | wc -l)
    [ "$findings" -eq 0 ] || status=1
    printf '%-14s %12s %8s  %s\n' "$t" "$execs" "$findings" "$log"
done
exit $status
