// The cluster's shared state and its history, in Redis. The state is one hash (the same keys
// and values a node's LevelDB store holds, see persistence/codec.ts); every change to it is
// appended, in the same script, to one stream, the log. Messages routed between nodes go into
// that log too. Every node keeps the state in memory (reads stay local lookups) and follows
// the log from where its snapshot was taken; because a node's writes and its messages go down
// one connection, the log orders them: a node applying the log sees a message queued for a
// session before the message itself arrives.
//
// Writes are idempotent (whole values put or deleted), so a snapshot read while others write
// converges once the log is replayed from a point before the read began.
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { WriteOp } from '../persistence/backend.ts';
import { redactUrl } from '../util/redact-url.ts';

export const KEYS = {
  state: 'relaymq:state',
  log: 'relaymq:log',
  /** Block numbers for queue entries (see `sequence`). */
  seq: 'relaymq:seq',
  /** Made once when the cluster's state is first written: a Redis that lost its data lacks it. */
  epoch: 'relaymq:epoch',
};

/** Entries the log keeps; a node that falls further behind than this must restart (it resyncs). */
const MAX_LOG = 1_000_000;
/** Messages per log entry at most, and bytes (a larger message goes alone; see publish). */
const MESSAGES_PER_ENTRY = 500;
const BYTES_PER_ENTRY = 1 << 20;
/** Operations per log entry (one XADD); a larger write is several entries of one atomic script. */
const OPS_PER_ENTRY = 500;

// KEYS: state, log. ARGV: origin, maxlen, then per op 'p' key value | 'd' key.
const APPEND_SCRIPT = `
local state, log, origin, maxlen = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local fields, ops, id = {'o', origin}, 0, nil
local i = 3
while i <= #ARGV do
  local op, key = ARGV[i], ARGV[i + 1]
  if op == 'p' then
    redis.call('HSET', state, key, ARGV[i + 2])
    fields[#fields + 1] = 'p'; fields[#fields + 1] = key; fields[#fields + 1] = 'v'; fields[#fields + 1] = ARGV[i + 2]
    i = i + 3
  else
    redis.call('HDEL', state, key)
    fields[#fields + 1] = 'd'; fields[#fields + 1] = key
    i = i + 2
  end
  ops = ops + 1
  if ops == ${OPS_PER_ENTRY} or i > #ARGV then
    id = redis.call('XADD', log, 'MAXLEN', '~', maxlen, '*', unpack(fields))
    fields, ops = {'o', origin}, 0
  end
end
return id
`;

/** One entry of the log as another node wrote it: store changes, routed messages, or one chosen delivery. */
export interface LogEntry {
  origin: string;
  ops: WriteOp[];
  /** Encoded PUBLISH packets (persistence/codec.ts) for the nodes' local subscribers, with their topics. */
  messages: { topic: string; message: Buffer }[];
  /** A message for one client only (a shared-subscription member another node chose): its node delivers it. */
  chosen?: { message: Buffer; node: number; clientid: string; group: string };
}

export class ClusterStateLost extends Error {
  override name = 'ClusterStateLost';
}

export function redisOptions(extra: RedisOptions = {}): RedisOptions {
  return {
    lazyConnect: true,
    // What cannot reach Redis now fails now: the broker refuses to acknowledge it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    // Commands issued in one turn of the event loop go to Redis in one write.
    enableAutoPipelining: true,
    ...extra,
  };
}

