#!/usr/bin/env node
// The `relaymq` command: the compiled broker (`npm run build`, which `npm ci` runs).
await import('../dist/src/main.js');
