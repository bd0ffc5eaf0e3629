#!/usr/bin/env bash
# Three `troupe node` processes, each in a network namespace of its own on
# a private subnet, joined by a bridge; the controller runs in this
# namespace. Needs root (ip netns, veth, bridge); skipped with status 77
# otherwise. Everything it creates is removed on exit, failure included.
#
#   netns.sh NODE_BINARY CONTROLLER_BINARY
set -euo pipefail

node_binary=$1
controller_binary=$2

skip() {
  echo "netns: skipped: $*"
  exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "the ip command (Debian package iproute2) is missing"

# Names unique to this run: parallel runs must not collide. Interface
# names stay within 15 characters.
tag="tr$$"
ip netns add "${tag}probe" 2>/dev/null \
  || skip "cannot create network namespaces here (no CAP_SYS_ADMIN?)"
ip netns del "${tag}probe"

dir=$(mktemp -d)
pids=()
namespaces=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  for ns in "${namespaces[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "${tag}br" 2>/dev/null || true
  if [ $status -ne 0 ]; then
    for log in "$dir"/*.log; do
      echo "== $log"
      cat "$log"
    done
  fi
  rm -rf "$dir"
  exit $status
}
trap cleanup EXIT

# A /24 picked from the pid, in 10.200.0.0/13, so that runs differ.
net="10.$((200 + ($$ % 8))).$((($$ / 8) % 250 + 1))"
ip link add "${tag}br" type bridge
ip addr add "$net.1/24" dev "${tag}br"
ip link set "${tag}br" up

head -c 32 /dev/urandom | base64 >"$dir/secret"
chmod 600 "$dir/secret"

nodes=()
for i in 1 2 3; do
  ns="${tag}n$i"
  ip netns add "$ns"
  namespaces+=("$ns")
  ip link add "${tag}v$i" type veth peer name "${tag}p$i"
  ip link set "${tag}p$i" netns "$ns"
  ip link set "${tag}v$i" master "${tag}br" up
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip addr add "$net.$((i + 1))/24" dev "${tag}p$i"
  ip netns exec "$ns" ip link set "${tag}p$i" up
  # Not loopback: the secret is required.
  ip netns exec "$ns" "$node_binary" node --name "ns$i" \
    --listen "$net.$((i + 1)):0" --secret-file "$dir/secret" \
    >"$dir/ns$i.out" 2>"$dir/ns$i.log" &
  pids+=($!)
done

for i in 1 2 3; do
  for _ in $(seq 1 200); do
    grep -q "listening on" "$dir/ns$i.out" 2>/dev/null && break
    sleep 0.1
  done
  address=$(sed -n "s/.*listening on \([^ ]*\) .*/\1/p" "$dir/ns$i.out")
  [ -n "$address" ] || { echo "netns: node ns$i did not start"; exit 1; }
  nodes+=("ns$i=$address")
done

"$controller_binary" "$dir/secret" "${nodes[@]}"
