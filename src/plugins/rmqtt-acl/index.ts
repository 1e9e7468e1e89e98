// rmqtt-acl: ordered allow/deny rules for connect, publish and subscribe (rules.ts), checked
// after authentication. It never allows a CONNECT by itself (authentication plugins decide
// who may connect), it can only refuse one. It also governs who may read $SYS topics.
//
// Subscribe rules are read rules too: besides the SUBSCRIBE itself, every message is checked
// against them before it is delivered (as Mosquitto does), so a subscription to `+/#` never
// delivers a topic under a denied `secret/#`. Read and publish answers are cached per client
// and topic (the rules cannot change while loaded), so a message costs one map lookup.
// Immutable, as in RMQTT: it cannot be unloaded or reloaded at run time.
import { definePlugin } from '../plugin.ts';
import { compileRules, decide, type RawRule } from './rules.ts';
import { ConfigError } from '../../config/load.ts';

interface AclConfig {
  rules: RawRule[];
  /** The answer when no rule matches. */
  no_match: 'allow' | 'deny';
}

/** After authentication plugins (which use priority 20), before the default allow. */
const PRIORITY = 50;
/** Topics whose answer is remembered per client and action; beyond it that cache starts over. */
const CACHE_PER_CLIENT = 1024;

type Answers = { publish: Map<string, boolean>; read: Map<string, boolean> };

/** The remembered answer for this client, action and topic, computed once. */
function cachedAnswer(cache: WeakMap<object, Answers>, client: object, kind: keyof Answers, topic: string, compute: () => boolean): boolean {
  let answers = cache.get(client);
  if (!answers) cache.set(client, (answers = { publish: new Map(), read: new Map() }));
  const map = answers[kind];
  let allowed = map.get(topic);
  if (allowed === undefined) {
    allowed = compute();
    if (map.size >= CACHE_PER_CLIENT) map.clear();
    map.set(topic, allowed);
  }
  return allowed;
}

export default definePlugin<AclConfig>({
  name: 'rmqtt-acl',
  version: '0.1.0',
  descr: 'Access control rules for connect, publish and subscribe',
  immutable: true,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      rules: { type: 'array', items: { type: 'array', minItems: 2, maxItems: 4 }, default: [] },
      no_match: { enum: ['allow', 'deny'], default: 'allow' },
    },
  },
  create(ctx) {
    let off: (() => void)[] = [];
    let checks = { connect: 0, publish: 0, subscribe: 0, read: 0, denied: 0 };
    let answers = new WeakMap<object, Answers>();
    return {
      async start(config) {
        let rules;
        try {
          rules = compileRules(config.rules);
        } catch (e) {
          throw new ConfigError(`${ctx.config.broker.plugins.dir}/rmqtt-acl.toml: ${(e as Error).message}`);
        }
        const fallback = config.no_match === 'allow';
        const verdict = (allowed: boolean) => {
          if (!allowed) checks.denied++;
          return allowed ? 'allow' as const : 'deny' as const;
        };
        off = [
          ctx.hooks.add('authenticate', (client, username) => {
            checks.connect++;
            const s = { clientid: client.id, username, ip: ctx.identity(client).ip };
            return decide(rules, s, 'connect') === false ? verdict(false) : 'ignore';
          }, PRIORITY),
          ctx.hooks.add('authorizePublish', (client, packet) => {
            if (!client) return 'ignore'; // the broker's own messages ($SYS, HTTP API)
            return verdict(cachedAnswer(answers, client, 'publish', packet.topic, () => {
              checks.publish++;
              return decide(rules, ctx.identity(client), 'publish', packet.topic) ?? fallback;
            }));
          }, PRIORITY),
          ctx.hooks.add('authorizeSubscribe', (client, sub) => {
            checks.subscribe++;
            return verdict(decide(rules, ctx.identity(client), 'subscribe', ctx.filterOf(sub.topic), true) ?? fallback);
          }, PRIORITY),
          ctx.hooks.add('authorizeRead', (client, topic) => {
            const allowed = cachedAnswer(answers, client, 'read', topic, () => {
              checks.read++;
              return decide(rules, ctx.identity(client), 'subscribe', topic) ?? fallback;
            });
            return allowed ? 'allow' : 'deny';
          }, PRIORITY),
        ];
      },
      async stop() {
        for (const f of off) f();
        off = [];
        checks = { connect: 0, publish: 0, subscribe: 0, read: 0, denied: 0 };
        answers = new WeakMap();
        return true;
      },
      async reload() {},
      attrs: () => ({ ...checks }),
    };
  },
});
