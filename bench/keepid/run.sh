#!/usr/bin/env bash
# What --userns=keep-id costs: the first and the second keep-id run of an image against a plain
# run (the kernel overlay) and a plain run on the FUSE overlay, in a fresh store; then medians
# of each (hyperfine). With rootless podman (overlay, crun) the same first/second pair, when
# podman is installed: podman chown-copies the image on its first keep-id run.
#
#   bench/keepid/run.sh                      busybox fixture, and the debootstrap image of
#                                            bench/pull/make-image.sh when it exists
#   (as root it drops to $BENCH_USER, default sandbox-test)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FIXTURES=${SANDBOX_FIXTURES:-/var/tmp/sbx-fixtures}
BENCH=${BENCH_WORK:-/var/tmp/sandbox-bench}
RUNS=${RUNS:-20}

if [ "$(id -u)" = 0 ]; then
  user=${BENCH_USER:-sandbox-test}
  uid=$(id -u "$user")
  exec runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
    XDG_RUNTIME_DIR="/run/user/$uid" RUNS="$RUNS" SANDBOX_FIXTURES="$FIXTURES" BENCH_WORK="$BENCH" ${SANDBOX_MONITOR:+SANDBOX_MONITOR=$SANDBOX_MONITOR} bash "$0"
fi
unset NODE_EXTRA_CA_CERTS  # costs every node start ~40 ms; a user's shell has none

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench-keepid.XXXXXX")
P=(podman --root "$WORK/podman" --runroot "$WORK/podman-run" --storage-driver overlay --cgroup-manager cgroupfs --events-backend file)
[ -x "$ROOT/../shared/baseline/crun-hybrid-wrapper.sh" ] && P+=(--runtime "$ROOT/../shared/baseline/crun-hybrid-wrapper.sh")
cleanup() {
  command -v podman >/dev/null && "${P[@]}" system reset -f >/dev/null 2>&1 || true
  node -- "$ROOT/bin/sandbox.js" rm -f $(node -- "$ROOT/bin/sandbox.js" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
  podman unshare rm -rf "$WORK" 2>/dev/null || rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT
export XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" HOME="$WORK"
S="node -- $ROOT/bin/sandbox.js"

ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "FAILED: $*" >&2; echo $(( ($(date +%s%N) - s) / 1000000 )); }

images=("lab/busybox")
$S load -q -i "$FIXTURES/busybox.oci.tar" >/dev/null
if [ -f "$BENCH/oci/index.json" ]; then
  tar -C "$BENCH/oci" -cf "$WORK/debian.oci.tar" .
  id=$($S load -q -i "$WORK/debian.oci.tar" | awk '{print $NF}')
  $S tag "$id" bench/debian
  images+=("bench/debian")
fi
echo "store: $(du -sb "$XDG_DATA_HOME/sandbox/layers" | cut -f1) bytes of layers"
for img in "${images[@]}"; do
  echo "== $img"
  echo "plain run (kernel overlay):   $(ms $S run --rm "$img" true) ms"
  echo "first keep-id run:            $(ms $S run --rm --userns=keep-id "$img" true) ms"
  echo "second keep-id run:           $(ms $S run --rm --userns=keep-id "$img" true) ms"
  hyperfine -N -w 3 -r "$RUNS" --export-json "$WORK/h.json" \
    "$S run --rm $img true" "$S run --rm --storage-driver fuse-overlay $img true" "$S run --rm --userns=keep-id $img true" >/dev/null
  node -e 'for (const r of require(process.argv[1]).results) console.log(`median ${(r.median * 1000).toFixed(0)} ms  ${r.command.replace(/^node \S+/, "sandbox")}`)' "$WORK/h.json"
done
echo "store: $(du -sb "$XDG_DATA_HOME/sandbox/layers" | cut -f1) bytes of layers (unchanged: no copy)"

if command -v podman >/dev/null && [ -f "$WORK/debian.oci.tar" ]; then
  echo "== podman $(podman --version | awk '{print $3}'), same debootstrap image"
  "${P[@]}" load -q -i "$WORK/debian.oci.tar" >/dev/null
  pid=$("${P[@]}" images -q | head -1)
  echo "plain run:           $(ms "${P[@]}" run --rm --net=none "$pid" true) ms"
  echo "first keep-id run:   $(ms "${P[@]}" run --rm --net=none --userns=keep-id "$pid" true) ms"
  echo "second keep-id run:  $(ms "${P[@]}" run --rm --net=none --userns=keep-id "$pid" true) ms"
fi
