#!/usr/bin/env bash
# End-to-end figures of issue #6, every one a ratio or a goal measured in the same run:
#   throughput   signed Retell webhooks through the router vs nginx answering a fixed 200, with the
#                same client (switchboard loadtest; --ceiling for nginx) at 64 and 256 connections,
#                and the same through wrk as an independent client;
#   writes       the same load with 1,000 reassignments/unassignments a second vs without;
#   sweep        open-loop rates up to saturation (latency vs throughput, SVG), and p99 at half the
#                saturated rate;
#   startup      process start to /readyz with 100k and 1M numbers, and RSS per number;
#   providers    issue #5: each provider's format (Retell, Vapi, Bland; signature on) closed loop at
#                64 connections and open loop at a fixed rate, req/s and p50/p99, beside nginx.
#
#   benchmarks/e2e/run.sh [--rounds N] [--duration S] [--out DIR] [--only throughput,writes,sweep,startup,providers]
#
# Release build; loopback only; installs wrk and nginx (Debian) if missing; stops all it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

rounds=3 duration=8 out="$root/benchmarks/e2e/out" only="throughput,writes,sweep,startup,providers"
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        -h|--help) sed -n 2,15p "$0"; exit 0 ;;
        *) echo "unknown argument '$1' (see --help)" >&2; exit 64 ;;
    esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} (Debian packages)…" >&2
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
swift build -c release --product switchboard >&2
BIN=$root/.build/release/switchboard
mkdir -p "$out"

work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-e2e.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 500); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.02; done; echo "not ready: $1" >&2; return 1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
minimum() { tr ' ' '\n' | grep -v '^$' | sort -g | head -1; }

token=e2e-admin-token-0123456789abcdef
numbers=100000
sim_port=$(free_port)
dataset=(--numbers $numbers --seed 1 --providers-url "http://127.0.0.1:$sim_port")
echo "seeding $numbers numbers…" >&2
$BIN loadtest seed --data "$work/data" "${dataset[@]}" >/dev/null
$BIN loadtest simulate "${dataset[@]}" --listen "127.0.0.1:$sim_port" >"$work/simulator.log" 2>&1 &
pids+=($!)
router_port=$(free_port)
SWITCHBOARD_ADMIN_TOKEN=$token $BIN serve --listen 127.0.0.1:$router_port --data "$work/data" --threads 2 --sync-interval 86400 2>"$work/router.log" &
pids+=($!)
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx;
    proxy_temp_path $work/nginx;
    fastcgi_temp_path $work/nginx;
    uwsgi_temp_path $work/nginx;
    scgi_temp_path $work/nginx;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nginx_port;
        location / { default_type application/json; return 200 '{"call_inbound":{}}'; }
    }
}
CONF
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
wait_ready "http://127.0.0.1:$router_port/readyz"
wait_ready "http://127.0.0.1:$nginx_port/"
for _ in $(seq 500); do grep -q "providers on" "$work/simulator.log" && break; sleep 0.05; done

# One harness run against 127.0.0.1:PORT, its JSON report left in $work/run.json.
harness_run() { # target_port connections [extra options…]
    local port=$1 connections=$2; shift 2
    $BIN loadtest run "${dataset[@]}" --target 127.0.0.1:$port --connections "$connections" --duration "$duration" \
        --admin-token $token --quiet --json "$work/run.json" "$@" >/dev/null 2>"$work/run.err" || true
}

# One harness run; prints "throughput p99_µs wrong_answers".
harness() { # target_port connections [extra options…]
    harness_run "$@"
    python3 - "$work/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
overall = r.get("overall", {})
errors = overall.get("errors", {})
wrong = errors.get("wrong_answer", 0) if isinstance(errors, dict) else 0
p99 = overall.get("latency_us", {}).get("p99", overall.get("p99_us", 0))
print(r.get("throughput", 0), p99, wrong)
PY
}

# One harness run; prints "throughput p50_µs p99_µs wrong_answers".
harness_latency() { # target_port connections [extra options…]
    harness_run "$@"
    python3 - "$work/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
overall = r.get("overall", {})
errors = overall.get("errors", {})
wrong = errors.get("wrong_answer", 0) if isinstance(errors, dict) else 0
latency = overall.get("latency_us", {})
print(r.get("throughput", 0), latency.get("p50", 0), latency.get("p99", 0), wrong)
PY
}

summary="$out/summary.md"
{
    echo "# End-to-end run, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "client, router (--threads 2) and nginx (2 workers) share the machine; $rounds rounds of ${duration} s (+2 s warm-up), interleaved"
    echo
} > "$summary"

