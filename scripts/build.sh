#!/usr/bin/env bash
# npm run build: TypeScript compiled to dist/, and the contract next to it, as the YAML file it
# is (served by /openapi.yaml) and as JSON (what the compiled broker reads at start-up). Then the
# compiled broker bundled into one file, which `npm start` runs: loading some 300 modules one by
# one was a third of its start-up CPU (see scripts/bundle.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
tsc -p tsconfig.build.json
mkdir -p dist/spec
cp spec/openapi.yaml dist/spec/
node -e "const fs = require('node:fs'); fs.writeFileSync('dist/spec/openapi.json', JSON.stringify(require('yaml').parse(fs.readFileSync('spec/openapi.yaml', 'utf8'))))"
bash scripts/bundle.sh
