#!/usr/bin/env bash
# Install the JS kubo-rpc-client that tests/ipfs_rpc/test_js_client.py drives against real
# Kubo and our daemon (idempotent): Node.js and npm, then `npm ci` in tools/js_client,
# pinned by its package-lock.json (kubo-rpc-client 7.1.0).
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/npm-pinned.sh

npm_pinned tools/js_client kubo-rpc-client
echo "js client ready: node $(node --version), kubo-rpc-client" \
     "$(cd tools/js_client && node -p "require('./node_modules/kubo-rpc-client/package.json').version")"
