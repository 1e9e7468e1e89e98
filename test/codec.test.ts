// src/persistence/codec.ts: the framing every stored value has, and the plain-JSON fast path
// session records take, which must write exactly the bytes the general encoder writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord, encodePlainRecord, decodeRecord, CorruptRecord } from '../src/persistence/codec.ts';

const session = {
  clientid: 'c-ü/1', username: null, proto_ver: 5, ip_address: '127.0.0.1', port: 50000,
  local_address: '127.0.0.1', local_port: 1883, connected: true, connected_at: 1764460000000,
  disconnected_at: null, disconnected_reason: '', keepalive: 60, clean_start: false, session_present: false,
  expiry_interval: 3600, persistent: true, created_at: 1764460000000,
  last_will: { message: Buffer.from('bye').toString('base64'), qos: 1, retain: false, topic: 'w/"x"' },
  subscriptions: {}, node_id: 1, shared: { '$share/g/t': { qos: 1, rap: true, si: 7 } },
};

test('a session record encodes to the same bytes on the plain path and reads back equal', () => {
  const plain = encodePlainRecord(session);
  assert.deepEqual(plain, encodeRecord(session));
  assert.deepEqual(decodeRecord(plain).fields, session);
});

test('a damaged byte of a plain record is detected when it is read', () => {
  const plain = encodePlainRecord(session);
  plain[plain.length - 3] ^= 0x20;
  assert.throws(() => decodeRecord(plain), CorruptRecord);
});

test('Buffers take the general path: {"$b": base64} there, and they come back as Buffers', () => {
  const fields = { correlationData: Buffer.from([0, 1, 2]) };
  assert.deepEqual(decodeRecord(encodeRecord(fields)).fields, fields);
});
