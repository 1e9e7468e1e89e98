// The orders listings page in (api/paging.ts): smallestAfter (src/util/smallest.ts) selects a
// page as sorting everything would, and SortedStrings (src/util/sorted-strings.ts) reads a set in
// order from any cursor, through any adds and deletes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { smallestAfter } from '../src/util/smallest.ts';
import { SortedStrings } from '../src/util/sorted-strings.ts';

test('smallestAfter returns the k smallest keys after the cursor, in order', () => {
  fc.assert(fc.property(fc.array(fc.string({ maxLength: 4 }), { maxLength: 300 }), fc.option(fc.string({ maxLength: 4 })), fc.integer({ min: 0, max: 40 }), (keys, after, k) => {
    const want = keys.filter((x) => after === null || x > after).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, k);
    assert.deepEqual(smallestAfter(keys, (x) => x, after ?? undefined, k), want);
  }), { numRuns: 300, seed: 20261129 });
});

test('SortedStrings keeps a set in order through adds and deletes; after(cursor) reads from the cursor on', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 3 })), { maxLength: 3000 }), fc.option(fc.string({ maxLength: 3 })), (ops, after) => {
    const set = new SortedStrings();
    const model = new Set<string>();
    for (const [add, s] of ops) {
      if (add) { set.add(s); model.add(s); } else assert.equal(set.delete(s), model.delete(s));
    }
    const sorted = [...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.equal(set.size, model.size);
    assert.deepEqual([...set.after()], sorted);
    assert.deepEqual([...set.after(after ?? undefined)], sorted.filter((x) => after === null || x > after));
  }), { numRuns: 200, seed: 20261129 });
});
