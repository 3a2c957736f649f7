// The container's network as the runtime config describes it (`sandbox.network`,
// docs/native-interface.md). Shared by the init (tap, addresses, routes) and the monitor
// (libslirp, port forwarder). Fixed addresses: the same plan as slirp4netns, so users and
// tools that know podman's rootless network find what they expect.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/error.h"
#include "sandbox/json.h"

namespace sandbox::net {

enum class Mode { None, Slirp, Host, Switch };

// One user-defined network the container is a member of (docs/networks.md): its switch's
// socket and lock, the subnet plan, and this member's own address, MAC and DNS names.
struct SwitchNetwork {
  std::string name, id;
  std::string socket;  // the switch's unix socket
  std::string lock;    // flock guarding the switch's start and exit
  std::string records;  // the directory of the user's network records (other networks' subnets)
  std::string subnet;  // network address, e.g. 10.89.0.0
  unsigned prefix = 24;
  std::string gateway;
  bool internal = false;  // no uplink, no default route
  std::string ip, mac;
  // A network with IPv6 (`network create --ipv6`); all empty otherwise.
  std::string subnet6, gateway6, ip6;
  unsigned prefix6 = 64;
  std::vector<std::string> aliases;  // names the embedded DNS answers with ip (and ip6)
};

struct PublishedPort {
  std::string host_ip;  // "" = every address (0.0.0.0 and ::)
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  std::string protocol = "tcp";
};

struct NetworkSpec {
  Mode mode = Mode::None;
  bool allow_host_loopback = false;  // 10.0.2.2 reaches the host's 127.0.0.1
  bool ipv6 = false;
  // Outbound TCP on host sockets instead of libslirp (docs/networks.md); the CLI sets it only
  // where that is safe (no CAP_NET_ADMIN, a seccomp profile without io_uring).
  bool bypass = false;
  std::vector<PublishedPort> ports;
  // Mode::Switch: the user-defined networks, eth0, eth1... in this order.
  std::vector<SwitchNetwork> networks;
  std::string container_id, container_name;
};

// The slirp plan (IPv4 as slirp4netns; IPv6 a fixed ULA prefix of ours, not fd00::/64, which
// hosts such as this CI's use for their own uplink).
inline constexpr const char* kTapName = "tap0";
inline constexpr unsigned kTapMtu = 65520;
inline constexpr const char* kNet4 = "10.0.2.0";
inline constexpr unsigned kPrefix4 = 24;
inline constexpr const char* kGateway4 = "10.0.2.2";
inline constexpr const char* kDns4 = "10.0.2.3";
inline constexpr const char* kGuest4 = "10.0.2.100";
inline constexpr const char* kNet6 = "fd5b:6f9e:c0de::";
inline constexpr unsigned kPrefix6 = 64;
inline constexpr const char* kGateway6 = "fd5b:6f9e:c0de::2";
inline constexpr const char* kDns6 = "fd5b:6f9e:c0de::3";
inline constexpr const char* kGuest6 = "fd5b:6f9e:c0de::100";
// Policy-routing table that loops replies of forwarded connections back to the forwarder
// (init/network.cc explains the trick).
inline constexpr unsigned kForwardTable = 1993;

// Mode::Switch: one JSON object per network as spec.cc reads it (also the `netconnect` mode's
// argument). Pure.
bool parse_switch_network(const json::Value& v, const std::string& where, SwitchNetwork& out, Error& err);

// Parse `sandbox.network` (absent -> Mode::None, loopback only). Pure.
bool parse_network_spec(const json::Value& v, NetworkSpec& out, Error& err);

}  // namespace sandbox::net
