#!/usr/bin/env bash
# 1000 HTTP checks every second, opsdeck beside Prometheus + blackbox_exporter
# in one run. A local target (examples/http_target.rs: `{"status":"ok"}` over
# keep-alive, counting requests at /count) is probed first by the release
# console (`opsdeck run PLAN` in a detached tmux session at 120x40; every
# fourth check also asserts `$.status == "ok"`), then by Prometheus scraping
# blackbox_exporter for the same 1000 URLs (scrape_interval 1s; every fourth
# target through a module that matches the body). For each: CPU over the
# window (utime+stime from /proc/PID/stat; Prometheus and blackbox_exporter
# together), probes/s counted by the target, and µs of CPU per probe; then
# the ratio. Prometheus and blackbox_exporter are installed from Debian's
# packages when missing, and run on their own ports with their own storage.
# Usage: benches/probe_load.sh [SECONDS] [CHECKS]   (default 30 s after a 10 s warm-up, 1000)
#   OPSDECK_BIN=path measures another opsdeck binary (an earlier build, say);
#   OPSDECK_BENCH_NO_BUILD=1 skips the release build.
set -euo pipefail
secs=${1:-30}
checks=${2:-1000}
warmup=10
source "$(dirname "$0")/console_bench.sh"
bin=${OPSDECK_BIN:-$bin}

pids=()
cleanup_load() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  cleanup
}
trap cleanup_load EXIT

need_prometheus() {
  if ! command -v prometheus >/dev/null || ! command -v prometheus-blackbox-exporter >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus prometheus-blackbox-exporter >/dev/null ||
      { echo "cannot install prometheus and prometheus-blackbox-exporter (the anchor)" >&2; exit 1; }
  fi
}

# A free TCP port on 127.0.0.1 (the kernel picks it; a race is unlikely).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

need_prometheus
[ -n "${OPSDECK_BENCH_NO_BUILD:-}" ] || cargo build --release -q --bin opsdeck --example http_target

"$target_dir/release/examples/http_target" --threads 1 > "$work/target.port" &
server=$!
for _ in $(seq 50); do [ -s "$work/target.port" ] && break; sleep 0.1; done
port=$(sed 's/^port //' "$work/target.port")
count() { curl -s "http://127.0.0.1:$port/count"; }
url() { printf 'http://127.0.0.1:%s/health/%s' "$port" "$1"; }

# The plan: $checks HTTP checks every 1s; every fourth asserts on the JSON body.
printf '[deck]\nname = "probe load"\nroom = "load-%s"\n' "$$" > "$work/plan.toml"
for i in $(seq "$checks"); do
  printf '[[check]]\nid = "api-%04d"\nname = "Service %04d health"\nhttp = { url = "%s" }\nevery = "1s"\ntimeout = "900ms"\n' \
    "$i" "$i" "$(url "$i")" >> "$work/plan.toml"
  [ $((i % 4)) -eq 0 ] && printf "assert = ['\$.status == \"ok\"']\n" >> "$work/plan.toml"
  printf 'band = { target = "< 200", acceptable = "< 500", critical = "> 1s" }\n' >> "$work/plan.toml"
done

# CPU ticks of several processes together.
cpu_of() { local t=0; for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }

# Measures the processes $2... over the window; sets result_$1 to
# "CPU-ticks probes".
measure() {
  local name=$1; shift
  sleep "$warmup"
  local c0 n0 c1 n1
  c0=$(cpu_of "$@"); n0=$(count)
  sleep "$secs"
  c1=$(cpu_of "$@"); n1=$(count)
  printf -v "result_$name" '%s %s' "$((c1 - c0))" "$((n1 - n0))"
}

# 1. opsdeck
start_in_tmux opsdeck "$bin" run "$work/plan.toml"
pids+=("$pid_opsdeck")
measure opsdeck "$pid_opsdeck"
# Ended by its pid: a killed tmux session leaves it running (under `script`).
kill "$pid_opsdeck" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$pid_opsdeck" 2>/dev/null || break; sleep 0.1; done
for s in "${sessions[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
sessions=()
sleep 2

# 2. Prometheus + blackbox_exporter
bb_port=$(free_port)
prom_port=$(free_port)
cat > "$work/blackbox.yml" <<'YML'
modules:
  http_2xx:
    prober: http
    timeout: 900ms
    http:
      preferred_ip_protocol: ip4
  http_json:
    prober: http
    timeout: 900ms
    http:
      preferred_ip_protocol: ip4
      fail_if_body_not_matches_regexp: ['"status":"ok"']
YML
{
  printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n'
  for module in http_2xx http_json; do
    printf '  - job_name: %s\n    metrics_path: /probe\n    params:\n      module: [%s]\n    static_configs:\n      - targets:\n' "$module" "$module"
    for i in $(seq "$checks"); do
      if { [ "$module" = http_json ] && [ $((i % 4)) -eq 0 ]; } || { [ "$module" = http_2xx ] && [ $((i % 4)) -ne 0 ]; }; then
        printf '        - %s\n' "$(url "$i")"
      fi
    done
    printf '    relabel_configs:\n      - source_labels: [__address__]\n        target_label: __param_target\n'
    printf '      - source_labels: [__param_target]\n        target_label: instance\n'
    printf '      - target_label: __address__\n        replacement: 127.0.0.1:%s\n' "$bb_port"
  done
} > "$work/prometheus.yml"
prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bb_port" > "$work/blackbox.log" 2>&1 &
bb=$!
pids+=("$bb")
prometheus --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$prom_port" \
  --storage.tsdb.path="$work/prom-data" > "$work/prometheus.log" 2>&1 &
prom=$!
pids+=("$prom")
measure prometheus "$prom" "$bb"

line() { # NAME TICKS PROBES
  awk -v n="$1" -v t="$2" -v p="$3" -v hz="$hz" -v s="$secs" \
    'BEGIN { printf "%-26s %6.1f%% of a core  %7.1f probes/s  %6.0f µs of CPU per probe\n", n, t/hz/s*100, p/s, (p > 0 ? t/hz/p*1e6 : 0) }'
}
read -r o_ticks o_probes <<< "$result_opsdeck"
read -r p_ticks p_probes <<< "$result_prometheus"
echo "$checks HTTP checks every 1s (every fourth asserting on the JSON body), ${secs}s after ${warmup}s warm-up, console at 120x40"
line "opsdeck run" "$o_ticks" "$o_probes"
line "prometheus+blackbox" "$p_ticks" "$p_probes"
awk -v o="$o_ticks" -v op="$o_probes" -v p="$p_ticks" -v pp="$p_probes" \
  'BEGIN { if (o > 0 && op > 0 && pp > 0) printf "ratio (prometheus+blackbox / opsdeck): %.1fx the CPU, %.1fx the CPU per probe\n", p/o, (p/pp)/(o/op) }'
