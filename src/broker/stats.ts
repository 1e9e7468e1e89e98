// The stats of a node (/stats): gauges read from the live state, each with the highest value
// seen since the node started. The gauges that cost O(1) are recorded on every event that can
// raise them (CONNECT, connection, session, subscription, retained message); the others
// (retained messages, whose expiry is checked, and connected clients' queues) on a
// once-a-second sample and on every read. No read walks the sessions or their queues. Keys come from the spec's Stats schema.
import type { Aedes } from 'aedes';
import { STATS_KEYS } from '../../generated/schema-keys.ts';
import type { FlowControl } from './flow-control.ts';
import type { Handshakes } from './handshakes.ts';
import type { MessageObserver } from './message-observer.ts';
import type { SessionRegistry } from './sessions.ts';
import type { BrokerHooks } from './hooks.ts';
import type { MqttStore } from '../persistence/mqtt-store.ts';
import type { components } from '../../generated/openapi.js';

export type Stats = components['schemas']['Stats'];

/**
 * Gauges of state every node of a cluster shares (retained messages): each node reports the
 * whole, so a cluster-wide figure takes it once, not once per node.
 */
export const SHARED_STATS: ReadonlySet<string> = new Set(['retained.count', 'retained.max']);

export class StatsCollector {
  /** The highest value of each gauge seen (a plain object: record() runs on every connection's events). */
  private readonly maxima: Record<string, number> = Object.create(null);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly broker: Aedes,
    private readonly registry: SessionRegistry,
    private readonly flow: FlowControl,
    private readonly handshakes: Handshakes,
    private readonly observer: MessageObserver,
    private readonly store: MqttStore,
  ) {}

  start(hooks: BrokerHooks): void {
    const onEvent = () => this.record(this.constantTime());
    for (const e of ['client.connect', 'client.connected', 'session.created', 'session.resumed', 'session.subscribed'] as const) hooks.on(e, onEvent);
    // Until the next sample purges them, this size may still include retained messages that just expired.
    hooks.on('message.publish', (e) => { if (e.message.retain) this.record({ retained: this.observer.retainedSize() }); });
    this.timer = setInterval(() => this.record(this.sample()), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async read(): Promise<Stats> {
    const now: Record<string, number> = { ...this.sample(), message_queues: this.messageQueues() };
    this.record(now);
    const out: Record<string, number> = {};
    for (const key of STATS_KEYS) {
      const [name, kind] = key.split('.');
      out[key] = kind === 'max' ? this.maxima[name] ?? 0 : now[name] ?? 0;
    }
    return out as Stats; // every key of the spec's Stats schema, by construction
  }

  /** The gauges that cost O(1) to read. */
  private constantTime(): Record<string, number> {
    const counts = this.registry.counts();
    const hs = this.handshakes.counts();
    return {
      connections: this.broker.connectedClients,
      handshakings: hs.handshakings,
      handshakings_active: hs.active,
      handshakings_rate: hs.rate,
      sessions: this.registry.size,
      topics: counts.routes,
      subscriptions: counts.subscriptions,
      subscriptions_shared: counts.shared,
      routes: counts.routes,
      // single node, no message storage plugin, no delayed publish: nothing to count (see spec)
      forwards: 0,
      message_storages: 0,
      delayed_publishs: 0,
    };
  }

  /** Every gauge but message_queues; walks the connected clients and the retained messages. */
  private sample(): Record<string, number> {
    return {
      ...this.constantTime(),
      retained: this.observer.retainedCount(),
      out_inflights: this.flow.totals().inflight,
      in_inflights: this.store.incomingCount(),
    };
  }

  /**
   * Queued in FlowControl for connected sessions, plus stored for offline ones: everything
   * stored less what connected clients have stored. O(1): the store keeps both totals.
   */
  private messageQueues(): number {
    return this.flow.totals().queued + this.store.totalQueued() - this.store.connectedQueued();
  }

  private record(now: Record<string, number>): void {
    // for…in, not Object.entries: no array of pairs per event.
    for (const k in now) if (!(now[k] <= this.maxima[k])) this.maxima[k] = now[k];
  }
}
