// Tag "plugins": every plugin of every node, their config and lifecycle.
import type { Handler } from './types.ts';
import { InvalidRequest, PluginNotFound } from './errors.ts';
import { requireNode } from './nodes-common.ts';
import { ConfigError } from '../config/load.ts';

/** A plugin's bad config file or refused change is the caller's 400, naming the key and problem. */
async function asRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ConfigError) throw new InvalidRequest(e.message);
    throw e;
  }
}

export const all_plugins: Handler<'all_plugins'> = async (_req, ctx) =>
  Promise.all((await ctx.cluster.nodes()).map(async (n) => ({ node: n.id, plugins: await n.plugins() })));

export const node_plugins: Handler<'node_plugins'> = async (req, ctx) => (await requireNode(ctx, req.params.node)).plugins();

export const node_plugin_info: Handler<'node_plugin_info'> = async (req, ctx) => {
  const info = await (await requireNode(ctx, req.params.node)).plugin(req.params.plugin);
  if (!info) throw new PluginNotFound(req.params.plugin);
  return info;
};

export const node_plugin_config: Handler<'node_plugin_config'> = async (req, ctx) => {
  const node = await requireNode(ctx, req.params.node);
  const config = await asRequest(() => node.pluginConfig(req.params.plugin));
  if (!config) throw new PluginNotFound(req.params.plugin);
  return config;
};

export const node_plugin_config_reload: Handler<'node_plugin_config_reload'> = async (req, ctx) => {
  const node = await requireNode(ctx, req.params.node);
  if (!(await asRequest(() => node.reloadPlugin(req.params.plugin)))) throw new PluginNotFound(req.params.plugin);
  return 'ok';
};

export const node_plugin_load: Handler<'node_plugin_load'> = async (req, ctx) => {
  const node = await requireNode(ctx, req.params.node);
  if (!(await asRequest(() => node.loadPlugin(req.params.plugin)))) throw new PluginNotFound(req.params.plugin);
  return 'ok';
};

export const node_plugin_unload: Handler<'node_plugin_unload'> = async (req, ctx) => {
  const stopped = await (await requireNode(ctx, req.params.node)).unloadPlugin(req.params.plugin);
  if (stopped === undefined) throw new PluginNotFound(req.params.plugin);
  return stopped;
};