/** Stream ids ("<ms>-<seq>") compared as numbers. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

export class RedisLog {
  private readonly reader: Redis;
  private lastId = '0-0';
  private following = false;
  private closed = false;
  private waiters: { id: string; resolve: () => void }[] = [];
  private lagCheck?: NodeJS.Timeout;
  private epoch?: string;
  /** The head asked for this turn (see headThisTurn). */
  private turnHead?: Promise<string>;
  /** Messages published this turn, not yet sent (see publish). */
  private batch?: { fields: (string | Buffer)[]; bytes: number; sent: Promise<void>; settle: (err?: Error) => void };

  /**
   * `origin` names this node's incarnation: entries it wrote itself are skipped (they are applied
   * when written). `onEntry` gets every other entry, in log order.
   */
  constructor(
    private readonly redis: Redis,
    private readonly origin: string,
    private readonly onFatal: (err: Error) => void,
  ) {
    this.redis.defineCommand('relaymqAppend', { numberOfKeys: 2, lua: APPEND_SCRIPT });
    // Blocking reads get a connection of their own; it may queue while reconnecting.
    this.reader = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.reader.on('error', () => {}); // reported by the main connection's listener
  }

  /** The cluster's state this node reads from now on (made by the first node ever to start). */
  async attach(): Promise<void> {
    await this.redis.set(KEYS.epoch, randomUUID(), 'NX');
    this.epoch = (await this.redis.get(KEYS.epoch)) ?? undefined;
  }

  /** Applies store changes to the shared state and appends them to the log. */
  async append(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    this.flushBatch();
    const args: (string | Buffer)[] = [this.origin, String(MAX_LOG)];
    for (const op of ops) {
      if (op.type === 'put') args.push('p', op.key, op.value);
      else args.push('d', op.key);
    }
    await (this.redis as unknown as { relaymqAppend(...a: unknown[]): Promise<unknown> }).relaymqAppend(KEYS.state, KEYS.log, ...args);
  }

  /**
   * Sends a message to the other nodes, after every change this node appended before it. The
   * messages of one turn of the event loop go as one log entry (one command to write, one to
   * read); any other write sends them first, so the log keeps this node's order.
   */
  publish(topic: string, message: Buffer): Promise<void> {
    let batch = this.batch;
    if (!batch) {
      let settle!: (err?: Error) => void;
      const sent = new Promise<void>((resolve, reject) => { settle = (err) => (err ? reject(err) : resolve()); });
      sent.catch(() => {}); // each caller sees the outcome; none is left unhandled
      batch = this.batch = { fields: ['o', this.origin], bytes: 0, sent, settle };
      setImmediate(() => this.flushBatch());
    }
    batch.fields.push('k', topic, 'm', message);
    batch.bytes += message.length;
    const sent = batch.sent;
    if (batch.fields.length >= 2 + 4 * MESSAGES_PER_ENTRY || batch.bytes >= BYTES_PER_ENTRY) this.flushBatch();
    return sent;
  }

  /** Sends a message for one client of one node (after this node's earlier changes); the other nodes skip it. */
  async publishTo(node: number, clientid: string, group: string, message: Buffer): Promise<void> {
    this.flushBatch();
    await this.redis.xadd(KEYS.log, 'MAXLEN', '~', MAX_LOG, '*', 'o', this.origin, 'm', message, 'n', String(node), 't', clientid, 'g', group);
  }

  private flushBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    this.redis.xadd(KEYS.log, 'MAXLEN', '~', MAX_LOG, '*', ...batch.fields).then(() => batch.settle(), (e: Error) => batch.settle(e));
  }

  /** The id of the log's newest entry ('0-0' for an empty log). */
  async head(): Promise<string> {
    const last = await this.redis.xrevrange(KEYS.log, '+', '-', 'COUNT', 1);
    return last.length ? last[0][0] : '0-0';
  }

  /** Every record of the shared state whose key starts with `prefix`. */
  async *entries(prefix = ''): AsyncIterable<[string, Buffer]> {
    const match = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscanBuffer(KEYS.state, cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next.toString();
      for (let i = 0; i < flat.length; i += 2) yield [flat[i].toString('utf8'), flat[i + 1]];
    } while (cursor !== '0');
  }

  /** Follows the log from `from` (an id taken before the snapshot was read), calling onEntry. */
  follow(from: string, onEntry: (entry: LogEntry) => void): void {
    this.lastId = from;
    this.following = true;
    this.reader.connect().catch(() => {}); // retried by ioredis
    // A node that lost its place (Redis restarted empty, or the log was trimmed past it)
    // cannot know what it missed: checked at every reconnection and every 10 s.
    this.redis.on('ready', () => this.checkPlace());
    this.lagCheck = setInterval(() => this.checkPlace(), 10_000);
    this.lagCheck.unref();
    void this.readLoop(onEntry);
  }

  /**
   * Resolves once this node has applied every entry the log held when it was called: reads after
   * it see every change made anywhere before (used before a session is resumed).
   */
  async barrier(timeoutMs = 5000): Promise<void> {
    const id = await this.headThisTurn();
    if (compareIds(this.lastId, id) >= 0) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = { id, resolve: () => { clearTimeout(timer); resolve(); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('the cluster log did not catch up in time'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * The log's head, asked once per turn of the event loop: the filters of one SUBSCRIBE (or the
   * many subscriptions of a resumed session) are authorized together and share one request.
   */
  private headThisTurn(): Promise<string> {
    if (!this.turnHead) {
      this.turnHead = this.head();
      this.turnHead.catch(() => {});
      setImmediate(() => { this.turnHead = undefined; });
    }
    return this.turnHead;
  }

  /** A number no other node ever uses for a queue entry: blocks of 2^32 per start. */
  async sequenceBlock(): Promise<number> {
    return (await this.redis.incr(KEYS.seq)) * 2 ** 32;
  }

  async close(): Promise<void> {
    this.flushBatch();
    this.closed = true;
    clearInterval(this.lagCheck);
    this.reader.disconnect();
  }

  private async readLoop(onEntry: (entry: LogEntry) => void): Promise<void> {
    while (!this.closed) {
      let res: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        res = await this.reader.xreadBuffer('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', KEYS.log, this.lastId) as typeof res;
      } catch {
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const [rawId, fields] of res?.[0]?.[1] ?? []) {
        const id = rawId.toString();
        const entry = decodeEntry(fields);
        if (entry.origin !== this.origin) {
          try {
            onEntry(entry);
          } catch (e) {
            this.onFatal(e as Error);
          }
        }
        this.lastId = id;
      }
      if (this.waiters.length) {
        const ready = this.waiters.filter((w) => compareIds(this.lastId, w.id) >= 0);
        this.waiters = this.waiters.filter((w) => compareIds(this.lastId, w.id) < 0);
        for (const w of ready) w.resolve();
      }
    }
  }

  private checkPlace(): void {
    if (!this.following || this.closed) return;
    this.redis.get(KEYS.epoch).then((epoch) => {
      if (epoch !== this.epoch) this.onFatal(new ClusterStateLost('Redis no longer has the cluster\'s state (it restarted without its data)'));
    }, () => {});
    // Compared with where this node was when it asked: the reader may apply newer entries before
    // the answer arrives, and those say nothing about what Redis had when it answered.
    const at = this.lastId;
    this.redis.xinfo('STREAM', KEYS.log).then((raw) => {
      const info = new Map<string, unknown>();
      const flat = raw as unknown[];
      for (let i = 0; i < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      const last = String(info.get('last-generated-id') ?? '0-0');
      const trimmed = String(info.get('max-deleted-entry-id') ?? '0-0');
      if (compareIds(last, at) < 0) this.onFatal(new ClusterStateLost(`Redis no longer has the cluster log this node followed (at ${at}, Redis at ${last}): it restarted without its data`));
      else if (compareIds(trimmed, at) > 0) this.onFatal(new ClusterStateLost(`this node fell more than ${MAX_LOG} entries behind the cluster log and lost its place`));
    }, (err: Error & { message: string }) => {
      if (/no such key/i.test(err.message) && at !== '0-0') this.onFatal(new ClusterStateLost('Redis no longer has the cluster log: it restarted without its data'));
    });
  }
}

function decodeEntry(fields: Buffer[]): LogEntry {
  const entry: LogEntry = { origin: '', ops: [], messages: [] };
  let topic: string | undefined;
  let chosen: Partial<NonNullable<LogEntry['chosen']>> | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i].toString();
    const value = fields[i + 1];
    switch (name) {
      case 'o': entry.origin = value.toString(); break;
      case 'p': entry.ops.push({ type: 'put', key: value.toString('utf8'), value: fields[i + 3] }); i += 2; break;
      case 'd': entry.ops.push({ type: 'del', key: value.toString('utf8') }); break;
      case 'k': topic = value.toString('utf8'); break;
      case 'm':
        if (topic !== undefined) entry.messages.push({ topic, message: value });
        else chosen = { ...chosen, message: value };
        topic = undefined;
        break;
      case 'n': chosen = { ...chosen, node: Number(value.toString()) }; break;
      case 't': chosen = { ...chosen, clientid: value.toString('utf8') }; break;
      case 'g': chosen = { ...chosen, group: value.toString('utf8') }; break;
      default:
    }
  }
  if (chosen?.message && chosen.clientid !== undefined) entry.chosen = { node: -1, group: '', ...chosen } as LogEntry['chosen'];
  return entry;
}

/** Connects, or throws one line saying why Redis cannot be reached. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, redisOptions());
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(e as Error).message}`);
  }
  return redis;
}

