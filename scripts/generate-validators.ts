// Writes generated/config-validator.ts: the config file's validator (src/config/schema.ts),
// compiled by Ajv ahead of time, so that the broker does not compile it at every start (40 ms
// of CPU). Part of `npm run generate`; `npm run check:generated` fails when it is stale.
import { writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { brokerConfigSchema } from '../src/config/schema.ts';

// The options src/config/load.ts validates with (defaults filled in, first error only).
const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true, code: { source: true, esm: true, lines: true } });
let code = standalone.default(ajv, ajv.compile(brokerConfigSchema));

// Ajv's ESM output still require()s its runtime helpers; import them instead.
const imports: string[] = [];
code = code.replace(/require\("(ajv\/dist\/runtime\/[a-z0-9]+)"\)\.default/gi, (_m, path: string) => {
  const name = `runtime_${path.split('/').pop()}`;
  if (!imports.some((i) => i.includes(` ${name} `))) imports.push(`import ${name} from '${path}.js';`);
  return `${name}.default`;
});
if (/require\(/.test(code)) throw new Error('generated validator still calls require()');

writeFileSync('generated/config-validator.ts', `// Generated from src/config/schema.ts by scripts/generate-validators.ts. Do not edit.
// @ts-nocheck
${imports.join('\n')}
${code.replace(/^"use strict";\n?/, '')}
`);
