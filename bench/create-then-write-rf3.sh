#!/usr/bin/env bash
# How soon a new topic takes acks=all writes, side by side (issue 10): three nodes, then bench/tools/CreateThenWrite.java
# creates a 6-partition RF 3 topic (min.insync.replicas=2) and writes one record to each partition at once, ROUNDS
# times (a new topic each). Prints each round's create time and the time from the create's answer to the first and
# the last partition's acknowledgement.
#
#   bench/create-then-write-rf3.sh dlog|kafka [ROUNDS]
#
# Ports 32001-32003 and 33001-33003, as the other rf3 scripts.
set -u
ROUNDS="${2:-6}"
case "$ROUNDS" in ''|*[!0-9]*|0) echo "create-then-write-rf3: ROUNDS is a whole number above 0, not '$ROUNDS'" >&2; exit 2 ;; esac
B0="$(cd "$(dirname "$0")" && pwd)"
. "$B0/rf3-nodes.sh"
rf3_bench_start create-then-write-rf3 "${1:?usage: create-then-write-rf3.sh dlog|kafka [ROUNDS]}"
echo "$WHO:"
java -Xmx256M $L -cp "$CP" "$B0/tools/CreateThenWrite.java" $B "$ROUNDS" 2>/dev/null | grep -E '^(round|mean)'
