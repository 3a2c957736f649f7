#!/usr/bin/env bash
# The test command of the README, and what CI runs (.ci/run): as root on a fresh machine of
# this kind (Debian 12, node 20), provision the host, build everything as root, then run the
# whole suite as the unprivileged test user, the way ARCHITECTURE.md section 11 describes.
#
#   sudo bash test/host/ci.sh
#
# Exit status = the suite's; its last line is the suite's `N passed, N failed`.
# Env: SANDBOX_TEST_USER (sandbox-test), SANDBOX_CI_DIR (/var/tmp/sandbox-ci),
#      SANDBOX_CI_TIMEOUT (40m: CI allows 90 for everything, and the suite should take < 30).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test/host/lib.sh
. "$repo/test/host/lib.sh"
step() { printf '\n=== %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { echo "ci.sh: run as root (sudo bash test/host/ci.sh)" >&2; exit 1; }

step "prepare the host"
bash "$repo/test/host/prepare.sh"

step "build the systemd guest for the resource-limit tests (test/vm; cached in /var/tmp/sandbox-vm)"
# Root-only (debootstrap); the test user then boots it with ../shared/vm/vm-run.sh. A failed
# build is not fatal here: test/vm/run.sh reports it as a failed test, so the summary says so.
vmdir=$(cd "${SANDBOX_VM_DIR:-$repo/../shared/vm}" 2>/dev/null && pwd -P || true)
if [ -n "$vmdir" ] && [ -x "$vmdir/build-guest.sh" ]; then
  EXTRA_PKGS=libslirp0,libfuse3-3,libseccomp2,libcap2,libglib2.0-0 "$vmdir/build-guest.sh" \
    || echo "ci.sh: building the guest failed; the VM tests will fail" >&2
else
  echo "ci.sh: no ../shared/vm beside the repository (SANDBOX_VM_DIR); the VM tests will fail" >&2
fi

step "npm ci (builds the native parts and the TypeScript)"
cd "$repo"
npm ci --no-audit --no-fund

work=${SANDBOX_CI_DIR:-/var/tmp/sandbox-ci}
step "stage the built tree in $work/tree for $TEST_USER"
stage_tree "$repo" "$work/tree"
USER_TMPDIR=$work/tmp
user_tmpdir "$USER_TMPDIR"

# The clone's parents may be closed to the test user (CI clones under root's home), and so is
# ../shared beside it: the user boots the guest from a staged copy of the vm scripts.
if [ -n "$vmdir" ]; then
  rm -rf "$work/vm"
  cp -a "$vmdir" "$work/vm"
  chown -R root:root "$work/vm"
  chmod -R a+rX "$work/vm"
  vmdir=$work/vm
fi

step "the network tests' client namespace (test/host/netclient.sh)"
# A client off the host's loopback, for the test that a published port keeps the client's
# address; stopped by its pid when the suite ends.
netclient_pid=$(bash "$repo/test/host/netclient.sh" start /run/sandbox-netclient.sock)
trap 'bash "$repo/test/host/netclient.sh" stop "$netclient_pid" /run/sandbox-netclient.sock' EXIT

step "npm test as $TEST_USER"
cd "$work/tree"
# --silent: npm adds no banner and no "npm error" lines after the suite's closing line.
# timeout signals the whole process group (npm, run.mjs, ava and its workers); run.mjs then
# stops its registry and still prints the closing line.
set +e
as_test_user SANDBOX_VM_DIR="${vmdir:-}" timeout --kill-after=60s "${SANDBOX_CI_TIMEOUT:-40m}" npm test --silent
rc=$?
set -e
exit "$rc"
