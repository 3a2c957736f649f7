#include "net/udp_forward.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <string>

namespace sandbox::net {
namespace {

struct Flow {
  unique_fd inner;     // in the container's namespace, connected to the server
  Listener* listener;  // where the client's datagrams arrive on the host
  sockaddr_storage peer{};
  socklen_t peer_len = 0;
  time_t last = 0;
};

std::string key_of(const Listener* l, const sockaddr_storage& a, socklen_t len) {
  return std::to_string(reinterpret_cast<uintptr_t>(l)) + ":" + std::string(reinterpret_cast<const char*>(&a), len);
}

unique_fd open_inner(const Listener& l, sockaddr_storage peer, socklen_t len) {
  unique_fd s(::socket(l.family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return s;
  int one = 1;
  if (l.family == AF_INET) ::setsockopt(s.get(), SOL_IP, IP_TRANSPARENT, &one, sizeof one);
  else ::setsockopt(s.get(), SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&peer), len) < 0) {
    if (l.family == AF_INET) reinterpret_cast<sockaddr_in*>(&peer)->sin_port = 0;
    else reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port = 0;
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&peer), len) < 0) return unique_fd();
  }
  sockaddr_storage dst{};
  socklen_t dlen;
  if (l.family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&dst);
    a->sin_family = AF_INET;
    a->sin_port = htons(l.container_port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    dlen = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&dst);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(l.container_port);
    a->sin6_addr = in6addr_loopback;
    dlen = sizeof *a;
  }
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&dst), dlen) < 0) return unique_fd();
  return s;
}

}  // namespace

void relay_udp(std::vector<Listener*> listeners) {
  std::map<std::string, Flow> flows;
  static char buf[65536];
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Flow*> owners;  // nullptr for a listener
    for (Listener* l : listeners) {
      fds.push_back(pollfd{l->fd.get(), POLLIN, 0});
      owners.push_back(nullptr);
    }
    for (auto& [k, f] : flows) {
      fds.push_back(pollfd{f.inner.get(), POLLIN, 0});
      owners.push_back(&f);
    }
    if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
    time_t now = ::time(nullptr);
    for (size_t i = 0; i < fds.size(); i++) {
      if (!(fds[i].revents & POLLIN)) continue;
      if (Flow* f = owners[i]) {
        // The server's reply: back to the client, from the published port.
        ssize_t n;
        while ((n = ::recv(f->inner.get(), buf, sizeof buf, 0)) >= 0) {
          ::sendto(f->listener->fd.get(), buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&f->peer), f->peer_len);
          f->last = now;
        }
        continue;
      }
      Listener* l = listeners[i];
      for (;;) {
        sockaddr_storage peer{};
        socklen_t plen = sizeof peer;
        ssize_t n = ::recvfrom(l->fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &plen);
        if (n < 0) break;
        std::string key = key_of(l, peer, plen);
        auto it = flows.find(key);
        if (it == flows.end()) {
          unique_fd inner = open_inner(*l, peer, plen);
          if (!inner) continue;  // nothing can be done for this datagram; UDP may drop it
          it = flows.emplace(key, Flow{std::move(inner), l, peer, plen, now}).first;
        }
        ::send(it->second.inner.get(), buf, static_cast<size_t>(n), 0);
        it->second.last = now;
      }
    }
    for (auto it = flows.begin(); it != flows.end();)
      it = now - it->second.last > 60 ? flows.erase(it) : std::next(it);
  }
}

}  // namespace sandbox::net
