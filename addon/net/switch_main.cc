// `sandbox-monitor netswitch`: one user-defined network's switch (docs/networks.md). Started
// by the first member's monitor (net/switch_client.cc), it inherits the listening socket
// (fd 4) and the network's locked lock file (fd 3), which it holds while it serves: nobody
// else can start a switch for this network meanwhile. It polls every member's tap itself,
// forwards frames by the members' declared MACs, is the gateway (ARP, the embedded DNS, and
// libslirp as the one uplink unless --internal), and exits when its last member is gone.
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "net/member_tap.h"
#include "net/switch_frames.h"
#include "net/switch_uplink.h"
#include "sandbox/fd_passing.h"
#include "sandbox/json.h"
#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

using namespace net::sw;

struct Member {
  unique_fd conn, tap;
  std::string id;
  std::vector<std::string> names;  // lower case: container name, aliases, short id
  uint32_t ip = 0;                 // network order
  bool has6 = false;               // on a network with IPv6: its address
  Ip6 ip6{};
  Mac mac{};
};

// The answers of a name lookup, both families.
struct Addrs {
  std::vector<uint32_t> v4;
  std::vector<Ip6> v6;
};

struct Args {
  int lock_fd = -1, listen_fd = -1;
  std::string socket, name, subnet, gateway;
  std::string subnet6, gateway6;  // IPv6 enabled: the network's IPv6 subnet and gateway
  unsigned prefix6 = 64;
  std::string records;  // the user's network records (data/networks): other networks' subnets
  unsigned prefix = 24;
  bool internal = false;
};

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; i++) {
    std::string k = argv[i];
    if (k == "--internal") {
      a.internal = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (k == "--lock-fd") a.lock_fd = std::atoi(v.c_str());
    else if (k == "--listen-fd") a.listen_fd = std::atoi(v.c_str());
    else if (k == "--socket") a.socket = v;
    else if (k == "--name") a.name = v;
    else if (k == "--subnet") a.subnet = v;
    else if (k == "--gateway") a.gateway = v;
    else if (k == "--records") a.records = v;
    else if (k == "--prefix") a.prefix = static_cast<unsigned>(std::atoi(v.c_str()));
    else if (k == "--subnet6") a.subnet6 = v;
    else if (k == "--gateway6") a.gateway6 = v;
    else if (k == "--prefix6") a.prefix6 = static_cast<unsigned>(std::atoi(v.c_str()));
    else return false;
  }
  return a.lock_fd >= 0 && a.listen_fd >= 0 && !a.socket.empty() && !a.subnet.empty() && !a.gateway.empty() &&
         a.prefix >= 8 && a.prefix <= 30 && a.subnet6.empty() == a.gateway6.empty() && a.prefix6 >= 8 && a.prefix6 <= 120;
}

class Switch {
 public:
  explicit Switch(Args a) : args_(std::move(a)) {}
  int run();

 private:
  void accept_pending();
  void handle_hello(unique_fd conn);
  void drop(size_t i);
  bool from_member(Member& m);
  void from_uplink(const uint8_t* f, size_t len);
  void to_gateway(Member& m, const uint8_t* f, size_t len);
  void deliver(const uint8_t* f, size_t len, const Member* except);
  bool answer_dns(Member& m, const uint8_t* f, size_t len);
  Addrs lookup(const std::string& name, bool& known) const;
  Addrs ask_sibling_switches(const std::string& member_id, const std::string& name, bool& known);
  void to_gateway6(Member& m, const uint8_t* f, size_t len);
  bool in_subnet6(const Ip6& a) const;
  void serve_resolves();
  void shut_down();
  bool in_subnet(uint32_t ip_be) const { return (ip_be & mask_) == subnet_; }
  bool in_other_network(uint32_t ip_be);

