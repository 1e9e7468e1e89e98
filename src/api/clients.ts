// Tag "clients": sessions of the cluster, one client, kick, online check.
import type { Handler } from './types.ts';
import { ClientNotFound } from './errors.ts';
import { collectFromNodes, firstFromNodes, rowLimit } from './limits.ts';

export const search_clients: Handler<'search_clients'> = async (req, ctx) => {
  const { _limit, ...filters } = req.query;
  return collectFromNodes(ctx, rowLimit(ctx, _limit), (node, limit) => node.clients(filters, limit));
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
