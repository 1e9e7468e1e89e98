// A rule's topic, compiled once: does it cover a topic a client publishes to or reads, or a
// filter it subscribes to?
//
// `%u` and `%c` stand for the client's username and client id, and what they stand for is
// literal text: a client id `+`, `#` or `a/b` matches only the levels `+`, `#` or `a`/`b`
// themselves, never as wildcards — and since a topic never contains `+` or `#`, such an id can
// never reach anyone else's topics. A placeholder whose value is missing (no username) matches
// nothing.
//
// A subscribed filter is covered when every topic it can match is matched by the rule: rule `a/#`
// covers `a/+` and `a/#`; rule `a/+` covers `a/x` but not `a/#`. A rule starting with a wildcard
// never covers a topic or filter starting with `$` [MQTT-4.7.2-1].
import type { Subject } from './rules.ts';

type Level =
  | { kind: 'literal'; text: string }
  | { kind: 'one' }
  | { kind: 'rest' }
  | { kind: 'template'; text: string };

const PLACEHOLDER = /%[uc]/g;

export class RuleTopic {
  private readonly levels: Level[];

  constructor(readonly text: string, private readonly exact: boolean) {
    this.levels = text.split('/').map((l): Level => {
      if (!exact && l === '+') return { kind: 'one' };
      if (!exact && l === '#') return { kind: 'rest' };
      return /%[uc]/.test(l) ? { kind: 'template', text: l } : { kind: 'literal', text: l };
    });
  }

  /** Whether the rule covers `target`: a topic, or (when `isFilter`) a subscribed filter. */
  covers(s: Subject, target: string, isFilter: boolean): boolean {
    if (this.exact) {
      const expected = fill(this.text, s);
      return expected !== undefined && expected === target;
    }
    const first = this.levels[0];
    if (target.startsWith('$') && (first.kind === 'one' || first.kind === 'rest')) return false;
    const tl = target.split('/');
    const wildcard = (x: string) => isFilter && (x === '+' || x === '#');
    let j = 0;
    for (const level of this.levels) {
      switch (level.kind) {
        case 'rest':
          return true; // `a/#` also matches `a` itself
        case 'one':
          if (j >= tl.length || (isFilter && tl[j] === '#')) return false;
          j++;
          break;
        case 'literal':
          if (j >= tl.length || tl[j] !== level.text || wildcard(tl[j])) return false;
          j++;
          break;
        case 'template': {
          const value = fill(level.text, s);
          if (value === undefined) return false;
          for (const part of value.split('/')) {
            if (j >= tl.length || tl[j] !== part || wildcard(tl[j])) return false;
            j++;
          }
          break;
        }
      }
    }
    return j === tl.length;
  }
}

/** The text with %u and %c replaced, or undefined when a value it needs is missing. */
function fill(text: string, s: Subject): string | undefined {
  let missing = false;
  const out = text.replace(PLACEHOLDER, (p) => {
    const v = p === '%u' ? s.username : s.clientid;
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}
