// One test per patch to a dependency other than Aedes (patches/openapi-backend+*.patch,
// patches/mqtt-packet+*.patch; mqtt-packet's 001 is tested in abuse.test.ts), each failing
// without its patch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import mqttPacket from 'mqtt-packet';

// openapi-backend 001: its mocking and definition checking load their dependencies when first
// used, not when openapi-backend is loaded, so a server that never mocks and starts with
// `quick: true` does not pay for them at start-up. Run in a fresh process, whose module cache
// shows what was loaded.

const PROBE = `
const { OpenAPIBackend } = require('openapi-backend');
const loaded = () => Object.keys(require.cache).filter((f) => /node_modules\\/(mock-json-schema|openapi-schema-validator)\\//.test(f)).length > 0;
const definition = { openapi: '3.0.3', info: { title: 't', version: '1' }, paths: { '/x': { get: { operationId: 'x',
  responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } } } } } } } };
const api = new OpenAPIBackend({ definition, quick: true });
api.init().then(() => {
  const atStart = loaded();
  const mock = api.mockResponseForOperation('x').mock;
  // Without quick, init checks the definition.
  return new OpenAPIBackend({ definition: structuredClone(definition) }).init().then(() => {
    console.log(JSON.stringify({ atStart, afterUse: loaded(), mock }));
  });
});
`;

test('openapi-backend 001: loads its mocking and definition-checking dependencies on first use only', () => {
  const run = spawnSync(process.execPath, ['-e', PROBE], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { atStart: boolean; afterUse: boolean; mock: { n: unknown } };
  assert.equal(out.atStart, false, 'loaded with openapi-backend itself');
  assert.equal(out.afterUse, true);
  assert.equal(typeof out.mock.n, 'number', 'mocking still works');
});

// mqtt-packet 002: the parser buffers a connection's bytes in a plain BufferList, not in bl's
// Duplex stream around one (whose stream states cost about 700 bytes per connection), and
// still parses packets however the bytes arrive.
test('mqtt-packet 002: the parser buffers in a plain list, and parses split and coalesced packets', () => {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  assert.equal(typeof (parser as unknown as { _list: { pipe?: unknown } })._list.pipe, 'undefined', 'the buffer is a stream');
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  const publish = (n: number) => mqttPacket.generate({ cmd: 'publish', topic: `t/${n}`, payload: Buffer.alloc(300, n), qos: 1, messageId: n, retain: false, dup: false });
  // One packet a byte at a time, then three in one chunk, then one split across two chunks.
  for (const byte of publish(1)) parser.parse(Buffer.from([byte]));
  parser.parse(Buffer.concat([publish(2), publish(3), publish(4)]));
  const last = publish(5);
  parser.parse(last.subarray(0, 100));
  assert.equal(packets.length, 4);
  parser.parse(last.subarray(100));
  assert.deepEqual(packets.map((p) => (p as mqttPacket.IPublishPacket).messageId), [1, 2, 3, 4, 5]);
  assert.deepEqual((packets[4] as mqttPacket.IPublishPacket).payload, Buffer.alloc(300, 5));
});

// mqtt-packet 003: after a CONNECT the parser keeps the protocol version (it parses MQTT 5
// properties by it), not the CONNECT packet, whose password and will would otherwise live in
// the broker's heap as long as the connection.
test('mqtt-packet 003: the parser keeps no CONNECT packet, and parses MQTT 5 packets after it', () => {
  const parser = mqttPacket.parser();
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.parse(mqttPacket.generate({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 30,
    username: 'u', password: Buffer.from('secret'), will: { topic: 'w', payload: Buffer.from('bye'), qos: 0, retain: false },
  } as mqttPacket.IConnectPacket));
  parser.parse(mqttPacket.generate({
    cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 7, retain: false, dup: false,
    properties: { userProperties: { k: 'v' } },
  } as mqttPacket.IPublishPacket, { protocolVersion: 5 }));
  assert.equal(packets.length, 2);
  const settings = (parser as unknown as { settings: object }).settings;
  assert.notEqual(settings, packets[0], 'the parser holds the CONNECT packet');
  assert.equal(JSON.stringify(settings).includes('secret'), false);
  assert.deepEqual({ ...(packets[1] as mqttPacket.IPublishPacket).properties!.userProperties }, { k: 'v' });
});
