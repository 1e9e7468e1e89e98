// Tag "brokers": basic information about the nodes.
import type { Handler } from './types.ts';
import { requireNode } from './nodes-common.ts';

export const list_brokers: Handler<'list_brokers'> = async (_req, ctx) =>
  Promise.all((await ctx.cluster.nodes()).map((n) => n.brokerInfo()));

export const get_brokers: Handler<'get_brokers'> = async (req, ctx) =>
  (await requireNode(ctx, req.params.node)).brokerInfo();
