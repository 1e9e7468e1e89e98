// The stored subscriptions in memory, for the MQTT store (mqtt-store.ts): by client, and in a
// trie (qlobber's, as Aedes' own stores use) of the QoS 1/2 ones, which a message is queued for.
import QlobberSub from 'qlobber/aedes/qlobber-sub.js';

export const TRIE_OPTIONS = { separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true };

export interface StoredSubscription {
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}

export const isWildcardFirst = (filter: string) => filter.startsWith('+') || filter.startsWith('#');

export class SubscriptionIndex {
  private readonly byClient = new Map<string, Map<string, StoredSubscription>>();
  private readonly trie = new QlobberSub(TRIE_OPTIONS);

  /** A client's subscriptions by topic filter (do not modify). */
  of(clientId: string): ReadonlyMap<string, StoredSubscription> | undefined {
    return this.byClient.get(clientId);
  }

  set(clientId: string, topic: string, sub: StoredSubscription): void {
    let subs = this.byClient.get(clientId);
    if (!subs) this.byClient.set(clientId, (subs = new Map()));
    const previous = subs.get(topic);
    subs.set(topic, sub);
    if (sub.qos > 0) this.trie.add(topic, { clientId, topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl });
    else if (previous && previous.qos > 0) this.trie.remove(topic, { clientId, topic });
  }

  delete(clientId: string, topic: string): void {
    const subs = this.byClient.get(clientId);
    const previous = subs?.get(topic);
    if (!subs || !previous) return;
    subs.delete(topic);
    if (previous.qos > 0) this.trie.remove(topic, { clientId, topic });
    if (subs.size === 0) this.byClient.delete(clientId);
  }

  /** QoS 1/2 subscriptions matching a topic; none with a leading wildcard for '$' topics [MQTT-4.7.2-1]. */
  matching(topic: string): { clientId: string; topic: string; qos: number }[] {
    const subs = this.trie.match(topic) as { clientId: string; topic: string; qos: number }[];
    return topic.startsWith('$') ? subs.filter((s) => !isWildcardFirst(s.topic)) : subs;
  }

  counts(): { subsCount: number; clientsCount: number } {
    return { subsCount: this.trie.subscriptionsCount, clientsCount: this.byClient.size };
  }

  /** The clients subscribed to exactly this filter. O(clients): Aedes asks only in its tests. */
  clientsWith(topic: string): string[] {
    return [...this.byClient].filter(([, subs]) => subs.has(topic)).map(([id]) => id);
  }
}
