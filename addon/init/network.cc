#include "init/network.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "net/member_tap.h"
#include "net/netlink.h"
#include "security/connect_notify.h"
#include "sandbox/unique_fd.h"
#include "sandbox/fd_passing.h"

namespace sandbox {
namespace {

int set_link(const char* name, unsigned mtu, Error& err) {
  unique_fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return err.sys(std::string("socket for configuring ") + name);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (mtu) {
    ifr.ifr_mtu = static_cast<int>(mtu);
    if (::ioctl(sock.get(), SIOCSIFMTU, &ifr) < 0) return err.sys(std::string("set the MTU of ") + name);
  }
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0) return err.sys(std::string("read flags of ") + name);
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0) return err.sys(std::string("bring ") + name + " up");
  return 0;
}

int add_forward_rules(net::Netlink& nl, int lo, Error& err) {
  using namespace net;
  // Published ports keep the client's address (addon/net/port_forward.cc): the forwarder
  // connects to the server over this namespace's loopback from a transparent socket bound to
  // the client's real address. The server's replies go to that (non-local) address, which
  // would route out of tap0 to slirp; these rules send replies *from loopback* back into
  // the local stack instead, where the forwarder's socket picks them up (the mmproxy trick).
  // Only packets sourced from 127/8 or ::1 are affected, which never leave a host anyway.
  if (nl.add_rule_from_local(AF_INET, "127.0.0.0", 8, kForwardTable, err) < 0 ||
      nl.add_route(AF_INET, kForwardTable, RTN_LOCAL, "", 0, "", lo, err) < 0)
    return -1;
  if (nl.add_rule_from_local(AF_INET6, "::1", 128, kForwardTable, err) < 0 ||
      nl.add_route(AF_INET6, kForwardTable, RTN_LOCAL, "", 0, "", lo, err) < 0)
    return -1;
  return 0;
}

int send_fd(int sock, int fd, Error& err) { return fdpass::send(sock, 'T', fd, "the tap device", err); }

}  // namespace

int bring_up_loopback(Error& err) { return set_link("lo", 0, err); }

int create_tap_for_monitor(const net::NetworkSpec& spec, int sync_fd, Error& err) {
  using namespace net;
  unique_fd tap(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (!tap) return err.sys("open /dev/net/tun (the default network needs it; --network none does not)");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, kTapName, IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (::ioctl(tap.get(), TUNSETIFF, &ifr) < 0) return err.sys("create the tap device");
  // lo too, now: the forwarding routes below name it, and a route on a down device is refused.
  if (set_link("lo", 0, err) < 0 || set_link(kTapName, kTapMtu, err) < 0) return -1;
  int ifindex = static_cast<int>(::if_nametoindex(kTapName));
  int lo = static_cast<int>(::if_nametoindex("lo"));

  Netlink nl;
  if (nl.open(err) < 0) return -1;
  if (nl.add_address(ifindex, AF_INET, kGuest4, kPrefix4, err) < 0 ||
      nl.add_route(AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "", 0, kGateway4, ifindex, err) < 0)
    return -1;
  if (spec.ipv6 && (nl.add_address(ifindex, AF_INET6, kGuest6, kPrefix6, err) < 0 ||
                    nl.add_route(AF_INET6, RT_TABLE_MAIN, RTN_UNICAST, "", 0, kGateway6, ifindex, err) < 0))
    return -1;

  if (!spec.ports.empty() && add_forward_rules(nl, lo, err) < 0) return -1;
  return send_fd(sync_fd, tap.get(), err);
}

int create_member_taps_for_monitor(const net::NetworkSpec& spec, int sync_fd, Error& err) {
  if (set_link("lo", 0, err) < 0) return -1;
  // eth0, eth1... in the config's order; the first network with an uplink has the default route.
  // On the default network tap0 has the default route already.
  bool routed = spec.mode != net::Mode::Switch;
  for (size_t i = 0; i < spec.networks.size(); i++) {
    const auto& n = spec.networks[i];
    unique_fd tap;
    if (net::create_member_tap(n, "eth" + std::to_string(i), !routed, tap, err) < 0) return -1;
    routed = routed || !n.internal;
    if (send_fd(sync_fd, tap.get(), err) < 0) return -1;
  }
  if (spec.ports.empty() || spec.mode != net::Mode::Switch) return 0;  // tap0 added them
  net::Netlink nl;
  if (nl.open(err) < 0) return -1;
  return add_forward_rules(nl, static_cast<int>(::if_nametoindex("lo")), err);
}

int hand_connect_notifier_to_monitor(int sync_fd, Error& err) {
  unique_fd listener;
  Error refused;
  if (install_connect_notify(listener, refused) < 0) {
    static const char kNone = 'n';
    if (::write(sync_fd, &kNone, 1) != 1) return err.sys("tell the monitor there is no connect notifier");
    return 0;
  }
  // The supervisor asks this namespace's routing where a destination goes (a UDP connect
  // sends nothing): dual-stack, so one socket answers for IPv4 and IPv6.
  unique_fd probe(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe) probe.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe) return err.sys("socket for the outbound bypass's route probe");
  // Our copies go at once (unique_fd): the container must never hold its own listener.
  if (fdpass::send(sync_fd, 'N', listener.get(), "the connect notifier", err) < 0) return -1;
  return fdpass::send(sync_fd, 'U', probe.get(), "the route probe", err);
}

// The monitor joins each tap to its network's switch while we go on with the setup; the command
// must not start before every join is done (helpers.cc writes 'J' then).
int wait_for_network_joins(int sync_fd, Error& err) {
  char c = 0;
  for (;;) {
    ssize_t n = ::read(sync_fd, &c, 1);
    if (n == 1 && c == 'J') return 0;
    if (n == 1) return err.fail(std::string("unexpected byte from the monitor while waiting for the network joins"), EPROTO);
    if (n == 0) return err.fail("the monitor went away before the networks were joined", EPIPE);
    if (errno != EINTR) return err.sys("wait for the network joins");
  }
}

}  // namespace sandbox
