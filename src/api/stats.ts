// Tag "stats": gauges of the nodes, with their historical maximum.
import type { Handler } from './types.ts';
import { requireNode } from './nodes-common.ts';
import type { ClusterNode } from '../broker/cluster.ts';
import { SHARED_STATS } from '../broker/stats.ts';

async function nodeStats(n: ClusterNode) {
  return { node: { id: n.id, name: n.name, status: n.status() }, stats: await n.stats() };
}

/** Adds up records of numbers key by key; a key in `once` (shared by the nodes) is taken once, the largest. */
export function sum<T extends object>(records: T[], once: ReadonlySet<string> = new Set()): T {
  const out: Record<string, number> = {};
  for (const r of records) {
    for (const [k, v] of Object.entries(r) as [string, number][]) out[k] = once.has(k) ? Math.max(out[k] ?? 0, v) : (out[k] ?? 0) + v;
  }
  return out as T;
}

export const list_stats: Handler<'list_stats'> = async (_req, ctx) =>
  Promise.all((await ctx.cluster.nodes()).map(nodeStats));

export const get_stats: Handler<'get_stats'> = async (req, ctx) => nodeStats(await requireNode(ctx, req.params.node));

export const get_stats_sum: Handler<'get_stats_sum'> = async (_req, ctx) => {
  const nodes = await ctx.cluster.nodes();
  return {
    nodes: Object.fromEntries(nodes.map((n) => [String(n.id), { name: n.name, status: n.status() }])),
    stats: sum(await Promise.all(nodes.map((n) => n.stats())), SHARED_STATS),
  };
};
