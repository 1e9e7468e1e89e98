// The k smallest items of a sequence by a string key, among those whose key is after `after`:
// what a page of a listing needs (see api/paging.ts), in O(n log k) time and O(k) memory.

export function smallestAfter<T>(items: Iterable<T>, key: (item: T) => string, after: string | undefined, k: number): T[] {
  if (k <= 0) return [];
  let kept: { item: T; key: string }[] = [];
  const trim = () => {
    kept.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    kept = kept.slice(0, k);
  };
  for (const item of items) {
    const kk = key(item);
    if (after !== undefined && kk <= after) continue;
    kept.push({ item, key: kk });
    if (kept.length >= 2 * k + 64) trim();
  }
  trim();
  return kept.map((x) => x.item);
}
