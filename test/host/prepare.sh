#!/usr/bin/env bash
# Provision this host, as root, the way a normal desktop distro ships, so an unprivileged user
# can build nothing and run everything: the Debian packages the build and the tests need, a test
# user with its own subordinate id range, usable /dev/fuse and /dev/net/tun, setuid
# newuidmap/newgidmap and an XDG_RUNTIME_DIR. Idempotent: a second run changes nothing and
# skips apt entirely when every package is already installed.
#
#   sudo test/host/prepare.sh
#
# Env: SANDBOX_TEST_USER (sandbox-test), SANDBOX_TEST_SUBID_START (200000),
#      SANDBOX_TEST_SUBID_COUNT (65536), SKIP_APT=1 (leave packages alone).
set -euo pipefail

log() { printf 'prepare: %s\n' "$*" >&2; }
die() { printf 'prepare: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and creates the test user)"

TEST_USER=${SANDBOX_TEST_USER:-sandbox-test}
SUBID_START=${SANDBOX_TEST_SUBID_START:-200000}
SUBID_COUNT=${SANDBOX_TEST_SUBID_COUNT:-65536}

# The one list of Debian packages the project needs. Build: the native addon and monitor
# (libslirp's .pc file requires glib's). Run: what the tests and the fixture scripts call.
BUILD_PACKAGES=(cmake g++ pkg-config libcap-dev libseccomp-dev libfuse3-dev libslirp-dev
                libglib2.0-dev libsystemd-dev libssl-dev)
RUN_PACKAGES=(uidmap fuse3 fuse-overlayfs busybox-static docker-registry skopeo umoci iproute2 jq curl tar gzip
              qemu-system-x86 debootstrap e2fsprogs cpio xz-utils  # these five: the cgroup test guest (test/vm)
              iperf3 python3  # the network tests: UDP through -p (iperf3), the netclient relay (python3)
              zstd isal apache2-utils openssl)  # images: zstd layers, igzip (fast gunzip), htpasswd and token-auth registries

# --- 1. packages ------------------------------------------------------------------------------

policy=/usr/sbin/policy-rc.d
policy_backup=
policy_ours=

# Put back whatever policy-rc.d was there before (or nothing): we only want services kept down
# for the length of our install, not to change how this host treats services afterwards.
restore_policy() {
  [ -n "$policy_ours" ] || return 0
  if [ -n "$policy_backup" ]; then
    mv -f "$policy_backup" "$policy"
  else
    rm -f "$policy"
  fi
  policy_ours=
}
trap restore_policy EXIT

install_packages() {
  local missing=() p
  for p in "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  if [ ${#missing[@]} = 0 ]; then
    log "packages: all ${#BUILD_PACKAGES[@]}+${#RUN_PACKAGES[@]} installed"
    return
  fi
  log "packages: installing ${missing[*]}"
  # docker-registry's postinst starts its packaged service on 0.0.0.0:5000; the tests start
  # their own registries on free loopback ports, so the packaged one must not run. invoke-rc.d
  # and deb-systemd-invoke both obey policy-rc.d's 101 ("action forbidden").
  if [ -e "$policy" ]; then
    policy_backup=$(mktemp "$policy.prepare-backup.XXXXXX")
    cp -p "$policy" "$policy_backup"
  fi
  policy_ours=1
  printf '#!/bin/sh\n# written by sandbox test/host/prepare.sh for the length of its apt-get install\nexit 101\n' > "$policy"
  chmod 0755 "$policy"

  local apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y "${missing[@]}"
  restore_policy
}

if [ -z "${SKIP_APT:-}" ]; then install_packages; else log "packages: skipped (SKIP_APT)"; fi

# --- 2. the test user -------------------------------------------------------------------------

if ! id -u "$TEST_USER" >/dev/null 2>&1; then
  log "user: creating $TEST_USER"
  useradd --create-home --user-group --shell /bin/bash "$TEST_USER"
fi
uid=$(id -u "$TEST_USER")
gid=$(id -g "$TEST_USER")
home=$(getent passwd "$TEST_USER" | cut -d: -f6)
if [ -z "$home" ] || [ "$home" = / ]; then die "user $TEST_USER has no usable home directory ($home)"; fi
if [ ! -d "$home" ]; then
  log "user: repairing missing home $home"
  install -d -m 0750 -o "$uid" -g "$gid" "$home"
fi
# A home owned by someone else would make every XDG default of the suite fail in odd ways.
[ "$(stat -c %u "$home")" = "$uid" ] || { log "user: giving $home back to $TEST_USER"; chown "$uid:$gid" "$home"; }

# --- 3. subordinate ids -----------------------------------------------------------------------

# Exactly one range for the test user, START:COUNT, and no other user's range overlapping it:
# two users sharing subordinate ids could reach each other's container files. useradd may have
# allocated the first free range on creation; that entry is replaced, not kept beside ours.
set_subids() {
  local file=$1 tmp clash
  [ -e "$file" ] || install -m 0644 /dev/null "$file"
  clash=$(awk -F: -v u="$TEST_USER" -v id="$uid" -v s="$SUBID_START" -v c="$SUBID_COUNT" '
    /^[[:space:]]*(#|$)/ { next }
    $1 != u && $1 != id && ($2 + 0) < s + c && s < ($2 + 0) + ($3 + 0) { print "  " FILENAME ":" FNR ": " $0 }
  ' "$file")
  if [ -n "$clash" ]; then
    die "the range $SUBID_START:$SUBID_COUNT wanted for $TEST_USER in $file overlaps another user's:
$clash
  pick a free range with SANDBOX_TEST_SUBID_START=N (or move that user's range), then rerun"
  fi
  if [ "$(awk -F: -v u="$TEST_USER" -v id="$uid" '$1 == u || $1 == id' "$file")" = "$TEST_USER:$SUBID_START:$SUBID_COUNT" ]; then
    return
  fi
  log "subids: $file: $TEST_USER:$SUBID_START:$SUBID_COUNT"
  tmp=$(mktemp "$file.prepare.XXXXXX")
  awk -F: -v u="$TEST_USER" -v id="$uid" '$1 != u && $1 != id' "$file" > "$tmp"
  printf '%s:%s:%s\n' "$TEST_USER" "$SUBID_START" "$SUBID_COUNT" >> "$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$file"
}
set_subids /etc/subuid
set_subids /etc/subgid

# --- 4. devices -------------------------------------------------------------------------------

# Distros ship both world-usable; some VM images ship /dev/fuse 0600 and no /dev/net/tun node.
# Not persistent across a reboot (udev or a fresh devtmpfs resets them): CI runs this each time.
ensure_char_dev() {
  local path=$1 major=$2 minor=$3
  if [ ! -e "$path" ]; then
    log "devices: creating $path (c $major $minor)"
    install -d -m 0755 "$(dirname "$path")"
    mknod -m 0666 "$path" c "$major" "$minor"
  fi
  [ -c "$path" ] || die "$path exists but is not a character device"
  [ "$(stat -c %a "$path")" = 666 ] || { log "devices: chmod 0666 $path"; chmod 0666 "$path"; }
}
ensure_char_dev /dev/fuse 10 229
ensure_char_dev /dev/net/tun 10 200

# Unprivileged ICMP echo ("ping" sockets): systemd distros open it to every group
# (/usr/lib/sysctl.d/50-default.conf); a host whose PID 1 is not systemd keeps the kernel's "1 0".
# The default network's ICMP forwarding (libslirp's echo sockets) needs it, as slirp4netns does.
if [ "$(cut -f1 /proc/sys/net/ipv4/ping_group_range)" != 0 ]; then
  log "sysctl: net.ipv4.ping_group_range=0 2147483647 (as systemd distros set it)"
  sysctl -qw net.ipv4.ping_group_range="0 2147483647" || log "sysctl: cannot set ping_group_range (ICMP tests will say so)"
fi

# --- 5. newuidmap / newgidmap -----------------------------------------------------------------

# They write multi-range id maps for unprivileged users; that needs setuid root.
for helper in newuidmap newgidmap; do
  path=$(command -v "$helper") || die "$helper not found (package uidmap)"
  if [ "$(stat -c %u "$path")" != 0 ] || [ ! -u "$path" ]; then
    log "idmap helpers: making $path setuid root"
    chown root:root "$path"
    chmod 4755 "$path"
  fi
done

# --- 6. kernel switches a distro leaves on ----------------------------------------------------

if [ -e /proc/sys/kernel/unprivileged_userns_clone ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" = 0 ]; then
  log "kernel: enabling unprivileged user namespaces"
  echo 1 > /proc/sys/kernel/unprivileged_userns_clone
fi
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)" = 0 ]; then
  log "kernel: user.max_user_namespaces was 0, setting 65536"
  echo 65536 > /proc/sys/user/max_user_namespaces
fi

# --- 7. XDG_RUNTIME_DIR -----------------------------------------------------------------------

# No systemd-logind here, so nobody makes /run/user/UID at login; make it as logind would.
install -d -m 0755 -o root -g root /run/user
install -d -m 0700 -o "$uid" -g "$gid" "/run/user/$uid"
chown "$uid:$gid" "/run/user/$uid"
chmod 0700 "/run/user/$uid"
# So that `su - $TEST_USER` gets it too, as a logind session would.
profile=$home/.profile
if ! grep -q 'XDG_RUNTIME_DIR' "$profile" 2>/dev/null; then
  log "user: adding XDG_RUNTIME_DIR to $profile"
  cat >> "$profile" <<'EOF'
# added by sandbox test/host/prepare.sh: this host has no systemd-logind to set it
export XDG_RUNTIME_DIR=/run/user/$(id -u)
EOF
  chown "$uid:$gid" "$profile"
fi

# --- summary ----------------------------------------------------------------------------------

log "ready: $TEST_USER uid=$uid gid=$gid home=$home"
grep -E "^($TEST_USER|$uid):" /etc/subuid /etc/subgid | sed 's/^/prepare:   /' >&2
stat -c 'prepare:   %A %U %n' /dev/fuse /dev/net/tun "$(command -v newuidmap)" "$(command -v newgidmap)" "/run/user/$uid" >&2