  Args args_;
  uint32_t subnet_ = 0, mask_ = 0, gateway_ = 0;
  bool has6_ = false;
  Ip6 subnet6_{}, gateway6_{};
  Mac gw_mac_{};
  std::vector<std::unique_ptr<Member>> members_;
  std::vector<unique_fd> pending_;  // accepted, hello not read yet
  Uplink uplink_;
  std::vector<std::pair<uint32_t, uint32_t>> others_;  // (network, mask) of every network record
  int64_t others_checked_ms_ = -1;
  timespec others_mtime_{};
  std::vector<uint8_t> buf_ = std::vector<uint8_t>(net::kMemberMtu + 64);
};

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void reply(int conn, const std::string& text) { ::send(conn, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT); }

void Switch::accept_pending() {
  for (;;) {
    int c = ::accept4(args_.listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) return;
    unique_fd conn(c);
    // The socket is 0600 in a 0700 directory; the peer check is the second lock on the door.
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != ::getuid()) continue;
    pending_.push_back(std::move(conn));
  }
}

// Names are matched case-insensitively, as DNS names are.
std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

void Switch::handle_hello(unique_fd conn) {
  // The socket is non-blocking: a peer that connected without a word costs nothing.
  std::string text;
  unique_fd tap;
  Error err;
  if (fdpass::receive_message(conn.get(), text, 4096, tap, err) <= 0) return;
  json::Value v;
  if (!json::parse(text, v, err)) return reply(conn.get(), "bad request");
  const std::string& op = v["op"].as_string();
  const std::string& id = v["id"].as_string();
  if (op == "drop") {
    for (size_t i = 0; i < members_.size(); i++)
      if (members_[i]->id == id) {
        drop(i);
        break;
      }
    return reply(conn.get(), "ok");
  }
  if (op == "rename") {
    // `sandbox rename` of a running member: its names become the new name and the aliases
    // it gives (--network-alias, short id), as docker's DNS then answers the new name only.
    // Not a member (stopped, or its switch restarted since): its next join says the new name.
    for (const auto& o : members_)
      if (o->id == id) {
        o->names.clear();
        if (!v["name"].as_string().empty()) o->names.push_back(lower(v["name"].as_string()));
        for (const auto& s : v["aliases"].strings()) o->names.push_back(lower(s));
      }
    return reply(conn.get(), "ok");
  }
  if (op == "resolve") {
    // Another network's switch asks for a name on behalf of a container that is on both
    // networks. Answered only if that container is our member too: a network's names are
    // visible to its members alone.
    bool member = false;
    for (const auto& o : members_) member = member || o->id == id;
    bool known = false;
    Addrs addrs = member ? lookup(v["name"].as_string(), known) : Addrs{};
    std::string text = known ? "ok" : "none";
    for (uint32_t ip : addrs.v4) {
      char b[INET_ADDRSTRLEN];
      ::inet_ntop(AF_INET, &ip, b, sizeof b);
      text += std::string(" ") + b;
    }
    for (const Ip6& ip : addrs.v6) {
      char b[INET6_ADDRSTRLEN];
      ::inet_ntop(AF_INET6, ip.data(), b, sizeof b);
      text += std::string(" ") + b;
    }
    return reply(conn.get(), text);
  }
  if (op != "join" || !tap || id.empty()) return reply(conn.get(), "bad request");
  auto m = std::make_unique<Member>();
  m->id = id;
  in_addr a{};
  if (::inet_pton(AF_INET, v["ip"].as_string().c_str(), &a) != 1 || !in_subnet(a.s_addr) || a.s_addr == gateway_)
    return reply(conn.get(), "address " + v["ip"].as_string() + " is not a host address of network " + args_.name);
  m->ip = a.s_addr;
  const std::string& ip6 = v["ip6"].as_string();
  if (!ip6.empty()) {
    if (!has6_ || ::inet_pton(AF_INET6, ip6.c_str(), m->ip6.data()) != 1 || !in_subnet6(m->ip6) || m->ip6 == gateway6_)
      return reply(conn.get(), "address " + ip6 + " is not a host address of network " + args_.name);
    m->has6 = true;
  }
  if (!net::parse_mac(v["mac"].as_string(), m->mac.data()) || is_multicast(m->mac.data()))
    return reply(conn.get(), "bad MAC address " + v["mac"].as_string());
  // A container that joins again (a restart racing its old connection's hang-up) replaces
  // its old membership.
  for (size_t i = 0; i < members_.size(); i++)
    if (members_[i]->id == id) {
      drop(i);
      break;
    }
  for (const auto& o : members_) {
    if (o->ip == m->ip) return reply(conn.get(), "Address already in use: " + v["ip"].as_string());
    if (m->has6 && o->has6 && o->ip6 == m->ip6) return reply(conn.get(), "Address already in use: " + ip6);
    if (o->mac == m->mac) return reply(conn.get(), "MAC address already in use: " + v["mac"].as_string());
  }
  if (!v["name"].as_string().empty()) m->names.push_back(lower(v["name"].as_string()));
  for (const auto& s : v["aliases"].strings()) m->names.push_back(lower(s));
  ::fcntl(tap.get(), F_SETFL, ::fcntl(tap.get(), F_GETFL) | O_NONBLOCK);
  m->tap = std::move(tap);
  reply(conn.get(), "ok");
  m->conn = std::move(conn);
  members_.push_back(std::move(m));
}

