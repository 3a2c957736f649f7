// The monitor's side of the network (issue 6): what run.cc calls, in order. Each helper is a
// child process of the monitor, so its loop never shares the monitor's event loop.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "net/port_forward.h"
#include "net/spec.h"
#include "sandbox/unique_fd.h"

namespace sandbox::net {

struct NetworkHelpers {
  std::vector<Listener> listeners;
  pid_t slirp = -1;
  pid_t forwarder = -1;
  // User-defined networks: one connection per network's switch, open for the container's life
  // (closing it is how the switch learns the member left).
  std::vector<unique_fd> memberships;
};

// Before the clone: bind the published ports (a taken port fails the run early) and record
// the ports actually bound in STATE_DIR/ports.json for `sandbox port`, ps and inspect.
int prepare_network(NetworkSpec& spec, const std::string& state_dir, NetworkHelpers& h, Error& err);

// Right after the init is released: receive its tap fd (and the connect notifier of the
// outbound bypass, net/bypass.h) and start the slirp child and the port forwarder. If the init reports an error instead of a tap, nothing is started and the
// message stays on the sync socket for the supervisor.
int start_network(const NetworkSpec& spec, int sync_fd, int init_pidfd, NetworkHelpers& h, Error& err);

// After the container has exited: the helpers die with it, and its ports are free again (the
// forwarder is reaped). The slirp child is killed but not waited for: its death closes the
// tap, and the kernel unregisters the device there (~17 ms: an RCU grace period) while
// nothing depends on it. A monitor about to exit leaves it to init; one that goes on
// (--restart re-execs itself) calls reap_network() so no zombie outlives the run.
void stop_network(NetworkHelpers& h);
void reap_network(NetworkHelpers& h);

}  // namespace sandbox::net
