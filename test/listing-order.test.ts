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

test('SortedStrings.containing(part, cursor) reads the members holding part, in order, through adds and deletes', () => {
  // Short strings over few characters (the separator the search joins with among them), and a
  // search between the changes: each chunk's joined text must be dropped when the chunk changes.
  const char = fc.constantFrom('a', 'b', 'c', '/', '\u0000');
  const str = fc.array(char, { maxLength: 6 }).map((cs) => cs.join('')); // enough for several chunks of 512
  const part = fc.array(char, { maxLength: 3 }).map((cs) => cs.join(''));
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), str), { maxLength: 3000 }), part, fc.option(str), (ops, part, after) => {
    const set = new SortedStrings();
    const model = new Set<string>();
    const expected = () => [...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .filter((x) => x.includes(part) && (after === null || x > after));
    ops.forEach(([add, s], n) => {
      if (add) { set.add(s); model.add(s); } else { set.delete(s); model.delete(s); }
      if (n % 100 === 0) assert.deepEqual([...set.containing(part, after ?? undefined)], expected());
    });
    assert.deepEqual([...set.containing(part, after ?? undefined)], expected());
  }), { numRuns: 200, seed: 20261130 });
});

test('SortedStrings.containing finds a member that a split moved into a new chunk after a search', () => {
  const set = new SortedStrings();
  for (let i = 0; i < 1000; i++) set.add(`a${String(i).padStart(3, '0')}`); // chunks of 256, 256, 488
  assert.deepEqual([...set.containing('q')], []); // every chunk's text is made now
  set.add('a254q'); // into the first chunk, near its end
  // 256 more into the first chunk: it splits, and its upper half, with a254q, becomes the second.
  for (let k = 0; k < 256; k++) set.add(`a000-${String(k).padStart(3, '0')}`);
  assert.deepEqual([...set.containing('q')], ['a254q']);
  assert.deepEqual([...set.containing('-25')], ['a000-250', 'a000-251', 'a000-252', 'a000-253', 'a000-254', 'a000-255']);
});
