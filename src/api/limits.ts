// Row limits of the list endpoints: `_limit` defaults to, and is clamped to, max_row_limit.
import type { ApiContext } from './types.ts';
import type { ClusterNode } from '../broker/cluster.ts';

export function rowLimit(ctx: ApiContext, requested: number | undefined): number {
  const max = ctx.settings().max_row_limit;
  return requested === undefined ? max : Math.min(requested, max);
}

/** Runs `query` on every node, in order, until `limit` rows are collected. */
export async function collectFromNodes<T>(ctx: ApiContext, limit: number, query: (node: ClusterNode, remaining: number) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (const node of await ctx.cluster.nodes()) {
    if (out.length >= limit) break;
    out.push(...(await query(node, limit - out.length)));
  }
  return out;
}

/** The first defined answer of `ask` over the nodes (the node holding a client's session). */
export async function firstFromNodes<T>(ctx: ApiContext, ask: (node: ClusterNode) => Promise<T | undefined>): Promise<T | undefined> {
  for (const node of await ctx.cluster.nodes()) {
    const v = await ask(node);
    if (v !== undefined) return v;
  }
  return undefined;
}