void Switch::drop(size_t i) { members_.erase(members_.begin() + static_cast<long>(i)); }

// Everything not for the gateway goes to members only: a member reaches the members of its own
// networks and nothing else, which is the isolation between networks.
void Switch::deliver(const uint8_t* f, size_t len, const Member* except) {
  const bool flood = is_multicast(f);
  for (const auto& o : members_) {
    if (o.get() == except) continue;
    if (flood || std::memcmp(f, o->mac.data(), 6) == 0) {
      ssize_t w = ::write(o->tap.get(), f, len);
      (void)w;  // a full queue drops the frame, as a switch port does
      if (!flood) return;
    }
  }
}

Addrs Switch::lookup(const std::string& name, bool& known) const {
  Addrs addrs;
  for (const auto& o : members_)
    for (const auto& n : o->names)
      if (n == name) {
        known = true;
        addrs.v4.push_back(o->ip);
        if (o->has6) addrs.v6.push_back(o->ip6);
        break;
      }
  return addrs;
}

bool Switch::in_subnet6(const Ip6& a) const {
  for (unsigned bit = 0; bit < args_.prefix6; bit++) {
    const uint8_t m = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((a[bit / 8] & m) != (subnet6_[bit / 8] & m)) return false;
  }
  return a != subnet6_;
}

