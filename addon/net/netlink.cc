#include "net/netlink.h"

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace sandbox::net {
namespace {

struct Message {
  nlmsghdr hdr;
  char body[512];
};

void put_attr(Message& m, unsigned short type, const void* data, size_t len) {
  auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&m) + NLMSG_ALIGN(m.hdr.nlmsg_len));
  rta->rta_type = type;
  rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
  std::memcpy(RTA_DATA(rta), data, len);
  m.hdr.nlmsg_len = NLMSG_ALIGN(m.hdr.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

bool parse_addr(int family, const std::string& text, unsigned char out[16], size_t& len) {
  len = family == AF_INET ? 4 : 16;
  return inet_pton(family, text.c_str(), out) == 1;
}

template <typename T>
T* start(Message& m, unsigned short type) {
  std::memset(&m, 0, sizeof m);
  m.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(T));
  m.hdr.nlmsg_type = type;
  m.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  return reinterpret_cast<T*>(NLMSG_DATA(&m.hdr));
}

}  // namespace

int Netlink::open(Error& err) {
  fd_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd_) return err.sys("open a netlink socket");
  return 0;
}

int Netlink::request(void* msg, size_t len, const std::string& what, Error& err) {
  auto* hdr = static_cast<nlmsghdr*>(msg);
  hdr->nlmsg_seq = ++seq_;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), msg, len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return err.sys(what);
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return err.sys(what);
    for (auto* r = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(r, static_cast<unsigned>(n)); r = NLMSG_NEXT(r, n)) {
      if (r->nlmsg_seq != seq_ || r->nlmsg_type != NLMSG_ERROR) continue;
      int e = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
      return e == 0 ? 0 : err.sys(what, e);
    }
  }
}

int Netlink::add_address(int ifindex, int family, const std::string& addr, unsigned prefix, Error& err) {
  Message m;
  auto* ifa = start<ifaddrmsg>(m, RTM_NEWADDR);
  ifa->ifa_family = static_cast<unsigned char>(family);
  ifa->ifa_prefixlen = static_cast<unsigned char>(prefix);
  ifa->ifa_index = static_cast<unsigned>(ifindex);
  unsigned char a[16];
  size_t len;
  if (!parse_addr(family, addr, a, len)) return err.fail("bad address " + addr, EINVAL);
  put_attr(m, IFA_LOCAL, a, len);
  put_attr(m, IFA_ADDRESS, a, len);
  uint32_t flags = IFA_F_NODAD;
  put_attr(m, IFA_FLAGS, &flags, sizeof flags);
  return request(&m, m.hdr.nlmsg_len, "add address " + addr, err);
}

int Netlink::add_route(int family, unsigned table, unsigned char type, const std::string& dst,
                       unsigned prefix, const std::string& gw, int ifindex, Error& err) {
  Message m;
  auto* rt = start<rtmsg>(m, RTM_NEWROUTE);
  rt->rtm_family = static_cast<unsigned char>(family);
  rt->rtm_table = table < 256 ? static_cast<unsigned char>(table) : static_cast<unsigned char>(RT_TABLE_UNSPEC);
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
  rt->rtm_type = type;
  rt->rtm_dst_len = static_cast<unsigned char>(dst.empty() ? 0 : prefix);
  if (table >= 256) put_attr(m, RTA_TABLE, &table, sizeof table);
  unsigned char a[16];
  size_t len;
  if (!dst.empty()) {
    if (!parse_addr(family, dst, a, len)) return err.fail("bad address " + dst, EINVAL);
    put_attr(m, RTA_DST, a, len);
  }
  if (!gw.empty()) {
    if (!parse_addr(family, gw, a, len)) return err.fail("bad address " + gw, EINVAL);
    put_attr(m, RTA_GATEWAY, a, len);
  }
  uint32_t oif = static_cast<uint32_t>(ifindex);
  put_attr(m, RTA_OIF, &oif, sizeof oif);
  return request(&m, m.hdr.nlmsg_len, "add route " + (dst.empty() ? "default" : dst), err);
}

int Netlink::add_rule_from_local(int family, const std::string& src, unsigned prefix,
                                 unsigned table, Error& err) {
  Message m;
  auto* fr = start<fib_rule_hdr>(m, RTM_NEWRULE);
  fr->family = static_cast<unsigned char>(family);
  fr->src_len = static_cast<unsigned char>(prefix);
  fr->action = FR_ACT_TO_TBL;
  fr->table = RT_TABLE_UNSPEC;
  unsigned char a[16];
  size_t len;
  if (!parse_addr(family, src, a, len)) return err.fail("bad address " + src, EINVAL);
  put_attr(m, FRA_SRC, a, len);
  put_attr(m, FRA_IIFNAME, "lo", 3);
  put_attr(m, FRA_TABLE, &table, sizeof table);
  return request(&m, m.hdr.nlmsg_len, "add rule from " + src, err);
}

}  // namespace sandbox::net
