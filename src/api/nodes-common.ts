// Node lookup shared by every per-node operation: an unknown id is a 404 naming it.
import { NodeNotFound } from './errors.ts';
import type { ClusterNode } from '../broker/cluster.ts';
import type { ApiContext } from './types.ts';

export async function requireNode(ctx: ApiContext, id: number): Promise<ClusterNode> {
  const node = await ctx.cluster.node(id);
  if (!node) throw new NodeNotFound(id);
  return node;
}
