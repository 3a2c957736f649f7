#pragma once
#include <vector>

#include "net/port_forward.h"

namespace sandbox::net {

// Published UDP ports, run on a thread of the port forwarder (already inside the container's
// network namespace). One flow per client address: a socket in the namespace, transparently
// bound to the client's address and port and connected to 127.0.0.1:CONTAINER_PORT, so the
// server sees the real client and its replies come back (init/network.cc's loopback rules).
// A flow idle for a minute is closed. Never returns.
[[noreturn]] void relay_udp(std::vector<Listener*> listeners);

}  // namespace sandbox::net
