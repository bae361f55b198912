#!/usr/bin/env bash
# Install the independent CID oracles used by tests/ipfs_engine (idempotent):
#  - Debian's ipfs-cid package (ipfs_cid FILE -> CIDv0/CIDv1 of Kubo's default DAG);
#  - the npm reference importer (ipfs-unixfs-importer), pinned by tools/oracles/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/npm-pinned.sh

command -v ipfs_cid >/dev/null 2>&1 || apt_install ipfs-cid
npm_pinned tools/oracles ipfs-unixfs-importer
echo "oracles ready: $(command -v ipfs_cid), node $(node --version), $(cd tools/oracles && node -p "require('./node_modules/ipfs-unixfs-importer/package.json').version")"
