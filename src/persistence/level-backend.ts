// The LevelDB backend: one database under data_dir/store.
//
// Group commit: writes that arrive while a batch is being written wait and go out together in
// the next batch, so many publishers share one disk write (with `persistence.sync = true`, one
// fsync). Batches are written one at a time, in order.
//
// Health: a failed batch (disk full, I/O error) makes the store unhealthy. Every write is then
// refused at once (nothing is acknowledged that is not kept), and every second the database is
// closed, reopened and probed with a synced write; the first success makes it healthy again.
// Reopening matters: after a failed write LevelDB may keep a half-written log record, which is
// only cleared by replaying the log on open.
//
// Corruption: classic-level cannot turn on LevelDB's paranoid checks. LevelDB reports what it
// skipped while replaying its log in its info LOG ("(ignoring error) … Corruption"), and then
// rewrites the log without it, so the loss is silent and permanent. relaymq reads that LOG after
// every open; a reported corruption is remembered in a marker file, so that every later start
// refuses too, until the operator repairs (persistence.repair) or moves the store away.
import { readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { StoreUnavailable, type Backend, type StoreHealth, type WriteOp } from './backend.ts';
import { migrateLegacyStore, type MigrationReport } from './migrate.ts';
import type { Logger } from '../util/log.ts';

/** The store could not be opened as it is; the message names the directory and what to do. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export class StoreCorrupt extends StoreError {
  override name = 'StoreCorrupt';
}

const MARKER = 'RELAYMQ-CORRUPT';
const RECOVERY_INTERVAL_MS = 1000;
/** Longest wait for pending writes when closing. */
const CLOSE_WAIT_MS = 5000;

type Db = ClassicLevel<string, Buffer>;

interface Pending { ops: WriteOp[]; resolve: () => void; reject: (e: Error) => void }

export class LevelBackend implements Backend {
  readonly immediate = false;
  private pending: Pending[] = [];
  private flushing = false;
  private state: StoreHealth = { healthy: true, reason: '' };
  private listeners: ((h: StoreHealth) => void)[] = [];
  private recovery?: NodeJS.Timeout;
  private closing = false;

  private constructor(private db: Db, readonly dir: string, private readonly sync: boolean, private readonly log: Logger) {}

  /** Opens the database, refusing a store that LevelDB reported (now or before) as corrupt. */
  static async open(dir: string, opts: { sync: boolean; log: Logger }): Promise<LevelBackend> {
    const marker = join(dir, MARKER);
    if (existsSync(marker)) throw new StoreCorrupt(readFileSync(marker, 'utf8').trim());
    const db = await openDb(dir);
    const damage = recoveryDamage(dir);
    if (damage) {
      await db.close();
      const message = corruptMessage(dir, `LevelDB dropped damaged records while replaying its log: ${damage}`);
      writeFileSync(marker, message + '\n');
      throw new StoreCorrupt(message);
    }
    return new LevelBackend(db, dir, opts.sync, opts.log);
  }

  /**
   * Runs LevelDB's repair on a store (persistence.repair = true) and forgets the corruption
   * marker. Returns what LevelDB reported while repairing (tables and logs it skipped).
   */
  static async repair(dir: string): Promise<string[]> {
    await ClassicLevel.repair(dir);
    rmSync(join(dir, MARKER), { force: true });
    return damageLines(readLog(dir));
  }

  /** Rewrites a store of relaymq 0.1 in this format (once; see migrate.ts). */
  migrateLegacy(): Promise<MigrationReport | undefined> {
    return migrateLegacyStore(this.db);
  }

  async *entries(prefix = ''): AsyncIterable<[string, Buffer]> {
    const range = prefix ? { gte: prefix, lt: prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1) } : {};
    for await (const entry of this.db.iterator({ ...range, keyEncoding: 'utf8', valueEncoding: 'buffer' })) yield entry;
  }

  write(ops: WriteOp[]): Promise<void> {
    if (this.closing) return Promise.reject(new StoreUnavailable('the store is closed'));
    if (!this.state.healthy) return Promise.reject(new StoreUnavailable(`the store is unavailable: ${this.state.reason}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ ops, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  health(): StoreHealth {
    return { ...this.state };
  }

  onHealthChange(listener: (h: StoreHealth) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.recovery);
    const deadline = Date.now() + CLOSE_WAIT_MS;
    while (this.flushing && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    this.rejectPending(new StoreUnavailable('the store is closed'));
    if (this.db.status === 'open') await this.db.close();
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const ops = batch.length === 1 ? batch[0].ops : batch.flatMap((b) => b.ops);
    try {
      if (ops.length) await this.db.batch(ops, { sync: this.sync });
      for (const b of batch) b.resolve();
    } catch (e) {
      const err = new StoreUnavailable(`a store write failed: ${(e as Error).message}`);
      for (const b of batch) b.reject(err);
      this.fail((e as Error).message);
    }
    if (this.pending.length && this.state.healthy && !this.closing) {
      setImmediate(() => void this.flush());
    } else {
      this.flushing = false;
    }
  }

  private fail(reason: string): void {
    this.rejectPending(new StoreUnavailable(`the store is unavailable: ${reason}`));
    if (!this.state.healthy) return;
    this.setState({ healthy: false, reason });
    this.scheduleRecovery();
  }

  private scheduleRecovery(): void {
    if (this.closing) return;
    this.recovery = setTimeout(() => void this.recover(), RECOVERY_INTERVAL_MS);
    this.recovery.unref();
  }

  /** Reopens the database and proves it writable with a synced probe. */
  private async recover(): Promise<void> {
    if (this.closing || this.flushing) return this.scheduleRecovery();
    try {
      if (this.db.status === 'open') await this.db.close();
      this.db = await openDb(this.dir);
      const damage = recoveryDamage(this.dir);
      if (damage) throw new Error(`LevelDB reported damage while reopening: ${damage}`);
      await this.db.put('m/probe', Buffer.from(String(Date.now())), { sync: true });
    } catch (e) {
      this.state.reason = (e as Error).message;
      return this.scheduleRecovery();
    }
    this.setState({ healthy: true, reason: '' });
  }

  private setState(next: StoreHealth): void {
    this.state = next;
    if (next.healthy) this.log.warn({ dir: this.dir }, 'store writable again: accepting messages');
    else this.log.error({ dir: this.dir, reason: next.reason }, 'store write failed: refusing what cannot be kept until it recovers');
    for (const l of this.listeners) {
      try {
        l({ ...next });
      } catch (err) {
        this.log.error({ err }, 'store health listener failed');
      }
    }
  }

  private rejectPending(err: Error): void {
    const batch = this.pending;
    this.pending = [];
    for (const b of batch) b.reject(err);
  }
}

async function openDb(dir: string): Promise<Db> {
  const db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  try {
    await db.open();
  } catch (e) {
    throw new StoreError(describeOpenError(dir, e as Error & { cause?: Error & { code?: string } }));
  }
  return db;
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'LOG'), 'utf8');
  } catch {
    return '';
  }
}

function damageLines(log: string): string[] {
  return log.split('\n').filter((l) => /ignoring error|corruption|dropping/i.test(l)).map((l) => l.replace(/^\S+ \S+ /, '').trim());
}

/** What LevelDB's info LOG of the last open says it skipped, or '' when nothing. */
function recoveryDamage(dir: string): string {
  return damageLines(readLog(dir)).join('; ');
}

export function corruptMessage(dir: string, what: string): string {
  return `the store in ${dir} is corrupt (${what}); set persistence.repair = true to repair it and start with what can be read, or restore a backup`;
}

function describeOpenError(dir: string, e: Error & { cause?: Error & { code?: string }; code?: string }): string {
  const cause = e.cause ?? e;
  if (cause.code === 'LEVEL_LOCKED' || /lock/i.test(cause.message)) {
    return `data directory ${dir} is in use by another process (its LevelDB lock is held); stop it or set persistence.data_dir`;
  }
  if (cause.code === 'LEVEL_CORRUPTION' || /corrupt/i.test(cause.message)) {
    return corruptMessage(dir, cause.message);
  }
  return `cannot open the store in ${dir}: ${cause.message}`;
}
