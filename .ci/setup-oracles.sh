#!/usr/bin/env bash
# Install the independent CID oracles used by tests/ipfs_engine (idempotent):
#  - Debian's ipfs-cid package (ipfs_cid FILE -> CIDv0/CIDv1 of Kubo's default DAG);
#  - the npm reference importer (ipfs-unixfs-importer), pinned by tools/oracles/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v ipfs_cid >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ipfs-cid >/dev/null
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi

lock=tools/oracles/package-lock.json
stamp=tools/oracles/node_modules/.lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    (cd tools/oracles && npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
fi

(cd tools/oracles && node --input-type=module -e "await import('ipfs-unixfs-importer')")
echo "oracles ready: $(command -v ipfs_cid), node $(node --version), $(cd tools/oracles && node -p "require('./node_modules/ipfs-unixfs-importer/package.json').version")"
