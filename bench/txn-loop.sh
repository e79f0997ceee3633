#!/usr/bin/env bash
# Issue 11: Kafka's ProducerPerformance as a transactional producer (transaction version 2, acks=all), run
# again and again against one DLog node, to catch what a single benchmark run hits only now and then (a fatal
# INVALID_TXN_STATE, an out-of-sequence loop that ends in a commit timeout). Each run gets a new 6-partition
# topic and transactional id; a run fails on a non-zero exit, a missing summary line or any exception in the
# tool's output. Prints per run the summary and the retriable errors the producer logged, then the totals.
#
#   bench/txn-loop.sh [--runs N] [--records N] [--txn-ms MS] [--jar dlog.jar]
#
# Defaults: 10 runs of 200,000 records of 100 bytes, a transaction every 10 ms (many commits, so many
# chances for a race between a transaction's markers and the next transaction's first batches).
# Needs broker/target/dlog.jar (mvn -B -q -DskipTests -pl broker -am package) and Maven Central for Kafka.
set -uo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
RUNS=10; RECORDS=200000; TXN_MS=10; JAR="$ROOT/broker/target/dlog.jar"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --records) RECORDS="$2"; shift ;;
    --txn-ms) TXN_MS="$2"; shift ;;
    --jar) JAR="$2"; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "txn-loop.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$JAR" ] || { echo "no $JAR" >&2; exit 1; }
WORK="$(mktemp -d /tmp/dlog-txn-loop.XXXXXX)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; echo "logs in $WORK"' EXIT
mvn -B -q -f "$BENCH/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/kafka.classpath" >"$WORK/resolve.log" 2>&1 \
  || { echo "could not resolve Kafka; see $WORK/resolve.log" >&2; exit 1; }
CP="$(cat "$WORK/kafka.classpath")"
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
cp -p "$JAR" "$WORK/dlog.jar"
java -Xms512m -Xmx2g -XX:+UseG1GC -jar "$WORK/dlog.jar" start --port "$PORT" --data-dir "$WORK/data" \
  -o listeners="PLAINTEXT://127.0.0.1:$PORT" -o advertised.listeners="PLAINTEXT://127.0.0.1:$PORT" >"$WORK/dlog.out" 2>&1 &
PID=$!
for _ in $(seq 1 480); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.25; done
ok=0; failed=0
for r in $(seq 1 "$RUNS"); do
  t="txn-loop-$r"; out="$WORK/run-$r.log"
  java -Xmx512M $LOG4J -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" --create \
    --topic "$t" --partitions 6 --replication-factor 1 >>"$WORK/topics.log" 2>&1
  timeout -k 10 300 java -Xmx512M $LOG4J -cp "$CP" org.apache.kafka.tools.ProducerPerformance \
    --bootstrap-server "127.0.0.1:$PORT" --topic "$t" --num-records "$RECORDS" --record-size 100 --throughput -1 \
    --transaction-duration-ms "$TXN_MS" --command-property acks=all linger.ms=5 batch.size=65536 \
    transactional.id="txn-loop-$r" >"$out" 2>&1
  rc=$?
  retried="$(grep -o 'Error: [A-Z_]*' "$out" | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $3, $1 }')"
  if [ "$rc" = 0 ] && grep -q '99.9th' "$out" && ! grep -q 'Exception' "$out"; then
    ok=$((ok + 1)); echo "run $r ok: $(grep '99.9th' "$out" | tail -1 | cut -d, -f1-3)${retried:+; retried: $retried}"
  else
    failed=$((failed + 1)); echo "run $r FAILED (exit $rc): $(grep -m1 'Exception' "$out" | cut -c1-240)${retried:+; retried: $retried}"
  fi
done
echo "$ok ok, $failed failed of $RUNS runs ($RECORDS records, a transaction every $TXN_MS ms); load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$failed" = 0 ]
