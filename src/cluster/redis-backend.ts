// The store's Backend when nodes share their state through Redis (`cluster.type = "redis"`):
// a write is committed once Redis has applied it to the shared state and appended it to the
// cluster log (redis-log.ts). While Redis cannot be reached, writes fail at once and the broker
// acknowledges nothing that depended on them (the same rule as a failing disk).
import type { Redis } from 'ioredis';
import { StoreUnavailable, type Backend, type StoreHealth, type WriteOp } from '../persistence/backend.ts';
import type { RedisLog } from './redis-log.ts';

export class RedisBackend implements Backend {
  readonly immediate = false;
  private readonly listeners: ((h: StoreHealth) => void)[] = [];
  private closed = false;
  private last: StoreHealth;

  constructor(private readonly redis: Redis, private readonly log: RedisLog) {
    this.last = this.health();
    const changed = () => {
      const h = this.health();
      if (h.healthy === this.last.healthy) return;
      this.last = h;
      for (const l of this.listeners) l(h);
    };
    redis.on('ready', changed);
    redis.on('close', changed);
    redis.on('end', changed);
  }

  entries(prefix?: string): AsyncIterable<[string, Buffer]> {
    return this.log.entries(prefix);
  }

  async write(ops: WriteOp[]): Promise<void> {
    if (this.closed) throw new StoreUnavailable('the store is closed');
    try {
      await this.log.append(ops);
    } catch (e) {
      throw new StoreUnavailable(`Redis refused the write: ${(e as Error).message}`);
    }
  }

  health(): StoreHealth {
    return this.redis.status === 'ready' ? { healthy: true, reason: '' } : { healthy: false, reason: `Redis unreachable (${this.redis.status})` };
  }

  onHealthChange(listener: (health: StoreHealth) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
