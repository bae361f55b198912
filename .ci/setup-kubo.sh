#!/usr/bin/env bash
# Build and install the pinned Kubo (`ipfs`) from its Go module, idempotently.
#
# The version is the one the project reproduces, stated once in
# pytest_ipfs_accelerate/ipfs/engine/kubo_release.py (KUBO_VERSION). Nothing but the Go
# module proxy is used: no prebuilt binary is downloaded.
#
#   - skips everything when `ipfs version --number` at the install place already matches;
#   - reuses the Go module and build caches (a warm rebuild takes seconds, a cold one minutes);
#   - installs to $KUBO_BIN_DIR (default /usr/local/bin as root, else ~/.local/bin).
#
# Why not `go install github.com/ipfs/kubo/cmd/ipfs@vX`: Kubo's go.mod carries a `replace`
# directive, which `go install pkg@version` refuses. The module is built from its own
# directory instead. Kubo 0.43.1 replaces go-libp2p with a fork that the module proxy does
# not serve; when that fork cannot be fetched, the build uses the go-libp2p release the
# replace's TODO waits for ($KUBO_LIBP2P_FALLBACK: it requires quic-go v0.62.0 and
# webtransport-go v0.13.0, as the fork does). Only the transport layer is affected; the
# importer (boxo) and every RPC command are Kubo's own.
set -euo pipefail
cd "$(dirname "$0")/.."

version_file=pytest_ipfs_accelerate/ipfs/engine/kubo_release.py
KUBO_VERSION="${KUBO_VERSION:-$(sed -n 's/^KUBO_VERSION = "\(.*\)"$/\1/p' "$version_file")}"
if [ -z "$KUBO_VERSION" ]; then
    echo "setup-kubo: cannot read KUBO_VERSION from $version_file" >&2
    exit 1
fi
KUBO_LIBP2P_FALLBACK="${KUBO_LIBP2P_FALLBACK:-v0.50.0}"
if [ -z "${KUBO_BIN_DIR:-}" ]; then
    if [ -w /usr/local/bin ]; then KUBO_BIN_DIR=/usr/local/bin; else KUBO_BIN_DIR="$HOME/.local/bin"; fi
fi
target="$KUBO_BIN_DIR/ipfs"

if [ -x "$target" ] && [ "$("$target" version --number 2>/dev/null || true)" = "$KUBO_VERSION" ]; then
    echo "setup-kubo: Kubo $KUBO_VERSION already at $target"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    for dir in /usr/local/go/bin "$HOME/go/bin"; do
        [ -x "$dir/go" ] && PATH="$dir:$PATH"
    done
fi
if ! command -v go >/dev/null 2>&1; then
    echo "setup-kubo: the Go toolchain (go) is not installed; install Go >= 1.26 to build Kubo $KUBO_VERSION" >&2
    exit 1
fi

start=$(date +%s)
module="github.com/ipfs/kubo@v$KUBO_VERSION"
src_dir=$(go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
if [ -z "$src_dir" ] || [ ! -f "$src_dir/go.mod" ]; then
    echo "setup-kubo: go mod download $module gave no source directory" >&2
    exit 1
fi
work="${XDG_CACHE_HOME:-$HOME/.cache}/pytest-ipfs-accel/kubo-$KUBO_VERSION"
rm -rf "$work"
mkdir -p "$(dirname "$work")"
cp -r "$src_dir" "$work"
chmod -R u+w "$work"
out="$work/ipfs.new"
log="$work/build.log"

build() {
    (cd "$work" && go build -trimpath -buildvcs=false -o "$out" ./cmd/ipfs) >"$log" 2>&1
}

echo "setup-kubo: building Kubo $KUBO_VERSION from $module (minutes when the Go build cache is cold)"
if ! build; then
    if grep -q "lidel/go-libp2p" "$log" && grep -q "replace github.com/libp2p/go-libp2p" "$work/go.mod"; then
        echo "setup-kubo: go-libp2p fork not served; building with go-libp2p $KUBO_LIBP2P_FALLBACK"
        (cd "$work" && go mod edit -dropreplace github.com/libp2p/go-libp2p \
            -require "github.com/libp2p/go-libp2p@$KUBO_LIBP2P_FALLBACK")
        # go.sum lacks the upstream release: let the proxy's copy be recorded.
        export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
        export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/libp2p/go-libp2p"
        build || { tail -n 30 "$log" >&2; echo "setup-kubo: build failed (log: $log)" >&2; exit 1; }
    else
        tail -n 30 "$log" >&2
        echo "setup-kubo: build failed (log: $log)" >&2
        exit 1
    fi
fi

got=$("$out" version --number)
if [ "$got" != "$KUBO_VERSION" ]; then
    echo "setup-kubo: built binary reports $got, expected $KUBO_VERSION" >&2
    exit 1
fi
mkdir -p "$KUBO_BIN_DIR"
install -m 0755 "$out" "$target"
rm -rf "$work"
echo "setup-kubo: Kubo $KUBO_VERSION installed at $target in $(( $(date +%s) - start ))s"
case ":$PATH:" in
    *":$KUBO_BIN_DIR:"*) ;;
    *) echo "setup-kubo: $KUBO_BIN_DIR is not on PATH: add it, or point the tests at the binary with IPFS_ACCEL_IPFS_BIN=$target" >&2 ;;
esac
