// Tag "subscriptions": subscriptions of the sessions, filtered.
import type { Handler } from './types.ts';
import { collectFromNodes, rowLimit } from './limits.ts';

export const query_subscriptions: Handler<'query_subscriptions'> = async (req, ctx) => {
  const { _limit, ...filters } = req.query;
  return collectFromNodes(ctx, rowLimit(ctx, _limit), (node, limit) => node.subscriptions(filters, limit));
};

export const get_client_subscriptions: Handler<'get_client_subscriptions'> = async (req, ctx) =>
  collectFromNodes(ctx, rowLimit(ctx, undefined), (node, limit) => node.subscriptions({ clientid: req.params.clientid }, limit));
