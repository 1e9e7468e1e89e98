// The parts of qlobber (8.x, no typings of its own) that relaymq uses.
declare module 'qlobber' {
  interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
    match_empty_levels?: boolean;
  }
  class QlobberTrue {
    constructor(options?: QlobberOptions);
    add(topic: string): this;
    remove(topic: string): this;
    test(topic: string): boolean;
  }
  /** A trie of topic → values. */
  export class Qlobber<V = unknown> {
    constructor(options?: QlobberOptions);
    add(topic: string, value: V): this;
    remove(topic: string, value?: V): this;
    match(topic: string): V[];
  }
  const qlobber: { QlobberTrue: typeof QlobberTrue; Qlobber: typeof Qlobber };
  export default qlobber;
}

/** qlobber's trie of Aedes subscriptions (topic → client ids with their QoS and options). */
declare module 'qlobber/aedes/qlobber-sub.js' {
  interface SubscriptionValue { clientId: string; topic: string; qos?: number; rh?: number; rap?: boolean; nl?: boolean }
  class QlobberSub {
    constructor(options?: import('qlobber').QlobberOptions);
    subscriptionsCount: number;
    add(topic: string, value: SubscriptionValue): this;
    remove(topic: string, value: { clientId: string; topic: string }): this;
    match(topic: string): SubscriptionValue[];
  }
  export default QlobberSub;
}