if wants throughput; then
    echo "throughput…" >&2
    {
        echo "## Inbound webhook throughput (Retell format, signature on)"
        echo
        echo "| client | connections | nginx fixed 200 req/s (median) | router req/s (median) | router / nginx | router wrong answers |"
        echo "|---|---|---|---|---|---|"
    } >> "$summary"
    for connections in 64 256; do
        n="" r="" wrong=0
        for _ in $(seq "$rounds"); do
            read -r t _ _ <<<"$(harness $nginx_port $connections --mix retell=1 --ceiling)"; n+="$t "
            read -r t _ w <<<"$(harness $router_port $connections --mix retell=1)"; r+="$t "; wrong=$((wrong + w))
        done
        nm=$(median <<<"$n"); rm=$(median <<<"$r")
        awk -v c="$connections" -v n="$nm" -v r="$rm" -v w="$wrong" 'BEGIN {printf "| switchboard loadtest | %d | %.0f | %.0f | %.2f | %d |\n", c, n, r, r/n, w}' >> "$summary"
    done
    # The same requests through wrk, an independent client: the harness's own signed webhooks.
    {
        echo
        echo "| client | connections | nginx fixed 200 req/s (median) | router req/s (median) | router / nginx |"
        echo "|---|---|---|---|---|"
    } >> "$summary"
    for connections in 64 256; do
        n="" r=""
        for _ in $(seq "$rounds"); do
            $BIN loadtest wrk-script "${dataset[@]}" --out "$work/router.lua" --target 127.0.0.1:$router_port
            $BIN loadtest wrk-script "${dataset[@]}" --out "$work/nginx.lua" --target 127.0.0.1:$nginx_port
            t=$(wrk -t2 -c$connections -d${duration}s -s "$work/nginx.lua" "http://127.0.0.1:$nginx_port/" | awk '/Requests\/sec/ {print $2}'); n+="$t "
            output=$(wrk -t2 -c$connections -d${duration}s -s "$work/router.lua" "http://127.0.0.1:$router_port/")
            if grep -q "Non-2xx" <<<"$output"; then echo "wrk saw non-2xx answers from the router:" >&2; echo "$output" >&2; exit 1; fi
            r+="$(awk '/Requests\/sec/ {print $2}' <<<"$output") "
        done
        nm=$(median <<<"$n"); rm=$(median <<<"$r")
        awk -v c="$connections" -v n="$nm" -v r="$rm" 'BEGIN {printf "| wrk | %d | %.0f | %.0f | %.2f |\n", c, n, r, r/n}' >> "$summary"
    done
    echo >> "$summary"
fi

# One harness run with webhooks and writes; prints "webhooks_per_s wrong writes_per_s write_p50_µs
# write_p99_µs late_writes" (webhooks only: the harness's throughput counts the writes too).
harness_writes() { # target_port connections [extra options…]
    harness_run "$@"
    python3 - "$work/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
kinds = r.get("kinds", {})
seconds = r.get("duration_seconds", 1) or 1
hooks = sum(v["correct"] for k, v in kinds.items() if k.startswith("webhook"))
wrong = sum(v["errors"]["wrong_answer"] for v in kinds.values())
writes = [kinds[k] for k in ("assign", "unassign") if k in kinds]
done = sum(v["correct"] for v in writes)
def percentile(name):
    # the larger of the assignments' and unassignments' figures
    return max((v["latency_us"][name] for v in writes), default=0)
print(round(hooks / seconds), wrong, round(done / seconds), round(percentile("p50")), round(percentile("p99")), r.get("late_writes", 0))
PY
}

if wants writes; then
    echo "writes…" >&2
    calm="" busy="" wrong=0 busywrong=0 rates="" p50s="" p99s="" late=0
    for _ in $(seq "$rounds"); do
        read -r t w _ <<<"$(harness_writes $router_port 64 --mix retell=1,vapi=1,bland=1)"; calm+="$t "; wrong=$((wrong + w))
        read -r t w r p50 p99 l <<<"$(harness_writes $router_port 64 --mix retell=1,vapi=1,bland=1 --writes 1000)"
        busy+="$t "; busywrong=$((busywrong + w)); rates+="$r "; p50s+="$p50 "; p99s+="$p99 "; late=$((late + l))
    done
    cm=$(median <<<"$calm"); bm=$(median <<<"$busy")
    {
        echo "## Routing while operators write (1,000 reassignments and unassignments a second)"
        echo
        echo "| load | webhooks/s (median) | vs no writes | wrong answers | writes done/s (median) | write latency p50 / p99 (median) | writes sent late (>100 ms) |"
        echo "|---|---|---|---|---|---|---|"
        awk -v c="$cm" -v w="$wrong" 'BEGIN {printf "| webhooks only (Retell, Vapi, Bland mix) | %.0f | 1.00 | %d | - | - | - |\n", c, w}'
        awk -v c="$cm" -v b="$bm" -v w="$busywrong" -v r="$(median <<<"$rates")" -v p="$(median <<<"$p50s")" -v q="$(median <<<"$p99s")" -v l="$late" \
            'BEGIN {printf "| with 1,000 writes/s | %.0f | %.2f | %d | %.0f | %.1f / %.1f ms | %d |\n", b, b/c, w, r, p/1000, q/1000, l}'
        echo
    } >> "$summary"
