// Work besides the container's own that the monitor's one poll() serves (monitor/supervise.cc):
// the default network's libslirp and outbound bypass (net/slirp_network.h). Each round the
// source appends its fds after the loop's and may shorten the wait; after poll it handles what
// was reported for them. Everything a source does must be quick and never block: the same loop
// relays the container's output, attach clients, signals and healthchecks.
#pragma once
#include <poll.h>

#include <vector>

namespace sandbox {

class LoopSource {
 public:
  virtual ~LoopSource() = default;
  // Append this round's fds to `fds`; shorten `timeout_ms` (-1: no deadline yet) to the source's
  // next one.
  virtual void fill(std::vector<pollfd>& fds, int& timeout_ms) = 0;
  // After poll: `fds` as filled, with revents (all zero when poll failed or was interrupted).
  virtual void dispatch(std::vector<pollfd>& fds, bool poll_failed) = 0;
};

}  // namespace sandbox
