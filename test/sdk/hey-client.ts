// The same SDK consumer's program with the second generator: @hey-api/openapi-ts (its fetch
// client), one function per operationId. test/sdk.test.ts generates ./hey/, compiles this file
// with `tsc --strict` (`data` must be typed without casts) and runs it against a live broker; it
// prints what it read as JSON, the same keys as client.ts.
import { client } from './hey/client.gen.js';
import * as api from './hey/sdk.gen.js';

client.setConfig({ baseUrl: process.argv[2] });

const node = { node: 1 };
const who = { clientid: 'sdk-client' };
const plugin = { node: 1, plugin: 'rmqtt-web-hook' };
const out: Record<string, unknown> = {};
// A failed call throws, so `data` is the success type; raw answers (YAML, HTML, JavaScript,
// Prometheus text) are read as text.
const ok = { throwOnError: true } as const;
const text = { ...ok, parseAs: 'text' } as const;

out.endpoints = (await api.listApis(ok)).data.data.length;
out.openapi = (await api.getOpenapiJson(ok)).data.openapi;
out.yaml = String((await api.getOpenapiYaml(text)).data).slice(0, 12);
out.docs = String((await api.getDocs(text)).data).startsWith('<!DOCTYPE html>');
out.docsScript = String((await api.getDocsScript(text)).data).length > 0;
out.alive = (await api.getHealth(ok)).data.data.status;
out.ready = (await api.getHealthReady(ok)).data.data.status;
const brokers = (await api.listBrokers(ok)).data.data;
const nodeName: string = brokers[0].node_name;
out.broker = (await api.getBrokers({ ...ok, path: node })).data.data.node_name === nodeName;
out.nodes = (await api.listNodes(ok)).data.data[0].listeners.map((l) => l.name);
out.node = (await api.getNodes({ ...ok, path: node })).data.data.node_status;
out.clients = (await api.searchClients({ ...ok, query: { _limit: 10 } })).data.data.map((c) => c.clientid);
const me = (await api.getClient({ ...ok, path: who })).data.data;
const inflight: number = me.inflight;
out.client = { proto_ver: me.proto_ver, inflight };
out.online = (await api.checkOnline({ ...ok, path: who })).data.data;
out.subscribe = (await api.subscribe({ ...ok, body: { topics: 'sdk/a,sdk/b', qos: 1, clientid: 'sdk-client' } })).data.data;
out.publish = (await api.publish({ ...ok, body: { topic: 'sdk/a', payload: 'hi', qos: 1 } })).data.data;
out.subscriptions = (await api.querySubscriptions({ ...ok, query: { clientid: 'sdk-client' } })).data.data.map((s) => s.topic).sort();
out.clientSubscriptions = (await api.getClientSubscriptions({ ...ok, path: who })).data.data.length;
out.routes = (await api.getRoutes(ok)).data.data.map((r) => r.topic).sort();
out.route = (await api.getRoute({ ...ok, path: { topic: 'sdk/a' } })).data.data.length;
out.unsubscribe = (await api.unsubscribe({ ...ok, body: { topic: 'sdk/b', clientid: 'sdk-client' } })).data.data;
out.plugins = (await api.allPlugins(ok)).data.data[0].plugins.length;
out.nodePlugins = (await api.nodePlugins({ ...ok, path: node })).data.data.length;
out.plugin = (await api.nodePluginInfo({ ...ok, path: plugin })).data.data.name;
out.pluginConfig = typeof (await api.nodePluginConfig({ ...ok, path: plugin })).data.data;
out.load = (await api.nodePluginLoad({ ...ok, path: plugin })).data.data;
out.reload = (await api.nodePluginConfigReload({ ...ok, path: plugin })).data.data;
out.unload = (await api.nodePluginUnload({ ...ok, path: plugin })).data.data;
const stats = (await api.listStats(ok)).data.data[0].stats;
const connections: number = stats['connections.count'];
out.stats = connections;
out.statsSum = (await api.getStatsSum(ok)).data.data.stats['sessions.count'];
out.statsNode = (await api.getStats({ ...ok, path: node })).data.data.node.id;
out.metrics = (await api.listMetrics(ok)).data.data[0].metrics['messages.publish'];
out.metricsSum = typeof (await api.getMetricsSum(ok)).data.data['client.connect'];
out.metricsNode = (await api.getMetrics({ ...ok, path: node })).data.data.node.id;
out['/metrics/prometheus'] = String((await api.getPrometheusMetrics(text)).data).startsWith('# HELP rmqtt_metrics');
out['/metrics/prometheus/sum'] = String((await api.getPrometheusMetricsSum(text)).data).startsWith('# HELP rmqtt_metrics');
out.prometheusNode = String((await api.getPrometheusNodeMetrics({ ...ok, path: node, ...text })).data).length > 0;
// relaymq extensions
await api.publish({ ...ok, body: { topic: 'sdk/r', payload: 'kept', qos: 1, retain: true } });
const sdkR = { topic: 'sdk/r' };
out.retains = (await api.listRetains({ ...ok, query: { _match_topic: 'sdk/#', _limit: 10 } })).data.data.map((m) => m.topic);
out.retain = (await api.getRetain({ ...ok, path: sdkR })).data.data.payload;
out.deleteRetain = (await api.deleteRetain({ ...ok, path: sdkR })).data.data;
out.deleteRetainByQuery = (await api.deleteRetainByQuery({ ...ok, query: sdkR })).data.data;
const banned = { as: 'clientid', who: 'sdk/banned' } as const;
out.ban = (await api.addBan({ ...ok, body: { ...banned, duration: 60 } })).data.data.until !== null;
out.banned = (await api.listBanned({ ...ok, query: { _limit: 10 } })).data.data.map((b) => b.who);
out.unban = (await api.deleteBan({ ...ok, path: banned })).data.data;
out.unbanAgain = (await api.deleteBanByQuery({ query: banned })).response.status;
out.mqueue = (await api.getClientMqueue({ ...ok, path: who, query: { _limit: 5 } })).data.data.length;
out.inflightList = (await api.getClientInflight({ ...ok, path: who })).data.data.length;
// hey-api reads text/event-stream itself: each event's data, parsed.
const events = new AbortController();
const { stream } = await api.streamEvents({ query: { heartbeat: 1 }, signal: events.signal, sseMaxRetryAttempts: 0 });
const first = await stream.next();
out.events = (first.value as unknown as { type: string }).type === 'stream.open';
events.abort();
out.deleteClients = (await api.deleteClients({ ...ok, query: { connected: false } })).data.data;
out.kick = typeof (await api.kickClient({ ...ok, path: who })).data.data;
console.log(JSON.stringify(out));
