#!/usr/bin/env bash
# Runs examples/two_nodes/experiment.toml against a real node (a ctest
# fixture starts and stops the node; the run step fills in its address).
#
#   run_experiment.sh start DIR BINARY   secret, node "worker" on a free port
#   run_experiment.sh run DIR BINARY TOML
#   run_experiment.sh replay DIR BINARY TOML DATA   the replay example, with
#                                        the node reading DATA
#   run_experiment.sh stop DIR           SIGTERM, then check a clean exit
set -euo pipefail

cmd=$1
dir=$2

running() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}

case "$cmd" in
  start)
    binary=$3
    "$0" stop "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
    mkdir -p "$dir"
    head -c 32 /dev/urandom | base64 >"$dir/cluster.key"
    chmod 600 "$dir/cluster.key"
    "$binary" node --name worker --listen 127.0.0.1:0 \
      --secret-file "$dir/cluster.key" >"$dir/worker.out" 2>"$dir/worker.log" &
    echo $! >"$dir/worker.pid"
    for _ in $(seq 1 200); do
      if grep -q "listening on" "$dir/worker.out" 2>/dev/null; then
        sed -n "s/.*listening on \([^ ]*\) .*/\1/p" "$dir/worker.out" |
          head -1 >"$dir/worker.addr"
        exit 0
      fi
      running "$(cat "$dir/worker.pid")" || break
      sleep 0.1
    done
    echo "run_experiment.sh: the node did not start:" >&2
    cat "$dir/worker.out" "$dir/worker.log" >&2 || true
    exit 1
    ;;
  run)
    binary=$3
    toml=$4
    # The file with the node's real address, next to the secret.
    sed "s/^address = .*/address = \"$(cat "$dir/worker.addr")\"/" "$toml" \
      >"$dir/experiment.toml"
    "$binary" run "$dir/experiment.toml" --run-dir "$dir/runs" \
      --report "$dir/report.json"
    # The listener on the node saw its readings (the node prints it).
    for _ in $(seq 1 50); do
      grep -q "readings in order" "$dir/worker.out" && break
      sleep 0.1
    done
    grep "readings in order" "$dir/worker.out" | sed 's/^/node: /'
    ;;
  replay)
    binary=$3
    toml=$4
    data=$5
    sed -e "s/^address = .*/address = \"$(cat "$dir/worker.addr")\"/" \
      -e "s|^paths = .*|paths = [\"$data\"]|" "$toml" >"$dir/replay.toml"
    "$binary" run "$dir/replay.toml" --run-dir "$dir/runs" \
      --report "$dir/replay-report.json"
    ;;
  stop)
    pid=$(cat "$dir/worker.pid" 2>/dev/null) || exit 0
    kill -TERM "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 100); do
      running "$pid" || break
      sleep 0.1
    done
    rm -f "$dir/worker.pid"
    if running "$pid"; then
      kill -9 "$pid" 2>/dev/null || true
      echo "run_experiment.sh: the node did not stop within 10 s" >&2
      exit 1
    fi
    grep -q "stopped" "$dir/worker.out"
    ;;
  *)
    echo "usage: run_experiment.sh start|run|stop DIR ..." >&2
    exit 2
    ;;
esac
