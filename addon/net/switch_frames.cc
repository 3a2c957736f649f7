#include "net/switch_frames.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace sandbox::net::sw {
namespace {

constexpr size_t kEth = 14;

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
uint32_t get32(const uint8_t* p) {  // kept in network order, as in_addr
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

uint16_t checksum(const uint8_t* p, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += get16(p + i);
  if (len & 1) sum += static_cast<uint32_t>(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// The IPv4 header of an Ethernet frame, if sane: its length, else 0.
size_t ipv4_header(const uint8_t* f, size_t len) {
  if (len < kEth + 20 || ether_type(f, len) != kEtherIpv4) return 0;
  const uint8_t* ip = f + kEth;
  size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
  if ((ip[0] >> 4) != 4 || ihl < 20 || len < kEth + ihl) return 0;
  return ihl;
}

constexpr size_t kIp6 = 40;
constexpr uint8_t kIcmp6 = 58;
constexpr uint8_t kNdpSolicit = 135, kNdpAdvert = 136, kRouterAdvert = 134, kRedirect = 137;
constexpr uint8_t kEchoRequest = 128, kEchoReply = 129;

// The ICMPv6 checksum: over the pseudo-header (source, destination, length, next header) and
// the message.
uint16_t icmp6_checksum(const uint8_t* ip6, const uint8_t* msg, size_t len) {
  uint8_t tail[8] = {static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16), static_cast<uint8_t>(len >> 8),
                     static_cast<uint8_t>(len), 0, 0, 0, kIcmp6};
  uint32_t sum = 0;
  for (size_t i = 0; i < 32; i += 2) sum += get16(ip6 + 8 + i);
  for (size_t i = 0; i < 8; i += 2) sum += get16(tail + i);
  for (size_t i = 0; i + 1 < len; i += 2) sum += get16(msg + i);
  if (len & 1) sum += static_cast<uint32_t>(msg[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// An IPv6 frame carrying one ICMPv6 message from (mac, src) to (dst_mac, dst); the message's
// checksum is filled in.
Frame icmp6_frame(const uint8_t* dst_mac, const Mac& mac, const uint8_t* src, const uint8_t* dst, std::vector<uint8_t> msg) {
  Frame r(kEth + kIp6 + msg.size());
  std::memcpy(r.data(), dst_mac, 6);
  std::memcpy(r.data() + 6, mac.data(), 6);
  put16(r.data() + 12, kEtherIpv6);
  uint8_t* ip = r.data() + kEth;
  ip[0] = 0x60;
  put16(ip + 4, static_cast<uint16_t>(msg.size()));
  ip[6] = kIcmp6;
  ip[7] = 255;  // neighbour discovery is accepted only with hop limit 255
  std::memcpy(ip + 8, src, 16);
  std::memcpy(ip + 24, dst, 16);
  msg[2] = msg[3] = 0;
  put16(msg.data() + 2, icmp6_checksum(ip, msg.data(), msg.size()));
  std::memcpy(ip + kIp6, msg.data(), msg.size());
  return r;
}

// The upper-layer header of an IPv6 packet past any hop-by-hop, routing and destination-options
// headers: its protocol number and offset; false if truncated. A fragment header ends the walk
// (proto 44): the kernel drops fragmented neighbour discovery anyway.
bool ipv6_upper(const uint8_t* f, size_t len, uint8_t& proto, size_t& off) {
  proto = f[kEth + 6];
  off = kEth + kIp6;
  for (int i = 0; i < 8 && (proto == 0 || proto == 43 || proto == 60); i++) {
    if (len < off + 8) return false;
    proto = f[off];
    off += (static_cast<size_t>(f[off + 1]) + 1) * 8;
  }
  if (proto == 0 || proto == 43 || proto == 60) return false;
  return off <= len;
}

}  // namespace

Ip6 link_local(const Mac& mac) {
  Ip6 a{0xfe, 0x80};
  a[8] = static_cast<uint8_t>(mac[0] ^ 0x02);
  a[9] = mac[1];
  a[10] = mac[2];
  a[11] = 0xff;
  a[12] = 0xfe;
  a[13] = mac[3];
  a[14] = mac[4];
  a[15] = mac[5];
  return a;
}

size_t icmp6_offset(const uint8_t* f, size_t len) {
  if (len < kEth + kIp6 + 4 || ether_type(f, len) != kEtherIpv6) return 0;
  const uint8_t* ip = f + kEth;
  if ((ip[0] >> 4) != 6 || ip[6] != kIcmp6 || kEth + kIp6 + get16(ip + 4) > len) return 0;
  return kEth + kIp6;
}

bool ndp_solicit_target(const uint8_t* f, size_t len, Ip6& target) {
  size_t o = icmp6_offset(f, len);
  if (!o || len < o + 24 || f[o] != kNdpSolicit || f[kEth + 7] != 255) return false;
  std::memcpy(target.data(), f + o + 8, 16);
  return true;
}

Frame ndp_advert(const uint8_t* ns, size_t len, const Mac& mac, const Ip6& ip) {
  Ip6 target{};
  if (!ndp_solicit_target(ns, len, target) || target != ip) return {};
  const uint8_t* qip = ns + kEth;
  static const uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const bool dad = std::all_of(qip + 8, qip + 24, [](uint8_t b) { return b == 0; });
  std::vector<uint8_t> msg(24 + 8);
  msg[0] = kNdpAdvert;
  msg[4] = dad ? 0x20 : 0x60;  // override, and solicited unless answering a probe from ::
  std::memcpy(msg.data() + 8, ip.data(), 16);
  msg[24] = 2;  // target link-layer address option
  msg[25] = 1;
  std::memcpy(msg.data() + 26, mac.data(), 6);
  return icmp6_frame(ns + 6, mac, ip.data(), dad ? kAllNodes : qip + 8, std::move(msg));
}

Frame echo6_reply(const uint8_t* request, size_t len, const Mac& mac, const Ip6& ip) {
  size_t o = icmp6_offset(request, len);
  const uint8_t* qip = request + kEth;
  if (!o || request[o] != kEchoRequest || std::memcmp(qip + 24, ip.data(), 16) != 0) return {};
  std::vector<uint8_t> msg(request + o, request + o + get16(qip + 4));
  msg[0] = kEchoReply;
  Frame r = icmp6_frame(request + 6, mac, ip.data(), qip + 8, std::move(msg));
  r[kEth + 7] = 64;
  return r;
}

Mac gateway_mac(uint32_t gateway_be) {
  Mac m{0x52, 0x55, 0, 0, 0, 0};
  std::memcpy(m.data() + 2, &gateway_be, 4);
  return m;
}

uint16_t ether_type(const uint8_t* f, size_t len) { return len < kEth ? 0 : get16(f + 12); }

bool source_is(const uint8_t* f, size_t len, const Mac& mac, uint32_t ip_be, const Ip6* ip6) {
  if (len < kEth || std::memcmp(f + 6, mac.data(), 6) != 0) return false;
  switch (ether_type(f, len)) {
    case kEtherArp:
      // sender hardware at 8, sender protocol address at 14 (0.0.0.0: a duplicate probe)
      return len >= kEth + 28 && std::memcmp(f + kEth + 8, mac.data(), 6) == 0 &&
             (get32(f + kEth + 14) == ip_be || get32(f + kEth + 14) == 0);
    case kEtherIpv4:
      return ipv4_header(f, len) && get32(f + kEth + 12) == ip_be;
    case kEtherIpv6: {
      if (!ip6 || len < kEth + kIp6 || (f[kEth] >> 4) != 6) return false;
      const Ip6 ll = link_local(mac);
      const uint8_t* src = f + kEth + 8;
      const bool unspecified = std::all_of(src, src + 16, [](uint8_t b) { return b == 0; });
      if (!unspecified && std::memcmp(src, ip6->data(), 16) != 0 && std::memcmp(src, ll.data(), 16) != 0) return false;
      uint8_t proto = 0;
      size_t o = 0;
      if (!ipv6_upper(f, len, proto, o)) return false;
      // From :: only what a node sends before it has an address: duplicate-address probes, MLD.
      if (proto != kIcmp6) return !unspecified;
      if (len < o + 4) return false;
      // A member is no router, and announces only its own addresses (also behind extension
      // headers, which the kernel's neighbour discovery accepts).
      if (f[o] == kRouterAdvert || f[o] == kRedirect) return false;
      // Neighbour advertisements, and duplicate-address probes (solicitations from ::, which
      // would make another member give up an address it is still checking), only for its own.
      if (f[o] == kNdpAdvert || (f[o] == kNdpSolicit && unspecified))
        return len >= o + 24 && (std::memcmp(f + o + 8, ip6->data(), 16) == 0 || std::memcmp(f + o + 8, ll.data(), 16) == 0);
      return true;
    }
    default:
      return false;
  }
}

uint32_t arp_request_target(const uint8_t* f, size_t len) {
  if (len < kEth + 28 || ether_type(f, len) != kEtherArp) return 0;
  const uint8_t* a = f + kEth;
  if (get16(a) != 1 || get16(a + 2) != kEtherIpv4 || a[4] != 6 || a[5] != 4 || get16(a + 6) != 1) return 0;
  return get32(a + 24);
}

Frame arp_reply(const uint8_t* request, const Mac& mac, uint32_t ip_be) {
  Frame r(kEth + 28);
  const uint8_t* q = request + kEth;
  std::memcpy(r.data(), request + 6, 6);  // to the asker
  std::memcpy(r.data() + 6, mac.data(), 6);
  put16(r.data() + 12, kEtherArp);
  uint8_t* a = r.data() + kEth;
  put16(a, 1);
  put16(a + 2, kEtherIpv4);
  a[4] = 6;
  a[5] = 4;
  put16(a + 6, 2);
  std::memcpy(a + 8, mac.data(), 6);
  std::memcpy(a + 14, &ip_be, 4);
  std::memcpy(a + 18, q + 8, 10);  // the asker's hardware and protocol address
  return r;
}

uint32_t ipv4_dst(const uint8_t* f, size_t len) { return ipv4_header(f, len) ? get32(f + kEth + 16) : 0; }

bool udp_payload_to(const uint8_t* f, size_t len, uint32_t ip_be, uint16_t port, size_t& off, size_t& plen) {
  size_t ihl = ipv4_header(f, len);
  if (!ihl) return false;
  const uint8_t* ip = f + kEth;
  if (ip[9] != 17 || get32(ip + 16) != ip_be || (get16(ip + 6) & 0x3fff) != 0) return false;  // UDP, ours, not a fragment
  size_t total = get16(ip + 2);
  if (total < ihl + 8 || kEth + total > len) return false;
  const uint8_t* udp = ip + ihl;
  if (get16(udp + 2) != port) return false;
  size_t ulen = get16(udp + 4);
  if (ulen < 8 || ulen > total - ihl) return false;
  off = kEth + ihl + 8;
  plen = ulen - 8;
  return true;
}

Frame udp_reply(const uint8_t* request, const Mac& src_mac, const std::vector<uint8_t>& payload) {
  const uint8_t* qip = request + kEth;
  size_t qihl = static_cast<size_t>(qip[0] & 0x0f) * 4;
  const uint8_t* qudp = qip + qihl;
  Frame r(kEth + 20 + 8 + payload.size());
  std::memcpy(r.data(), request + 6, 6);
  std::memcpy(r.data() + 6, src_mac.data(), 6);
  put16(r.data() + 12, kEtherIpv4);
  uint8_t* ip = r.data() + kEth;
  ip[0] = 0x45;
  put16(ip + 2, static_cast<uint16_t>(20 + 8 + payload.size()));
  put16(ip + 6, 0x4000);  // don't fragment
  ip[8] = 64;
  ip[9] = 17;
  std::memcpy(ip + 12, qip + 16, 4);  // from the address asked
  std::memcpy(ip + 16, qip + 12, 4);  // to the asker
  put16(ip + 10, checksum(ip, 20));
  uint8_t* udp = ip + 20;
  std::memcpy(udp, qudp + 2, 2);  // source port = the port asked
  std::memcpy(udp + 2, qudp, 2);  // destination = the asker's port
  put16(udp + 4, static_cast<uint16_t>(8 + payload.size()));
  // UDP checksum 0: "none", allowed over IPv4.
  std::memcpy(udp + 8, payload.data(), payload.size());
  return r;
}

bool parse_dns_query(const uint8_t* p, size_t len, DnsQuery& q) {
  if (len < 12) return false;
  q = DnsQuery{};
  q.id = get16(p);
  q.flags = get16(p + 2);
  if ((q.flags & 0x8000) || ((q.flags >> 11) & 0xf) != 0) return false;  // a response, or not QUERY
  if (get16(p + 4) != 1) return false;                                    // exactly one question
  size_t i = 12;
  for (;;) {
    if (i >= len) return false;
    size_t l = p[i++];
    if (l == 0) break;
    if (l > 63 || i + l > len || q.name.size() + l + 1 > 253) return false;  // compression pointers too
    if (!q.name.empty()) q.name += '.';
    for (size_t k = 0; k < l; k++) q.name += static_cast<char>(std::tolower(p[i + k]));
    i += l;
  }
  if (i + 4 > len) return false;
  q.qtype = get16(p + i);
  q.qclass = get16(p + i + 2);
  q.question_end = i + 4;
  return true;
}

std::vector<uint8_t> dns_answer(const uint8_t* query, const DnsQuery& q, const std::vector<uint32_t>& addrs_be,
                                const std::vector<Ip6>& addrs6, int rcode) {
  std::vector<uint8_t> r(query, query + q.question_end);
  // QR, AA, RD as asked, RA; rcode.
  put16(r.data() + 2, static_cast<uint16_t>(0x8000 | 0x0400 | (q.flags & 0x0100) | 0x0080 | (rcode & 0xf)));
  put16(r.data() + 6, static_cast<uint16_t>(rcode == 0 ? addrs_be.size() + addrs6.size() : 0));
  put16(r.data() + 8, 0);
  put16(r.data() + 10, 0);
  if (rcode != 0) return r;
  for (uint32_t a : addrs_be) {
    const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x02, 0x58, 0, 4};  // name at 12, A, IN, TTL 600, 4 bytes
    r.insert(r.end(), rr, rr + sizeof rr);
    const auto* b = reinterpret_cast<const uint8_t*>(&a);
    r.insert(r.end(), b, b + 4);
  }
  for (const Ip6& a : addrs6) {
    const uint8_t rr[] = {0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0x02, 0x58, 0, 16};  // AAAA, IN, TTL 600, 16 bytes
    r.insert(r.end(), rr, rr + sizeof rr);
    r.insert(r.end(), a.begin(), a.end());
  }
  return r;
}

}  // namespace sandbox::net::sw
