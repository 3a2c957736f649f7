#!/usr/bin/env bash
# bench/net: sandbox's network against slirp4netns and pasta, alternated in one run (each
# repetition runs every contender once, so drift in the host's load hits all of them alike).
#   iperf3 container->host, host->container through a published port, TCP connects/s
#   container->host. Outbound, sandbox runs twice: with its bypass (the default: host sockets
#   swapped in for the container's) and with `bypass=false` (libslirp, the path before it). Every server listens on the host's 127.0.0.1; nothing leaves the host.
# slirp4netns and pasta run directly (what podman runs for its rootless network) in a network
# namespace of `unshare -Urn`: this host's podman has no usable OCI runtime (crun refuses its
# hybrid cgroups, no runc). pasta's gateway is a made-up 10.0.2.2, mapped by pasta to the host's
# loopback (its default map-gw), so no contender ever addresses the real gateway.
#
# Usage (as root; the measurement runs as BENCH_USER):
#   bench/net/bench-net.sh            NET_T=5 NET_REPS=3 N_CONN=1000 by default
# Needs: iperf3, slirp4netns, passt (pasta), jq; the fixtures (SANDBOX_FIXTURES) for lab/busybox;
# SANDBOX_MONITOR may point at a build of your own.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# SANDBOX_ROOT: a built tree to measure (default: this one).
ROOT=${SANDBOX_ROOT:-$(cd "$HERE/../.." && pwd)}
BENCH_USER=${BENCH_USER:-sandbox-test}
if [ "$(id -u)" = 0 ]; then
  uid=$(id -u "$BENCH_USER")
  work=$(mktemp -d /tmp/sbx-bench-net.XXXXXX); chown "$BENCH_USER" "$work"
  exec runuser -u "$BENCH_USER" -- env -i HOME="$work" USER="$BENCH_USER" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
    XDG_RUNTIME_DIR="/run/user/$uid" TMPDIR="$work" BENCH_WORK="$work" \
    SANDBOX_FIXTURES="${SANDBOX_FIXTURES:-/var/tmp/sbx-fixtures}" SANDBOX_MONITOR="${SANDBOX_MONITOR:-}" SANDBOX_ROOT="$ROOT" \
    NET_T="${NET_T:-5}" NET_REPS="${NET_REPS:-3}" N_CONN="${N_CONN:-1000}" bash "$0" "$@"
fi
T=${NET_T:-5}; REPS=${NET_REPS:-3}; N=${N_CONN:-1000}
WORK=${BENCH_WORK:-$(mktemp -d)}
export HOME=$WORK XDG_DATA_HOME=$WORK/data
[ -n "${SANDBOX_MONITOR:-}" ] || unset SANDBOX_MONITOR
OUT=$WORK/net.tsv; : > "$OUT"
sbx() { node -- "$ROOT/bin/sandbox.js" "$@"; }
# iperf3 and bash from the host, bound read-only into the busybox image (no registry needed).
BIND=(-v /usr/bin/iperf3:/usr/bin/iperf3:ro -v /bin/bash:/bin/bash:ro -v /usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:ro -v /lib64:/lib64:ro)
sbx load -i "$SANDBOX_FIXTURES/busybox.oci.tar" >/dev/null
HP=15211; PP=15212; CP=15213
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sbx rm -f bench-ipsrv >/dev/null 2>&1 || true
  [ "${HAVE_PODMAN:-0}" = 1 ] && { pm rm -f -t 0 bench-pmsrv >/dev/null 2>&1; pm system reset -f >/dev/null 2>&1; } || true
}
trap cleanup EXIT

# iperf3's JSON on stdin -> Gbit/s; a failed run keeps its output in $WORK/failed-*.json.
bps() { local f; f=$(mktemp "$WORK/iperf-XXXX.json"); cat > "$f"
  jq -e -r '.end.sum_received.bits_per_second / 1e9' "$f" 2>/dev/null || { mv "$f" "${f/iperf-/failed-}"; echo NaN; return; }; rm -f "$f"; }
record() { printf '%s\t%s\n' "$1" "$2" | tee -a "$OUT" >&2; }

# In a fresh `unshare -Urn` namespace wired up by slirp4netns (MTU 65520, host loopback allowed).
in_slirp4netns() {
  # $! must be the process in the new namespace (unshare execs sh there): slirp4netns joins
  # the namespace of that pid. The time limit goes inside, for the same reason.
  unshare -Urn sh -c 'while ! ip link show tap0 >/dev/null 2>&1; do sleep 0.02; done; sleep 0.2; exec timeout 120 "$@"' sh "$@" &
  local ns=$!
  # unshare may not have made the namespace yet: slirp4netns would join ours and fail.
  while [ "$(readlink /proc/$ns/ns/net 2>/dev/null)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done
  slirp4netns --configure --mtu=65520 "$ns" tap0 >/dev/null 2>&1 &
  local s=$!
  wait "$ns"; kill "$s" 2>/dev/null; wait "$s" 2>/dev/null || true
}
in_pasta() { pasta --config-net -a 10.0.2.100 -n 24 -g 10.0.2.2 -- "$@" 2>/dev/null; }

LOOP='n=$1; h=$2; p=$3; t0=$EPOCHREALTIME; for ((i=0;i<n;i++)); do exec 3<>/dev/tcp/$h/$p || exit 1; exec 3<&-; done; t1=$EPOCHREALTIME; awk -v a=$t0 -v b=$t1 -v n=$n "BEGIN{printf \"%.0f\", n/(b-a)}"'

iperf3 -s -B 127.0.0.1 -p $HP >/dev/null 2>&1 & PIDS+=($!)
perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalAddr=>"127.0.0.1",LocalPort=>'$CP',Listen=>4096,ReuseAddr=>1) or die $!; while(1){$c=$s->accept; close $c if $c}' & PIDS+=($!)
sleep 0.5
# podman with rootlesskit's port handler (its fastest -p, which loses the client's address), in
# a config of its own: cgroupfs and file events as on a host without a systemd user session,
# crun through the hybrid-cgroups wrapper (bench/startup/crun-hybrid.sh). Skipped without podman.
mkdir -p "$WORK/podman/containers"
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' > "$WORK/podman/containers/containers.conf"
printf '[storage]\ndriver = "overlay"\nrunroot = "%s"\ngraphroot = "%s"\n' "$WORK/podman/run" "$WORK/podman/graph" > "$WORK/podman/containers/storage.conf"
pm() { env XDG_CONFIG_HOME="$WORK/podman" podman "$@"; }
HAVE_PODMAN=0
if command -v podman >/dev/null && pm load -q -i "$SANDBOX_FIXTURES/busybox.oci.tar" >/dev/null 2>&1; then HAVE_PODMAN=1; fi
SBXNET=(--network slirp4netns:allow_host_loopback=true)
# The same container with the outbound bypass turned off: libslirp carries its outbound TCP.
SBXSLIRP=(--network slirp4netns:allow_host_loopback=true,bypass=false)

