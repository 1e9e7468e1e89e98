// The web hook's queue, bounded in events and in bytes — retries waiting for their backoff
// included — so that an endpoint that is down under load costs a fixed amount of memory. When
// a new event does not fit, the oldest are dropped (those waiting to be sent first, then those
// waiting to be retried), each reported to `onDrop`.

export interface QueuedJob { bytes: number }

interface Waiting<J> { job: J; due: number }

export class JobQueue<J extends QueuedJob> {
  private ready: J[] = [];
  private waiting: Waiting<J>[] = [];
  private total = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private limits: { maxJobs: number; maxBytes: number },
    private readonly onDrop: (job: J) => void,
    /** Called when waiting jobs become ready. */
    private readonly onReady: () => void,
  ) {}

  setLimits(limits: { maxJobs: number; maxBytes: number }): void {
    this.limits = limits;
    this.makeRoom(0);
  }

  get size(): number {
    return this.ready.length + this.waiting.length;
  }

  get bytes(): number {
    return this.total;
  }

  /** Queues a job, ready now or (a retry) after `delayMs`; false when it can never fit. */
  push(job: J, delayMs = 0): boolean {
    if (job.bytes > this.limits.maxBytes) {
      this.onDrop(job);
      return false;
    }
    this.makeRoom(job.bytes);
    this.total += job.bytes;
    if (delayMs <= 0) this.ready.push(job);
    else {
      this.waiting.push({ job, due: Date.now() + delayMs });
      this.schedule();
    }
    return true;
  }

  /** The oldest job ready to go, if any. */
  take(): J | undefined {
    const job = this.ready.shift();
    if (job) this.total -= job.bytes;
    return job;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.ready = [];
    this.waiting = [];
    this.total = 0;
  }

  private makeRoom(bytes: number): void {
    while (this.size > 0 && (this.size + 1 > this.limits.maxJobs || this.total + bytes > this.limits.maxBytes)) {
      const dropped = this.ready.length ? this.ready.shift()! : this.waiting.shift()!.job;
      this.total -= dropped.bytes;
      this.onDrop(dropped);
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.waiting.length === 0) return;
    const next = Math.min(...this.waiting.map((w) => w.due));
    this.timer = setTimeout(() => this.release(), Math.max(0, next - Date.now()));
    this.timer.unref();
  }

  private release(): void {
    const now = Date.now();
    const due = this.waiting.filter((w) => w.due <= now);
    this.waiting = this.waiting.filter((w) => w.due > now);
    for (const w of due) this.ready.push(w.job);
    this.schedule();
    if (due.length) this.onReady();
  }
}
