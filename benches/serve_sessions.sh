#!/usr/bin/env bash
# `opsdeck serve --demo` (release build) watched over real `ssh`, in one
# run: first 1 session, then 20, each ssh client in its own detached tmux
# session at 120x40 under `script` (which counts every byte the client
# writes to its terminal), each with its own key. Nothing is typed. For
# each, over the window it prints the serve process's CPU (process CPU
# time / wall time, % of one core), its RSS at the end, and the bytes per
# second each session's terminal received (mean, and the busiest).
# Usage: benches/serve_sessions.sh [SECONDS] (default 60; 10 s settle first)
set -euo pipefail
secs=${1:-60}
source "$(dirname "$0")/console_bench.sh"
cargo build --release -q
mkdir -p "$work/keys.d" "$work/state"
: > "$work/keys"
for i in $(seq 20); do
  ssh-keygen -q -t ed25519 -N '' -C "op$i" -f "$work/keys.d/op$i"
  echo "$(cut -d' ' -f1,2 "$work/keys.d/op$i.pub") op$i operator" >> "$work/keys"
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
XDG_STATE_HOME="$work/state" "$bin" serve --demo --listen "127.0.0.1:$port" --keys "$work/keys" 2> "$work/serve.err" &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do grep -q "on 127.0.0.1:$port" "$work/serve.err" 2>/dev/null && break; sleep 0.1; done

ssh_cmd() { # KEY
  echo "ssh -q -tt -i $work/keys.d/$1 -p $port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes $1@127.0.0.1"
}

measure() { # N
  local n=$1 names=() i
  for i in $(seq "$n"); do
    start_in_tmux "s${n}_$i" "$(ssh_cmd "op$i")"
    names+=("s${n}_$i")
  done
  sleep 10
  local c0 c1 b0=() b1=()
  c0=$(cpu_ticks "$serve_pid")
  for s in "${names[@]}"; do b0+=("$(out_bytes "$s")"); done
  sleep "$secs"
  c1=$(cpu_ticks "$serve_pid")
  for s in "${names[@]}"; do b1+=("$(out_bytes "$s")"); done
  local per=() k
  for k in "${!names[@]}"; do per+=($(( (b1[k] - b0[k]) / secs ))); done
  printf '%s\n' "${per[@]}" | awk -v n="$n" -v a="$c0" -v b="$c1" -v hz="$hz" -v s="$secs" -v r="$(rss_kb "$serve_pid")" \
    '{ sum += $1; if ($1 > max) max = $1 } END {
       printf "%2d sessions: serve %6.2f%% of a core (%.2f CPU-s)  RSS %5.1f MB  %6.0f bytes/s per session (busiest %.0f)\n",
         n, (b-a)/hz/s*100, (b-a)/hz, r/1024, sum/n, max }'
  for s in "${names[@]}"; do tmux kill-session -t "bench-$$-$s" 2>/dev/null || true; done
  sleep 3
}

echo "opsdeck serve --demo watched over ssh at 120x40 for ${secs}s"
measure 1
measure 20
