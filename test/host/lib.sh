# shellcheck shell=bash
# Shared by test/host/ci.sh and scripts/try.sh (both run as root): put the built tree where the
# unprivileged test user can read it, and run commands as that user in a clean, login-like
# environment. Source it; it sets nothing but variables and functions.

TEST_USER=${SANDBOX_TEST_USER:-sandbox-test}

# stage_tree SRC DEST: a fresh, root-owned, world-readable copy of the built repository
# (node_modules, build/Release, dist included; .git left out). A clone may sit where the test
# user cannot even traverse (under /root, say), so the suite never runs from SRC itself.
# Read-only for the test user on purpose: tests must not write into the tree.
stage_tree() {
  local src=$1 dest=$2
  rm -rf "$dest"
  install -d -m 0755 -o root -g root "$(dirname "$dest")"
  install -d -m 0755 -o root -g root "$dest"
  tar -C "$src" --exclude=./.git -cf - . | tar -C "$dest" --no-same-owner -xf -
  chown -R root:root "$dest"
  chmod -R u+rwX,go+rX,go-w "$dest"
}

# user_tmpdir DIR: a fresh private TMPDIR for the test user.
user_tmpdir() {
  rm -rf "$1"
  install -d -m 0700 -o "$(id -u "$TEST_USER")" -g "$(id -g "$TEST_USER")" "$1"
}

# as_test_user [VAR=value...] CMD ARGS...: run CMD as the test user with only what a login
# would give it (HOME, USER, LOGNAME, SHELL, PATH, LANG, XDG_RUNTIME_DIR), CI passed through,
# TMPDIR set when given, and any VAR=value pairs before CMD.
as_test_user() {
  local uid home node_dir
  uid=$(id -u "$TEST_USER")
  home=$(getent passwd "$TEST_USER" | cut -d: -f6)
  node_dir=$(dirname "$(command -v node)")
  # node must be reachable for the test user, not only for root (nvm under /root is not).
  runuser -u "$TEST_USER" -- test -x "$node_dir/node" \
    || { echo "$node_dir/node is not executable for $TEST_USER: install node system-wide" >&2; return 1; }
  local vars=(
    HOME="$home" USER="$TEST_USER" LOGNAME="$TEST_USER" SHELL=/bin/bash LANG=C.UTF-8
    PATH="$node_dir:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    XDG_RUNTIME_DIR="/run/user/$uid"
    # npm would ask the registry whether it is outdated: noise and a network round trip.
    npm_config_update_notifier=false npm_config_fund=false
  )
  [ -n "${CI+x}" ] && vars+=(CI="$CI")
  [ -n "${USER_TMPDIR:-}" ] && vars+=(TMPDIR="$USER_TMPDIR")
  while [ $# -gt 0 ] && [[ $1 == [A-Za-z_]*=* ]]; do vars+=("$1"); shift; done
  runuser -u "$TEST_USER" -- env -i "${vars[@]}" "$@"
}
