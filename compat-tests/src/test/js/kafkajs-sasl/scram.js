// Usage: node scram.js <host:port> <mechanism> <user> <password> <topic> [caFile]
// Produces one record with SASL (and TLS when caFile is given), reads the topic's end offset back,
// prints "produced <offset>" on success or "refused <ErrorName>: <message>" when authentication fails.
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const [broker, mechanism, username, password, topic, caFile] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'dlog-kafkajs',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  ssl: caFile ? { ca: [fs.readFileSync(caFile, 'utf-8')], rejectUnauthorized: true } : false,
  sasl: { mechanism, username, password },
  retry: { retries: 2 },
});

(async () => {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  try {
    await producer.connect();
  } catch (e) {
    console.log(`refused ${e.name}: ${e.message}`);
    process.exit(0);
  }
  await producer.send({ topic, messages: [{ key: 'k', value: 'from-kafkajs' }], acks: -1 });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  console.log(`produced ${offsets[0].high}`);
})().catch((e) => {
  console.log(`failed ${e.name}: ${e.message}`);
  process.exit(1);
});
