#!/usr/bin/env bash
# Runs a command inside a new network namespace that has only a loopback interface, so every
# server it starts (a Ray cluster, say) listens on 127.0.0.1 and nothing outside can be reached;
# bounded in time, and the namespace is removed afterwards with every process still inside it.
#
#     tools/netns_run.sh SECONDS COMMAND [ARGS...]
#
# Needs root (or sudo) for `ip netns`. Ray's head, started on a machine with another interface,
# advertises that interface's address even with --node-ip-address=127.0.0.1
# (ray-project/ray#26293): inside the namespace there is no other address to advertise.
set -euo pipefail
limit="$1"; shift
SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
ns="raetest-$$"
cleanup() {
  # Only the processes inside our namespace: those this script started.
  local pids
  pids=$($SUDO ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    $SUDO kill -TERM $pids 2>/dev/null || true
    sleep 2
    pids=$($SUDO ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] || $SUDO kill -KILL $pids 2>/dev/null || true
  fi
  $SUDO ip netns delete "$ns" 2>/dev/null || true
}
trap cleanup EXIT
$SUDO ip netns add "$ns"
$SUDO ip netns exec "$ns" ip link set lo up
# Back to the calling user inside the namespace when sudo was needed.
if [ -n "$SUDO" ]; then
  timeout -k 10 "$limit" $SUDO ip netns exec "$ns" sudo -E -u "$(id -un)" -- "$@"
else
  timeout -k 10 "$limit" ip netns exec "$ns" "$@"
fi
