#!/bin/sh
# Manual check of `sandbox-monitor run` without the CLI (see README.md next to this file).
# Run as the unprivileged user:  addon/monitor/try-run.sh [--readonly] [--bad-lower] -- CMD ARG...
# Builds a busybox rootfs in $T (default /tmp/bbtest-$USER), writes $T/config.json following
# docs/native-interface.md, runs the monitor with --result-fd 3 and prints the result lines
# to stderr prefixed with "result: ". Exit status: the monitor's.
set -eu
MON=${SANDBOX_MONITOR:-$(dirname "$0")/../../build-monitor/sandbox-monitor}
T=${T:-/tmp/bbtest-$(id -un)}
READONLY=false
LOWER_EXTRA=${RUN_LOWER_EXTRA:-}
while [ $# -gt 0 ]; do
  case $1 in
    --readonly) READONLY=true ;;
    --bad-lower) LOWER_EXTRA="\"$T/no-such-layer\"," ;;
    --) shift; break ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || set -- sh -c 'echo hi; exit 3'

uid=$(id -u); gid=$(id -g)
sub=$(awk -F: -v u="$(id -un)" '$1==u {print $2":"$3; exit}' /etc/subuid)
subg=$(awk -F: -v u="$(id -un)" '$1==u {print $2":"$3; exit}' /etc/subgid)

if [ ! -x "$T/lower/bin/busybox" ]; then
  mkdir -p "$T/lower/bin" "$T/lower/etc" "$T/lower/proc" "$T/lower/sys" "$T/lower/dev" \
           "$T/lower/tmp" "$T/lower/root"
  chmod 1777 "$T/lower/tmp"
  cp "$(command -v busybox)" "$T/lower/bin/busybox"
  for a in $("$T/lower/bin/busybox" --list); do
    [ "$a" = busybox ] || ln -sf busybox "$T/lower/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$T/lower/etc/passwd"
  printf 'root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n' > "$T/lower/etc/group"
fi
rm -rf "$T/upper" "$T/work"
mkdir -p "$T/upper" "$T/work" "$T/merged"

map() {  # map OWN SUB -> JSON mappings (single-id map when there is no subordinate range)
  if [ -n "$2" ]; then
    echo "[{\"containerID\":0,\"hostID\":$1,\"size\":1},{\"containerID\":1,\"hostID\":${2%%:*},\"size\":${2##*:}}]"
  else
    echo "[{\"containerID\":0,\"hostID\":$1,\"size\":1}]"
  fi
}
args=""
for a in "$@"; do
  esc=$(printf '%s' "$a" | sed 's/\\/\\\\/g; s/"/\\"/g')
  args="$args${args:+,}\"$esc\""
done
DEFAULT_NS='{"type":"user"},{"type":"mount"},{"type":"pid"},{"type":"uts"},{"type":"ipc"},{"type":"network"}'
NAMESPACES=${RUN_NAMESPACES:-$DEFAULT_NS}
CAPS='"CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"'
cat > "$T/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": ${RUN_UID:-0}, "gid": ${RUN_GID:-0}, "additionalGids": [${RUN_GROUPS:-}] },
    "args": [$args],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=0123456789ab", "HOME=/root"],
    "cwd": "${RUN_CWD:-/}",
    "capabilities": { "bounding": [$CAPS], "effective": [$CAPS], "permitted": [$CAPS],
                      "inheritable": [], "ambient": [] },
    "noNewPrivileges": ${RUN_NNP:-false},
    "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 }]
  },
  "root": { "path": "$T/merged", "readonly": $READONLY },
  "hostname": "0123456789ab",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"] },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"] },
    { "destination": "/dev/null", "type": "bind", "source": "/dev/null", "options": ["bind", "nosuid", "noexec"] },
    { "destination": "/dev/zero", "type": "bind", "source": "/dev/zero", "options": ["bind", "nosuid", "noexec"] },
    { "destination": "/dev/full", "type": "bind", "source": "/dev/full", "options": ["bind", "nosuid", "noexec"] },
    { "destination": "/dev/random", "type": "bind", "source": "/dev/random", "options": ["bind", "nosuid", "noexec"] },
    { "destination": "/dev/urandom", "type": "bind", "source": "/dev/urandom", "options": ["bind", "nosuid", "noexec"] },
    { "destination": "/dev/tty", "type": "bind", "source": "/dev/tty", "options": ["bind", "nosuid", "noexec"] }${RUN_EXTRA_MOUNTS:-}
  ],
  "linux": {
    "uidMappings": $(map "$uid" "$sub"),
    "gidMappings": $(map "$gid" "$subg"),
    "namespaces": [$NAMESPACES],
    "maskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  },
  "sandbox": {
    "rootfs": { "driver": "overlay", "lowerdirs": [$LOWER_EXTRA"$T/lower"], "upperdir": "$T/upper", "workdir": "$T/work" },
    "stateDir": "$T",
    "pidFile": "$T/pid"
  }
}
JSON
set +e
"$MON" run --config "$T/config.json" --result-fd 3 3>"$T/result"
rc=$?
sed 's/^/result: /' "$T/result" >&2
exit $rc
