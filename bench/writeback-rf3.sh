#!/usr/bin/env bash
# The kernel's writeback under bench/run.sh --replicated's sequence (issue 10): three fresh nodes, and on them, as
# one round of the harness runs them, a full-throughput acks=all producer of 100-byte records, one of 1 KiB records,
# then the fixed-rate producers (100,000 records/s of 100 B, 20,000 records/s of 1 KiB, 3 s of warm-up then 15 s).
# Each on a new RF 3 topic of 6 partitions (min.insync.replicas=2), deleted after its run, with the harness's
# producer settings (acks=all linger.ms=5 batch.size=65536) and its tool JVM options. Prints each run's summary line
# and the largest dirty and under-writeback page-cache figures of the whole sequence (/proc/vmstat, every 0.1 s).
#
#   bench/writeback-rf3.sh dlog|kafka [ROUNDS]
#
# Each round starts a new cluster. Env: ARMS (DLog only, default "on off"): "on" runs the nodes as they are, "off"
# with -Ddlog.log.writeback=false (segments' writes left to the kernel's flusher, as on Kafka), alternating per round;
# N100 / N1K (records of the full-throughput runs, default 6000000 / 1000000). Ports as the other rf3 scripts.
set -u
B0="$(cd "$(dirname "$0")" && pwd)"
WHO_ARG="${1:?usage: writeback-rf3.sh dlog|kafka [ROUNDS]}"; ROUNDS="${2:-3}"
ARMS="${ARMS:-on off}"; [ "$WHO_ARG" = kafka ] && ARMS=kafka
N100="${N100:-6000000}"; N1K="${N1K:-1000000}"
TOOL_OPTS="-Xmx512M -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"

one_cluster() {  # arm
  (
    [ "$1" = off ] && XOPTS="${XOPTS:-} -Ddlog.log.writeback=false"
    . "$B0/rf3-nodes.sh"
    rf3_bench_start writeback-rf3 "$WHO_ARG"
    vm="$W/vmstat"
    ( while :; do awk '$1 == "nr_dirty" || $1 == "nr_writeback" { printf "%s ", $2 } END { print "" }' /proc/vmstat; sleep 0.1; done ) > "$vm" &
    sampler=$!
    trap 'kill $sampler "${RF3_PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
    topics() { java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "$B" "$@" >/dev/null 2>&1; }
    run() {  # topic, then ProducerPerformance's arguments
      local t="$1"; shift
      topics --create --topic "$t" --partitions 6 --replication-factor 3 --config min.insync.replicas=2
      java $TOOL_OPTS $L -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic "$t" "$@" \
        --producer-props bootstrap.servers="$B" acks=all linger.ms=5 batch.size=65536 2>&1 | tail -1 | sed "s/^/  $t: /"
      topics --delete --topic "$t"
    }
    run full-100B --num-records "$N100" --record-size 100 --throughput -1
    run full-1KiB --num-records "$N1K" --record-size 1024 --throughput -1
    run at100000-100B --num-records 1800000 --warmup-records 300000 --record-size 100 --throughput 100000
    run at20000-1KiB --num-records 360000 --warmup-records 60000 --record-size 1024 --throughput 20000
    awk '{ if ($1 > d) d = $1; if ($2 > w) w = $2 } END { printf "  largest nr_dirty %d MB, nr_writeback %d MB\n", d * 4 / 1024, w * 4 / 1024 }' "$vm"
  )
}

for r in $(seq 1 "$ROUNDS"); do
  for arm in $ARMS; do
    echo "round $r, $WHO_ARG${arm:+ ($arm)}, $(date -u +%H:%M:%S) UTC"
    one_cluster "$arm"
  done
done
