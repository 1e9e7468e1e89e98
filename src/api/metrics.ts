// Tag "metrics": the counters of the nodes, as JSON and as Prometheus text.
import type { Handler } from './types.ts';
import { requireNode } from './nodes-common.ts';
import { sum } from './stats.ts';
import type { NodeFigures } from '../metrics/prometheus.ts';
import type { ClusterNode } from '../broker/cluster.ts';

/** prom-client loads on the first scrape: a broker nobody scrapes does not pay for it at start-up (40 ms). */
async function renderPrometheus(...args: Parameters<typeof import('../metrics/prometheus.ts').renderPrometheus>): Promise<string> {
  return (await import('../metrics/prometheus.ts')).renderPrometheus(...args);
}

async function nodeMetrics(n: ClusterNode) {
  return { node: { id: n.id, name: n.name }, metrics: await n.metrics() };
}

async function figures(n: ClusterNode): Promise<NodeFigures> {
  const [metrics, stats, node] = await Promise.all([n.metrics(), n.stats(), n.nodeInfo()]);
  return { id: n.id, metrics, stats, node };
}

export const list_metrics: Handler<'list_metrics'> = async (_req, ctx) =>
  Promise.all((await ctx.cluster.nodes()).map(nodeMetrics));

export const get_metrics: Handler<'get_metrics'> = async (req, ctx) => nodeMetrics(await requireNode(ctx, req.params.node));

export const get_metrics_sum: Handler<'get_metrics_sum'> = async (_req, ctx) =>
  sum(await Promise.all((await ctx.cluster.nodes()).map((n) => n.metrics())));

export const get_prometheus_metrics: Handler<'get_prometheus_metrics'> = async (_req, ctx) =>
  renderPrometheus(await Promise.all((await ctx.cluster.nodes()).map(figures)), { perNode: true, all: true });

export const get_prometheus_node_metrics: Handler<'get_prometheus_node_metrics'> = async (req, ctx) =>
  renderPrometheus([await figures(await requireNode(ctx, req.params.node))], { perNode: true, all: false });

export const get_prometheus_metrics_sum: Handler<'get_prometheus_metrics_sum'> = async (_req, ctx) =>
  renderPrometheus(await Promise.all((await ctx.cluster.nodes()).map(figures)), { perNode: false, all: true });
