#pragma once
#include "net/spec.h"

namespace sandbox::net {

// The slirp child's whole life: serve the container's tap device with libslirp until the
// monitor kills it. Runs in its own process (forked by the monitor) with its own poll loop, so
// the monitor's event loop never waits on network traffic and a libslirp fault can't take the
// monitor down. `bypass` (listener -1: none) is the container's connect notifier and route
// probe, answered in the same loop by the outbound bypass (net/bypass.h). Never returns.
struct BypassFds {
  int listener = -1;
  int route_probe = -1;
};
[[noreturn]] void run_slirp(int tap_fd, BypassFds bypass, const NetworkSpec& spec);

}  // namespace sandbox::net
