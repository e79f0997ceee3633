#!/usr/bin/env bash
# Where a replicated acks=all message's time goes (issue 10): bench/latency-split.sh on a three-node cluster.
#
#   bench/latency-split-rf3.sh dlog|kafka [MESSAGES]
#
# Starts three DLog nodes (broker/target/dlog.jar) or three Kafka 4.3 nodes (KRaft, the classpath bench/run.sh
# builds) on 127.0.0.1 ports 30001-30003 (controllers 31001-31003), creates topic lat3 on replicas 1,2,3 (node 1
# leads) with min.insync.replicas=2, runs latency-split.sh against node 1 with ACKS=all, and stops the nodes.
# Node configs as bench/run.sh --replicated writes them. Needs root for tcpdump.
set -u
WHO="${1:?usage: latency-split-rf3.sh dlog|kafka [MESSAGES]}"; N="${2:-4000}"
B0="$(cd "$(dirname "$0")" && pwd)"; W="$(mktemp -d /tmp/latency-split-rf3.XXXXXX)"
[ "$WHO" = dlog ] || [ "$WHO" = kafka ] || { echo "latency-split-rf3: dlog or kafka, not $WHO" >&2; exit 2; }
JAR="${DLOG_JAR:-$B0/../broker/target/dlog.jar}"
[ "$WHO" = kafka ] || [ -s "$JAR" ] || { echo "latency-split-rf3: $JAR is missing (mvn -pl broker -am package)" >&2; exit 1; }
CP="$(cat $B0/target/kafka.classpath)"; L="-Dlog4j2.configurationFile=$B0/log4j2.properties"
. "$B0/rf3-nodes.sh"
trap 'kill "${RF3_PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
rf3_start "$WHO" "$W" "30001 30002 30003" "31001 31002 31003"
for p in 30001 30002 30003; do for k in $(seq 1 240); do (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.5; done; done
B=127.0.0.1:30001,127.0.0.1:30002,127.0.0.1:30003; sleep 5
java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B --create --topic lat3 --replica-assignment 1:2:3 --config min.insync.replicas=2 2>&1 | tail -1
sleep 3
java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B --describe --topic lat3 2>&1 | grep Leader
TOPIC=lat3 ACKS=all "$B0/latency-split.sh" 127.0.0.1:30001 "$N"
