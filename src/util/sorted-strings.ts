// A set of strings kept in order (by UTF-16 code units, as `<` compares them), for listings that
// page in key order (api/paging.ts): a listing reads from its cursor on and stops after its
// page, instead of looking at every key. Chunks of at most MAX_CHUNK sorted strings: adding or
// removing one moves at most a chunk's worth; finding a place is two binary searches.
//
// A substring search (`containing`) first reads each chunk as one string, its members joined,
// made when first searched and dropped when the chunk changes: at 100,000 client ids, testing
// each id on its own touched 100,000 strings scattered over the heap (a cache miss each, some
// 15 ms); the joined text is searched in one pass, and only the chunks it matches in are read id
// by id. A match across two joined members can only cost that read, never a wrong answer.

const MAX_CHUNK = 512;
/** Joins a chunk's strings for the substring search (MQTT allows no U+0000 in a client id). */
const SEPARATOR = '\u0000';

export class SortedStrings {
  private chunks: string[][] = [];
  /** Each chunk's strings joined by SEPARATOR, made by the first search that reads the chunk. */
  private texts: (string | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(s: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([s]);
      this.texts.push(undefined);
      this.count++;
      return;
    }
    const c = Math.min(this.chunkFor(s), this.chunks.length - 1);
    const chunk = this.chunks[c];
    const i = bound(chunk, s);
    if (chunk[i] === s) return;
    chunk.splice(i, 0, s);
    this.texts[c] = undefined;
    this.count++;
    if (chunk.length > MAX_CHUNK) {
      this.chunks.splice(c + 1, 0, chunk.splice(MAX_CHUNK >> 1));
      this.texts.splice(c + 1, 0, undefined);
    }
  }

  delete(s: string): boolean {
    const c = this.chunkFor(s);
    const chunk = this.chunks[c];
    if (!chunk) return false;
    const i = bound(chunk, s);
    if (chunk[i] !== s) return false;
    chunk.splice(i, 1);
    this.texts[c] = undefined;
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.texts.splice(c, 1);
    }
    return true;
  }

  /** The strings after `after` (all when undefined), in order. */
  *after(after?: string): Generator<string> {
    let c = after === undefined ? 0 : this.chunkFor(after);
    let i = after === undefined ? 0 : bound(this.chunks[c] ?? [], after, true);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c];
      for (; i < chunk.length; i++) yield chunk[i];
    }
  }

  /** The strings after `after` (all when undefined) that contain `part`, in order. */
  *containing(part: string, after?: string): Generator<string> {
    let c = after === undefined ? 0 : this.chunkFor(after);
    let i = after === undefined ? 0 : bound(this.chunks[c] ?? [], after, true);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c];
      const text = (this.texts[c] ??= chunk.join(SEPARATOR));
      if (!text.includes(part)) continue;
      for (; i < chunk.length; i++) if (chunk[i].includes(part)) yield chunk[i];
    }
  }

  /** The first chunk whose last string is at least `s` (chunks.length when none is). */
  private chunkFor(s: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid];
      if (chunk[chunk.length - 1] < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The first index whose string is at least `s` (`past`: greater than `s`). */
function bound(a: string[], s: string, past = false): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < s || (past && a[mid] === s)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
