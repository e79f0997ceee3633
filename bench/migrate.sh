#!/usr/bin/env bash
# Copy rate of dlog-migrate beside MirrorMaker 2 on the same data (issue 13; figures in docs/benchmarks.md).
#
# Starts a single-node Apache Kafka 4.3.1 (KRaft) as the source and a DLog node as the target, fills one
# topic on Kafka with --gb GiB of 1 KiB records (ProducerPerformance), then times
#   1. bin/dlog-migrate run (creates the mirror and returns once DLog holds every record at its offset),
#   2. MirrorMaker 2 (connect-mirror 4.3.1, one dedicated MirrorMaker process, tasks.max = partitions)
#      copying the same topic to the same DLog node (as src.<topic>), from its start until the target
#      topic holds every record (polled with GetOffsetShell every 2 s).
# usage: bench/migrate.sh [--gb N] [--partitions P] [--no-build] [--keep]
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
GB=2
PARTITIONS=6
BUILD=1
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --gb) GB="$2"; shift ;;
    --partitions) PARTITIONS="$2"; shift ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "migrate.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

WORK="$(mktemp -d /tmp/dlog-migrate-bench.XXXXXX)"
LOGS="$WORK/logs"
mkdir -p "$LOGS"
RECORDS=$(( GB * 1024 * 1024 ))
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"
PIDS=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  sleep 3
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  if [ "$KEEP" = 1 ]; then log "data kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() {  # port pid name
  local i
  for i in $(seq 1 480); do
    kill -0 "$2" 2>/dev/null || die "$3 exited during start-up; see $LOGS/$3.out"
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.25
  done
  die "$3 did not open port $1 within 120 s"
}
now() { date +%s.%N; }
tool() { java -Xmx512M $LOG4J -cp "$KAFKA_CP" "$@"; }
end_offsets_sum() {  # bootstrap topic
  tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$1" --topic "$2" --time -1 2>/dev/null \
    | awk -F: '{ s += $3 } END { print s + 0 }'
}

if [ "$BUILD" = 1 ]; then
  log "building DLog and dlog-migrate"
  (cd "$ROOT" && mvn -B -q -DskipTests -pl broker,migration-tools -am package) >"$LOGS/build.log" 2>&1 || die "build failed; see $LOGS/build.log"
fi
mvn -B -q -f "$BENCH/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/kafka.classpath" >"$LOGS/resolve.log" 2>&1 \
  || die "could not resolve Kafka; see $LOGS/resolve.log"
KAFKA_CP="$(cat "$WORK/kafka.classpath")"
cp "$ROOT/broker/target/dlog.jar" "$ROOT/migration-tools/target/dlog-migrate.jar" "$WORK/"

# ---------------------------------------------------------------- source: Kafka 4.3.1
KPORT="$(free_port)"; KCTRL="$(free_port)"
mkdir -p "$WORK/kafka/logs"
cat >"$WORK/kafka/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KCTRL
listeners=PLAINTEXT://127.0.0.1:$KPORT,CONTROLLER://127.0.0.1:$KCTRL
advertised.listeners=PLAINTEXT://127.0.0.1:$KPORT,CONTROLLER://127.0.0.1:$KCTRL
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$WORK/kafka/logs
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
tool kafka.tools.StorageTool format --standalone -t "$(tool kafka.tools.StorageTool random-uuid)" \
  -c "$WORK/kafka/server.properties" >"$LOGS/format.log" 2>&1 || die "format failed"
java -Xmx1G -Xms1G -XX:+UseG1GC $LOG4J -cp "$KAFKA_CP" kafka.Kafka "$WORK/kafka/server.properties" >"$LOGS/kafka.out" 2>&1 &
PIDS+=($!); wait_port "$KPORT" "$!" kafka
KAFKA="127.0.0.1:$KPORT"

# ---------------------------------------------------------------- target: DLog
DPORT="$(free_port)"
java -Xms512m -Xmx2g -XX:+UseG1GC -jar "$WORK/dlog.jar" start --port "$DPORT" --data-dir "$WORK/dlog" \
  -o listeners="PLAINTEXT://127.0.0.1:$DPORT" -o advertised.listeners="PLAINTEXT://127.0.0.1:$DPORT" >"$LOGS/dlog.out" 2>&1 &
PIDS+=($!); wait_port "$DPORT" "$!" dlog
DLOG="127.0.0.1:$DPORT"
log "Kafka on $KAFKA, DLog on $DLOG, work in $WORK"

# ---------------------------------------------------------------- data
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA" --create --topic bench --partitions "$PARTITIONS" \
  >"$LOGS/topics.log" 2>&1 || die "topic creation failed"
