#include "net/member_tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>

#include "net/netlink.h"

namespace sandbox::net {

bool parse_mac(const std::string& text, unsigned char out[6]) {
  unsigned m[6];
  char tail;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) != 6)
    return false;
  for (int i = 0; i < 6; i++) out[i] = static_cast<unsigned char>(m[i]);
  return true;
}

int create_member_tap(const SwitchNetwork& n, const std::string& ifname, bool default_route, unique_fd& out, Error& err) {
  unique_fd tap(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (!tap) return err.sys("open /dev/net/tun (user-defined networks need it)");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (::ioctl(tap.get(), TUNSETIFF, &ifr) < 0) return err.sys("create the tap device " + ifname);

  unique_fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return err.sys("socket for configuring " + ifname);
  ifreq req{};
  std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  req.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  if (!parse_mac(n.mac, reinterpret_cast<unsigned char*>(req.ifr_hwaddr.sa_data)))
    return err.fail("bad MAC address " + n.mac, EINVAL);
  if (::ioctl(sock.get(), SIOCSIFHWADDR, &req) < 0) return err.sys("set the MAC address of " + ifname);
  req.ifr_mtu = static_cast<int>(kMemberMtu);
  if (::ioctl(sock.get(), SIOCSIFMTU, &req) < 0) return err.sys("set the MTU of " + ifname);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) < 0) return err.sys("read flags of " + ifname);
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) < 0) return err.sys("bring " + ifname + " up");

  int ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
  Netlink nl;
  if (nl.open(err) < 0 || nl.add_address(ifindex, AF_INET, n.ip, n.prefix, err) < 0) return -1;
  // IPv6 (NODAD: usable at once; the switch keeps addresses unique). No IPv6 default route: the
  // switch has no IPv6 uplink, so a connect out fails at once instead of waiting for a gateway.
  if (!n.ip6.empty() && nl.add_address(ifindex, AF_INET6, n.ip6, n.prefix6, err) < 0) return -1;
  if (default_route && !n.internal &&
      nl.add_route(AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "", 0, n.gateway, ifindex, err) < 0)
    return -1;
  out = std::move(tap);
  return 0;
}

}  // namespace sandbox::net
