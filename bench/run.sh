#!/usr/bin/env bash
# DLog vs Apache Kafka, side by side, with Kafka's own perf tools (issue 5).
#
# Builds DLog, resolves Apache Kafka 4.3.1 (broker + tools) from Maven Central through bench/pom.xml,
# starts one single-node KRaft Kafka and one DLog node on free 127.0.0.1 ports, runs the same
# workloads against both, alternating (round 1: DLog then Kafka, round 2: Kafka then DLog, ...) so
# drift on a shared machine cancels, and prints a table. See docs/benchmarks.md.
#
#   bench/run.sh                 full run (~20 s per produce run, 2 rounds)
#   bench/run.sh --quick         smoke test (a few seconds per run, 1 round)
#   bench/run.sh --replicated    three DLog nodes vs three Kafka nodes, RF 3, acks=all, min.insync.replicas=2
#   bench/run.sh --fetch         the fetch path only (issue 19): produce, consume and end-to-end latency
#   bench/run.sh --help          all options
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"

# ---------------------------------------------------------------- options
SECONDS_PER_RUN=20
ROUNDS=2
E2E_RECORDS=20000
RECORDS_100=""          # empty: calibrate so a 100-byte acks=1 run takes ~SECONDS_PER_RUN
RECORDS_1K=""
QUICK=0
BUILD=1
ONLY=""                 # "", dlog or kafka
DURABLE=1
WARMUP=1
JFR=0
KEEP=0
REPLICATED=0
FETCH_ONLY=0
TXN_ONLY=0
CONSUMES=1
# --replicated's fixed-rate acks=all runs (records/s): well below either side's full rate, so the p99 is the
# brokers' replication latency rather than time queued in the producer's 32 MiB buffer.
RATE_100=100000
RATE_1K=20000
RATE_WARMUP_S=3
STAMP="$(date +%Y-%m-%d-%H%M%S)"
OUT=""

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --quick             smoke test: small fixed record counts, 1 round, 500 e2e messages
  --seconds S         target duration of one produce run, used to size the record counts (default $SECONDS_PER_RUN)
  --rounds R          alternating rounds per workload (default $ROUNDS)
  --records N         100-byte records per produce run (skips calibration)
  --records-1k N      1 KiB records per produce run (default: same bytes as --records)
  --e2e-records N     EndToEndLatency messages (default $E2E_RECORDS)
  --only dlog|kafka   run one side only (bring-up, debugging)
  --no-durable        skip the DLog flush.mode=fsync phase
  --no-warmup         skip the unmeasured warm-up round (every workload once per broker before round 1)
  --no-build          use the existing broker/target/dlog.jar
  --jfr               also record a JFR profile of each broker during its first produce run (not
                      inside the measured runs) and print the hottest frames
  --replicated        the replicated workload instead (issue 10): three DLog nodes against three Kafka nodes
                      (KRaft, every node broker+controller), topics with replication factor 3 and
                      min.insync.replicas=2, acks=all; broker CPU and RSS are summed over the three nodes
  --fetch             the fetch path's workloads only (issue 19): per round one 100-byte acks=1 produce (the
                      data, measured too, to see that produce did not regress), its consume, and the end-to-end
                      latency run; --consumes N consumes the same data N times per round (default 1)
  --consumes N        consume runs per round with --fetch
  --rate-100 N        with --replicated: records/s of the fixed-rate 100-byte acks=all run (default $RATE_100)
  --rate-1k N         with --replicated: records/s of the fixed-rate 1 KiB acks=all run (default $RATE_1K)
  --rate-warmup S     with --replicated: seconds of a fixed-rate run left out of its latency columns (the producer
                      tool's --warmup-records; default $RATE_WARMUP_S); the CSV's note keeps the whole run's.
                      Each fixed-rate run is made twice: with linger.ms=5 as every run, and with linger.ms=0
                      (workload name ending in -linger0)
  --txn               the transactional workload only (issue 11): per round the idempotent acks=all produce
                      and the same with a transaction every 100 ms, 100-byte records
  --keep              keep the data folders (default: deleted at exit)
  --out FILE          CSV output (default bench/results/<stamp>.csv)
Env: KAFKA_HEAP_OPTS (default -Xmx1G -Xms1G, as kafka-server-start.sh), DLOG_OPTS (default as bin/dlog),
     TOOL_OPTS (JVM options of the perf tools, default -Xmx512M and KAFKA_JVM_PERFORMANCE_OPTS, as
     kafka-producer-perf-test.sh gives them), DLOG_JAR (another dlog.jar, e.g. of an
     older commit; implies --no-build).
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --records) RECORDS_100="$2"; shift ;;
    --records-1k) RECORDS_1K="$2"; shift ;;
    --e2e-records) E2E_RECORDS="$2"; shift ;;
    --only) ONLY="$2"; shift ;;
    --no-durable) DURABLE=0 ;;
    --no-warmup) WARMUP=0 ;;
    --no-build) BUILD=0 ;;
    --jfr) JFR=1 ;;
    --keep) KEEP=1 ;;
    --replicated) REPLICATED=1 ;;
    --fetch) FETCH_ONLY=1 ;;
    --txn) TXN_ONLY=1 ;;
    --consumes) CONSUMES="$2"; shift ;;
    --rate-100) RATE_100="$2"; shift ;;
    --rate-1k) RATE_1K="$2"; shift ;;
    --rate-warmup) RATE_WARMUP_S="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if [ "$QUICK" = 1 ]; then
  ROUNDS=1
  SECONDS_PER_RUN=3
  : "${RECORDS_100:=300000}"
  E2E_RECORDS=500
  WARMUP=0