log "producing $RECORDS records of 1 KiB ($GB GiB) to Kafka"
tool org.apache.kafka.tools.ProducerPerformance --topic bench --num-records "$RECORDS" --record-size 1024 \
  --throughput -1 --producer-props bootstrap.servers="$KAFKA" acks=1 linger.ms=5 batch.size=131072 \
  >"$LOGS/produce.log" 2>&1 || die "produce failed; see $LOGS/produce.log"
SOURCE_BYTES="$(du -sb "$WORK"/kafka/logs/bench-* | awk '{ s += $1 } END { printf "%d", s }')"
log "source: $SOURCE_BYTES bytes on disk in $PARTITIONS partitions"

# ---------------------------------------------------------------- 1. dlog-migrate
T0="$(now)"
java -Xmx1g -jar "$WORK/dlog-migrate.jar" run --source "$KAFKA" --target "$DLOG" --topics bench >"$LOGS/dlog-migrate.out" 2>&1 \
  || die "dlog-migrate run failed; see $LOGS/dlog-migrate.out"
T1="$(now)"
MIGRATE_S="$(echo "$T1 - $T0" | bc -l)"
log "dlog-migrate run: $(printf '%.1f' "$MIGRATE_S") s, $(echo "$SOURCE_BYTES / 1048576 / $MIGRATE_S" | bc -l | xargs printf '%.1f') MB/s"
V0="$(now)"
java -Xmx1g -jar "$WORK/dlog-migrate.jar" verify --source "$KAFKA" --target "$DLOG" --topics bench >"$LOGS/verify.out" 2>&1
VERIFY_RC=$?
VERIFY_S="$(echo "$(now) - $V0" | bc -l)"
log "dlog-migrate verify: exit $VERIFY_RC in $(printf '%.1f' "$VERIFY_S") s"

# ---------------------------------------------------------------- 2. MirrorMaker 2 to the same DLog
cat >"$WORK/mm2.properties" <<PROPS
clusters=src,dst
src.bootstrap.servers=$KAFKA
dst.bootstrap.servers=$DLOG
src->dst.enabled=true
src->dst.topics=bench
dst->src.enabled=false
tasks.max=$PARTITIONS
replication.factor=1
offset-syncs.topic.replication.factor=1
checkpoints.topic.replication.factor=1
heartbeats.topic.replication.factor=1
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
emit.heartbeats.enabled=false
emit.checkpoints.enabled=false
sync.topic.acls.enabled=false
refresh.topics.interval.seconds=5
PROPS
M0="$(now)"
java -Xmx1G -Xms1G -XX:+UseG1GC $LOG4J -cp "$KAFKA_CP" org.apache.kafka.connect.mirror.MirrorMaker "$WORK/mm2.properties" \
  >"$LOGS/mm2.out" 2>&1 &
MM2_PID=$!; PIDS+=("$MM2_PID")
FIRST=""
while :; do
  kill -0 "$MM2_PID" 2>/dev/null || die "MirrorMaker 2 exited; see $LOGS/mm2.out"
  COPIED="$(end_offsets_sum "$DLOG" src.bench)"
  [ -z "$FIRST" ] && [ "${COPIED:-0}" -gt 0 ] && FIRST="$(now)"
  [ "${COPIED:-0}" -ge "$RECORDS" ] && break
  sleep 2
done
M1="$(now)"
MM2_S="$(echo "$M1 - $M0" | bc -l)"
MM2_COPY_S="$(echo "$M1 - $FIRST" | bc -l)"
log "MirrorMaker 2: $(printf '%.1f' "$MM2_S") s from start ($(printf '%.1f' "$MM2_COPY_S") s from its first copied record), \
$(echo "$SOURCE_BYTES / 1048576 / $MM2_S" | bc -l | xargs printf '%.1f') MB/s"
printf 'RESULT gb=%s partitions=%s source_bytes=%s dlog_migrate_s=%.1f dlog_migrate_mb_s=%.1f verify_s=%.1f verify_rc=%s mm2_s=%.1f mm2_from_first_s=%.1f mm2_mb_s=%.1f\n' \
  "$GB" "$PARTITIONS" "$SOURCE_BYTES" "$MIGRATE_S" "$(echo "$SOURCE_BYTES / 1048576 / $MIGRATE_S" | bc -l)" "$VERIFY_S" "$VERIFY_RC" \
  "$MM2_S" "$MM2_COPY_S" "$(echo "$SOURCE_BYTES / 1048576 / $MM2_S" | bc -l)"
