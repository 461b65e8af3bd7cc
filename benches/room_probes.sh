#!/usr/bin/env bash
# One prober per room, measured with real processes: a local HTTP target
# counts its requests while 1, then 10 release consoles share one
# PostgreSQL room (each in its own detached tmux session at 100x30), and
# prints probes per second on the target for both, side by side, as a
# ratio; then SIGKILLs the room's prober and prints how long until the
# target is probed again (the takeover), and the connections the consoles
# hold on the journal's database.
# Usage: benches/room_probes.sh [SECONDS]   (PostgreSQL: $OPSDECK_BENCH_POSTGRES_URL,
# default postgres://postgres@127.0.0.1:5432/test)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
pg=${OPSDECK_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
cargo build --release -q
work=$(mktemp -d)
sessions=()
cleanup() {
  for s in "${sessions[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The target: counts GETs; /count says how many so far.
cat > "$work/target.py" <<'EOF'
import http.server, sys
hits = 0
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global hits
        if self.path == "/count":
            body = str(hits).encode()
        else:
            hits += 1
            body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
EOF
python3 "$work/target.py" > "$work/port" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
count() { curl -s "http://127.0.0.1:$port/count"; }

checks=5
plan() { # ROOM
  printf '[deck]\nname = "room probes"\nroom = "%s"\n' "$1"
  for i in $(seq "$checks"); do
    printf '[[check]]\nid = "api-%s"\nhttp = { url = "http://127.0.0.1:%s/health/%s" }\nevery = "1s"\n' "$i" "$port" "$i"
  done
}

start() { # ROOM N
  plan "$1" > "$work/$1.toml"
  for i in $(seq "$2"); do
    s="room-probes-$$-$1-$i"
    sessions+=("$s")
    mkdir -p "$work/home-$1-$i"
    tmux new-session -d -s "$s" -x 100 -y 30 \
      "XDG_STATE_HOME=$work/home-$1-$i XDG_CONFIG_HOME=$work/home-$1-$i ./target/release/opsdeck run $work/$1.toml --store $pg --as c$i"
  done
}

rate() { # probes/s on the target over $secs
  local a b
  a=$(count); sleep "$secs"; b=$(count)
  awk -v a="$a" -v b="$b" -v s="$secs" 'BEGIN { printf "%.2f", (b-a)/s }'
}

room1="bench-one-$$"
start "$room1" 1
sleep 5
one=$(rate)
for s in "${sessions[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
sessions=()
sleep 2

room10="bench-ten-$$"
start "$room10" 10
sleep 8
ten=$(rate)
conns=$(psql "$pg" -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'opsdeck'")

holder=$(psql "$pg" -Atc "SELECT actor->>'name' FROM room_prober WHERE room = '$room10'")
victim=$(pgrep -f "opsdeck run $work/$room10.toml --store .* --as $holder\$" | head -1)
before=$(count)
t0=$(date +%s.%N)
kill -9 "$victim"
while [ "$(count)" -le "$before" ]; do sleep 0.05; done
# Probes already in flight may land just after the kill: wait for a fresh one.
before=$(count)
while [ "$(count)" -le "$before" ]; do sleep 0.05; done
t1=$(date +%s.%N)
after=$(psql "$pg" -Atc "SELECT actor->>'name' FROM room_prober WHERE room = '$room10'")

echo "plan: $checks HTTP checks every 1s; ${secs}s windows"
echo "1 console:   $one probes/s on the target"
echo "10 consoles: $ten probes/s on the target (ratio to 1 console: $(awk -v a="$one" -v b="$ten" 'BEGIN { printf "%.2f", b/a }'))"
echo "takeover after SIGKILL of the prober ($holder): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b-a }') s, now probed by $after"
echo "connections of 10 consoles to the journal's database: $conns ($(awk -v c="$conns" 'BEGIN { printf "%.1f", c/10 }') per console)"
