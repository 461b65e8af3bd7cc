#!/usr/bin/env bash
# Memory over a soak, beside btop: 50 HTTP checks every 100 ms against a
# local target (a day of 5 s samples in 30 minutes), `opsdeck run`
# (release) and btop each in tmux at 120x40; prints the RSS of both at the
# start (after 15 s: the console gives back its start-up pages at 10 s) and
# the end, every minute in between, and the most seen at those readings.
# Usage: benches/soak_rss.sh [MINUTES] (default 30)
set -euo pipefail
mins=${1:-30}
source "$(dirname "$0")/console_bench.sh"
need_btop
cargo build --release -q
start_target
write_plan 50 100ms
start_in_tmux opsdeck "$bin" run "$work/plan.toml"
start_in_tmux btop btop
sleep 15
o_start=$(rss_kb "$pid_opsdeck"); b_start=$(rss_kb "$pid_btop")
o_max=$o_start
t0=$(cpu_ticks "$pid_opsdeck")
for m in $(seq "$mins"); do
  sleep 60
  o_now=$(rss_kb "$pid_opsdeck"); [ "$o_now" -gt "$o_max" ] && o_max=$o_now
  printf 'minute %3d: opsdeck RSS %.1f MB, btop RSS %.1f MB\n' "$m" "$(awk -v k="$o_now" 'BEGIN { print k/1024 }')" "$(rss_kb "$pid_btop" | awk '{print $1/1024}')"
done
o_end=$(rss_kb "$pid_opsdeck"); b_end=$(rss_kb "$pid_btop")
t1=$(cpu_ticks "$pid_opsdeck")
echo "soak of ${mins} min, 50 HTTP checks every 100 ms ($((mins * 60 * 500)) samples planned)"
awk -v a="$o_start" -v b="$o_end" -v m="$o_max" 'BEGIN { printf "opsdeck  RSS at start %.1f MB, at end %.1f MB, most %.1f MB\n", a/1024, b/1024, m/1024 }'
awk -v a="$b_start" -v b="$b_end" 'BEGIN { printf "btop     RSS at start %.1f MB, at end %.1f MB\n", a/1024, b/1024 }'
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$((mins * 60))" 'BEGIN { printf "opsdeck CPU over the soak: %.1f%% of a core\n", (b-a)/hz/s*100 }'
