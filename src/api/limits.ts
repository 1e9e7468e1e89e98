// Row limits of the list endpoints: `_limit` defaults to, and is clamped to, max_row_limit.
import type { ApiContext } from './types.ts';
import type { ClusterNode } from '../broker/cluster.ts';

export function rowLimit(ctx: ApiContext, requested: number | undefined): number {
  const max = ctx.settings().max_row_limit;
  return requested === undefined ? max : Math.min(requested, max);
}

/**
 * Runs `query` on every node at once (each answers for the sessions it holds; one that is down
 * or too slow answers nothing, see cluster/remote-node.ts), then keeps the first `limit` rows in
 * node order.
 */
export async function collectFromNodes<T>(ctx: ApiContext, limit: number, query: (node: ClusterNode, limit: number) => Promise<T[]>): Promise<T[]> {
  const nodes = await ctx.cluster.nodes();
  if (nodes.length === 1) return query(nodes[0], limit);
  const rows = await Promise.all(nodes.map((n) => query(n, limit)));
  return rows.flat().slice(0, limit);
}

/** The first defined answer of `ask` in node order, all nodes asked at once (the node holding a client's session). */
export async function firstFromNodes<T>(ctx: ApiContext, ask: (node: ClusterNode) => Promise<T | undefined>): Promise<T | undefined> {
  const nodes = await ctx.cluster.nodes();
  if (nodes.length === 1) return ask(nodes[0]);
  return (await Promise.all(nodes.map(ask))).find((v) => v !== undefined);
}
