// Topic filters that have at least one subscribing session, with how many, and a trie
// (qlobber, as Aedes' own matcher) to tell whether a concrete topic has any route. A
// `$`-topic is only matched by filters that do not start with a wildcard (MQTT 4.7.2), so
// those filters live in a second trie.
import qlobber from 'qlobber';

const OPTIONS = { separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true };

export class RouteIndex {
  private readonly counts = new Map<string, number>();
  private readonly literalFirst = new qlobber.QlobberTrue(OPTIONS);
  private readonly wildcardFirst = new qlobber.QlobberTrue(OPTIONS);

  add(filter: string): void {
    const n = this.counts.get(filter) ?? 0;
    this.counts.set(filter, n + 1);
    if (n === 0) this.trie(filter).add(filter);
  }

  remove(filter: string): void {
    const n = this.counts.get(filter) ?? 0;
    if (n <= 1) {
      if (n === 1) this.trie(filter).remove(filter);
      this.counts.delete(filter);
    } else {
      this.counts.set(filter, n - 1);
    }
  }

  /** Is there a route for this concrete topic? */
  matches(topic: string): boolean {
    if (this.literalFirst.test(topic)) return true;
    return !topic.startsWith('$') && this.wildcardFirst.test(topic);
  }

  filters(): IterableIterator<string> {
    return this.counts.keys();
  }

  get size(): number {
    return this.counts.size;
  }

  private trie(filter: string) {
    return filter.startsWith('+') || filter.startsWith('#') ? this.wildcardFirst : this.literalFirst;
  }
}
