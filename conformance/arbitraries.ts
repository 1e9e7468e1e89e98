// JSON Schema (the 2020-12 subset OpenAPI request schemas use) → fast-check arbitraries, so
// that a failing request shrinks to a small one. Strings stay short (generation is biased
// towards the interesting, not the huge); `live` supplies values taken from the running broker.
import fc from 'fast-check';
import { pointer, type Schema } from './spec.ts';

export interface ArbitraryContext {
  doc: Schema;
  /** Live values for a property or parameter name (client ids, topics, node ids…), mixed in. */
  live(name: string): unknown[];
  /** Whether a value satisfies a schema: only valid live values are mixed in. */
  valid(schema: Schema, value: unknown): boolean;
}

const MAX_STRING = 24;

export function arbitraryFor(schema: Schema | boolean | undefined, ctx: ArbitraryContext, name = ''): fc.Arbitrary<unknown> {
  const base = fromSchema(schema, ctx, name);
  const live = name && schema && typeof schema === 'object' ? ctx.live(name).filter((v) => ctx.valid(schema, v)) : [];
  return live.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...live) }, { weight: 1, arbitrary: base }) : base;
}

function fromSchema(schema: Schema | boolean | undefined, ctx: ArbitraryContext, name: string): fc.Arbitrary<unknown> {
  if (schema === undefined || schema === true) return fc.jsonValue({ maxDepth: 1 });
  if (schema === false) return fc.constant(undefined);
  if (schema.$ref) return fromSchema(pointer(ctx.doc, schema.$ref), ctx, name);
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((t: string) => fromSchema({ ...schema, type: t }, ctx, name)));
  switch (schema.type) {
    case 'null': return fc.constant(null);
    case 'boolean': return fc.boolean();
    case 'integer': return fc.integer({ min: bound(schema.minimum, schema.exclusiveMinimum, 1, -1000), max: bound(schema.maximum, schema.exclusiveMaximum, -1, 100000) });
    case 'number': return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'string': return stringArb(schema);
    case 'array': return fc.array(fromSchema(schema.items, ctx, name), { maxLength: 3 });
    case 'object': return objectArb(schema, ctx);
    default: return schema.properties ? objectArb(schema, ctx) : fc.jsonValue({ maxDepth: 1 });
  }
}

function bound(inclusive: number | undefined, exclusive: number | undefined, step: number, fallback: number): number {
  if (exclusive !== undefined) return exclusive + step;
  return inclusive ?? fallback;
}

function stringArb(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? MAX_STRING, Math.max(min, MAX_STRING));
  const arb = schema.pattern ? fc.stringMatching(new RegExp(schema.pattern, 'u')) : fc.string({ minLength: min, maxLength: max });
  return arb.filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity));
}

function objectArb(schema: Schema, ctx: ArbitraryContext): fc.Arbitrary<Record<string, unknown>> {
  const required = new Set<string>(schema.required ?? []);
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, sub] of Object.entries<Schema>(schema.properties ?? {})) {
    const arb = arbitraryFor(sub, ctx, k);
    parts[k] = required.has(k) ? arb : fc.option(arb, { nil: undefined, freq: 2 });
  }
  const fixed = fc.record(parts).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) {
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fromSchema(schema.additionalProperties, ctx, ''), { maxKeys: 3 });
  }
  return fixed;
}
