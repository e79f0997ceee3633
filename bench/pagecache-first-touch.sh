#!/bin/bash
# What one GB of new page cache costs this machine: writes GB new 1 GiB files in turn (dd, 64 KiB writes, no fsync)
# and prints each one's elapsed and system CPU seconds, then removes them. On the bench VM the cost moved between
# about 0.15 and 2.3 s per GiB with what the machine had done before (docs/benchmarks.md, "The page cache copy"):
# run it before and after a benchmark to see which state the machine is in.
# Needs GB+1 GiB free in DIR. Usage: [GB=8] [DIR=/tmp] bench/pagecache-first-touch.sh
set -u
GB=${GB:-8}; DIR=${DIR:-/tmp}
case "$GB" in ''|*[!0-9]*) echo "pagecache-first-touch: GB is a whole number of GiB, not '$GB'" >&2; exit 2 ;; esac
[ -x /usr/bin/time ] || { echo "pagecache-first-touch: needs /usr/bin/time (Debian package: time)" >&2; exit 1; }
D="$(mktemp -d "$DIR/pagecache.XXXXXX")"
trap 'rm -rf "$D"' EXIT
grep -E '^(MemFree|Cached):' /proc/meminfo | tr -s ' ' | paste -sd' '
for i in $(seq 1 "$GB"); do
  /usr/bin/time -f "GiB $i: %e s elapsed, %S s system" dd if=/dev/zero of="$D/f$i" bs=64k count=16384 status=none
done
grep -E '^(MemFree|Cached):' /proc/meminfo | tr -s ' ' | paste -sd' '
