// The k smallest items of a sequence by a string key, among those whose key is after `after`:
// what a page of a listing needs (see api/paging.ts). A max-heap of the k kept so far: an item
// costs one comparison unless it is smaller than the largest kept, so n items cost O(n + k log k
// log n) — a listing of 100,000 sessions is one pass, however few rows the page has.

/** The order of page keys: by UTF-16 code units, as `<` compares strings, the same on every node. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function smallestAfter<T>(items: Iterable<T>, key: (item: T) => string, after: string | undefined, k: number): T[] {
  if (k <= 0) return [];
  const heap: { item: T; key: string }[] = [];
  for (const item of items) {
    const kk = key(item);
    if (after !== undefined && kk <= after) continue;
    if (heap.length < k) {
      heap.push({ item, key: kk });
      siftUp(heap, heap.length - 1);
    } else if (kk < heap[0].key) {
      heap[0] = { item, key: kk };
      siftDown(heap, 0);
    }
  }
  return heap.sort((a, b) => compareKeys(a.key, b.key)).map((x) => x.item);
}

/** Max-heap on `key`: every parent's key is at least its children's. */
function siftUp(heap: { key: string }[], i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent].key >= heap[i].key) return;
    [heap[parent], heap[i]] = [heap[i], heap[parent]];
    i = parent;
  }
}

function siftDown(heap: { key: string }[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let largest = i;
    if (l < heap.length && heap[l].key > heap[largest].key) largest = l;
    if (r < heap.length && heap[r].key > heap[largest].key) largest = r;
    if (largest === i) return;
    [heap[largest], heap[i]] = [heap[i], heap[largest]];
    i = largest;
  }
}
