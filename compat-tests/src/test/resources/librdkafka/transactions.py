"""librdkafka (confluent-kafka-python) transactions against a broker, for LibrdkafkaTransactions (Java).

Usage: transactions.py BOOTSTRAP TOPIC TRANSACTIONAL_ID PARTITIONS
Runs three transactions over every partition: commit ("c1-<p>"), abort ("a-<p>"), commit ("c2-<p>");
then reads each partition from the beginning to its end with a read_committed and a read_uncommitted
consumer and prints one JSON object: {"read_committed": [...], "read_uncommitted": [...]}, each a list
of "<partition>:<value>" in offset order per partition. Exit status 0 on success; errors go to stderr.
"""
import json
import sys

from confluent_kafka import Consumer, Producer, TopicPartition, KafkaException


def main():
    bootstrap, topic, txn_id, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id,
                         "enable.idempotence": True, "message.timeout.ms": 30000})
    producer.init_transactions(30)
    for outcome in ("c1", "a", "c2"):
        producer.begin_transaction()
        for p in range(partitions):
            producer.produce(topic, key=b"k", value=("%s-%d" % (outcome, p)).encode(), partition=p)
        producer.flush(30)  # the aborted records reach the broker too
        if outcome == "a":
            producer.abort_transaction(30)
        else:
            producer.commit_transaction(30)
    producer.flush(30)
    result = {level: read(bootstrap, topic, partitions, level) for level in ("read_committed", "read_uncommitted")}
    print(json.dumps(result))


def read(bootstrap, topic, partitions, level):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "librdkafka-txn-" + level,
                         "isolation.level": level, "enable.auto.commit": False,
                         "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        values, at_end, polls = [], set(), 0
        while len(at_end) < partitions:
            polls += 1
            if polls > 600:
                raise KafkaException("partitions %s never reached their end" % sorted(set(range(partitions)) - at_end))
            message = consumer.poll(0.1)
            if message is None:
                continue
            if message.error():
                if message.error().code() == -191:  # KafkaError._PARTITION_EOF
                    at_end.add(message.partition())
                    continue
                raise KafkaException(message.error())
            values.append("%d:%s" % (message.partition(), message.value().decode()))
        return values
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
