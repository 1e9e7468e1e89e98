// The patch to openapi-backend (patches/openapi-backend+*.patch): its mocking and definition
// checking load their dependencies when first used, not when openapi-backend is loaded, so a
// server that never mocks and starts with `quick: true` does not pay for them at start-up.
// Run in a fresh process, whose module cache shows what was loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const PROBE = `
const { OpenAPIBackend } = require('openapi-backend');
const loaded = () => Object.keys(require.cache).filter((f) => /node_modules\\/(mock-json-schema|openapi-schema-validator)\\//.test(f)).length > 0;
const definition = { openapi: '3.0.3', info: { title: 't', version: '1' }, paths: { '/x': { get: { operationId: 'x',
  responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } } } } } } } };
const api = new OpenAPIBackend({ definition, quick: true });
api.init().then(() => {
  const atStart = loaded();
  const mock = api.mockResponseForOperation('x').mock;
  // Without quick, init checks the definition.
  return new OpenAPIBackend({ definition: structuredClone(definition) }).init().then(() => {
    console.log(JSON.stringify({ atStart, afterUse: loaded(), mock }));
  });
});
`;

test('openapi-backend loads its mocking and definition-checking dependencies on first use only', () => {
  const run = spawnSync(process.execPath, ['-e', PROBE], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { atStart: boolean; afterUse: boolean; mock: { n: unknown } };
  assert.equal(out.atStart, false, 'loaded with openapi-backend itself');
  assert.equal(out.afterUse, true);
  assert.equal(typeof out.mock.n, 'number', 'mocking still works');
});
