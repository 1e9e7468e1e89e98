// What the HTTP API does to sessions on this node: publish, subscribe and unsubscribe on a
// client's behalf (connected or offline), and kick. Subscriptions made here go through the
// same authorization hooks as MQTT ones and are stored where MQTT ones are.
import type { Aedes, Client, PublishPacket, Subscription } from 'aedes';
import type { BrokerHooks } from './hooks.ts';
import type { SessionTracker } from './session-tracker.ts';
import type { Qos, SessionRecord } from './sessions.ts';
import { toInternal, topicFilterProblem } from './topics.ts';

export interface PublishRequest {
  topics: string[];
  payload: Buffer;
  qos: Qos;
  retain: boolean;
  clientid: string;
  /** MQTT 5 properties in mqtt-packet's names (messageExpiryInterval, userProperties…). */
  properties: NonNullable<PublishPacket['properties']>;
}

export class SessionAdmin {
  constructor(
    private readonly broker: Aedes,
    private readonly hooks: BrokerHooks,
    private readonly tracker: SessionTracker,
    private readonly nodeId: number,
  ) {}

  /** Resolves once Aedes has taken every message (stored if retained, routed to subscribers). */
  async publish(req: PublishRequest): Promise<void> {
    for (const topic of req.topics) {
      const packet = {
        cmd: 'publish', topic, payload: req.payload, qos: req.qos, retain: req.retain, dup: false,
        clientId: req.clientid,
        ...(Object.keys(req.properties).length ? { properties: req.properties } : {}),
      } as PublishPacket;
      await new Promise<void>((resolve, reject) => this.broker.publish(packet, (err) => (err ? reject(err) : resolve())));
    }
  }

  /** Subscribes each filter; false for an invalid filter or one refused by the hooks (ACL). */
  async subscribe(rec: SessionRecord, filters: string[], qos: Qos): Promise<Record<string, boolean>> {
    const results: [string, boolean][] = [];
    for (const filter of filters) results.push([filter, await this.subscribeOne(rec, filter, qos)]);
    return Object.fromEntries(results); // own keys even for a filter named "__proto__"
  }

  private async subscribeOne(rec: SessionRecord, filter: string, qos: Qos): Promise<boolean> {
    if (topicFilterProblem(filter)) return false;
    const sub = { topic: toInternal(filter), qos } as Subscription;
    const client = this.tracker.client(rec.clientid);
    if (client) {
      // Without a messageId Aedes subscribes server-side and sends no SUBACK; it runs the
      // authorization hooks and emits 'subscribe', which records the subscription.
      await new Promise<void>((resolve) => client.subscribe({ subscriptions: [sub] } as never, () => resolve()));
      return Object.hasOwn(client.subscriptions, sub.topic);
    }
    if (!(await this.hooks.decide('authorizeSubscribe', offlineClient(rec), sub))) return false;
    await this.broker.persistence.addSubscriptions({ id: rec.clientid }, [sub]);
    this.tracker.subscribedOffline(rec, filter, qos);
    return true;
  }

  /** True when the session had the subscription and it is now gone, from persistence too. */
  async unsubscribe(rec: SessionRecord, filter: string): Promise<boolean> {
    if (!Object.hasOwn(rec.subscriptions, filter)) return false;
    const internal = toInternal(filter);
    const client = this.tracker.client(rec.clientid);
    if (client) {
      // Aedes emits 'unsubscribe', so SessionTracker records the removal.
      await new Promise<void>((resolve) => client.unsubscribe({ unsubscriptions: [internal] } as never, () => resolve()));
    }
    // Aedes' client.unsubscribe without a messageId leaves the stored subscription behind.
    await this.broker.persistence.removeSubscriptions({ id: rec.clientid }, [internal]);
    this.tracker.unsubscribedByApi(rec, filter);
    return true;
  }

  /** Disconnects the client and ends its session; returns the connection's unique id. */
  async kick(rec: SessionRecord): Promise<string> {
    const id = `${this.nodeId}@${rec.local_address}:${rec.local_port}/${rec.ip_address}:${rec.port}/${rec.clientid}/${rec.username ?? 'undefined'}`;
    await this.tracker.terminate(rec.clientid);
    return id;
  }
}

/** What authorization hooks see of an offline session: its id, protocol and subscriptions
 * (in Aedes' form, so that limits such as max_subscriptions count them). */
function offlineClient(rec: SessionRecord): Client {
  const subscriptions = Object.create(null) as Record<string, { qos: number }>;
  for (const [filter, qos] of Object.entries(rec.subscriptions)) subscriptions[toInternal(filter)] = { qos };
  return { id: rec.clientid, subscriptions, version: rec.proto_ver, connected: false, closed: true } as unknown as Client;
}
