#!/usr/bin/env bash
# What one write (a reassignment or unassignment through the API) costs the router, and how that
# compares between builds: router CPU and context switches per write, the provider simulator's
# CPU per write (the pushes), and the router's push threads' (sb-push-N) own share of its CPU per
# write, from /proc over the middle 6 s of a 10 s run with webhooks at 1,000/s open loop, once
# without writes and once with 1,000 writes/s, on a fresh copy of a 100k data set.
#
#   benchmarks/e2e/write-cost.sh [--rounds N] [BINARY...]
#
# Each BINARY is a release `switchboard` (default: this checkout's, built here); with several, the
# rounds alternate between them (paired, so the machine's drift hits each alike). The load client
# is always this checkout's. Loopback only; stops all it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
rounds=3
binaries=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        -h|--help) sed -n 2,12p "$0"; exit 0 ;;
        -*) echo "unknown option '$1' (see --help)" >&2; exit 64 ;;
        *) binaries+=("$1"); shift ;;
    esac
done
swift build -c release --product switchboard >&2
CLIENT=$root/.build/release/switchboard
[ ${#binaries[@]} -gt 0 ] || binaries=("$CLIENT")
for binary in "${binaries[@]}"; do [ -x "$binary" ] || { echo "not an executable: $binary" >&2; exit 66; }; done

work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-writecost.XXXXXX")
pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s+=$2} END {print s}'; }
# CPU ticks of the push threads (sb-push-N) alone: the part of a write that is the provider pushes.
push_ticks() {
    local task comm
    for task in /proc/"$1"/task/*; do
        comm=$(cat "$task/comm" 2>/dev/null) || continue
        case $comm in sb-push-*) awk '{print $14+$15}' "$task/stat" 2>/dev/null ;; esac
    done | awk '{s+=$1} END {print s+0}'
}
export SWITCHBOARD_ADMIN_TOKEN=write-cost-admin-token-0123456789
sim_port=$(free_port)
dataset=(--numbers 100000 --seed 1 --providers-url "http://127.0.0.1:$sim_port")
$CLIENT loadtest seed --data "$work/seeded" "${dataset[@]}" >/dev/null
hz=$(getconf CLK_TCK)

# One measurement: prints "router_ms simulator_ms router_switches push_ms" over the middle 6 s.
measure() {
    local port=$1 writes=$2 router=$3 simulator=$4
    $CLIENT loadtest run "${dataset[@]}" --target 127.0.0.1:$port --rate 1000 --connections 16 --duration 10 --warmup 0 \
        --writes "$writes" --quiet >/dev/null 2>&1 &
    local client=$!
    sleep 2
    local r0 s0 c0 p0 r1 s1 c1 p1
    r0=$(ticks "$router"); s0=$(ticks "$simulator"); c0=$(switches "$router"); p0=$(push_ticks "$router")
    sleep 6
    r1=$(ticks "$router"); s1=$(ticks "$simulator"); c1=$(switches "$router"); p1=$(push_ticks "$router")
    wait "$client"
    echo "$(( (r1 - r0) * 1000 / hz )) $(( (s1 - s0) * 1000 / hz )) $((c1 - c0)) $(( (p1 - p0) * 1000 / hz ))"
}

echo "| round | build | router CPU a write | context switches a write | simulator CPU a write | push threads CPU a write |"
echo "|---|---|---|---|---|---|"
for round in $(seq "$rounds"); do
    for binary in "${binaries[@]}"; do
        rm -rf "$work/data" && cp -r "$work/seeded" "$work/data"
        $CLIENT loadtest simulate "${dataset[@]}" --listen "127.0.0.1:$sim_port" >"$work/simulator.log" 2>&1 &
        simulator=$!; pids+=($simulator)
        port=$(free_port)
        "$binary" serve --listen 127.0.0.1:$port --data "$work/data" --threads 2 --sync-interval 86400 2>"$work/router.log" &
        router=$!; pids+=($router)
        for _ in $(seq 500); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.02; done
        read -r calm_ms _ calm_switches calm_push_ms <<<"$(measure "$port" 0 "$router" "$simulator")"
        read -r busy_ms sim_ms busy_switches busy_push_ms <<<"$(measure "$port" 1000 "$router" "$simulator")"
        awk -v r="$round" -v b="$binary" -v c="$calm_ms" -v w="$busy_ms" -v cs="$calm_switches" -v ws="$busy_switches" -v s="$sim_ms" \
            -v cp="$calm_push_ms" -v wp="$busy_push_ms" \
            'BEGIN {printf "| %d | %s | %.0f µs | %.1f | %.0f µs | %.0f µs |\n", r, b, (w-c)*1000/6000, (ws-cs)/6000, s*1000/6000, (wp-cp)*1000/6000}'
        stop_all
    done
done
