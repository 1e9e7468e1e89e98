// The stores of a cluster node (cluster.type = "redis") run the same contract suites as the
// single node's: the SessionStore contract (test/contracts/session-store.ts) and
// aedes-persistence's own abstract.js against the MQTT store relaymq gives Aedes. Each store
// starts from an empty Redis (a real redis-server for this file).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { sessionStoreContract } from './contracts/session-store.ts';
import { RedisClusterLink } from '../src/cluster/redis-cluster.ts';
import { RedisLog, connectRedis } from '../src/cluster/redis-log.ts';
import type { SharedMqttStore } from '../src/cluster/shared-mqtt-store.ts';
import { startRedis } from './redis.ts';
import { waitFor } from './helpers.ts';

const abstract = createRequire(import.meta.url)('aedes-persistence/abstract.js') as (opts: object) => void;
const quiet = pino({ level: 'silent' });
const redis = await startRedis();
const admin = new Redis(redis.url);
const links = new Set<RedisClusterLink>();

/** A node's link over an emptied Redis (or over what is there, to reopen). */
async function open(empty: boolean): Promise<RedisClusterLink> {
  if (empty) await admin.flushall();
  const link = await RedisClusterLink.open({ redis_url: redis.url }, { id: 1, name: '1@stores' }, quiet, (err) => { throw err; });
  links.add(link);
  return link;
}

async function close(link: RedisClusterLink): Promise<void> {
  links.delete(link);
  await link.store.close();
  await link.close();
}

test('in a cluster, Aedes\' will sweep is given no will, however many are stored', async () => {
  const link = await open(true);
  await link.store.mqtt.putWill({ id: 'c' }, { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: false });
  const swept: unknown[] = [];
  for await (const w of link.store.mqtt.streamWill({})) swept.push(w);
  assert.deepEqual(swept, []);
  assert.equal([...(link.store.mqtt as SharedMqttStore).storedWills()].length, 1);
  await close(link);
});

test('the cluster log\'s place check compares Redis\' answer with where the node was when it asked', async () => {
  await admin.flushall();
  const fatal: Error[] = [];
  const connections = [await connectRedis(redis.url), await connectRedis(redis.url)];
  const follower = new RedisLog(connections[0], 'follower', (err) => fatal.push(err));
  const writer = new RedisLog(connections[1], 'writer', () => {});
  await follower.attach();
  await writer.attach();
  await writer.append([{ type: 'put', key: 'k/1', value: Buffer.from('1') }]);
  follower.follow(await follower.head(), () => {});
  // The worst moment: Redis answers the check, then an entry is added and the follower reads it
  // before it handles that answer (the reader has its own connection).
  const internals = follower as unknown as { redis: { xinfo: (...args: string[]) => Promise<unknown> }; lastId: string; checkPlace(): void };
  const xinfo = internals.redis.xinfo.bind(internals.redis);
  let handled!: () => void;
  const checked = new Promise<void>((resolve) => { handled = resolve; });
  internals.redis.xinfo = async (...args: string[]) => {
    const answer = await xinfo(...args);
    const before = internals.lastId;
    await writer.append([{ type: 'put', key: 'k/2', value: Buffer.from('2') }]);
    await waitFor(() => internals.lastId !== before, 3000, 'the follower read the new entry');
    setImmediate(handled); // after the check's own handler of this answer
    return answer;
  };
  internals.checkPlace();
  await checked;
  assert.deepEqual(fatal.map((e) => e.message), [], 'no node taken for one that lost its place');
  await follower.close();
  await writer.close();
  for (const c of connections) c.disconnect();
});

test('a password in redis_url is used, and never shown: a wrong one stops startup with one line', async () => {
  const locked = await startRedis(['--requirepass', 's3cret']);
  try {
    const url = (password: string) => `redis://:${password}@127.0.0.1:${locked.port}`;
    const link = await RedisClusterLink.open({ redis_url: url('s3cret') }, { id: 1, name: '1@stores' }, quiet, (err) => { throw err; });
    await link.store.close();
    await link.close();
    await assert.rejects(RedisClusterLink.open({ redis_url: url('wrong') }, { id: 1, name: '1@stores' }, quiet, () => {}), (e: Error) => {
      assert.match(e.message, /^cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: /);
      assert.doesNotMatch(e.message, /wrong/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  } finally {
    await locked.stop();
  }
});

after(async () => {
  for (const link of links) await close(link);
  admin.disconnect();
  await redis.stop();
});

sessionStoreContract({
  name: 'Redis',
  durable: true,
  create: async () => {
    let current = await open(true);
    return {
      store: current.store.sessions,
      reopen: async () => {
        await close(current);
        current = await open(false);
        return current.store.sessions;
      },
      close: () => close(current),
    };
  },
});

/**
 * In a cluster, Aedes' periodic will sweep must publish nothing: it takes a node it has not heard
 * from yet for a dead one, and every survivor would publish the same will. The cluster publishes
 * dead nodes' wills itself, each once (test/cluster.test.ts), so streamWill() gives no will there.
 */
const CLUSTER_WILLS = new Set(['stream all will messages', 'stream all will message for unknown brokers']);

abstract({
  test: (name: string, fn: (t: unknown) => Promise<void>) => test(`MqttStore (Redis): ${name}`,
    CLUSTER_WILLS.has(name) ? { skip: 'wills of dead nodes are published by the cluster, not by Aedes\' sweep' } : {}, fn),
  testAsync: true,
  persistence: async () => (await open(true)).store.mqtt,
});
