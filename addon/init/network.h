// Networking inside the container's own network namespace: loopback, and for the default
// network the tap device that the monitor serves with libslirp (addon/net).
#pragma once
#include "net/spec.h"
#include "sandbox/error.h"

namespace sandbox {

// A new network namespace starts with "lo" down: bring it up, as every runtime does.
int bring_up_loopback(Error& err);

// Create tap0 (MTU 65520) with slirp's addresses and default routes, and hand its fd to the
// monitor over the sync socket: one byte 'T' carrying the fd (SCM_RIGHTS). Must run while
// the host's /dev/net/tun is still reachable, i.e. before the rootfs is mounted.
int create_tap_for_monitor(const net::NetworkSpec& spec, int sync_fd, Error& err);

// User-defined networks: eth0, eth1... (one tap per network, docs/networks.md) with the
// member's address and MAC, each fd sent to the monitor as a 'T' message like tap0's.
int create_member_taps_for_monitor(const net::NetworkSpec& spec, int sync_fd, Error& err);

// The outbound bypass (spec.bypass): install the connect notifier (security/connect_notify.h)
// and hand its listener to the monitor: one byte 'N' carrying the fd, then 'U' carrying a UDP
// socket of this namespace (the supervisor's route probe). A kernel that refuses the filter is
// not an error: the byte 'n' alone says so, and connects go through libslirp.
int hand_connect_notifier_to_monitor(int sync_fd, Error& err);

// Last before execve with user-defined networks: wait until the monitor has joined every tap
// to its switch.
int wait_for_network_joins(int sync_fd, Error& err);

}  // namespace sandbox
