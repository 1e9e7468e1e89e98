#!/usr/bin/env bash
# Lints spec/openapi.yaml with Redocly's recommended rules (see redocly.yaml).
# Redocly exits 0 on warnings; we want any unjustified warning to fail, so count them too.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(npx --no-install redocly lint spec/openapi.yaml --format=stylish 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -v -e '^\s*$' -e '║' -e '╔' -e '╚' || true
if echo "$out" | grep -qiE '[0-9]+ warnings?|warning was generated'; then
  echo "lint:spec: warnings are not allowed (justify them in redocly.yaml instead)" >&2
  exit 1
fi
