#include "net/slirp_network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <list>
#include <optional>
#include <vector>

#include "net/bypass.h"
#include "net/slirp_poll.h"

namespace sandbox::net {
namespace {

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
int64_t now_ms() { return now_ns() / 1000000; }

// One frame from the tap: at most the MTU plus the Ethernet header, rounded to whole pages.
constexpr size_t kFrameBuffer = (kTapMtu + 64 + 4095) & ~size_t{4095};

struct Timer {
  SlirpTimerCb cb = nullptr;  // legacy form
  SlirpTimerId id{};          // opaque form (libslirp >= 4.7 with config version 4)
  void* cb_opaque = nullptr;
  int64_t expire_ms = -1;     // -1: not armed
};


void set_addr4(in_addr& a, const char* text) { ::inet_pton(AF_INET, text, &a); }
void set_addr6(in6_addr& a, const char* text) { ::inet_pton(AF_INET6, text, &a); }

// Closing the last fd of a tap device unregisters it, and the kernel waits for an RCU grace
// period there. A forked child takes that wait: it closes everything else it inherited at once
// (the CLI's pipes must see EOF when we exit, not 17 ms later), waits until our copy of the tap
// is closed (EOF on the pipe), then exits, and its exit is the tap's last close.
pid_t close_in_child(unique_fd tap) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return -1;  // then the close below simply waits
  const pid_t pid = ::fork();
  if (pid == 0) {
    const unsigned lo = static_cast<unsigned>(std::min(tap.get(), p[0]));
    const unsigned hi = static_cast<unsigned>(std::max(tap.get(), p[0]));
    if (lo > 0) ::syscall(SYS_close_range, 0u, lo - 1, 0);
    if (hi > lo + 1) ::syscall(SYS_close_range, lo + 1, hi - 1, 0);
    ::syscall(SYS_close_range, hi + 1, ~0u, 0);
    char c;
    while (::read(p[0], &c, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  ::close(p[0]);
  tap.reset();  // never the last copy while the child lives
  ::close(p[1]);
  return pid;
}

}  // namespace

struct SlirpNetwork::State {
  const NetworkSpec* spec = nullptr;
  Slirp* slirp = nullptr;
  unique_fd tap;
  std::list<Timer> timers;  // stable addresses: libslirp holds pointers to them
  std::vector<pollfd>* fds = nullptr;  // this round's, while libslirp fills or reads it
  size_t tap_index = 0, bypass_first = 0;
  std::optional<ConnectBypass> bypass;
  // Frames are read here. A big frame makes up to 16 pages of it resident; they are given back
  // once the network has been quiet for a second (the monitor's trim returns the heap).
  char* frame = nullptr;
  bool frame_dirty = false;
  int64_t last_busy_ms = 0;

  void fire_timers();
  void drain_tap();
  void trim_if_quiet(const std::vector<pollfd>& fds);
  void shut();
};

namespace {

using State = SlirpNetwork::State;
State& self(void* opaque) { return *static_cast<State*>(opaque); }

// Frames from libslirp to the container. The tap fd is non-blocking (reads must never stall
// the loop); a full queue is rare at this MTU (the tap's send buffer is unlimited), so wait for
// room rather than drop.
ssize_t send_packet(const void* buf, size_t len, void* opaque) {
  const int tap = self(opaque).tap.get();
  for (;;) {
    ssize_t n = ::write(tap, buf, len);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return -1;
    pollfd p{tap, POLLOUT, 0};
    ::poll(&p, 1, 100);
  }
}

void guest_error(const char* msg, void*) { std::fprintf(stderr, "sandbox-monitor slirp: %s\n", msg); }
int64_t clock_get_ns(void*) { return now_ns(); }
void* timer_new(SlirpTimerCb cb, void* cb_opaque, void* opaque) {
  auto& timers = self(opaque).timers;
  timers.push_back(Timer{cb, {}, cb_opaque, -1});
  return &timers.back();
}
void* timer_new_opaque(SlirpTimerId id, void* cb_opaque, void* opaque) {
  auto& timers = self(opaque).timers;
  timers.push_back(Timer{nullptr, id, cb_opaque, -1});
  return &timers.back();
}
void timer_free(void* timer, void* opaque) {
  self(opaque).timers.remove_if([&](const Timer& t) { return &t == timer; });
}
void timer_mod(void* timer, int64_t expire_ms, void*) { static_cast<Timer*>(timer)->expire_ms = expire_ms; }
void register_poll_fd(int, void*) {}
void unregister_poll_fd(int, void*) {}
void notify(void*) {}

// libslirp's indexes are positions in the loop's vector: its fds come after the loop's own.
int add_poll(int fd, int events, void* opaque) {
  auto& fds = *self(opaque).fds;
  fds.push_back(pollfd{fd, slirp_to_poll(events), 0});
  return static_cast<int>(fds.size() - 1);
}
int get_revents(int idx, void* opaque) {
  return poll_to_slirp((*self(opaque).fds)[static_cast<size_t>(idx)].revents);
}

}  // namespace

void State::fire_timers() {
  const int64_t now = now_ms();
  // Collect first: a callback may arm, free or create timers.
  std::vector<Timer*> due;
  for (auto& t : timers)
    if (t.expire_ms >= 0 && t.expire_ms <= now) due.push_back(&t);
  for (Timer* t : due) {
    const bool alive = std::any_of(timers.begin(), timers.end(), [&](const Timer& u) { return &u == t; });
    if (!alive || !slirp) continue;
    t->expire_ms = -1;
    if (t->cb) t->cb(t->cb_opaque);
    else slirp_handle_timer(slirp, t->id, t->cb_opaque);
  }
}

// What is queued, bounded so the other fds of the loop get their turn.
void State::drain_tap() {
  for (int i = 0; i < 64 && slirp; i++) {
    ssize_t len = ::read(tap.get(), frame, kFrameBuffer);
    if (len <= 0) break;
    if (len > 4096) frame_dirty = true;
    slirp_input(slirp, reinterpret_cast<const uint8_t*>(frame), static_cast<int>(len));
  }
}

void State::trim_if_quiet(const std::vector<pollfd>& fds) {
  const int64_t now = now_ms();
  for (const auto& p : fds)
    if (p.revents) {
      last_busy_ms = now;
      return;
    }
  if (!frame_dirty || now - last_busy_ms < 1000) return;
  ::madvise(frame, kFrameBuffer, MADV_DONTNEED);
  frame_dirty = false;
}

// Stop serving: libslirp's host sockets close (their peers see the connections end), and the
// container's connects fail with ENOSYS from here on, as they would with no one answering.
void State::shut() {
  bypass.reset();
  if (slirp) slirp_cleanup(slirp);
  slirp = nullptr;
  timers.clear();
  if (frame) ::munmap(frame, kFrameBuffer);
  frame = nullptr;
}

SlirpNetwork::SlirpNetwork() : s_(std::make_unique<State>()) {}

SlirpNetwork::~SlirpNetwork() { s_->shut(); }

int SlirpNetwork::start(unique_fd tap, unique_fd listener, unique_fd route_probe, const NetworkSpec& spec, Error& err) {
  State& s = *s_;
  s.spec = &spec;
  s.tap = std::move(tap);
  if (::fcntl(s.tap.get(), F_SETFL, ::fcntl(s.tap.get(), F_GETFL) | O_NONBLOCK) < 0)
    return err.sys("make the tap device non-blocking");
  void* frame = ::mmap(nullptr, kFrameBuffer, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (frame == MAP_FAILED) return err.sys("allocate the frame buffer");
  s.frame = static_cast<char*>(frame);

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
  s.slirp = slirp_new(&cfg, &callbacks, &s);
  if (!s.slirp) return err.fail("libslirp refused its configuration", EINVAL);

  if (listener) s.bypass.emplace(spec, s.tap.get(), std::move(listener), std::move(route_probe));
  return 0;
}

void SlirpNetwork::fill(std::vector<pollfd>& fds, int& timeout_ms) {
  State& s = *s_;
  if (!s.slirp) return;
  s.fds = &fds;
  s.tap_index = fds.size();
  fds.push_back(pollfd{s.tap.get(), POLLIN, 0});
  // libslirp shortens the wait to its own timers (at most 1000 ms: its TCP timers tick).
  uint32_t timeout = timeout_ms < 0 ? UINT32_MAX : static_cast<uint32_t>(timeout_ms);
  slirp_pollfds_fill(s.slirp, &timeout, add_poll, &s);
  const int64_t now = now_ms();
  for (const auto& t : s.timers)
    if (t.expire_ms >= 0) {
      const int64_t left = t.expire_ms > now ? t.expire_ms - now : 0;
      if (left < timeout) timeout = static_cast<uint32_t>(left);
    }
  // The bypass's fds go last: libslirp's indexes stay as it made them.
  s.bypass_first = fds.size();
  if (s.bypass) s.bypass->add_pollfds(fds, timeout);
  timeout_ms = timeout > INT_MAX ? -1 : static_cast<int>(timeout);
}

void SlirpNetwork::dispatch(std::vector<pollfd>& fds, bool poll_failed) {
  State& s = *s_;
  if (!s.slirp) return;
  s.fds = &fds;
  const short tap_revents = fds[s.tap_index].revents;
  if (tap_revents & POLLIN) s.drain_tap();
  slirp_pollfds_poll(s.slirp, poll_failed, get_revents, &s);
  s.fire_timers();
  if (s.bypass) s.bypass->handle(fds, s.bypass_first);
  s.fds = nullptr;
  if (tap_revents & (POLLHUP | POLLERR)) {
    // The device is gone (the container deleted it, or its namespace went): nothing to serve.
    s.shut();
    s.tap.reset();
    return;
  }
  s.trim_if_quiet(fds);
}

pid_t SlirpNetwork::stop() {
  s_->shut();
  return s_->tap ? close_in_child(std::move(s_->tap)) : -1;
}

}  // namespace sandbox::net
