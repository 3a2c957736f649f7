#include "net/spec.h"

#include <arpa/inet.h>

#include <cstdio>

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

bool parse_switch_network(const json::Value& v, const std::string& where, SwitchNetwork& out, Error& err) {
  out = SwitchNetwork{};
  if (!v.is_object()) return bad(err, where, "want an object") == 0;
  out.name = v["name"].as_string();
  out.id = v["id"].as_string();
  out.socket = v["socket"].as_string();
  out.lock = v["lock"].as_string();
  out.records = v["records"].as_string();
  out.subnet = v["subnet"].as_string();
  out.gateway = v["gateway"].as_string();
  out.ip = v["ip"].as_string();
  out.mac = v["mac"].as_string();
  out.internal = v["internal"].as_bool();
  out.aliases = v["aliases"].strings();
  int64_t prefix = v["prefix"].as_int(-1);
  if (prefix < 8 || prefix > 30) return bad(err, where + ".prefix", "want 8-30") == 0;
  out.prefix = static_cast<unsigned>(prefix);
  in_addr a{};
  for (const auto* f : {&out.subnet, &out.gateway, &out.ip})
    if (inet_pton(AF_INET, f->c_str(), &a) != 1) return bad(err, where, "not an IPv4 address: '" + *f + "'") == 0;
  out.subnet6 = v["subnet6"].as_string();
  out.gateway6 = v["gateway6"].as_string();
  out.ip6 = v["ip6"].as_string();
  if (!out.ip6.empty()) {
    int64_t p6 = v["prefix6"].as_int(-1);
    if (p6 < 8 || p6 > 120) return bad(err, where + ".prefix6", "want 8-120") == 0;
    out.prefix6 = static_cast<unsigned>(p6);
    in6_addr a6{};
    for (const auto* f : {&out.subnet6, &out.gateway6, &out.ip6})
      if (inet_pton(AF_INET6, f->c_str(), &a6) != 1) return bad(err, where, "not an IPv6 address: '" + *f + "'") == 0;
  }
  unsigned m[6];
  if (std::sscanf(out.mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
    return bad(err, where + ".mac", "not a MAC address: '" + out.mac + "'") == 0;
  if (out.socket.empty() || out.lock.empty() || out.name.empty())
    return bad(err, where, "name, socket and lock are required") == 0;
  return true;
}

bool parse_network_spec(const json::Value& v, NetworkSpec& out, Error& err) {
  out = NetworkSpec{};
  if (!v.is_object()) return true;
  const std::string& mode = v["mode"].as_string();
  if (mode == "none") out.mode = Mode::None;
  else if (mode == "slirp") out.mode = Mode::Slirp;
  else if (mode == "host") out.mode = Mode::Host;
  else if (mode == "switch") out.mode = Mode::Switch;
  else return bad(err, ".mode", "want none, slirp, host or switch, got '" + mode + "'") == 0;
  const auto& nets = v["networks"].items();
  for (size_t i = 0; i < nets.size(); i++) {
    SwitchNetwork n;
    if (!parse_switch_network(nets[i], ".networks[" + std::to_string(i) + "]", n, err)) return false;
    out.networks.push_back(std::move(n));
  }
  if (out.mode == Mode::Switch && out.networks.empty()) return bad(err, ".networks", "switch mode needs a network") == 0;
  out.container_id = v["containerId"].as_string();
  out.container_name = v["containerName"].as_string();
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
  if (!out.ports.empty() && out.mode != Mode::Slirp && out.mode != Mode::Switch)
    return bad(err, ".ports", "publishing ports needs the default network") == 0;
  return true;
}

}  // namespace sandbox::net
