#include "net/bypass_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace sandbox::net {
namespace {

in_addr addr4(const char* text) {
  in_addr a{};
  ::inet_pton(AF_INET, text, &a);
  return a;
}
in6_addr addr6(const char* text) {
  in6_addr a{};
  ::inet_pton(AF_INET6, text, &a);
  return a;
}

// An IPv4 destination (host byte order). `loopback_ok` set: the gateway means the host's
// 127.0.0.1.
enum class V4 { Container, Outside, Gateway };
V4 classify4(uint32_t a) {
  static const uint32_t net = ntohl(addr4(kNet4).s_addr), gateway = ntohl(addr4(kGateway4).s_addr);
  const uint32_t mask = ~0u << (32 - kPrefix4);
  if ((a >> 24) == 127 || a == 0) return V4::Container;  // the container's own loopback
  if ((a & mask) == net) return a == gateway ? V4::Gateway : V4::Container;
  if (a >= 0xE0000000u) return V4::Container;  // multicast, reserved, broadcast: TCP fails there
  return V4::Outside;
}

Route decide4(const NetworkSpec& spec, const sockaddr_in& in, sockaddr_storage& target, socklen_t& len) {
  V4 kind = classify4(ntohl(in.sin_addr.s_addr));
  if (kind == V4::Container || (kind == V4::Gateway && !spec.allow_host_loopback)) return Route::Container;
  sockaddr_in out = in;
  if (kind == V4::Gateway) out.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::memset(&target, 0, sizeof target);
  std::memcpy(&target, &out, sizeof out);
  len = sizeof out;
  return Route::Host;
}

Route decide6(const NetworkSpec& spec, const sockaddr_in6& in, sockaddr_storage& target, socklen_t& len) {
  const in6_addr& a = in.sin6_addr;
  sockaddr_in6 out = in;
  if (IN6_IS_ADDR_V4MAPPED(&a)) {
    // An IPv6 socket reaching an IPv4 peer: the IPv4 rules, the socket stays IPv6.
    uint32_t v4;
    std::memcpy(&v4, &a.s6_addr[12], 4);
    V4 kind = classify4(ntohl(v4));
    if (kind == V4::Container || (kind == V4::Gateway && !spec.allow_host_loopback)) return Route::Container;
    static const uint8_t kLoopback[4] = {127, 0, 0, 1};
    if (kind == V4::Gateway) std::memcpy(&out.sin6_addr.s6_addr[12], kLoopback, 4);
  } else {
    static const in6_addr prefix = addr6(kNet6), gateway = addr6(kGateway6);
    if (IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LINKLOCAL(&a) ||
        IN6_IS_ADDR_MULTICAST(&a))
      return Route::Container;
    static_assert(kPrefix6 == 64, "the subnet test below compares 8 bytes");
    if (std::memcmp(&a, &prefix, 8) == 0) {
      if (std::memcmp(&a, &gateway, sizeof a) != 0 || !spec.allow_host_loopback) return Route::Container;
      out.sin6_addr = in6addr_loopback;
      out.sin6_scope_id = 0;
    } else if (!spec.ipv6) {
      return Route::Container;  // no IPv6 route in the container: the kernel's ENETUNREACH
    }
  }
  std::memset(&target, 0, sizeof target);
  std::memcpy(&target, &out, sizeof out);
  len = sizeof out;
  return Route::Host;
}

}  // namespace

Route route_for(const NetworkSpec& spec, const sockaddr* dest, socklen_t len, sockaddr_storage& target, socklen_t& target_len) {
  if (dest->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in;
    std::memcpy(&in, dest, sizeof in);
    return decide4(spec, in, target, target_len);
  }
  if (dest->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in;
    std::memcpy(&in, dest, sizeof in);
    return decide6(spec, in, target, target_len);
  }
  return Route::Container;  // AF_UNSPEC (disconnect), short addresses: the kernel's answer
}

}  // namespace sandbox::net
