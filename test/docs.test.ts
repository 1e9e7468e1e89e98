// Tag "docs": the contract served by the API (/openapi.yaml is the exact file, /openapi.json the
// same document as JSON, both outside the envelope) and the docs page with its script. They are
// public (the token is not needed, from any address) unless docs_requires_token = true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { SPEC_PATH, specDocument } from '../src/api/spec.ts';
import { openToAll } from '../src/api/access.ts';
import { startTestRelay, http } from './helpers.ts';

const DOCS_PATHS = ['/api/v2/openapi.yaml', '/api/v2/openapi.json', '/api/v2/docs', '/api/v2/docs/redoc.standalone.js'];

test('GET /openapi.yaml, /openapi.json, /docs and its script: served without the token', { timeout: 60_000 }, async () => {
  const relay = await startTestRelay({ httpApi: { http_bearer_token: 'secret' } });
  try {
    const yaml = await http(relay, 'GET', '/api/v2/openapi.yaml');
    assert.equal(yaml.status, 200);
    assert.equal(yaml.headers['content-type'], 'application/yaml; charset=utf-8');
    assert.equal(yaml.text, readFileSync(SPEC_PATH, 'utf8'));
    const json = await http(relay, 'GET', '/api/v2/openapi.json');
    assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(json.json, parse(yaml.text));

    const page = await http(relay, 'GET', '/api/v2/docs');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    const embedded = /<script id="spec" type="application\/json">(.*?)<\/script>/s.exec(page.text);
    assert.ok(embedded, 'the page embeds the document');
    assert.deepEqual(JSON.parse(embedded[1]), json.json);
    assert.doesNotMatch(page.text, /(src|href)="(https?:)?\/\//, 'nothing is loaded from another server');
    const script = await http(relay, 'GET', '/api/v2/docs/redoc.standalone.js');
    assert.equal(script.status, 200);
    assert.equal(script.headers['content-type'], 'application/javascript; charset=utf-8');
    const bundle = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');
    assert.equal(script.text, readFileSync(bundle, 'utf8'));

    assert.equal((await http(relay, 'GET', '/api/v2/brokers')).status, 401, 'the rest of the API still needs the token');
    assert.equal((await http(relay, 'GET', '/api/v2/docs/other.js')).status, 401, 'only the listed paths are open');
    const prom = await http(relay, 'GET', '/api/v2/metrics/prometheus', { headers: { authorization: 'Bearer secret' } });
    assert.equal(prom.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8', 'Prometheus text unchanged');
  } finally {
    await relay.close();
  }
});

test('docs_requires_token = true: the contract and the docs need the token like the rest', { timeout: 60_000 }, async () => {
  const relay = await startTestRelay({ httpApi: { http_bearer_token: 'secret', docs_requires_token: true } });
  try {
    for (const path of DOCS_PATHS) {
      assert.equal((await http(relay, 'GET', path)).status, 401, path);
      assert.equal((await http(relay, 'GET', path, { headers: { authorization: 'Bearer secret' } })).status, 200, path);
    }
    assert.equal((await http(relay, 'GET', '/api/v2/health')).status, 200, 'the probes keep their own switch');
  } finally {
    await relay.close();
  }
});

test('the decision, for any address: the docs operations are open to all, the others are not', () => {
  // The tests reach the API from loopback only; this is the check that skips the token and the
  // loopback rule for a request from anywhere.
  const ops = Object.values(specDocument().paths).flatMap((item) => Object.values(item)) as { operationId: string; security?: unknown[]; tags?: string[] }[];
  const docs = ops.filter((op) => op.tags?.includes('docs')).map((op) => op.operationId).sort();
  assert.deepEqual(docs, ['get_docs', 'get_docs_script', 'get_openapi_json', 'get_openapi_yaml']);
  for (const op of ops) {
    const open = openToAll(op, { health_requires_token: false, docs_requires_token: false });
    assert.equal(open, docs.includes(op.operationId) || op.tags?.includes('health') === true, op.operationId);
    if (docs.includes(op.operationId)) assert.equal(openToAll(op, { docs_requires_token: true }), false, op.operationId);
  }
});
