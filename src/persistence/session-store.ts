// Where the session registry's own records (username, created_at, disconnected_at, expiry,
// last will…) live between restarts. The MQTT store keeps subscriptions, queued messages, wills
// and retained messages; this keeps the rest, in the same backend. A record's `subscriptions`
// are not kept (they are read back from the MQTT store, their authority): a session with many
// subscriptions costs no more to save than one with none.
import type { SessionRecord } from '../broker/sessions.ts';
import { Keys, decodeRecord, encodePlainRecord } from './codec.ts';
import type { Backend } from './backend.ts';

export interface SessionStore {
  /** Every stored record. Throws if the store cannot be read: relaymq never starts empty by accident. */
  load(): Promise<SessionRecord[]>;
  /** Stores (or replaces) a record. Writes are applied in call order. */
  save(rec: SessionRecord): void;
  delete(clientid: string): void;
  /** Resolves once every write issued so far is applied; rejects if one failed. */
  flush(): Promise<void>;
}

/** For `persistence.type = "memory"`: records live as long as the process. */
export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, SessionRecord>();

  async load(): Promise<SessionRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  save(rec: SessionRecord): void {
    this.records.set(rec.clientid, structuredClone({ ...rec, subscriptions: {} }));
  }

  delete(clientid: string): void {
    this.records.delete(clientid);
  }

  async flush(): Promise<void> {}
}

/** Records as `c/<client id>` entries of a durable backend (LevelDB), written in call order. */
export class BackendSessionStore implements SessionStore {
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(private readonly backend: Backend, private readonly onError: (err: Error) => void) {}

  /** Checks one stored record (at startup). Throws CorruptRecord for a damaged one. */
  static check(value: Buffer): void {
    decodeRecord(value);
  }

  async load(): Promise<SessionRecord[]> {
    await this.tail;
    const out: SessionRecord[] = [];
    for await (const [, value] of this.backend.entries(Keys.session(''))) out.push(decodeRecord(value).fields as unknown as SessionRecord);
    return out;
  }

  save(rec: SessionRecord): void {
    this.enqueue(this.backend.write([{ type: 'put', key: Keys.session(rec.clientid), value: encodePlainRecord({ ...rec, subscriptions: {} }) }]));
  }

  delete(clientid: string): void {
    this.enqueue(this.backend.write([{ type: 'del', key: Keys.session(clientid) }]));
  }

  async flush(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure;
  }

  private enqueue(write: Promise<void>): void {
    // The backend commits in call order; this only keeps track of the last write and its errors.
    this.tail = write.catch((err: Error) => {
      this.failure = err;
      this.onError(err);
    });
  }
}
