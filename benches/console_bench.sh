# Shared by benches/idle_cpu.sh and benches/soak_rss.sh (sourced, not run):
# a local HTTP target, a plan of N HTTP checks against it, and programs
# run in detached tmux sessions at 120x40 under `script`, whose typescript
# counts every byte the program writes to its terminal. btop, the anchor,
# is installed from Debian's package when missing.
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
bin="$target_dir/release/opsdeck"
work=$(mktemp -d)
sessions=()
cleanup() {
  # The programs first: a killed tmux session leaves them running under `script`.
  local v
  for v in ${!pid_@}; do [ -n "${!v}" ] && kill "${!v}" 2>/dev/null || true; done
  for s in "${sessions[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

need_btop() {
  command -v btop >/dev/null || { apt-get install -y -q btop >/dev/null || { echo "cannot install btop (the anchor)" >&2; exit 1; }; }
}

# The target: answers every GET with 200 "ok".
start_target() {
  cat > "$work/target.py" <<'PY'
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
  python3 "$work/target.py" > "$work/port" &
  server=$!
  for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
}

# A plan of $1 HTTP checks every $2 against the target.
write_plan() {
  printf '[deck]\nname = "bench"\nroom = "bench-%s"\n' "$$" > "$work/plan.toml"
  for i in $(seq "$1"); do
    printf '[[check]]\nid = "api-%03d"\nname = "Service %03d health"\nhttp = { url = "http://127.0.0.1:%s/health/%s" }\nevery = "%s"\nband = { target = "< 200", acceptable = "< 500", critical = "> 1s" }\n' \
      "$i" "$i" "$port" "$i" "$2" >> "$work/plan.toml"
  done
}

# Runs $2... in tmux session named $1 at 120x40 under `script`; sets pid_$1
# to the program's pid; its output is counted in $work/$1.out.
start_in_tmux() {
  local name=$1; shift
  local s="bench-$$-$name"
  sessions+=("$s")
  mkdir -p "$work/home-$name"
  tmux new-session -d -s "$s" -x 120 -y 40 \
    "cd $PWD && HOME=$work/home-$name XDG_STATE_HOME=$work/home-$name XDG_CONFIG_HOME=$work/home-$name TERM=xterm-256color script -q -f -c 'exec $*' $work/$name.out"
  local shell_pid pid=""
  for _ in $(seq 100); do
    shell_pid=$(tmux display -p -t "$s" '#{pane_pid}')
    pid=$(pgrep -P "$(pgrep -P "$shell_pid" | head -1 || true)" 2>/dev/null | head -1 || true)
    [ -z "$pid" ] && pid=$(pgrep -P "$shell_pid" | head -1 || true)
    [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" != script ] && break
    sleep 0.1
  done
  printf -v "pid_$name" '%s' "$pid"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
out_bytes() { stat -c %s "$work/$1.out"; }
hz=$(getconf CLK_TCK)
