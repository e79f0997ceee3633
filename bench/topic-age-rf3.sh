#!/usr/bin/env bash
# How much of the 1 KiB full-throughput producer p99 (bench/run.sh --replicated, produce-1KiB-acksall-rf3) is the
# topic's first seconds (issue 10): on three nodes, after a warm-up, runs ProducerPerformance (1 KiB, acks=all,
# linger.ms=5, batch.size=65536, 6 partitions RF 3, min.insync.replicas=2) on a new topic, alternating two cases:
# the producer started as soon as the topic exists (as bench/run.sh does) and started GAP seconds after it was
# created. Prints each run's rate, p50 and p99, then each case's mean p99. Each topic is deleted after its run.
#
#   [ROUNDS=3] [RECORDS=800000] [GAP=8] bench/topic-age-rf3.sh dlog|kafka
#
# Ports 32001-32003 and 33001-33003, as the other rf3 scripts. Needs about RECORDS x 3 KiB of free disk per run
# (deleted files are removed file.delete.delay.ms = 60 s later on both sides).
set -u
ROUNDS="${ROUNDS:-3}"; RECORDS="${RECORDS:-800000}"; GAP="${GAP:-8}"
for v in ROUNDS RECORDS GAP; do
  case "${!v}" in ''|*[!0-9]*) echo "topic-age-rf3: $v is a whole number, not '${!v}'" >&2; exit 2 ;; esac
done
B0="$(cd "$(dirname "$0")" && pwd)"
. "$B0/rf3-nodes.sh"
rf3_bench_start topic-age-rf3 "${1:?usage: topic-age-rf3.sh dlog|kafka}"
topics() { java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B "$@"; }
produce() {  # topic records -> the tool's summary line
  java $L -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$2" --record-size 1024 \
    --throughput -1 --producer-props bootstrap.servers=$B acks=all linger.ms=5 batch.size=65536 2>/dev/null | tail -1
}
create() { topics --create --topic "$1" --partitions 6 --replication-factor 3 --config min.insync.replicas=2 > /dev/null 2>&1; }
create warm && produce warm 1500000 > /dev/null && topics --delete --topic warm > /dev/null 2>&1
sum0=0; sumg=0
for r in $(seq 1 "$ROUNDS"); do
  for g in 0 "$GAP"; do
    t="age$g-$r"; create "$t" || { echo "topic-age-rf3: could not create $t" >&2; exit 1; }
    sleep "$g"
    line="$(produce "$t" "$RECORDS")"
    topics --delete --topic "$t" > /dev/null 2>&1
    p50="$(sed -E 's/.* ([0-9]+) ms 50th.*/\1/' <<<"$line")"; p99="$(sed -E 's/.* ([0-9]+) ms 99th.*/\1/' <<<"$line")"
    rate="$(sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/' <<<"$line")"
    case "$p99" in ''|*[!0-9]*) echo "topic-age-rf3: run $t failed: $line" >&2; exit 1 ;; esac
    printf '%s round %d, producer started %2d s after the create: %7s MB/s, p50 %4d ms, p99 %5d ms\n' "$WHO" "$r" "$g" "$rate" "$p50" "$p99"
    if [ "$g" = 0 ]; then sum0=$((sum0 + p99)); else sumg=$((sumg + p99)); fi
  done
done
echo "$WHO mean p99: $((sum0 / ROUNDS)) ms started at once, $((sumg / ROUNDS)) ms started $GAP s later"
