// rmqtt-auth-http: asks an external HTTP service whether a client may connect (and, when
// `acl_req` is configured, publish or subscribe). Request templates fill in %u username,
// %c client id, %a IP address, %P password, %r protocol version, %t topic, %A access
// (1 subscribe, 2 publish). The answer: 2xx with JSON {"result": "allow"|"deny"|"ignore",
// "is_superuser": bool} or a plain-text result (any other 2xx body = allow); 4xx = deny;
// 5xx, a redirect, timeout or no answer = `on_error` ("deny" or "ignore"). Never hangs: every
// request has `timeout`; redirects are not followed (the service's answer, not another host's,
// decides). Answers are cached for `cache_ttl` in an LRU of at most `cache_max_entries` — never
// the `on_error` fallback, so a recovered service is asked again at once. A superuser skips
// publish/subscribe checks.
import type { Client } from 'aedes';
import { LRUCache } from 'lru-cache';
import { definePlugin } from '../plugin.ts';
import { duration } from '../../config/schema.ts';
import { parseDurationMs } from '../../util/time.ts';
import type { Verdict } from '../../broker/hooks.ts';

interface RequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  params: Record<string, string>;
  /** How POST sends params: form-encoded or JSON. */
  body: 'form' | 'json';
}

interface AuthHttpConfig {
  timeout: string;
  cache_ttl: string;
  cache_max_entries: number;
  on_error: 'deny' | 'ignore';
  auth_req: RequestSpec;
  acl_req?: RequestSpec;
}

const PRIORITY = 20; // before rmqtt-acl

const requestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', pattern: '^https?://' },
    method: { enum: ['GET', 'POST'], default: 'POST' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    params: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    body: { enum: ['form', 'json'], default: 'form' },
  },
};

interface Answer { verdict: Verdict; superuser: boolean; fromError?: boolean }

export default definePlugin<AuthHttpConfig>({
  name: 'rmqtt-auth-http',
  version: '0.1.0',
  descr: 'Authentication and authorization by an external HTTP service',
  immutable: false,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['auth_req'],
    properties: {
      timeout: { ...duration, default: '5s' },
      cache_ttl: { ...duration, default: '60s' },
      cache_max_entries: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 10000 },
      on_error: { enum: ['deny', 'ignore'], default: 'deny' },
      auth_req: requestSchema,
      acl_req: requestSchema,
    },
  },
  create(ctx) {
    let config: AuthHttpConfig;
    let off: (() => void)[] = [];
    let cache: LRUCache<string, Answer> | undefined;
    const superusers = new WeakSet<Client>();
    const figures = { requests: 0, allowed: 0, denied: 0, ignored: 0, errors: 0, cached: 0 };

    async function ask(spec: RequestSpec, vars: Record<string, string>): Promise<Answer> {
      const fill = (t: string) => t.replace(/%[ucaPrtA]/g, (m) => vars[m] ?? '');
      const params = Object.fromEntries(Object.entries(spec.params).map(([k, v]) => [k, fill(v)]));
      const key = `${spec.method} ${spec.url} ${JSON.stringify(params)}`;
      const hit = cache?.get(key);
      if (hit) { figures.cached++; return hit; }
      const answer = await send(spec, params);
      if (cache && answer.verdict !== 'ignore' && !answer.fromError) cache.set(key, answer);
      figures[answer.verdict === 'allow' ? 'allowed' : answer.verdict === 'deny' ? 'denied' : 'ignored']++;
      return answer;
    }

    async function send(spec: RequestSpec, params: Record<string, string>): Promise<Answer> {
      figures.requests++;
      const url = new URL(spec.url);
      const init: RequestInit = {
        method: spec.method, headers: { ...spec.headers }, redirect: 'manual',
        signal: AbortSignal.timeout(Math.max(1, parseDurationMs(config.timeout))),
      };
      if (spec.method === 'GET') for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      else if (spec.body === 'json') { init.body = JSON.stringify(params); (init.headers as Record<string, string>)['content-type'] = 'application/json'; }
      else init.body = new URLSearchParams(params);
      try {
        const res = await fetch(url, init);
        const text = await res.text();
        if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
        if (res.status >= 300 && res.status < 400) throw new Error(`HTTP ${res.status}: redirects are not followed`);
        if (res.status >= 400) return { verdict: 'deny', superuser: false };
        return parseAnswer(text);
      } catch (e) {
        figures.errors++;
        ctx.log.warn({ err: (e as Error).message, url: spec.url }, 'rmqtt-auth-http: auth service unavailable');
        return { verdict: config.on_error, superuser: false, fromError: true };
      }
    }

    function vars(client: Client, extra: Record<string, string> = {}): Record<string, string> {
      const id = ctx.identity(client);
      return { '%c': id.clientid, '%u': id.username ?? '', '%a': id.ip, '%r': String(client.version ?? ''), ...extra };
    }

    return {
      async start(c) {
        config = c;
        cache = newCache(c);
        off = [
          ctx.hooks.add('authenticate', async (client, username, password) => {
            const answer = await ask(config.auth_req, { ...vars(client), '%u': username ?? '', '%P': password?.toString() ?? '' });
            if (answer.superuser && answer.verdict === 'allow') superusers.add(client);
            return answer.verdict;
          }, PRIORITY),
          ctx.hooks.add('authorizePublish', async (client, packet) => {
            if (!client) return 'ignore';
            if (superusers.has(client)) return 'allow';
            return config.acl_req ? (await ask(config.acl_req, vars(client, { '%t': packet.topic, '%A': '2' }))).verdict : 'ignore';
          }, PRIORITY),
          ctx.hooks.add('authorizeSubscribe', async (client, sub) => {
            if (superusers.has(client)) return 'allow';
            return config.acl_req ? (await ask(config.acl_req, vars(client, { '%t': ctx.filterOf(sub.topic), '%A': '1' }))).verdict : 'ignore';
          }, PRIORITY),
        ];
      },
      async stop() {
        for (const f of off) f();
        off = [];
        cache = undefined;
        return true;
      },
      async reload(c) {
        config = c;
        cache = newCache(c);
      },
      attrs: () => ({ ...figures, cache_size: cache?.size ?? 0 }),
    };
  },
});

/** The answer cache, or none when `cache_ttl` is 0. */
function newCache(c: AuthHttpConfig): LRUCache<string, Answer> | undefined {
  const ttl = parseDurationMs(c.cache_ttl);
  return ttl > 0 ? new LRUCache<string, Answer>({ max: c.cache_max_entries, ttl }) : undefined;
}

function parseAnswer(text: string): Answer {
  const plain = text.trim().toLowerCase();
  if (plain === 'allow' || plain === 'deny' || plain === 'ignore') return { verdict: plain, superuser: false };
  try {
    const body = JSON.parse(text) as { result?: unknown; is_superuser?: unknown };
    const result = body.result === 'deny' || body.result === 'ignore' ? body.result : 'allow';
    return { verdict: result, superuser: body.is_superuser === true };
  } catch {
    return { verdict: 'allow', superuser: false };
  }
}
