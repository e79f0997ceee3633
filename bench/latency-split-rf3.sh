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
trap 'kill $pids 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
voters="1@127.0.0.1:31001,2@127.0.0.1:31002,3@127.0.0.1:31003"; pids=""
[ $WHO = kafka ] && cid=$(java $L -cp "$CP" kafka.tools.StorageTool random-uuid 2>/dev/null)
for i in 1 2 3; do d=$W/$WHO-$i; mkdir -p $d/data; cat > $d/server.properties <<P
node.id=$i
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:3000$i,CONTROLLER://127.0.0.1:3100$i
advertised.listeners=PLAINTEXT://127.0.0.1:3000$i
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.voters=$voters
log.dirs=$d/data
default.replication.factor=3
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
P
 if [ $WHO = kafka ]; then
  cat >> $d/server.properties <<P
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
min.insync.replicas=2
share.coordinator.state.topic.replication.factor=3
transaction.state.log.min.isr=2
P
  java $L -cp "$CP" kafka.tools.StorageTool format -t $cid -c $d/server.properties >/dev/null 2>&1
  java -Xmx1G -Xms1G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent $L -cp "$CP" kafka.Kafka $d/server.properties > $d/out.log 2>&1 & pids="$pids $!"
 else
  java -Xms512m -Xmx2g -XX:+UseG1GC -jar $JAR start --config $d/server.properties > $d/out.log 2>&1 & pids="$pids $!"
 fi
done
for p in 30001 30002 30003; do for k in $(seq 1 240); do (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.5; done; done
B=127.0.0.1:30001,127.0.0.1:30002,127.0.0.1:30003; sleep 5
java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B --create --topic lat3 --replica-assignment 1:2:3 --config min.insync.replicas=2 2>&1 | tail -1
sleep 3
java $L -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $B --describe --topic lat3 2>&1 | grep Leader
TOPIC=lat3 ACKS=all "$B0/latency-split.sh" 127.0.0.1:30001 "$N"
