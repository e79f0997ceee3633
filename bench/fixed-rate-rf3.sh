#!/usr/bin/env bash
# Fixed-rate acks=all latency on fresh three-node clusters (issue 10): per round one new cluster of the side named,
# a full-throughput warm-up producer (400,000 records of 1 KiB), then three producers of 100-byte records at 100,000
# records/s and one of 1 KiB records at 20,000 records/s, each for 3 s of warm-up (left out of its figures by the
# tool's --warmup-records) and 15 s measured, each on a new RF 3 topic of 6 partitions (min.insync.replicas=2),
# deleted after its run. The producer settings are bench/run.sh's (acks=all batch.size=65536, its tool JVM options)
# with linger.ms=$LINGER_MS (default 5, Kafka 4's default; 0 shows the brokers' part without the producer's linger).
# Prints each run's summary line.
#
#   bench/fixed-rate-rf3.sh dlog|kafka [ROUNDS]
#
# Env: LINGER_MS; DLOG_PROPS (extra lines for the DLog nodes' server.properties, see rf3-nodes.sh). Ports as the
# other rf3 scripts.
set -u
B0="$(cd "$(dirname "$0")" && pwd)"
WHO_ARG="${1:?usage: fixed-rate-rf3.sh dlog|kafka [ROUNDS]}"; ROUNDS="${2:-3}"
LINGER_MS="${LINGER_MS:-5}"
TOOL_OPTS="-Xmx512M -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"

one_cluster() {
  (
    . "$B0/rf3-nodes.sh"
    rf3_bench_start fixed-rate-rf3 "$WHO_ARG"
    topics() { java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "$B" "$@" >/dev/null 2>&1; }
    run() {  # topic, then ProducerPerformance's arguments
      local t="$1"; shift
      topics --create --topic "$t" --partitions 6 --replication-factor 3 --config min.insync.replicas=2
      java $TOOL_OPTS $L -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic "$t" "$@" \
        --producer-props bootstrap.servers="$B" acks=all linger.ms="$LINGER_MS" batch.size=65536 2>&1 | tail -1 | sed "s/^/  $t: /"
      topics --delete --topic "$t"
    }
    run warm-1KiB --num-records 400000 --record-size 1024 --throughput -1
    for i in 1 2 3; do
      run "at100000-100B-$i" --num-records 1800000 --warmup-records 300000 --record-size 100 --throughput 100000
    done
    run at20000-1KiB --num-records 360000 --warmup-records 60000 --record-size 1024 --throughput 20000
  )
}

for r in $(seq 1 "$ROUNDS"); do
  echo "round $r, $WHO_ARG, linger.ms=$LINGER_MS, $(date -u +%H:%M:%S) UTC"
  one_cluster
done
