#!/usr/bin/env bash
# Failover side by side (issue 10): three nodes, a 1-partition RF 3 topic (min.insync.replicas=2), an idempotent
# acks=all producer at the client defaults sending every 10 ms (bench/tools/FailoverTime.java); 10 s in, partition
# 0's leader is killed with kill -9, and the time to the first acknowledged write sent after the kill is printed.
# Both sides run with their defaults: broker.session.timeout.ms 9 s, broker.heartbeat.interval.ms 2 s.
#
#   bench/failover-rf3.sh dlog|kafka [ROUNDS]
#
# A fresh cluster per round; ports as the other rf3 scripts (32001-32003, controllers 33001-33003).
set -u
ROUNDS="${2:-1}"
B0="$(cd "$(dirname "$0")" && pwd)"
. "$B0/rf3-nodes.sh"
for r in $(seq 1 "$ROUNDS"); do
  (
    rf3_bench_start failover-rf3 "${1:?usage: failover-rf3.sh dlog|kafka [ROUNDS]}"
    java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B --create --topic fo --partitions 1 \
      --replication-factor 3 --config min.insync.replicas=2 > /dev/null 2>&1
    sleep 3
    printf "%s round %d: " "$WHO" "$r"
    java -Xmx256M $L -cp "$CP" "$B0/tools/FailoverTime.java" $B fo "1:${pids[0]},2:${pids[1]},3:${pids[2]}" 2>/dev/null \
      | grep FAILOVER
  ) 2>&1 | grep -v Killed # the shell's notice that the killed node's job ended
done
