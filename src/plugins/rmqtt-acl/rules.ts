// ACL rules in RMQTT's format: `[permission, who, action?, topics?]`, evaluated in order, the
// first rule that matches decides.
//   permission: "allow" | "deny"
//   who:        "all" | { user = "…" } | { clientid = "…" } | { ipaddr = "10.0.0.0/8" }
//   action:     "connect" | "publish" | "subscribe" | "pubsub" | "all" (default "all")
//   topics:     filters, with %u (username) and %c (client id) placeholders, or { eq = "…" }
//               for an exact, literal match; absent = every topic.
// How a rule topic covers a topic or a subscribed filter: see rule-topic.ts.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { RuleTopic } from './rule-topic.ts';

export type Action = 'connect' | 'publish' | 'subscribe';
export type RawRule = [string, unknown, string?, unknown[]?];

export interface Subject {
  clientid: string;
  username?: string;
  ip: string;
}

interface Rule {
  allow: boolean;
  who: (s: Subject) => boolean;
  actions: Set<Action>;
  topics?: RuleTopic[];
}

const ACTIONS: Record<string, Action[]> = {
  connect: ['connect'], publish: ['publish'], subscribe: ['subscribe'],
  pubsub: ['publish', 'subscribe'], all: ['connect', 'publish', 'subscribe'],
};

/** Compiles the rules; throws an Error naming the rule and the problem. */
export function compileRules(raw: RawRule[]): Rule[] {
  return raw.map((r, i) => {
    const where = `rules[${i}]`;
    const [permission, who, action = 'all', topics] = r;
    if (permission !== 'allow' && permission !== 'deny') throw new Error(`${where}: permission must be "allow" or "deny"`);
    if (!(action in ACTIONS)) throw new Error(`${where}: action must be one of ${Object.keys(ACTIONS).join(', ')}`);
    return {
      allow: permission === 'allow',
      who: subjectMatcher(who, where),
      actions: new Set(ACTIONS[action]),
      topics: topics?.map((t, j) => {
        if (typeof t === 'string') return new RuleTopic(t, false);
        if (t && typeof t === 'object' && typeof (t as { eq?: unknown }).eq === 'string') return new RuleTopic((t as { eq: string }).eq, true);
        throw new Error(`${where}: topics[${j}] must be a filter or { eq = "topic" }`);
      }),
    };
  });
}

function subjectMatcher(who: unknown, where: string): (s: Subject) => boolean {
  if (who === 'all') return () => true;
  if (who && typeof who === 'object') {
    const w = who as Record<string, unknown>;
    if (typeof w.user === 'string') return (s) => s.username === w.user;
    if (typeof w.clientid === 'string') return (s) => s.clientid === w.clientid;
    if (typeof w.ipaddr === 'string') return ipMatcher(w.ipaddr, where);
  }
  throw new Error(`${where}: who must be "all", { user = … }, { clientid = … } or { ipaddr = … }`);
}

function ipMatcher(cidr: string, where: string): (s: Subject) => boolean {
  const [addr, bits] = cidr.split('/');
  const family = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
  if (!family) throw new Error(`${where}: ipaddr '${cidr}' is not an IP address or CIDR range`);
  const list = new BlockList();
  const prefix = bits === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128)) throw new Error(`${where}: bad prefix in '${cidr}'`);
  list.addSubnet(addr, prefix, family);
  return (s) => {
    const ip = s.ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    const fam = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
    return fam !== undefined && list.check(ip, fam);
  };
}

/**
 * The first matching rule's answer, or undefined when no rule matches. `target` is the topic
 * (publish, and reading a delivered message) or the subscribed filter (subscribe, `isFilter`).
 */
export function decide(rules: Rule[], s: Subject, action: Action, target?: string, isFilter = false): boolean | undefined {
  for (const rule of rules) {
    if (!rule.actions.has(action) || !rule.who(s)) continue;
    if (action !== 'connect' && rule.topics && !rule.topics.some((t) => t.covers(s, target!, isFilter))) continue;
    return rule.allow;
  }
  return undefined;
}
