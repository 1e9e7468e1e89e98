// One internal hook API between Aedes and everything that wants a say in what the broker
// does (session tracking, flow control, shared subscriptions, and later plugins such as ACL
// or auth-http). Aedes' single-callback options are bound once to ordered chains here.
//
// An authorization hook answers 'allow', 'deny' or 'ignore' (or refuses with an MQTT 5 reason
// code); the first answer that is not 'ignore' decides, in order of `priority` (lower first);
// when every hook ignores, the request is allowed. Read authorization (`authorizeRead`) is
// synchronous: it runs for every message delivered to every subscriber. Events (`on`/`emit`)
// are notifications of what happened: counters, web hooks and $SYS topics listen to them; a
// listener cannot change the outcome.
import { ReasonCode } from './reason-codes.ts';
import { fromInternal } from './topics.ts';
import type { AedesOptions, AedesPublishPacket, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';

/** A refusal with a specific MQTT 5 reason code (e.g. 0x97 Quota exceeded); MQTT 3 clients get 0x80. */
export interface Refusal { refuse: number }
export type Verdict = 'allow' | 'deny' | 'ignore' | Refusal;
/** A hook answers at once (a cached ACL answer) or later (an HTTP call). */
export type MaybePromise<T> = T | Promise<T>;

function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as Promise<T> | undefined)?.then === 'function';
}

/** The default refusal. */
const { NOT_AUTHORIZED } = ReasonCode;

/** Where a message came from, as RMQTT's metrics split them. */
export type MessageSource = 'admin' | 'custom' | 'lastwill' | 'retain' | 'system' | 'bridge';

/** A message as events report it. */
export interface MessageInfo {
  topic: string;
  qos: number;
  retain: boolean;
  /** Shared with the broker: read it, never modify it. */
  payload: Buffer;
  /** The publishing client id (the HTTP API's `clientid` for admin messages), if any. */
  from?: string;
  source: MessageSource;
}

/** What happened, for listeners. Client ids and usernames are as the client sent them. */
export interface BrokerEvents {
  'client.connect': { clientid: string; username?: string; ip: string; proto_ver: number; keepalive: number; clean_start: boolean };
  'client.authenticate': { clientid: string; username?: string; allowed: boolean };
  'client.connack': { clientid: string; username?: string; code: number; authError: boolean; sessionPresent: boolean };
  'client.connected': { clientid: string; username?: string; ip: string; proto_ver: number };
  'client.disconnected': { clientid: string; username?: string; reason: string };
  'client.handshaking.timeout': { ip: string };
  'client.subscribe': { clientid: string; filter: string; qos: number };
  'client.subscribe.check': { clientid: string; filter: string; allowed: boolean };
  'client.subscribe.error': { clientid: string; filter: string; code: number };
  'client.unsubscribe': { clientid: string; filter: string };
  'client.publish.check': { clientid: string; topic: string; allowed: boolean };
  'session.created': { clientid: string };
  'session.resumed': { clientid: string };
  'session.subscribed': { clientid: string; filter: string; qos: number };
  'session.unsubscribed': { clientid: string; filter: string };
  'session.terminated': { clientid: string; reason: string };
  /** A message entered the broker for routing; `routed` is false when no subscription matched. */
  'message.publish': { message: MessageInfo; routed: boolean };
  'message.delivered': { clientid: string; message: MessageInfo };
  'message.acked': { clientid: string; message: MessageInfo };
  'message.dropped': { clientid?: string; message: MessageInfo; reason: string };
  'plugin.loaded': { plugin: string };
  'plugin.unloaded': { plugin: string };
}

type Hook<F> = { fn: F; priority: number };

export interface HookFns {
  /** Sees every CONNECT before authentication (e.g. to remember what the client asked for). */
  connect: (client: Client, packet: ConnectPacket) => void;
  authenticate: (client: Client, username: string | undefined, password: Buffer | undefined) => MaybePromise<Verdict>;
  authorizeSubscribe: (client: Client, sub: Subscription) => MaybePromise<Verdict>;
  authorizePublish: (client: Client | null, packet: PublishPacket) => MaybePromise<Verdict>;
  /**
   * May this client read this topic? Asked for every message before it is delivered (live,
   * retained on subscribe, queued on reconnect), so a wildcard subscription never delivers a
   * topic the client may not read. Synchronous and per message: cache.
   */
  authorizeRead: (client: Client, topic: string) => 'allow' | 'deny' | 'ignore';
  /** Sees every message just before it is written to a subscriber; may not veto it. */
  forward: (client: Client, packet: AedesPublishPacket) => void;
}

export class BrokerHooks {
  private readonly listeners: { [K in keyof BrokerEvents]?: ((e: BrokerEvents[K]) => void)[] } = {};

  /** `onListenerError` hears of a listener that threw; the other listeners and the broker carry on. */
  constructor(private readonly onListenerError: (event: string, err: unknown) => void = () => {}) {}

  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof BrokerEvents>(event: K, fn: (e: BrokerEvents[K]) => void): () => void {
    // Copy on write, as for the chains: a listener list being emitted to is never changed.
    const listeners = this.listeners as Record<K, ((e: BrokerEvents[K]) => void)[] | undefined>;
    listeners[event] = [...(listeners[event] ?? []), fn];
    return () => { listeners[event] = listeners[event]?.filter((f) => f !== fn); };
  }

  /** Whether anyone listens (so that callers can skip building an event nobody reads). */
  listened(event: keyof BrokerEvents): boolean {
    return (this.listeners[event]?.length ?? 0) > 0;
  }

