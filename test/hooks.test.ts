// The authorization chains of BrokerHooks: hooks in priority order, the first answer that is not
// 'ignore' decides, answers given at once stay synchronous (no promise per PUBLISH), and a hook
// that throws — at once or later — refuses, it never crashes the broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, PublishPacket } from 'aedes';
import { BrokerHooks } from '../src/broker/hooks.ts';
import { startTestRelay, connectClient, collect } from './helpers.ts';

const client = { id: 'c' } as Client;
const packet = { topic: 't', qos: 1, payload: Buffer.alloc(0), retain: false, dup: false, cmd: 'publish' } as unknown as PublishPacket;

test('synchronous hooks give a synchronous verdict, in priority order', () => {
  const hooks = new BrokerHooks();
  const order: string[] = [];
  hooks.add('authorizePublish', () => { order.push('late'); return 'allow'; }, 50);
  hooks.add('authorizePublish', () => { order.push('early'); return 'ignore'; }, 10);
  assert.equal(hooks.verdict('authorizePublish', client, packet), 'allow', 'not a promise');
  assert.deepEqual(order, ['early', 'late']);
  hooks.add('authorizePublish', () => 'deny', 20);
  assert.equal(hooks.verdict('authorizePublish', client, packet), 'deny');
  assert.equal(new BrokerHooks().verdict('authorizePublish', client, packet), 'allow', 'an empty chain allows');
});

test('an asynchronous hook makes the rest of the chain wait for it, in order', async () => {
  const hooks = new BrokerHooks();
  const order: string[] = [];
  hooks.add('authorizePublish', async () => { order.push('async'); return 'ignore' as const; }, 10);
  hooks.add('authorizePublish', () => { order.push('sync'); return { refuse: 0x97 }; }, 20);
  const v = hooks.verdict('authorizePublish', client, packet);
  assert.ok(v instanceof Promise);
  assert.deepEqual(order, ['async'], 'the later hook has not run yet');
  assert.deepEqual(await v, { refuse: 0x97 });
  assert.deepEqual(order, ['async', 'sync']);
});

test('a hook that throws at once or rejects later makes the verdict a rejection', async () => {
  const hooks = new BrokerHooks();
  hooks.add('authorizePublish', () => { throw new Error('boom'); });
  await assert.rejects(Promise.resolve(hooks.verdict('authorizePublish', client, packet)), /boom/);
  const later = new BrokerHooks();
  later.add('authorizePublish', async () => 'ignore' as const, 1);
  later.add('authorizePublish', () => { throw new Error('late boom'); }, 2);
  await assert.rejects(Promise.resolve(later.verdict('authorizePublish', client, packet)), /late boom/);
});

test('a broker whose publish hook throws refuses that message and keeps serving', { timeout: 60_000 }, async () => {
  const relay = await startTestRelay();
  relay.hooks.add('authorizePublish', (_c, p) => { if (p.topic === 'hooks/bad') throw new Error('hook bug'); return 'ignore'; }, 5);
  try {
    const sub = await connectClient(relay, { clientId: 'hooks-sub' });
    const inbox = collect(sub);
    await sub.subscribeAsync('hooks/#', { qos: 1 });
    const pub = await connectClient(relay, { clientId: 'hooks-pub', protocolVersion: 5 });
    await pub.publishAsync('hooks/bad', 'x', { qos: 0 });
    await pub.publishAsync('hooks/good', 'y', { qos: 1 });
    const [first] = await inbox.next(1);
    assert.equal(first.topic, 'hooks/good', 'the refused message was not delivered; the next one was');
    await new Promise((r) => setImmediate(r));
    assert.equal(inbox.messages.length, 1);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  } finally {
    await relay.close();
  }
});
