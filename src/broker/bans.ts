// Bans (relaymq extension): client ids, usernames and IP address ranges refused at CONNECT — MQTT
// 5 with CONNACK 0x8A (Banned), MQTT 3 with return code 5 (Not authorized) — until they expire.
// The bans are in the store (persistence/ban-store.ts), shared by every node of a cluster; this
// is the broker's side: checking a CONNECT, adding and lifting bans, listing them.
import { BlockList, isIP } from 'node:net';
import type { Client } from 'aedes';
import type { BanKind, BanRecord, BanStore } from '../persistence/ban-store.ts';
import { banKey } from '../persistence/ban-store.ts';
import type { BrokerHooks } from './hooks.ts';
import { socketOf } from './client-info.ts';
import { smallestAfter } from '../util/smallest.ts';

/** The most bans kept (documented in the spec): each CONNECT is checked against the address bans. */
export const MAX_BANS = 100_000;
const BANNED = 0x8a;

export class BanError extends Error {
  override name = 'BanError';
}

export interface BanRequest {
  as: BanKind;
  who: string;
  reason?: string;
  until?: number;
  duration?: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class BanList {
  /** The address ranges of the `ipaddr` bans, compiled, by range (the ban's `who`). */
  private readonly ranges = new Map<string, BlockList>();

  constructor(private readonly store: BanStore) {
    store.onChange((ban, present) => {
      if (ban.as !== 'ipaddr') return;
      if (present) this.ranges.set(ban.who, compileRange(ban.who));
      else this.ranges.delete(ban.who);
    });
    for (const ban of store.values()) if (ban.as === 'ipaddr') this.ranges.set(ban.who, compileRange(ban.who));
  }

  /** Refuses a banned client's CONNECT: first in the authentication chain. */
  install(hooks: BrokerHooks): void {
    hooks.add('authenticate', (client, username) => (this.banning(client.id, username, socketOf(client).remoteAddress) ? { refuse: BANNED } : 'ignore'), 0);
  }

  /** The ban in force that matches a client, if any. */
  banning(clientid: string, username: string | undefined, ip: string): BanRecord | undefined {
    const now = nowSeconds();
    const live = (b: BanRecord | undefined) => (b && (b.until === null || b.until > now) ? b : undefined);
    const byId = live(this.store.get('clientid', clientid));
    if (byId) return byId;
    const byName = username === undefined ? undefined : live(this.store.get('username', username));
    if (byName) return byName;
    if (this.ranges.size === 0 || !ip) return undefined;
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    for (const [who, range] of this.ranges) {
      if (!range.check(ip, family)) continue;
      const ban = live(this.store.get('ipaddr', who));
      if (ban) return ban;
    }
    return undefined;
  }

  /** Whether a connected client matches the ban. */
  matches(ban: BanRecord, client: Client, username: string | undefined): boolean {
    switch (ban.as) {
      case 'clientid': return client.id === ban.who;
      case 'username': return username === ban.who;
      case 'ipaddr': {
        const ip = socketOf(client).remoteAddress;
        return Boolean(ip) && (this.ranges.get(ban.who) ?? compileRange(ban.who)).check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
      }
    }
  }

  /** Adds (or replaces) a ban; throws BanError for a bad request. */
  async add(req: BanRequest): Promise<BanRecord> {
    const now = nowSeconds();
    if (req.until !== undefined && req.duration !== undefined) throw new BanError("give 'until' or 'duration', not both");
    if (req.until !== undefined && req.until <= now) throw new BanError(`'until' (${req.until}) is not in the future`);
    const who = req.as === 'ipaddr' ? canonicalRange(req.who) : req.who;
    if (!this.store.get(req.as, who)) {
      if (this.store.size - this.purgeExpired().length >= MAX_BANS) throw new BanError(`at most ${MAX_BANS} bans can be in force`);
    }
    const ban: BanRecord = {
      as: req.as, who, reason: req.reason ?? '', created_at: now,
      until: req.until ?? (req.duration !== undefined ? now + req.duration : null),
    };
    await this.store.put(ban);
    return ban;
  }

  /** Lifts a ban; false when there is none in force. */
  async remove(as: BanKind, who: string): Promise<boolean> {
    const key = as === 'ipaddr' ? canonicalRangeOrSame(who) : who;
    const ban = this.store.get(as, key);
    if (!ban) return false;
    const expired = ban.until !== null && ban.until <= nowSeconds();
    await this.store.delete(as, key);
    return !expired;
  }

  /** Bans in force in (as, who) order after the cursor key; expired ones are removed on the way. */
  list(after: string | undefined, limit: number): { rows: BanRecord[]; total: number } {
    const expired = new Set(this.purgeExpired());
    const live = [...this.store.values()].filter((b) => !expired.has(b));
    return { rows: smallestAfter(live, (b) => banKey(b.as, b.who), after, limit), total: live.length };
  }

  /** Starts removing the expired bans from the store; returns them. */
  private purgeExpired(): BanRecord[] {
    const now = nowSeconds();
    const expired = [...this.store.values()].filter((b) => b.until !== null && b.until <= now);
    for (const b of expired) this.store.delete(b.as, b.who).catch(() => {});
    return expired;
  }
}

/** An address or CIDR range in canonical form (`10.1.2.3/16` → `10.1.0.0/16`); throws BanError. */
function canonicalRange(text: string): string {
  const [addr, bits, ...rest] = text.trim().split('/');
  const family = isIP(addr ?? '');
  if (!family || rest.length) throw new BanError(`'${text}' is not an IP address or CIDR range`);
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw new BanError(`'${text}' has a prefix length outside 0–${max}`);
  return `${networkOf(addr!, family, prefix)}/${prefix}`;
}

function canonicalRangeOrSame(text: string): string {
  try {
    return canonicalRange(text);
  } catch {
    return text;
  }
}

/** The first address of the range, written canonically. */
function networkOf(addr: string, family: number, prefix: number): string {
  if (family === 4) {
    const n = addr.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const net = (n & mask) >>> 0;
    return [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
  }
  const words = expandIpv6(addr);
  let big = words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
  const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
  big &= mask;
  const out: string[] = [];
  for (let i = 7; i >= 0; i--) out.push(((big >> BigInt(i * 16)) & 0xffffn).toString(16));
  return compressIpv6(out);
}

function expandIpv6(addr: string): number[] {
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const p = v4[1].split('.').map(Number);
    text = text.slice(0, v4.index) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((w) => parseInt(w, 16));
}

function compressIpv6(words: string[]): string {
  // The longest run of zero words (two or more) becomes '::' (RFC 5952).
  let best = [-1, 0];
  for (let i = 0; i < 8;) {
    if (words[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > best[1] && j - i > 1) best = [i, j - i];
    i = j;
  }
  if (best[0] < 0) return words.join(':');
  return `${words.slice(0, best[0]).join(':')}::${words.slice(best[0] + best[1]).join(':')}`;
}

function compileRange(canonical: string): BlockList {
  const list = new BlockList();
  const [addr, bits] = canonical.split('/');
  const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
  list.addSubnet(addr, Number(bits), family);
  return list;
}
