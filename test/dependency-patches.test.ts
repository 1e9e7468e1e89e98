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
