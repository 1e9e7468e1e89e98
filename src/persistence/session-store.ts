// Where the session registry's own records (username, created_at, disconnected_at, expiry,
// last will…) live between restarts. Aedes' persistence keeps subscriptions, queued messages,
// wills and retained messages; this keeps the rest, in the same database.
import type { AbstractSublevel } from 'abstract-level';
import type { SessionRecord } from '../broker/sessions.ts';

export interface SessionStore {
  /** Every stored record. Throws if the store cannot be read: relaymq never starts empty by accident. */
  load(): Promise<SessionRecord[]>;
  /** Stores (or replaces) a record. Writes are applied in call order. */
  save(rec: SessionRecord): void;
  delete(clientid: string): void;
  /** Resolves once every write issued so far is applied. */
  flush(): Promise<void>;
}

/** For `persistence.type = "memory"`: records live as long as the process. */
export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, SessionRecord>();

  async load(): Promise<SessionRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  save(rec: SessionRecord): void {
    this.records.set(rec.clientid, structuredClone(rec));
  }

  delete(clientid: string): void {
    this.records.delete(clientid);
  }

  async flush(): Promise<void> {}
}

type JsonSublevel = AbstractSublevel<any, any, string, SessionRecord>;

/** LevelDB: one JSON value per client id in the `sessions` sublevel. */
export class LevelSessionStore implements SessionStore {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;

  constructor(private readonly db: JsonSublevel, private readonly onError: (err: Error) => void) {}

  async load(): Promise<SessionRecord[]> {
    return this.db.values().all();
  }

  save(rec: SessionRecord): void {
    const value = structuredClone(rec);
    this.enqueue(() => this.db.put(rec.clientid, value));
  }

  delete(clientid: string): void {
    this.enqueue(() => this.db.del(clientid));
  }

  async flush(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure;
  }

  private enqueue(op: () => Promise<unknown>): void {
    this.tail = this.tail.then(op).catch((err: Error) => {
      this.failure = err;
      this.onError(err);
    });
  }
}
