// Topic filters that have at least one subscribing session, with the sessions, and tries
// (qlobber, as Aedes' own matcher) to tell whether a concrete topic has any route and which
// filters match it — so `/subscriptions?_match_topic=` never walks every session. A `$`-topic
// is only matched by filters that do not start with a wildcard (MQTT 4.7.2), so those filters
// live in second tries.
import qlobber from 'qlobber';

/** Topics whose answer matches() remembers at most. */
const ANSWERS_KEPT = 10_000;
const OPTIONS = { separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true };

export class RouteIndex {
  /** Route → the client ids of the sessions subscribed to it (one per subscription). */
  private readonly subscribers = new Map<string, string[]>();
  private readonly literalFirst = new qlobber.QlobberTrue(OPTIONS);
  private readonly wildcardFirst = new qlobber.QlobberTrue(OPTIONS);
  private readonly literalFirstFilters = new qlobber.Qlobber<string>(OPTIONS);
  private readonly wildcardFirstFilters = new qlobber.Qlobber<string>(OPTIONS);
  /** Answers of matches(), for topics published again; emptied whenever a route comes or goes. */
  private readonly answers = new Map<string, boolean>();

  add(filter: string, clientid: string): void {
    const ids = this.subscribers.get(filter);
    if (ids) return void ids.push(clientid);
    this.subscribers.set(filter, [clientid]);
    this.answers.clear();
    const [test, values] = this.tries(filter);
    test.add(filter);
    values.add(filter, filter);
  }

  remove(filter: string, clientid: string): void {
    const ids = this.subscribers.get(filter);
    if (!ids) return;
    const i = ids.indexOf(clientid);
    if (i >= 0) ids.splice(i, 1);
    if (ids.length > 0) return;
    this.subscribers.delete(filter);
    this.answers.clear();
    const [test, values] = this.tries(filter);
    test.remove(filter);
    values.remove(filter, filter);
  }

  /** Is there a route for this concrete topic? (Asked for every message: answers are remembered.) */
  matches(topic: string): boolean {
    let routed = this.answers.get(topic);
    if (routed === undefined) {
      routed = this.literalFirst.test(topic) || (!topic.startsWith('$') && this.wildcardFirst.test(topic));
      if (this.answers.size >= ANSWERS_KEPT) this.answers.clear();
      this.answers.set(topic, routed);
    }
    return routed;
  }

  /** The routes matching a concrete topic, with their subscribers. */
  matching(topic: string): { filter: string; clientids: readonly string[] }[] {
    const filters = this.literalFirstFilters.match(topic);
    if (!topic.startsWith('$')) filters.push(...this.wildcardFirstFilters.match(topic));
    return filters.map((filter) => ({ filter, clientids: this.subscribers.get(filter)! }));
  }

  filters(): IterableIterator<string> {
    return this.subscribers.keys();
  }

  get size(): number {
    return this.subscribers.size;
  }

  private tries(filter: string) {
    return filter.startsWith('+') || filter.startsWith('#')
      ? [this.wildcardFirst, this.wildcardFirstFilters] as const
      : [this.literalFirst, this.literalFirstFilters] as const;
  }
}
