// An SDK consumer's program: a client generated from spec/openapi.yaml (openapi-typescript
// types + openapi-fetch) calling every operation. test/sdk.test.ts generates ./api.d.ts,
// compiles this file with `tsc --strict` (the typed results must need no casts: `data` is never
// optional) and runs it against a live broker; it prints what it read as JSON.
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const client = createClient<paths>({ baseUrl: process.argv[2] });

/** The body of a successful answer (openapi-fetch gives `data` only for 2xx). */
function ok<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.data === undefined) throw new Error(`${r.response.url}: ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
}

const node = { node: 1 };
const who = { clientid: 'sdk-client' };
const plugin = { node: 1, plugin: 'rmqtt-web-hook' };
const out: Record<string, unknown> = {};

out.endpoints = ok(await client.GET('/')).data.length;
out.openapi = ok(await client.GET('/openapi.json')).openapi;
out.yaml = (ok(await client.GET('/openapi.yaml', { parseAs: 'text' })) as string).slice(0, 12);
out.docs = (ok(await client.GET('/docs', { parseAs: 'text' })) as string).startsWith('<!DOCTYPE html>');
out.docsScript = (ok(await client.GET('/docs/redoc.standalone.js', { parseAs: 'text' })) as string).length > 0;
out.alive = ok(await client.GET('/health')).data.status;
out.ready = ok(await client.GET('/health/ready')).data.status;
const brokers = ok(await client.GET('/brokers')).data;
const nodeName: string = brokers[0].node_name;
out.broker = ok(await client.GET('/brokers/{node}', { params: { path: node } })).data.node_name === nodeName;
out.nodes = ok(await client.GET('/nodes')).data[0].listeners.map((l) => l.name);
out.node = ok(await client.GET('/nodes/{node}', { params: { path: node } })).data.node_status;
out.clients = ok(await client.GET('/clients', { params: { query: { _limit: 10 } } })).data.map((c) => c.clientid);
const me = ok(await client.GET('/clients/{clientid}', { params: { path: who } })).data;
const inflight: number = me.inflight;
out.client = { proto_ver: me.proto_ver, inflight };
out.online = ok(await client.GET('/clients/{clientid}/online', { params: { path: who } })).data;
out.subscribe = ok(await client.POST('/mqtt/subscribe', { body: { topics: 'sdk/a,sdk/b', qos: 1, clientid: 'sdk-client' } })).data;
out.publish = ok(await client.POST('/mqtt/publish', { body: { topic: 'sdk/a', payload: 'hi', qos: 1 } })).data;
out.subscriptions = ok(await client.GET('/subscriptions', { params: { query: { clientid: 'sdk-client' } } })).data.map((s) => s.topic).sort();
out.clientSubscriptions = ok(await client.GET('/subscriptions/{clientid}', { params: { path: who } })).data.length;
out.routes = ok(await client.GET('/routes')).data.map((r) => r.topic).sort();
out.route = ok(await client.GET('/routes/{topic}', { params: { path: { topic: 'sdk/a' } } })).data.length;
out.unsubscribe = ok(await client.POST('/mqtt/unsubscribe', { body: { topic: 'sdk/b', clientid: 'sdk-client' } })).data;
out.plugins = ok(await client.GET('/plugins')).data[0].plugins.length;
out.nodePlugins = ok(await client.GET('/plugins/{node}', { params: { path: node } })).data.length;
out.plugin = ok(await client.GET('/plugins/{node}/{plugin}', { params: { path: plugin } })).data.name;
out.pluginConfig = typeof ok(await client.GET('/plugins/{node}/{plugin}/config', { params: { path: plugin } })).data;
out.load = ok(await client.PUT('/plugins/{node}/{plugin}/load', { params: { path: plugin } })).data;
out.reload = ok(await client.PUT('/plugins/{node}/{plugin}/config/reload', { params: { path: plugin } })).data;
out.unload = ok(await client.PUT('/plugins/{node}/{plugin}/unload', { params: { path: plugin } })).data;
const stats = ok(await client.GET('/stats')).data[0].stats;
const connections: number = stats['connections.count'];
out.stats = connections;
out.statsSum = ok(await client.GET('/stats/sum')).data.stats['sessions.count'];
out.statsNode = ok(await client.GET('/stats/{node}', { params: { path: node } })).data.node.id;
out.metrics = ok(await client.GET('/metrics')).data[0].metrics['messages.publish'];
out.metricsSum = typeof ok(await client.GET('/metrics/sum')).data['client.connect'];
out.metricsNode = ok(await client.GET('/metrics/{node}', { params: { path: node } })).data.node.id;
for (const path of ['/metrics/prometheus', '/metrics/prometheus/sum'] as const) {
  out[path] = (ok(await client.GET(path, { parseAs: 'text' })) as string).startsWith('# HELP rmqtt_metrics');
}
out.prometheusNode = (ok(await client.GET('/metrics/prometheus/{node}', { params: { path: node }, parseAs: 'text' })) as string).length > 0;
// relaymq extensions
ok(await client.POST('/mqtt/publish', { body: { topic: 'sdk/r', payload: 'kept', qos: 1, retain: true } }));
const sdkR = { path: { topic: 'sdk/r' } };
out.retains = ok(await client.GET('/retains', { params: { query: { _match_topic: 'sdk/#', _limit: 10 } } })).data.map((m) => m.topic);
out.retain = ok(await client.GET('/retains/{topic}', { params: sdkR })).data.payload;
out.deleteRetain = ok(await client.DELETE('/retains/{topic}', { params: sdkR })).data;
out.deleteRetainByQuery = ok(await client.DELETE('/retains', { params: { query: { topic: 'sdk/r' } } })).data;
const banned = { as: 'clientid', who: 'sdk/banned' } as const;
out.ban = ok(await client.POST('/banned', { body: { ...banned, duration: 60 } })).data.until !== null;
out.banned = ok(await client.GET('/banned', { params: { query: { _limit: 10 } } })).data.map((b) => b.who);
out.unban = ok(await client.DELETE('/banned/{as}/{who}', { params: { path: banned } })).data;
out.unbanAgain = (await client.DELETE('/banned', { params: { query: banned } })).response.status;
out.mqueue = ok(await client.GET('/clients/{clientid}/mqueue', { params: { path: who, query: { _limit: 5 } } })).data.length;
out.inflightList = ok(await client.GET('/clients/{clientid}/inflight', { params: { path: who } })).data.length;
const events = await client.GET('/events', { params: { query: { heartbeat: 1 } }, parseAs: 'stream' });
const reader = (events.data as ReadableStream<Uint8Array>).getReader();
out.events = new TextDecoder().decode((await reader.read()).value).startsWith('event: stream.open');
await reader.cancel();
out.deleteClients = ok(await client.DELETE('/clients', { params: { query: { connected: false } } })).data;
out.kick = typeof ok(await client.DELETE('/clients/{clientid}', { params: { path: who } })).data;
console.log(JSON.stringify(out));
