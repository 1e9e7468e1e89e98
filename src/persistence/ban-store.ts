// The bans (relaymq extension) as the store keeps them: in memory, and every change written to
// the store's backend first (so they survive restarts, and in a cluster every node has them).
import type { Backend } from './backend.ts';
import { decodeRecord, encodeRecord, Keys } from './codec.ts';

export type BanKind = 'clientid' | 'username' | 'ipaddr';

export interface BanRecord {
  as: BanKind;
  who: string;
  reason: string;
  /** Epoch seconds. */
  created_at: number;
  /** Epoch seconds when it expires; null: never. */
  until: number | null;
}

export const banKey = (as: string, who: string) => `${as}\u0000${who}`;

export class BanStore {
  private readonly bans = new Map<string, BanRecord>();
  private listener: (ban: BanRecord, present: boolean) => void = () => {};

  constructor(private readonly backend: Backend) {}

  /** Hears of every change, also those read at start and those made by other nodes. */
  onChange(listener: (ban: BanRecord, present: boolean) => void): void {
    this.listener = listener;
  }

  /** A stored record (at startup, or another node's change); `value` undefined: removed. Throws CorruptRecord. */
  apply(key: string, value: Buffer | undefined): void {
    const [as, encoded] = key.slice(2).split('/');
    const who = decodeURIComponent(encoded ?? '');
    const before = this.bans.get(banKey(as, who));
    if (value === undefined) {
      if (!before) return;
      this.bans.delete(banKey(as, who));
      return this.listener(before, false);
    }
    const ban = decodeRecord(value).fields as unknown as BanRecord;
    this.bans.set(banKey(ban.as, ban.who), ban);
    this.listener(ban, true);
  }

  get size(): number {
    return this.bans.size;
  }

  get(as: BanKind, who: string): BanRecord | undefined {
    return this.bans.get(banKey(as, who));
  }

  values(): IterableIterator<BanRecord> {
    return this.bans.values();
  }

  async put(ban: BanRecord): Promise<void> {
    await this.backend.write([{ type: 'put', key: Keys.ban(ban.as, ban.who), value: encodeRecord(ban) }]);
    this.bans.set(banKey(ban.as, ban.who), ban);
    this.listener(ban, true);
  }

  /** false when there was no such ban. */
  async delete(as: BanKind, who: string): Promise<boolean> {
    const ban = this.get(as, who);
    if (!ban) return false;
    await this.backend.write([{ type: 'del', key: Keys.ban(as, who) }]);
    // Another delete may have finished first while this one was written.
    if (this.bans.delete(banKey(as, who))) this.listener(ban, false);
    return true;
  }
}