fi

if wants sweep; then
    echo "sweep…" >&2
    # Saturation as the median of several closed-loop runs: one run on a shared machine can land
    # far from the rest, and "half the saturated rate" should not inherit its luck.
    sat=""
    for _ in $(seq "$rounds"); do read -r t _ _ <<<"$(harness $router_port 64 --mix retell=1)"; sat+="$t "; done
    saturated=$(median <<<"$sat")
    rates=$(python3 -c "s=float('$saturated'); print(','.join(str(int(s*f)) for f in (0.1,0.25,0.5,0.7,0.85,1.0,1.2)))")
    $BIN loadtest sweep "${dataset[@]}" --target 127.0.0.1:$router_port --connections 64 --duration "$duration" --mix retell=1 \
        --rates "$rates" --svg "$out/sweep.svg" --quiet > "$work/sweep.txt" 2>"$work/sweep.err" || true
    half=$(python3 -c "print(int(float('$saturated')/2))")
    # The same measurement against nginx's fixed 200, as the floor this machine and client set: at
    # the router's half rate, and at half of nginx's own saturation.
    nsat=""
    for _ in $(seq "$rounds"); do read -r t _ _ <<<"$(harness $nginx_port 64 --mix retell=1 --ceiling)"; nsat+="$t "; done
    nhalf=$(python3 -c "print(int(float('$(median <<<"$nsat")')/2))")
    p99s="" np99s="" nhp99s=""
    for _ in $(seq "$rounds"); do
        read -r _ p99 _ <<<"$(harness $router_port 64 --mix retell=1 --rate "$half")"; p99s+="$p99 "
        read -r _ p99 _ <<<"$(harness $nginx_port 64 --mix retell=1 --rate "$half" --ceiling)"; np99s+="$p99 "
        read -r _ p99 _ <<<"$(harness $nginx_port 64 --mix retell=1 --rate "$nhalf" --ceiling)"; nhp99s+="$p99 "
    done
    {
        echo "## Latency against throughput (open loop, Retell webhooks, 64 connections)"
        echo
        echo "closed-loop saturation in this run (median of $rounds): $(printf %.0f "$saturated") req/s (runs: $sat); curve: \`sweep.svg\`"
        echo
        echo '```'
        cat "$work/sweep.txt"
        echo '```'
        echo
        echo "p99 at half the saturated rate ($half req/s, open loop, $rounds runs): median $(median <<<"$p99s") µs, min $(minimum <<<"$p99s") µs"
        echo
        echo "nginx's fixed 200 under the same client, interleaved: at $half req/s p99 median $(median <<<"$np99s") µs, min $(minimum <<<"$np99s") µs;" \
            "at half its own saturation ($nhalf req/s; saturation runs: $nsat) p99 median $(median <<<"$nhp99s") µs, min $(minimum <<<"$nhp99s") µs"
        echo
    } >> "$summary"
fi

