#!/usr/bin/env python3
"""Full-column scan of a topic over DLog's Arrow Flight endpoint with pyarrow's Flight client (C++).

The issue 14 Flight benchmark (docs/benchmarks.md) from a client that is not DLog's Java one:
GetFlightInfo for the topic, then DoGet on every endpoint (one per partition), in turn or all at
once on threads (--parallel), every record batch read fully. Per batch it adds the rows, the
Arrow buffer bytes (RecordBatch.get_total_buffer_size; the Java tool adds getBufferSize per vector,
which counts a little more) and, so that a scan that skipped or repeated anything shows, the sums
of `offset` (per partition), `id` and `amount` (pyarrow.compute, in C++ over columns already received; counted in the timed wall).

    python3 bench/flight_scan.py HOST:PORT TOPIC [--parallel] [--groups]

Prints one line per partition (rows, offsets expected from the endpoint's app metadata) and a total
line: rows, MB, wall (connect to the last batch) and rows/s. With --groups it also prints
count and sum(amount) per country (as the baseline consumer does), computed after the timed scan.
Exits 1 when a partition's rows or offset sum differ from its endpoint's offset range.
"""
import json
import os
import sys
import threading
import time

# pyarrow's Flight client hands out buffers inside gRPC's receive slices, not always 8-byte aligned (apache/arrow
# #32276, #36301); --groups' Acero group_by warns once per batch about that unless told to ignore it. The scan does
# not use Acero.
os.environ.setdefault("ACERO_ALIGNMENT_HANDLING", "ignore")

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as flight


def scan(client, endpoint, groups):
    """Reads one endpoint's stream to its end; returns (rows, bytes, offset sum, id sum, amount sum)."""
    rows = nbytes = offsets = ids = 0
    amount = 0.0
    reader = client.do_get(endpoint.ticket)
    for chunk in reader:
        batch = chunk.data
        rows += batch.num_rows
        nbytes += batch.get_total_buffer_size()
        offsets += pc.sum(batch.column("offset")).as_py() or 0
        ids += pc.sum(batch.column("id")).as_py() or 0
        amount += pc.sum(batch.column("amount")).as_py() or 0.0
        if groups is not None:
            groups.append(batch.select(["country", "amount"]))
    return rows, nbytes, offsets, ids, amount


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    parallel = "--parallel" in sys.argv
    want_groups = "--groups" in sys.argv
    host_port, topic = args[0], args[1]
    start = time.perf_counter()
    client = flight.connect("grpc://" + host_port)
    info = client.get_flight_info(flight.FlightDescriptor.for_path(topic))
    endpoints = list(info.endpoints)
    results = [None] * len(endpoints)
    group_parts = [[] if want_groups else None for _ in endpoints]

    def read(i):
        results[i] = scan(client, endpoints[i], group_parts[i])

    if parallel:
        threads = [threading.Thread(target=read, args=(i,)) for i in range(len(endpoints))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for i in range(len(endpoints)):
            read(i)
    seconds = time.perf_counter() - start

    ok = True
    for endpoint, (rows, _, offsets, _, _) in zip(endpoints, results):
        meta = json.loads(endpoint.app_metadata)
        lo, hi = meta["start_offset"], meta["end_offset"]
        expected_rows = hi - lo
        expected_offsets = (lo + hi - 1) * (hi - lo) // 2
        good = rows == expected_rows and offsets == expected_offsets
        ok &= good
        print(f"partition {meta['partition']}: {rows} rows, offsets [{lo}, {hi}) "
              f"{'complete' if good else 'MISMATCH (offset sum %d, expected %d)' % (offsets, expected_offsets)}")
    rows = sum(r[0] for r in results)
    nbytes = sum(r[1] for r in results)
    ids = sum(r[3] for r in results)
    amount = sum(r[4] for r in results)
    print(f"sum(id) {ids} sum(amount) {amount:.2f}")
    print(f"pyarrow Flight full-column scan{' (partitions in parallel)' if parallel else ''}: "
          f"{rows} rows, {nbytes / 1e6:.0f} MB of Arrow buffers in {seconds:.2f} s = {rows / seconds:.0f} rows/s")
    if want_groups:
        table = pa.Table.from_batches([b for part in group_parts for b in part])
        agg = table.group_by("country").aggregate([("amount", "count"), ("amount", "sum")]).sort_by("country")
        for country, n, total in zip(*(agg.column(c).to_pylist() for c in ("country", "amount_count", "amount_sum"))):
            print(f"{country},{n},{total:.2f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
