// The live event feed behind GET /api/v2/events: broker events (hooks.ts) in the API's shape,
// for listeners that come and go. It listens to the hooks only while someone listens to it, so a
// broker nobody watches pays nothing per message. Listeners must not block: each gets events
// synchronously and buffers them itself (api/events.ts bounds that buffer).
import type { BrokerEvents, BrokerHooks } from './hooks.ts';

export const FEED_EVENT_TYPES = [
  'client.connected', 'client.disconnected', 'client.subscribed', 'client.unsubscribed',
  'session.created', 'session.expired', 'message.dropped', 'plugin.loaded', 'plugin.unloaded',
] as const;
export type FeedEventType = (typeof FEED_EVENT_TYPES)[number];

export interface FeedEvent {
  type: FeedEventType;
  node_id: number;
  /** Epoch milliseconds. */
  time: number;
  clientid?: string | null;
  [field: string]: unknown;
}

export type FeedListener = (e: FeedEvent) => void;

/** Where the API takes events from: this node's feed, or the whole cluster's. */
export interface EventSource {
  subscribe(listener: FeedListener): () => void;
}

/** Each feed event: the broker event it comes from, and its fields (undefined: not reported). */
type Translation = { [K in keyof BrokerEvents]?: [FeedEventType, (e: BrokerEvents[K]) => Record<string, unknown> | undefined] };
const TRANSLATIONS: Translation = {
  'client.connected': ['client.connected', (e) => ({ clientid: e.clientid, username: e.username ?? null, ip_address: e.ip, proto_ver: e.proto_ver })],
  'client.disconnected': ['client.disconnected', (e) => ({ clientid: e.clientid, reason: e.reason })],
  'session.subscribed': ['client.subscribed', (e) => ({ clientid: e.clientid, topic: e.filter, qos: e.qos })],
  'session.unsubscribed': ['client.unsubscribed', (e) => ({ clientid: e.clientid, topic: e.filter })],
  'session.created': ['session.created', (e) => ({ clientid: e.clientid })],
  'session.terminated': ['session.expired', (e) => (e.reason === 'expired' ? { clientid: e.clientid } : undefined)],
  'message.dropped': ['message.dropped', (e) => ({ clientid: e.clientid ?? null, topic: e.message.topic, qos: e.message.qos, reason: e.reason })],
  'plugin.loaded': ['plugin.loaded', (e) => ({ plugin: e.plugin })],
  'plugin.unloaded': ['plugin.unloaded', (e) => ({ plugin: e.plugin })],
};

export class EventFeed implements EventSource {
  private readonly listeners = new Set<FeedListener>();
  private unhook: (() => void)[] = [];

  constructor(private readonly hooks: BrokerHooks, private readonly nodeId: number) {}

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.attach();
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.detach();
    };
  }

  private attach(): void {
    for (const [name, [type, fields]] of Object.entries(TRANSLATIONS) as [keyof BrokerEvents, [FeedEventType, (e: unknown) => Record<string, unknown> | undefined]][]) {
      this.unhook.push(this.hooks.on(name, (e) => {
        const f = fields(e);
        if (!f) return;
        const event: FeedEvent = { type, node_id: this.nodeId, time: Date.now(), ...f };
        for (const l of this.listeners) l(event);
      }));
    }
  }

  private detach(): void {
    for (const off of this.unhook.splice(0)) off();
  }
}
