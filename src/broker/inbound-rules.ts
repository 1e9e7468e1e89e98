// What the broker promised in its CONNACK, held against what clients send (a seam inbound
// observer, before Aedes sees the packet). A client that breaks a rule gets the MQTT 5
// DISCONNECT with the most specific reason code (MQTT 3.1.1: the connection is closed), and the
// packet is dropped:
//   PUBLISH with QoS above Maximum QoS                       0x9B QoS not supported [MQTT-3.2.2-11]
//   PUBLISH with RETAIN while Retain Available is 0          0x9A Retain not supported [MQTT-3.2.2-14]
//   QoS 1/2 PUBLISH beyond the broker's Receive Maximum      0x93 Receive Maximum exceeded [MQTT-3.3.4-9]
//   SUBSCRIBE with a Subscription Identifier when unsupported 0xA1 Subscription Identifiers not supported
//   No Local on a shared subscription                        0x82 Protocol Error [MQTT-3.8.3-4]
//   Subscription Identifier in a PUBLISH from a client       0x82 Protocol Error [MQTT-3.3.4-6]
//   DISCONNECT setting a Session Expiry Interval after 0     0x82 Protocol Error [MQTT-3.14.2-2]
// A protocol-error DISCONNECT is not a normal one: the will is published.
import { ReasonCode } from './reason-codes.ts';
import type { Client, ConnectPacket } from 'aedes';
import type { BrokerHooks } from './hooks.ts';
import type { InboundObserver, OutboundStage } from './aedes-seam.ts';
import { INTERNAL_SHARE_PREFIX } from './topics.ts';
import { endsExchange } from './packet.ts';

export interface ServerCapabilities {
  maxQos: 0 | 1 | 2;
  retainAvailable: boolean;
  /** Incoming QoS 1/2 messages a client may have unacknowledged (advertised as Receive Maximum). */
  receiveMaximum: number;
  subscriptionIdentifiersAvailable: boolean;
}

const { QOS_NOT_SUPPORTED, RETAIN_NOT_SUPPORTED, RECEIVE_MAXIMUM_EXCEEDED, PROTOCOL_ERROR } = ReasonCode;
const SUBSCRIPTION_IDS_NOT_SUPPORTED = ReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED;

interface ClientState {
  version: number;
  /** Session Expiry Interval of the CONNECT. */
  connectExpiry: number;
  /** Packet ids of incoming QoS 1/2 messages the broker has not finished acknowledging (MQTT 5). */
  receiving?: Set<number>;
}

/** Every MQTT 3.1.1 connection's state (nothing of theirs is counted), shared. */
const V3_STATE: Readonly<ClientState> = Object.freeze({ version: 4, connectExpiry: 0 });

export class InboundRules {
  private readonly clients = new WeakMap<Client, ClientState>();

  constructor(private readonly caps: ServerCapabilities) {}

  install(hooks: BrokerHooks): void {
    hooks.add('connect', (client: Client, packet: ConnectPacket) => {
      const props = packet.properties as { sessionExpiryInterval?: number } | undefined;
      this.clients.set(client, packet.protocolVersion !== 5 ? V3_STATE : { version: 5, connectExpiry: props?.sessionExpiryInterval ?? 0 });
    });
  }

  readonly inbound: InboundObserver = (client, packet) => {
    const state = this.clients.get(client);
    if (!state) return;
    switch (packet.cmd) {
      case 'publish': {
        const qos = packet.qos ?? 0;
        // [MQTT-3.3.4-6] a client never sends a Subscription Identifier in a PUBLISH
        if (packet.properties?.subscriptionIdentifier !== undefined) return refuse(client, PROTOCOL_ERROR);
        if (qos > this.caps.maxQos) return refuse(client, QOS_NOT_SUPPORTED);
        if ((packet as { retain?: boolean }).retain && !this.caps.retainAvailable) return refuse(client, RETAIN_NOT_SUPPORTED);
        if (qos > 0 && state.version === 5) {
          const receiving = (state.receiving ??= new Set());
          if (!receiving.has(packet.messageId!)) {
            if (receiving.size >= this.caps.receiveMaximum) return refuse(client, RECEIVE_MAXIMUM_EXCEEDED);
            receiving.add(packet.messageId!);
          }
        }
        return;
      }
      case 'subscribe': {
        if (packet.properties?.subscriptionIdentifier !== undefined && !this.caps.subscriptionIdentifiersAvailable) {
          return refuse(client, SUBSCRIPTION_IDS_NOT_SUPPORTED);
        }
        // Subscribe rules, which run after this, turn `$share/…` into its internal form.
        const shared = (t: string) => t.startsWith('$share/') || t.startsWith(INTERNAL_SHARE_PREFIX);
        if (packet.subscriptions?.some((s) => shared(s.topic) && (s as { nl?: boolean }).nl)) return refuse(client, PROTOCOL_ERROR);
        return;
      }
      case 'disconnect': {
        const expiry = (packet.properties as { sessionExpiryInterval?: number } | undefined)?.sessionExpiryInterval;
        if (state.version === 5 && state.connectExpiry === 0 && expiry !== undefined && expiry > 0) return refuse(client, PROTOCOL_ERROR);
        return;
      }
    }
  };

  /** Outbound stage: a PUBACK, a failed PUBREC or a PUBCOMP ends the broker's receipt of a message. */
  readonly outbound: OutboundStage = (client, packet) => {
    if (endsExchange(packet)) {
      this.clients.get(client)?.receiving?.delete(packet.messageId!);
    }
    return packet;
  };
}

/** Disconnects with the reason code (MQTT 3.1.1: closes) and drops the packet. */
function refuse(client: Client, reasonCode: number): 'drop' {
  client.disconnect({ reasonCode }, () => {});
  return 'drop';
}
