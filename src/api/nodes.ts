// Tag "nodes": status of the nodes (load, memory, disk, connections).
import type { Handler } from './types.ts';
import { requireNode } from './nodes-common.ts';

export const list_nodes: Handler<'list_nodes'> = async (_req, ctx) =>
  Promise.all((await ctx.cluster.nodes()).map((n) => n.nodeInfo()));

export const get_nodes: Handler<'get_nodes'> = async (req, ctx) =>
  (await requireNode(ctx, req.params.node)).nodeInfo();
