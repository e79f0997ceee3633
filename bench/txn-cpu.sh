#!/usr/bin/env bash
# Issue 11: what transactions add to DLog's broker CPU per GB, for one or more dlog.jar builds side by side.
# Per jar and round: one fresh DLog node, an unmeasured warm-up (a plain and a transactional run), then REPS
# times the idempotent acks=all produce and the same with a transaction every 100 ms (run.sh --txn's two
# workloads: Kafka's ProducerPerformance, 100-byte records, 6 partitions, linger.ms=5, batch.size=65536).
# Prints per run the broker's CPU seconds per GB, also without the JIT compiler threads (warm-up noise), and
# the MB/s. Jars alternate round by round (A B, B A, ...), so load drift on a shared machine cancels.
#
#   bench/txn-cpu.sh [--records N] [--reps R] [--rounds K] JAR [JAR...]
#
# Defaults: 6,000,000 records, 2 reps, 2 rounds. Needs Maven Central (or ~/.m2) for Kafka's tools.
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RECORDS=6000000; REPS=2; ROUNDS=2; JARS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --records) RECORDS="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) [ -f "$1" ] || { echo "txn-cpu.sh: no jar $1" >&2; exit 2; }; JARS+=("$1") ;;
  esac
  shift
done
[ ${#JARS[@]} -gt 0 ] || { echo "txn-cpu.sh: name at least one dlog.jar" >&2; exit 2; }
WORK="$(mktemp -d /tmp/dlog-txn-cpu.XXXXXX)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"/node-*/data; echo "logs in $WORK" >&2' EXIT
mvn -B -q -f "$BENCH/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/kafka.classpath" >"$WORK/resolve.log" 2>&1 \
  || { echo "could not resolve Kafka; see $WORK/resolve.log" >&2; exit 1; }
CP="$(cat "$WORK/kafka.classpath")"
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"
TCK="$(getconf CLK_TCK)"

ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
compiler_ticks() {  # utime+stime of the live C1/C2 compiler threads
  local task sum=0 name
  for task in /proc/"$PID"/task/*; do
    name="$(cat "$task/comm" 2>/dev/null)" || continue
    case "$name" in C1\ Compiler*|C2\ Compiler*) sum=$((sum + $(awk '{ print $14 + $15 }' "$task/stat" 2>/dev/null || echo 0))) ;; esac
  done
  echo "$sum"
}
tool() { java -Xmx512M $LOG4J -cp "$CP" "$@"; }

produce() {  # label port n txn(0|1) -> one result line (empty label: warm-up, nothing printed)
  local label="$1" port="$2" n="$3" txn="$4" topic="t-$RANDOM-$RANDOM"
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --create --topic "$topic" \
    --partitions 6 --replication-factor 1 >>"$WORK/topics.log" 2>&1
  local extra=() props=(acks=all linger.ms=5 batch.size=65536)
  [ "$txn" = 1 ] && { extra=(--transaction-duration-ms 100); props+=(transactional.id="$topic"); }
  local a c0; a="$(ticks)"; c0="$(compiler_ticks)"
  tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "127.0.0.1:$port" --topic "$topic" \
    --num-records "$n" --record-size 100 --throughput -1 "${extra[@]}" --command-property "${props[@]}" \
    >"$WORK/$topic.log" 2>&1
  local rc=$? b c1; b="$(ticks)"; c1="$(compiler_ticks)"
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --delete --topic "$topic" \
    >>"$WORK/topics.log" 2>&1
  [ -n "$label" ] || return 0
  local mbs; mbs="$(grep '99.9th' "$WORK/$topic.log" | tail -1 | sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/')"
  local ok=ok; { [ "$rc" = 0 ] && [ -n "$mbs" ] && ! grep -q Exception "$WORK/$topic.log"; } || ok="FAILED ($WORK/$topic.log)"
  awk -v l="$label" -v w="$([ "$txn" = 1 ] && echo txn100ms || echo plain)" -v all=$((b - a)) -v comp=$((c1 - c0)) \
    -v tck="$TCK" -v gb="$(echo "$n * 100 / 1000000000" | bc -l)" -v mbs="$mbs" -v ok="$ok" \
    -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "%-28s %-9s %7s MB/s  CPU %5.2f s/GB  without JIT %5.2f s/GB  load %s  %s\n",
             l, w, mbs, all / tck / gb, (all - comp) / tck / gb, load, ok }'
}

for round in $(seq 1 "$ROUNDS"); do
  order=("${JARS[@]}")
  if [ $((round % 2)) = 0 ]; then order=(); for ((i = ${#JARS[@]} - 1; i >= 0; i--)); do order+=("${JARS[$i]}"); done; fi
  for jar in "${order[@]}"; do
    node="$WORK/node-$round-$(basename "$(dirname "$jar")")-$RANDOM"; mkdir -p "$node"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
    java -Xms512m -Xmx2g -XX:+UseG1GC -jar "$jar" start --port "$port" --data-dir "$node/data" \
      -o listeners="PLAINTEXT://127.0.0.1:$port" -o advertised.listeners="PLAINTEXT://127.0.0.1:$port" >"$node/dlog.out" 2>&1 &
    PID=$!
    for _ in $(seq 1 480); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.25; done
    produce "" "$port" $((RECORDS / 2)) 0
    produce "" "$port" $((RECORDS / 2)) 1
    for rep in $(seq 1 "$REPS"); do
      produce "r$round.$rep $jar" "$port" "$RECORDS" 0
      produce "r$round.$rep $jar" "$port" "$RECORDS" 1
    done
    kill "$PID"; wait "$PID" 2>/dev/null; PID=""
    rm -rf "$node/data"
  done
done
