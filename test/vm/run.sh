#!/usr/bin/env bash
# Boot the systemd guest of ../shared/vm, run the resource-limit tests inside it as its
# unprivileged user, stop it; TAP on stdout (test/run.mjs counts it into the closing line).
# Runs as any host user: the guest must have been built by root first (test/host/ci.sh does,
# or: sudo EXTRA_PKGS=... ../shared/vm/build-guest.sh).
#
#   bash test/vm/run.sh            (from a built tree: dist/, build/Release/)
#
# Env: SANDBOX_VM_DIR (the vm scripts, default ../shared/vm beside the repository),
#      VMRUN_OUT (the built guest, /var/tmp/sandbox-vm), SANDBOX_FIXTURES (the image archive),
#      SANDBOX_MONITOR (a monitor inside the tree, passed on with its guest path), CI (a missing
#      guest is then a failure, not a skip).
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
vmdir=${SANDBOX_VM_DIR:-$repo/../shared/vm}
out=${VMRUN_OUT:-/var/tmp/sandbox-vm}
archive=${SANDBOX_FIXTURES:-${TMPDIR:-/tmp}/sandbox-fixtures}/busybox.docker.tar
ci=false
case "${CI:-}" in ''|0|false) ;; *) ci=true ;; esac

unavailable() {
  if $ci; then echo "not ok 1 - vm: the systemd guest is available # $1"; echo "1..1"; exit 1; fi
  echo "ok 1 - vm: resource limits on a real systemd # SKIP $1"; echo "1..1"; exit 0
}
[ -x "$vmdir/vm-run.sh" ] || unavailable "no $vmdir/vm-run.sh (set SANDBOX_VM_DIR)"
[ -e "$out/root.img" ] || unavailable "guest not built: as root, EXTRA_PKGS=libslirp0,libfuse3-3,libseccomp2,libcap2,libglib2.0-0 $vmdir/build-guest.sh"
[ -r "$archive" ] || unavailable "no image archive $archive (test/fixtures/make-images.sh)"
command -v qemu-system-x86_64 >/dev/null || unavailable "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"

export VMRUN_OUT=$out
export VMRUN_STATE=${TMPDIR:-/tmp}/sandbox-vmtest-$$
trap '"$vmdir/vm-run.sh" --stop >/dev/null 2>&1' EXIT
cd "$repo"

t0=$SECONDS
if ! "$vmdir/vm-run.sh" --keep --project "$repo" -- true >&2; then
  echo "not ok 1 - vm: the systemd guest boots"; echo "1..1"; exit 1
fi
echo "# vm: guest booted in $((SECONDS - t0)) s"
# The guest has no network: the image goes through the job-exchange share (/shared there).
cp "$archive" "$VMRUN_STATE/xfer/image.tar" && chmod a+r "$VMRUN_STATE/xfer/image.tar"

monitor=()
if [ -n "${SANDBOX_MONITOR:-}" ]; then
  real=$(readlink -f "$SANDBOX_MONITOR")
  case "$real" in "$repo"/*) monitor=(SANDBOX_MONITOR="/project/${real#"$repo"/}") ;; esac
fi
t1=$SECONDS
"$vmdir/vm-run.sh" --project "$repo" --timeout 900 -- env "${monitor[@]}" node /project/dist/test/vm/limits.vm.js /shared/image.tar
rc=$?
echo "# vm: tests took $((SECONDS - t1)) s, $((SECONDS - t0)) s in all"
exit "$rc"
