#!/usr/bin/env bash
# Install everything the project and its tests need, from nothing, idempotently:
#   - .venv with the package (editable) and its dev, docker, ipfs and torch extras
#     (torch pinned to the CPU build: an unpinned torch pulls a multi-GB CUDA build);
#   - with root (or sudo): a Docker Engine + the busybox test image, the CID oracles, and
#     headless Chromium (the HTML report and dashboard are checked in a real browser).
# SETUP_SERVICES=0 skips the system services (the tests that need them then skip locally,
# and fail under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# torch first, pinned, so nothing later resolves to a CUDA build.
.venv/bin/python -m pip install -q "torch==${TORCH_VERSION}"
.venv/bin/python -m pip install -q -e ".[dev,docker,ipfs,torch]"

if [ "${SETUP_SERVICES:-1}" = "1" ]; then
    if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
        bash .ci/setup-docker.sh
        bash .ci/setup-oracles.sh
        bash .ci/setup-browser.sh
    else
        echo "setup: not root and no sudo: skipping the Docker Engine and CID oracles" >&2
    fi
fi
echo "setup: done ($(.venv/bin/python --version), $(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
