// The default network's host side (docs/networks.md): libslirp serving the container's tap0,
// and the outbound bypass (net/bypass.h) answering its connect notifier, both inside the
// monitor's own event loop (monitor/loop_source.h). One process per container, not a monitor
// plus a slirp child: the second process cost a copy of everything a process has resident (libc,
// the monitor's code, a stack, a heap), about 2.5 MiB of RSS per container.
//
// Everything here is non-blocking: the loop also relays the container's output, attach clients,
// signals and healthchecks, and a container can only slow its own monitor.
#pragma once
#include <sys/types.h>

#include <memory>
#include <vector>

#include "monitor/loop_source.h"
#include "net/spec.h"
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::net {

// Load libslirp (and glib, pcre2, libm behind it) into this process, and resolve every function
// net/ uses (net/slirp_lazy.cc). The monitor calls it right after releasing the init, so the
// loading overlaps the init's setup. Never after a pivot_root: the monitor stays on the host's
// root. An error names the library.
int load_slirp(Error& err);

class SlirpNetwork final : public LoopSource {
 public:
  SlirpNetwork();
  ~SlirpNetwork() override;
  SlirpNetwork(const SlirpNetwork&) = delete;
  SlirpNetwork& operator=(const SlirpNetwork&) = delete;

  // Serve `tap` (the container's tap0) with libslirp; `listener` and `route_probe` are the
  // container's connect notifier and route probe for the outbound bypass (empty: no bypass).
  // `spec` must outlive this. load_slirp must have succeeded.
  int start(unique_fd tap, unique_fd listener, unique_fd route_probe, const NetworkSpec& spec, Error& err);

  void fill(std::vector<pollfd>& fds, int& timeout_ms) override;
  void dispatch(std::vector<pollfd>& fds, bool poll_failed) override;

  // The container has ended: libslirp's sockets are closed at once; the tap's last close, which
  // makes the kernel unregister the device and wait an RCU grace period (12-17 ms here), is left
  // to a short-lived child, so neither the run's end nor its exit code waits for it. Returns that
  // child's pid (-1: none) for reap: a monitor that exits leaves it to init.
  pid_t stop();

  struct State;  // libslirp's callbacks reach it

 private:
  std::unique_ptr<State> s_;
};

}  // namespace sandbox::net
