// The metrics counters of a node (/metrics): monotonic counts of broker events, every key of
// the spec's Metrics schema always present. Counting listens to BrokerEvents, so stopping the
// counter (unloading rmqtt-counter) stops counting and nothing else.
import type { BrokerEvents, BrokerHooks, MessageSource } from '../broker/hooks.ts';
import { METRICS_KEYS } from '../../generated/schema-keys.ts';
import type { components } from '../../generated/openapi.js';

export type Metrics = components['schemas']['Metrics'];

export class MetricsCounter {
  private readonly values = new Map<string, number>(METRICS_KEYS.map((k) => [k, 0]));
  private unsubscribe: (() => void)[] = [];

  snapshot(): Metrics {
    // Every key of the spec's Metrics schema is in `values` from the start.
    return Object.fromEntries(this.values) as Metrics;
  }

  get running(): boolean {
    return this.unsubscribe.length > 0;
  }

  start(hooks: BrokerHooks): void {
    if (this.running) return;
    const on = <K extends keyof BrokerEvents>(event: K, fn: (e: BrokerEvents[K]) => void) => this.unsubscribe.push(hooks.on(event, fn));
    on('client.connect', () => this.inc('client.connect'));
    on('client.authenticate', () => this.inc('client.authenticate'));
    on('client.connack', (e) => {
      this.inc('client.connack');
      if (e.code !== 0) this.inc('client.connack.error');
      if (e.authError) this.inc('client.connack.auth.error');
      if (!e.username) this.inc(e.code === 0 ? 'client.auth.anonymous' : 'client.auth.anonymous.error');
    });
    on('client.connected', () => this.inc('client.connected'));
    on('client.disconnected', () => this.inc('client.disconnected'));
    on('client.handshaking.timeout', () => this.inc('client.handshaking.timeout'));
    on('client.publish.check', (e) => {
      this.inc('client.publish.check.acl');
      if (!e.allowed) { this.inc('client.publish.auth.error'); this.inc('client.publish.error'); }
    });
    on('client.subscribe', () => this.inc('client.subscribe'));
    on('client.subscribe.check', (e) => {
      this.inc('client.subscribe.check.acl');
      if (!e.allowed) this.inc('client.subscribe.auth.error');
    });
    on('client.subscribe.error', () => this.inc('client.subscribe.error'));
    on('client.unsubscribe', () => this.inc('client.unsubscribe'));
    on('session.created', () => this.inc('session.created'));
    on('session.resumed', () => this.inc('session.resumed'));
    on('session.subscribed', () => this.inc('session.subscribed'));
    on('session.unsubscribed', () => this.inc('session.unsubscribed'));
    on('session.terminated', () => this.inc('session.terminated'));
    on('message.publish', (e) => {
      this.bySource('messages.publish', e.message.source);
      if (!e.routed) this.bySource('messages.nonsubscribed', e.message.source);
    });
    on('message.delivered', (e) => this.bySource('messages.delivered', e.message.source));
    on('message.acked', (e) => this.bySource('messages.acked', e.message.source));
    on('message.dropped', () => this.inc('messages.dropped'));
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /** `${base}.${source}` keys, built once (this runs for every message). */
  private readonly sourceKeys = new Map<string, Record<string, string>>();

  private bySource(base: string, source: MessageSource): void {
    this.inc(base);
    let keys = this.sourceKeys.get(base);
    if (!keys) this.sourceKeys.set(base, (keys = {}));
    this.inc((keys[source] ??= `${base}.${source}`));
  }

  private inc(key: string): void {
    this.values.set(key, (this.values.get(key) ?? 0) + 1);
  }
}
