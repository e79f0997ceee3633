// kafkajs through a leader failover, for NonJavaClientFailoverTest (Java).
//
// Usage: node failover.js BOOTSTRAP TOPIC GROUP SECONDS
// An idempotent acks=all producer sends "j-0", "j-1", ... to partition 0 of TOPIC for SECONDS seconds, one
// in flight at a time, while a consumer in GROUP reads the topic from the beginning. The test kills the
// partition leader meanwhile. Afterwards the consumer keeps reading until it has seen every acknowledged
// value (at most 90 s). Prints one line per event, as failover.py does:
//   ACK <epoch ms> <value> <epoch ms sent> | FAIL <epoch ms> <value> <error> | READ <value> | DONE acked=<n> read=<n>
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [bootstrap, topic, group, seconds] = process.argv.slice(2);
  const kafka = new Kafka({
    clientId: 'dlog-failover', brokers: bootstrap.split(','), logLevel: logLevel.ERROR,
    // A failover takes the broker session timeout (seconds): keep retrying longer than kafkajs's default.
    retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 3000 },
  });
  const acked = new Set();
  const read = new Set();
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value = message.value.toString();
      read.add(value);
      console.log(`READ ${value}`);
    },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const end = Date.now() + Number(seconds) * 1000;
  for (let i = 0; Date.now() < end; i++) {
    const value = `j-${i}`;
    const sent = Date.now();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value, partition: 0 }] });
      acked.add(value);
      console.log(`ACK ${Date.now()} ${value} ${sent}`);
    } catch (e) {
      console.log(`FAIL ${Date.now()} ${value} ${e.name}`);
    }
  }
  await producer.disconnect();
  const deadline = Date.now() + 90000;
  while ([...acked].some((v) => !read.has(v)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await consumer.disconnect();
  console.log(`DONE acked=${acked.size} read=${[...acked].filter((v) => read.has(v)).length}`);
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
