#!/usr/bin/env bash
# Per-container overhead of a detached container, sandbox beside podman in one run:
#   - RSS and PSS of the helper processes at 10 and 50 running containers, per container
#     (sandbox: sandbox-monitor; podman: conmon, slirp4netns/pasta, fuse-overlayfs, catatonit,
#     rootlessport), and of helpers + the container's own `sleep`;
#   - wall time of 50 sequential `run -d IMAGE sleep 1000`, and the ratio sandbox/podman.
# Run as root from the repository (it re-execs itself as BENCH_USER, default sandbox-test) or as
# that user. Needs: podman, the busybox fixture (SANDBOX_FIXTURES), a built monitor.
# podman runs crun through ../shared/baseline/crun-hybrid-wrapper.sh (PODMAN_RUNTIME): crun refuses this host's hybrid cgroups; see
# ../shared/baseline/bench-overhead.sh.
# Output: a markdown table on stdout.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_USER=${BENCH_USER:-sandbox-test}
FIX=${SANDBOX_FIXTURES:-/var/tmp/sbx-fixtures}
NS=${N_SMALL:-10}; NB=${N_BIG:-50}
if [ "$(id -u)" = 0 ]; then
  uid=$(id -u "$BENCH_USER"); home=$(getent passwd "$BENCH_USER" | cut -d: -f6)
  exec runuser -u "$BENCH_USER" -- env -i HOME="$home" USER="$BENCH_USER" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
    XDG_RUNTIME_DIR="/run/user/$uid" SANDBOX_FIXTURES="$FIX" N_SMALL="$NS" N_BIG="$NB" \
    ${SANDBOX_MONITOR:+SANDBOX_MONITOR=$SANDBOX_MONITOR} bash "$0" "$@"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbx-overhead.XXXXXX")
export XDG_DATA_HOME=$WORK/data SANDBOX_RUNTIME_DIR=$WORK/run TMPDIR=$WORK
mkdir -p "$XDG_DATA_HOME" "$SANDBOX_RUNTIME_DIR"
sbx() { node -- "$REPO/bin/sandbox.js" "$@"; }
trap 'sbx rm -f $(sbx ps -aq) >/dev/null 2>&1 || true; podman rm -af -t 0 >/dev/null 2>&1 || true; rm -rf "$WORK" 2>/dev/null || true' EXIT
sbx load -i "$FIX/busybox.oci.tar" >/dev/null
podman image exists lab/busybox:latest 2>/dev/null || podman load -q -i "$FIX/busybox.docker.tar" >/dev/null
PIMG=$(podman images --format '{{.Repository}}:{{.Tag}}' | grep -m1 'lab/busybox:latest')

now() { date +%s%N; }
# sum "rss pss" (kB) of this user's processes whose comm matches the regex. Other people's
# containers may run as the same user: a sandbox-monitor counts only when its command line
# names our $WORK, a `sleep` only when its parent is such a monitor (or a podman conmon).
ours() { # pid comm
  local cmd ppid pcomm
  case "$2" in
    sandbox-monitor) cmd=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null) || return 1; [[ $cmd == *"$WORK"* ]] ;;
    sleep) ppid=$(awk '/^PPid:/{print $2}' "/proc/$1/status" 2>/dev/null) || return 1
           pcomm=$(cat "/proc/$ppid/comm" 2>/dev/null) || return 1
           [ "$pcomm" = conmon ] || [ "$pcomm" = catatonit ] || { [ "$pcomm" = sandbox-monitor ] && ours "$ppid" sandbox-monitor; } ;;
    *) return 0 ;;
  esac
}
mem() {
  local p comm r s tr=0 ts=0
  for p in /proc/[0-9]*; do
    [ -O "$p" ] || continue
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    [[ $comm =~ ^($1)$ ]] || continue
    ours "${p#/proc/}" "$comm" || continue
    r=$(awk '/^Rss:/{print $2}' "$p/smaps_rollup" 2>/dev/null) || continue
    s=$(awk '/^Pss:/{print $2}' "$p/smaps_rollup" 2>/dev/null) || continue
    tr=$((tr + r)); ts=$((ts + s))
  done
  echo "$tr $ts"
}
start_n() { # tool n -> seconds
  local t0 t1 i
  t0=$(now)
  for i in $(seq "$2"); do
    if [ "$1" = sandbox ]; then sbx run -d lab/busybox sleep 1000 >/dev/null; else podman run -d --runtime "${PODMAN_RUNTIME:-/work/shared/baseline/crun-hybrid-wrapper.sh}" "$PIMG" sleep 1000 >/dev/null; fi
  done
  t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}'
}
clean() { if [ "$1" = sandbox ]; then sbx rm -f $(sbx ps -aq) >/dev/null; else podman rm -af -t 0 >/dev/null; fi; }
HELPERS_SBX='sandbox-monitor'
HELPERS_PM='conmon|slirp4netns|pasta|pasta.avx2|fuse-overlayfs|catatonit|rootlessport.*'
row() { # tool n helpers-regex
  local h a
  read -r hr hp < <(mem "$3"); read -r ar ap < <(mem "$3|sleep")
  awk -v t="$1" -v n="$2" -v hr="$hr" -v hp="$hp" -v ar="$ar" -v ap="$ap" 'BEGIN{
    printf "| %s | %d | %.2f | %.2f | %.2f | %.2f |\n", t, n, hr/1024/n, hp/1024/n, ar/1024/n, ap/1024/n }'
}
echo "| tool | containers | helper RSS MiB/ctr | helper PSS MiB/ctr | helpers+sleep RSS MiB/ctr | helpers+sleep PSS MiB/ctr |"
echo "|---|---|---|---|---|---|"
declare -A T
for tool in sandbox podman; do
  clean "$tool" 2>/dev/null || true
  re=$HELPERS_SBX; [ "$tool" = podman ] && re=$HELPERS_PM
  start_n "$tool" "$NS" >/dev/null; sleep 1; row "$tool" "$NS" "$re"; clean "$tool"
  T[$tool]=$(start_n "$tool" "$NB"); sleep 1; row "$tool" "$NB" "$re"; clean "$tool"
done
echo
echo "| $NB sequential run -d | sandbox | podman | ratio |"
echo "|---|---|---|---|"
awk -v s="${T[sandbox]}" -v p="${T[podman]}" 'BEGIN{printf "| wall s | %.2f | %.2f | %.2fx |\n", s, p, s/p}'
