// One internal hook API between Aedes and everything that wants a say in what the broker
// does (session tracking, flow control, shared subscriptions, and later plugins such as ACL
// or auth-http). Aedes' single-callback options are bound once to ordered chains here.
//
// An authorization hook answers 'allow', 'deny' or 'ignore'; the first answer that is not
// 'ignore' decides, in order of `priority` (lower first); when every hook ignores, the
// request is allowed.
import type { Aedes, AedesOptions, AedesPublishPacket, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';

export type Verdict = 'allow' | 'deny' | 'ignore';

export interface AuthDenial {
  /** MQTT 5 reason code / 3.1.1 return code for the refusal, when not the default. */
  code?: number;
}

type Hook<F> = { fn: F; priority: number };

export interface HookFns {
  /** Sees every CONNECT before authentication (e.g. to remember what the client asked for). */
  connect: (client: Client, packet: ConnectPacket) => void;
  authenticate: (client: Client, username: string | undefined, password: Buffer | undefined) => Promise<Verdict>;
  authorizeSubscribe: (client: Client, sub: Subscription) => Promise<Verdict>;
  authorizePublish: (client: Client | null, packet: PublishPacket) => Promise<Verdict>;
  /** Sees every message just before it is written to a subscriber; may not veto it. */
  forward: (client: Client, packet: AedesPublishPacket) => void;
}

export class BrokerHooks {
  private readonly chains: { [K in keyof HookFns]: Hook<HookFns[K]>[] } = {
    connect: [], authenticate: [], authorizeSubscribe: [], authorizePublish: [], forward: [],
  };

  /** Adds a hook; returns the function that removes it again. */
  add<K extends keyof HookFns>(kind: K, fn: HookFns[K], priority = 100): () => void {
    const chain = this.chains[kind] as Hook<HookFns[K]>[];
    const hook = { fn, priority };
    chain.push(hook);
    chain.sort((a, b) => a.priority - b.priority);
    return () => {
      const i = chain.indexOf(hook);
      if (i >= 0) chain.splice(i, 1);
    };
  }

  /** Runs the authorization chain of `kind`; true when allowed. Also used for HTTP-made subscriptions. */
  async decide<K extends 'authenticate' | 'authorizeSubscribe' | 'authorizePublish'>(
    kind: K, ...args: Parameters<HookFns[K]>): Promise<boolean> {
    for (const { fn } of [...this.chains[kind]]) {
      const v = await (fn as (...a: unknown[]) => Promise<Verdict>)(...args);
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
        this.decide('authenticate', client, username, password).then((ok) => {
          if (ok) return done(null, true);
          const err = Object.assign(new Error('not authorized'), { returnCode: 5 as const });
          done(err as Parameters<typeof done>[0], false);
        }, (e) => done(Object.assign(e as Error, { returnCode: 3 as const }) as Parameters<typeof done>[0], false));
      },
      authorizeSubscribe: (client, sub, done) => {
        this.decide('authorizeSubscribe', client, sub).then((ok) => done(null, ok ? sub : null), (e) => done(e as Error));
      },
      authorizePublish: (client, packet, done) => {
        this.decide('authorizePublish', client, packet).then((ok) => done(ok ? null : new Error('publish not authorized')), (e) => done(e as Error));
      },
      authorizeForward: (client, packet) => {
        for (const { fn } of this.chains.forward) fn(client, packet);
        return packet;
      },
    };
  }
}

/** Attaches hook-driven options to an Aedes instance created without them. */
export function bindHooks(broker: Aedes, hooks: BrokerHooks): void {
  Object.assign(broker, hooks.aedesOptions());
}
