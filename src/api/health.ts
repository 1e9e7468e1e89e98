// Tag "health" (relaymq extension): liveness and readiness probes of the node serving the API.
import type { Handler } from './types.ts';
import { ServiceUnavailable } from './errors.ts';

export const get_health: Handler<'get_health'> = async (_req, ctx) => ctx.cluster.local().health('alive');

export const get_health_ready: Handler<'get_health_ready'> = async (_req, ctx) => {
  const node = ctx.cluster.local();
  const reason = await node.notReady();
  if (reason) throw new ServiceUnavailable(`not ready: ${reason}`);
  return node.health('ready');
};
