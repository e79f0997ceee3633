#!/usr/bin/env bash
# Where the one-message-at-a-time tail lies (issue 10): three nodes, a 1-partition RF 3 topic
# (min.insync.replicas=2), 20,000 messages of Kafka's EndToEndLatency to warm the brokers, then
# bench/tools/E2eTail.java in a fresh JVM, as bench/run.sh's e2e row runs EndToEndLatency, keeping each message's
# latency and start time.
#
#   bench/e2e-tail-rf3.sh dlog|kafka [MESSAGES] [SKIP_SECONDS]
#
# NICE_JIT=N renices the brokers' JIT compiler threads (C1 and C2 CompilerThread) to nice N before the measured run.
#
# IDLE_PARTITIONS=N (default 0) first creates a topic "idle" of N partitions (RF 3) that nothing writes to: a node
# then follows about N/3 partitions from each other node, as in a cluster with many quiet partitions.
#
# Prints the percentiles of the whole run and of the messages sent after SKIP_SECONDS (default 10: the client
# JVM's own warm-up), the brokers' CPU ticks (1/100 s, summed over the three nodes) during the run, the number of
# messages over 5 ms per second of the run, and per node and thread kind (threads of one kind summed) the CPU
# ticks and the voluntary context switches (the thread went to sleep and had to be woken) per message. Ports 32001-32003 and 33001-33003, as the other rf3 scripts.
set -u
N="${2:-20000}"; SKIP="${3:-10}"
B0="$(cd "$(dirname "$0")" && pwd)"
. "$B0/rf3-nodes.sh"
rf3_bench_start e2e-tail-rf3 "${1:?usage: e2e-tail-rf3.sh dlog|kafka [MESSAGES] [SKIP_SECONDS]}"
if [ "${IDLE_PARTITIONS:-0}" -gt 0 ]; then
  java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B --create --topic idle \
    --partitions "$IDLE_PARTITIONS" --replication-factor 3 > "$W/idle.log" 2>&1 || { echo "e2e-tail-rf3: creating idle failed:" >&2; tail -3 "$W/idle.log" >&2; exit 1; }
  sleep 10 # the followers start fetching the new partitions
fi
java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B --create --topic e2e --partitions 1 \
  --replication-factor 3 --config min.insync.replicas=2 > /dev/null 2>&1
java -Xmx512M $L -cp "$CP" org.apache.kafka.tools.EndToEndLatency $B e2e "$N" all 100 > "$W/warm.log" 2>&1 \
  || { echo "e2e-tail-rf3: the warm-up run failed:" >&2; tail -5 "$W/warm.log" >&2; exit 1; }
ticks() { local s=0 p; for p in "${pids[@]}"; do s=$((s + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $s; }
# "node kind ticks switches" per thread; a kind is the thread name without its digits (dlog-network-1-2 -> dlog-network--)
threads() {
  local i=0 p t
  for p in "${pids[@]}"; do i=$((i + 1)); for t in /proc/$p/task/*; do
    echo "$i $(tr -d '0-9 ' < $t/comm 2>/dev/null) $(awk '{print $14+$15}' $t/stat 2>/dev/null) $(awk '/^voluntary_ctxt/ {print $2}' $t/status 2>/dev/null)"
  done; done
}
[ -n "${NICE_JIT:-}" ] && rf3_renice_jit "$NICE_JIT" # the brokers' JIT compiler threads at this nice value for the measured run
before=$(ticks); threads > "$W/threads.0"
java -Xmx512M $L -cp "$CP" "$B0/tools/E2eTail.java" $B e2e "$N" "$W/lat.txt" "$SKIP" || exit 1
threads > "$W/threads.1"
echo "broker CPU ticks during the run: $(( $(ticks) - before ))"
echo "node thread-kind: CPU ticks, wake-ups per message (kinds over 20 ticks or 0.05 wake-ups per message):"
awk -v n="$N" 'NF == 4 { k = $1 " " $2; if (FILENAME ~ /threads.0$/) { t[k] -= $3; w[k] -= $4 } else { t[k] += $3; w[k] += $4 } }
  END { for (k in t) if (t[k] > 20 || w[k] / n > 0.05) printf "  %s: %d, %.2f\n", k, t[k], w[k] / n }' \
  "$W/threads.0" "$W/threads.1" | sort -t: -k2 -nr
echo "messages over 5 ms, per second of the run:"
awk '$2 > 5000 { c[int($1 / 1000000)]++ } END { for (s in c) print s, c[s] }' "$W/lat.txt" | sort -n | tr '\n' ' '; echo
