#!/usr/bin/env bash
# Build the benchmark image offline (as root: debootstrap needs it): Debian bookworm minbase from
# the mirror apt already uses, as one layer in an OCI layout (umoci), owned by the bench user.
#
#   sudo bench/pull/make-image.sh          -> $WORK/oci (tag debian), $WORK/rootfs
#
# WORK defaults to /var/tmp/sandbox-bench; FORCE=1 rebuilds the rootfs.
set -euo pipefail
WORK=${WORK:-/var/tmp/sandbox-bench}
BENCH_USER=${BENCH_USER:-sandbox-test}
[ "$(id -u)" = 0 ] || { echo "make-image.sh: run as root (debootstrap)" >&2; exit 1; }
for tool in debootstrap umoci tar; do command -v "$tool" >/dev/null || { echo "make-image.sh: $tool not found" >&2; exit 1; }; done
mkdir -p "$WORK"

# The bookworm mirror apt uses (deb822 .sources, then sources.list).
mirror() {
  local m
  m=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |\n|$)/ && !/security/ {for(i=1;i<=NF;i++) if($i=="URIs:"){print $(i+1); exit}}' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [ -n "$m" ] || m=$(awk '$1=="deb" && / bookworm / && !/security/ {for(i=2;i<=NF;i++) if($i ~ /^[a-z]+:\/\//){print $i; exit}}' /etc/apt/sources.list 2>/dev/null | head -1)
  [ -n "$m" ] || { echo "make-image.sh: no bookworm mirror in the apt sources" >&2; exit 1; }
  echo "$m"
}

if [ -n "${FORCE:-}" ] || [ ! -x "$WORK/rootfs/usr/bin/apt-get" ]; then
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$(mirror)" > "$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log"; exit 1; }
fi
# As `apt-get clean` leaves an image: no package lists, no downloaded .debs.
rm -rf "$WORK"/rootfs/var/lib/apt/lists/* "$WORK"/rootfs/var/cache/apt/*.bin "$WORK"/rootfs/var/cache/apt/archives/*.deb

rm -rf "$WORK/oci"
umoci init --layout "$WORK/oci"
umoci new --image "$WORK/oci:debian"
# Device nodes can't be created rootless by any runtime: leave /dev's contents out, as images do.
tar --numeric-owner --xattrs -C "$WORK/rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$WORK/layer.tar" .
umoci raw add-layer --image "$WORK/oci:debian" --history.created_by "bench/pull/make-image.sh" "$WORK/layer.tar"
umoci config --image "$WORK/oci:debian" --config.cmd /bin/bash --architecture amd64 --os linux \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umoci gc --layout "$WORK/oci"
rm -f "$WORK/layer.tar"
chown -R "$BENCH_USER:" "$WORK/oci"
echo "make-image.sh: $WORK/oci:debian ($(du -sh "$WORK/rootfs" | cut -f1) unpacked)"
