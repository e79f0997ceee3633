#!/usr/bin/env bash
# Full-throughput acks=all producers on one fresh three-node cluster, with the brokers' CPU of each run (issue 10):
# for comparing node JVM options ($DLOG_OPTS, $XOPTS) or jars ($DLOG_JAR) cluster by cluster, where a one-cluster
# A/B (bench/jit-nice-produce-rf3.sh) cannot change them. After a 1,000,000-record 1 KiB warm-up, runs 100-byte
# (6,000,000 records) and 1 KiB (1,000,000 records) ProducerPerformance twice each, as bench/run.sh's rows do
# (acks=all linger.ms=5 batch.size=65536, a new 6-partition RF 3 topic each, min.insync.replicas=2). Prints per run
# the brokers' CPU ticks (1/100 s, three nodes) and the tool's summary line. The first 100-byte run is still warming
# the 100-byte path (two to three times the CPU of the second here); compare the second runs.
#
#   [DLOG_OPTS=...] [XOPTS=...] [DLOG_JAR=...] bench/produce-cpu-rf3.sh dlog|kafka
#
# Ports 32001-32003 and 33001-33003, as the other rf3 scripts.
set -u
B0="$(cd "$(dirname "$0")" && pwd)"
. "$B0/rf3-nodes.sh"
rf3_bench_start produce-cpu-rf3 "${1:?usage: produce-cpu-rf3.sh dlog|kafka}"
topics() { java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B "$@"; }
produce() { java $L -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$2" --record-size "$3" \
    --throughput -1 --producer-props bootstrap.servers=$B acks=all linger.ms=5 batch.size=65536 2>/dev/null | tail -1; }
create() { topics --create --topic "$1" --partitions 6 --replication-factor 3 --config min.insync.replicas=2 > /dev/null 2>&1; }
ticks() { local s=0 p; for p in "${pids[@]}"; do s=$((s + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $s; }
create warm && produce warm 1000000 1024 > /dev/null && topics --delete --topic warm > /dev/null 2>&1
for r in 1 2; do
  for s in 100 1024; do
    n=$(( s == 100 ? 6000000 : 1000000 ))
    t="t$s-$r"; create "$t" || { echo "produce-cpu-rf3: could not create $t" >&2; exit 1; }
    c0=$(ticks); line="$(produce "$t" "$n" "$s")"; c1=$(ticks)
    topics --delete --topic "$t" > /dev/null 2>&1
    echo "size $s run $r: broker ticks $((c1 - c0)) | $line"
  done
done
