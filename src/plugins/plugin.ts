// What a plugin is. A definition declares the plugin (name, version, description, whether it
// is immutable, the JSON Schema of its etc/plugins/<name>.toml) and creates an instance,
// which hooks into the broker on start, unhooks completely on stop and applies a new config
// on reload. Plugins reach the broker only through PluginContext: the hook API (BrokerHooks),
// the cluster and the session registry — never by patching Aedes.
import type { Aedes, Client } from 'aedes';
import type { BrokerHooks } from '../broker/hooks.ts';
import type { Cluster } from '../broker/cluster.ts';
import type { SessionRegistry } from '../broker/sessions.ts';
import type { Logger } from '../util/log.ts';
import type { Config } from '../config/load.ts';
import type { EnhancedAuth } from '../broker/enhanced-auth.ts';

export interface PluginContext {
  hooks: BrokerHooks;
  broker: Aedes;
  cluster: Cluster;
  registry: SessionRegistry;
  log: Logger;
  config: Config;
  /** Who a client is: id, username (from its session) and IP address. */
  identity(client: Client): { clientid: string; username?: string; ip: string };
  /** The filter a subscription is about, as the client means it (a shared one without `$share/<group>/`). */
  filterOf(subscriptionTopic: string): string;
  /** Extra services some plugins need (the HTTP API's backend, the metrics counter). */
  services: PluginServices;
  /** MQTT 5 enhanced authentication methods (AUTH packet exchanges) plugins implement. */
  authMethods: Pick<EnhancedAuth, 'register'>;
}

export interface PluginServices {
  [name: string]: unknown;
}

export interface PluginInstance<C> {
  start(config: C): Promise<void>;
  /** Unhooks everything. Resolves false when the plugin cannot be stopped (it keeps running). */
  stop(): Promise<boolean>;
  /** Applies a new, already validated config without a restart. */
  reload(config: C): Promise<void>;
  /** Live figures for the API's `attrs`, or null. */
  attrs(): unknown;
}

export interface PluginDefinition<C = Record<string, unknown>> {
  name: string;
  version: string;
  descr: string;
  immutable: boolean;
  /** JSON Schema of the config file; defaults fill in what the file leaves out. */
  configSchema: object;
  create(ctx: PluginContext): PluginInstance<C>;
}

/** Declares a plugin with its config type (a helper for type inference only). */
export function definePlugin<C>(def: PluginDefinition<C>): PluginDefinition<C> {
  return def;
}
