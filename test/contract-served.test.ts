// The contract served by the API: /openapi.yaml is the exact file, /openapi.json the same
// document as JSON, both outside the envelope and behind the same access rules as the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SPEC_PATH } from '../src/api/spec.ts';
import { startTestRelay, http } from './helpers.ts';

test('GET /openapi.yaml and /openapi.json serve spec/openapi.yaml', { timeout: 60_000 }, async () => {
  const relay = await startTestRelay({ httpApi: { http_bearer_token: 'secret' } });
  try {
    const auth = { authorization: 'Bearer secret' };
    const yaml = await http(relay, 'GET', '/api/v2/openapi.yaml', { headers: auth });
    assert.equal(yaml.status, 200);
    assert.equal(yaml.headers['content-type'], 'application/yaml; charset=utf-8');
    assert.equal(yaml.text, readFileSync(SPEC_PATH, 'utf8'));
    const json = await http(relay, 'GET', '/api/v2/openapi.json', { headers: auth });
    assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(json.json, parse(yaml.text));
    assert.equal((await http(relay, 'GET', '/api/v2/openapi.json')).status, 401, 'the token applies as to the rest of the API');
    const prom = await http(relay, 'GET', '/api/v2/metrics/prometheus', { headers: auth });
    assert.equal(prom.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8', 'Prometheus text unchanged');
  } finally {
    await relay.close();
  }
});
