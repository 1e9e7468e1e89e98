#!/usr/bin/env bash
# The compiled broker (dist/src/main.js) and the packages it imports, bundled by esbuild into
# dist/bundle/relaymq/main.js: what `npm start` and the `relaymq` command run.
#
# - Two folders below dist/, like dist/src/api/spec.js: the bundle keeps each module's
#   import.meta.url-relative paths, and spec.ts finds dist/spec/ two folders up.
# - Left out, and loaded from node_modules when needed:
#   - classic-level: a native addon, found by path;
#   - pino: it finds its worker files by path;
#   - ioredis: it reads its own package.json by path (and only cluster mode loads it);
#   - bufferutil, utf-8-validate: optional speed-ups of ws, not installed;
#   - debug: src/util/quiet-debug.ts replaces it in the module cache, which only `require` reads.
# - The banner gives bundled CommonJS code a `require` for those.
set -euo pipefail
cd "$(dirname "$0")/.."
esbuild dist/src/main.js --bundle --platform=node --format=esm --target=node20 \
  --outfile=dist/bundle/relaymq/main.js --sourcemap --log-level=warning \
  --external:classic-level --external:pino --external:ioredis --external:bufferutil --external:utf-8-validate --external:debug \
  --banner:js="import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);"
