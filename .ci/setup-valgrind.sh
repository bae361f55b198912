#!/usr/bin/env bash
# valgrind from Debian's packages: instruction counts (--ipfs-accel-instructions, and the
# plugin-overhead cross-check in harness/) run under it.
set -euo pipefail
. "$(dirname "$0")/apt.sh"
if command -v valgrind >/dev/null 2>&1; then
    echo "setup-valgrind: $(valgrind --version)"
    exit 0
fi
echo "setup-valgrind: installing valgrind from Debian's packages (apt-get)"
apt_install valgrind
echo "setup-valgrind: $(valgrind --version)"
