// Cursors of the list endpoints (relaymq extension). A page is the `limit` rows that come first
// in a fixed order among those after the cursor, so a row that exists throughout a listing is
// returned exactly once, however the data changes between pages. The cursor is the last row's
// key, opaque to clients (base64url); `X-Next-Cursor` carries it, absent on the last page. Any
// cursor is a position in the order, so none is refused. The body stays the seed's array, so
// RMQTT clients are unaffected.
import type { ApiContext, ApiRequest, OperationId } from './types.ts';
import type { ClusterNode } from '../broker/cluster.ts';
import { compareKeys } from '../util/smallest.ts';

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** The key after which the page starts, or undefined for the first page. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
}

/**
 * The first `limit` rows in key order (rows are already those after the cursor, each node's
 * smallest `limit + 1`): sets X-Next-Cursor when more follow, and X-Total-Count when known.
 */
export function page<T, K extends OperationId>(req: ApiRequest<K>, rows: T[], key: (row: T) => string, limit: number, total?: number): T[] {
  const sorted = rows.map((row) => ({ row, k: key(row) })).sort((a, b) => compareKeys(a.k, b.k));
  const out = sorted.slice(0, limit);
  if (sorted.length > limit) req.reply.header('X-Next-Cursor', encodeCursor(out[out.length - 1].k));
  if (total !== undefined) req.reply.header('X-Total-Count', String(total));
  return out.map((r) => r.row);
}

/**
 * A listing over every node: each node answers its first `limit + 1` rows after the cursor (one
 * that is down answers none), and the page is the first `limit` of them all in key order.
 */
export async function pageFromNodes<T, K extends OperationId>(req: ApiRequest<K>, ctx: ApiContext,
  opts: { limit: number; cursor: string | undefined; key: (row: T) => string },
  query: (node: ClusterNode, limit: number, after: string | undefined) => Promise<T[]>): Promise<T[]> {
  const after = decodeCursor(opts.cursor);
  const nodes = await ctx.cluster.nodes();
  const rows = (await Promise.all(nodes.map((n) => query(n, opts.limit + 1, after)))).flat();
  return page(req, rows, opts.key, opts.limit);
}
