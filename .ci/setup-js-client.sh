#!/usr/bin/env bash
# Install the JS kubo-rpc-client that tests/ipfs_rpc/test_js_client.py drives against real
# Kubo and our daemon (idempotent): Node.js and npm, then `npm ci` in tools/js_client,
# pinned by its package-lock.json (kubo-rpc-client 7.1.0).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi

lock=tools/js_client/package-lock.json
stamp=tools/js_client/node_modules/.lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    (cd tools/js_client && npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
fi

(cd tools/js_client && node --input-type=module -e "await import('kubo-rpc-client')")
echo "js client ready: node $(node --version), kubo-rpc-client" \
     "$(cd tools/js_client && node -p "require('./node_modules/kubo-rpc-client/package.json').version")"
