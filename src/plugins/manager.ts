// Knows every plugin relaymq ships, loaded or not, and runs their lifecycle:
// init (read and validate etc/plugins/<name>.toml) → start → stop, and reload. The plugin
// endpoints of the API are answered from here.
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { PluginContext, PluginDefinition, PluginInstance } from './plugin.ts';
import { ConfigError, describeConfigError, readToml } from '../config/load.ts';
import type { components } from '../../generated/openapi.js';

export type PluginInfo = components['schemas']['PluginInfo'];

interface Entry {
  def: PluginDefinition<any>;
  /** Compiled when the plugin's config is first read: most plugins are never loaded. */
  validate?: ValidateFunction;
  inited: boolean;
  active: boolean;
  config?: Record<string, unknown>;
  instance?: PluginInstance<any>;
}

// The plugins' schemas are checked against the meta-schema by the tests, not at every start.
const ajv = new Ajv({ useDefaults: true, strict: false, validateSchema: false });
/** Config keys whose values the API never shows. */
const SECRET_KEY = /(token|password|passwd|secret|authorization|api_?key)/i;

export class PluginManager {
  private readonly entries = new Map<string, Entry>();

  constructor(definitions: PluginDefinition<any>[], private readonly dir: string, private readonly ctx: PluginContext) {
    for (const def of definitions) this.entries.set(def.name, { def, inited: false, active: false });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  list(): PluginInfo[] {
    return [...this.entries.keys()].map((n) => this.info(n)!);
  }

  info(name: string): PluginInfo | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    return {
      name, active: e.active, inited: e.inited, immutable: e.def.immutable,
      version: e.inited ? e.def.version : null,
      descr: e.inited ? e.def.descr : null,
      attrs: e.active ? e.instance?.attrs() ?? null : null,
    };
  }

  /** The config (read from the file when the plugin was never loaded), secrets redacted. */
  config(name: string): Record<string, unknown> {
    const e = this.entry(name);
    return redact(e.config ?? this.read(e)) as Record<string, unknown>;
  }

  /** Starts the plugin; loading an active plugin does nothing. Throws ConfigError on a bad file. */
  async load(name: string): Promise<void> {
    const e = this.entry(name);
    if (e.active) return;
    e.config = this.read(e);
    e.inited = true;
    e.instance ??= e.def.create(this.ctx);
    await e.instance.start(e.config);
    e.active = true;
    this.ctx.log.info({ plugin: name }, 'plugin loaded');
    this.ctx.hooks.emit('plugin.loaded', { plugin: name });
  }

  /** true when it stopped the plugin; false when it was not active, is immutable or refuses. */
  async unload(name: string): Promise<boolean> {
    const e = this.entry(name);
    if (!e.active || e.def.immutable) return false;
    if (!(await e.instance!.stop())) return false;
    e.active = false;
    this.ctx.log.info({ plugin: name }, 'plugin unloaded');
    this.ctx.hooks.emit('plugin.unloaded', { plugin: name });
    return true;
  }

  /** Re-reads and validates the file, then applies it; a bad file leaves the old config in place. */
  async reload(name: string): Promise<void> {
    const e = this.entry(name);
    if (e.def.immutable) throw new ConfigError(`plugin '${name}' is immutable: its config cannot be reloaded`);
    const config = this.read(e);
    if (e.active) await e.instance!.reload(config);
    e.config = config;
    e.inited = true;
  }

  /** Stops every active plugin, for shutdown (immutable ones too). */
  async stopAll(): Promise<void> {
    for (const e of [...this.entries.values()].reverse()) {
      if (e.active) await e.instance!.stop().catch(() => false);
      e.active = false;
    }
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`unknown plugin '${name}'`);
    return e;
  }

  private read(e: Entry): Record<string, unknown> {
    const file = join(this.dir, `${e.def.name}.toml`);
    const raw = { ...readToml(file, false), ...this.ctx.config.pluginOverrides[e.def.name] };
    const validate = (e.validate ??= ajv.compile(e.def.configSchema));
    if (!validate(raw)) throw new ConfigError(describeConfigError(file, validate.errors![0] as ErrorObject));
    return raw;
  }
}

function redact(v: unknown, key = ''): unknown {
  // A switch such as health_requires_token is not a secret: only values are.
  if (SECRET_KEY.test(key) && (typeof v === 'string' || typeof v === 'number')) return '******';
  if (Array.isArray(v)) return v.map((x) => redact(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, k)]));
  return v;
}
