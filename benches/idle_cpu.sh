#!/usr/bin/env bash
# The idle console beside btop, in one run: 50 HTTP checks every 5 s
# against a local target, `opsdeck run` (release build) and btop each in a
# detached tmux session at 120x40; nothing is typed. Over the window it
# prints, for both: CPU (process CPU time / wall time, % of one core),
# bytes per second written to the terminal (counted by `script`), and RSS.
# Usage: benches/idle_cpu.sh [SECONDS] (default 60; 10 s settle first)
set -euo pipefail
secs=${1:-60}
source "$(dirname "$0")/console_bench.sh"
need_btop
cargo build --release -q
start_target
write_plan 50 5s
start_in_tmux opsdeck "$bin" run "$work/plan.toml"
start_in_tmux btop btop
sleep 10
o0=$(cpu_ticks "$pid_opsdeck"); b0=$(cpu_ticks "$pid_btop")
ob0=$(out_bytes opsdeck); bb0=$(out_bytes btop)
sleep "$secs"
o1=$(cpu_ticks "$pid_opsdeck"); b1=$(cpu_ticks "$pid_btop")
ob1=$(out_bytes opsdeck); bb1=$(out_bytes btop)
line() { # NAME T0 T1 BYTES0 BYTES1 PID
  awk -v n="$1" -v a="$2" -v b="$3" -v x="$4" -v y="$5" -v r="$(rss_kb "$6")" -v hz="$hz" -v s="$secs" \
    'BEGIN { printf "%-8s %6.2f%% of a core (%.2f CPU-s)  %7.0f bytes/s to the terminal  RSS %.1f MB\n", n, (b-a)/hz/s*100, (b-a)/hz, (y-x)/s, r/1024 }'
}
echo "idle for ${secs}s at 120x40; opsdeck with 50 HTTP checks every 5s"
line opsdeck "$o0" "$o1" "$ob0" "$ob1" "$pid_opsdeck"
line btop "$b0" "$b1" "$bb0" "$bb1" "$pid_btop"
