// The message bus Aedes routes through (its `mq` option) when nodes form a cluster: an
// in-process mqemitter for this node's subscribers, plus the cluster log for every other node.
// A message reaches this node's subscribers at once and the others' through the log, where it
// follows every store change its node made before it (see redis-log.ts). A QoS 1/2 message is
// acknowledged to its publisher only once the log holds it. A message from another node that no
// listener here can match is not even decoded.
import mqemitter, { type MQEmitter, type Message } from 'mqemitter';
import qlobber from 'qlobber';
import { decodePacket, encodePacket, toStoredPacket } from '../persistence/codec.ts';
import type { RedisLog } from './redis-log.ts';
import { PACKET_TAG } from '../broker/packet.ts';

type Listener = (message: Message, done: () => void) => void;

export class ClusterBus {
  private readonly local: MQEmitter;
  /** The filters listened to here, with how many listeners each (mqemitter's own matching). */
  private readonly listened = new Map<string, number>();
  private readonly matcher = new qlobber.QlobberTrue({ separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true });

  constructor(private readonly log: RedisLog, concurrency = 100) {
    this.local = mqemitter({ concurrency, matchEmptyLevels: true });
  }

  on(topic: string, notify: Listener, done?: () => void): this {
    const n = this.listened.get(topic) ?? 0;
    this.listened.set(topic, n + 1);
    if (n === 0) this.matcher.add(topic);
    this.local.on(topic, notify, done);
    return this;
  }

  removeListener(topic: string, notify: Listener, done?: () => void): this {
    const n = this.listened.get(topic) ?? 0;
    if (n <= 1) {
      this.listened.delete(topic);
      if (n === 1) this.matcher.remove(topic);
    } else this.listened.set(topic, n - 1);
    this.local.removeListener(topic, notify, done);
    return this;
  }

  emit(message: Message & { qos?: number }, cb: (err?: Error) => void = () => {}): this {
    const sent = this.log.publish(message.topic, encodePacket(toStoredPacket(message)));
    if (!message.qos) {
      sent.catch(() => {}); // QoS 0: at most once, to whoever can be reached
      this.local.emit(message, () => cb());
      return this;
    }
    let pending = 2;
    let failure: Error | undefined;
    const settle = (err?: Error) => {
      failure ??= err;
      if (--pending === 0) cb(failure);
    };
    sent.then(() => settle(), (e: Error) => settle(e));
    this.local.emit(message, () => settle());
    return this;
  }

  /** A message another node routed: for this node's subscribers only (that node decided for shared groups). */
  deliver(topic: string, encoded: Buffer): void {
    if (!this.matcher.test(topic)) return;
    this.local.emit({ cmd: 'publish', ...decodePacket(encoded), [PACKET_TAG]: { fromOtherNode: true } } as unknown as Message, () => {});
  }

  close(cb: () => void): this {
    this.local.close(cb);
    return this;
  }
}
