// Prometheus text (exposition format 0.0.4) for /metrics/prometheus*, through prom-client:
// gauges rmqtt_metrics, rmqtt_nodes and rmqtt_stats with labels `item` and `node`, as RMQTT
// writes them — with RMQTT's item names where they differ from the JSON's (`retaineds.*`), so
// RMQTT dashboards work — followed by prom-client's default process and Node.js metrics of the
// answering process. A registry is built per scrape for the rmqtt_* gauges: scrapes never
// share state, so concurrent ones cannot interleave (`npm run bench -- prometheus`).
import { readdirSync } from 'node:fs';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { NodeInfo } from '../broker/node-info.ts';
import { SHARED_STATS } from '../broker/stats.ts';

export interface NodeFigures {
  id: number;
  metrics: object;
  stats: object;
  node: NodeInfo;
}

/** JSON stat names that RMQTT's Prometheus output spells otherwise. */
const PROMETHEUS_NAMES: Record<string, string> = { 'retained.count': 'retaineds.count', 'retained.max': 'retaineds.max' };

/** Prometheus item names of the shared gauges: `node="all"` takes them once. */
const SHARED_ITEMS = new Set([...SHARED_STATS].map((k) => PROMETHEUS_NAMES[k] ?? k));

function rmqttStats(stats: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) out[PROMETHEUS_NAMES[k] ?? k] = v as number;
  return out;
}

/** process_* and nodejs_* metrics of this process: collectors live as long as the process. */
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
    // Left out: the nodejs_active_{handles,requests,resources}{,_total} gauges list every libuv
    // handle of the process on each scrape — one per connection, so 7 ms of a scrape at 2,000
    // clients (rmqtt_stats counts the connections); the *_total ones are also named like
    // counters, which promtool's lint refuses.
    for (const kind of ['handles', 'requests', 'resources']) {
      processMetrics.removeSingleMetric(`nodejs_active_${kind}`);
      processMetrics.removeSingleMetric(`nodejs_active_${kind}_total`);
    }
    // process_open_fds lists /proc/self/fd, one entry per connection: 1.5 ms of a scrape at
    // 2,000 clients. Kept (fd exhaustion is worth an alert), but read at most once a second,
    // so that scraping in a loop cannot cost time in proportion to the connections.
    if (processMetrics.getSingleMetric('process_open_fds')) {
      processMetrics.removeSingleMetric('process_open_fds');
      let read = { at: 0, count: 0 };
      new Gauge({
        name: 'process_open_fds', help: 'Number of open file descriptors.', registers: [processMetrics],
        collect() {
          const now = Date.now();
          if (now - read.at >= OPEN_FDS_READ_MS) read = { at: now, count: openFds() ?? read.count };
          this.set(read.count);
        },
      });
    }
  }
  return processMetrics;
}

const OPEN_FDS_READ_MS = 1000;

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the one readdir itself opened
  } catch {
    return undefined;
  }
}

const NODE_ITEMS = ['disk_free', 'disk_total', 'load1', 'load15', 'load5', 'memory_free', 'memory_total', 'memory_used', 'running'] as const;

function nodeItems(n: NodeInfo): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of NODE_ITEMS) out[k] = k === 'running' ? (n.running ? 1 : 0) : n[k];
  return out;
}

/** `perNode`: a series per node; `all`: the `node="all"` sum of the given nodes (shared gauges once). */
export async function renderPrometheus(nodes: NodeFigures[], opts: { perNode: boolean; all: boolean }): Promise<string> {
  const registry = new Registry();
  const families: [string, string, (f: NodeFigures) => Record<string, number>][] = [
    ['rmqtt_metrics', 'All metrics data', (f) => f.metrics as Record<string, number>],
    ['rmqtt_nodes', 'All nodes status', (f) => nodeItems(f.node)],
    ['rmqtt_stats', 'All status data', (f) => rmqttStats(f.stats)],
  ];
  for (const [name, help, pick] of families) {
    const gauge = new Gauge({ name, help, labelNames: ['item', 'node'], registers: [registry] });
    const perNode = nodes.map((f) => [String(f.id), pick(f)] as const);
    const items = [...new Set(perNode.flatMap(([, values]) => Object.keys(values)))].sort();
    for (const item of items) {
      let sum = 0;
      const shared = name === 'rmqtt_stats' && SHARED_ITEMS.has(item);
      for (const [node, values] of perNode) {
        sum = shared ? Math.max(sum, values[item] ?? 0) : sum + (values[item] ?? 0);
        if (opts.perNode) gauge.set({ item, node }, values[item] ?? 0);
      }
      if (opts.all) gauge.set({ item, node: 'all' }, sum);
    }
  }
  return `${await registry.metrics()}\n${await processRegistry().metrics()}`;
}
