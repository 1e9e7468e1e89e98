// Tag "banned" (relaymq extension): client ids, usernames and address ranges refused at CONNECT.
// Bans are in the store every node shares; a new ban with `kick` closes matching connections on
// every node.
import type { ApiContext, Handler } from './types.ts';
import { BanNotFound, InvalidRequest } from './errors.ts';
import { rowLimit } from './limits.ts';
import { decodeCursor, page } from './paging.ts';
import { BanError } from '../broker/bans.ts';
import { banKey } from '../persistence/ban-store.ts';

export const list_banned: Handler<'list_banned'> = async (req, ctx) => {
  const limit = rowLimit(ctx, req.query._limit);
  const { rows, total } = ctx.cluster.bans.list(decodeCursor(req.query._cursor), limit + 1);
  return page(req, rows, (b) => banKey(b.as, b.who), limit, total);
};

export const add_ban: Handler<'add_ban'> = async (req, ctx) => {
  const { kick, ...request } = req.body;
  let ban;
  try {
    ban = await ctx.cluster.bans.add(request);
  } catch (e) {
    if (e instanceof BanError) throw new InvalidRequest(e.message);
    throw e;
  }
  if (kick) await Promise.all((await ctx.cluster.nodes()).map((n) => n.disconnectBanned(ban)));
  return ban;
};

const lift = async (ctx: ApiContext, as: 'clientid' | 'username' | 'ipaddr', who: string) => {
  if (!(await ctx.cluster.bans.remove(as, who))) throw new BanNotFound(as, who);
  return 'ok' as const;
};

export const delete_ban: Handler<'delete_ban'> = async (req, ctx) => lift(ctx, req.params.as, req.params.who);
export const delete_ban_by_query: Handler<'delete_ban_by_query'> = async (req, ctx) => lift(ctx, req.query.as, req.query.who);
