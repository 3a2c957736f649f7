#!/usr/bin/env bash
# The main job of the README, start to finish on a fresh machine of this kind, offline but for
# Debian's and npm's registries: as root, provision the host and build; then, as the
# unprivileged test user, load a busybox image the project builds locally and run a command in
# a rootless container.
#
#   sudo bash scripts/try.sh
#
# Env: SANDBOX_TEST_USER (sandbox-test), SANDBOX_TRY_DIR (/var/tmp/sandbox-try).
# Exit status: the container's.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=test/host/lib.sh
. "$repo/test/host/lib.sh"
step() { printf '\n=== %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { echo "try.sh: run as root (sudo bash scripts/try.sh)" >&2; exit 1; }

step "prepare the host (packages, the user $TEST_USER, subordinate ids, devices)"
bash "$repo/test/host/prepare.sh"

step "npm ci (builds the native parts and the TypeScript)"
cd "$repo"
npm ci --no-audit --no-fund

work=${SANDBOX_TRY_DIR:-/var/tmp/sandbox-try}
step "install the built tree in $work/tree"
stage_tree "$repo" "$work/tree"
USER_TMPDIR=$work/tmp
user_tmpdir "$USER_TMPDIR"
# The image archives belong to the user who builds them; kept between runs (make-images.sh caches).
install -d -m 0755 -o "$(id -u "$TEST_USER")" -g "$(id -g "$TEST_USER")" "$work/fixtures"

step "build the busybox images from Debian's busybox-static, as $TEST_USER"
as_test_user bash "$work/tree/test/fixtures/make-images.sh" "$work/fixtures"

# `sandbox` on the user's PATH, linked as `npm install -g` would link package.json's bin.
install -d -m 0755 "$work/bin"
ln -sfn ../tree/bin/sandbox.js "$work/bin/sandbox"
sandbox_as_user() {
  printf '%s$ sandbox %s\n' "$TEST_USER" "$*" >&2
  as_test_user PATH="$work/bin:$(dirname "$(command -v node)"):/usr/local/bin:/usr/bin:/bin" sandbox "$@"
}

step "load the image and run it, as $TEST_USER (no sudo, no daemon)"
cd "$work"
sandbox_as_user load -i "$work/fixtures/busybox.oci.tar"
set +e
sandbox_as_user run --rm lab/busybox echo hello from a rootless container
rc=$?
set -e
if [ "$rc" = 0 ]; then step "done: that was a rootless container"; else step "sandbox run exited $rc"; fi
exit "$rc"
