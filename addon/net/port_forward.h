#pragma once
#include <vector>

#include "net/spec.h"
#include "sandbox/unique_fd.h"

namespace sandbox::net {

// One host listener of a published TCP port.
struct Listener {
  unique_fd fd;
  int family = 0;
  uint16_t container_port = 0;
  bool udp = false;
};

// Bind every published port on the host, before the container starts, so a port in use fails
// the run with a clear message instead of a container that silently isn't reachable. Ports
// given as 0 get one from the kernel; `spec.ports[i].host_port` is updated to the real one.
int open_listeners(NetworkSpec& spec, std::vector<Listener>& out, Error& err);

// The forwarder's whole life (a child of the monitor): join the container's user and network
// namespaces through its pidfd, then for each accepted host connection open a socket *inside*
// the namespace, bound transparently to the client's own address, connect it to the server
// over the namespace's loopback and splice the two streams. The server sees the real client.
// Never returns.
[[noreturn]] void run_forwarder(int init_pidfd, std::vector<Listener>& listeners);

}  // namespace sandbox::net