fi
case "$ONLY" in ""|dlog|kafka) ;; *) echo "run.sh: --only takes dlog or kafka" >&2; exit 2 ;; esac
[ "$ONLY" = kafka ] && DURABLE=0
if [ "$REPLICATED" = 1 ]; then DURABLE=0; JFR=0; fi
[ "$FETCH_ONLY" = 1 ] && DURABLE=0
[ "$TXN_ONLY" = 1 ] && DURABLE=0
RF=1; TOPIC_CONFIGS=()
[ "$REPLICATED" = 1 ] && { RF=3; TOPIC_CONFIGS=(--config min.insync.replicas=2); }

RESULTS="$BENCH/results"
LOGS="$RESULTS/$STAMP"                  # gitignored: tool output, broker logs, JFR files
CSV="${OUT:-$RESULTS/$STAMP.csv}"
WORK="$(mktemp -d /tmp/dlog-bench.XXXXXX)"
mkdir -p "$LOGS"
CLK_TCK="$(getconf CLK_TCK)"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
# What kafka-run-class.sh adds for the broker and for every tool it starts (KAFKA_JVM_PERFORMANCE_OPTS defaults).
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
# The tools as kafka-producer-perf-test.sh starts them: its -Xmx512M, then kafka-run-class.sh's options. Without
# the latter the tool's JVM collects with G1's 200 ms pause goal, and its own pauses (17-111 ms seen in a fresh
# producer's first seconds, 2026-12-05) land in both sides' latency rows alike.
TOOL_OPTS="${TOOL_OPTS:--Xmx512M $KAFKA_JVM_PERFORMANCE_OPTS}"
DLOG_OPTS="${DLOG_OPTS:--Xms512m -Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:PerMethodTrapLimit=0 -XX:PerBytecodeTrapLimit=0}"
DLOG_JAR="${DLOG_JAR:-$ROOT/broker/target/dlog.jar}"
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup
DLOG_PID=""
KAFKA_PID=""
stop_pid() {   # pid name: SIGTERM, then SIGKILL after 20 s
  local pid="$1" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  log "$2 (pid $pid) ignored SIGTERM for 20 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
cleanup() {
  local p
  for p in $DLOG_PID; do stop_pid "$p" DLog; done
  for p in $KAFKA_PID; do stop_pid "$p" Kafka; done
  if [ "$KEEP" = 1 ]; then log "data kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  else
    local p
    while :; do
      p=$(( 20000 + RANDOM % 30000 ))
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
  fi
}

wait_port() {  # port pid name timeout_s
  local i
  for i in $(seq 1 $(( $4 * 4 ))); do
    kill -0 "$2" 2>/dev/null || die "$3 exited during start-up; see $LOGS/$3.out"
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.25
  done
  die "$3 did not open 127.0.0.1:$1 within $4 s; see $LOGS/$3.out"
}

cpu_ticks() {  # utime+stime of a process, in clock ticks
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  s="${s##*) }"
  # shellcheck disable=SC2086
  set -- $s
  echo $(( ${12} + ${13} ))
}
# The JIT compilers' share of a broker's CPU: utime+stime of its live "C1/C2 CompilerThread" threads. On this
# 2-core machine HotSpot runs one C1 and one C2 thread and never retires the last of each, so none of their
# ticks leave with an exited thread. Reported in the note so a CPU-per-GB ratio can be read with and without the
# compilers, whose work in a short run says more about warm-up than about the path measured.
jit_ticks() {
  local t=0 f s
  for f in /proc/"$1"/task/*/stat; do
    s="$(cat "$f" 2>/dev/null)" || continue
    case "$s" in *"CompilerThre"*) ;; *) continue ;; esac
    s="${s##*) }"
    # shellcheck disable=SC2086
    set -- $s
    t=$(( t + ${12} + ${13} ))
  done
  echo "$t"
}
jit_ticks_sum() { local p t=0; for p in "$@"; do t=$(( t + $(jit_ticks "$p") )); done; echo "$t"; }
peak_rss_mb() {  # VmHWM in MiB
  awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo ""
}
# A broker is one pid, or (--replicated) the pids of its three nodes: CPU and peak RSS are summed.
cpu_ticks_sum() { local p t=0; for p in "$@"; do t=$(( t + $(cpu_ticks "$p") )); done; echo "$t"; }
peak_rss_sum() { local p t=0 v; for p in "$@"; do v="$(peak_rss_mb "$p")"; t=$(( t + ${v:-0} )); done; echo "$t"; }
all_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null || return 1; done; }
# CPU seconds (user + sys) of this shell's reaped children so far: the tool's own CPU is the
# difference around its run (its JVM is waited for by timeout, which this shell waits for).
children_cpu_s() {  # sets CHILDREN_CPU (a pipe or $(...) would run `times` in a subshell, which has no children)
  times >"$WORK/times"
  CHILDREN_CPU="$(tail -1 "$WORK/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] } printf "%.2f", t }')"
}
reset_peak_rss() { echo 5 > "/proc/$1/clear_refs" 2>/dev/null || true; }

tool() {  # class args...: a Kafka tool on the Kafka classpath, bounded by TOOL_TIMEOUT
  local cls="$1"; shift
  # shellcheck disable=SC2086
  timeout -k 10 "${TOOL_TIMEOUT:-120}" java $TOOL_OPTS $LOG4J -cp "$KAFKA_CP" "$cls" "$@"
}

create_topic() {  # bootstrap topic partitions
  local i
  for i in 1 2 3 4 5; do
    TOOL_TIMEOUT=60 tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$1" --create \
      --topic "$2" --partitions "$3" --replication-factor "$RF" "${TOPIC_CONFIGS[@]}" >>"$LOGS/topics.log" 2>&1 && return 0
    sleep 2
  done
  return 1
}
delete_topic() {  # bootstrap topic (best effort: frees disk between runs)
  TOOL_TIMEOUT=60 tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$1" --delete --topic "$2" \
    >>"$LOGS/topics.log" 2>&1 || log "could not delete topic $2 on $1 (see $LOGS/topics.log)"
}

# ---------------------------------------------------------------- build / resolve
if [ "$ONLY" != kafka ]; then
  if [ "$BUILD" = 1 ] && [ "$DLOG_JAR" = "$ROOT/broker/target/dlog.jar" ]; then
    log "building DLog: mvn -B -q -DskipTests -pl broker -am package"
    (cd "$ROOT" && mvn -B -q -DskipTests -pl broker -am package) >"$LOGS/build.log" 2>&1 \
      || die "DLog build failed; see $LOGS/build.log"
  fi
  [ -f "$DLOG_JAR" ] || die "no $DLOG_JAR (build: mvn -B -q -DskipTests -pl broker -am package)"
  # Run a private copy: a rebuild in the tree during the run must not rewrite the jar under the JVM.
  cp -p "$DLOG_JAR" "$WORK/dlog.jar"; DLOG_JAR="$WORK/dlog.jar"
  log "DLog jar built $(date -r "$DLOG_JAR" '+%Y-%m-%d %H:%M:%S'); HEAD is $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- ':!bench' ':!docs' 2>/dev/null)" ] && echo ' (+ uncommitted changes in the tree)')"
fi
log "resolving Apache Kafka 4.3.1 from Maven Central (bench/pom.xml)"
mvn -B -q -f "$BENCH/pom.xml" dependency:build-classpath -Dmdep.outputFile="$BENCH/target/kafka.classpath" \
  >"$LOGS/resolve.log" 2>&1 || die "could not resolve Kafka; see $LOGS/resolve.log"
KAFKA_CP="$(cat "$BENCH/target/kafka.classpath")"

# ---------------------------------------------------------------- brokers
# The lines of Kafka 4.3's config/server.properties that every Kafka node here keeps as shipped.
kafka_common_props() {
  printf '%s\n' listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT num.network.threads=3 \
    num.io.threads=8 socket.send.buffer.bytes=102400 socket.receive.buffer.bytes=102400 socket.request.max.bytes=104857600
}
kafka_retention_props() {
  printf '%s\n' log.retention.hours=168 log.segment.bytes=1073741824 log.retention.check.interval.ms=300000
}

start_kafka() {
  local dir="$WORK/kafka" cid
  mkdir -p "$dir/logs"
  KAFKA_PORT="$(free_port)"; KAFKA_CTRL_PORT="$(free_port)"
  while [ "$KAFKA_CTRL_PORT" = "$KAFKA_PORT" ]; do KAFKA_CTRL_PORT="$(free_port)"; done
  # Kafka 4.3's config/server.properties, on loopback and our ports; everything else default.
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CTRL_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CTRL_PORT
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CTRL_PORT
controller.listener.names=CONTROLLER
$(kafka_common_props)
log.dirs=$dir/logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
$(kafka_retention_props)
EOF
  cid="$(java $LOG4J -cp "$KAFKA_CP" kafka.tools.StorageTool random-uuid 2>>"$LOGS/kafka-format.log")" \
    || die "StorageTool random-uuid failed"
  timeout 120 java $LOG4J -cp "$KAFKA_CP" kafka.tools.StorageTool format --standalone -t "$cid" \
    -c "$dir/server.properties" >>"$LOGS/kafka-format.log" 2>&1 || die "StorageTool format failed; see $LOGS/kafka-format.log"
  # shellcheck disable=SC2086
  java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $LOG4J -cp "$KAFKA_CP" kafka.Kafka "$dir/server.properties" \
    >"$LOGS/kafka.out" 2>&1 &
  KAFKA_PID=$!
  wait_port "$KAFKA_PORT" "$KAFKA_PID" kafka 120
  KAFKA_BOOT="127.0.0.1:$KAFKA_PORT"
  log "Kafka 4.3.1 pid $KAFKA_PID on $KAFKA_BOOT (controller :$KAFKA_CTRL_PORT, cluster $cid)"
}

start_dlog() {  # [name] [-o k=v ...]
  local name="${1:-dlog}"; shift || true
  local dir="$WORK/$name"
  mkdir -p "$dir"
  DLOG_PORT="$(free_port)"
  # shellcheck disable=SC2086
  java $DLOG_OPTS -jar "$DLOG_JAR" start --port "$DLOG_PORT" --data-dir "$dir" \
    -o listeners="PLAINTEXT://127.0.0.1:$DLOG_PORT" -o advertised.listeners="PLAINTEXT://127.0.0.1:$DLOG_PORT" "$@" \
    >"$LOGS/$name.out" 2>&1 &
  DLOG_PID=$!
  wait_port "$DLOG_PORT" "$DLOG_PID" "$name" 120
  DLOG_BOOT="127.0.0.1:$DLOG_PORT"
  log "DLog ($name $*) pid $DLOG_PID on $DLOG_BOOT"
}

# --replicated: three nodes per side, every node broker and controller, static voters.
three_ports() {  # -> 6 distinct free ports: client and controller port of nodes 1..3
  local ports=() p
  while [ "${#ports[@]}" -lt 6 ]; do
    p="$(free_port)"
    case " ${ports[*]} " in *" $p "*) ;; *) ports+=("$p") ;; esac
  done
  echo "${ports[*]}"
}

start_kafka_cluster() {
  local ports voters="" boot="" i dir cid
  read -ra ports <<<"$(three_ports)"
  for i in 1 2 3; do voters="$voters${voters:+,}$i@127.0.0.1:${ports[2 * i - 1]}"; done
  cid="$(java $LOG4J -cp "$KAFKA_CP" kafka.tools.StorageTool random-uuid 2>>"$LOGS/kafka-format.log")" \
    || die "StorageTool random-uuid failed"
  KAFKA_PID=""
  for i in 1 2 3; do
    dir="$WORK/kafka-$i"; mkdir -p "$dir/logs"
    # Kafka 4.3's config/server.properties for a 3-node KRaft cluster on loopback; RF 3 everywhere.
    cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${ports[2 * i - 2]},CONTROLLER://127.0.0.1:${ports[2 * i - 1]}
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://127.0.0.1:${ports[2 * i - 2]}
controller.listener.names=CONTROLLER
$(kafka_common_props)
log.dirs=$dir/logs
num.partitions=1
num.recovery.threads.per.data.dir=1
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
$(kafka_retention_props)
EOF
    timeout 120 java $LOG4J -cp "$KAFKA_CP" kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" \
      >>"$LOGS/kafka-format.log" 2>&1 || die "StorageTool format failed; see $LOGS/kafka-format.log"
    # shellcheck disable=SC2086
    java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $LOG4J -cp "$KAFKA_CP" kafka.Kafka "$dir/server.properties" \
      >"$LOGS/kafka-$i.out" 2>&1 &
    KAFKA_PID="$KAFKA_PID${KAFKA_PID:+ }$!"
    boot="$boot${boot:+,}127.0.0.1:${ports[2 * i - 2]}"
  done
  local pids; read -ra pids <<<"$KAFKA_PID"
  for i in 1 2 3; do wait_port "${ports[2 * i - 2]}" "${pids[i - 1]}" "kafka-$i" 120; done
  KAFKA_BOOT="$boot"
  log "Kafka 4.3.1, 3 nodes, pids $KAFKA_PID on $KAFKA_BOOT (voters $voters, cluster $cid)"
}

start_dlog_cluster() {
  local ports voters="" boot="" i dir
  read -ra ports <<<"$(three_ports)"
  for i in 1 2 3; do voters="$voters${voters:+,}$i@127.0.0.1:${ports[2 * i - 1]}"; done
  DLOG_PID=""
  for i in 1 2 3; do
    dir="$WORK/dlog-$i"; mkdir -p "$dir/data"
    # What bin/dlog start --cluster 3 writes (ClusterLayout), one JVM per node so CPU is counted per node.
    cat >"$dir/server.properties" <<EOF
node.id=$i
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:${ports[2 * i - 2]},CONTROLLER://127.0.0.1:${ports[2 * i - 1]}
advertised.listeners=PLAINTEXT://127.0.0.1:${ports[2 * i - 2]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.voters=$voters
log.dirs=$dir/data
default.replication.factor=3
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
EOF
    # shellcheck disable=SC2086
    java $DLOG_OPTS -jar "$DLOG_JAR" start --config "$dir/server.properties" >"$LOGS/dlog-$i.out" 2>&1 &
    DLOG_PID="$DLOG_PID${DLOG_PID:+ }$!"
    boot="$boot${boot:+,}127.0.0.1:${ports[2 * i - 2]}"
  done
  local pids; read -ra pids <<<"$DLOG_PID"
  for i in 1 2 3; do wait_port "${ports[2 * i - 2]}" "${pids[i - 1]}" "dlog-$i" 180; done
  DLOG_BOOT="$boot"
  log "DLog, 3 nodes, pids $DLOG_PID on $DLOG_BOOT (voters $voters)"
}

boot_of() { if [ "$1" = kafka ]; then echo "$KAFKA_BOOT"; else echo "$DLOG_BOOT"; fi; }
pid_of() { if [ "$1" = kafka ]; then echo "$KAFKA_PID"; else echo "$DLOG_PID"; fi; }

# ---------------------------------------------------------------- tool output parsers
# ProducerPerformance's summary: "N records sent, R records/sec (M MB/sec), A ms avg latency,
# X ms max latency, a ms 50th, b ms 95th, c ms 99th, d ms 99.9th." -> N R M A a c d. With --warmup-records it
# prints a second summary, "N steady state records sent, ...", of the records after the warm-up: parse_producer
# FILE steady reads that one, parse_producer FILE the whole run's.
parse_producer() {
  local pick=(grep -v 'steady state'); [ "${2:-}" = steady ] && pick=(grep 'steady state')
  grep 'records sent' "$1" | grep '99.9th' | "${pick[@]}" | tail -1 | sed 's/\.$//' | awk -F'[ ,()]+' '{
    n = $1
    for (i = 1; i < NF; i++) {
      if ($(i + 1) == "records/sec") r = $i
      if ($(i + 1) == "MB/sec") m = $i
      if ($(i + 2) == "avg") a = $i
      if ($(i + 2) == "50th") p = $i
      if ($(i + 2) == "99th") q = $i
      if ($(i + 2) == "99.9th") z = $i
    }
    print n, r, m, a, p, q, z }'
}
# ConsumerPerformance: "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
# nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec" -> MB.sec nMsg nMsg.sec rebalance fetch.MB.sec
parse_consumer() {
  grep -E '^[0-9]{4}-' "$1" | tail -1 | awk -F', *' '{ print $4, $5, $6, $7, $9 }'
}
# EndToEndLatency: "Avg latency: A ms" and "Percentiles: 50th = a, 99th = b, 99.9th = c" -> A a b c
parse_e2e() {
  awk '/^Avg latency:/ { a = $3 }
       /^Percentiles:/ { gsub(/,/, ""); p = $4; q = $7; z = $10 }
       END { if (a != "") print a, p, q, z }' "$1"
}

# ---------------------------------------------------------------- one measured run
echo "date,phase,round,broker,mode,workload,status,records,record_bytes,wall_s,rec_per_s,mb_per_s,fetch_mb_per_s,avg_lat_ms,p50_ms,p99_ms,p999_ms,cpu_s,cpu_s_per_gb,peak_rss_mb,tool_cpu_s,note" >"$CSV"
RUN_SEQ=0

# measure phase round broker mode workload records record_bytes -- command...
# Runs the command, samples the broker's CPU ticks around it and its peak RSS during it, parses
# the tool's output into one CSV row.
measure() {
  local phase="$1" round="$2" broker="$3" mode="$4" workload="$5" records="$6" rbytes="$7"; shift 8
  local pid; pid="$(pid_of "$broker")"
  RUN_SEQ=$(( RUN_SEQ + 1 ))
  local out; out="$LOGS/$(printf '%03d' "$RUN_SEQ")-$phase-r$round-$broker-$workload.log"
  # shellcheck disable=SC2086
  all_alive $pid || { row "$phase" "$round" "$broker" "$mode" "$workload" FAILED "$records" "$rbytes" "" "" "" "" "" "" "" "" "" "" "" "" "broker not running"; return 1; }
  local one; for one in $pid; do reset_peak_rss "$one"; done
  local c0 c1 t0 t1 rc k0 k1 j0 j1
  # shellcheck disable=SC2086
  children_cpu_s; k0="$CHILDREN_CPU"; j0="$(jit_ticks_sum $pid)"; c0="$(cpu_ticks_sum $pid)"; t0="$(date +%s%N)"
  "$@" >"$out" 2>&1; rc=$?
  # shellcheck disable=SC2086
  t1="$(date +%s%N)"; c1="$(cpu_ticks_sum $pid)"; j1="$(jit_ticks_sum $pid)"; children_cpu_s; k1="$CHILDREN_CPU"
  local toolcpu; toolcpu="$(awk -v a="$k0" -v b="$k1" 'BEGIN { printf "%.2f", b - a }')"
  # shellcheck disable=SC2086
  local rss; rss="$(peak_rss_sum $pid)"
  local wall cpu; wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
  cpu="$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }')"
  local jit; jit="$(awk -v a="$j0" -v b="$j1" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }')"
  local status=ok note="" rps="" mbs="" fetchmb="" avg="" p50="" p99="" p999="" done_records="$records"
  if [ "${workload#produce}" != "$workload" ]; then
    read -r done_records rps mbs avg p50 p99 p999 < <(parse_producer "$out")
    local s_n s_r s_m s_avg s_p50 s_p99 s_p999
    read -r s_n s_r s_m s_avg s_p50 s_p99 s_p999 < <(parse_producer "$out" steady)
    if [ -n "$s_p99" ]; then
      # a run with --warmup-records: its latency columns are the steady state's, the whole run's go in the note
      note="whole run avg $avg ms p50 $p50 ms p99 $p99 ms p99.9 $p999 ms; latency columns: the $s_n records after the warm-up"
      avg="$s_avg"; p50="$s_p50"; p99="$s_p99"; p999="$s_p999"
    fi
  elif [ "${workload#consume}" != "$workload" ]; then
    local rb
    read -r mbs done_records rps rb fetchmb < <(parse_consumer "$out")
    [ -n "$rb" ] && note="group join/rebalance ${rb} ms"
  else
    read -r avg p50 p99 p999 < <(parse_e2e "$out")
    [ -n "$avg" ] && rps="$(awk -v a="$avg" 'BEGIN { if (a > 0) printf "%.1f", 1000 / a }')"
    note="percentiles are whole ms (the tool truncates)"
  fi
  if [ "$rc" -ne 0 ] || { [ -z "$rps" ] && [ -z "$avg" ]; }; then
    status=FAILED
    [ "$rc" = 124 ] && note="timed out after ${TOOL_TIMEOUT:-120} s" || note="exit $rc"
    note="$note: $(grep -m1 -E 'Exception|ERROR|Error|error|WARNING' "$out" | cut -c1-160)"
    rps=""; mbs=""; fetchmb=""; avg=""; p50=""; p99=""; p999=""
  elif [ "$workload" != "${workload#consume}" ] && [ -n "$done_records" ] && [ "$done_records" -lt "$records" ]; then
    status=PARTIAL; note="consumed $done_records of $records; $note"
  fi
  local cpugb=""
  if [ "$status" = ok ] && [ "${workload#e2e}" = "$workload" ]; then
    cpugb="$(awk -v c="$cpu" -v n="$done_records" -v b="$rbytes" 'BEGIN { g = n * b / 1e9; if (g > 0) printf "%.2f", c / g }')"
  fi
  note="jit ${jit}s${note:+; $note}"
  row "$phase" "$round" "$broker" "$mode" "$workload" "$status" "$done_records" "$rbytes" "$wall" "$rps" "$mbs" "$fetchmb" "$avg" "$p50" "$p99" "$p999" "$cpu" "$cpugb" "$rss" "$toolcpu" "$note"
  log "  $broker $workload: $status ${mbs:+$mbs MB/s }${fetchmb:+(fetch $fetchmb MB/s) }${rps:+$rps/s }${avg:+avg $avg ms }${p99:+p99 $p99 ms }cpu ${cpu}s tool cpu ${toolcpu}s in ${wall}s rss ${rss}MiB ${note}"
  [ "$status" != FAILED ]
}
row() {  # fields...: one CSV line; commas and quotes inside a field become ';' and "'"
  local f line
  line="$(date +%Y-%m-%dT%H:%M:%S)"
  for f in "$@"; do f="${f//,/;}"; line="$line,${f//\"/\'}"; done
  echo "$line" >>"$CSV"
}

producer() {  # broker topic records record_bytes acks [extra producer props...]; $THROUGHPUT: records/s, -1 = unlimited;
  # $LINGER_MS: the producer's linger.ms (default 5, Kafka 4's default)
  local boot; boot="$(boot_of "$1")"
  local topic="$2" n="$3" size="$4" acks="$5"; shift 5
  local opts=()
  if [ "${1:-}" = --reporting-interval ]; then opts=("$1" "$2"); shift 2; fi
  if [ -n "${WARMUP_RECORDS:-}" ]; then opts+=(--warmup-records "$WARMUP_RECORDS"); fi
  tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$boot" --topic "$topic" \
    --num-records "$n" --record-size "$size" --throughput "${THROUGHPUT:--1}" "${opts[@]}" \
    --command-property acks="$acks" linger.ms="${LINGER_MS:-5}" batch.size=65536 "$@"
}
consumer() {  # broker topic records
  local boot; boot="$(boot_of "$1")"
  tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$boot" --topic "$2" --num-records "$3" \
    --timeout 15000
}
e2e() {  # broker topic records [acks]
  local boot; boot="$(boot_of "$1")"
  tool org.apache.kafka.tools.EndToEndLatency "$boot" "$2" "$3" "${4:-1}" 100
}

# ---------------------------------------------------------------- workloads
topic_n=0
new_topic() {  # broker partitions -> topic name (or empty on failure)
  topic_n=$(( topic_n + 1 ))
  local t="bench-$1-$topic_n"
  if create_topic "$(boot_of "$1")" "$t" "$2"; then echo "$t"; else log "could not create $t on $1"; echo ""; fi
}

# Sets TOOL_TIMEOUT so that a run 10x slower than the calibration still ends; every run is bounded.
run_timeout() { echo $(( SECONDS_PER_RUN * 10 + 60 )); }

produce_case() {  # phase round broker mode workload records size acks [props...]
  local phase="$1" round="$2" broker="$3" mode="$4" workload="$5" n="$6" size="$7" acks="$8"; shift 8
  local t; t="$(new_topic "$broker" 6)"
  if [ -z "$t" ]; then row "$phase" "$round" "$broker" "$mode" "$workload" FAILED "$n" "$size" "" "" "" "" "" "" "" "" "" "" "" "" "CreateTopics failed"; return; fi
  TOOL_TIMEOUT="$(run_timeout)" measure "$phase" "$round" "$broker" "$mode" "$workload" "$n" "$size" -- \
    producer "$broker" "$t" "$n" "$size" "$acks" "$@"
  LAST_TOPIC="$t"
}

one_round() {  # phase round broker: every workload once (phase "warmup" rows are not reported)
  local p="$1" r="$2" b="$3" m=default
  [ "$b" = dlog ] && m="flush=os"
  produce_case "$p" "$r" "$b" "$m" produce-100B-acks1 "$RECORDS_100" 100 1
  local data_topic="$LAST_TOPIC"
  TOOL_TIMEOUT="$(run_timeout)" measure "$p" "$r" "$b" "$m" consume-100B "$RECORDS_100" 100 -- consumer "$b" "$data_topic" "$RECORDS_100"
  delete_topic "$(boot_of "$b")" "$data_topic"
  produce_case "$p" "$r" "$b" "$m" produce-100B-acksall "$RECORDS_100" 100 all
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  produce_case "$p" "$r" "$b" "$m" produce-100B-acks1-lz4 "$RECORDS_100" 100 1 compression.type=lz4
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  produce_case "$p" "$r" "$b" "$m" produce-1KiB-acks1 "$RECORDS_1K" 1024 1
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  # transactional producer (issue 11): acks=all, idempotent, one transaction every 100 ms
  produce_case "$p" "$r" "$b" "$m" produce-100B-txn100ms "$RECORDS_100" 100 all transactional.id="bench-txn-$b-$r-$p" \
    --transaction-duration-ms 100
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  local t; t="$(new_topic "$b" 1)"
  TOOL_TIMEOUT="$(( E2E_RECORDS / 50 + 120 ))" measure "$p" "$r" "$b" "$m" e2e-100B-acks1 "$E2E_RECORDS" 100 -- e2e "$b" "$t" "$E2E_RECORDS"
  delete_topic "$(boot_of "$b")" "$t"
}

# --replicated: RF 3, min.insync.replicas=2 (topic config), acks=all; the same tools and record sizes.
one_round_replicated() {  # phase round broker
  local p="$1" r="$2" b="$3" m=rf3
  produce_case "$p" "$r" "$b" "$m" produce-100B-acksall-rf3 "$RECORDS_100" 100 all
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  produce_case "$p" "$r" "$b" "$m" produce-1KiB-acksall-rf3 "$RECORDS_1K" 1024 all
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  # The same producers at a fixed rate both sides sustain: latency without the queueing of a saturated run.
  # The first RATE_WARMUP_S seconds are the tool's warm-up (--warmup-records): its own JVM and its first
  # requests, which set the whole run's p99 on both sides (docs/benchmarks.md).
  THROUGHPUT="$RATE_100" WARMUP_RECORDS="$(( RATE_100 * RATE_WARMUP_S ))" produce_case "$p" "$r" "$b" "$m" \
    "produce-100B-acksall-rf3-at${RATE_100}" "$(( RATE_100 * (SECONDS_PER_RUN + RATE_WARMUP_S) ))" 100 all
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  THROUGHPUT="$RATE_1K" WARMUP_RECORDS="$(( RATE_1K * RATE_WARMUP_S ))" produce_case "$p" "$r" "$b" "$m" \
    "produce-1KiB-acksall-rf3-at${RATE_1K}" "$(( RATE_1K * (SECONDS_PER_RUN + RATE_WARMUP_S) ))" 1024 all
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  # Again with linger.ms=0. With Kafka 4's default of 5 ms a record waits up to 5 ms in the producer before its
  # batch is sent, so every fixed-rate p99 above sits on that floor on both sides; without it the p99 is the
  # brokers' acks=all round plus the client's own work (docs/benchmarks.md).
  LINGER_MS=0 THROUGHPUT="$RATE_100" WARMUP_RECORDS="$(( RATE_100 * RATE_WARMUP_S ))" produce_case "$p" "$r" "$b" "$m" \
    "produce-100B-acksall-rf3-at${RATE_100}-linger0" "$(( RATE_100 * (SECONDS_PER_RUN + RATE_WARMUP_S) ))" 100 all
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  LINGER_MS=0 THROUGHPUT="$RATE_1K" WARMUP_RECORDS="$(( RATE_1K * RATE_WARMUP_S ))" produce_case "$p" "$r" "$b" "$m" \
    "produce-1KiB-acksall-rf3-at${RATE_1K}-linger0" "$(( RATE_1K * (SECONDS_PER_RUN + RATE_WARMUP_S) ))" 1024 all
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  local t; t="$(new_topic "$b" 1)"
  TOOL_TIMEOUT="$(( E2E_RECORDS / 50 + 120 ))" measure "$p" "$r" "$b" "$m" e2e-100B-acksall-rf3 "$E2E_RECORDS" 100 -- e2e "$b" "$t" "$E2E_RECORDS" all
  delete_topic "$(boot_of "$b")" "$t"
}
# --fetch: the fetch path (issue 19): the data for the consume runs, the consumes, end-to-end latency.
one_round_fetch() {  # phase round broker
  local p="$1" r="$2" b="$3" m=default i
  [ "$b" = dlog ] && m="flush=os"
  produce_case "$p" "$r" "$b" "$m" produce-100B-acks1 "$RECORDS_100" 100 1
  local data_topic="$LAST_TOPIC"
  for i in $(seq 1 "$CONSUMES"); do
    TOOL_TIMEOUT="$(run_timeout)" measure "$p" "$r" "$b" "$m" consume-100B "$RECORDS_100" 100 -- consumer "$b" "$data_topic" "$RECORDS_100"
  done
  delete_topic "$(boot_of "$b")" "$data_topic"
  local t; t="$(new_topic "$b" 1)"
  TOOL_TIMEOUT="$(( E2E_RECORDS / 50 + 120 ))" measure "$p" "$r" "$b" "$m" e2e-100B-acks1 "$E2E_RECORDS" 100 -- e2e "$b" "$t" "$E2E_RECORDS"
  delete_topic "$(boot_of "$b")" "$t"
}
# --txn: transactions (issue 11) against the same producer without them.
one_round_txn() {  # phase round broker
  local p="$1" r="$2" b="$3" m=default
  [ "$b" = dlog ] && m="flush=os"
  produce_case "$p" "$r" "$b" "$m" produce-100B-acksall "$RECORDS_100" 100 all
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
  produce_case "$p" "$r" "$b" "$m" produce-100B-txn100ms "$RECORDS_100" 100 all transactional.id="bench-txn-$b-$r-$p" \
    --transaction-duration-ms 100
  delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
}
round_of() {
  if [ "$REPLICATED" = 1 ]; then one_round_replicated "$@"
  elif [ "$FETCH_ONLY" = 1 ]; then one_round_fetch "$@"
  elif [ "$TXN_ONLY" = 1 ]; then one_round_txn "$@"
  else one_round "$@"; fi
}

sides() {  # round -> the order of the brokers in that round (ABBA...)
  local a=dlog b=kafka
  if [ "$ONLY" = dlog ]; then echo dlog; return; fi
  if [ "$ONLY" = kafka ]; then echo kafka; return; fi
  if [ $(( $1 % 2 )) = 1 ]; then echo "$a $b"; else echo "$b $a"; fi
}

# The best 1-second rate of a producer run (its progress lines), i.e. the steady state without
# the ramp-up and the final drain that the summary line averages in; the summary if that is all.
steady_rate() {
  grep 'records/sec' "$1" | awk -F'[ ,()]+' '{ for (i = 1; i < NF; i++) if ($(i + 1) == "records/sec") print $i }' \
    | sort -g | tail -1
}

# Kafka's producer perf tool has no duration flag: warm both JVMs up, then time a fixed-size
# run on each broker and size the measured runs from the mean rate.
calibrate() {
  local b t rate sum=0 k=0 rate1k sum1k=0
  for b in $(sides 1); do
    # a first, unmeasured pass so that the JIT has compiled the hot paths of both brokers
    t="$(new_topic "$b" 6)"; [ -n "$t" ] || die "cannot create topics on $b"
    TOOL_TIMEOUT=300 producer "$b" "$t" 3000000 100 1 >"$LOGS/warmup-$b.log" 2>&1
    delete_topic "$(boot_of "$b")" "$t"
    t="$(new_topic "$b" 6)"; TOOL_TIMEOUT=300 producer "$b" "$t" 300000 1024 1 >"$LOGS/warmup-1k-$b.log" 2>&1
    delete_topic "$(boot_of "$b")" "$t"
    t="$(new_topic "$b" 6)"
    TOOL_TIMEOUT=300 producer "$b" "$t" 5000000 100 1 --reporting-interval 1000 >"$LOGS/calibrate-$b.log" 2>&1
    rate="$(steady_rate "$LOGS/calibrate-$b.log")"
    delete_topic "$(boot_of "$b")" "$t"
    t="$(new_topic "$b" 6)"
    TOOL_TIMEOUT=300 producer "$b" "$t" 800000 1024 1 --reporting-interval 1000 >"$LOGS/calibrate-1k-$b.log" 2>&1
    rate1k="$(steady_rate "$LOGS/calibrate-1k-$b.log")"
    delete_topic "$(boot_of "$b")" "$t"
    log "calibration on $b: ${rate:-?} records/s at 100 B, ${rate1k:-?} records/s at 1 KiB"
    if [ -n "$rate" ]; then sum="$(awk -v s="$sum" -v r="$rate" 'BEGIN { print s + r }')"; sum1k="$(awk -v s="$sum1k" -v r="${rate1k:-0}" 'BEGIN { print s + r }')"; k=$(( k + 1 )); fi
  done
  [ "$k" -gt 0 ] || die "calibration failed on every broker; see $LOGS/calibrate-*.log"
  [ -n "$RECORDS_100" ] || RECORDS_100="$(awk -v s="$sum" -v k="$k" -v d="$SECONDS_PER_RUN" 'BEGIN { printf "%d", s / k * d }')"
  [ -n "$RECORDS_1K" ] || RECORDS_1K="$(awk -v s="$sum1k" -v k="$k" -v d="$SECONDS_PER_RUN" 'BEGIN { n = s / k * d; printf "%d", (n > 0 ? n : 1) }')"
}

thread_cpu() {  # pid -> "tid ticks name" per thread (name with digits folded to #)
  local t s n
  for t in /proc/"$1"/task/*; do
    s="$(cat "$t/stat" 2>/dev/null)" || continue
    n="$(tr -d ' ' <"$t/comm" | tr '0-9' '#')"
    s="${s##*) }"
    # shellcheck disable=SC2086
    set -- $s
    echo "${t##*/} $(( ${12} + ${13} )) $n"
  done
}

