#include "net/port_forward.h"
#include "net/udp_forward.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <thread>

namespace sandbox::net {
namespace {

socklen_t fill_addr(int family, const std::string& ip, uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (ip.empty()) a->sin_addr.s_addr = htonl(INADDR_ANY);
    else ::inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
    return sizeof *a;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  if (ip.empty()) a->sin6_addr = in6addr_any;
  else ::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
  return sizeof *a;
}

int listen_on(int family, bool udp, const std::string& ip, uint16_t& port, unique_fd& out, Error& err) {
  unique_fd s(::socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return err.sys("socket");
  int one = 1;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) ::setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  sockaddr_storage ss;
  socklen_t len = fill_addr(family, ip, port, ss);
  std::string where = (ip.empty() ? std::string(family == AF_INET ? "0.0.0.0" : "[::]")
                                  : family == AF_INET6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) {
    err.sys("publish port on " + where);
    if (err.errnum == EADDRINUSE) err.message = "publish port on " + where + ": port is already allocated";
    return -1;
  }
  if (!udp && ::listen(s.get(), 512) < 0) return err.sys("listen on " + where);
  len = sizeof ss;
  ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                 : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  out = std::move(s);
  return 0;
}

// Move bytes from one socket to the other through a pipe, without copying them to user space.
// Each direction ends by shutting down the writer's side, so half-closes pass through.
void relay(unique_fd client, unique_fd server) {
  struct Dir {
    int from, to;
    int pipe[2] = {-1, -1};
    size_t queued = 0;
    bool eof = false, done = false;
  } dirs[2] = {{client.get(), server.get()}, {server.get(), client.get()}};
  for (auto& d : dirs)
    if (::pipe2(d.pipe, O_CLOEXEC | O_NONBLOCK) < 0) return;
  ::fcntl(client.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(server.get(), F_SETFL, O_NONBLOCK);
  const size_t kChunk = 1 << 20;
  while (!(dirs[0].done && dirs[1].done)) {
    pollfd p[4];
    for (int i = 0; i < 2; i++) {
      Dir& d = dirs[i];
      p[2 * i] = {d.eof || d.done ? -1 : d.from, POLLIN, 0};
      p[2 * i + 1] = {d.queued && !d.done ? d.to : -1, POLLOUT, 0};
    }
    if (::poll(p, 4, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; i++) {
      Dir& d = dirs[i];
      if (d.done) continue;
      if (!d.eof) {
        ssize_t n = ::splice(d.from, nullptr, d.pipe[1], nullptr, kChunk, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) d.queued += static_cast<size_t>(n);
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) d.eof = true;
      }
      while (d.queued) {
        ssize_t n = ::splice(d.pipe[0], nullptr, d.to, nullptr, d.queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) {
          d.queued -= static_cast<size_t>(n);
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        d.done = true;  // the other side is gone: whatever is queued can't be delivered
        d.eof = true;
        ::shutdown(d.from, SHUT_RD);
        break;
      }
      if (d.eof && !d.queued && !d.done) {
        ::shutdown(d.to, SHUT_WR);
        d.done = true;
      }
    }
  }
  for (auto& d : dirs) {
    ::close(d.pipe[0]);
    ::close(d.pipe[1]);
  }
}

// Runs inside the container's network namespace: a socket there, bound to the client's real
// address (IP_TRANSPARENT allows a non-local one; we hold CAP_NET_ADMIN in this namespace as
// its owner), connected to the server over loopback. init/network.cc routes the replies back.
void serve(unique_fd client, int family, uint16_t container_port) {
  sockaddr_storage peer{};
  socklen_t plen = sizeof peer;
  if (::getpeername(client.get(), reinterpret_cast<sockaddr*>(&peer), &plen) < 0) return;
  int one = 1;
  ::setsockopt(client.get(), IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
  unique_fd server(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!server) return;
  ::setsockopt(server.get(), IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
  if (family == AF_INET) ::setsockopt(server.get(), SOL_IP, IP_TRANSPARENT, &one, sizeof one);
  else ::setsockopt(server.get(), SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one);
  // The client's own port first, so the server's log shows exactly who connected; a port
  // already taken in the namespace falls back to any.
  if (::bind(server.get(), reinterpret_cast<sockaddr*>(&peer), plen) < 0) {
    if (family == AF_INET) reinterpret_cast<sockaddr_in*>(&peer)->sin_port = 0;
    else reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port = 0;
    if (::bind(server.get(), reinterpret_cast<sockaddr*>(&peer), plen) < 0) return;
  }
  sockaddr_storage dst;
  socklen_t dlen = fill_addr(family, family == AF_INET ? "127.0.0.1" : "::1", container_port, dst);
  while (::connect(server.get(), reinterpret_cast<sockaddr*>(&dst), dlen) < 0)
    if (errno != EINTR) return;  // nothing listens: the client sees its connection closed
  relay(std::move(client), std::move(server));
}

}  // namespace

int open_listeners(NetworkSpec& spec, std::vector<Listener>& out, Error& err) {
  for (auto& p : spec.ports) {
    auto add = [&](int family, const std::string& ip, Error& e) -> int {
      Listener l;
      l.family = family;
      l.container_port = p.container_port;
      l.udp = p.protocol == "udp";
      if (listen_on(family, l.udp, ip, p.host_port, l.fd, e) < 0) return -1;
      out.push_back(std::move(l));
      return 0;
    };
    unsigned char buf[16];
    if (p.host_ip.empty()) {
      if (add(AF_INET, "", err) < 0) return -1;
      // Docker listens on [::] too, on the same port; a host without IPv6 (or with that port
      // taken on [::] only) just goes without that listener.
      Error ignored;
      add(AF_INET6, "", ignored);
    } else if (::inet_pton(AF_INET, p.host_ip.c_str(), buf) == 1) {
      if (add(AF_INET, p.host_ip, err) < 0) return -1;
    } else if (add(AF_INET6, p.host_ip, err) < 0) {
      return -1;
    }
  }
  return 0;
}

void run_forwarder(int init_pidfd, std::vector<Listener>& listeners) {
  // Both at once through the pidfd: the user namespace first gives us (its owner) the
  // capabilities to enter its network namespace. Listeners opened before stay on the host.
  if (::setns(init_pidfd, CLONE_NEWUSER | CLONE_NEWNET) < 0) {
    std::fprintf(stderr, "sandbox-monitor: port forwarder: join the container's network: %s\n", std::strerror(errno));
    ::_exit(1);
  }
  // UDP has no connections to hand to threads: one thread relays every datagram flow.
  std::vector<Listener*> udp;
  for (auto& l : listeners)
    if (l.udp) udp.push_back(&l);
  if (!udp.empty()) std::thread(relay_udp, udp).detach();
  std::vector<pollfd> fds;
  for (auto& l : listeners) fds.push_back(pollfd{l.udp ? -1 : l.fd.get(), POLLIN, 0});
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) ::_exit(1);
    for (size_t i = 0; i < fds.size(); i++) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (;;) {
        int c = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) break;
        // A thread per connection keeps each relay a simple blocking loop; the process is
        // ours alone, so threads here can't upset the monitor's fork-based design.
        std::thread(serve, unique_fd(c), listeners[i].family, listeners[i].container_port).detach();
      }
    }
  }
}

}  // namespace sandbox::net
