#!/usr/bin/env bash
# Summarizes the CPU samples (jdk.ExecutionSample) of a JFR recording: hottest top frames (self
# time), hottest frames anywhere on the stack (inclusive, per sample), and samples per thread.
# Usage: bench/jfr-summary.sh FILE.jfr [N] [frame-regex-for-inclusive, default: any]
set -euo pipefail
f="${1:?usage: jfr-summary.sh FILE.jfr [N] [regex]}"
n="${2:-25}"
re="${3:-.}"

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
jfr print --events jdk.ExecutionSample --stack-depth 64 "$f" | awk -v n="$n" -v re="$re" '
function flush() {
  if (depth > 0) {
    total++
    self[top]++
    for (fr in seenframe) incl[fr]++
    thr[thread]++
  }
  depth = 0; delete seenframe
}
/^jdk.ExecutionSample/ { flush(); next }
/sampledThread = / { t = $0; sub(/.*sampledThread = "/, "", t); sub(/".*/, "", t); gsub(/[0-9]+/, "#", t); thread = t; next }
/^[ \t]+[a-zA-Z_$][a-zA-Z0-9_$.]*\(.*\)/ {
  fr = $0; sub(/^[ \t]+/, "", fr); sub(/[ \t]+line:.*/, "", fr)
  if (depth == 0) top = fr
  if (fr ~ re) seenframe[fr] = 1
  depth++
  next
}
END {
  flush()
  print "#total\t" total
  for (k in self) print "S\t" self[k] "\t" k
  for (k in incl) print "I\t" incl[k] "\t" k
  for (k in thr) print "T\t" thr[k] "\t" k
}' >"$tmp"
total="$(awk -F'\t' '$1 == "#total" { print $2 }' "$tmp")"
[ "${total:-0}" -gt 0 ] || { echo "no jdk.ExecutionSample events in $f"; exit 1; }
section() {  # tag title limit
  printf '\n%s\n' "$2"
  awk -F'\t' -v t="$1" '$1 == t' "$tmp" | sort -t"$(printf '\t')" -k2,2nr | head -n "$3" \
    | awk -F'\t' -v n="$total" '{ printf "%6.1f%%  %s\n", 100 * $2 / n, $3 }'
}
echo "$total CPU samples (jdk.ExecutionSample) in $f"
section S "Top frames (self):" "$n"
section I "Frames on the stack (inclusive, matching '$re'):" "$n"
section T "Samples per thread (digits folded to #):" 15
