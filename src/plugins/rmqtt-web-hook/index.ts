// rmqtt-web-hook: POSTs broker events as JSON to HTTP endpoints. Events are queued — bounded in
// events (`queue_capacity`) and in bytes (`queue_max_bytes`), retries included: a full queue
// drops its oldest event, counted in attrs — and sent by at most `concurrency` requests at a
// time, each retried with exponential backoff; the broker never waits.
// Each rule picks an event, optionally topic filters (for client_(un)subscribe,
// session_(un)subscribed and message_* events) and its own URLs.
import { definePlugin } from '../plugin.ts';
import { duration } from '../../config/schema.ts';
import { parseDurationMs, formatDateTime } from '../../util/time.ts';
import { topicMatches } from '../../broker/topics.ts';
import type { BrokerEvents, MessageInfo } from '../../broker/hooks.ts';
import { JobQueue } from './queue.ts';

/** Web-hook event name → the broker event it reports. */
const EVENTS = {
  client_connect: 'client.connect',
  client_connack: 'client.connack',
  client_connected: 'client.connected',
  client_disconnected: 'client.disconnected',
  client_subscribe: 'client.subscribe',
  client_unsubscribe: 'client.unsubscribe',
  session_created: 'session.created',
  session_subscribed: 'session.subscribed',
  session_unsubscribed: 'session.unsubscribed',
  session_terminated: 'session.terminated',
  message_publish: 'message.publish',
  message_delivered: 'message.delivered',
  message_acked: 'message.acked',
  message_dropped: 'message.dropped',
} as const satisfies Record<string, keyof BrokerEvents>;
type HookEvent = keyof typeof EVENTS;

interface Rule { event: HookEvent; topics?: string[]; urls?: string[] }
interface WebHookConfig {
  urls: string[];
  rules: Rule[];
  queue_capacity: number;
  queue_max_bytes: number;
  concurrency: number;
  retries: number;
  retry_backoff: string;
  timeout: string;
}

interface Job { urls: string[]; body: string; bytes: number; attempt: number }

export default definePlugin<WebHookConfig>({
  name: 'rmqtt-web-hook',
  version: '0.1.0',
  descr: 'Broker events posted as JSON to HTTP endpoints',
  immutable: false,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      urls: { type: 'array', items: { type: 'string', pattern: '^https?://' }, default: [] },
      rules: {
        type: 'array',
        default: [],
        items: {
          type: 'object', additionalProperties: false, required: ['event'],
          properties: {
            event: { enum: Object.keys(EVENTS) },
            topics: { type: 'array', items: { type: 'string', minLength: 1 } },
            urls: { type: 'array', items: { type: 'string', pattern: '^https?://' } },
          },
        },
      },
      queue_capacity: { type: 'integer', minimum: 1, default: 100000 },
      queue_max_bytes: { type: 'integer', minimum: 1024, default: 64 * 1024 * 1024 },
      concurrency: { type: 'integer', minimum: 1, maximum: 1024, default: 8 },
      retries: { type: 'integer', minimum: 0, maximum: 20, default: 3 },
      retry_backoff: { ...duration, default: '500ms' },
      timeout: { ...duration, default: '5s' },
    },
  },
  create(ctx) {
    let config: WebHookConfig;
    let off: (() => void)[] = [];
    let running = 0;
    let stopped = true;
    const figures = { queued: 0, queued_bytes: 0, sent: 0, failed: 0, retried: 0, dropped: 0 };
    const nodeId = ctx.config.broker.node.id;
    const queue = new JobQueue<Job>({ maxJobs: 1, maxBytes: 1 }, () => { figures.dropped++; }, () => pump());

    function enqueue(job: Job, delayMs = 0): void {
      queue.push(job, delayMs);
      pump();
    }

    function pump(): void {
      while (!stopped && running < config.concurrency) {
        const job = queue.take();
        if (!job) break;
        running++;
        deliver(job).finally(() => { running--; pump(); });
      }
      figures.queued = queue.size;
      figures.queued_bytes = queue.bytes;
    }

    async function deliver(job: Job): Promise<void> {
      const failedUrls: string[] = [];
      for (const url of job.urls) {
        try {
          const res = await fetch(url, {
            method: 'POST', body: job.body, headers: { 'content-type': 'application/json' },
            signal: AbortSignal.timeout(Math.max(1, parseDurationMs(config.timeout))),
          });
          await res.arrayBuffer();
          if (res.status >= 400) throw new Error(`HTTP ${res.status}`);
          figures.sent++;
        } catch {
          failedUrls.push(url);
        }
      }
      if (failedUrls.length === 0) return;
      if (job.attempt >= config.retries) { figures.failed += failedUrls.length; return; }
      figures.retried++;
      const backoff = parseDurationMs(config.retry_backoff);
      enqueue({ ...job, urls: failedUrls, attempt: job.attempt + 1 }, backoff * 2 ** job.attempt);
    }

    function listen(): void {
      for (const rule of config.rules) {
        const urls = rule.urls ?? config.urls;
        if (urls.length === 0) continue;
        off.push(ctx.hooks.on(EVENTS[rule.event], (e: BrokerEvents[keyof BrokerEvents]) => {
          const topic = topicOf(e);
          if (rule.topics && (topic === undefined || !rule.topics.some((f) => topicMatches(f, topic)))) return;
          const body = JSON.stringify({ action: rule.event, node: nodeId, time: formatDateTime(Date.now()), ts: Date.now(), ...payloadOf(e) });
          enqueue({ urls, attempt: 0, body, bytes: Buffer.byteLength(body) });
        }));
      }
    }

    return {
      async start(c) {
        config = c;
        queue.setLimits({ maxJobs: c.queue_capacity, maxBytes: c.queue_max_bytes });
        stopped = false;
        listen();
      },
      async stop() {
        for (const f of off) f();
        off = [];
        stopped = true;
        queue.clear();
        figures.queued = 0;
        figures.queued_bytes = 0;
        return true;
      },
      async reload(c) {
        for (const f of off) f();
        off = [];
        config = c;
        queue.setLimits({ maxJobs: c.queue_capacity, maxBytes: c.queue_max_bytes });
        listen();
        pump();
      },
      attrs: () => ({ ...figures, inflight: running }),
    };
  },
});

function topicOf(e: object): string | undefined {
  const x = e as { message?: MessageInfo; filter?: string };
  return x.message?.topic ?? x.filter;
}

/** The event's fields, with the message flattened and its payload in base64. */
function payloadOf(e: object): Record<string, unknown> {
  const { message, ...rest } = e as { message?: MessageInfo } & Record<string, unknown>;
  if (!message) return rest;
  return {
    ...rest,
    from_clientid: message.from ?? null, topic: message.topic, qos: message.qos, retain: message.retain,
    source: message.source, payload: message.payload.toString('base64'), payload_encoding: 'base64',
  };
}
