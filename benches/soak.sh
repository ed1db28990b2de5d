#!/usr/bin/env bash
# Soak (issue 13): one server with a PostgreSQL feedback store under mixed Route / RouteBatch /
# RouteStream / RecordOutcome load for MINUTES, a ReloadModel every few seconds (every fourth
# names a corrupt model) and PostgreSQL restarted under it a few times. Then SIGTERM, an
# export-history, and the figures: calls per method, failed routing calls, RecordOutcome
# statuses, acknowledged outcomes missing from the export, reloads, RSS at start and end.
# Exits 1 if a routing call failed, an acknowledged outcome is missing, or RSS grew >= 10 %.
#
# Usage: benches/soak.sh [MINUTES]   (default 30)
#   DATA      petitions to send [default: ../shared/data/dalian/train.jsonl]
#   PG_ADMIN  PostgreSQL server to use [default: postgres://postgres@127.0.0.1:5432]
#   RATE      routed petitions a second, in all [default: 1000, which the feedback store's
#             writer keeps up with here; 0 = as fast as answered, which overflows its queue]
#   RELOAD_EVERY  seconds between reloads [default: 5; 0 = none]
#   PG_RESTARTS   PostgreSQL restarts [default: one per 3 minutes, at least 2; 0 = none]
# Needs psql, pg_ctlcluster (or service) with the right to restart PostgreSQL, and Python 3
# with grpcio and grpcio-tools. It restarts the machine's PostgreSQL: other users of it see
# their connections dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
data=${DATA:-../shared/data/dalian/train.jsonl}
pg=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432}

cargo build --release --quiet
out=$(mktemp -d /tmp/soak.XXXXXX)
# Run a copy: others rebuilding target/ during the soak must not change what is tested.
bin=$out/petition-router
cp target/release/petition-router "$bin"

# The model directory: the shipped model and a copy damaged in the middle (its checksum fails).
mkdir "$out/models"
cp models/default.model models/default.card.json "$out/models/"
cp models/default.model "$out/models/corrupt.model"
size=$(stat -c %s "$out/models/corrupt.model")
printf '\xde\xad\xbe\xef' | dd of="$out/models/corrupt.model" bs=1 seek=$((size / 2)) conv=notrunc status=none

# A fresh database, dropped at the end.
db=soak_$(date +%s)_$$
store=$pg/$db
psql -q "$pg/postgres" -c "CREATE DATABASE $db"

server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
    rm -rf "$out"
}
trap cleanup EXIT

if version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1) && [ -n "$version" ]; then
    restart="pg_ctlcluster $version main restart"
else
    restart="service postgresql restart"
fi

"$bin" serve --addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 \
    --model "$out/models/default.model" --model-dir "$out/models" \
    --feedback-store "$store" >"$out/listening" 2>"$out/server.log" &
server=$!
until grep -qs listening "$out/listening"; do
    kill -0 "$server" 2>/dev/null || { cat "$out/server.log"; exit 1; }
    sleep 0.1
done
addr=$(sed -E 's/.*grpc=([^ ]+).*/\1/' "$out/listening")
metrics=$(sed -E 's/.*metrics=([^ ]+).*/\1/' "$out/listening")
echo "server $server on $addr, store $db, $minutes min, PostgreSQL restarts: $restart" >&2

python3 benches/soak.py run --addr "$addr" --pid "$server" --minutes "$minutes" --data "$data" \
    --good default.model --corrupt corrupt.model --pg-restart "$restart" \
    --out "$out" --rate "${RATE:-1000}" --reload-every "${RELOAD_EVERY:-5}" \
    --pg-restarts "${PG_RESTARTS:--1}"

# What the server says about its feedback store, before it stops.
curl -s "http://$metrics/metrics" | grep -E '^petition_router_(feedback|outcomes_without)' || true

# SIGTERM: the server drains, flushes the feedback queue and exits.
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
echo "server exited with status $status" >&2
"$bin" export-history --store "$store" --out "$out/export.jsonl"

# Warnings and errors the server logged, by message (request ids and times stripped).
echo "server log: $(grep -cE ' (WARN|ERROR) ' "$out/server.log" || true) warnings and errors"
grep -E ' (WARN|ERROR) ' "$out/server.log" | sed -E 's/^[^ ]+ +//; s/request_id[^ ]*//g' |
    cut -c1-160 | sort | uniq -c | sort -rn | head -n 10 || true

python3 benches/soak.py report --out "$out" --export "$out/export.jsonl"
