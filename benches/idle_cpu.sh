#!/usr/bin/env bash
# Idle CPU of the console: runs `opsdeck demo` (release build) in a detached
# tmux session at 120x40, lets it settle, then reads the process's CPU time
# from /proc over a window. Nothing is typed, so only samples and the
# one-second clock wake it. Usage: benches/idle_cpu.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
cargo build --release -q
session=opsdeck-idle-$$
tmux new-session -d -s "$session" -x 120 -y 40 "./target/release/opsdeck demo"
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT
sleep 5
pid=$(pgrep -n -f "target/release/opsdeck demo")
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); sleep "$secs"; t1=$(ticks)
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" 'BEGIN { printf "opsdeck demo, idle for %ds: %.2f%% of one core (%.3f CPU-seconds)\n", s, (b-a)/hz/s*100, (b-a)/hz }'
