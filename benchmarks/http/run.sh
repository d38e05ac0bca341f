#!/usr/bin/env bash
# HTTP throughput of the router beside nginx answering a fixed 200 (the practical ceiling), both
# measured with wrk in the same run, interleaved round by round. Release build only; loopback only.
#
#   benchmarks/http/run.sh [--rounds N] [--duration SECONDS] [--connections C] [--threads T]
#
# Installs wrk and nginx from Debian packages if they are missing, and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 duration=10 connections=64 threads=2
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        -h|--help) sed -n 2,8p "$0"; exit 0 ;;
        *) echo "unknown argument '$1' (see --help)" >&2; exit 64 ;;
    esac
done

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
BIN=.build/release/switchboard

work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-http-bench.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The router: one account, one agent with a number (for the caller-ID route).
token=bench-admin-token-0123456789abcdef
cat > "$work/seed.jsonl" <<'JSONL'
{"type":"account","id":"default","name":"Default"}
{"type":"provider","account":"default","provider":"retell","api_key":"key_bench_retell","webhook_secret":null,"base_url":"http://127.0.0.1:9/retell","default_caller_id":null}
{"type":"agent","account":"default","id":"front-desk","name":"Front desk","provider":"retell","provider_agent_id":"agent_fd","status":"active"}
{"type":"number","account":"default","number":"+14155550123","provider":"retell","provider_number_id":"+14155550123","status":"active","agent_id":"front-desk"}
JSONL
$BIN snapshot import --data "$work/data" "$work/seed.jsonl" >/dev/null
router_port=$(free_port)
SWITCHBOARD_ADMIN_TOKEN=$token $BIN serve --listen 127.0.0.1:$router_port --data "$work/data" --threads 2 --sync-interval 86400 2>"$work/router.log" &
pids+=($!)

# nginx: the same answer as /healthz, fixed, no logging.
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
        location / { default_type application/json; return 200 '{"status":"ok"}'; }
    }
}
CONF
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)

for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$router_port/readyz" >/dev/null 2>&1 && curl -sf "http://127.0.0.1:$nginx_port/" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$router_port/readyz" >/dev/null || { echo "the router did not become ready" >&2; cat "$work/router.log" >&2; exit 1; }
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$router_port/v1/accounts/default/agents/front-desk/caller-id" | grep -q '"caller_id":"+14155550123"' \
    || { echo "the caller-ID route does not answer as expected" >&2; exit 1; }

declare -A results
rps() { # name url [header]
    local out
    if [ $# -ge 3 ]; then out=$(wrk -t"$threads" -c"$connections" -d"${duration}s" -H "$3" "$2"); else out=$(wrk -t"$threads" -c"$connections" -d"${duration}s" "$2"); fi
    if grep -q "Non-2xx" <<<"$out"; then echo "wrk saw non-2xx answers for $1:" >&2; echo "$out" >&2; exit 1; fi
    grep "Requests/sec" <<<"$out" | awk '{print $2}'
}
# Warm-up, thrown away.
wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$router_port/healthz" >/dev/null
wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$nginx_port/" >/dev/null
for round in $(seq "$rounds"); do
    results[nginx]+="$(rps nginx "http://127.0.0.1:$nginx_port/") "
    results[healthz]+="$(rps healthz "http://127.0.0.1:$router_port/healthz") "
    results[callerid]+="$(rps callerid "http://127.0.0.1:$router_port/v1/accounts/default/agents/front-desk/caller-id" "Authorization: Bearer $token") "
    echo "round $round/$rounds done" >&2
done

stats() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.0f %.0f", a[1], m}'; }
read -r nmin nmed <<<"$(stats "${results[nginx]}")"
read -r hmin hmed <<<"$(stats "${results[healthz]}")"
read -r cmin cmed <<<"$(stats "${results[callerid]}")"
echo
echo "wrk -t$threads -c$connections -d${duration}s, keep-alive; $rounds rounds after a warm-up; router --threads 2, nginx worker_processes 2; $(nproc) CPUs shared by client and server"
echo
echo "| target | min req/s | median req/s | vs nginx (median) |"
echo "|---|---|---|---|"
echo "| nginx, fixed 200 | $nmin | $nmed | 1.00 |"
awk -v a="$hmin" -v b="$hmed" -v n="$nmed" 'BEGIN {printf "| router GET /healthz | %d | %d | %.2f |\n", a, b, b/n}'
awk -v a="$cmin" -v b="$cmed" -v n="$nmed" 'BEGIN {printf "| router GET …/agents/{id}/caller-id | %d | %d | %.2f |\n", a, b, b/n}'
