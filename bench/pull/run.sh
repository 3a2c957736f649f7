#!/usr/bin/env bash
# Pull + unpack of a debootstrap Debian image from a local registry: `sandbox pull` alternated
# with `podman pull` (rootless, kernel overlay storage: podman's default on this kernel), each
# into an empty store every round. Prints each run, the medians and the ratio sandbox/podman.
#
#   sudo bench/pull/make-image.sh     (once: builds /var/tmp/sandbox-bench/oci)
#   sudo bench/pull/run.sh            (drops to $BENCH_USER, default sandbox-test)
#   ROUNDS=9 bench/pull/run.sh
#   CLEAN=end bench/pull/run.sh       (remove the stores after the last round, not between rounds)
#   BASELINE_ROOT=/work/main bench/pull/run.sh   (also time that checkout's pull, same rounds)
#
# CLEAN: on an ext4 without a journal (this project's VMs), the inode allocator skips every
# inode freed in the last seconds to minutes (fs/ext4/ialloc.c, recently_deleted()), scanning
# past each one on every allocation; right after a tree of 6,661 files was removed, creating
# the next one costs ~1 s more kernel time whichever tool does it (perf: 70-90% of the unpack in
# recently_deleted/find_get_block). CLEAN=round (the default) removes each store right after
# its pull, so every pull pays for the previous one's removal; CLEAN=end keeps them (~0.5 GB a
# round) until the end, so each tool is timed on creating its files, not on the harness's rm.
#
# The registry is Debian's docker-registry on a free 127.0.0.1 port, started here; the image is
# pushed to it by skopeo with gzip layers, as registries serve them.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-/var/tmp/sandbox-bench}
ROUNDS=${ROUNDS:-7}
CLEAN=${CLEAN:-round}
case $CLEAN in round|end) ;; *) echo "run.sh: CLEAN must be round or end, got '$CLEAN'" >&2; exit 1 ;; esac

if [ "$(id -u)" = 0 ]; then
  user=${BENCH_USER:-sandbox-test}
  uid=$(id -u "$user")
  exec runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
    XDG_RUNTIME_DIR="/run/user/$uid" ROUNDS="$ROUNDS" CLEAN="$CLEAN" WORK="$WORK" ${BASELINE_ROOT:+BASELINE_ROOT=$BASELINE_ROOT} ${SANDBOX_MONITOR:+SANDBOX_MONITOR=$SANDBOX_MONITOR} bash "$0"
fi
unset NODE_EXTRA_CA_CERTS
[ -d "$WORK/oci" ] || { echo "run.sh: no image in $WORK/oci: run bench/pull/make-image.sh as root first" >&2; exit 1; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench-pull.XXXXXX")
REG_PID=
# podman with a runtime directory of its own (its pause process, libpod/tmp): other users of
# $XDG_RUNTIME_DIR on the machine (test suites resetting podman) cannot pull it away mid-run.
mkdir -m 700 "$RUN/xdg"
pm() { env XDG_RUNTIME_DIR="$RUN/xdg" XDG_CONFIG_HOME="$RUN/podman" podman "$@"; }
cleanup() {
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null || true
  local pause
  pause=$(cat "$RUN/xdg/libpod/tmp/pause.pid" 2>/dev/null || true)
  pm unshare rm -rf "$RUN" 2>/dev/null || rm -rf "$RUN"
  [ -z "$pause" ] || kill "$pause" 2>/dev/null || true
}
trap cleanup EXIT

# --- the registry ---------------------------------------------------------------------------
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cat > "$RUN/registry.yml" <<EOC
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $RUN/registry } }
http: { addr: 127.0.0.1:$port }
EOC
env -u REGISTRY_HTTP_ADDR docker-registry serve "$RUN/registry.yml" > "$RUN/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.05; done
REF=127.0.0.1:$port/lab/debian:bookworm
skopeo --insecure-policy copy --quiet --dest-tls-verify=false --dest-compress-format gzip "oci:$WORK/oci:debian" "docker://$REF"
blob=$(skopeo inspect --raw --tls-verify=false "docker://$REF" | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).layers[0].size))')

