#!/usr/bin/env bash
# Where EndToEndLatency's time goes: broker versus clients, from a loopback packet capture (issue 19).
#
#   bench/latency-split.sh HOST:PORT [MESSAGES]     e.g. bench/latency-split.sh 127.0.0.1:9092 5000
#
# ACKS=all and TOPIC=<an existing topic led by HOST:PORT> measure a replicated partition (the capture sees the
# followers' fetches on the leader's port too; latency_split.py tells them from the consumer's).
#
# Runs Kafka's EndToEndLatency (100-byte messages, acks=1 unless ACKS says otherwise, one at a time) against the broker while
# tcpdump captures its port on the loopback interface, then bench/latency_split.py splits each message's
# time into the broker's part (produce request to produce response and to fetch response) and the
# clients' (produce response to the next produce request). Needs root for tcpdump (apt-get install
# tcpdump) and the Kafka tool classpath bench/run.sh builds (bench/target/kafka.classpath).
set -euo pipefail
BENCH="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 1 ] || { echo "usage: bench/latency-split.sh HOST:PORT [MESSAGES]" >&2; exit 2; }
BOOT="$1"; MESSAGES="${2:-5000}"; PORT="${BOOT##*:}"
command -v tcpdump >/dev/null || { echo "latency-split: tcpdump is missing (apt-get install tcpdump)" >&2; exit 1; }
[ -s "$BENCH/target/kafka.classpath" ] || mvn -B -q -f "$BENCH/pom.xml" dependency:build-classpath \
  -Dmdep.outputFile="$BENCH/target/kafka.classpath" >/dev/null
CP="$(cat "$BENCH/target/kafka.classpath")"
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"
TOPIC="${TOPIC:-latency-split-$$}"; ACKS="${ACKS:-1}"
CAPTURE="$(mktemp /tmp/latency-split.XXXXXX.pcap)"
trap 'rm -f "$CAPTURE"' EXIT
# One unmeasured run warms both JITs and creates the topic.
java $LOG4J -cp "$CP" org.apache.kafka.tools.EndToEndLatency "$BOOT" "$TOPIC" 2000 "$ACKS" 100 >/dev/null 2>&1
tcpdump -i lo -n -s 128 -w "$CAPTURE" "tcp port $PORT" >/dev/null 2>&1 &
DUMP=$!
sleep 1
java $LOG4J -cp "$CP" org.apache.kafka.tools.EndToEndLatency "$BOOT" "$TOPIC" "$MESSAGES" "$ACKS" 100 2>/dev/null \
  | grep -E 'Avg latency|Percentiles'
sleep 0.5
kill "$DUMP"; wait "$DUMP" 2>/dev/null || true
python3 "$BENCH/latency_split.py" "$CAPTURE" "$PORT"
