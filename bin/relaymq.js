#!/usr/bin/env node
// The `relaymq` command: the bundled broker (`npm run build`, which `npm ci` runs).
await import('../dist/bundle/relaymq/main.js');