for rep in $(seq "$REPS"); do
  echo "--- repetition $rep" >&2
  # container -> host, bulk
  record "iperf3 ctr->host: sandbox" "$(sbx run --rm "${SBXNET[@]}" "${BIND[@]}" lab/busybox iperf3 -c 10.0.2.2 -p $HP -t "$T" -J | bps)"
  record "iperf3 ctr->host: sandbox bypass=false" "$(sbx run --rm "${SBXSLIRP[@]}" "${BIND[@]}" lab/busybox iperf3 -c 10.0.2.2 -p $HP -t "$T" -J | bps)"
  record "iperf3 ctr->host: slirp4netns" "$(in_slirp4netns iperf3 -c 10.0.2.2 -p $HP -t "$T" -J | bps)"
  record "iperf3 ctr->host: pasta" "$(in_pasta iperf3 -c 10.0.2.2 -p $HP -t "$T" -J | bps)"
  # host -> container through a published port
  sbx run -d --name bench-ipsrv -p 127.0.0.1:$PP:5201 "${BIND[@]}" lab/busybox iperf3 -s -p 5201 >/dev/null; sleep 2
  record "iperf3 host->ctr -p: sandbox" "$(iperf3 -c 127.0.0.1 -p $PP -t "$T" -J | bps)"
  sbx rm -f bench-ipsrv >/dev/null
  pasta --config-net -a 10.0.2.100 -n 24 -g 10.0.2.2 -t $PP:5201 -- iperf3 -s -p 5201 -1 >/dev/null 2>&1 & bg=$!
  # pasta accepts on the host at once and forwards only once iperf3 listens inside: wait for it.
  sleep 2
  record "iperf3 host->ctr -p: pasta -t" "$(iperf3 -c 127.0.0.1 -p $PP -t "$T" -J | bps)"
  wait $bg || true
  if [ "$HAVE_PODMAN" = 1 ]; then
    pm run -d --runtime "$ROOT/bench/startup/crun-hybrid.sh" --name bench-pmsrv --network slirp4netns:mtu=65520,port_handler=rootlesskit \
      -p 127.0.0.1:$PP:5201 "${BIND[@]}" localhost/lab/busybox:latest iperf3 -s -p 5201 >/dev/null; sleep 2
    record "iperf3 host->ctr -p: podman rootlesskit" "$(iperf3 -c 127.0.0.1 -p $PP -t "$T" -J | bps)"
    pm rm -f -t 0 bench-pmsrv >/dev/null
  fi
  # connects per second, container -> host
  record "connects/s ctr->host: sandbox" "$(timeout 120 node -- "$ROOT/bin/sandbox.js" run --rm "${SBXNET[@]}" "${BIND[@]}" lab/busybox bash -c "$LOOP" loop "$N" 10.0.2.2 $CP)"
  record "connects/s ctr->host: sandbox bypass=false" "$(timeout 120 node -- "$ROOT/bin/sandbox.js" run --rm "${SBXSLIRP[@]}" "${BIND[@]}" lab/busybox bash -c "$LOOP" loop "$N" 10.0.2.2 $CP)"
  record "connects/s ctr->host: slirp4netns" "$(in_slirp4netns bash -c "$LOOP" loop "$N" 10.0.2.2 $CP)"
  record "connects/s ctr->host: pasta" "$(timeout 120 pasta --config-net -a 10.0.2.100 -n 24 -g 10.0.2.2 -- bash -c "$LOOP" loop "$N" 10.0.2.2 $CP)"
done

median() { sort -g | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f %.2f\n", m, a[1], a[NR]}'; }
{
  echo "| path | median | min-max | runs |"; echo "|---|---|---|---|"
  awk -F'\t' '!s[$1]++{print $1}' "$OUT" | while read -r n; do
    read -r med mn mx < <(awk -F'\t' -v n="$n" '$1==n{print $2}' "$OUT" | median)
    printf '| %s | %s | %s-%s | %s |\n' "$n" "$med" "$mn" "$mx" "$(awk -F'\t' -v n="$n" '$1==n' "$OUT" | wc -l)"
  done
} | tee "$WORK/net-summary.md"
echo "raw: $OUT" >&2
