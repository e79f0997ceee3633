#!/usr/bin/env bash
# One broker (DLog or Apache Kafka 4.3.1), one topic of 6 partitions: produce N records of 100 bytes, consume them
# three times with Kafka's ConsumerPerformance (the third with --print-metrics), profiling the second consume with
# async-profiler when PROFILE is set (cpu, wall, alloc...), then EndToEndLatency. Prints each consume's rate and
# the broker's CPU seconds; the profile (collapsed stacks) and the tools' output go to bench/results/profile-*/.
# Issue 19, docs/benchmarks.md "Fetch path".
#
#   bench/profile-consume.sh dlog|kafka [dlog.jar]     env: N (records, default 30000000), PROFILE, PINT (1ms),
#                                                           E2E (EndToEndLatency messages, 20000), XOPTS (DLog JVM)
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
mkdir -p "$BENCH/target"
if [ ! -s "$BENCH/target/kafka.classpath" ]; then
  mvn -B -q -f "$BENCH/pom.xml" dependency:build-classpath -Dmdep.outputFile="$BENCH/target/kafka.classpath" >/dev/null || exit 1
fi
AP="$BENCH/target/async-profiler/linux-x64/libasyncProfiler.so"
if [ -n "${PROFILE:-}" ] && [ ! -f "$AP" ]; then
  mvn -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.2:jar:linux-x64 -DoutputDirectory="$BENCH/target" >/dev/null || exit 1
  (cd "$BENCH/target" && mkdir -p async-profiler && cd async-profiler && unzip -q -o ../async-profiler-4.2-linux-x64.jar)
fi
SIDE=$1; JAR=${2:-$ROOT/broker/target/dlog.jar}; N=${N:-30000000}
KCP=$(cat "$BENCH/target/kafka.classpath")
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"
W=$(mktemp -d /tmp/prof-run.XXXX); OUT=$BENCH/results/profile-$SIDE-$(date +%Y-%m-%d-%H%M%S); mkdir -p $OUT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port)
if [ $SIDE = dlog ]; then
  java ${XOPTS:-} -Xms512m -Xmx2g -XX:+UseG1GC --add-opens=java.base/java.nio=ALL-UNNAMED -jar $JAR start --port $P --data-dir $W -o listeners=PLAINTEXT://127.0.0.1:$P -o advertised.listeners=PLAINTEXT://127.0.0.1:$P > $OUT/broker.log 2>&1 &
else
  C=$(port)
  cat > $W/server.properties <<EOP
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$C
listeners=PLAINTEXT://127.0.0.1:$P,CONTROLLER://127.0.0.1:$C
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://127.0.0.1:$P,CONTROLLER://127.0.0.1:$C
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=$W/logs
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOP
  cid=$(java $LOG4J -cp "$KCP" kafka.tools.StorageTool random-uuid 2>/dev/null)
  java $LOG4J -cp "$KCP" kafka.tools.StorageTool format --standalone -t $cid -c $W/server.properties > /dev/null 2>&1
  java -Xmx1G -Xms1G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true $LOG4J -cp "$KCP" kafka.Kafka $W/server.properties > $OUT/broker.log 2>&1 &
fi
BP=$!
for i in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/$P) 2>/dev/null && break; sleep 0.5; done
B=127.0.0.1:$P
tool() { java -Xmx512M $LOG4J -cp "$KCP" "$@"; }
tool org.apache.kafka.tools.TopicCommand --bootstrap-server $B --create --topic t --partitions 6 --replication-factor 1 > /dev/null 2>&1
tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server $B --topic t --num-records $N --record-size 100 --throughput -1 --command-property acks=1 linger.ms=5 batch.size=65536 > $OUT/produce.log 2>&1
tail -1 $OUT/produce.log
ticks() { awk '{print $14+$15}' /proc/$BP/stat; }
for r in 1 2 3; do
  if [ $r = 2 ] && [ -n "${PROFILE:-}" ]; then jcmd $BP JVMTI.agent_load "$AP" "\"start,event=${PROFILE},interval=${PINT:-1ms}\"" > /dev/null; fi
  t0=$(ticks); s0=$(date +%s.%N)
  tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server $B --topic t --num-records $N --timeout 15000 $([ $r = 3 ] && echo --print-metrics) > $OUT/consume-$r.log 2>&1
  t1=$(ticks); s1=$(date +%s.%N)
  if [ $r = 2 ] && [ -n "${PROFILE:-}" ]; then jcmd $BP JVMTI.agent_load "$AP" "\"stop,file=$OUT/prof.collapsed,collapsed\"" > /dev/null; fi
  echo "$SIDE consume $r: $(grep -E "^[0-9]{4}-" $OUT/consume-$r.log | tail -1 | cut -d, -f3-6) cpu_s=$(echo "($t1-$t0)/100" | bc -l | cut -c1-5) wall=$(echo "$s1-$s0" | bc | cut -c1-5)"
done
tool org.apache.kafka.tools.TopicCommand --bootstrap-server $B --create --topic e --partitions 1 --replication-factor 1 > /dev/null 2>&1
tool org.apache.kafka.tools.EndToEndLatency $B e ${E2E:-20000} 1 100 > $OUT/e2e.log 2>&1
echo "$SIDE e2e: $(grep -i "avg latency\|Percentiles" $OUT/e2e.log | tr '\n' ' ')"
kill $BP; wait $BP 2>/dev/null; rm -rf $W
echo "out: $OUT"
