# Sourced by the setup scripts: apt_install PACKAGE... installs Debian packages quietly
# (through sudo when not root).
apt_install() {
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
