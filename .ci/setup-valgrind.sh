#!/usr/bin/env bash
# valgrind from Debian's packages: instruction counts (--ipfs-accel-instructions, and the
# plugin-overhead cross-check in harness/) run under it.
set -euo pipefail
if command -v valgrind >/dev/null 2>&1; then
    echo "setup-valgrind: $(valgrind --version)"
    exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup-valgrind: installing valgrind from Debian's packages (apt-get)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq valgrind >/dev/null
echo "setup-valgrind: $(valgrind --version)"