# JFR: outside the measured runs, one produce run per broker with a profiling recording on.
profile() {  # broker
  local b="$1" pid t f="$LOGS/$1-produce.jfr"
  pid="$(pid_of "$b")"
  t="$(new_topic "$b" 6)"
  jcmd "$pid" JFR.start name=bench settings=profile >>"$LOGS/jfr.log" 2>&1
  # Starting JFR re-instruments JDK I/O classes and the JIT recompiles: let that happen first.
  TOOL_TIMEOUT="$(run_timeout)" producer "$b" "$t" "$RECORDS_100" 100 1 >"$LOGS/jfr-$b-warmup.log" 2>&1
  thread_cpu "$pid" >"$LOGS/$b-threads-before.txt"
  TOOL_TIMEOUT="$(run_timeout)" producer "$b" "$t" "$RECORDS_100" 100 1 >"$LOGS/jfr-$b-producer.log" 2>&1
  thread_cpu "$pid" >"$LOGS/$b-threads-after.txt"
  jcmd "$pid" JFR.stop name=bench filename="$f" >>"$LOGS/jfr.log" 2>&1
  # CPU seconds per thread group (digits folded) during the run: where the broker's CPU went
  awk -v t="$CLK_TCK" 'NR == FNR { b[$1] = $2; next } { d[$3] += $2 - b[$1] }
       END { for (k in d) if (d[k] > 0) printf "%8.2f s  %s\n", d[k] / t, k }' \
    "$LOGS/$b-threads-before.txt" "$LOGS/$b-threads-after.txt" | sort -rn >"$LOGS/$b-threads-cpu.txt"
  log "CPU by thread on $b during that run:"; head -8 "$LOGS/$b-threads-cpu.txt" >&2
  delete_topic "$(boot_of "$b")" "$t"
  log "JFR of $b during a 100 B acks=1 produce: $f"
  "$BENCH/jfr-summary.sh" "$f" >"$LOGS/$b-produce.jfr.txt" 2>&1 && sed -n 1,40p "$LOGS/$b-produce.jfr.txt" >&2
}

