// Filtering of sessions and subscriptions for the list endpoints. Filters combine with AND and
// every scan stops as soon as `limit` rows are found. Lookups by exact client id are O(1).
import type { operations } from '../../generated/openapi.js';
import type { SessionRecord, SessionRegistry, Qos } from './sessions.ts';
import { parseShared, topicMatches } from './topics.ts';

export type ClientQuery = NonNullable<operations['search_clients']['parameters']['query']>;
export type SubscriptionQuery = NonNullable<operations['query_subscriptions']['parameters']['query']>;

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Every filter of `q` except the queue length ones (they need the live queue). */
export function clientMatches(r: SessionRecord, q: ClientQuery): boolean {
  if (q.clientid !== undefined && r.clientid !== q.clientid) return false;
  if (q.username !== undefined && (r.username ?? 'undefined') !== q.username) return false;
  if (q.ip_address !== undefined && r.ip_address !== q.ip_address) return false;
  if (q.connected !== undefined && r.connected !== q.connected) return false;
  if (q.clean_start !== undefined && r.clean_start !== q.clean_start) return false;
  if (q.session_present !== undefined && r.session_present !== q.session_present) return false;
  if (q.proto_ver !== undefined && r.proto_ver !== q.proto_ver) return false;
  if (q._like_clientid !== undefined && !r.clientid.includes(q._like_clientid)) return false;
  if (q._like_username !== undefined && !(r.username ?? '').includes(q._like_username)) return false;
  if (q._gte_created_at !== undefined && seconds(r.created_at) < q._gte_created_at) return false;
  if (q._lte_created_at !== undefined && seconds(r.created_at) > q._lte_created_at) return false;
  if (q._gte_connected_at !== undefined && seconds(r.connected_at) < q._gte_connected_at) return false;
  if (q._lte_connected_at !== undefined && seconds(r.connected_at) > q._lte_connected_at) return false;
  return true;
}

export function findClients(registry: SessionRegistry, q: ClientQuery, limit: number,
  queueLength: (r: SessionRecord) => number): SessionRecord[] {
  const candidates = q.clientid !== undefined ? [registry.get(q.clientid)].filter((r) => r !== undefined) : registry.values();
  const out: SessionRecord[] = [];
  const byQueue = q._gte_mqueue_len !== undefined || q._lte_mqueue_len !== undefined;
  for (const r of candidates) {
    if (out.length >= limit) break;
    if (!clientMatches(r, q)) continue;
    if (byQueue) {
      const n = queueLength(r);
      if (q._gte_mqueue_len !== undefined && n < q._gte_mqueue_len) continue;
      if (q._lte_mqueue_len !== undefined && n > q._lte_mqueue_len) continue;
    }
    out.push(r);
  }
  return out;
}

export interface SubscriptionRow {
  clientid: string;
  client_addr: string;
  topic: string;
  qos: Qos;
  share: string | null;
}

export function subscriptionRows(r: SessionRecord): SubscriptionRow[] {
  return Object.entries(r.subscriptions).map(([filter, qos]) => {
    const s = parseShared(filter);
    return {
      clientid: r.clientid,
      client_addr: r.connected ? `${r.ip_address}:${r.port}` : '',
      topic: s ? s.filter : filter,
      qos,
      share: s ? s.group : null,
    };
  });
}

export function findSubscriptions(registry: SessionRegistry, q: SubscriptionQuery, limit: number): SubscriptionRow[] {
  const sessions = q.clientid !== undefined ? [registry.get(q.clientid)].filter((r) => r !== undefined)
    // Only the sessions of the routes matching the topic, found in the route trie.
    : q._match_topic !== undefined ? matchingSessions(registry, q._match_topic)
    : registry.values();
  const out: SubscriptionRow[] = [];
  for (const r of sessions) {
    for (const row of subscriptionRows(r)) {
      if (out.length >= limit) return out;
      if (q.topic !== undefined && row.topic !== q.topic) continue;
      if (q.qos !== undefined && row.qos !== q.qos) continue;
      if (q.share !== undefined && row.share !== q.share) continue;
      if (q._match_topic !== undefined && !topicMatches(row.topic, q._match_topic)) continue;
      out.push(row);
    }
  }
  return out;
}

/** Each session subscribed to a filter matching the topic, once. */
function matchingSessions(registry: SessionRegistry, topic: string): SessionRecord[] {
  const ids = new Set<string>();
  for (const route of registry.routes.matching(topic)) for (const id of route.clientids) ids.add(id);
  return [...ids].map((id) => registry.get(id)).filter((r) => r !== undefined);
}

export function findRoutes(registry: SessionRegistry, limit: number, topic?: string): string[] {
  const out: string[] = [];
  for (const f of registry.routeFilters()) {
    if (out.length >= limit) break;
    if (topic === undefined || topicMatches(f, topic)) out.push(f);
  }
  return out;
}
