// A member's tap device on a user-defined network (docs/networks.md): made inside the
// container's network namespace (by the init at start, by `netconnect` for a running
// container), its fd handed to the network's switch.
#pragma once
#include <string>

#include "net/spec.h"
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::net {

// The MTU of member links: the same as the default network's tap (fewer, larger frames
// through the user-space switch).
inline constexpr unsigned kMemberMtu = 65520;

// Create tap IFNAME with the member's MAC, MTU, address/prefix and, unless the network is
// internal or default_route is false, a default route via its gateway. The caller's current
// network namespace is the container's; /dev/net/tun is opened by host path.
int create_member_tap(const SwitchNetwork& n, const std::string& ifname, bool default_route, unique_fd& out, Error& err);

// "02:42:0a:59:00:02" -> 6 bytes. Pure.
bool parse_mac(const std::string& text, unsigned char out[6]);

}  // namespace sandbox::net
