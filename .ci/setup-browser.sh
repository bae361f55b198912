#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the HTML report and dashboard tests.
set -euo pipefail
. "$(dirname "$0")/apt.sh"
if command -v chromium >/dev/null 2>&1; then
    echo "setup-browser: $(chromium --version 2>/dev/null || echo chromium present)"
    exit 0
fi
echo "setup-browser: installing chromium from Debian's packages (apt-get, about 100 MB)"
apt_install chromium
echo "setup-browser: $(chromium --version 2>/dev/null)"
