#!/bin/sh
# The manual acceptance checks of `sandbox-monitor run` (issue 2, item 5), runnable by the lead.
# Run as the unprivileged test user (uid with a subordinate range, e.g. sandbox-test):
#   runuser -u sandbox-test -- env HOME=/home/sandbox-test XDG_RUNTIME_DIR=/run/user/1001 \
#     addon/monitor/check-run.sh
# Prints PASS/FAIL per check and "N passed, N failed"; exit 1 if any failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
RUN="$HERE/try-run.sh"
T=${T:-/tmp/bbtest-$(id -un)}
export T
pass=0 fail=0
check() {  # check NAME CONDITION-EXIT-STATUS DETAIL
  if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "PASS $1"
  else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}
mkdir -p "$T"
run() { out=$("$RUN" "$@" 2>"$T/stderr"); rc=$?; res=$(cat "$T/result"); }

run -- sh -c 'echo hi; exit 3'
[ "$out" = hi ] && [ $rc -eq 3 ] && echo "$res" | grep -q '"exitCode":3'; check "echo hi; exit 3" $? "rc=$rc out=$out res=$res"

run -- /etc
[ $rc -eq 126 ] && echo "$res" | grep -q '"errno":13,"path":"/etc","type":"exec-failed"'; check "/etc -> EACCES, 126" $? "rc=$rc res=$res"

run -- nosuchcmd
[ $rc -eq 127 ] && echo "$res" | grep -q '"errno":2,"path":"nosuchcmd","type":"exec-failed"'; check "nosuchcmd -> ENOENT, 127" $? "rc=$rc res=$res"

sub=$(awk -F: -v u="$(id -un)" '$1==u {print $2; exit}' /etc/subuid)
run -- cat /proc/self/uid_map
want=$(printf '0 %s 1\n1 %s 65536' "$(id -u)" "$sub")
[ "$(echo "$out" | awk '{print $1, $2, $3}')" = "$want" ]; check "uid_map is the podman map" $? "$out"

run -- sh -c 'touch /tmp/x && chown 1000 /tmp/x'
[ "$(stat -c %u "$T/upper/tmp/x" 2>/dev/null)" = $((sub + 999)) ]; check "chown 1000 -> host $((sub + 999))" $? "$(ls -ln "$T/upper/tmp/x" 2>&1)"

run -- ls /proc/self/fd
[ "$(echo $out)" = "0 1 2 3" ]; check "only fds 0 1 2 (+ ls's own dir fd)" $? "$out"

run -- grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status
[ "$(echo "$out" | awk '{print $2}' | sort -u)" = 00000000a80425fb ]; check "docker's 14 default capabilities" $? "$out"

run -- grep -E '^(NoNewPrivs|SigBlk|SigIgn)' /proc/self/status
[ "$(echo "$out" | awk '{print $2}' | tr '\n' ' ')" = "0000000000000000 0000000000000000 0 " ]; check "no_new_privs off, clean signal state" $? "$out"

"$RUN" -- sleep 100 >/dev/null 2>&1 &
job=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/pid" ] && break; sleep 0.2; done
sleep 0.3; kill -9 "$(cat "$T/pid")"; wait $job; rc=$?; res=$(cat "$T/result")
[ $rc -eq 137 ] && echo "$res" | grep -q '"exitCode":137,"signal":9' && [ ! -e "$T/pid" ]; check "kill -9 of init -> exited 137, pid file gone" $? "rc=$rc res=$res"

"$RUN" -- sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1 &
job=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/pid" ] && break; sleep 0.2; done
sleep 0.3; mon=$(awk '/^PPid/ {print $2}' "/proc/$(cat "$T/pid")/status"); kill -TERM "$mon"; wait $job; rc=$?
[ $rc -eq 7 ]; check "SIGTERM to the monitor reaches the container" $? "rc=$rc"

run --bad-lower -- true
[ $rc -eq 1 ] && [ "$(grep -c '"type"' "$T/result")" -eq 1 ] && echo "$res" | grep -q '"step":"mount-rootfs"' \
  && ! grep -q "$T" /proc/mounts && [ ! -e "$T/pid" ]; check "bad lowerdir -> one error, nothing left" $? "rc=$rc res=$res"

run -- sh -c 'echo x > /proc/sys/kernel/hostname || echo ro; cat /proc/keys | wc -c; ls /sys/firmware | wc -l; hostname'
[ "$(echo $out)" = "ro 0 0 0123456789ab" ]; check "read-only and masked paths, hostname" $? "$out"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
