#!/usr/bin/env bash
# Build the offline test image pytest-ipfs-accel/busybox:test (or $1) by `docker import`
# of a rootfs made from Debian's busybox-static: /bin/busybox plus its applet symlinks,
# /etc/passwd and /etc/group, /tmp, and /www/index.html for `httpd -f -p 8080 -h /www`.
# No registry is needed. Skips the build when the image exists (FORCE=1 rebuilds).
set -euo pipefail

image="${1:-pytest-ipfs-accel/busybox:test}"
say() { echo "build-busybox-image: $*" >&2; }

if [ "${FORCE:-0}" != "1" ] && docker image inspect "${image}" >/dev/null 2>&1; then
    say "${image} already exists"
    exit 0
fi

busybox_bin="$(command -v busybox || true)"
[ -x /bin/busybox ] && busybox_bin=/bin/busybox
# A dynamically linked busybox would not run in the bare rootfs (ldd fails on a static one).
if [ -z "${busybox_bin}" ] || ldd "${busybox_bin}" >/dev/null 2>&1; then
    say "a statically linked busybox is needed (${busybox_bin:-none found}): apt-get install busybox-static"
    exit 1
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "${rootfs}"' EXIT
mkdir -p "${rootfs}"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,www,root,proc,sys,dev}
chmod 1777 "${rootfs}/tmp"
cp "${busybox_bin}" "${rootfs}/bin/busybox"
# Applet symlinks (sh, httpd, nc, sleep...), made on the host without running chroot.
for applet in $("${busybox_bin}" --list-full); do
    [ "${applet}" = "bin/busybox" ] && continue
    mkdir -p "${rootfs}/$(dirname "${applet}")"
    ln -sf /bin/busybox "${rootfs}/${applet}"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "${rootfs}/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "${rootfs}/etc/group"
printf '<html><body>pytest-ipfs-accel busybox test image</body></html>\n' > "${rootfs}/www/index.html"

tar -C "${rootfs}" -c . | docker import \
    --change 'CMD ["/bin/sh"]' \
    --change 'LABEL org.pytest-ipfs-accel.test-image=1' \
    - "${image}" >/dev/null
say "built ${image}"
