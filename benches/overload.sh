#!/usr/bin/env bash
# Overload (issue 13), in one run against one server: the unloaded p99 (one call in flight),
# the closed-loop capacity (64 calls in flight), then an open loop at twice that capacity.
# Prints the three `bench --json` reports and checks the issue's conditions: only
# RESOURCE_EXHAUSTED or UNAVAILABLE among the errors, goodput >= 0.8 x capacity, p99 of the
# successful calls <= 20 x the unloaded p99.
#
# Usage: benches/overload.sh [CORPUS] [SECONDS]
#   CORPUS   petitions to send [default: ../shared/data/tipdm2020/unlabelled.jsonl]
#   SECONDS  length of each run [default: 10]
# PETITION_ROUTER names the binary [default: target/release/petition-router]; extra server
# options go in SERVE_ARGS (e.g. SERVE_ARGS="--max-queued 32").
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/data/tipdm2020/unlabelled.jsonl}
seconds=${2:-10}
bin=${PETITION_ROUTER:-target/release/petition-router}
out=$(mktemp -d)
# shellcheck disable=SC2086 # SERVE_ARGS is a list of options
"$bin" serve --addr 127.0.0.1:0 --metrics-addr off ${SERVE_ARGS:-} >"$out/listening" 2>"$out/log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$out"' EXIT
until grep -q listening "$out/listening"; do
    kill -0 $server 2>/dev/null || { cat "$out/log"; exit 1; }
    sleep 0.1
done
addr=$(sed -E 's/.*grpc=([^ ]+).*/\1/' "$out/listening")

bench() { "$bin" bench --addr "$addr" --corpus "$corpus" --duration "${seconds}s" --json "$@" 2>/dev/null; }
unloaded=$(bench --concurrency 1)
echo "unloaded: $unloaded"
capacity=$(bench --concurrency 64)
echo "capacity: $capacity"
# Capacity is what the server completes: successful calls per second.
rate=$(jq -n --argjson c "$capacity" '$c.goodput_rps * 2 | floor')
# Enough callers that the load generator keeps to the schedule even if the server stalls.
overload=$(bench --rate "$rate" --concurrency 2048)
echo "overload at ${rate}/s: $overload"

jq -nr --argjson u "$unloaded" --argjson c "$capacity" --argjson o "$overload" '
  def verdict(ok): if ok then "met" else "MISSED" end;
  ($o.errors_by_status | del(.ResourceExhausted, .Unavailable) | add // 0) as $other
  | "errors other than RESOURCE_EXHAUSTED / UNAVAILABLE: \($other) (\(verdict($other == 0)))",
    "goodput \($o.goodput_rps | floor)/s against 0.8 x capacity = \(0.8 * $c.goodput_rps | floor)/s (\(verdict($o.goodput_rps >= 0.8 * $c.goodput_rps)))",
    "successful p99 \($o.ok_p99_us) us against 20 x unloaded p99 = \(20 * $u.p99_us) us (\(verdict($o.ok_p99_us <= 20 * $u.p99_us)))"'
