// Who may use the API, decided before anything else about a request (before routing, before its
// body is read). With a bearer token configured, every request must carry it. Without one, the
// API answers only clients on this machine (loopback): an API that can kick clients and publish
// must not be open to the network by default.
import { timingSafeEqual, createHash } from 'node:crypto';
import { LoopbackOnly, Unauthorized, type ApiError } from './errors.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** `Bearer <token>`, compared in constant time. */
export function bearerMatches(header: string | string[] | undefined, token: string): boolean {
  if (typeof header !== 'string') return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  // Hashing first makes both sides the same length, so timingSafeEqual never short-cuts.
  return timingSafeEqual(digest(m[1]), digest(token));
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const ip = address.replace(/^::ffff:/, '');
  return ip === '::1' || /^127\.\d+\.\d+\.\d+$/.test(ip);
}

/**
 * Whether an operation answers anyone: the spec opens it (`security: []`: the probes, the
 * contract, the docs page) and no `<tag>_requires_token` setting (health_requires_token,
 * docs_requires_token) closes it again.
 */
export function openToAll(op: { security?: unknown[]; tags?: string[] } | undefined, settings: object): boolean {
  if (op?.security?.length !== 0) return false;
  return !op.tags?.some((tag) => (settings as Record<string, unknown>)[`${tag}_requires_token`] === true);
}

/** Why this request may not use the API, or undefined when it may. */
export function refuseAccess(authorization: string | string[] | undefined, token: string | undefined, remote: string | undefined): ApiError | undefined {
  if (token !== undefined) return bearerMatches(authorization, token) ? undefined : new Unauthorized();
  return isLoopback(remote) ? undefined : new LoopbackOnly();
}
