// The contract and what is derived from it: generated types are fresh, OpenAPI 3.1 constructs
// validate through openapi-backend with Ajv 2020, and no spec operation can go unhandled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, validateOpenApi31 } from '../src/api/backend.ts';
import { handlers } from '../src/api/handlers.ts';
import { SPEC_PATH, specDocument } from '../src/api/spec.ts';
import { plainTopicFilterProblem } from '../src/broker/topics.ts';
import fc from 'fast-check';

test('generated/openapi.d.ts is up to date with spec/openapi.yaml (run `npm run generate`)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'relaymq-gen-')), 'openapi.d.ts');
  execFileSync(process.execPath, ['node_modules/openapi-typescript/bin/cli.js', SPEC_PATH, '--default-non-nullable', 'false', '-o', out], { stdio: 'pipe' });
  assert.equal(readFileSync('generated/openapi.d.ts', 'utf8'), readFileSync(out, 'utf8'));
});

test('the spec is OpenAPI 3.1 and every schema compiles as JSON Schema 2020-12', () => {
  assert.match(specDocument().openapi, /^3\.1\./);
  assert.doesNotThrow(() => validateOpenApi31(specDocument() as never));
  assert.throws(() => validateOpenApi31({ ...specDocument(), openapi: '3.0.3' } as never), /expected OpenAPI 3.1/);
  const broken = structuredClone(specDocument()) as any;
  broken.components.schemas.Qos = { type: 'integer', minimum: 'zero' };
  assert.throws(() => validateOpenApi31(broken), /schema 'Qos' is invalid/);
});

const tiny31 = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
  paths: {
    '/things': {
      post: {
        operationId: 'publish',
        requestBody: { required: true, content: { 'application/json': { schema: {
          type: 'object', additionalProperties: false,
          properties: { note: { type: ['string', 'null'] }, n: { type: 'integer', exclusiveMinimum: 0 } },
        } } } },
        responses: { '200': { description: 'ok' } },
      },
    },
  },
};

test('a 3.1-only construct (type: [string, "null"]) validates requests through openapi-backend', async () => {
  const { api } = await createBackend(tiny31 as never, { publish: async () => 'ok' } as never);
  const check = (body: unknown) => api.validateRequest({ method: 'post', path: '/api/v2/things', headers: { 'content-type': 'application/json' }, body });
  assert.equal(check({ note: null }).valid, true);
  assert.equal(check({ note: 'x', n: 1 }).valid, true);
  assert.equal(check({ note: 5 }).valid, false);
  assert.equal(check({ n: 0 }).valid, false, '3.1 numeric exclusiveMinimum');
});

test('startup fails, naming them, when spec operations have no handler', async () => {
  const partial: Record<string, unknown> = { ...handlers };
  delete partial.get_brokers;
  delete partial.publish;
  await assert.rejects(createBackend(specDocument() as never, partial), /spec operations without a handler: .*get_brokers.*publish|publish.*get_brokers/);
});

test('every operation documents its errors with the shared envelope responses', () => {
  for (const [path, item] of Object.entries(specDocument().paths)) {
    for (const [method, op] of Object.entries(item) as [string, any][]) {
      const statuses = Object.keys(op.responses);
      assert.ok(statuses.includes('401') && statuses.includes('500'), `${method} ${path} documents 401 and 500`);
      if (path.includes('{') || op.parameters?.length) assert.ok(statuses.includes('400'), `${method} ${path} documents 400`);
      if (op.requestBody) assert.ok(statuses.includes('413') && statuses.includes('415'), `${method} ${path} documents 413/415`);
    }
  }
});

test('every success envelope requires its data, so generated SDKs type it as present', () => {
  const schemas = specDocument().components.schemas as Record<string, { allOf?: { required?: string[]; properties?: Record<string, unknown> }[] }>;
  const envelopes = Object.entries(schemas).filter(([name]) => name.endsWith('Envelope') && name !== 'SuccessEnvelope' && name !== 'ErrorEnvelope');
  assert.ok(envelopes.length > 20);
  for (const [name, schema] of envelopes) {
    const own = schema.allOf?.find((part) => part.properties?.data);
    assert.ok(own?.required?.includes('data'), `${name} requires data`);
  }
  const generated = readFileSync('generated/openapi.d.ts', 'utf8');
  assert.doesNotMatch(generated, /^\s+data\?:/m, 'no optional data in the generated types');
});

test("WellFormedTopicFilter's pattern accepts exactly the filters the API accepts (plainTopicFilterProblem)", () => {
  // A fuzzer builds "valid" requests from the pattern: where the two disagree, a request the
  // spec calls valid is refused (the conformance run that found this sent _match_topic='# ').
  const { pattern } = specDocument().components.schemas.WellFormedTopicFilter as { pattern: string };
  const re = new RegExp(pattern, 'u');
  const pieces = ['a', '/', '+', '#', '$share/', '$share', 'g', ' ', '\u0000', 'é', '$'];
  const filter = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 7 }).map((p) => p.join(''));
  fc.assert(fc.property(filter, (f) => re.test(f) === (plainTopicFilterProblem(f) === undefined)), { numRuns: 20_000 });
});
