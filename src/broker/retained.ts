// Retained messages for the API (relaymq extension): listed, read and removed. They live in the
// store, which every node of a cluster shares, so any node answers for all of them. Removing one
// publishes nothing: current subscribers receive no empty message, and `retained.count` drops.
import type { MqttStore } from '../persistence/mqtt-store.ts';
import type { StoredPacket } from '../persistence/codec.ts';
import { topicMatches } from './topics.ts';
import { smallestAfter } from '../util/smallest.ts';

export interface RetainedQuery {
  /** A topic filter the topics must match. */
  match?: string;
  /** One exact topic. */
  topic?: string;
}

export class RetainedMessages {
  constructor(
    private readonly store: MqttStore,
    /** The stats' view: `count` is `retained.count`; `removed` tells them a message is gone. */
    private readonly stats: { count(): number; removed(topic: string): void },
  ) {}

  /** The first `limit` retained messages in topic order after `after`; the total when unfiltered. */
  list(q: RetainedQuery, after: string | undefined, limit: number): { rows: StoredPacket[]; total?: number } {
    const now = Date.now();
    const candidates = q.topic !== undefined ? [this.store.retainedMessage(q.topic)].filter((p) => p !== undefined) : this.store.retainedMessages();
    const live = filter(candidates, (p) => !expired(p, now) && (q.match === undefined || topicMatches(q.match, p.topic)));
    const rows = smallestAfter(live, (p) => p.topic, after, limit);
    return { rows, total: q.match === undefined && q.topic === undefined ? this.stats.count() : undefined };
  }

  get(topic: string): StoredPacket | undefined {
    const p = this.store.retainedMessage(topic);
    return p && !expired(p, Date.now()) ? p : undefined;
  }

  /** Removes the topic's retained message from the store; false when it had none. */
  async remove(topic: string): Promise<boolean> {
    if (!this.get(topic)) return false;
    await this.store.storeRetained({ cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 0, retain: true });
    this.stats.removed(topic);
    return true;
  }
}

function expired(p: StoredPacket, now: number): boolean {
  return p.messageExpiry !== undefined && p.messageExpiry <= now;
}

function* filter<T>(items: Iterable<T>, keep: (item: T) => boolean): Iterable<T> {
  for (const item of items) if (keep(item)) yield item;
}
