// Which subscriptions a client may make, before any ACL plugin is asked (the first
// authorizeSubscribe hook), with the most specific reason code for each refusal:
//   more filters in one SUBSCRIBE than max_topic_filters_per_subscribe   0x97 Quota exceeded
//   a malformed shared filter (`$share//t`, `$share/g`)                  0x8F Topic Filter invalid
//   a wildcard while Wildcard Subscription Available is 0                0xA2 [MQTT-3.8.3-..]
//   a shared filter while Shared Subscription Available is 0             0x9E (Aedes, for MQTT 5)
//   a filter under relaymq's internal `$relaymq/` topics                 0x87 Not authorized
//   beyond max_subscriptions for the session                             0x97 Quota exceeded
// A QoS above the server's Maximum QoS is granted at that maximum (the SUBACK says so).
// It also gives shared filters their internal form (topics.ts) before Aedes sees the packet.
import { ReasonCode } from './reason-codes.ts';
import type { Client, Subscription } from 'aedes';
import type { BrokerHooks, Verdict } from './hooks.ts';
import type { InboundObserver } from './aedes-seam.ts';
import { INTERNAL_DENIED_PREFIX, fromInternal, parseShared, toInternal } from './topics.ts';

export interface SubscribeLimits {
  maxSubscriptions: number;
  maxFiltersPerSubscribe: number;
  maxQos: 0 | 1 | 2;
  wildcardsAvailable: boolean;
  sharedAvailable: boolean;
}

const { QUOTA_EXCEEDED, TOPIC_FILTER_INVALID } = ReasonCode;
const WILDCARDS_NOT_SUPPORTED = ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED;
/** A malformed shared filter is parked here (so Aedes does not answer 0x9E for it) and refused. */
const INVALID_SHARE_PREFIX = '$relaymq/invalid/';

export class SubscribeRules {
  /** Subscriptions refused while the packet was read, with their reason code. */
  private readonly refusals = new WeakMap<Subscription, number>();
  /** Filters granted in a SUBSCRIBE still being handled, counted against max_subscriptions. */
  private readonly approved = new WeakMap<Client, Set<string>>();

  constructor(private readonly limits: SubscribeLimits) {}

  install(hooks: BrokerHooks, onSubscribed: (listener: (subs: unknown, client: Client) => void) => void): void {
    hooks.add('authorizeSubscribe', (client, sub) => this.check(client, sub), 10);
    onSubscribed((_subs, client) => this.approved.delete(client));
  }

  /** The internal form of a filter a client names (SUBSCRIBE and UNSUBSCRIBE alike). */
  internal(filter: string): string {
    if (filter.startsWith('$share/') && !this.limits.sharedAvailable) return filter;
    if (filter.startsWith('$share/') && !parseShared(filter)) return INVALID_SHARE_PREFIX + filter;
    return toInternal(filter);
  }

  readonly inbound: InboundObserver = (_client, packet) => {
    if (packet.cmd === 'unsubscribe') {
      packet.unsubscriptions = packet.unsubscriptions?.map((f) => this.internal(f));
      return;
    }
    if (packet.cmd !== 'subscribe') return;
    const subs = packet.subscriptions ?? [];
    const tooMany = subs.length > this.limits.maxFiltersPerSubscribe;
    for (const s of subs) {
      s.topic = this.internal(s.topic);
      if (tooMany) this.refusals.set(s, QUOTA_EXCEEDED);
      else if (s.topic.startsWith(INVALID_SHARE_PREFIX)) this.refusals.set(s, TOPIC_FILTER_INVALID);
    }
  };

  private check(client: Client, sub: Subscription): Verdict {
    const refusal = this.refusals.get(sub);
    if (refusal !== undefined) return { refuse: refusal };
    if (sub.topic.startsWith(INTERNAL_DENIED_PREFIX)) return 'deny';
    if (!this.limits.wildcardsAvailable) {
      const filter = fromInternal(sub.topic);
      if (/[+#]/.test(parseShared(filter)?.filter ?? filter)) return { refuse: WILDCARDS_NOT_SUPPORTED };
    }
    const max = this.limits.maxSubscriptions;
    if (max > 0 && !Object.hasOwn(client.subscriptions, sub.topic)) {
      const pending = this.approved.get(client) ?? new Set<string>();
      const count = new Set([...Object.keys(client.subscriptions), ...pending]).size;
      if (count >= max && !pending.has(sub.topic)) return { refuse: QUOTA_EXCEEDED };
      pending.add(sub.topic);
      this.approved.set(client, pending);
    }
    // Granted at most at the server's Maximum QoS [MQTT-3.2.2-9]; Aedes' SUBACK reports it (patch 018).
    if (sub.qos > this.limits.maxQos) sub.qos = this.limits.maxQos;
    return 'ignore';
  }
}
