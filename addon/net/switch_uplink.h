// A user-defined network's one way out (docs/networks.md): libslirp inside the network's
// switch, with the network's subnet as its virtual network and the gateway as its host and
// DNS forwarder. Kept apart from the switch so the way libslirp is linked can change alone.
#pragma once
#include <poll.h>

#include <cstdint>
#include <functional>
#include <list>
#include <vector>

struct Slirp;

namespace sandbox::net::sw {

class Uplink {
 public:
  using Output = std::function<void(const uint8_t*, size_t)>;
  ~Uplink();
  // Addresses in network byte order. `out` receives the frames libslirp sends to the link.
  bool start(uint32_t subnet_be, uint32_t mask_be, uint32_t gateway_be, unsigned mtu, Output out);
  bool running() const { return slirp_ != nullptr; }
  void input(const uint8_t* frame, size_t len);
  // Append libslirp's sockets to `fds` and shorten *timeout_ms to its next timer.
  void fill(std::vector<pollfd>& fds, int* timeout_ms);
  // After poll: let libslirp serve its sockets and timers.
  void dispatch(std::vector<pollfd>& fds, bool poll_failed);

  // libslirp's callbacks reach these.
  struct Timer;
  Output out_;
  std::list<Timer*> timers_;
  std::vector<pollfd>* fds_ = nullptr;

 private:
  Slirp* slirp_ = nullptr;
};

}  // namespace sandbox::net::sw
