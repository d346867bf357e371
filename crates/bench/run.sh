#!/usr/bin/env bash
# jijiao's foundation benchmarks in one run: builds release, serves jijiao (fresh SQLite data
# folder) and a bare axum hello-world side by side, loads /healthz on both with the same
# parameters, prints both figures and their ratio, then measures start-up. Its output is the figure;
# BENCHMARKS.md records it. Usage: crates/bench/run.sh   (env: CONNECTIONS DURATION WARMUP RUNS
# ROUNDS JIJIAO_PORT HELLO_PORT CARGO_TARGET_DIR)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
RUNS="${RUNS:-10}"
ROUNDS="${ROUNDS:-3}"
JIJIAO_PORT="${JIJIAO_PORT:-18480}"
HELLO_PORT="${HELLO_PORT:-18481}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release"

echo "== build (release)"
cargo build --release -p jijiao -p jijiao-bench

WORK="$(mktemp -d -t jijiao-bench.XXXXXX)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_listening() {
    local port="$1" name="$2" pid="$3"
    for _ in $(seq 1 600); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited before listening:" >&2
            cat "$WORK/$name.log" >&2
            exit 1
        fi
        sleep 0.05
    done
    echo "$name did not listen on $port within 30 s" >&2
    exit 1
}

for port in "$JIJIAO_PORT" "$HELLO_PORT"; do
    port_free "$port" || { echo "port $port is in use: set JIJIAO_PORT / HELLO_PORT" >&2; exit 1; }
done

echo "== servers"
mkdir -p "$WORK/data"
env -u JIJIAO_DATABASE_URL -u JIJIAO_CONFIG -u JIJIAO_ENCRYPTION_KEY -u JIJIAO_ENCRYPTION_KEY_FILE \
    JIJIAO_DATA_DIR="$WORK/data" \
    "$BIN/jijiao" serve --listen "127.0.0.1:$JIJIAO_PORT" >"$WORK/jijiao.log" 2>&1 &
PIDS+=($!)
wait_listening "$JIJIAO_PORT" jijiao "${PIDS[-1]}"
"$BIN/hello" "127.0.0.1:$HELLO_PORT" >"$WORK/hello.log" 2>&1 &
PIDS+=($!)
wait_listening "$HELLO_PORT" hello "${PIDS[-1]}"
echo "jijiao serve on 127.0.0.1:$JIJIAO_PORT (SQLite in a fresh data folder), bare axum on 127.0.0.1:$HELLO_PORT"

CORES="$(nproc)"
echo "== load: $CONNECTIONS keep-alive connections, ${WARMUP} s warm-up + ${DURATION} s each, $ROUNDS rounds"
echo "   note: the load generator and the servers share this machine's $CORES cores; rounds alternate"
echo "   which server goes first, so a change in the machine's load during the run falls on both"
load() { # label port file
    "$BIN/loadgen" --json --label "$1" -c "$CONNECTIONS" -d "$DURATION" -w "$WARMUP" \
        "http://127.0.0.1:$2/healthz" >"$3"
}
ratios=()
for round in $(seq 1 "$ROUNDS"); do
    if ((round % 2)); then
        load "jijiao /healthz" "$JIJIAO_PORT" "$WORK/jijiao.$round.json"
        load "bare axum" "$HELLO_PORT" "$WORK/hello.$round.json"
    else
        load "bare axum" "$HELLO_PORT" "$WORK/hello.$round.json"
        load "jijiao /healthz" "$JIJIAO_PORT" "$WORK/jijiao.$round.json"
    fi
    echo
    echo "-- round $round"
    "$BIN/compare" "$WORK/jijiao.$round.json" "$WORK/hello.$round.json" | tee "$WORK/compare.$round.txt"
    ratios+=("$(sed -n 's/^throughput ratio .*: \([0-9.]*\) %.*/\1/p' "$WORK/compare.$round.txt")")
done
median="$(printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(((ROUNDS + 1) / 2))p")"
echo
echo "throughput ratio per round: ${ratios[*]} %; median $median % (target ≥ 80 %)"
echo "(loadgen and servers share $CORES cores: absolute figures are a floor, the ratio is the figure)"

for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
PIDS=()

echo
echo "== start-up: spawn jijiao serve on an empty data folder until the first 200 from /healthz"
"$BIN/startup" --runs "$RUNS" --jijiao "$BIN/jijiao"