  emit<K extends keyof BrokerEvents>(event: K, e: BrokerEvents[K]): void {
    const list = this.listeners[event] as ((e: BrokerEvents[K]) => void)[] | undefined;
    if (!list) return;
    for (const fn of list) {
      try {
        fn(e);
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
  }

  private readonly chains: { [K in keyof HookFns]: Hook<HookFns[K]>[] } = {
    connect: [], authenticate: [], authorizeSubscribe: [], authorizePublish: [], authorizeRead: [], forward: [],
  };

  /** Adds a hook; returns the function that removes it again. */
  add<K extends keyof HookFns>(kind: K, fn: HookFns[K], priority = 100): () => void {
    const hook = { fn, priority };
    // Copy on write: a chain being run (for every message) is never changed under it.
    const chains = this.chains as Record<K, Hook<HookFns[K]>[]>;
    chains[kind] = [...chains[kind], hook].sort((a, b) => a.priority - b.priority);
    return () => { chains[kind] = chains[kind].filter((h) => h !== hook); };
  }

  /** Runs the authorization chain of `kind`; true when allowed. Also used for HTTP-made subscriptions. */
  async decide<K extends 'authenticate' | 'authorizeSubscribe' | 'authorizePublish'>(
    kind: K, ...args: Parameters<HookFns[K]>): Promise<boolean> {
    return (await this.verdict(kind, ...args)) === 'allow';
  }

  /**
   * The deciding answer of the chain: 'allow' (also when every hook ignores), 'deny' or a
   * refusal. Synchronous as long as the hooks answer synchronously (the reserved-topic guard and
   * the ACL's cached answers do), so a PUBLISH waits for no promise; a hook that throws, or
   * whose promise rejects, makes the answer a rejected promise.
   */
  verdict<K extends 'authenticate' | 'authorizeSubscribe' | 'authorizePublish'>(
    kind: K, ...args: Parameters<HookFns[K]>): MaybePromise<Exclude<Verdict, 'ignore'>> {
    try {
      return this.verdictFrom(this.chains[kind] as Hook<(...a: unknown[]) => MaybePromise<Verdict>>[], 0, args);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private verdictFrom(chain: Hook<(...a: unknown[]) => MaybePromise<Verdict>>[], from: number, args: unknown[]): MaybePromise<Exclude<Verdict, 'ignore'>> {
    for (let i = from; i < chain.length; i++) {
      const v = chain[i].fn(...args);
      if (isPromise(v)) return v.then((r) => (r !== 'ignore' ? r : this.verdictFrom(chain, i + 1, args)));
      if (v !== 'ignore') return v;
    }
    return 'allow';
  }

  /** Calls `then` with the verdict: at once when it is known at once, else when it settles. */
  private withVerdict<V>(v: MaybePromise<V>, then: (v: V) => void, failed: (e: unknown) => void): void {
    if (isPromise(v)) v.then(then, failed);
    else then(v);
  }

  /** Whether the client may read the topic (the read chain; allowed when every hook ignores). */
  mayRead(client: Client, topic: string): boolean {
    for (const { fn } of this.chains.authorizeRead) {
      const v = fn(client, topic);
      if (v !== 'ignore') return v === 'allow';
    }
    return true;
  }

  /** The Aedes options that route every decision through the chains. */
  aedesOptions(): Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizeSubscribe' | 'authorizePublish' | 'authorizeForward'> {
    return {
      preConnect: (client, packet, done) => {
        for (const { fn } of this.chains.connect) fn(client, packet);
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        Promise.resolve(this.verdict('authenticate', client, username, password)).then((v) => {
          const ok = v === 'allow';
          this.emit('client.authenticate', { clientid: client.id, username, allowed: ok });
          if (ok) return done(null, true);
          // MQTT 3: return code 5; MQTT 5: the refusal's reason code (Aedes patch 021), else 0x87.
          const err = Object.assign(new Error('not authorized'), { returnCode: 5 as const, ...(v === 'deny' ? {} : { reasonCode: v.refuse }) });
          done(err as Parameters<typeof done>[0], false);
        }, (e) => done(Object.assign(e as Error, { returnCode: 3 as const }) as Parameters<typeof done>[0], false));
      },
      authorizeSubscribe: (client, sub, done) => {
        this.withVerdict(this.verdict('authorizeSubscribe', client, sub), (v) => {
          this.emit('client.subscribe.check', { clientid: client.id, filter: fromInternal(sub.topic), allowed: v === 'allow' });
          if (v === 'allow') return done(null, sub);
          // A refusal with its reason code refuses this filter only (Aedes patch 012).
          done(Object.assign(new Error('subscription refused'), { reasonCode: v === 'deny' ? NOT_AUTHORIZED : v.refuse }) as never, null);
        }, (e) => done(e as Error));
      },
      authorizePublish: (client, packet, done) => {
        this.withVerdict(this.verdict('authorizePublish', client, packet), (v) => {
          const ok = v === 'allow';
          if (client) this.emit('client.publish.check', { clientid: client.id, topic: packet.topic, allowed: ok });
          if (!ok) {
            this.emit('message.dropped', {
              clientid: client?.id, reason: 'not authorized',
              message: { topic: packet.topic, qos: packet.qos, retain: packet.retain, payload: packet.payload as Buffer, from: client?.id, source: 'custom' },
            });
          }
          done(ok ? null : new Error('publish not authorized'));
        }, (e) => done(e as Error));
      },
      authorizeForward: (client, packet) => {
        if (this.chains.authorizeRead.length && !this.mayRead(client, packet.topic)) return null as unknown as AedesPublishPacket;
        for (const { fn } of this.chains.forward) fn(client, packet);
        return packet;
      },
    };
  }
}
