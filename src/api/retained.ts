// Tag "retained" (relaymq extension): the retained messages of the cluster. They are in the
// store every node shares, so the node answering the request answers for all of them.
import type { Handler } from './types.ts';
import { InvalidRequest, RetainedNotFound } from './errors.ts';
import { rowLimit } from './limits.ts';
import { decodeCursor, page } from './paging.ts';
import { plainTopicFilterProblem, topicNameProblem } from '../broker/topics.ts';
import { expiresIn, messageView, type PayloadEncoding } from '../broker/message-view.ts';
import type { StoredPacket } from '../persistence/codec.ts';

const view = (p: StoredPacket, encoding: PayloadEncoding = 'plain') => ({ ...messageView(p, encoding), expiry_interval: expiresIn(p) });

function checkTopic(where: string, topic: string | undefined): void {
  const problem = topic === undefined ? undefined : topicNameProblem(topic);
  if (problem) throw new InvalidRequest(`${where} 'topic' ${problem}`);
}

export const list_retains: Handler<'list_retains'> = async (req, ctx) => {
  const { _match_topic: match, topic } = req.query;
  const problem = match === undefined ? undefined : plainTopicFilterProblem(match);
  if (problem) throw new InvalidRequest(`query parameter '_match_topic' ${problem}`);
  checkTopic('query parameter', topic);
  const limit = rowLimit(ctx, req.query._limit);
  const { rows, total } = ctx.cluster.retained.list({ match, topic }, decodeCursor(req.query._cursor), limit + 1);
  return page(req, rows, (p) => p.topic, limit, total).map((p) => view(p, req.query.encoding));
};

export const get_retain: Handler<'get_retain'> = async (req, ctx) => {
  checkTopic('path parameter', req.params.topic);
  const p = ctx.cluster.retained.get(req.params.topic);
  if (!p) throw new RetainedNotFound(req.params.topic);
  return view(p, req.query.encoding);
};

export const delete_retain: Handler<'delete_retain'> = async (req, ctx) => {
  checkTopic('path parameter', req.params.topic);
  if (!(await ctx.cluster.retained.remove(req.params.topic))) throw new RetainedNotFound(req.params.topic);
  return 'ok';
};

export const delete_retain_by_query: Handler<'delete_retain_by_query'> = async (req, ctx) => {
  checkTopic('query parameter', req.query.topic);
  return (await ctx.cluster.retained.remove(req.query.topic)) ? 1 : 0;
};
