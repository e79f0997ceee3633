#!/usr/bin/env bash
# Prints the side-by-side table (Markdown) of a bench/run.sh CSV: the mean over the rounds that
# succeeded, per workload and broker (with --replicated, a broker's CPU and RSS are its three nodes' sums). Warm-up rows (phase "warmup") are left out. Usage: bench/report.sh bench/results/<stamp>.csv
set -euo pipefail
csv="${1:?usage: report.sh RESULTS.csv}"

awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$col["phase"] == "warmup" { next }
{
  w = $col["workload"]; b = $col["broker"]; st = $col["status"]
  if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
  k = w SUBSEP b
  runs[k]++
  if (st == "ok") {
    ok[k]++
    mb[k] += $col["mb_per_s"]; rps[k] += $col["rec_per_s"]; fmb[k] += $col["fetch_mb_per_s"]
    avg[k] += $col["avg_lat_ms"]; p50[k] += $col["p50_ms"]; p99[k] += $col["p99_ms"]; p999[k] += $col["p999_ms"]
    if ($col["cpu_s_per_gb"] != "") { cg[k] += $col["cpu_s_per_gb"]; ncg[k]++ }
    # run.sh notes the CPU of the JIT compiler threads ("jit 1.23s"): the same CPU per GB without it
    gb = $col["records"] * $col["record_bytes"] / 1e9
    if ($col["cpu_s_per_gb"] != "" && gb > 0 && match($col["note"], /^jit [0-9.]+s/)) {
      j = substr($col["note"], 5, RLENGTH - 5); cgx[k] += ($col["cpu_s"] - j) / gb; ncgx[k]++
    }
    cpu[k] += $col["cpu_s"]
    # run.sh notes the whole run of a run with a warm-up: "whole run avg A ms p50 B ms p99 C ms ..."
    if (match($col["note"], /whole run avg [0-9.]+ ms p50 [0-9.]+ ms p99 [0-9.]+ ms/)) {
      split(substr($col["note"], RSTART, RLENGTH), f, " "); wp99[k] += f[10]; wp99n[k]++
    }
    if (("tool_cpu_s" in col) && $col["tool_cpu_s"] != "" && $col["wall_s"] > 0) { tc[k] += $col["tool_cpu_s"] / $col["wall_s"]; ntc[k]++ }
  } else if (!(k in why)) {
    why[k] = st ": " $col["note"]
  }
  if ($col["peak_rss_mb"] + 0 > rss[k] + 0) rss[k] = $col["peak_rss_mb"]
  mode[k] = $col["mode"]
}
function fig(k, v, fmt) {
  if (!(k in runs)) return "—"
  if (!(k in ok)) return "FAILED"
  return sprintf(fmt, v / ok[k])
}
function ratio(kd, kk, vd, vk) {
  if (!(kd in ok) || !(kk in ok) || vk == 0) return "—"
  return sprintf("%.2f", (vd / ok[kd]) / (vk / ok[kk]))
}
function cpugb(k) { return (k in ncg) ? sprintf("%.2f", cg[k] / ncg[k]) : "—" }
function cpugbx(k) { return (k in ncgx) ? sprintf("%.2f", cgx[k] / ncgx[k]) : "—" }
function cpus(k) { return (k in ok) ? sprintf("%.1f s", cpu[k] / ok[k]) : "—" }
function cores(k) { return (k in ntc) ? sprintf("%.2f", tc[k] / ntc[k]) : "—" }
function r(k) { return (k in rss) && rss[k] != "" ? rss[k] : "—" }
function line(w, what, kd, kk, vd, vk, fmt, c1, c2, first) {
  printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", first ? w : "", what, fig(kd, vd, fmt), fig(kk, vk, fmt), ratio(kd, kk, vd, vk), c1, c2, first ? r(kd) : "", first ? r(kk) : "", first ? cores(kd) " / " cores(kk) : ""
}
END {
  print "| workload | figure | DLog | Kafka | DLog / Kafka | DLog CPU s/GB | Kafka CPU s/GB | DLog peak RSS MiB | Kafka peak RSS MiB | tool cores DLog / Kafka |"
  print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for (i = 1; i <= nw; i++) {
    w = order[i]; kd = w SUBSEP "dlog"; kk = w SUBSEP "kafka"
    if (w ~ /^e2e/) {
      line(w, "avg latency ms", kd, kk, avg[kd], avg[kk], "%.2f", "CPU " cpus(kd), "CPU " cpus(kk), 1)
      line(w, "p50 ms", kd, kk, p50[kd], p50[kk], "%.1f", "", "", 0)
      line(w, "p99 ms", kd, kk, p99[kd], p99[kk], "%.1f", "", "", 0)
      line(w, "p99.9 ms", kd, kk, p999[kd], p999[kk], "%.1f", "", "", 0)
    } else {
      label = (w ~ /durable/) ? "MB/s (DLog " mode[kd] ")" : "MB/s"
      line(w, label, kd, kk, mb[kd], mb[kk], "%.1f", cpugb(kd), cpugb(kk), 1)
      if ((kd in ncgx) || (kk in ncgx)) {
        rx = ((kd in ncgx) && (kk in ncgx) && cgx[kk] > 0) ? sprintf("%.2f", (cgx[kd] / ncgx[kd]) / (cgx[kk] / ncgx[kk])) : "—"
        printf "| | CPU s/GB without the JIT compilers (ratio) | | | %s | %s | %s | | | |\n", rx, cpugbx(kd), cpugbx(kk)
      }
      if (w ~ /^consume/) line(w, "fetch-only MB/s (excl. group join)", kd, kk, fmb[kd], fmb[kk], "%.1f", "", "", 0)
      line(w, "records/s", kd, kk, rps[kd], rps[kk], "%.0f", "", "", 0)
      # replicated runs (--replicated): the acks=all latency the producer saw at full throughput
      if (w ~ /-rf3$/) line(w, "p99 ms (producer, full throughput)", kd, kk, p99[kd], p99[kk], "%.0f", "", "", 0)
      # ... and at a fixed rate both sides sustain (workload name ends in -at<records/s>, or -at<records/s>-linger0)
      if (w ~ /-rf3-at[0-9]+(-linger0)?$/) {
        how = (wp99n[kd] || wp99n[kk]) ? "fixed rate, after the warm-up" : "fixed rate"
        line(w, "avg latency ms (producer, " how ")", kd, kk, avg[kd], avg[kk], "%.1f", "", "", 0)
        line(w, "p50 ms (producer, " how ")", kd, kk, p50[kd], p50[kk], "%.1f", "", "", 0)
        line(w, "p99 ms (producer, " how ")", kd, kk, p99[kd], p99[kk], "%.1f", "", "", 0)
        line(w, "p99.9 ms (producer, " how ")", kd, kk, p999[kd], p999[kk], "%.1f", "", "", 0)
        if (wp99n[kd] && wp99n[kk])
          printf "| | p99 ms (producer, fixed rate, whole run) | %.1f | %.1f | %.2f | | | | | |\n", wp99[kd] / wp99n[kd], wp99[kk] / wp99n[kk], (wp99[kd] / wp99n[kd]) / (wp99[kk] / wp99n[kk])
      }
    }
  }
  n = 0
  for (k in why) {
    split(k, p, SUBSEP)
    if (n++ == 0) print "\nFailed or partial runs (first reason per workload and broker):"
    printf "- %s on %s: %s\n", p[1], p[2], why[k]
  }
}' "$csv"
