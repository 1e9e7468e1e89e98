// Tag "subscriptions": subscriptions of the sessions, filtered.
import type { Handler } from './types.ts';
import { collectFromNodes, rowLimit } from './limits.ts';
import { pageFromNodes } from './paging.ts';
import { pageKey } from '../broker/queries.ts';

export const query_subscriptions: Handler<'query_subscriptions'> = async (req, ctx) => {
  const { _limit, _cursor, ...filters } = req.query;
  return pageFromNodes(req, ctx, { limit: rowLimit(ctx, _limit), cursor: _cursor, key: pageKey.subscription },
    (node, limit, after) => node.subscriptions(filters, limit, after));
};

export const get_client_subscriptions: Handler<'get_client_subscriptions'> = async (req, ctx) =>
  collectFromNodes(ctx, rowLimit(ctx, undefined), (node, limit) => node.subscriptions({ clientid: req.params.clientid }, limit));
