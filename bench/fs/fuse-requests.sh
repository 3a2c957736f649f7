#!/bin/sh
# bench/fs/fuse-requests.sh: the FUSE requests each metadata phase of fs-inner.sh costs (create,
# stat, delete of NFILES small files), counted by the kernel's fuse tracepoints (Linux >= 6.14:
# fuse:fuse_request_send), so nothing in the server is measured by the server. The phases are
# fs-inner.sh's, run with a pause between them, which is how the trace is split.
# Run as root (perf needs the system-wide tracepoint) from the repo root, after a build:
#   bench/fs/fuse-requests.sh USER [NFILES=2000] [DRIVER=fuse-overlay]
# USER runs the container (the unprivileged test user); SANDBOX_FIXTURES as for bench-fs.sh.
# Prints, per phase, its duration and each opcode's count.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
U=$1; N=${2:-2000}; DRV=${3:-fuse-overlay}
W=$(runuser -u "$U" -- mktemp -d)
cat > "$W/phases.sh" <<'INNER'
set -e
n=$1; mkdir -p /var/tmp/t/m; cd /var/tmp/t/m; sleep 1
i=0; while [ $i -lt "$n" ]; do printf '%064d\n' "$i" > "f$i"; i=$((i+1)); done; sleep 1
i=0; while [ $i -lt "$n" ]; do [ -e "f$i" ]; i=$((i+1)); done; sleep 1
cd ..; rm -rf m
INNER
chmod 644 "$W/phases.sh"
perf record -q -e fuse:fuse_request_send -a -o "$W/perf.data" -- runuser -u "$U" -- env -i \
  HOME="$(getent passwd "$U" | cut -d: -f6)" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$(id -u "$U")" \
  XDG_DATA_HOME="$W/data" XDG_CONFIG_HOME="$W/config" SANDBOX_FIXTURES="${SANDBOX_FIXTURES:?set SANDBOX_FIXTURES}" \
  sh -c 'node -- "$1/bin/sandbox.js" load -i "$SANDBOX_FIXTURES/busybox.docker.tar" >/dev/null &&
    node -- "$1/bin/sandbox.js" run --rm --storage-driver "$2" -v "$3/phases.sh:/phases.sh:ro" lab/busybox sh /phases.sh "$4"' \
  req "$ROOT" "$DRV" "$W" "$N" >/dev/null
# The trace is system-wide: the container's connection is the one with the most requests.
# A pause of more than half a second ends a phase: the last three are create, stat and delete
# (what comes before is the container's start). Each phase ends with the exec of sleep (OPEN,
# GETXATTR, RELEASE of busybox), the last with the container's exit.
perf script -i "$W/perf.data" -F time,trace 2>/dev/null > "$W/trace.txt"
conn=$(awk '{ n[$3]++ } END { for (c in n) if (n[c] > m) { m = n[c]; best = c } print best }' "$W/trace.txt")
awk -v conn="$conn" '
  BEGIN { ph = 0 }
  $3 != conn { next }
  { t = $1 + 0; op = $8; gsub(/[()]/, "", op); sub(/^FUSE_/, "", op)
    if (prev && t - prev > 0.5) ph++
    prev = t; c[ph, op]++; ops[op] = 1; if (!(ph in first)) first[ph] = t; last[ph] = t }
  END { split("create stat delete", name, " ")
    for (i = 1; i <= 3; i++) { p = ph - 3 + i; printf "%-7s %6.3fs", name[i], last[p] - first[p]
      for (o in ops) if (c[p, o]) printf " %s=%d", o, c[p, o]; printf "\n" } }' "$W/trace.txt"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$W"
