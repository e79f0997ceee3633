#!/usr/bin/env bash
# Where an acks=all producer's p99 comes from (issue 10): three nodes, RF 3 topics of 6 partitions
# (min.insync.replicas=2), Kafka's ProducerPerformance with bench/run.sh's settings (acks=all linger.ms=5
# batch.size=65536), printing its per-second lines with the time, and the kernel's dirty and writeback page-cache
# figures once a second.
#
#   bench/producer-waves-rf3.sh dlog|kafka
#
# Env: SIZE (record bytes, default 1024), RECORDS (per run, default 1200000), WARM (records of an unmeasured first
# run, default 300000), ROUNDS (default 3), RATE (records/s, default -1: as fast as it goes), INTERVAL_MS (between the
# producer's progress lines, default 1000).
# JFR=1 (DLog only): each node records with JFR's "profile" settings, and at the end the script lists, per node,
# the segment writes and the fsyncs (FileWrite and FileForce events) that took 20 ms or more.
# Ports 32001-32003 and 33001-33003, as the other rf3 scripts.
set -u
SIZE="${SIZE:-1024}"; RECORDS="${RECORDS:-1200000}"; WARM="${WARM:-300000}"; ROUNDS="${ROUNDS:-3}"; RATE="${RATE:--1}"
B0="$(cd "$(dirname "$0")" && pwd)"
. "$B0/rf3-nodes.sh"
WHO_ARG="${1:?usage: producer-waves-rf3.sh dlog|kafka}"
JFR_DIR=""
if [ "${JFR:-0}" = 1 ] && [ "$WHO_ARG" = dlog ]; then
  JFR_DIR="$(mktemp -d /tmp/producer-waves-jfr.XXXXXX)"
  XOPTS="${XOPTS:-} -XX:StartFlightRecording=settings=profile,dumponexit=true,filename=$JFR_DIR"
fi
rf3_bench_start producer-waves-rf3 "$WHO_ARG"
# rf3_bench_start's exit trap, and the JFR folder too, also when the script stops early
trap 'kill "${RF3_PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W" ${JFR_DIR:+"$JFR_DIR"}' EXIT
topics() { java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B "$@"; }
create() { topics --create --topic "$1" --partitions 6 --replication-factor 3 --config min.insync.replicas=2 > /dev/null 2>&1; }
produce() {
  java -Xmx512M $L -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$2" --record-size "$SIZE" \
    --throughput "$RATE" --reporting-interval "${INTERVAL_MS:-1000}" \
    --command-property bootstrap.servers=$B acks=all linger.ms=5 batch.size=65536 2>/dev/null
}
create warm && produce warm "$WARM" > /dev/null && topics --delete --topic warm > /dev/null 2>&1
for r in $(seq 1 "$ROUNDS"); do
  create "t$r" || { echo "producer-waves-rf3: could not create t$r" >&2; exit 1; }
  echo "== $WHO run $r, $RECORDS records of $SIZE B, rate $RATE"
  ( while :; do echo "$(date +%T) page cache: $(awk '/^Dirty:|^Writeback:/ { printf "%s %d MB ", $1, $2 / 1024 }' /proc/meminfo)"; sleep 1; done ) &
  mem=$!
  produce "t$r" "$RECORDS" | while read -r line; do echo "$(date +%T) $line"; done
  kill "$mem" 2>/dev/null; wait "$mem" 2>/dev/null
  topics --delete --topic "t$r" > /dev/null 2>&1
done
if [ -n "$JFR_DIR" ]; then
  kill "${RF3_PIDS[@]}" 2>/dev/null; wait "${RF3_PIDS[@]}" 2>/dev/null   # the recordings are written at exit
  for f in "$JFR_DIR"/*.jfr; do
    echo "== $(basename "$f"): segment writes and fsyncs of 20 ms or more (ms, start, thread, file)"
    timeout 120 jfr print --events jdk.FileWrite,jdk.FileForce "$f" | awk '
      /^jdk\./ { type = $1 } /startTime =/ { start = $3 } /duration =/ { d = $3; unit = $4 }
      /eventThread =/ { thread = $3 } /path =/ { path = $3
        ms = (unit == "s") ? d * 1000 : d
        if (ms >= 20) printf "%8.1f %s %s %s %s\n", ms, type, start, thread, path }' | sort -rn | head -20
  done
fi
