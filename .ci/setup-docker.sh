#!/usr/bin/env bash
# Bring up a Docker Engine and the busybox test image, idempotently, from nothing.
#   - installs Debian's docker.io and busybox-static when missing (apt-get),
#   - starts dockerd (vfs storage, no iptables) in the background, logging to
#     ${DOCKERD_LOG:-/tmp/dockerd.log}, unless an engine already answers,
#   - builds pytest-ipfs-accel/busybox:test with .ci/build-busybox-image.sh.
# Exits non-zero, with the reason, when the engine does not come up.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log="${DOCKERD_LOG:-/tmp/dockerd.log}"
sock="/var/run/docker.sock"
wait_s="${DOCKERD_WAIT_S:-60}"

say() { echo "setup-docker: $*" >&2; }

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        say "need root to run: $*"; return 1; fi
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1 \
        || { [ ! -x /bin/busybox ] && ! command -v busybox >/dev/null 2>&1; }; then
    say "installing docker.io and busybox-static"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker.io busybox-static >/dev/null
fi

if engine_up; then
    say "engine already answers ($(docker version --format '{{.Server.Version}}'))"
else
    if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix://${sock}" ]; then
        say "DOCKER_HOST=${DOCKER_HOST} does not answer; unset it to start a local dockerd"
        exit 1
    fi
    say "starting dockerd (log: ${log})"
    as_root rm -f /var/run/docker.pid
    as_root sh -c "nohup dockerd --storage-driver=vfs --iptables=false >'${log}' 2>&1 &"
    for _ in $(seq 1 "${wait_s}"); do
        [ -S "${sock}" ] && engine_up && break
        sleep 1
    done
    if ! engine_up; then
        say "the Docker Engine did not come up within ${wait_s}s (socket ${sock}); last log lines:"
        tail -n 20 "${log}" >&2 || true
        exit 1
    fi
    say "engine up ($(docker version --format '{{.Server.Version}}'))"
fi

bash "${here}/build-busybox-image.sh"
