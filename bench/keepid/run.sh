#!/usr/bin/env bash
# What --userns=keep-id costs: the first and the second keep-id run of an image against a plain
# run (the kernel overlay) and a plain run on the FUSE overlay, in a fresh store, both ways
# keep-id works: the FUSE overlay remapping owners (no copy), and the kernel overlay over layer
# copies with shifted owners (--storage-driver overlay: the copies are made by the first run
# and reused); then medians of each over interleaved rounds. With rootless podman (overlay, crun) the same first/second pair, when
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
    XDG_RUNTIME_DIR="/run/user/$uid" RUNS="$RUNS" SANDBOX_FIXTURES="$FIXTURES" BENCH_WORK="$BENCH" ${SANDBOX_MONITOR:+SANDBOX_MONITOR=$SANDBOX_MONITOR} ${SHARED:+SHARED=$SHARED} bash "$0"
fi
unset NODE_EXTRA_CA_CERTS  # costs every node start ~40 ms; a user's shell has none

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench-keepid.XXXXXX")
P=(podman --root "$WORK/podman" --runroot "$WORK/podman-run" --storage-driver overlay --cgroup-manager cgroupfs --events-backend file)
SHARED=${SHARED:-$ROOT/../shared}  # ../shared beside a checkout in /work/main; set SHARED from a worktree
[ -x "$SHARED/baseline/crun-hybrid-wrapper.sh" ] && P+=(--runtime "$SHARED/baseline/crun-hybrid-wrapper.sh")
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
  # Interleaved rounds (one run of each command per round, after one warm-up round) rather than
  # hyperfine's one command after the other: on a shared, loaded machine load drifts, and
  # interleaving gives every command the same share of it.
  cmds=("run --rm $img true" "run --rm --storage-driver fuse-overlay $img true"
        "run --rm --userns=keep-id --storage-driver fuse-overlay $img true" "run --rm --userns=keep-id --storage-driver overlay $img true")
  times=("" "" "" "")
  for ((r = 0; r <= RUNS; r++)); do
    for i in 0 1 2 3; do
      t=$(ms $S ${cmds[i]})
      [ "$r" -gt 0 ] && times[i]+="$t "
    done
  done
  median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
  plain=$(echo "${times[0]}" | median)
  for i in 0 1 2 3; do
    m=$(echo "${times[i]}" | median)
    echo "median $m ms  $(awk -v a="$m" -v b="$plain" 'BEGIN {printf "%.2f", a / b}')x plain  sandbox ${cmds[i]}  ($RUNS rounds)"
  done
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
