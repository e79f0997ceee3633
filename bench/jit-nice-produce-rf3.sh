#!/usr/bin/env bash
# What the brokers' JIT compiler threads at nice 19 do to the 1 KiB full-throughput producer (issue 10): on three
# nodes, after a 1.5 M-record warm-up, alternates ProducerPerformance runs (1 KiB, acks=all, linger.ms=5,
# batch.size=65536, a new 6-partition RF 3 topic each, min.insync.replicas=2) with the compiler threads of the three
# nodes reniced to 0 and to NICE (default 19). Prints each run's broker CPU ticks (1/100 s, three nodes) and the tool's summary.
#
#   [ROUNDS=4] [RECORDS=1000000] [NICE=19] bench/jit-nice-produce-rf3.sh dlog|kafka
#
# Ports 32001-32003 and 33001-33003, as the other rf3 scripts. Renicing to 0 needs root.
set -u
ROUNDS="${ROUNDS:-4}"; RECORDS="${RECORDS:-1000000}"; NICE="${NICE:-19}"
B0="$(cd "$(dirname "$0")" && pwd)"
. "$B0/rf3-nodes.sh"
rf3_bench_start jit-nice-produce-rf3 "${1:?usage: jit-nice-produce-rf3.sh dlog|kafka}"
topics() { java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B "$@"; }
produce() { java $L -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$2" --record-size 1024 \
    --throughput -1 --producer-props bootstrap.servers=$B acks=all linger.ms=5 batch.size=65536 2>/dev/null | tail -1; }
create() { topics --create --topic "$1" --partitions 6 --replication-factor 3 --config min.insync.replicas=2 > /dev/null 2>&1; }
ticks() { local s=0 p; for p in "${pids[@]}"; do s=$((s + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $s; }
create warm && produce warm 1500000 > /dev/null && topics --delete --topic warm > /dev/null 2>&1
for r in $(seq 1 "$ROUNDS"); do
  for n in 0 "$NICE"; do
    rf3_renice_jit "$n"
    t="n$n-$r"; create "$t" || { echo "jit-nice-produce-rf3: could not create $t" >&2; exit 1; }
    c0=$(ticks); line="$(produce "$t" "$RECORDS")"; c1=$(ticks)
    topics --delete --topic "$t" > /dev/null 2>&1
    echo "round $r, compiler threads at nice $n: broker ticks $((c1 - c0)) | $line"
  done
done