// The switches of the user's other networks listen beside ours. A container on several
// networks resolves the names of all of them (as docker's embedded DNS does): ask each
// sibling, which answers only if the container is its member too (local unix sockets).
// Resolve requests among the pending connections, answered now. Only those: they never make us
// ask anyone in turn, and joins and drops keep their order in the main loop.
void Switch::serve_resolves() {
  for (auto& c : pending_) {
    char buf[4096];
    ssize_t n = ::recv(c.get(), buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
    json::Value v;
    Error err;
    if (n > 0 && json::parse(std::string(buf, static_cast<size_t>(n)), v, err) && v["op"].as_string() == "resolve")
      handle_hello(std::move(c));
  }
  std::erase_if(pending_, [](const unique_fd& f) { return !f; });
}

// Parse a sibling's "ok ADDR..." answer into addrs; false for "none" or anything else.
static bool parse_sibling_answer(int sock, Addrs& addrs) {
  char buf[1024];
  ssize_t r = ::recv(sock, buf, sizeof buf - 1, MSG_DONTWAIT);
  if (r < 2 || std::strncmp(buf, "ok", 2) != 0) return false;
  buf[r] = 0;
  char* save = nullptr;
  for (char* tok = ::strtok_r(buf + 2, " ", &save); tok; tok = ::strtok_r(nullptr, " ", &save)) {
    in_addr ip{};
    Ip6 ip6{};
    if (::inet_pton(AF_INET, tok, &ip) == 1) addrs.v4.push_back(ip.s_addr);
    else if (::inet_pton(AF_INET6, tok, ip6.data()) == 1) addrs.v6.push_back(ip6);
  }
  return true;
}

// Ask every sibling at once and wait for them together, answering siblings' own questions
// meanwhile (two switches asking each other at once would otherwise both wait in vain): the
// first "ok" ends the wait, so a sibling that is slow (starting, exiting, or itself waiting) only
// costs time when nobody knows the name. A sibling answers in well under a millisecond, but on a
// loaded machine may not be scheduled for a few hundred: hence the second.
Addrs Switch::ask_sibling_switches(const std::string& member_id, const std::string& name, bool& known) {
  Addrs addrs;
  const std::string dir = args_.socket.substr(0, args_.socket.rfind('/'));
  json::Value q = json::Value::object();
  q.set("op", json::Value::string("resolve"));
  q.set("id", json::Value::string(member_id));
  q.set("name", json::Value::string(name));
  const std::string text = q.dump();
  std::vector<unique_fd> asked;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() < 6 || n.compare(n.size() - 5, 5, ".sock") != 0) continue;
      std::string path = dir + "/" + n;
      if (path == args_.socket || path.size() >= sizeof(sockaddr_un::sun_path)) continue;
      unique_fd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
      if (!s || ::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) continue;
      if (::send(s.get(), text.data(), text.size(), MSG_NOSIGNAL) < 0) continue;
      asked.push_back(std::move(s));
    }
    ::closedir(d);
  }
  const int64_t deadline = now_ms() + 1000;
  std::vector<pollfd> fds;
  for (int64_t left; !asked.empty() && (left = deadline - now_ms()) > 0;) {
    fds.clear();
    for (const auto& a : asked) fds.push_back(pollfd{a.get(), POLLIN, 0});
    const size_t listen_at = fds.size();
    fds.push_back(pollfd{args_.listen_fd, POLLIN, 0});
    // Connections accepted while we wait: their question may land after the accept.
    for (const auto& p : pending_) fds.push_back(pollfd{p.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (size_t i = 0; i < listen_at; i++) {
      if (!fds[i].revents) continue;
      if (parse_sibling_answer(asked[i].get(), addrs)) {
        known = true;
        return addrs;
      }
      asked[i].reset();  // "none", or it went away
    }
    std::erase_if(asked, [](const unique_fd& f) { return !f; });
    if (fds[listen_at].revents) accept_pending();
    serve_resolves();
  }
  return addrs;
}

bool Switch::answer_dns(Member& m, const uint8_t* f, size_t len) {
  size_t off, plen;
  if (!udp_payload_to(f, len, gateway_, 53, off, plen)) return false;
  DnsQuery q;
  if (!parse_dns_query(f + off, plen, q)) return false;
  bool known = false;
  Addrs addrs = lookup(q.name, known);
  if (!known) addrs = ask_sibling_switches(m.id, q.name, known);
  // A known name without records of the type asked: an empty answer.
  if (q.qtype != 1 && q.qtype != 255) addrs.v4.clear();
  if (q.qtype != 28 && q.qtype != 255) addrs.v6.clear();
  int rcode = 0;
  if (!known) {
    // Other names go to the host's resolvers through libslirp, except single-label names:
    // they mean nothing on the public DNS, and a mistyped member name must not leave the host.
    const bool single_label = q.name.find('.') == std::string::npos;
    if (uplink_.running() && !single_label) return false;
    rcode = uplink_.running() || single_label ? 3 : 5;  // NXDOMAIN; REFUSED on an internal network
  }
  if (q.qclass != 1 && q.qclass != 255) addrs = Addrs{};
  Frame r = udp_reply(f, gw_mac_, dns_answer(f + off, q, addrs.v4, addrs.v6, rcode));
  ssize_t w = ::write(m.tap.get(), r.data(), r.size());
  (void)w;
  return true;
}

// Another network's addresses are not on the way out: the host would send them to its own
// router (they exist only inside this user's namespaces). The records are re-read when their
// directory changes, looked at once a second at most.
bool Switch::in_other_network(uint32_t ip_be) {
  int64_t now = now_ms();
  if (!args_.records.empty() && (others_checked_ms_ < 0 || now - others_checked_ms_ >= 1000)) {
    others_checked_ms_ = now;
    struct stat st{};
    if (::stat(args_.records.c_str(), &st) == 0 &&
        (st.st_mtim.tv_sec != others_mtime_.tv_sec || st.st_mtim.tv_nsec != others_mtime_.tv_nsec)) {
      others_mtime_ = st.st_mtim;
      others_.clear();
      if (DIR* d = ::opendir(args_.records.c_str())) {
        while (dirent* e = ::readdir(d)) {
          std::string n = e->d_name;
          if (n.size() < 6 || n.compare(n.size() - 5, 5, ".json") != 0) continue;
          unique_fd fd(::open((args_.records + "/" + n).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
          char text[16384];
          ssize_t len = fd ? ::read(fd.get(), text, sizeof text) : -1;
          json::Value v;
          Error err;
          if (len <= 0 || !json::parse(std::string(text, static_cast<size_t>(len)), v, err)) continue;
          for (const auto& c : v["IPAM"]["Config"].items()) {
            const std::string& cidr = c["Subnet"].as_string();
            auto slash = cidr.find('/');
            in_addr a{};
            if (slash == std::string::npos || ::inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &a) != 1) continue;
            int p = std::atoi(cidr.c_str() + slash + 1);
            uint32_t m = htonl(p <= 0 ? 0 : ~0u << (32 - p));
            others_.emplace_back(a.s_addr & m, m);
          }
        }
        ::closedir(d);
      }
    }
  }
  for (const auto& [net, m] : others_)
    if ((ip_be & m) == net) return true;
  return false;
}

// IPv6 for the gateway: neighbour discovery and ping are answered here; nothing goes out
// (the uplink is IPv4 only: members get no IPv6 default route, docs/networks.md).
void Switch::to_gateway6(Member& m, const uint8_t* f, size_t len) {
  if (!has6_) return;
  Frame r = ndp_advert(f, len, gw_mac_, gateway6_);
  if (r.empty()) r = echo6_reply(f, len, gw_mac_, gateway6_);
  if (r.empty()) return;
  ssize_t w = ::write(m.tap.get(), r.data(), r.size());
  (void)w;
}

void Switch::to_gateway(Member& m, const uint8_t* f, size_t len) {
  if (ether_type(f, len) == kEtherIpv6) return to_gateway6(m, f, len);
  if (uint32_t target = arp_request_target(f, len)) {
    if (target != gateway_) return;
    if (uplink_.running()) return uplink_.input(f, len);
    Frame r = arp_reply(f, gw_mac_, gateway_);
    ssize_t w = ::write(m.tap.get(), r.data(), r.size());
    (void)w;
    return;
  }
  if (answer_dns(m, f, len) || !uplink_.running()) return;
  // Never out to another network's (or this one's) addresses: the host would send them to
  // its own router. ARP replies for libslirp's requests pass.
  uint32_t dst = ipv4_dst(f, len);
  if (dst && ((in_subnet(dst) && dst != gateway_) || in_other_network(dst))) return;
  uplink_.input(f, len);
}

// false: the tap is dead (the container's network namespace is gone).
bool Switch::from_member(Member& m) {
  for (int i = 0; i < 64; i++) {
    ssize_t n = ::read(m.tap.get(), buf_.data(), buf_.size());
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    if (n == 0) return true;
    const uint8_t* f = buf_.data();
    const size_t len = static_cast<size_t>(n);
    if (!source_is(f, len, m.mac, m.ip, m.has6 ? &m.ip6 : nullptr)) continue;  // spoofed or not ours: dropped
    if (is_multicast(f)) {
      deliver(f, len, &m);
      Ip6 target{};
      if (arp_request_target(f, len) == gateway_ || (ndp_solicit_target(f, len, target) && target == gateway6_))
        to_gateway(m, f, len);
    } else if (std::memcmp(f, gw_mac_.data(), 6) == 0) {
      to_gateway(m, f, len);
    } else {
      deliver(f, len, &m);
    }
  }
  return true;
}

void Switch::from_uplink(const uint8_t* f, size_t len) {
  if (len >= 14) deliver(f, len, nullptr);
}

void Switch::shut_down() {
  // Still holding the lock: whoever connected since the last member left is hung up on, and
  // finds the socket gone and the lock free once we exit, so it starts a fresh switch.
  ::unlink(args_.socket.c_str());
  accept_pending();
  pending_.clear();
  ::_exit(0);
}

int Switch::run() {
  in_addr a{};
  if (::inet_pton(AF_INET, args_.subnet.c_str(), &a) != 1) return 2;
  mask_ = htonl(args_.prefix == 0 ? 0 : ~0u << (32 - args_.prefix));
  subnet_ = a.s_addr & mask_;
  if (::inet_pton(AF_INET, args_.gateway.c_str(), &a) != 1) return 2;
  gateway_ = a.s_addr;
  gw_mac_ = gateway_mac(gateway_);
  if (!args_.subnet6.empty()) {
    if (::inet_pton(AF_INET6, args_.subnet6.c_str(), subnet6_.data()) != 1 ||
        ::inet_pton(AF_INET6, args_.gateway6.c_str(), gateway6_.data()) != 1)
      return 2;
    has6_ = true;
  }
  ::fcntl(args_.listen_fd, F_SETFL, ::fcntl(args_.listen_fd, F_GETFL) | O_NONBLOCK);
  if (!args_.internal &&
      !uplink_.start(subnet_, mask_, gateway_, net::kMemberMtu, [this](const uint8_t* f, size_t len) { from_uplink(f, len); })) {
    std::fprintf(stderr, "sandbox-monitor netswitch: libslirp refused the uplink of %s\n", args_.name.c_str());
    return 1;
  }
  // The starter connects right after starting us; a switch nobody joins within this time
  // (the starter died) goes away like one whose members left.
  int64_t empty_since = now_ms();
  const int64_t kGraceMs = 1000;
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back(pollfd{args_.listen_fd, POLLIN, 0});
    for (const auto& p : pending_) fds.push_back(pollfd{p.get(), POLLIN, 0});
    for (const auto& m : members_) fds.push_back(pollfd{m->conn.get(), POLLIN, 0});
    for (const auto& m : members_) fds.push_back(pollfd{m->tap.get(), POLLIN, 0});
    int timeout = members_.empty() ? 200 : -1;
    uplink_.fill(fds, &timeout);
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) return 1;
    size_t k = 1;
    std::vector<unique_fd> ready;
    for (size_t i = 0; i < pending_.size(); i++, k++)
      if (fds[k].revents) ready.push_back(std::move(pending_[i]));
    std::erase_if(pending_, [](const unique_fd& f) { return !f; });
    std::vector<Member*> gone;
    const size_t nm = members_.size();
    for (size_t i = 0; i < nm; i++, k++)
      if (fds[k].revents) gone.push_back(members_[i].get());  // the member's end hung up (or spoke: not allowed)
    for (size_t i = 0; i < nm; i++, k++) {
      if (fds[k].revents & (POLLERR | POLLHUP | POLLNVAL)) gone.push_back(members_[i].get());
      else if ((fds[k].revents & POLLIN) && !from_member(*members_[i])) gone.push_back(members_[i].get());
    }
    uplink_.dispatch(fds, n < 0);
    for (Member* g : gone)
      for (size_t i = 0; i < members_.size(); i++)
        if (members_[i].get() == g) {
          drop(i);
          break;
        }
    for (auto& c : ready) handle_hello(std::move(c));
    if (fds[0].revents & POLLIN) accept_pending();
    if (!members_.empty() || !pending_.empty()) empty_since = -1;
    else if (empty_since < 0) empty_since = now_ms();
    else if (now_ms() - empty_since >= kGraceMs) shut_down();
  }
}

}  // namespace

int netswitch_main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: sandbox-monitor netswitch --lock-fd N --listen-fd N --socket PATH --name NAME "
                 "--subnet ADDR --prefix N --gateway ADDR [--subnet6 ADDR --prefix6 N --gateway6 ADDR] "
                 "[--records DIR] [--internal]\n");
    return 2;
  }
  Switch sw(std::move(args));
  return sw.run();
}

}  // namespace sandbox
