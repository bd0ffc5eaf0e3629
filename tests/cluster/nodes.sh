#!/usr/bin/env bash
# Starts and stops the `troupe node` processes of the cluster tests (a ctest
# fixture). Every node listens on 127.0.0.1 with a port the kernel picks;
# its "HOST:PORT" goes to DIR/NAME.addr, its pid to DIR/NAME.pid, its
# output to DIR/NAME.out and DIR/NAME.log.
#
#   nodes.sh start DIR NODE_BINARY     shared secret, TLS material, nodes
#   nodes.sh stop DIR                  SIGTERM, then check clean exits
set -euo pipefail

# Whether a process still runs (a zombie whose parent is gone does not).
running() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}

cmd=$1
dir=$2

# Waits until a node printed where it listens; writes its address.
await_listening() {
  local name=$1
  for _ in $(seq 1 200); do
    if grep -q "listening on" "$dir/$name.out" 2>/dev/null; then
      sed -n "s/.*listening on \([^ ]*\) .*/\1/p" "$dir/$name.out" | head -1 \
        >"$dir/$name.addr"
      return 0
    fi
    if ! running "$(cat "$dir/$name.pid")"; then
      echo "nodes.sh: node $name exited early:" >&2
      cat "$dir/$name.out" "$dir/$name.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "nodes.sh: node $name did not start within 20 s" >&2
  return 1
}

# start_node NAME ARGS...
start_node() {
  local name=$1
  shift
  "$binary" node --name "$name" --listen 127.0.0.1:0 "$@" \
    >"$dir/$name.out" 2>"$dir/$name.log" &
  echo $! >"$dir/$name.pid"
}

# make_cert DIR NAME CA: a key and a certificate signed by CA.
make_cert() {
  local out=$1 name=$2 ca=$3
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$out/$name.key" -out "$out/$name.csr" -subj "/CN=$name" \
    2>/dev/null
  openssl x509 -req -in "$out/$name.csr" -CA "$out/$ca.pem" \
    -CAkey "$out/$ca.key" -CAcreateserial -out "$out/$name.pem" -days 2 \
    2>/dev/null
  chmod 600 "$out/$name.key"
}

make_ca() {
  local out=$1 name=$2
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$out/$name.key" -out "$out/$name.pem" -days 2 -subj "/CN=$name" \
    2>/dev/null
}

case "$cmd" in
  start)
    binary=$3
    "$0" stop "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
    mkdir -p "$dir/tls"
    head -c 32 /dev/urandom | base64 >"$dir/secret"
    chmod 600 "$dir/secret"
    # Test certificates, made fresh: a cluster CA with certificates for a
    # node and a controller, and another CA with a certificate of its own.
    make_ca "$dir/tls" ca
    make_ca "$dir/tls" other-ca
    make_cert "$dir/tls" node ca
    make_cert "$dir/tls" controller ca
    make_cert "$dir/tls" stranger other-ca
    secret=(--secret-file "$dir/secret")
    start_node n1 "${secret[@]}"
    start_node n2 "${secret[@]}"
    start_node victim "${secret[@]}"
    start_node guarded "${secret[@]}"
    start_node sleeper "${secret[@]}"
    # Placement: resources run on `placed`; `doomed` and `doomed2` are
    # killed under them.
    start_node placed "${secret[@]}"
    start_node doomed "${secret[@]}"
    start_node doomed2 "${secret[@]}"
    start_node tls1 "${secret[@]}" --tls-cert "$dir/tls/node.pem" \
      --tls-key "$dir/tls/node.key" --tls-ca "$dir/tls/ca.pem"
    for name in n1 n2 victim guarded sleeper placed doomed doomed2 tls1; do
      await_listening "$name"
    done
    ;;
  stop)
    status=0
    shopt -s nullglob
    for pidfile in "$dir"/*.pid; do
      name=$(basename "$pidfile" .pid)
      pid=$(cat "$pidfile")
      kill -TERM "$pid" 2>/dev/null || continue
      for _ in $(seq 1 100); do
        running "$pid" || break
        sleep 0.1
      done
      if running "$pid"; then
        echo "nodes.sh: node $name did not stop within 10 s of SIGTERM" >&2
        kill -9 "$pid" 2>/dev/null || true
        status=1
      elif ! grep -q "stopped" "$dir/$name.out"; then
        echo "nodes.sh: node $name did not shut down cleanly:" >&2
        cat "$dir/$name.log" >&2
        status=1
      fi
      rm -f "$pidfile"
    done
    exit $status
    ;;
  *)
    echo "usage: nodes.sh start DIR NODE_BINARY | stop DIR" >&2
    exit 2
    ;;
esac
