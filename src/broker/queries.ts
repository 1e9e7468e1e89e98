// Filtering of sessions and subscriptions for the list endpoints. Filters combine with AND; a
// listing is the first `limit` matching rows in the order of their page key (api/paging.ts)
// after the cursor's key. Lookups by exact client id are O(1).
import type { operations } from '../../generated/openapi.js';
import type { SessionRecord, SessionRegistry, Qos } from './sessions.ts';
import { parseShared, topicMatches } from './topics.ts';
import { smallestAfter } from '../util/smallest.ts';

type Paging = '_limit' | '_cursor';
export type ClientQuery = Omit<NonNullable<operations['search_clients']['parameters']['query']>, Paging>;
export type SubscriptionQuery = Omit<NonNullable<operations['query_subscriptions']['parameters']['query']>, Paging>;

/** The order of each listing: rows compare by these keys (strings, by UTF-16 code units). */
export const pageKey = {
  client: (r: { clientid: string }) => r.clientid,
  subscription: (s: { clientid: string; share: string | null; topic: string }) => `${s.clientid}\u0000${s.share ?? ''}\u0000${s.topic}`,
  route: (r: { topic: string; node_id: number }) => `${r.topic}\u0000${String(r.node_id).padStart(10, '0')}`,
};

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
  queueLength: (r: SessionRecord) => number, after?: string): SessionRecord[] {
  const out: SessionRecord[] = [];
  // In client id order from the cursor on, so a page stops as soon as it is full. A substring of
  // the id is searched in the registry's id index before any record is read (a cache miss each,
  // at 100k sessions).
  const ids = q.clientid !== undefined ? (after === undefined || q.clientid > after ? [q.clientid] : [])
    : q._like_clientid !== undefined ? registry.idsContaining(q._like_clientid, after)
    : registry.idsAfter(after);
  const byQueue = q._gte_mqueue_len !== undefined || q._lte_mqueue_len !== undefined;
  for (const id of ids) {
    if (out.length >= limit) break;
    const r = registry.get(id);
    if (!r || !clientMatches(r, q)) continue;
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

export function findSubscriptions(registry: SessionRegistry, q: SubscriptionQuery, limit: number, after?: string): SubscriptionRow[] {
  return smallestAfter(matchingSubscriptions(registry, q), pageKey.subscription, after, limit);
}

function* matchingSubscriptions(registry: SessionRegistry, q: SubscriptionQuery): Iterable<SubscriptionRow> {
  const sessions = q.clientid !== undefined ? [registry.get(q.clientid)].filter((r) => r !== undefined)
    // Only the sessions of the routes matching the topic, found in the route trie.
    : q._match_topic !== undefined ? matchingSessions(registry, q._match_topic)
    : registry.values();
  for (const r of sessions) {
    for (const row of subscriptionRows(r)) {
      if (q.topic !== undefined && row.topic !== q.topic) continue;
      if (q.qos !== undefined && row.qos !== q.qos) continue;
      if (q.share !== undefined && row.share !== q.share) continue;
      if (q._match_topic !== undefined && !topicMatches(row.topic, q._match_topic)) continue;
      yield row;
    }
  }
}

/** Each session subscribed to a filter matching the topic, once. */
function matchingSessions(registry: SessionRegistry, topic: string): SessionRecord[] {
  const ids = new Set<string>();
  for (const route of registry.routes.matching(topic)) for (const id of route.clientids) ids.add(id);
  return [...ids].map((id) => registry.get(id)).filter((r) => r !== undefined);
}

/** The node's routes (topic filters with subscribers) in key order, those matching `topic` when given. */
export function findRoutes(registry: SessionRegistry, nodeId: number, limit: number, topic?: string, after?: string): { topic: string; node_id: number }[] {
  return smallestAfter(matchingRoutes(registry, nodeId, topic), pageKey.route, after, limit);
}

function* matchingRoutes(registry: SessionRegistry, nodeId: number, topic?: string): Iterable<{ topic: string; node_id: number }> {
  for (const f of registry.routeFilters()) if (topic === undefined || topicMatches(f, topic)) yield { topic: f, node_id: nodeId };
}
