#!/usr/bin/env bash
# Start-up latency of `sandbox run --rm IMAGE true`, and of a run with -e, -w, -u, a bind and a
# named volume, side by side with rootless podman (overlay storage, crun) and bwrap on the same
# busybox image. The commands are alternated round-robin (one run of each per round) so that
# drifting background load hits them alike; medians and ratios are printed.
#
#   bench/startup/run.sh            (as the user who runs containers; as root it drops to
#                                    $BENCH_USER, default sandbox-test)
#   ROUNDS=30 bench/startup/run.sh
#
# Needs: podman, crun, bwrap, the fixture image (SANDBOX_FIXTURES, default /var/tmp/sbx-fixtures).
# NODE_EXTRA_CA_CERTS is unset: it costs every node start ~40 ms and a user's shell has none.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FIXTURES=${SANDBOX_FIXTURES:-/var/tmp/sbx-fixtures}
ROUNDS=${ROUNDS:-20}

if [ "$(id -u)" = 0 ]; then
  user=${BENCH_USER:-sandbox-test}
  uid=$(id -u "$user")
  exec runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
    XDG_RUNTIME_DIR="/run/user/$uid" ROUNDS="$ROUNDS" SANDBOX_FIXTURES="$FIXTURES" ${SANDBOX_MONITOR:+SANDBOX_MONITOR=$SANDBOX_MONITOR} bash "$0"
fi
unset NODE_EXTRA_CA_CERTS

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench-startup.XXXXXX")
cleanup() {
  podman_ volume rm -f benchvol >/dev/null 2>&1 || true
  podman_ system reset -f >/dev/null 2>&1 || true
  # Layers unpacked in a user namespace belong to subordinate ids: remove them from inside one.
  podman unshare rm -rf "$WORK" 2>/dev/null || rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/home" "$WORK/tmp" "$WORK/bind" "$WORK/podman/containers" "$WORK/bwrap-vol"

# sandbox: a store of its own.
export HOME_SBX="$WORK/home"
sbx() { env HOME="$HOME_SBX" XDG_DATA_HOME="$HOME_SBX/data" TMPDIR="$WORK/tmp" node -- "$ROOT/bin/sandbox.js" "$@"; }
sbx load -q -i "$FIXTURES/busybox.oci.tar" >/dev/null
sbx volume create benchvol >/dev/null

# podman: overlay storage (the kernel's, in the user namespace: its default here) in a config
# of its own; cgroupfs and file events, as on a host without a systemd user session.
cat > "$WORK/podman/containers/containers.conf" <<EOC
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOC
cat > "$WORK/podman/containers/storage.conf" <<EOC
[storage]
driver = "overlay"
runroot = "$WORK/podman/run"
graphroot = "$WORK/podman/graph"
EOC
podman_() { env XDG_CONFIG_HOME="$WORK/podman" podman "$@"; }
podman_ load -q -i "$FIXTURES/busybox.docker.tar" >/dev/null
podman_ volume create benchvol >/dev/null
# bwrap: the same image's root filesystem, exported once.
mkdir "$WORK/rootfs"
podman_ export "$(podman_ create lab/busybox true)" | tar -x -C "$WORK/rootfs"
# bwrap mounts /proc, /dev and /work on a read-only root: their mount points must exist.
mkdir -p "$WORK/rootfs/proc" "$WORK/rootfs/dev" "$WORK/rootfs/bind" "$WORK/rootfs/vol"

RT="--runtime $HERE/crun-hybrid.sh"
OPTS_SBX="-e A=1 -w /tmp -u 1000:1000 -v $WORK/bind:/bind -v benchvol:/vol"
names=(); cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "node -e 0 (floor)"        "node -e 0"
add "sandbox true"              "sbx run --rm lab/busybox true"
add "podman true"               "podman_ run --rm $RT lab/busybox true"
add "bwrap true"                "bwrap --unshare-all --ro-bind $WORK/rootfs / --proc /proc --dev /dev /bin/true"
add "sandbox opts"              "sbx run --rm $OPTS_SBX lab/busybox true"
add "podman opts"               "podman_ run --rm $RT $OPTS_SBX lab/busybox true"
# podman's configured runtime in ../shared/baseline (setup-host.sh: runc), where installed: the
# figures there (150-290 ms) are runc's and crun's; crun (above) is the faster denominator.
if command -v runc >/dev/null; then
  add "podman+runc true"        "podman_ run --rm --runtime $(command -v runc) lab/busybox true"
fi
add "bwrap opts"                "bwrap --unshare-all --uid 1000 --gid 1000 --ro-bind $WORK/rootfs / --proc /proc --dev /dev --tmpfs /tmp --bind $WORK/bind /bind --bind $WORK/bwrap-vol /vol --setenv A 1 --chdir /tmp /bin/true"

for i in "${!cmds[@]}"; do
  eval "${cmds[$i]}" >/dev/null 2>&1 || { echo "FAILED: ${names[$i]}: ${cmds[$i]}" >&2; eval "${cmds[$i]}"; exit 1; }
done

TSV="$WORK/times.tsv"
for _ in $(seq "$ROUNDS"); do
  for i in "${!cmds[@]}"; do
    t0=$EPOCHREALTIME; eval "${cmds[$i]}" >/dev/null 2>&1; t1=$EPOCHREALTIME
    printf '%s\t%s\n' "${names[$i]}" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)*1000}')" >> "$TSV"
  done
done

median() { awk -F'\t' -v n="$1" '$1==n{print $2}' "$TSV" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "startup, $ROUNDS rounds round-robin, medians ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '| %-18s | %9s | %8s | %8s |\n' command "median ms" "x podman" "x bwrap"
printf '|%s|%s|%s|%s|\n' -------------------- ----------- ---------- ----------
for n in "${names[@]}"; do
  m=$(median "$n")
  case "$n" in *opts) kind=opts ;; *) kind=true ;; esac
  case "$n" in podman+runc*) continue ;; esac
  p=$(median "podman $kind"); b=$(median "bwrap $kind")
  awk -v n="$n" -v m="$m" -v p="$p" -v b="$b" 'BEGIN{printf "| %-18s | %9.1f | %8.2f | %8.1f |\n", n, m, m/p, m/b}'
done
if command -v runc >/dev/null; then
  awk -v s="$(median "sandbox true")" -v r="$(median "podman+runc true")" \
    'BEGIN{printf "podman with runc (the baseline'"'"'s configured runtime): %.1f ms; sandbox true = %.2f x that\n", r, s/r}'
fi
