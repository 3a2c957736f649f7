// The outbound-TCP bypass's supervisor (docs/networks.md, "Outbound TCP without libslirp").
// The container's init installs a seccomp notifier for connect(2) (security/connect_notify.h)
// and the monitor serves its listener here, in its own loop (net/slirp_network.h), from the host's
// network namespace. For a TCP connect to the outside, this connects a socket of the host
// instead and puts it in place of the container's (SECCOMP_IOCTL_NOTIF_ADDFD), so the stream
// never passes libslirp; everything else continues in the container as before.
//
// Nothing here blocks: connects run non-blocking and a blocking connect of the container is
// answered when its host socket is writable, from the monitor's poll loop, so DNS and the
// other flows of libslirp keep going meanwhile. Any step that fails lets the kernel do the
// connect in the container (libslirp's path): the bypass may be lost, never the connect.
#pragma once
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "net/spec.h"
#include "sandbox/unique_fd.h"

struct seccomp_notif;

namespace sandbox::net {

class ConnectBypass {
 public:
  // `tap_fd` names the container's network namespace (TUNGETDEVNETNS); `listener` is the
  // container's connect notifier; `route_probe` a UDP socket of the container's namespace.
  ConnectBypass(const NetworkSpec& spec, int tap_fd, unique_fd listener, unique_fd route_probe);

  // Once per loop round: append this round's fds, then handle what poll reported for them
  // (`first` = fds.size() before add_pollfds). `timeout_ms` is shortened to the next deadline.
  void add_pollfds(std::vector<pollfd>& fds, uint32_t& timeout_ms) const;
  void handle(const std::vector<pollfd>& fds, size_t first);

 private:
  enum class Kind { NotSocket, Container, Nested, Foreign };
  struct Pending {  // a blocking connect of the container, waiting for its host socket
    uint64_t id;
    int target_fd;
    bool cloexec;
    unique_fd host;
    int64_t deadline_ms;  // SO_SNDTIMEO of the container's socket; -1: none
  };

  void on_notification();
  void on_connect(const seccomp_notif& n);
  void on_guarded(const seccomp_notif& n);
  void complete(Pending& p, short revents, bool timed_out);
  void drop_stale();
  Kind kind_of(int sock);
  bool swap_in(uint64_t id, int target_fd, bool cloexec, int host, bool nonblocking);
  bool valid(uint64_t id) const;
  bool leaves_through_tap(const sockaddr_storage& dest, socklen_t len) const;
  void respond(uint64_t id, int error, bool continue_in_container);

  const NetworkSpec& spec_;
  unique_fd listener_, probe_;
  bool ns_known_ = false;
  dev_t ns_dev_ = 0;
  ino_t ns_ino_ = 0;
  int probe_family_ = AF_UNSPEC;  // of the route probe: AF_INET6 (dual-stack) or AF_INET
  uint64_t ns_cookie_ = 0;  // SO_NETNS_COOKIE of the container's namespace, once seen
  size_t notif_size_ = 0, resp_size_ = 0;
  std::vector<Pending> pending_;
  int64_t next_check_ms_ = 0;
};

}  // namespace sandbox::net
