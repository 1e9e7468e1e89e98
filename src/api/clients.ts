// Tag "clients": sessions of the cluster, one client, kick, online check; relaymq extensions:
// bulk removal, and a session's queued and in-flight messages.
import type { Handler } from './types.ts';
import { ClientNotFound, InvalidRequest } from './errors.ts';
import { firstFromNodes, rowLimit } from './limits.ts';
import { decodeCursor, page, pageFromNodes } from './paging.ts';
import { pageKey } from '../broker/queries.ts';

export const search_clients: Handler<'search_clients'> = async (req, ctx) => {
  const { _limit, _cursor, ...filters } = req.query;
  // Unfiltered, the total is every node's session count (O(1)); asked alongside the rows, so
  // that a node that does not answer delays the request once.
  const [rows, counts] = await Promise.all([
    pageFromNodes(req, ctx, { limit: rowLimit(ctx, _limit), cursor: _cursor, key: pageKey.client },
      (node, limit, after) => node.clients(filters, limit, after)),
    Object.keys(filters).length === 0 ? ctx.cluster.nodes().then((nodes) => Promise.all(nodes.map((n) => n.sessionCount()))) : undefined,
  ]);
  if (counts) req.reply.header('X-Total-Count', String(counts.reduce((a, b) => a + b, 0)));
  return rows;
};

export const delete_clients: Handler<'delete_clients'> = async (req, ctx) => {
  const { _all, ...filters } = req.query;
  if (Object.keys(filters).length === 0 && _all !== true) {
    throw new InvalidRequest("give at least one filter (e.g. 'connected=false'), or '_all=true' to remove every session");
  }
  const nodes = await ctx.cluster.nodes();
  return (await Promise.all(nodes.map((n) => n.kickMatching(filters)))).reduce((a, b) => a + b, 0);
};

export const get_client: Handler<'get_client'> = async (req, ctx) => {
  const client = await firstFromNodes(ctx, (node) => node.client(req.params.clientid));
  if (!client) throw new ClientNotFound(req.params.clientid);
  return client;
};

export const kick_client: Handler<'kick_client'> = async (req, ctx) => {
  const id = await firstFromNodes(ctx, (node) => node.kick(req.params.clientid));
  if (id === undefined) throw new ClientNotFound(req.params.clientid);
  return id;
};

export const check_online: Handler<'check_online'> = async (req, ctx) =>
  (await firstFromNodes(ctx, async (node) => ((await node.online(req.params.clientid)) ? true : undefined))) ?? false;

const sessionMessages = (which: 'mqueue' | 'inflight'): Handler<'get_client_mqueue' | 'get_client_inflight'> => async (req, ctx) => {
  const after = decodeCursor(req.query._cursor);
  const limit = rowLimit(ctx, req.query._limit);
  const found = await firstFromNodes(ctx, (node) => node.sessionMessages(req.params.clientid, which, after, limit + 1, req.query.encoding ?? 'plain'));
  if (!found) throw new ClientNotFound(req.params.clientid);
  if (found.stale) throw new InvalidRequest("query parameter '_cursor' is not a position in this session's messages (it connected or disconnected since): start the listing again");
  return page(req, found.rows, (r) => r.key, limit, found.total).map((r) => r.message);
};

export const get_client_mqueue: Handler<'get_client_mqueue'> = sessionMessages('mqueue');
export const get_client_inflight: Handler<'get_client_inflight'> = sessionMessages('inflight');
