// The event stream of the whole cluster (GET /api/v2/events on any node shows every node's
// events). Events travel over Redis pub/sub, and only while someone watches: a node with event
// listeners keeps the key WATCHED_KEY alive and says so on WATCH_CHANNEL; every node forwards its
// own events to EVENTS_CHANNEL while that key exists, in one message per event-loop turn of at
// most MAX_BATCH events (beyond that, a turn's events are not forwarded: the stream is for
// dashboards, and must never slow the broker).
import type { Redis } from 'ioredis';
import type { EventFeed, EventSource, FeedEvent, FeedListener } from '../broker/event-feed.ts';

const EVENTS_CHANNEL = 'relaymq:events';
const WATCH_CHANNEL = 'relaymq:events:watch';
const WATCHED_KEY = 'relaymq:events:watched';
const WATCH_TTL_S = 30;
/** How often a watching node renews the key, and every node checks it. */
const RENEW_MS = 10_000;
const MAX_BATCH = 1000;

export class ClusterEvents implements EventSource {
  private readonly sub: Redis;
  private readonly listeners = new Set<FeedListener>();
  private renew?: NodeJS.Timeout;
  private check?: NodeJS.Timeout;
  private stopLocal?: () => void;
  /** This node's events not yet forwarded (this turn's). */
  private batch: FeedEvent[] = [];
  private stopForwarding?: () => void;

  constructor(private readonly redis: Redis, private readonly feed: EventFeed, private readonly nodeId: number) {
    this.sub = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.sub.on('error', () => {}); // reported by the main connection's listener
  }

  async start(): Promise<void> {
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === WATCH_CHANNEL) this.forwardWhileWatched();
      else if (channel === EVENTS_CHANNEL) this.received(text);
    });
    await this.sub.connect();
    await this.sub.subscribe(WATCH_CHANNEL, EVENTS_CHANNEL);
    this.forwardWhileWatched();
    this.check = setInterval(() => this.forwardWhileWatched(), RENEW_MS);
    this.check.unref();
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.watch();
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.unwatch();
    };
  }

  async close(): Promise<void> {
    clearInterval(this.check);
    this.unwatch();
    this.stopForwarding?.();
    this.sub.disconnect();
  }

  private watch(): void {
    // This node's own events come straight from its feed.
    this.stopLocal = this.feed.subscribe((e) => this.deliver(e));
    const announce = () => {
      this.redis.set(WATCHED_KEY, String(this.nodeId), 'EX', WATCH_TTL_S).catch(() => {});
      this.redis.publish(WATCH_CHANNEL, String(this.nodeId)).catch(() => {});
    };
    announce();
    this.renew = setInterval(announce, RENEW_MS);
    this.renew.unref();
  }

  private unwatch(): void {
    clearInterval(this.renew);
    this.stopLocal?.();
    this.stopLocal = undefined;
  }

  private deliver(e: FeedEvent): void {
    for (const l of this.listeners) l(e);
  }

  private received(text: string): void {
    if (this.listeners.size === 0) return;
    let events: unknown;
    try {
      events = JSON.parse(text);
    } catch {
      return; // not ours
    }
    if (!Array.isArray(events)) return;
    for (const e of events as FeedEvent[]) {
      if (e && typeof e === 'object' && typeof e.type === 'string' && e.node_id !== this.nodeId) this.deliver(e);
    }
  }

  /** Forwards this node's events while the key says that some node watches. */
  private forwardWhileWatched(): void {
    this.redis.exists(WATCHED_KEY).then((n) => {
      if (n > 0 && !this.stopForwarding) this.stopForwarding = this.feed.subscribe((e) => this.queue(e));
      else if (n === 0 && this.stopForwarding) {
        this.stopForwarding();
        this.stopForwarding = undefined;
      }
    }, () => {});
  }

  private queue(e: FeedEvent): void {
    if (this.batch.length === 0) setImmediate(() => this.flush());
    if (this.batch.length < MAX_BATCH) this.batch.push(e);
  }

  private flush(): void {
    const events = this.batch;
    this.batch = [];
    if (events.length) this.redis.publish(EVENTS_CHANNEL, JSON.stringify(events)).catch(() => {});
  }
}
