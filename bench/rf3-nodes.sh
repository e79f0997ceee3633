# Sourced by the three-node bench scripts (fixed-rate-rf3.sh, latency-split-rf3.sh, idle-cpu-rf3.sh, profile-replicated.sh, e2e-tail-rf3.sh, jit-nice-produce-rf3.sh, producer-waves-rf3.sh, produce-cpu-rf3.sh,
# failover-rf3.sh, writeback-rf3.sh): writes the node configs bench/run.sh --replicated uses and starts the nodes on 127.0.0.1.
#
#   rf3_start dlog|kafka DIR "PORT1 PORT2 PORT3" "CONTROLLER1 CONTROLLER2 CONTROLLER3"
#
# Uses $JAR (dlog.jar), $CP (Kafka's classpath), $L (JVM options for Kafka's logging, may be empty), $DLOG_OPTS (DLog's JVM
# options, default as bin/dlog), $XOPTS (extra DLog JVM options, may be unset) and $DLOG_PROPS (key=value settings separated
# by whitespace, each added as a line to every DLog node's server.properties, e.g. "num.network.threads=1"; may be unset); appends each node's PID to the array RF3_PIDS, node 1 first.
RF3_PIDS=()
rf3_start() {
  local who="$1" dir="$2" i d cid=""
  local -a port=($3) ctrl=($4)
  local voters="1@127.0.0.1:${ctrl[0]},2@127.0.0.1:${ctrl[1]},3@127.0.0.1:${ctrl[2]}"
  [ "$who" = kafka ] && cid=$(java ${L:-} -cp "$CP" kafka.tools.StorageTool random-uuid 2>/dev/null)
  for i in 1 2 3; do
    d="$dir/$who-$i"; mkdir -p "$d/data"
    cat > "$d/server.properties" <<P
node.id=$i
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:${port[i-1]},CONTROLLER://127.0.0.1:${ctrl[i-1]}
advertised.listeners=PLAINTEXT://127.0.0.1:${port[i-1]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.voters=$voters
log.dirs=$d/data
default.replication.factor=3
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
P
    if [ "$who" = kafka ]; then
      cat >> "$d/server.properties" <<P
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
min.insync.replicas=2
share.coordinator.state.topic.replication.factor=3
transaction.state.log.min.isr=2
P
      java ${L:-} -cp "$CP" kafka.tools.StorageTool format -t "$cid" -c "$d/server.properties" >/dev/null 2>&1
      java -Xmx1G -Xms1G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent ${L:-} -cp "$CP" kafka.Kafka "$d/server.properties" > "$d/out.log" 2>&1 &
    else
      [ -n "${DLOG_PROPS:-}" ] && printf '%s\n' ${DLOG_PROPS} >> "$d/server.properties"
      java ${DLOG_OPTS:--Xms512m -Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:PerMethodTrapLimit=0 -XX:PerBytecodeTrapLimit=0} ${XOPTS:-} -jar "$JAR" start --config "$d/server.properties" > "$d/out.log" 2>&1 &
    fi
    RF3_PIDS+=($!)
  done
}

# rf3_bench_start NAME dlog|kafka: the start the rf3 bench scripts share. Checks the side named, the DLog jar
# ($DLOG_JAR, else broker/target/dlog.jar) and Kafka's classpath (bench/run.sh builds it); sets WHO, W (a new work
# folder, removed with the nodes on exit), CP, L, pids (node 1 first) and B (the bootstrap list); starts the three
# nodes on ports 32001-32003 (controllers 33001-33003) and returns once they listen and 5 s have passed.
rf3_bench_start() {
  local name="$1" b0 p k
  WHO="$2"
  b0="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  [ "$WHO" = dlog ] || [ "$WHO" = kafka ] || { echo "$name: dlog or kafka, not $WHO" >&2; exit 2; }
  JAR="${DLOG_JAR:-$b0/../broker/target/dlog.jar}"
  [ "$WHO" = kafka ] || [ -s "$JAR" ] || { echo "$name: $JAR is missing (mvn -pl broker -am package)" >&2; exit 1; }
  [ -s "$b0/target/kafka.classpath" ] || { echo "$name: $b0/target/kafka.classpath is missing (bench/run.sh builds it)" >&2; exit 1; }
  CP="$(cat "$b0/target/kafka.classpath")"; L="-Dlog4j2.configurationFile=$b0/log4j2.properties"
  W="$(mktemp -d "/tmp/$name.XXXXXX")"
  trap 'kill "${RF3_PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
  rf3_start "$WHO" "$W" "32001 32002 32003" "33001 33002 33003"
  pids=("${RF3_PIDS[@]}")
  for p in 32001 32002 32003; do for k in $(seq 1 240); do (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.5; done; done
  B=127.0.0.1:32001,127.0.0.1:32002,127.0.0.1:32003; sleep 5
}

# rf3_renice_jit N: puts the JIT compiler threads (C1 and C2 CompilerThread) of the nodes in $pids at nice N
# (lowering a nice value needs root).
rf3_renice_jit() {
  local p t
  for p in "${pids[@]}"; do for t in /proc/$p/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in C*CompilerThre*) renice -n "$1" -p "$(basename "$t")" >/dev/null;; esac
  done; done
}
