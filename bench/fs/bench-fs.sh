#!/bin/sh
# bench/fs: rootfs I/O in a container, alternated in one run (issue 9). Targets:
#   host            fs-inner.sh on a host dir of the same filesystem as the store (the baseline),
#                   run by busybox sh when the host has busybox (the containers' shell and dd)
#   overlay         sandbox run --storage-driver overlay       (kernel overlay in the user namespace)
#   fuse-overlay    sandbox run --storage-driver fuse-overlay  (ours: addon/fuse)
#   fuse-overlayfs  the same image layers under fuse-overlayfs 1.x, mounted in a user namespace
#                   with the same id map (unshare + newuidmap), script run chrooted: the reference
# Each rep runs every target once, round-robin, so background load hits all alike. Then: medians,
# ratios to the host, and the PSS of our FUSE server per container (one container under
# fuse-overlay, its sbx-fuse child's /proc/PID/smaps_rollup).
# Run as the unprivileged user, from the repo root, after a build:
#   SANDBOX_FIXTURES=/var/tmp/sbx-fixtures bench/fs/bench-fs.sh
# Knobs: FS_MB (1024), FS_FILES (20000), FS_REPS (3), BENCH_WORK (a scratch dir on the store's fs).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
INNER=$ROOT/bench/fs/fs-inner.sh
MB=${FS_MB:-1024}; N=${FS_FILES:-20000}; REPS=${FS_REPS:-3}
W=${BENCH_WORK:-${TMPDIR:-/tmp}/sandbox-bench-fs}
mkdir -p "$W"
export XDG_DATA_HOME="$W/data" XDG_CONFIG_HOME="$W/config"
unset NODE_EXTRA_CA_CERTS  # see ../shared/BASELINE.md: it taxes every node start
SBX="node -- $ROOT/bin/sandbox.js"
$SBX load -i "${SANDBOX_FIXTURES:?set SANDBOX_FIXTURES}/busybox.docker.tar" >/dev/null
OUT=$W/fs.tsv; : > "$OUT"
# A nanosecond clock for every target (see clock.c); built here so no binary lives in the tree.
CLOCK=$W/fs-clock
cc -static -O2 -o "$CLOCK" "$ROOT/bench/fs/clock.c"
# The host runs the same busybox shell and dd as the containers when it has busybox, so a
# ratio measures the filesystem, not dash against ash.
HOSTSH=sh; command -v busybox >/dev/null && HOSTSH="busybox sh"

layers=$(node --input-type=module -e "
import { ImageStore } from '$ROOT/dist/src/image/store.js';
import { sandboxPaths } from '$ROOT/dist/src/state/paths.js';
const i = await new ImageStore(sandboxPaths(process.env)).resolveImage('lab/busybox');
console.log([...i.layerDirs].reverse().join(':'));")
sub=$(awk -F: -v u="$(id -un)" '$1==u{print $2","1","$3; exit}' /etc/subuid)
subg=$(awk -F: -v u="$(id -un)" '$1==u{print $2","1","$3; exit}' /etc/subgid)

run_ref() {  # fuse-overlayfs on the same layers, in a throwaway user+mount+pid namespace
  t=$(mktemp -d "$W/ref.XXXXXX")
  unshare --user --map-root-user --map-users="$sub" --map-groups="$subg" --mount --pid --fork sh -c '
    set -e; t=$1; mkdir -p $t/upper $t/work $t/m
    fuse-overlayfs -o lowerdir=$2,upperdir=$t/upper,workdir=$t/work $t/m 2>/dev/null
    mkdir -p $t/m/proc $t/m/dev; mount -t proc proc $t/m/proc
    for d in null zero; do touch $t/m/dev/$d; mount --bind /dev/$d $t/m/dev/$d; done
    cp $3 $t/m/fs-inner.sh; cp $6 $t/m/fs-clock
    chroot $t/m sh /fs-inner.sh /var/tmp/t $4 $5 /fs-clock
    umount -l $t/m/proc; umount -l $t/m; rm -rf $t/upper $t/work' ref "$t" "$layers" "$INNER" "$MB" "$N" "$CLOCK"
  rm -rf "$t" 2>/dev/null || true
}

V="-v $INNER:/fs-inner.sh:ro -v $CLOCK:/fs-clock:ro"
names="host overlay fuse-overlay fuse-overlayfs"
for rep in $(seq "$REPS"); do
  for n in $names; do
    case $n in
      host) r=$($HOSTSH "$INNER" "$W/host" "$MB" "$N" "$CLOCK"); rm -rf "$W/host" ;;
      overlay|fuse-overlay) r=$($SBX run --rm --storage-driver "$n" $V lab/busybox sh /fs-inner.sh /var/tmp/t "$MB" "$N" /fs-clock) ;;
      fuse-overlayfs) command -v fuse-overlayfs >/dev/null || continue; r=$(run_ref) ;;
    esac
    printf '%s\t%s\t%s\n' "$n" "$r" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT" >&2
  done
done

# Memory: one container on our FUSE overlay, reading its whole rootfs; PSS of its server.
$SBX run --rm --storage-driver fuse-overlay lab/busybox sh -c 'cat /bin/busybox /etc/* >/dev/null 2>&1; sleep 2' &
sleep 1.2
pss=$(for p in /proc/[0-9]*; do
  [ "$(cat "$p/comm" 2>/dev/null)" = sbx-fuse ] && [ -O "$p" ] || continue
  awk '/^Pss:/{print $2}' "$p/smaps_rollup" 2>/dev/null
done | sort -n | tail -n1)
wait

{
  echo "| target | write MB/s | read MB/s | create/s | stat/s | delete/s | write x host | create x host | stat x host | delete x host |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  med() { awk -F'\t' -v n="$1" -v c="$2" '$1==n{split($2,a," "); print a[c]}' "$OUT" | sort -n | awk '{v[NR]=$1} END{if(NR) print v[int((NR+1)/2)]}'; }
  for n in $names; do
    [ -n "$(med "$n" 1)" ] || continue
    row="| $n"; for c in 1 2 3 4 5; do row="$row | $(med "$n" $c)"; done
    for c in 1 3 4 5; do row="$row | $(awk -v a="$(med "$n" $c)" -v b="$(med host $c)" 'BEGIN{printf "%.2f", a/b}')"; done
    echo "$row |"
  done
  echo
  echo "FUSE server PSS, one container: ${pss:-?} KiB"
} | tee "$W/fs-summary.md"
