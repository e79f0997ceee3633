#!/bin/bash
# Profiles node 1 of three DLog nodes (async-profiler, cpu, 1 ms, per thread) during a replicated acks=all produce
# of 100 B records (RF 3, min.insync.replicas 2, 6 partitions, ProducerPerformance linger.ms=5 batch.size=65536),
# after a 1.5 M-record warm-up. Prints the tool's summary and each node's CPU ticks; the collapsed stacks go to
# $W/node1.collapsed. Needs bench/target/async-profiler and bench/target/kafka.classpath (bench/profile-consume.sh
# and bench/run.sh fetch them) and broker/target/dlog.jar. Usage: [N=3000000] [W=/tmp/prof3] bench/profile-replicated.sh
# Options: SIZE (record bytes, 100), WARM (warm-up records, 1500000), WHO=kafka (three Apache Kafka nodes instead,
# configured as bench/run.sh --replicated configures them), AP (the profiler library).
set -u
BENCH="$(cd "$(dirname "$0")" && pwd)"
W=${W:-/tmp/prof3}; JAR=${JAR:-$BENCH/../broker/target/dlog.jar}
AP=${AP:-$BENCH/target/async-profiler/linux-x64/libasyncProfiler.so}
KAFKA_CP="$(cat "$BENCH/target/kafka.classpath")"
mkdir -p "$W"
N=${N:-3000000}; SIZE=${SIZE:-100}; WARM=${WARM:-1500000}; WHO=${WHO:-dlog}
[ "$WHO" = dlog ] || [ "$WHO" = kafka ] || { echo "profile-replicated: WHO is dlog or kafka, not $WHO" >&2; exit 2; }
rm -rf "$W"/dlog-* "$W"/kafka-*
# six distinct ports free now, below the ephemeral range (no outgoing connection takes them meanwhile)
read -ra P <<<"$(python3 -c '
import random, socket
ports = set()
while len(ports) < 6:
    p = random.randint(12000, 30000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); ports.add(p)
    except OSError:
        pass
    finally:
        s.close()
print(" ".join(map(str, ports)))')"
CP="$KAFKA_CP"; L=""
. "$BENCH/rf3-nodes.sh"
rf3_start "$WHO" "$W" "${P[0]} ${P[2]} ${P[4]}" "${P[1]} ${P[3]} ${P[5]}"
PIDS=("${RF3_PIDS[@]}")
BOOT=127.0.0.1:${P[0]},127.0.0.1:${P[2]},127.0.0.1:${P[4]}
for i in 0 2 4; do for t in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/${P[$i]}) 2>/dev/null && break; sleep 1; done; done
sleep 5
java -cp "$KAFKA_CP" org.apache.kafka.tools.TopicCommand --bootstrap-server $BOOT --create --topic rf3 --partitions 6 --replication-factor 3 --config min.insync.replicas=2 2>&1 | tail -1
# warm-up
java -cp "$KAFKA_CP" org.apache.kafka.tools.ProducerPerformance --topic rf3 --num-records $WARM --record-size $SIZE --throughput -1 --producer-props bootstrap.servers=$BOOT acks=all linger.ms=5 batch.size=65536 2>&1 | tail -1
cpu0=(); for p in ${PIDS[@]}; do cpu0+=($(awk '{print $14+$15}' /proc/$p/stat)); done
java -cp "$KAFKA_CP" org.apache.kafka.tools.ProducerPerformance --topic rf3 --num-records $N --record-size $SIZE --throughput -1 --producer-props bootstrap.servers=$BOOT acks=all linger.ms=5 batch.size=65536 > $W/perf.log 2>&1 &
PP=$!
sleep 3
jcmd ${PIDS[0]} JVMTI.agent_load $AP "\"start,event=cpu,interval=1ms,threads\"" > /dev/null
wait $PP
jcmd ${PIDS[0]} JVMTI.agent_load $AP "\"stop,file=$W/node1.collapsed,collapsed\"" > /dev/null
tail -1 $W/perf.log
i=0; for p in ${PIDS[@]}; do c=$(awk '{print $14+$15}' /proc/$p/stat); echo "node $((i+1)) cpu ticks $((c-${cpu0[$i]}))"; i=$((i+1)); done
kill ${PIDS[@]}; wait 2>/dev/null