# --- the two pullers, each into an empty store ----------------------------------------------
mkdir -p "$RUN/podman/containers"
cat > "$RUN/podman/containers/containers.conf" <<EOC
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOC
sbx_pull() {
  local d=$RUN/sbx-$1
  mkdir -p "$d/home" "$d/tmp"
  env HOME="$d/home" XDG_DATA_HOME="$d/data" TMPDIR="$d/tmp" node -- "$ROOT/bin/sandbox.js" pull -q "$REF" >/dev/null
}
sbx_clean() { pm unshare rm -rf "$RUN/sbx-$1"; }
# Another checkout's pull (its own build/Release/sandbox-monitor), for before/after figures.
base_pull() {
  local d=$RUN/base-$1
  mkdir -p "$d/home" "$d/tmp"
  env -u SANDBOX_MONITOR HOME="$d/home" XDG_DATA_HOME="$d/data" TMPDIR="$d/tmp" node -- "$BASELINE_ROOT/bin/sandbox.js" pull -q "$REF" >/dev/null
}
base_clean() { pm unshare rm -rf "$RUN/base-$1"; }
podman_pull() {
  pm --root "$RUN/pm-$1/root" --runroot "$RUN/pm-$1/run" --storage-driver overlay \
    pull -q --tls-verify=false "$REF" >/dev/null
}
podman_clean() { pm unshare rm -rf "$RUN/pm-$1"; }

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", (b-a)/1e9}'; }
median() { sort -g | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

# The floor, for context: the native unpacker alone on the uncompressed tar read from a file
# (no network, no decompression, no hashing) - what creating these files costs on this host.
MONITOR=${SANDBOX_MONITOR:-$ROOT/build/Release/sandbox-monitor}
read -r UIDMAP GIDMAP < <(node -e 'import(process.argv[1]).then(m=>{const x=m.currentIdMaps();console.log(m.formatIdMap(x.uidMappings), m.formatIdMap(x.gidMappings))})' "$ROOT/dist/src/runtime/idmap.js")
skopeo --insecure-policy copy --quiet "oci:$WORK/oci:debian" "oci:$RUN/layout:debian"
zcat "$RUN/layout/blobs/sha256/$(skopeo inspect --raw "oci:$RUN/layout:debian" | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).layers[0].digest.slice(7)))')" > "$RUN/layer.tar"
floor_unpack() { mkdir -p "$RUN/floor-$1/diff"; "$MONITOR" unpack --uidmap "$UIDMAP" --gidmap "$GIDMAP" "$RUN/floor-$1/diff" < "$RUN/layer.tar" >/dev/null; }
floor_clean() { "$MONITOR" rmtree --uidmap "$UIDMAP" --gidmap "$GIDMAP" "$RUN/floor-$1" >/dev/null; }

# One untimed round each: warm the page cache and the registry.
sbx_pull warm; sbx_clean warm; podman_pull warm; podman_clean warm; floor_unpack warm; floor_clean warm
[ -z "${BASELINE_ROOT:-}" ] || { base_pull warm; base_clean warm; }

: > "$RUN/sbx.txt"; : > "$RUN/podman.txt"; : > "$RUN/floor.txt"; : > "$RUN/base.txt"
echo "image: $REF (one layer, $((blob / 1000000)) MB gzip); $ROUNDS rounds, alternating; CLEAN=$CLEAN; load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$ROUNDS"); do
  sync
  t0=$(now); sbx_pull "$i"; t1=$(now); secs "$t0" "$t1" >> "$RUN/sbx.txt"; echo >> "$RUN/sbx.txt"
  [ "$CLEAN" = end ] || sbx_clean "$i"; sync
  t0=$(now); podman_pull "$i"; t1=$(now); secs "$t0" "$t1" >> "$RUN/podman.txt"; echo >> "$RUN/podman.txt"
  [ "$CLEAN" = end ] || podman_clean "$i"; sync
  t0=$(now); floor_unpack "$i"; t1=$(now); secs "$t0" "$t1" >> "$RUN/floor.txt"; echo >> "$RUN/floor.txt"
  [ "$CLEAN" = end ] || floor_clean "$i"
  base=
  if [ -n "${BASELINE_ROOT:-}" ]; then
    sync
    t0=$(now); base_pull "$i"; t1=$(now); secs "$t0" "$t1" >> "$RUN/base.txt"; echo >> "$RUN/base.txt"
    [ "$CLEAN" = end ] || base_clean "$i"
    base="  baseline $(sed -n "${i}p" "$RUN/base.txt")s"
  fi
  printf 'round %d: sandbox %ss  podman %ss  (unpack floor %ss)%s\n' "$i" "$(sed -n "${i}p" "$RUN/sbx.txt")" "$(sed -n "${i}p" "$RUN/podman.txt")" "$(sed -n "${i}p" "$RUN/floor.txt")" "$base"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
s=$(median < "$RUN/sbx.txt"); p=$(median < "$RUN/podman.txt"); f=$(median < "$RUN/floor.txt")
printf 'median: sandbox pull %ss, podman pull %ss, ratio sandbox/podman %s (goal <= 0.5)\n' "$s" "$p" "$(awk -v s="$s" -v p="$p" 'BEGIN{printf "%.2f", s/p}')"
printf 'floor:  sandbox-monitor unpack of the plain tar alone %ss = %s of podman; sandbox pull adds %ss to it\n' "$f" "$(awk -v f="$f" -v p="$p" 'BEGIN{printf "%.2f", f/p}')" "$(awk -v s="$s" -v f="$f" 'BEGIN{printf "%.3f", s-f}')"
if [ -n "${BASELINE_ROOT:-}" ]; then
  b=$(median < "$RUN/base.txt")
  printf 'baseline: %s pull %ss, ratio baseline/podman %s\n' "$BASELINE_ROOT" "$b" "$(awk -v b="$b" -v p="$p" 'BEGIN{printf "%.2f", b/p}')"
fi
