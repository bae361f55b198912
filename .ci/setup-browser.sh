#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the HTML report and dashboard tests.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    echo "setup-browser: $(chromium --version 2>/dev/null || echo chromium present)"
    exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup-browser: installing chromium from Debian's packages (apt-get, about 100 MB)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
echo "setup-browser: $(chromium --version 2>/dev/null)"
