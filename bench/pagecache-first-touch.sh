#!/bin/bash
# What one GB of new page cache costs this machine: writes GB new 1 GiB files in turn (dd, 64 KiB writes, no fsync)
# and prints each one's elapsed and system CPU seconds, then removes them. On a VM whose hypervisor backs guest
# memory lazily and takes back freed pages (virtio-balloon free page reporting, DAMON pageout), a page the kernel has
# not used lately costs a hypervisor fault on its first write: the write's copy into the page cache then runs about
# ten times slower, and every broker on the machine pays it for each byte it stores (docs/benchmarks.md, "The page
# cache's first touch"). The first files may reuse recently freed, still-backed pages and come out cheap.
# Needs GB+1 GiB free in DIR. Usage: [GB=8] [DIR=/tmp] bench/pagecache-first-touch.sh
set -u
GB=${GB:-8}; DIR=${DIR:-/tmp}
D="$(mktemp -d "$DIR/pagecache.XXXXXX")"
trap 'rm -rf "$D"' EXIT
grep -E '^(MemFree|Cached):' /proc/meminfo | tr -s ' ' | paste -sd' '
for i in $(seq 1 "$GB"); do
  /usr/bin/time -f "GiB $i: %e s elapsed, %S s system" dd if=/dev/zero of="$D/f$i" bs=64k count=16384 status=none
done
grep -E '^(MemFree|Cached):' /proc/meminfo | tr -s ' ' | paste -sd' '
