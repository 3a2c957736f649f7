#!/usr/bin/env bash
# What --userns=keep-id costs: the first and the second keep-id run of an image against a plain
# run (the kernel overlay) and a plain run on the FUSE overlay, in a fresh store, both ways
# keep-id works: the FUSE overlay remapping owners (no copy), and the kernel overlay over layer
# copies with shifted owners (--storage-driver overlay: the copies are made by the first run
# and reused); then medians of each (hyperfine). With rootless podman (overlay, crun) the same first/second pair, when
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
layers() { { du -sb "$XDG_DATA_HOME/sandbox/layers" 2>/dev/null || true; } | cut -f1; }  # subordinate-owned 0700 dirs are skipped
echo "store: $(layers) bytes of layers; load: $(cat /proc/loadavg)"
for img in "${images[@]}"; do
  echo "== $img"
  echo "plain run (kernel overlay):                   $(ms $S run --rm "$img" true) ms"
  echo "first keep-id run (FUSE, remap):              $(ms $S run --rm --userns=keep-id --storage-driver fuse-overlay "$img" true) ms"
  echo "second keep-id run (FUSE, remap):             $(ms $S run --rm --userns=keep-id --storage-driver fuse-overlay "$img" true) ms"
  before=$(layers)
  echo "first keep-id run (kernel overlay, copies):   $(ms $S run --rm --userns=keep-id --storage-driver overlay "$img" true) ms"
  after=$(layers)
  echo "second keep-id run (kernel overlay, copies):  $(ms $S run --rm --userns=keep-id --storage-driver overlay "$img" true) ms"
  echo "store: FUSE keep-id runs added nothing; the first copy run added $((after - before)) bytes readable by you, the second $(( $(layers) - after )); system df: $($S system df --format '{{.Type}} {{.Size}}' | head -1)"
  hyperfine -N -w 3 -r "$RUNS" --export-json "$WORK/h.json" \
    "$S run --rm $img true" "$S run --rm --storage-driver fuse-overlay $img true" \
    "$S run --rm --userns=keep-id --storage-driver fuse-overlay $img true" "$S run --rm --userns=keep-id --storage-driver overlay $img true" \
    --output "$WORK/runs.log" >/dev/null || { echo "a run failed; its last output:"; tail -3 "$WORK/runs.log"; exit 1; }
  node -e 'const rs = require(process.argv[1]).results; for (const r of rs) console.log(`median ${(r.median * 1000).toFixed(0)} ms  ${(r.median / rs[0].median).toFixed(2)}x plain  ${r.command.replace(/^node -- \S+/, "sandbox")}`)' "$WORK/h.json"
done
echo "load after: $(cat /proc/loadavg)"

if command -v podman >/dev/null && [ -f "$WORK/debian.oci.tar" ]; then
  echo "== podman $(podman --version | awk '{print $3}'), same debootstrap image"
  "${P[@]}" load -q -i "$WORK/debian.oci.tar" >/dev/null
  pid=$("${P[@]}" images -q | head -1)
  echo "plain run:           $(ms "${P[@]}" run --rm --net=none "$pid" true) ms"
  echo "first keep-id run:   $(ms "${P[@]}" run --rm --net=none --userns=keep-id "$pid" true) ms"
  echo "second keep-id run:  $(ms "${P[@]}" run --rm --net=none --userns=keep-id "$pid" true) ms"
fi
