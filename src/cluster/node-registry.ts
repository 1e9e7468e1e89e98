// Which nodes form the cluster, in Redis: every node ever seen keeps a record
// (`relaymq:node:<id>`: name, incarnation, start time), and a live node keeps a heartbeat key
// (`relaymq:alive:<id>`) that expires NODE_TIMEOUT_MS after its last beat. A node registers
// before it opens its listeners, so no client of it exists before the others can see it alive
// (the trap of Aedes' own sweep: a node not heard from yet is not a dead node).
//
// A node is declared dead once, by every survivor, when its heartbeat key is gone — but only by a
// survivor whose own link to Redis has been up for a whole timeout, so that a Redis restart or
// a survivor's own reconnection never makes a live node look dead.
import type { Redis } from 'ioredis';

export const HEARTBEAT_MS = 1000;
/** A node not heard from for this long is dead (reported within 15 s, the bound). */
export const NODE_TIMEOUT_MS = 10_000;

const KNOWN = 'relaymq:nodes';
const recordKey = (id: number) => `relaymq:node:${id}`;
const aliveKey = (id: number) => `relaymq:alive:${id}`;
/** Set by the survivor that took over a dead node's run (see redis-cluster.ts). */
export const reapedKey = (incarnation: string) => `relaymq:reaped:${incarnation}`;

const DELETE_IF_OURS = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export interface NodeRecord {
  id: number;
  name: string;
  /** Different at every start: tells this run of the node from an earlier one. */
  incarnation: string;
  startedAt: number;
}

export class NodeIdInUse extends Error {
  override name = 'NodeIdInUse';
}

export class NodeRegistry {
  private timer?: NodeJS.Timeout;
  private readonly records = new Map<number, NodeRecord>();
  private readonly alive = new Set<number>();
  /** Incarnations already declared dead (each is declared once). */
  private readonly buried = new Set<string>();
  private linkUpSince = Date.now();
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    readonly self: NodeRecord,
    private readonly onDead: (node: NodeRecord) => void,
    /** This node was silent long enough for the others to call it dead and take its sessions. */
    private readonly onBuried: (err: Error) => void,
  ) {
    redis.on('ready', () => { this.linkUpSince = Date.now(); });
  }

  /** Registers this node; refuses when another running node already uses its id. */
  async register(): Promise<void> {
    const current = await this.redis.get(aliveKey(this.self.id));
    if (current) {
      const rec = JSON.parse((await this.redis.get(recordKey(this.self.id))) ?? '{}') as Partial<NodeRecord>;
      // The same node restarted before its heartbeat expired is not a conflict.
      if (rec.name !== this.self.name) throw new NodeIdInUse(`node id ${this.self.id} is in use by the running node '${rec.name}': give each node its own [node] id`);
    }
    await this.beat();
    await this.refresh();
    this.timer = setInterval(() => void this.tick(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Every node ever registered, this one first, then by id. */
  nodes(): NodeRecord[] {
    const others = [...this.records.values()].filter((r) => r.id !== this.self.id).sort((a, b) => a.id - b.id);
    return [this.self, ...others];
  }

  isAlive(id: number): boolean {
    return id === this.self.id ? !this.stopped : this.alive.has(id);
  }

  /** Whether an incarnation is the current run of a live node. */
  isLiveIncarnation(incarnation: string): boolean {
    if (incarnation === this.self.incarnation) return true;
    for (const id of this.alive) if (this.records.get(id)?.incarnation === incarnation) return true;
    return false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.timer) return; // never registered (refused at start): the id is another node's
    clearInterval(this.timer);
    // Leaving on purpose: the others need not wait for the heartbeat to expire (if the key is
    // still this run's).
    await this.redis.eval(DELETE_IF_OURS, 1, aliveKey(this.self.id), this.self.incarnation).catch(() => {});
  }

  private async tick(): Promise<void> {
    try {
      await this.beat();
      await this.refresh();
    } catch {
      // Redis unreachable: beats resume when it is back; nobody is declared dead meanwhile.
    }
  }

  private async beat(): Promise<void> {
    const replies = await this.redis.multi()
      .exists(reapedKey(this.self.incarnation))
      .set(recordKey(this.self.id), JSON.stringify(this.self))
      .set(aliveKey(this.self.id), this.self.incarnation, 'PX', NODE_TIMEOUT_MS)
      .sadd(KNOWN, String(this.self.id))
      .exec();
    // Frozen (a pause, a suspended VM) past the timeout: its sessions and wills are the others'
    // now, and going on would hold sessions twice. Only a fresh start can rejoin.
    if (replies?.[0]?.[1] === 1 && !this.stopped) this.onBuried(new Error(`this node was silent for over ${NODE_TIMEOUT_MS} ms and the cluster took over its sessions`));
  }

  private async refresh(): Promise<void> {
    const ids = (await this.redis.smembers(KNOWN)).map(Number).filter((id) => id !== this.self.id);
    if (ids.length === 0) return;
    const [records, beats] = await Promise.all([
      this.redis.mget(ids.map(recordKey)),
      this.redis.mget(ids.map(aliveKey)),
    ]);
    const settled = this.redis.status === 'ready' && Date.now() - this.linkUpSince >= NODE_TIMEOUT_MS;
    ids.forEach((id, i) => {
      const rec = records[i] ? (JSON.parse(records[i]!) as NodeRecord) : undefined;
      if (!rec) return;
      this.records.set(id, rec);
      const beat = beats[i];
      if (beat === rec.incarnation) {
        this.alive.add(id);
        return;
      }
      this.alive.delete(id);
      if (settled && !this.buried.has(rec.incarnation)) {
        this.buried.add(rec.incarnation);
        this.onDead(rec);
      }
    });
  }
}
