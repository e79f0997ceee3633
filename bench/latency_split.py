#!/usr/bin/env python3
"""Splits EndToEndLatency's per-message time into broker and client parts from a loopback capture.

Usage: latency_split.py CAPTURE.pcap BROKER_PORT

Reads a tcpdump capture (pcap, loopback) of one EndToEndLatency run against BROKER_PORT (the partition's
leader). The producer's connection is the one carrying Produce requests (API key 0), the consumer's the one
carrying Fetch (API key 1) and no Produce; in a cluster, connections carrying only Fetch and ApiVersions are the
followers' and are left out. For each Produce request it finds the broker's next packet on the producer connection (the
produce response) and on the consumer connection with a record in it (the fetch response), and prints,
over the messages after the first 20% (warm-up):
  broker: produce request -> produce response      (the broker's acks=1 time)
  broker: produce request -> fetch response        (includes any wait for the consumer's next fetch)
  broker: the later of the produce request and the answered fetch request -> fetch response
                                                    (the broker's own share of the delivery)
  clients: produce response -> next produce request (what the two Kafka clients and the tool spend)
Packets carry payload lengths from the IP header, so a short snapshot length (-s 128) is enough.
"""
import statistics
import struct
import sys

FETCH_WITH_RECORD = 150  # bytes: an empty fetch response is shorter, one with a 100-byte record longer


def packets(path):
    with open(path, 'rb') as f:
        header = f.read(24)
        nanos = struct.unpack('<I', header[:4])[0] == 0xa1b23c4d
        link = struct.unpack('<I', header[20:24])[0]
        offset = {1: 14, 113: 16}.get(link, 4)
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            seconds, fraction, included, _ = struct.unpack('<IIII', record)
            data = f.read(included)
            ip = data[offset:]
            ihl = (ip[0] & 15) * 4
            tcp = ip[ihl:]
            thl = (tcp[12] >> 4) * 4
            length = struct.unpack('>H', ip[2:4])[0] - ihl - thl
            if length > 0:
                src, dst = struct.unpack('>HH', tcp[:4])
                yield seconds + fraction / (1e9 if nanos else 1e6), src, dst, tcp[thl:thl + 6], length


def api_key(payload):
    return struct.unpack('>h', payload[4:6])[0] if len(payload) >= 6 else None


def summary(name, values):
    values = values[len(values) // 5:]
    if not values:
        print(f'{name}: no samples')
        return
    ordered = sorted(values)
    print(f'{name}: n={len(values)} avg={statistics.mean(values) * 1e6:.0f} us '
          f'p50={ordered[len(ordered) // 2] * 1e6:.0f} us p99={ordered[int(len(ordered) * 0.99)] * 1e6:.0f} us')


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    all_packets = list(packets(path))
    keys = {}
    for _, src, dst, payload, _ in all_packets:
        if dst == port:
            keys.setdefault(src, set()).add(api_key(payload))
    producers = [c for c, k in keys.items() if 0 in k]
    # A follower's connection to a leader carries only Fetch (and ApiVersions); the consumer's also carries its
    # ListOffsets or Metadata. On one node every fetching connection is the consumer's.
    fetching = [c for c, k in keys.items() if 1 in k and 0 not in k]
    consumers = [c for c in fetching if keys[c] - {1, 18}] or fetching
    if len(producers) != 1 or not consumers:
        sys.exit(f'expected one producer connection and a fetching one, found {producers} and {consumers}')
    producer = producers[0]
    acked, delivered, served, clients = [], [], [], []
    last_ack = None
    for i, (time, src, dst, payload, _) in enumerate(all_packets):
        if src != producer or dst != port or api_key(payload) != 0:
            continue
        if last_ack is not None:
            clients.append(time - last_ack)
        rest = all_packets[i + 1:]
        ack = next((p for p in rest if p[1] == port and p[2] == producer), None)
        fetch = next((p for p in rest if p[1] == port and p[2] in consumers and p[4] > FETCH_WITH_RECORD), None)
        if ack:
            acked.append(ack[0] - time)
            last_ack = ack[0]
        if fetch:
            delivered.append(fetch[0] - time)
            # The fetch it answered: the consumer's last request before the answer; if that came after the
            # produce request, the wait before it is the client's, not the broker's.
            asked = max((p[0] for p in all_packets if p[2] == port and p[1] == fetch[2] and p[0] < fetch[0]),
                        default=time)
            served.append(fetch[0] - max(time, asked))
    summary('broker: produce request -> produce response', acked)
    summary('broker: produce request -> fetch response', delivered)
    summary('broker: the later of produce and fetch request -> fetch response', served)
    summary('clients: produce response -> next produce request', clients)


if __name__ == '__main__':
    main()
