// Where a container's TCP connect should be made (docs/networks.md, "Outbound TCP without
// libslirp"). Pure: the supervisor (net/bypass.cc) asks it for every connect it is notified of.
#pragma once
#include <sys/socket.h>

#include "net/spec.h"

namespace sandbox::net {

enum class Route {
  Container,  // let the kernel connect in the container's namespace (loopback, the slirp
              // subnet: its own address, 10.0.2.3's DNS, the gateway when libslirp refuses it)
  Host,       // connect a host socket to `target` instead (the bypass)
};

// `dest`/`len` as the container passed them to connect(2). For Route::Host, `target` is where
// the host socket connects: `dest` itself, or the host's loopback for the gateway (10.0.2.2,
// fd5b:6f9e:c0de::2) when allow_host_loopback was given, as libslirp translates it.
Route route_for(const NetworkSpec& spec, const sockaddr* dest, socklen_t len, sockaddr_storage& target, socklen_t& target_len);

}  // namespace sandbox::net
