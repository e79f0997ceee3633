#!/usr/bin/env bash
# What three idle nodes cost (issue 10): the broker CPU a cluster burns with no client traffic, which every
# replicated workload pays on top of its per-byte work.
#
#   bench/idle-cpu-rf3.sh dlog|kafka [WINDOWS] [SECONDS]
#
# Starts three DLog nodes (broker/target/dlog.jar) or three Kafka 4.3 nodes (KRaft, the classpath bench/run.sh
# builds) as bench/latency-split-rf3.sh does (ports 32001-32003, controllers 33001-33003), creates topic rf3 (6
# partitions, RF 3, min.insync.replicas=2), warms the nodes with 1.5 M acks=all records (ProducerPerformance,
# 100 B, as the replicated workload), waits 20 s, then prints per window and node the CPU used (percent of one
# core, from /proc/PID/stat) and the JIT compilers' share of it (jstat -compiler: compile time in the window).
set -u
WINDOWS="${2:-3}"; SECS="${3:-30}"
. "$(cd "$(dirname "$0")" && pwd)/rf3-nodes.sh"
rf3_bench_start idle-cpu-rf3 "${1:?usage: idle-cpu-rf3.sh dlog|kafka [WINDOWS] [SECONDS]}"
java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B --create --topic rf3 --partitions 6 \
  --replication-factor 3 --config min.insync.replicas=2 2>&1 | tail -1
java $L -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic rf3 --num-records 1500000 --record-size 100 \
  --throughput -1 --producer-props bootstrap.servers=$B acks=all linger.ms=5 batch.size=65536 2>&1 | tail -1
sleep 20
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
jit() { jstat -compiler "$1" | awk 'NR==2{print $4}'; }
hz=$(getconf CLK_TCK)
for w in $(seq 1 "$WINDOWS"); do
  c0=(); j0=(); for p in "${pids[@]}"; do c0+=("$(ticks "$p")"); j0+=("$(jit "$p")"); done
  sleep "$SECS"
  for i in 0 1 2; do
    c=$(ticks "${pids[$i]}"); j=$(jit "${pids[$i]}")
    awk -v w="$w" -v n=$((i + 1)) -v who="$WHO" -v dc=$((c - ${c0[$i]})) -v hz="$hz" -v s="$SECS" -v j1="$j" -v j0="${j0[$i]}" \
      'BEGIN { printf "%s window %d node %d: %.1f%% of a core, JIT compiling %.1f%%\n", who, w, n, 100 * dc / hz / s, 100 * (j1 - j0) / s }'
  done
done
