#include "net/switch_uplink.h"

#include <slirp/libslirp.h>
#include <time.h>

#include <cstdio>

#include "monitor/trim.h"
#include "net/slirp_poll.h"

namespace sandbox::net::sw {

struct Uplink::Timer {
  SlirpTimerCb cb = nullptr;  // legacy form
  SlirpTimerId id{};          // opaque form (libslirp >= 4.7, config version 4)
  void* cb_opaque = nullptr;
  int64_t expire_ms = -1;
};

namespace {

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Uplink* self(void* opaque) { return static_cast<Uplink*>(opaque); }

ssize_t send_packet(const void* buf, size_t len, void* opaque) {
  self(opaque)->out_(static_cast<const uint8_t*>(buf), len);
  return static_cast<ssize_t>(len);
}
void guest_error(const char* msg, void*) { std::fprintf(stderr, "sandbox-monitor netswitch: slirp: %s\n", msg); }
int64_t clock_get_ns(void*) { return now_ns(); }
void* timer_new(SlirpTimerCb cb, void* cb_opaque, void* opaque) {
  auto* t = new Uplink::Timer{cb, {}, cb_opaque, -1};
  self(opaque)->timers_.push_back(t);
  return t;
}
void* timer_new_opaque(SlirpTimerId id, void* cb_opaque, void* opaque) {
  auto* t = new Uplink::Timer{nullptr, id, cb_opaque, -1};
  self(opaque)->timers_.push_back(t);
  return t;
}
void timer_free(void* timer, void* opaque) {
  self(opaque)->timers_.remove(static_cast<Uplink::Timer*>(timer));
  delete static_cast<Uplink::Timer*>(timer);
}
void timer_mod(void* timer, int64_t expire_ms, void*) { static_cast<Uplink::Timer*>(timer)->expire_ms = expire_ms; }
void register_poll_fd(int, void*) {}
void unregister_poll_fd(int, void*) {}
void notify(void*) {}

int add_poll(int fd, int events, void* opaque) {
  auto& fds = *self(opaque)->fds_;
  fds.push_back(pollfd{fd, net::slirp_to_poll(events), 0});
  return static_cast<int>(fds.size() - 1);
}
int get_revents(int idx, void* opaque) {
  return net::poll_to_slirp((*self(opaque)->fds_)[static_cast<size_t>(idx)].revents);
}

}  // namespace

Uplink::~Uplink() {
  if (slirp_) slirp_cleanup(slirp_);
}

bool Uplink::start(uint32_t subnet_be, uint32_t mask_be, uint32_t gateway_be, unsigned mtu, Output out) {
  out_ = std::move(out);
  SlirpConfig cfg{};
  cfg.version = 4;
  cfg.in_enabled = true;
  cfg.vnetwork.s_addr = subnet_be;
  cfg.vnetmask.s_addr = mask_be;
  cfg.vhost.s_addr = gateway_be;
  // DNS on the gateway itself: what the switch's embedded DNS does not answer, libslirp
  // forwards to the host's resolv.conf servers (from the host, like the default network).
  cfg.vnameserver.s_addr = gateway_be;
  cfg.vdhcp_start.s_addr = gateway_be;  // unused: DHCP is off
  cfg.in6_enabled = false;
  cfg.if_mtu = mtu;
  cfg.if_mru = mtu;
  // As on the default network: services on the host's loopback are not the network's.
  cfg.disable_host_loopback = true;
  cfg.disable_dhcp = true;
  static const SlirpCb callbacks = {
      send_packet, guest_error, clock_get_ns, timer_new, timer_free, timer_mod,
      register_poll_fd, unregister_poll_fd, notify, nullptr, timer_new_opaque};
  slirp_ = slirp_new(&cfg, &callbacks, this);
  // Loading and relocating libslirp and glib touched pages of them the loop never needs again.
  sandbox::trim_resident_memory();
  return slirp_ != nullptr;
}

void Uplink::input(const uint8_t* frame, size_t len) {
  if (slirp_) slirp_input(slirp_, frame, static_cast<int>(len));
}

void Uplink::fill(std::vector<pollfd>& fds, int* timeout_ms) {
  if (!slirp_) return;
  fds_ = &fds;
  uint32_t t = *timeout_ms < 0 ? 1000 : static_cast<uint32_t>(*timeout_ms);
  slirp_pollfds_fill(slirp_, &t, add_poll, this);
  int64_t now = now_ns() / 1000000;
  for (const Timer* tm : timers_)
    if (tm->expire_ms >= 0) {
      int64_t left = tm->expire_ms > now ? tm->expire_ms - now : 0;
      if (left < t) t = static_cast<uint32_t>(left);
    }
  *timeout_ms = static_cast<int>(t);
}

void Uplink::dispatch(std::vector<pollfd>& fds, bool poll_failed) {
  if (!slirp_) return;
  fds_ = &fds;
  slirp_pollfds_poll(slirp_, poll_failed, get_revents, this);
  int64_t now = now_ns() / 1000000;
  std::vector<Timer*> due;  // collect first: a callback may arm, free or create timers
  for (Timer* t : timers_)
    if (t->expire_ms >= 0 && t->expire_ms <= now) due.push_back(t);
  for (Timer* t : due) {
    bool alive = false;
    for (Timer* u : timers_) alive = alive || u == t;
    if (!alive) continue;
    t->expire_ms = -1;
    if (t->cb) t->cb(t->cb_opaque);
    else slirp_handle_timer(slirp_, t->id, t->cb_opaque);
  }
}

}  // namespace sandbox::net::sw