# ---------------------------------------------------------------- main
log "logs in $LOGS, results in $CSV, data in $WORK"
if [ "$REPLICATED" = 1 ]; then
  [ "$ONLY" = dlog ] || start_kafka_cluster
  [ "$ONLY" = kafka ] || start_dlog_cluster
else
  [ "$ONLY" = dlog ] || start_kafka
  [ "$ONLY" = kafka ] || start_dlog dlog
fi

if [ "$QUICK" = 1 ]; then
  : "${RECORDS_1K:=$(( RECORDS_100 / 10 ))}"
  # warm the JVMs a little even in quick mode
  for b in $(sides 1); do t="$(new_topic "$b" 6)"; TOOL_TIMEOUT=120 producer "$b" "$t" 100000 100 1 >"$LOGS/warmup-$b.log" 2>&1; delete_topic "$(boot_of "$b")" "$t"; done
else
  calibrate
fi
log "records per run: $RECORDS_100 x 100 B, $RECORDS_1K x 1 KiB; e2e $E2E_RECORDS messages; $ROUNDS round(s)"

# A broker that has served for a while has its hot paths compiled; one that just started does not
# (DLog's first runs cost up to twice the CPU of later ones, Kafka's about 1.3x). So every workload
# runs once on each broker, unmeasured, before round 1: the rounds compare warm brokers, as users run them.
if [ "$WARMUP" = 1 ]; then
  for b in $(sides 1); do
    log "warm-up round (not reported): $b"
    round_of warmup 0 "$b"
  done
