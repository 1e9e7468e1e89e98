// Tag "routes": topic filters that have subscribers, per node.
import type { Handler } from './types.ts';
import { InvalidRequest } from './errors.ts';
import { collectFromNodes, rowLimit } from './limits.ts';
import { pageFromNodes } from './paging.ts';
import { topicNameProblem } from '../broker/topics.ts';
import { pageKey } from '../broker/queries.ts';

export const get_routes: Handler<'get_routes'> = async (req, ctx) =>
  pageFromNodes(req, ctx, { limit: rowLimit(ctx, req.query._limit), cursor: req.query._cursor, key: pageKey.route },
    (node, limit, after) => node.routes(limit, undefined, after));

export const get_route: Handler<'get_route'> = async (req, ctx) => {
  const problem = topicNameProblem(req.params.topic);
  if (problem) throw new InvalidRequest(`path parameter 'topic' ${problem}`);
  return collectFromNodes(ctx, rowLimit(ctx, undefined), (node, limit) => node.routes(limit, req.params.topic));
};
