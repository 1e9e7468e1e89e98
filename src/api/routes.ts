// Tag "routes": topic filters that have subscribers, per node.
import type { Handler } from './types.ts';
import { InvalidRequest } from './errors.ts';
import { collectFromNodes, rowLimit } from './limits.ts';
import { topicNameProblem } from '../broker/topics.ts';

export const get_routes: Handler<'get_routes'> = async (req, ctx) =>
  collectFromNodes(ctx, rowLimit(ctx, req.query._limit), (node, limit) => node.routes(limit));

export const get_route: Handler<'get_route'> = async (req, ctx) => {
  const problem = topicNameProblem(req.params.topic);
  if (problem) throw new InvalidRequest(`path parameter 'topic' ${problem}`);
  return collectFromNodes(ctx, rowLimit(ctx, undefined), (node, limit) => node.routes(limit, req.params.topic));
};