fi

for r in $(seq 1 "$ROUNDS"); do
  for b in $(sides "$r"); do
    log "round $r: $b"
    round_of main "$r" "$b"
  done
done

if [ "$JFR" = 1 ]; then
  for b in $(sides 1); do profile "$b"; done
fi

if [ "$DURABLE" = 1 ]; then
  log "durable phase: DLog with dlog.flush.mode=fsync vs Kafka's default (page cache, no fsync per write)"
  stop_pid "$DLOG_PID" DLog; DLOG_PID=""
  start_dlog dlog-fsync -o dlog.flush.mode=fsync
  # the restarted DLog is cold again: warm it as the main phase did
  if [ "$WARMUP" = 1 ]; then
    produce_case warmup 0 dlog flush=fsync produce-100B-acksall-durable "$RECORDS_100" 100 all
    delete_topic "$DLOG_BOOT" "$LAST_TOPIC"
  fi
  for r in $(seq 1 "$ROUNDS"); do
    for b in $(sides "$r"); do
      m=default; [ "$b" = dlog ] && m="flush=fsync"
      produce_case durable "$r" "$b" "$m" produce-100B-acksall-durable "$RECORDS_100" 100 all
      delete_topic "$(boot_of "$b")" "$LAST_TOPIC"
    done
  done
fi

"$BENCH/report.sh" "$CSV"
log "CSV: $CSV; logs: $LOGS"
