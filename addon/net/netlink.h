// Just enough rtnetlink to configure a fresh network namespace: addresses (with NODAD, so
// IPv6 works at once instead of after duplicate-address detection), routes of any type in any
// table, and policy rules. ioctl can do none of NODAD, route types or rules.
#pragma once
#include <cstdint>
#include <string>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::net {

class Netlink {
 public:
  int open(Error& err);
  int add_address(int ifindex, int family, const std::string& addr, unsigned prefix, Error& err);
  // type: RTN_UNICAST (gw may be "") or RTN_LOCAL; dst "" = default.
  int add_route(int family, unsigned table, unsigned char type, const std::string& dst,
                unsigned prefix, const std::string& gw, int ifindex, Error& err);
  // `ip rule add from SRC/PREFIX iif lo lookup TABLE`
  int add_rule_from_local(int family, const std::string& src, unsigned prefix, unsigned table,
                          Error& err);

 private:
  int request(void* msg, size_t len, const std::string& what, Error& err);
  unique_fd fd_;
  uint32_t seq_ = 0;
};

}  // namespace sandbox::net
