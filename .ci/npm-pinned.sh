# Sourced by the setup scripts that install a pinned npm tool (idempotent):
#   npm_pinned DIR MODULE  ->  node and npm from Debian if missing, then `npm ci` in DIR
#                              when its package-lock.json changed, then MODULE imported once.
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

npm_pinned() {
    local dir="$1" module="$2"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    local lock="$dir/package-lock.json" stamp="$dir/node_modules/.lock-stamp"
    if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$lock" "$stamp"
    fi
    (cd "$dir" && node --input-type=module -e "await import('$module')")
}
