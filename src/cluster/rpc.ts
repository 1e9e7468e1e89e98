// How one node asks another a question of the ClusterNode interface (an API request for
// another node's clients, plugins, stats…): a request on Redis pub/sub channel
// `relaymq:rpc:<node id>`, the answer on the asker's own channel. JSON both ways; a thrown error
// travels as its name and message. Only the methods listed in `RPC_METHODS` are served.
import type { Redis } from 'ioredis';
import type { ClusterNode } from '../broker/cluster.ts';

/** What another node may ask this one: the async queries and actions of ClusterNode. */
export const RPC_METHODS = [
  'brokerInfo', 'notReady', 'health', 'nodeInfo', 'stats', 'metrics',
  'clients', 'client', 'sessionCount', 'online', 'subscriptions', 'routes', 'sessionMessages',
  'plugins', 'plugin', 'pluginConfig', 'loadPlugin', 'unloadPlugin', 'reloadPlugin',
  'publish', 'subscribe', 'unsubscribe', 'kick', 'kickMatching', 'disconnectBanned',
] as const;
export type RpcMethod = (typeof RPC_METHODS)[number];

/** How long a node has to answer before the asker treats it as not running. */
export const RPC_TIMEOUT_MS = 3000;

const requestChannel = (id: number) => `relaymq:rpc:${id}`;

/** The node did not answer: it is down, or too slow. */
export class NodeUnreachable extends Error {
  override name = 'NodeUnreachable';
}

/** An error the other node's method threw, with its name. */
export class RemoteError extends Error {
  constructor(override name: string, message: string) {
    super(message);
  }
}

interface Request { id: number; reply: string; method: RpcMethod; args: unknown[] }
interface Reply { id: number; result?: unknown; error?: { name: string; message: string } }

export class Rpc {
  private readonly sub: Redis;
  private readonly replyChannel: string;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 0;
  private readonly allowed = new Set<string>(RPC_METHODS);

  constructor(private readonly redis: Redis, private readonly self: ClusterNode, incarnation: string) {
    this.sub = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.sub.on('error', () => {}); // reported by the main connection's listener
    this.replyChannel = `relaymq:rpc-reply:${incarnation}`;
  }

  async start(): Promise<void> {
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === this.replyChannel) this.onReply(text);
      else void this.serve(text);
    });
    await this.sub.connect();
    await this.sub.subscribe(requestChannel(this.self.id), this.replyChannel);
  }

  /** Calls `method` on node `nodeId`; rejects with NodeUnreachable after RPC_TIMEOUT_MS. */
  call(nodeId: number, method: RpcMethod, args: unknown[]): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NodeUnreachable(`node ${nodeId} did not answer within ${RPC_TIMEOUT_MS} ms`));
      }, RPC_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      const request: Request = { id, reply: this.replyChannel, method, args };
      this.redis.publish(requestChannel(nodeId), JSON.stringify(request)).then((listeners) => {
        if (listeners === 0) this.settle(id, { id, error: { name: 'NodeUnreachable', message: `node ${nodeId} is not listening` } });
      }, (e: Error) => this.settle(id, { id, error: { name: 'NodeUnreachable', message: e.message } }));
    });
  }

  async close(): Promise<void> {
    for (const [id] of this.pending) this.settle(id, { id, error: { name: 'NodeUnreachable', message: 'this node is stopping' } });
    this.sub.disconnect();
  }

  private async serve(text: string): Promise<void> {
    let req: Request;
    try {
      req = JSON.parse(text) as Request;
    } catch {
      return;
    }
    if (typeof req.reply !== 'string' || !this.allowed.has(req.method) || !Array.isArray(req.args)) return;
    let reply: Reply;
    try {
      const fn = (this.self as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[req.method];
      // JSON turned an absent argument into null; no ClusterNode method takes null.
      const args = req.args.map((a) => (a === null ? undefined : a));
      reply = { id: req.id, result: await fn.apply(this.self, args) };
    } catch (e) {
      const err = e as Error;
      reply = { id: req.id, error: { name: err.name, message: err.message } };
    }
    await this.redis.publish(req.reply, JSON.stringify(reply)).catch(() => {});
  }

  private onReply(text: string): void {
    try {
      const reply = JSON.parse(text) as Reply;
      this.settle(reply.id, reply);
    } catch {
      // not ours
    }
  }

  private settle(id: number, reply: Reply): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (!reply.error) return p.resolve(reply.result);
    p.reject(reply.error.name === 'NodeUnreachable' ? new NodeUnreachable(reply.error.message) : new RemoteError(reply.error.name, reply.error.message));
  }
}
