#include "net/spec.h"

#include <arpa/inet.h>

namespace sandbox::net {
namespace {

int bad(Error& err, const std::string& where, const std::string& what) {
  return err.fail("config: sandbox.network" + where + ": " + what, EINVAL);
}

bool get_port(const json::Value& v, const std::string& where, bool zero_ok, uint16_t& out, Error& err) {
  int64_t n = v.as_int(-1);
  if (!v.is_number() || n < (zero_ok ? 0 : 1) || n > 65535) return bad(err, where, "want a port number") == 0;
  out = static_cast<uint16_t>(n);
  return true;
}

}  // namespace

bool parse_network_spec(const json::Value& v, NetworkSpec& out, Error& err) {
  out = NetworkSpec{};
  if (!v.is_object()) return true;
  const std::string& mode = v["mode"].as_string();
  if (mode == "none") out.mode = Mode::None;
  else if (mode == "slirp") out.mode = Mode::Slirp;
  else if (mode == "host") out.mode = Mode::Host;
  else return bad(err, ".mode", "want none, slirp or host, got '" + mode + "'") == 0;
  out.allow_host_loopback = v["allowHostLoopback"].as_bool();
  out.ipv6 = v["ipv6"].as_bool();
  out.bypass = v["bypass"].as_bool();
  const auto& ports = v["ports"].items();
  for (size_t i = 0; i < ports.size(); i++) {
    const json::Value& p = ports[i];
    std::string at = ".ports[" + std::to_string(i) + "]";
    PublishedPort pp;
    pp.host_ip = p["hostIp"].as_string();
    if (!get_port(p["hostPort"], at + ".hostPort", true, pp.host_port, err) ||
        !get_port(p["containerPort"], at + ".containerPort", false, pp.container_port, err))
      return false;
    pp.protocol = p.has("protocol") ? p["protocol"].as_string() : "tcp";
    if (pp.protocol != "tcp" && pp.protocol != "udp")
      return bad(err, at + ".protocol", "want tcp or udp") == 0;
    if (!pp.host_ip.empty()) {
      unsigned char buf[16];
      if (inet_pton(AF_INET, pp.host_ip.c_str(), buf) != 1 && inet_pton(AF_INET6, pp.host_ip.c_str(), buf) != 1)
        return bad(err, at + ".hostIp", "not an IP address: '" + pp.host_ip + "'") == 0;
    }
    out.ports.push_back(pp);
  }
  if (!out.ports.empty() && out.mode != Mode::Slirp)
    return bad(err, ".ports", "publishing ports needs the default network") == 0;
  return true;
}

}  // namespace sandbox::net
