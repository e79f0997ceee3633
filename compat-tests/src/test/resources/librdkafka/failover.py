"""librdkafka (confluent-kafka-python) through a leader failover, for NonJavaClientFailoverTest (Java).

Usage: failover.py BOOTSTRAP TOPIC GROUP SECONDS
An idempotent acks=all producer sends "r-0", "r-1", ... to partition 0 of TOPIC for SECONDS seconds, one
in flight at a time, while a consumer in GROUP (subscribe, from the earliest offset) reads the topic. The
test kills the partition leader meanwhile. Afterwards the consumer keeps reading until it has seen every
acknowledged value (at most 90 s). Prints, one per line, flushed at once:
  ACK <epoch ms> <value> <epoch ms sent>   the producer's delivery report without error
  FAIL <epoch ms> <value> <error>
  READ <value>
  DONE acked=<n> read=<n>
Exit status 0 when the run completed; errors go to stderr.
"""
import sys
import threading
import time

from confluent_kafka import Consumer, Producer

LOCK = threading.RLock()


def say(line):
    with LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main():
    bootstrap, topic, group, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    acked, read = set(), set()
    sent_at = {}  # value -> epoch ms it was handed to the producer
    producing = threading.Event()
    producing.set()
    reader = threading.Thread(target=consume, args=(bootstrap, topic, group, acked, read, producing))
    reader.start()
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                         "message.timeout.ms": 60000, "linger.ms": 1})

    def report(error, message):
        value = message.value().decode()
        now = int(time.time() * 1000)
        if error is None:
            with LOCK:
                acked.add(value)
            say("ACK %d %s %d" % (now, value, sent_at.pop(value, 0)))
        else:
            say("FAIL %d %s %s" % (now, value, error))

    end = time.time() + seconds
    i = 0
    while time.time() < end:
        value = "r-%d" % i
        sent_at[value] = int(time.time() * 1000)
        producer.produce(topic, key=b"k", value=value.encode(), partition=0, on_delivery=report)
        i += 1
        while len(producer) > 0 and time.time() < end + 60:
            producer.poll(0.01)
    producer.flush(60)
    say("PRODUCED %d" % i)
    producing.clear()
    reader.join(120)
    with LOCK:
        say("DONE acked=%d read=%d" % (len(acked), len(read & acked)))


def consume(bootstrap, topic, group, acked, read, producing):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": True})
    consumer.subscribe([topic])
    deadline = None
    try:
        while True:
            if not producing.is_set():
                deadline = deadline or time.time() + 90
                with LOCK:
                    caught_up = acked <= read
                if caught_up or time.time() > deadline:
                    with LOCK:
                        say("UNREAD %s" % sorted(acked - read)[:20])
                    return
            message = consumer.poll(0.1)
            if message is None:
                continue
            if message.error():
                say("CONSUMER-ERROR %s" % message.error())
                continue
            value = message.value().decode()
            with LOCK:
                read.add(value)
            say("READ %s" % value)
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
