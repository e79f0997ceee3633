#!/usr/bin/env bash
# Profiles all three nodes of a fresh three-node cluster once warm (issue 10): WARM_RUNS full-throughput acks=all
# producers first (ProducerPerformance, bench/run.sh's producer settings, each on a new RF 3 topic of 6 partitions with
# min.insync.replicas=2, deleted after its run: the JIT compilers settle after four or five such runs of 1.5 GB), then
# one more, during which async-profiler samples every node's CPU (cpu, 1 ms, per thread). Writes
# OUT/node{1,2,3}.collapsed and prints each run's summary, the nodes' CPU ticks, the samples per thread group, and the
# replica fetcher threads' samples by what they were doing, as shares of all the nodes' samples.
#
# The topics have file.delete.delay.ms=0: with the default 60 s a deleted topic's files go while a later run writes, and
# on DLog's side (preallocated segments) that run's page-cache copies then cost several times as much CPU
# (docs/benchmarks.md, session 42), which a profile of steady writes should not show. DELETE_DELAY_MS sets it.
#
#   bench/profile-steady-rf3.sh dlog|kafka
#   bench/profile-steady-rf3.sh --summary DIR      # the summary again, of an earlier run's OUT
#
# Env: SIZE (record bytes, 1024), N (records per run, 1500000), WARM_RUNS (5), DELETE_DELAY_MS (the topics'
# file.delete.delay.ms, 0), OUT (/tmp/profile-steady-rf3), DLOG_JAR,
# DLOG_PROPS (see rf3-nodes.sh). Needs bench/target/async-profiler (bench/profile-consume.sh fetches it) and
# bench/target/kafka.classpath (bench/run.sh builds it). Ports as the other rf3 scripts.
set -u
B0="$(cd "$(dirname "$0")" && pwd)"
summary() {  # DIR: the samples per thread group and the fetchers' activities of DIR/node*.collapsed
python3 - "$1" <<'PY'
import collections, glob, re, sys
threads = collections.Counter(); fetcher = collections.Counter(); total = 0; copy = 0
# first match wins: where a fetcher thread's sample was, outermost activity first
kinds = [("file write", "ext4_buffered_write_iter_[k]"), ("file write", "generic_perform_write_[k]"),
         ("batch CRC", "BatchFormat.computeCrc"), ("batch CRC", "Crc32C"),
         ("socket read", "sock_read_iter_[k]"), ("socket read", "__x64_sys_recvfrom_[k]"),
         ("socket write", "sock_write_iter_[k]"), ("socket write", "__x64_sys_sendto_[k]"), ("socket write", "tcp_sendmsg"),
         ("epoll_wait", "__x64_sys_epoll_wait_[k]"), ("task switch", "finish_task_switch"),
         ("fetch client, other", "BrokerChannel.fetch"), ("fetch client, other", "ReplicaFetcherBlockingSend"),
         ("apply (append, other)", "ReplicaFetcherThread.apply"), ("apply (append, other)", "processPartitionData"),
         ("request building", "ReplicaFetcherThread.request"), ("request building", "buildFetch")]
for name in sorted(glob.glob(sys.argv[1] + "/node*.collapsed")):
    for line in open(name):
        stack, n = line.rsplit(" ", 1); n = int(n); total += n
        if "copy_folio_from_iter_atomic" in stack: copy += n
        top = stack.split(";")[0]
        group = re.sub(r"\d+", "#", re.sub(r" tid=\d+", "", top))
        threads[group] += n
        if "replica-fetcher" in top.lower() or "ReplicaFetcherThread" in top:
            for kind, pattern in kinds:
                if pattern in stack:
                    fetcher[kind] += n; break
            else:
                fetcher["other"] += n
print("samples, all nodes: %d" % total)
for group, n in threads.most_common(12):
    print("  %6d %5.1f%%  %s" % (n, 100.0 * n / total, group))
print("page-cache copy (copy_folio_from_iter_atomic): %d" % copy)
print("replica fetcher threads by activity (share of all samples):")
for kind, n in fetcher.most_common():
    print("  %6d %5.1f%%  %s" % (n, 100.0 * n / total, kind))
PY
}
if [ "${1:-}" = --summary ]; then summary "${2:?usage: profile-steady-rf3.sh --summary DIR}"; exit; fi
WHO_ARG="${1:?usage: profile-steady-rf3.sh dlog|kafka}"
SIZE="${SIZE:-1024}"; N="${N:-1500000}"; WARM_RUNS="${WARM_RUNS:-5}"; DELETE_DELAY_MS="${DELETE_DELAY_MS:-0}"; OUT="${OUT:-/tmp/profile-steady-rf3}"
AP="$B0/target/async-profiler/linux-x64/libasyncProfiler.so"
[ -s "$AP" ] || { echo "profile-steady-rf3: $AP is missing (bench/profile-consume.sh fetches it)" >&2; exit 1; }
TOOL_OPTS="-Xmx512M -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"
mkdir -p "$OUT"; rm -f "$OUT"/node*.collapsed
. "$B0/rf3-nodes.sh"
rf3_bench_start profile-steady-rf3 "$WHO_ARG"
ticks() { local a=0 p; for p in "${pids[@]}"; do a=$((a + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$a"; }
topics() { java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "$B" "$@" >/dev/null 2>&1; }
run() {  # topic
  topics --create --topic "$1" --partitions 6 --replication-factor 3 --config min.insync.replicas=2 \
    --config file.delete.delay.ms="$DELETE_DELAY_MS"
  java $TOOL_OPTS $L -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$N" \
    --record-size "$SIZE" --throughput -1 --producer-props bootstrap.servers="$B" acks=all linger.ms=5 \
    batch.size=65536 2>&1 | tail -1 | cut -d, -f2-3
  topics --delete --topic "$1"
}
for i in $(seq 1 "$WARM_RUNS"); do t0=$(ticks); r=$(run "warm-$i"); echo "warm-up $i:$r; node ticks $(( $(ticks) - t0 ))"; done
for p in "${pids[@]}"; do jcmd "$p" JVMTI.agent_load "$AP" "\"start,event=cpu,interval=1ms,threads\"" >/dev/null; done
t0=$(ticks); r=$(run profiled); echo "profiled:$r; node ticks $(( $(ticks) - t0 ))"
i=1; for p in "${pids[@]}"; do jcmd "$p" JVMTI.agent_load "$AP" "\"stop,file=$OUT/node$i.collapsed,collapsed\"" >/dev/null; i=$((i + 1)); done
summary "$OUT"
