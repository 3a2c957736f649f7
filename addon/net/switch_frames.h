// The pure parts of a network's switch (docs/networks.md): reading Ethernet/ARP/IPv4/UDP
// headers, the embedded DNS's query parser and answer, and the frames the switch writes
// itself (ARP replies for the gateway, DNS replies). No I/O here.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sandbox::net::sw {

using Mac = std::array<uint8_t, 6>;
using Ip6 = std::array<uint8_t, 16>;
using Frame = std::vector<uint8_t>;

inline constexpr uint16_t kEtherArp = 0x0806;
inline constexpr uint16_t kEtherIpv4 = 0x0800;
inline constexpr uint16_t kEtherIpv6 = 0x86dd;

// libslirp's own address on the link: 52:55 then the gateway's IPv4 (slirp's "special"
// Ethernet address). The switch answers for the gateway with it too when there is no uplink,
// so a member's ARP cache means the same thing either way.
Mac gateway_mac(uint32_t gateway_be);

uint16_t ether_type(const uint8_t* f, size_t len);
inline bool is_multicast(const uint8_t* mac) { return (mac[0] & 1) != 0; }

// A frame from a member is forwarded only if it carries the member's own MAC (and for ARP and
// IPv4, its own address: a member can't pose as another). IPv6 only on a network with IPv6
// (ip6 not null): from the member's address, its EUI-64 link-local one or :: (duplicate-address
// probes and MLD), no router advertisements or redirects, neighbour advertisements and
// duplicate-address probes only for its own addresses. Other types are dropped.
bool source_is(const uint8_t* f, size_t len, const Mac& mac, uint32_t ip_be, const Ip6* ip6);

// fe80::/64 with the modified EUI-64 of mac: the link-local address the kernel gives a new
// interface (a fresh network namespace has addr_gen_mode 0).
Ip6 link_local(const Mac& mac);

// The IPv6 header of a frame, if sane and unfragmented with ICMPv6 right after it: the
// ICMPv6 message's offset, else 0.
size_t icmp6_offset(const uint8_t* f, size_t len);
// Neighbour solicitation (for TARGET): true and the target, if the frame is one.
bool ndp_solicit_target(const uint8_t* f, size_t len, Ip6& target);
// The gateway's answers: a neighbour advertisement for `ns` (a solicitation for ip), and an
// echo reply to an echo request for ip. Empty if `request` is not that.
Frame ndp_advert(const uint8_t* ns, size_t len, const Mac& mac, const Ip6& ip);
Frame echo6_reply(const uint8_t* request, size_t len, const Mac& mac, const Ip6& ip);

// ARP request (who-has TARGET), or 0 if the frame is not one.
uint32_t arp_request_target(const uint8_t* f, size_t len);
// The reply to an ARP request, from (mac, ip).
Frame arp_reply(const uint8_t* request, const Mac& mac, uint32_t ip_be);

// IPv4 destination, or 0 for a non-IPv4 frame.
uint32_t ipv4_dst(const uint8_t* f, size_t len);

// A UDP datagram to ip:port inside an IPv4 frame: its payload (offset, length), if it is one
// (unfragmented, header checks pass).
bool udp_payload_to(const uint8_t* f, size_t len, uint32_t ip_be, uint16_t port, size_t& off, size_t& plen);

// A UDP reply to the sender of `request` (a frame udp_payload_to accepted) from
// src_mac/src_ip, carrying payload.
Frame udp_reply(const uint8_t* request, const Mac& src_mac, const std::vector<uint8_t>& payload);

struct DnsQuery {
  uint16_t id = 0;
  uint16_t flags = 0;
  std::string name;  // lower case, no trailing dot
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  size_t question_end = 0;  // offset just past the question
};
// One question of a standard query, names without compression (as resolvers send them).
bool parse_dns_query(const uint8_t* p, size_t len, DnsQuery& q);
// The answer: rcode 0 with one A record per IPv4 address and one AAAA record per IPv6 one
// (none: the name exists without records of that type), or rcode 3 (NXDOMAIN) / 5 (REFUSED).
std::vector<uint8_t> dns_answer(const uint8_t* query, const DnsQuery& q, const std::vector<uint32_t>& addrs_be,
                                const std::vector<Ip6>& addrs6, int rcode);

}  // namespace sandbox::net::sw
