// What relaymq keeps per process and per connection, where it chooses (docs/benchmarks.md has
// the measured heap per idle connection).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startTestRelay, waitFor } from './helpers.ts';
import { rawClient } from './raw-mqtt.ts';

const require = createRequire(import.meta.url);
/** mqtt-packet's cache of a Buffer per 16-bit number, made on the first packet it writes. */
const numberCache = require('mqtt-packet/numbers.js').cache as Record<number, Buffer>;

test('mqtt-packet writes packet numbers as they come: no 65,536-buffer cache (6.6 MB) is made', async () => {
  const relay = await startTestRelay();
  try {
    const sub = await rawClient(relay.ports.mqtt!, 'numbers-sub');
    await sub.subscribe('n/#', 1);
    const pub = await rawClient(relay.ports.mqtt!, 'numbers-pub');
    for (const messageId of [1, 255, 256, 65535]) {
      pub.send({ cmd: 'publish', topic: `n/${'x'.repeat(300)}`, payload: Buffer.from(String(messageId)), qos: 1, messageId, retain: false, dup: false });
      assert.equal((await pub.next((p) => p.cmd === 'puback')).messageId, messageId);
    }
    await waitFor(() => sub.publishes.length === 4);
    assert.deepEqual(sub.publishes.map((p) => p.payload), ['1', '255', '256', '65535']);
    assert.equal(sub.publishes[0].topic.length, 302, 'a length above 255 is written whole');
    assert.equal(Object.keys(numberCache).length, 0, 'mqtt-packet made its number cache');
    sub.destroy();
    pub.destroy();
  } finally {
    await relay.close();
  }
});
