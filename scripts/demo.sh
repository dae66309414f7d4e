#!/usr/bin/env bash
# `npm run demo`: everything a fresh machine needs to show Guidepost running on the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js >= 20.19 is required (found "+process.versions.node+")"); process.exit(1) }'

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[demo] installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

bash scripts/services.sh
exec node_modules/.bin/tsx scripts/demo.ts "$@"
