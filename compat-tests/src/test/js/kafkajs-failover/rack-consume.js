// kafkajs reading from a follower in its rack (KIP-392, the consumer's rackId), for ClusterMetricsTest (Java).
//
// Usage: node rack-consume.js BOOTSTRAP TOPIC RACK COUNT
// A group consumer with rackId RACK reads TOPIC from the beginning until it has COUNT records (at most 60 s),
// then prints one line per record, in the order read: READ <value>. Exit status 0 when it read COUNT records.
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [bootstrap, topic, rack, count] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'dlog-rack', brokers: bootstrap.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `rack-${topic}`, rackId: rack });
  const values = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value.toString()); } });
  const deadline = Date.now() + 60000;
  while (values.length < Number(count) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await consumer.disconnect();
  values.forEach((v) => console.log(`READ ${v}`));
  process.exit(values.length >= Number(count) ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(2); });
