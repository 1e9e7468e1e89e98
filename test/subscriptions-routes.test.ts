// /subscriptions and /routes: rows as the seed shows them, every filter positive and negative,
// MQTT matching rules for _match_topic and /routes/{topic}.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRelay, http, getData, connectClient } from './helpers.ts';
import type { RelayMQ } from '../src/app.ts';
import type { MqttClient } from 'mqtt';

describe('subscriptions and routes', () => {
  let relay: RelayMQ;
  let ex1: MqttClient;
  before(async () => {
    relay = await startTestRelay();
    ex1 = await connectClient(relay, { clientId: 'example1', protocolVersion: 5 });
    await ex1.subscribeAsync({ 'foo/#': { qos: 2 }, '$share/test/foo/+': { qos: 2 } });
    const ex2 = await connectClient(relay, { clientId: 'example2', protocolVersion: 4 });
    await ex2.subscribeAsync({ 'bar/+/baz': { qos: 0 }, '#': { qos: 1 }, '$SYS/x': { qos: 1 } });
  });
  after(() => relay.close());

  const rows = async (q = '') => (await getData(relay, `/api/v2/subscriptions${q}`))
    .map((s: any) => `${s.clientid} ${s.share ?? '-'} ${s.topic} ${s.qos}`).sort();

  test('rows carry node_id, clientid, client_addr, topic without $share, qos and share', async () => {
    const data = await getData(relay, '/api/v2/subscriptions/example1');
    const port = (ex1.stream as import('node:net').Socket).localPort;
    assert.deepEqual(data.sort((a: any, b: any) => a.topic.localeCompare(b.topic)), [
      { node_id: 1, clientid: 'example1', client_addr: `127.0.0.1:${port}`, topic: 'foo/#', qos: 2, share: null },
      { node_id: 1, clientid: 'example1', client_addr: `127.0.0.1:${port}`, topic: 'foo/+', qos: 2, share: 'test' },
    ]);
    assert.deepEqual(await getData(relay, '/api/v2/subscriptions/nobody'), []);
  });

  const cases: [string, string[]][] = [
    ['', ['example1 - foo/# 2', 'example1 test foo/+ 2', 'example2 - # 1', 'example2 - $SYS/x 1', 'example2 - bar/+/baz 0']],
    ['?clientid=example2&qos=1', ['example2 - # 1', 'example2 - $SYS/x 1']],
    ['?clientid=nobody', []],
    ['?topic=foo/%2B', ['example1 test foo/+ 2']],
    ['?topic=foo', []],
    ['?qos=0', ['example2 - bar/+/baz 0']],
    ['?share=test', ['example1 test foo/+ 2']],
    ['?share=other', []],
    ['?_match_topic=foo/1', ['example1 - foo/# 2', 'example1 test foo/+ 2', 'example2 - # 1']],
    ['?_match_topic=foo', ['example1 - foo/# 2', 'example2 - # 1']],
    ['?_match_topic=bar/x/baz', ['example2 - # 1', 'example2 - bar/+/baz 0']],
    ['?_match_topic=bar/x/y/baz', ['example2 - # 1']],
    ['?_match_topic=%24SYS/x', ['example2 - $SYS/x 1']],
    ['?_match_topic=foo/1&qos=2&share=test', ['example1 test foo/+ 2']],
  ];
  for (const [q, expected] of cases) {
    test(`subscriptions${q || ' (all)'}`, async () => assert.deepEqual(await rows(q), expected));
  }

  test('_limit caps the rows', async () => {
    assert.equal((await getData(relay, '/api/v2/subscriptions?_limit=2')).length, 2);
  });

  test('routes: one per filter with subscribers; a shared filter routes by its inner filter', async () => {
    const routes = (await getData(relay, '/api/v2/routes')).map((r: any) => `${r.node_id} ${r.topic}`).sort();
    assert.deepEqual(routes, ['1 #', '1 $SYS/x', '1 bar/+/baz', '1 foo/#', '1 foo/+']);
    assert.equal((await getData(relay, '/api/v2/routes?_limit=2')).length, 2);
  });

  test('routes/{topic} takes one URL-encoded segment and applies MQTT matching', async () => {
    const of = async (t: string) => (await getData(relay, `/api/v2/routes/${t}`)).map((r: any) => r.topic).sort();
    assert.deepEqual(await of('foo%2F1'), ['#', 'foo/#', 'foo/+']);
    assert.deepEqual(await of('foo%2f1%2F2'), ['#', 'foo/#']);
    assert.deepEqual(await of('%24SYS%2Fx'), ['$SYS/x']);
    assert.deepEqual(await of('zzz'), ['#']);
    const bad = await http(relay, 'GET', '/api/v2/routes/foo%2F%2B');
    assert.equal(bad.status, 400);
    assert.match(bad.json.msg, /path parameter 'topic' must match pattern/);
  });

  test('unsubscribing removes the route when the last subscriber goes', async () => {
    await ex1.unsubscribeAsync('foo/#');
    const routes = (await getData(relay, '/api/v2/routes')).map((r: any) => r.topic).sort();
    assert.deepEqual(routes, ['#', '$SYS/x', 'bar/+/baz', 'foo/+']);
  });
});
