"""librdkafka (confluent-kafka-python) reading from a follower in its rack (KIP-392), for ClusterMetricsTest.

Usage: rack_consume.py BOOTSTRAP TOPIC RACK COUNT
A consumer with client.rack=RACK reads partition 0 of TOPIC from the earliest offset until it has COUNT records
(at most 60 s), then prints one line per record, in order:
  READ <value>
Exit status 0 when it read COUNT records, 1 otherwise; errors go to stderr.
"""
import sys
import time

from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING


def main():
    bootstrap, topic, rack, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "rack-" + topic, "client.rack": rack,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    values = []
    deadline = time.time() + 60
    while len(values) < count and time.time() < deadline:
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error():
            sys.stderr.write("consumer error: %s\n" % message.error())
            continue
        values.append(message.value().decode())
    consumer.close()
    for value in values:
        print("READ " + value)
    sys.stdout.flush()
    return 0 if len(values) >= count else 1


if __name__ == "__main__":
    sys.exit(main())
