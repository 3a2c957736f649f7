#!/bin/sh
# bench/fs/fuse-floor.sh: fs-inner.sh's create and stat phases on fuse-floor.c (a server that does
# nothing but answer from memory), mounted in a throwaway user+mount namespace, beside the host
# dir: how much of a FUSE stat is the kernel's round trip on this machine (issue 9,
# docs/storage.md). Run as the unprivileged user; needs libfuse3's headers and cc.
#   bench/fs/fuse-floor.sh [NFILES=20000] [REPS=3]
# Each rep: host, then the server single-threaded (st) and multi-threaded (mt), each unpinned,
# then server and shell pinned to one CPU (same) and to two (cross); µs per file.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-20000}; REPS=${2:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/fuse-floor.XXXXXX")
trap 'rm -rf "$W"' EXIT
cc -O2 -Wall -o "$W/fuse-floor" "$ROOT/bench/fs/fuse-floor.c" $(pkg-config --cflags --libs fuse3)
cc -O2 -o "$W/clock" "$ROOT/bench/fs/clock.c"
cat > "$W/phases.sh" <<'INNER'
cd "$1"; n=$2; c=$3
t0=$($c); i=0; while [ $i -lt "$n" ]; do printf '%064d\n' "$i" > "f$i"; i=$((i+1)); done; t1=$($c)
i=0; while [ $i -lt "$n" ]; do [ -e "f$i" ]; i=$((i+1)); done; t2=$($c)
echo "create $(( (t1-t0)/n/1000 )) us, stat $(( (t2-t1)/n/1000 )) us"
INNER
SH=sh; command -v busybox >/dev/null && SH="busybox sh"
run() {  # run NAME MODE SERVER_CPUS SHELL_CPUS
  unshare -Urm sh -c '
    w=$1; m=$w/m; mkdir -p $m
    taskset -c $4 $w/fuse-floor $m $2 & sleep 0.5
    r=$(taskset -c $5 $6 $w/phases.sh $m $7 $w/clock)
    umount $m; wait; rmdir $m; echo "$3	$r"' floor "$W" "$2" "$1" "$3" "$4" "$SH" "$N"
}
all=$(seq -s, 0 $(($(nproc) - 1)))
for rep in $(seq "$REPS"); do
  mkdir "$W/host"; echo "host	$($SH "$W/phases.sh" "$W/host" "$N" "$W/clock")"; rm -rf "$W/host"
  run st st "$all" "$all"; run mt mt "$all" "$all"
  run st-same-cpu st 0 0
  [ "$(nproc)" -gt 1 ] && run st-cross-cpu st 0 1
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