if wants providers; then
    echo "providers…" >&2
    rate=10000
    {
        echo "## Inbound webhooks by provider format (signature on), beside nginx's fixed 200"
        echo
        echo "Closed loop, 64 connections: req/s and latency at saturation; open loop at $rate req/s: latency"
        echo "from each request's intended send time. Medians of $rounds interleaved rounds."
        echo
        echo "| format | target | closed req/s | / nginx | closed p50 µs | closed p99 µs | open $rate/s p50 µs | open p99 µs | wrong answers |"
        echo "|---|---|---|---|---|---|---|---|---|"
    } >> "$summary"
    for provider in retell vapi bland; do
        nt="" np50="" np99="" no50="" no99="" rt="" rp50="" rp99="" ro50="" ro99="" wrong=0
        for _ in $(seq "$rounds"); do
            read -r t p50 p99 _ <<<"$(harness_latency $nginx_port 64 --mix $provider=1 --ceiling)"; nt+="$t "; np50+="$p50 "; np99+="$p99 "
            read -r t p50 p99 w <<<"$(harness_latency $router_port 64 --mix $provider=1)"; rt+="$t "; rp50+="$p50 "; rp99+="$p99 "; wrong=$((wrong + w))
            read -r _ p50 p99 _ <<<"$(harness_latency $nginx_port 64 --mix $provider=1 --ceiling --rate $rate)"; no50+="$p50 "; no99+="$p99 "
            read -r _ p50 p99 w <<<"$(harness_latency $router_port 64 --mix $provider=1 --rate $rate)"; ro50+="$p50 "; ro99+="$p99 "; wrong=$((wrong + w))
        done
        awk -v f="$provider" -v t="$(median <<<"$nt")" -v a="$(median <<<"$np50")" -v b="$(median <<<"$np99")" -v c="$(median <<<"$no50")" -v d="$(median <<<"$no99")" \
            'BEGIN {printf "| %s | nginx fixed 200 | %.0f | 1.00 | %.0f | %.0f | %.0f | %.0f | - |\n", f, t, a, b, c, d}' >> "$summary"
        awk -v f="$provider" -v t="$(median <<<"$rt")" -v n="$(median <<<"$nt")" -v a="$(median <<<"$rp50")" -v b="$(median <<<"$rp99")" \
            -v c="$(median <<<"$ro50")" -v d="$(median <<<"$ro99")" -v w="$wrong" \
            'BEGIN {printf "| %s | router | %.0f | %.2f | %.0f | %.0f | %.0f | %.0f | %d |\n", f, t, t/n, a, b, c, d, w}' >> "$summary"
    done
    echo >> "$summary"
fi

if wants startup; then
    echo "startup…" >&2
    {
        echo "## Start-up and memory"
        echo
        echo "| numbers | snapshot | start to /readyz, min | median | RSS after ready | RSS per number (over an empty router) |"
        echo "|---|---|---|---|---|---|"
    } >> "$summary"
    mkdir -p "$work/empty"
    declare -A rss_of_set agents_of_set
    rss_of() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
    start_once() { # data → "millis rss_kB"
        local port; port=$(free_port)
        local begin; begin=$(date +%s%N)
        SWITCHBOARD_ADMIN_TOKEN=$token $BIN serve --listen 127.0.0.1:$port --data "$1" --threads 2 --sync-interval 86400 2>/dev/null &
        local pid=$!
        until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.005; done
        local end; end=$(date +%s%N)
        sleep 0.3
        echo "$(( (end - begin) / 1000000 )) $(rss_of $pid)"
        kill $pid; wait $pid 2>/dev/null || true
    }
    read -r _ empty_rss <<<"$(start_once "$work/empty")"
    # The default data set (most numbers assigned, so about one agent a number), and the same
    # million numbers as a pool (no agents): the difference is what an agent costs.
    for set in 100000:default 1000000:default 1000000:pool; do
        size=${set%%:*} kind=${set##*:}
        mix=(); [ "$kind" = pool ] && mix=(--number-mix unassigned=95,unknown=5 --idle-agents 0)
        seeded=$($BIN loadtest seed --data "$work/start-$size-$kind" --numbers $size --seed 7 "${mix[@]}")
        agents_of_set[$size-$kind]=$(awk '/^seeded/ {for (i = 1; i <= NF; i++) if ($(i+1) ~ /^agents/) print $i}' <<<"$seeded")
        times="" rss=0
        for _ in $(seq "$rounds"); do
            sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
            read -r ms kb <<<"$(start_once "$work/start-$size-$kind")"; times+="$ms "; rss=$kb
        done
        snap=$(du -k "$work/start-$size-$kind"/snapshot-*.snap | awk '{print $1}')
        known=$(( size * 95 / 100 ))
        label="$size ($known in the router)"; [ "$kind" = pool ] && label="$size ($known in the router, no agents: a pool)"
        awk -v l="$label" -v s="$snap" -v mn="$(minimum <<<"$times")" -v md="$(median <<<"$times")" -v r="$rss" -v e="$empty_rss" -v k="$known" \
            'BEGIN {printf "| %s | %.1f MiB | %d ms | %d ms | %.1f MiB | %.0f B |\n", l, s/1024, mn, md, r/1024, (r-e)*1024/k}' >> "$summary"
        rss_of_set[$size-$kind]=$rss
    done
    agents=$(( ${agents_of_set[1000000-default]} - ${agents_of_set[1000000-pool]:-0} ))
    awk -v full="${rss_of_set[1000000-default]}" -v pool="${rss_of_set[1000000-pool]}" -v a="$agents" \
        'BEGIN {printf "\nAn agent costs about %.0f B: (RSS with agents - RSS of the pool) / %d agents.\n", (full-pool)*1024/a, a}' >> "$summary"
    echo >> "$summary"
fi

echo "done: $summary" >&2
cat "$summary"
