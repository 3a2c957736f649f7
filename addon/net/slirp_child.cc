#include "net/slirp_child.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <list>
#include <optional>
#include <vector>

#include "net/bypass.h"

namespace sandbox::net {
namespace {

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
int64_t now_ms() { return now_ns() / 1000000; }

struct Timer {
  SlirpTimerCb cb = nullptr;  // legacy form
  SlirpTimerId id{};          // opaque form (libslirp >= 4.7 with config version 4)
  void* cb_opaque = nullptr;
  int64_t expire_ms = -1;     // -1: not armed
};

struct Loop {
  Slirp* slirp = nullptr;
  int tap = -1;
  std::vector<pollfd> fds;
  std::list<Timer> timers;  // stable addresses: libslirp holds pointers to them
};

short to_poll(int e) {
  short r = 0;
  if (e & SLIRP_POLL_IN) r |= POLLIN;
  if (e & SLIRP_POLL_OUT) r |= POLLOUT;
  if (e & SLIRP_POLL_PRI) r |= POLLPRI;
  return r;
}
int from_poll(short r) {
  int e = 0;
  if (r & POLLIN) e |= SLIRP_POLL_IN;
  if (r & POLLOUT) e |= SLIRP_POLL_OUT;
  if (r & POLLPRI) e |= SLIRP_POLL_PRI;
  if (r & POLLERR) e |= SLIRP_POLL_ERR;
  if (r & POLLHUP) e |= SLIRP_POLL_HUP;
  return e;
}

// Frames from libslirp to the container. The tap fd is non-blocking (reads must never stall
// the loop); a full queue is rare at this MTU, so wait for room rather than drop.
ssize_t send_packet(const void* buf, size_t len, void* opaque) {
  auto* loop = static_cast<Loop*>(opaque);
  for (;;) {
    ssize_t n = ::write(loop->tap, buf, len);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return -1;
    pollfd p{loop->tap, POLLOUT, 0};
    ::poll(&p, 1, 100);
  }
}

void guest_error(const char* msg, void*) { std::fprintf(stderr, "sandbox-monitor slirp: %s\n", msg); }
int64_t clock_get_ns(void*) { return now_ns(); }
void* timer_new(SlirpTimerCb cb, void* cb_opaque, void* opaque) {
  auto* loop = static_cast<Loop*>(opaque);
  loop->timers.push_back(Timer{cb, {}, cb_opaque, -1});
  return &loop->timers.back();
}
void* timer_new_opaque(SlirpTimerId id, void* cb_opaque, void* opaque) {
  auto* loop = static_cast<Loop*>(opaque);
  loop->timers.push_back(Timer{nullptr, id, cb_opaque, -1});
  return &loop->timers.back();
}
void timer_free(void* timer, void* opaque) {
  auto* loop = static_cast<Loop*>(opaque);
  loop->timers.remove_if([&](const Timer& t) { return &t == timer; });
}
void timer_mod(void* timer, int64_t expire_ms, void*) { static_cast<Timer*>(timer)->expire_ms = expire_ms; }
void register_poll_fd(int, void*) {}
void unregister_poll_fd(int, void*) {}
void notify(void*) {}

int add_poll(int fd, int events, void* opaque) {
  auto* loop = static_cast<Loop*>(opaque);
  loop->fds.push_back(pollfd{fd, to_poll(events), 0});
  return static_cast<int>(loop->fds.size() - 1);
}
int get_revents(int idx, void* opaque) {
  auto* loop = static_cast<Loop*>(opaque);
  return from_poll(loop->fds[static_cast<size_t>(idx)].revents);
}

void fire_timers(Loop& loop) {
  int64_t now = now_ms();
  // Collect first: a callback may arm, free or create timers.
  std::vector<Timer*> due;
  for (auto& t : loop.timers)
    if (t.expire_ms >= 0 && t.expire_ms <= now) due.push_back(&t);
  for (Timer* t : due) {
    t->expire_ms = -1;
    if (t->cb) t->cb(t->cb_opaque);
    else slirp_handle_timer(loop.slirp, t->id, t->cb_opaque);
  }
}

void set_addr4(in_addr& a, const char* text) { ::inet_pton(AF_INET, text, &a); }
void set_addr6(in6_addr& a, const char* text) { ::inet_pton(AF_INET6, text, &a); }

}  // namespace

void run_slirp(int tap_fd, BypassFds notifier, const NetworkSpec& spec) {
  Loop loop;
  loop.tap = tap_fd;
  ::fcntl(tap_fd, F_SETFL, ::fcntl(tap_fd, F_GETFL) | O_NONBLOCK);

  SlirpConfig cfg{};
  cfg.version = 4;
  cfg.in_enabled = true;
  set_addr4(cfg.vnetwork, kNet4);
  set_addr4(cfg.vnetmask, "255.255.255.0");
  set_addr4(cfg.vhost, kGateway4);
  set_addr4(cfg.vdhcp_start, "10.0.2.15");
  set_addr4(cfg.vnameserver, kDns4);
  cfg.in6_enabled = spec.ipv6;
  set_addr6(cfg.vprefix_addr6, kNet6);
  cfg.vprefix_len = static_cast<uint8_t>(kPrefix6);
  set_addr6(cfg.vhost6, kGateway6);
  set_addr6(cfg.vnameserver6, kDns6);
  cfg.if_mtu = kTapMtu;
  cfg.if_mru = kTapMtu;
  // Off by default, as docker users expect: a container must not reach services that listen
  // only on the host's loopback (they trust that nobody else can connect).
  cfg.disable_host_loopback = !spec.allow_host_loopback;
  cfg.disable_dhcp = true;  // the init configured the address itself

  static const SlirpCb callbacks = {
      send_packet, guest_error, clock_get_ns, timer_new, timer_free, timer_mod,
      register_poll_fd, unregister_poll_fd, notify, nullptr, timer_new_opaque};
  loop.slirp = slirp_new(&cfg, &callbacks, &loop);
  if (!loop.slirp) {
    std::fprintf(stderr, "sandbox-monitor slirp: libslirp refused its configuration\n");
    ::_exit(1);
  }

  std::optional<ConnectBypass> bypass;
  if (notifier.listener >= 0)
    bypass.emplace(spec, tap_fd, unique_fd(notifier.listener), unique_fd(notifier.route_probe));

  static char frame[kTapMtu + 64];
  for (;;) {
    loop.fds.clear();
    loop.fds.push_back(pollfd{tap_fd, POLLIN, 0});
    uint32_t timeout = 1000;
    slirp_pollfds_fill(loop.slirp, &timeout, add_poll, &loop);
    int64_t now = now_ms();
    for (const auto& t : loop.timers)
      if (t.expire_ms >= 0) {
        int64_t left = t.expire_ms > now ? t.expire_ms - now : 0;
        if (left < timeout) timeout = static_cast<uint32_t>(left);
      }
    // The bypass's fds go last: libslirp's indexes into loop.fds stay as it made them.
    const size_t bypass_first = loop.fds.size();
    if (bypass) bypass->add_pollfds(loop.fds, timeout);
    int n = ::poll(loop.fds.data(), loop.fds.size(), static_cast<int>(timeout));
    if (n < 0 && errno != EINTR) ::_exit(1);
    bool tap_gone = loop.fds[0].revents & (POLLHUP | POLLERR);
    if (loop.fds[0].revents & POLLIN) {
      // Drain what is queued, bounded so sockets get their turn.
      for (int i = 0; i < 64; i++) {
        ssize_t len = ::read(tap_fd, frame, sizeof frame);
        if (len <= 0) break;
        slirp_input(loop.slirp, reinterpret_cast<const uint8_t*>(frame), static_cast<int>(len));
      }
    }
    slirp_pollfds_poll(loop.slirp, n < 0, get_revents, &loop);
    fire_timers(loop);
    if (bypass) bypass->handle(loop.fds, bypass_first);
    if (tap_gone) ::_exit(0);  // the namespace (and the container) is gone
  }
}

}  // namespace sandbox::net
