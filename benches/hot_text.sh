#!/usr/bin/env bash
# Regenerates src/hot_text.order, the functions an idle console keeps
# running, which build.rs has the linker place side by side at the start of
# a release build's text (see build.rs for why). It runs the release
# console with 50 HTTP checks every 5 s at 120x40, as benches/idle_cpu.sh
# does, samples it with perf (call stacks unwound from DWARF, so callers
# count too) and records the pages of its text it faults back in after it
# gave its start-up pages back (functions run too rarely to be sampled,
# each of which would keep a block of cold code resident). The build is
# stripped, so benches/hot_text.py names the addresses through the
# linker's map (build.rs has it written) and writes the list: sampled
# functions most often seen first, then the faulting ones, then the
# previous list's functions the build still has, so that running it again
# only adds what it newly saw.
# Usage: benches/hot_text.sh [SECONDS] (default 90). Needs perf (Debian's
# linux-perf, installed when missing) and readelf (binutils).
set -euo pipefail
secs=${1:-90}
source "$(dirname "$0")/console_bench.sh"
command -v perf >/dev/null || apt-get install -y -q linux-perf >/dev/null || { echo "cannot install perf" >&2; exit 1; }
cargo build --release -q
link_map=$(ls -t "$target_dir"/release/build/opsdeck-*/out/opsdeck.map | head -n 1)
start_target
write_plan 50 5s
start_in_tmux opsdeck "$bin" run "$work/plan.toml"
sleep 3
cp "/proc/$pid_opsdeck/maps" "$work/maps"
perf record -q -F 20000 --call-graph dwarf,16384 -o "$work/perf.data" -p "$pid_opsdeck" -- sleep "$secs" 2>/dev/null &
sampling=$!
# The console gives its start-up pages back 10 s after it starts.
sleep 8
perf record -q -e page-faults -c 1 -o "$work/faults.data" -p "$pid_opsdeck" -- sleep $((secs - 8)) 2>/dev/null
wait "$sampling"
perf script -i "$work/perf.data" -F ip,dso 2>/dev/null > "$work/samples"
perf script -i "$work/faults.data" -F ip,dso 2>/dev/null > "$work/faults"
python3 benches/hot_text.py "$bin" "$link_map" "$work/maps" "$work/samples" "$work/faults" src/hot_text.order > "$work/order"
mv "$work/order" src/hot_text.order
echo "src/hot_text.order: $(wc -l < src/hot_text.order) functions"
