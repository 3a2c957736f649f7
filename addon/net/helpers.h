// The monitor's side of the network (issue 6): what run.cc calls, in order. The default
// network (libslirp, the outbound bypass) is served in the monitor's own loop
// (net/slirp_network.h); published ports have a child of their own, the port forwarder, which
// must enter the container's namespaces.
#pragma once
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "net/port_forward.h"
#include "net/slirp_network.h"
#include "net/spec.h"
#include "sandbox/unique_fd.h"

namespace sandbox::net {

struct NetworkHelpers {
  std::vector<Listener> listeners;
  // The default network, for the monitor's loop (OutputRelay::network); null without one.
  std::unique_ptr<SlirpNetwork> slirp;
  pid_t tap_closer = -1;  // after stop_network: the child closing the tap (SlirpNetwork::stop)
  pid_t forwarder = -1;
  // User-defined networks: one connection per network's switch, open for the container's life
  // (closing it is how the switch learns the member left).
  std::vector<unique_fd> memberships;
};

// Before the clone: bind the published ports (a taken port fails the run early) and record
// the ports actually bound in STATE_DIR/ports.json for `sandbox port`, ps and inspect.
int prepare_network(NetworkSpec& spec, const std::string& state_dir, NetworkHelpers& h, Error& err);

// Right after the init is released: load libslirp while the init sets up, receive its tap fd
// (and the connect notifier of the outbound bypass, net/bypass.h), set up the default network
// for the monitor's loop and fork the port forwarder. If the init reports an error instead of a
// tap, nothing is started and the message stays on the sync socket for the supervisor.
int start_network(const NetworkSpec& spec, int sync_fd, int init_pidfd, NetworkHelpers& h, Error& err);

// After the container has exited: the network stops with it, and its ports are free again (the
// forwarder is killed and reaped). The tap's last close, which waits for the kernel to
// unregister the device (~17 ms: an RCU grace period), is left to a short-lived child nobody
// waits for. A monitor about to exit leaves it to init; one that goes on (--restart re-execs
// itself) calls reap_network() so no zombie outlives the run.
void stop_network(NetworkHelpers& h);
void reap_network(NetworkHelpers& h);

}  // namespace sandbox::net
