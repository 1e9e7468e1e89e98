// Where the store's changes go to be kept. The store holds its state in memory and hands every
// change to a Backend as a list of writes; it applies a change to its memory only once the
// backend has committed it, so memory never holds what the disk does not. `memory` keeps
// nothing (changes commit at once); `level` writes them to LevelDB in group commits.

export type WriteOp = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };

/** A write the store could not make durable: the broker must not acknowledge what depended on it. */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable';
}

export interface StoreHealth {
  healthy: boolean;
  /** Why the store is unhealthy; empty when healthy. */
  reason: string;
}

export interface Backend {
  /** True when writes take effect immediately (no disk): the store applies changes synchronously. */
  readonly immediate: boolean;
  /** The stored records (those whose key starts with `prefix`), in key order. */
  entries(prefix?: string): AsyncIterable<[string, Buffer]>;
  /** Commits the writes; resolves once they are durable, rejects with StoreUnavailable. */
  write(ops: WriteOp[]): Promise<void>;
  health(): StoreHealth;
  /** Called on every change of health (healthy → unhealthy and back). */
  onHealthChange(listener: (health: StoreHealth) => void): void;
  /** Waits for pending writes (bounded), then closes. Later writes reject. */
  close(): Promise<void>;
}

/** `persistence.type = "memory"`: nothing outlives the process. */
export class MemoryBackend implements Backend {
  readonly immediate = true;
  private closed = false;

  async *entries(): AsyncIterable<[string, Buffer]> {}

  write(): Promise<void> {
    return this.closed ? Promise.reject(new StoreUnavailable('the store is closed')) : Promise.resolve();
  }

  health(): StoreHealth {
    return { healthy: true, reason: '' };
  }

  onHealthChange(): void {}

  async close(): Promise<void> {
    this.closed = true;
  }
}
