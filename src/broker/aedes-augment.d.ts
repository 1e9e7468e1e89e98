// Aedes 2.0.0-beta.1 ships types that lack members relaymq relies on. They are declared here,
// once, instead of `any` casts scattered through the code. Each is a real field of
// node_modules/aedes/aedes.js or lib/client.js at that version.
import 'aedes';
import type { IncomingMessage } from 'node:http';
import type { AedesPublishPacket, PublishPacket, Subscription } from 'aedes';

declare module 'aedes' {
  interface AedesPersistence {
    addSubscriptions(client: { id: string }, subs: Subscription[]): Promise<void>;
    removeSubscriptions(client: { id: string }, topics: string[]): Promise<void>;
    subscriptionsByClient(client: { id: string }): Promise<Subscription[] | null>;
    countOffline(): Promise<{ subscriptions: number; clients: number }>;
    outgoingEnqueueCombi(subs: { clientId: string; topic: string; qos: number }[], packet: AedesPublishPacket): Promise<void>;
    outgoingStream(client: { id: string }): AsyncIterable<AedesPublishPacket>;
    cleanSubscriptions(client: { id: string }): Promise<void>;
    createRetainedStreamCombi(patterns: string[]): AsyncIterable<AedesPublishPacket>;
    destroy(): Promise<void>;
    outgoingUpdate(client: { id: string }, packet: AedesPublishPacket): Promise<void>;
    delWill(client: { id: string; brokerId?: string }): Promise<unknown>;
    outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<AedesPublishPacket | undefined>;
  }

  interface Aedes {
    /** Live clients of this node, by client id. */
    clients: Record<string, Client>;
    persistence: AedesPersistence;
    connectedClients: number;
    opts: Record<string, unknown>;
    /** Aedes publishes on a client's behalf (PUBLISH, will) with the client as second argument. */
    publish(packet: PublishPacket, client: Client | null, callback: (error?: Error) => void): void;
  }

  interface Client {
    /** The will of the connection (null when none or once it was published). */
    will: (AedesPublishPacket & { properties?: Record<string, unknown> }) | null;
    /** Subscriptions of this connection, by topic filter. */
    subscriptions: Record<string, Subscription>;
    req?: IncomingMessage & { connDetails?: { ipAddress?: string; port?: number } };
    connDetails: { ipAddress?: string; port?: number } | null;
  }
}

declare module 'aedes' {
  interface Client {
    /** Next outgoing packet identifier Aedes would use (1..65535, rotating). */
    _nextId: number;
    /** Delivery functions Aedes binds per client; FlowControl wraps deliverQoS. */
    deliverQoS: (packet: AedesPublishPacket, cb: (err?: Error) => void) => void;
    deliver0: (packet: AedesPublishPacket, cb: (err?: Error) => void) => void;
    _parser: import('node:events').EventEmitter;
    /** Resends a stored message after a reconnect (patch 015); flow control paces it. */
    writeStored: (packet: AedesPublishPacket, done: (err?: Error) => void) => void;
    /** The MQTT 5 client's Receive Maximum, as Aedes reads it from CONNECT (flow control caps at it). */
    receiveMaximum?: number;
  }
}
