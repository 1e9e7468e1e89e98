// The metrics counters of a node (/metrics): monotonic counts of broker events, every key of
// the spec's Metrics schema always present. Counting listens to BrokerEvents, so stopping the
// counter (unloading rmqtt-counter) stops counting and nothing else.
import type { BrokerEvents, BrokerHooks, MessageSource } from '../broker/hooks.ts';
import { METRICS_KEYS } from '../../generated/schema-keys.ts';
import type { components } from '../../generated/openapi.js';

export type Metrics = components['schemas']['Metrics'];

/** Every source a message can have, each counted under `<base>.<source>`. */
const SOURCES: readonly MessageSource[] = ['admin', 'custom', 'lastwill', 'retain', 'system', 'bridge'];

type MetricsKey = (typeof METRICS_KEYS)[number];

export class MetricsCounter {
  /**
   * One slot per key of the spec's Metrics schema, in METRICS_KEYS order. The listeners that run
   * for every message find their slots once, at start: counting a message is an array increment.
   */
  private readonly counts = new Float64Array(METRICS_KEYS.length);
  private unsubscribe: (() => void)[] = [];

  snapshot(): Metrics {
    return Object.fromEntries(METRICS_KEYS.map((k, i) => [k, this.counts[i]])) as Metrics;
  }

  get running(): boolean {
    return this.unsubscribe.length > 0;
  }

  start(hooks: BrokerHooks): void {
    if (this.running) return;
    const on = <K extends keyof BrokerEvents>(event: K, fn: (e: BrokerEvents[K]) => void) => this.unsubscribe.push(hooks.on(event, fn));
    const counts = this.counts;
    const one = (key: MetricsKey) => { const i = slot(key); return () => { counts[i]++; }; };
    const inc = (key: MetricsKey) => { counts[slot(key)]++; };
    on('client.connect', one('client.connect'));
    on('client.authenticate', one('client.authenticate'));
    on('client.connack', (e) => {
      inc('client.connack');
      if (e.code !== 0) inc('client.connack.error');
      if (e.authError) inc('client.connack.auth.error');
      if (!e.username) inc(e.code === 0 ? 'client.auth.anonymous' : 'client.auth.anonymous.error');
    });
    on('client.connected', one('client.connected'));
    on('client.disconnected', one('client.disconnected'));
    on('client.handshaking.timeout', one('client.handshaking.timeout'));
    const publishChecked = slot('client.publish.check.acl');
    on('client.publish.check', (e) => {
      counts[publishChecked]++;
      if (!e.allowed) { inc('client.publish.auth.error'); inc('client.publish.error'); }
    });
    on('client.subscribe', one('client.subscribe'));
    on('client.subscribe.check', (e) => {
      inc('client.subscribe.check.acl');
      if (!e.allowed) inc('client.subscribe.auth.error');
    });
    on('client.subscribe.error', one('client.subscribe.error'));
    on('client.unsubscribe', one('client.unsubscribe'));
    on('session.created', one('session.created'));
    on('session.resumed', one('session.resumed'));
    on('session.subscribed', one('session.subscribed'));
    on('session.unsubscribed', one('session.unsubscribed'));
    on('session.terminated', one('session.terminated'));
    const published = bySource('messages.publish');
    const unrouted = bySource('messages.nonsubscribed');
    on('message.publish', (e) => {
      published(e.message.source);
      if (!e.routed) unrouted(e.message.source);
    });
    const delivered = bySource('messages.delivered');
    on('message.delivered', (e) => delivered(e.message.source));
    const acked = bySource('messages.acked');
    on('message.acked', (e) => acked(e.message.source));
    on('message.dropped', one('messages.dropped'));

    /** Counts `base` and `base.<source>` (this runs for every message). */
    function bySource(base: MetricsKey): (source: MessageSource) => void {
      const total = slot(base);
      const perSource = Object.fromEntries(SOURCES.map((s) => [s, slot(`${base}.${s}` as MetricsKey)])) as Record<MessageSource, number>;
      return (source) => { counts[total]++; counts[perSource[source]]++; };
    }
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }
}

const SLOTS = new Map<string, number>(METRICS_KEYS.map((k, i) => [k, i]));

function slot(key: MetricsKey): number {
  const i = SLOTS.get(key);
  if (i === undefined) throw new Error(`not a key of the Metrics schema: ${key}`);
  return i;
}
