// The MQTT store of a cluster node: the same store (persistence/mqtt-store.ts) over the shared
// state in Redis, which also applies the changes other nodes make (`apply`). It differs in what
// sharing demands: queue entries are numbered from a block no other node uses; every will
// carries the run (incarnation) of the node that stored it, so that the cluster can tell whose it
// is; and Aedes' periodic will sweep gets no will, since a node it has not heard from yet is not a
// dead one (the cluster publishes dead nodes' wills itself, each once: redis-cluster.ts).
import { Readable } from 'node:stream';
import { MqttStore } from '../persistence/mqtt-store.ts';
import type { Backend } from '../persistence/backend.ts';
import type { StoredPacket } from '../persistence/codec.ts';

export class SharedMqttStore extends MqttStore {
  private seqInBlock = 0;

  constructor(backend: Backend, private readonly seqBlock: number, readonly incarnation: string) {
    super(backend);
  }

  /** Every stored will, of every node (no copies: do not modify). */
  storedWills(): IterableIterator<StoredPacket> {
    return this.wills.values();
  }

  override async putWill(client: { id: string }, packet: Record<string, unknown>): Promise<void> {
    packet.incarnation = this.incarnation;
    return super.putWill(client, packet);
  }

  override streamWill(): Readable {
    return Readable.from([]);
  }

  protected override nextSeq(): number {
    return this.seqBlock + ++this.seqInBlock;
  }
}
