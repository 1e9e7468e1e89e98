// deploy/ cannot be built here (no Docker, no systemd): check that what its files name exists —
// every path the Dockerfile copies, the commands it and the unit run, the probe it calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { specDocument } from '../src/api/spec.ts';
import { loadConfig } from '../src/config/load.ts';
import { startTestRelay, http } from './helpers.ts';
import { START_FILE } from '../scripts/start-file.ts';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
/** What `npm start` runs, and the bundle script writes. */
const isStartFile = (path: string) => path === START_FILE && readFileSync('scripts/bundle.sh', 'utf8').includes(`--outfile=${path}`);

/** The paths a Dockerfile's COPY lines (not those from another stage) take from the build context. */
const sources = (dockerfile: string) => [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1));

test('Dockerfile: every copied path exists, the build script exists, the entry point is npm start\'s, the probe is an operation', () => {
  const dockerfile = readFileSync('deploy/Dockerfile', 'utf8');
  const copies = sources(dockerfile);
  assert.ok(copies.length >= 8);
  for (const path of copies) assert.ok(existsSync(path), `COPY ${path}`);
  for (const m of dockerfile.matchAll(/npm run (\w+)/g)) {
    assert.ok(pkg.scripts[m[1]], `npm run ${m[1]}`);
    // The files a script runs are in the image before it runs (npm run build is bash scripts/build.sh).
    const before = sources(dockerfile.slice(0, m.index));
    for (const file of pkg.scripts[m[1]].match(/\bscripts\/[\w.-]+/g) ?? []) {
      assert.ok(before.some((c) => file === c || file.startsWith(`${c.replace(/\/$/, '')}/`)), `${file} is copied before npm run ${m[1]}`);
    }
  }
  const entry = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)![1]) as string[];
  assert.ok(isStartFile(entry[1]), `${entry[1]} is what npm start runs, and the build writes it`);
  const cmd = JSON.parse(/^CMD (\[.+)$/m.exec(dockerfile)![1]) as string[];
  const config = cmd[cmd.indexOf('--config') + 1];
  const doc = parseToml(readFileSync(config, 'utf8')) as { persistence: { data_dir: string }; plugins: { dir: string } };
  assert.equal(doc.persistence.data_dir, '/data', 'the store is in the volume');
  assert.ok(existsSync(`${config.replace(/[^/]+$/, '')}${doc.plugins.dir}/rmqtt-http-api.toml`), 'the plugin folder resolves');
  const probe = /127\.0\.0\.1:6060\/api\/v2(\/[\w/]+)/.exec(dockerfile)![1];
  assert.ok(specDocument().paths[probe]?.get, `HEALTHCHECK calls GET ${probe}`);
  assert.deepEqual(specDocument().paths[probe].get.security, [], 'and needs no token');
  assert.match(dockerfile, /^USER node$/m, 'runs as a non-root user');
});

test('docker-compose.yml builds that Dockerfile; the systemd unit runs npm start\'s file and reloads with SIGHUP', () => {
  const compose = parseYaml(readFileSync('deploy/docker-compose.yml', 'utf8')) as { services: { relaymq: { build: { context: string; dockerfile: string } } } };
  assert.equal(compose.services.relaymq.build.dockerfile, 'deploy/Dockerfile');
  assert.ok(existsSync(`deploy/${compose.services.relaymq.build.context}/deploy/Dockerfile`));
  const unit = readFileSync('deploy/systemd/relaymq.service', 'utf8');
  const exec = /^ExecStart=\/usr\/bin\/node \/opt\/relaymq\/(\S+) --config \/opt\/relaymq\/(\S+)$/m.exec(unit)!;
  assert.ok(isStartFile(exec[1]), `${exec[1]} is what npm start runs`);
  assert.ok(existsSync(exec[2]), exec[2]);
  assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
});

test('docker-compose.cluster.yml: three nodes of that image, each with its own id, ports and volume, on the compose file\'s Redis', () => {
  const compose = parseYaml(readFileSync('deploy/docker-compose.cluster.yml', 'utf8'), { merge: true }) as {
    services: Record<string, { build?: { dockerfile: string }; command?: string[]; ports?: string[]; volumes?: string[]; depends_on?: object }>;
  };
  const dockerfile = readFileSync('deploy/Dockerfile', 'utf8');
  const nodes = Object.entries(compose.services).filter(([name]) => name.startsWith('relaymq-'));
  assert.equal(nodes.length, 3);
  const ids = new Set<number>();
  for (const [name, svc] of nodes) {
    assert.equal(svc.build?.dockerfile, 'deploy/Dockerfile', name);
    assert.ok(svc.depends_on && 'redis' in svc.depends_on, `${name} waits for Redis`);
    const file = svc.command![svc.command!.indexOf('--config') + 1];
    assert.ok(dockerfile.includes(`COPY ${file.replace(/\/[^/]+$/, '')} `), `${file} is in the image`);
    const cfg = loadConfig(file);
    assert.equal(cfg.broker.cluster.type, 'redis');
    assert.ok(compose.services[new URL(cfg.broker.cluster.redis_url).hostname], `${name}: its Redis is a service of the file`);
    assert.equal(cfg.broker.persistence.data_dir, '/data');
    assert.ok(existsSync(resolve(dirname(file), cfg.broker.plugins.dir, 'rmqtt-http-api.toml')), `${name}: the plugin folder resolves`);
    ids.add(cfg.broker.node.id);
  }
  assert.equal(ids.size, 3, 'every node has its own id');
  for (const key of ['ports', 'volumes'] as const) {
    const all = nodes.flatMap(([, svc]) => svc[key]!.map((x) => x.split(':')[0]));
    assert.equal(new Set(all).size, all.length, `no two nodes share ${key}`);
  }
});

test('Grafana dashboard: every query reads a series a relaymq scrape has', { timeout: 60_000 }, async () => {
  const dashboard = JSON.parse(readFileSync('deploy/grafana/relaymq-dashboard.json', 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
  assert.ok(exprs.length >= 10);
  const relay = await startTestRelay();
  try {
    const scrape = (await http(relay, 'GET', '/api/v2/metrics/prometheus')).text;
    for (const expr of exprs) {
      const m = /([a-z][a-z0-9_]*)(?:\{item="([^"]+)")?/.exec(expr.replace(/^rate\(/, ''))!;
      const series = m[2] ? `${m[1]}{item="${m[2]}"` : `\n${m[1]} `;
      assert.ok(scrape.includes(series), `${expr}: ${series} is in the scrape`);
    }
  } finally {
    await relay.close();
  }
});
