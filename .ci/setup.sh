#!/usr/bin/env bash
# Install everything the project and its tests need, from nothing, idempotently:
#   - .venv with the package (editable) and its dev, docker, ipfs and torch extras
#     (torch pinned to the CPU build: an unpinned torch pulls a multi-GB CUDA build);
#   - with root (or sudo): a Docker Engine + the busybox test image, the CID oracles, and
#     headless Chromium (the HTML report and dashboard are checked in a real browser).
# Each step says what it installs and how long it took.
# SETUP_SERVICES=0 skips the system services (the tests that need them then skip locally,
# and fail under CI=true). TORCH_INDEX_URL: where the CPU build of torch comes from.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
TORCH_INDEX_URL="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
SETUP_START=$SECONDS

# step "what is installed" command...: one line before, one with the time it took after.
step() {
    local what="$1" start=$SECONDS
    shift
    echo "setup: ${what}..."
    "$@"
    echo "setup: ${what}: done in $((SECONDS - start)) s"
}

install_torch() {
    # The CPU build from PyTorch's index (about 200 MB); PyPI's default build is the CUDA
    # one (about 5.6 GB with its nvidia-* wheels). Already installed: nothing to fetch.
    if .venv/bin/python -m pip install -q --retries 1 --timeout 20 \
            --index-url "$TORCH_INDEX_URL" "torch==${TORCH_VERSION}"; then
        return
    fi
    echo "setup: ${TORCH_INDEX_URL} unreachable; installing torch ${TORCH_VERSION} from the" \
         "default index instead (on Linux that is the CUDA build, several GB)" >&2
    .venv/bin/python -m pip install -q "torch==${TORCH_VERSION}"
}

if [ ! -x .venv/bin/python ]; then
    step "creating .venv with $("$PY" --version)" "$PY" -m venv .venv
fi
step "upgrading pip" .venv/bin/python -m pip install -q --upgrade pip
# torch first, pinned, so nothing later resolves to a CUDA build.
step "installing torch ${TORCH_VERSION} (CPU build)" install_torch
step "installing the package with its dev, docker, ipfs and torch extras" \
    .venv/bin/python -m pip install -q -e ".[dev,docker,ipfs,torch]"

if [ "${SETUP_SERVICES:-1}" = "1" ]; then
    step "Kubo (built from its Go module: minutes when the Go cache is cold)" bash .ci/setup-kubo.sh
    if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
        step "the Docker Engine and the busybox test image" bash .ci/setup-docker.sh
        step "the CID oracles" bash .ci/setup-oracles.sh
        step "the JS kubo-rpc-client" bash .ci/setup-js-client.sh
        step "headless Chromium" bash .ci/setup-browser.sh
        step "valgrind (instruction counts)" bash .ci/setup-valgrind.sh
    else
        echo "setup: not root and no sudo: skipping the Docker Engine and CID oracles" >&2
    fi
fi
echo "setup: done in $((SECONDS - SETUP_START)) s ($(.venv/bin/python --version)," \
     "$(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
