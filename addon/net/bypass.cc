#include "net/bypass.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "net/bypass_policy.h"

namespace sandbox::net {
namespace {

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS  // linux/seccomp.h, 6.6+
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL  // linux/pidfd.h, 6.9+
#endif

// Blocking connects waiting at once. Each holds one host socket here; past this many a
// container's further blocking connects take libslirp's path, so our fd table can't be filled.
constexpr size_t kMaxPending = 512;

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A pidfd for the notifying thread (the notification names a thread id; PIDFD_THREAD takes
// any thread, older kernels only a process leader).
unique_fd open_pidfd(pid_t tid) {
  long fd = ::syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
  if (fd < 0 && errno == EINVAL) fd = ::syscall(SYS_pidfd_open, tid, 0);
  return unique_fd(fd < 0 ? -1 : static_cast<int>(fd));
}

int get_int(int sock, int level, int name, int fallback = -1) {
  int v = 0;
  socklen_t len = sizeof v;
  return ::getsockopt(sock, level, name, &v, &len) == 0 ? v : fallback;
}

int tcp_state(int sock) {
  tcp_info info{};
  socklen_t len = sizeof info;
  return ::getsockopt(sock, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 ? info.tcpi_state : -1;
}

// The kernel's answer to connect / a MSG_FASTOPEN send on a socket that already has (or had)
// a connection. Used for host sockets, where we must not let such a call through.
int busy_error(int sock, int when_closed) {
  int state = tcp_state(sock);
  if (state == TCP_SYN_SENT || state == TCP_SYN_RECV) return EALREADY;
  if (state == TCP_CLOSE || state < 0) return when_closed;
  return EISCONN;
}

// Not bound, not listening, no connection, no device binding: a socket the kernel would
// connect from scratch, whose only state is its options.
bool is_fresh_tcp(int sock, int family) {
  // TCP_INFO answers only for TCP stream sockets (a raw socket of protocol 6 refuses it); its
  // CLOSE state rules out listening, connecting and connected ones.
  if (get_int(sock, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP || tcp_state(sock) != TCP_CLOSE) return false;
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (::getsockname(sock, reinterpret_cast<sockaddr*>(&local), &len) < 0 || local.ss_family != family) return false;
  if (family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&local);
    if (in->sin_port != 0 || in->sin_addr.s_addr != htonl(INADDR_ANY)) return false;
  } else {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&local);
    if (in6->sin6_port != 0 || !IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr)) return false;
  }
  char dev[IFNAMSIZ + 1] = {};
  len = sizeof dev;
  if (::getsockopt(sock, SOL_SOCKET, SO_BINDTODEVICE, dev, &len) < 0 || (len > 0 && dev[0] != '\0')) return false;
  return true;
}

// Options that change how a connected TCP socket behaves for its user. Copied only where the
// container's socket differs from a fresh host socket (so defaults stay defaults: setting
// SO_RCVBUF would turn the kernel's buffer autotuning off). Best effort: an option the host
// refuses (a congestion control not allowed to users) is left at the host's default.
struct Option {
  int level, name;
};
constexpr Option kCopied[] = {
    {SOL_SOCKET, SO_REUSEADDR},      {SOL_SOCKET, SO_REUSEPORT},        {SOL_SOCKET, SO_KEEPALIVE},
    {SOL_SOCKET, SO_LINGER},         {SOL_SOCKET, SO_OOBINLINE},        {SOL_SOCKET, SO_SNDBUF},
    {SOL_SOCKET, SO_RCVBUF},         {SOL_SOCKET, SO_RCVLOWAT},         {SOL_SOCKET, SO_RCVTIMEO},
    {SOL_SOCKET, SO_SNDTIMEO},       {SOL_SOCKET, SO_PRIORITY},         {IPPROTO_TCP, TCP_NODELAY},
    {IPPROTO_TCP, TCP_CORK},         {IPPROTO_TCP, TCP_MAXSEG},         {IPPROTO_TCP, TCP_KEEPIDLE},
    {IPPROTO_TCP, TCP_KEEPINTVL},    {IPPROTO_TCP, TCP_KEEPCNT},        {IPPROTO_TCP, TCP_USER_TIMEOUT},
    {IPPROTO_TCP, TCP_SYNCNT},       {IPPROTO_TCP, TCP_LINGER2},        {IPPROTO_TCP, TCP_WINDOW_CLAMP},
    {IPPROTO_TCP, TCP_NOTSENT_LOWAT}, {IPPROTO_TCP, TCP_FASTOPEN_CONNECT}, {IPPROTO_TCP, TCP_CONGESTION},
};
constexpr Option kCopied4[] = {{IPPROTO_IP, IP_TOS}, {IPPROTO_IP, IP_TTL}};
constexpr Option kCopied6[] = {{IPPROTO_IPV6, IPV6_V6ONLY}, {IPPROTO_IPV6, IPV6_TCLASS}, {IPPROTO_IPV6, IPV6_UNICAST_HOPS}};

// A fresh host socket's value of each option, read once per family (they are the host's
// defaults, which don't change under us in a way that matters for one container's life).
struct Value {
  int state = 0;  // 0: not read yet, 1: read, -1: the host has no such option
  socklen_t len = 0;
  char bytes[64] = {};
};

// `fresh`: a host socket of `family` on which this option was not set yet.
const Value& default_value(int family, int fresh, size_t index, const Option& o) {
  static Value v4[std::size(kCopied) + std::size(kCopied4)], v6[std::size(kCopied) + std::size(kCopied6)];
  Value& v = family == AF_INET ? v4[index] : v6[index];
  if (v.state == 0) {
    v.len = sizeof v.bytes;
    v.state = ::getsockopt(fresh, o.level, o.name, v.bytes, &v.len) == 0 ? 1 : -1;
  }
  return v;
}

void copy_option(int from, int to, int family, size_t index, const Option& o) {
  char theirs[64] = {};
  socklen_t tlen = sizeof theirs;
  if (::getsockopt(from, o.level, o.name, theirs, &tlen) < 0) return;
  const Value& ours = default_value(family, to, index, o);
  if (ours.state != 1 || (tlen == ours.len && std::memcmp(theirs, ours.bytes, tlen) == 0)) return;
  if (o.level == SOL_SOCKET && (o.name == SO_SNDBUF || o.name == SO_RCVBUF) && tlen == sizeof(int)) {
    int v;  // getsockopt reports twice what was set (the kernel's bookkeeping share)
    std::memcpy(&v, theirs, sizeof v);
    v /= 2;
    std::memcpy(theirs, &v, sizeof v);
  }
  ::setsockopt(to, o.level, o.name, theirs, tlen);
}

void copy_options(int from, int to, int family) {
  size_t i = 0;
  for (const auto& o : kCopied) copy_option(from, to, family, i++, o);
  if (family == AF_INET)
    for (const auto& o : kCopied4) copy_option(from, to, family, i++, o);
  else
    for (const auto& o : kCopied6) copy_option(from, to, family, i++, o);
}

// O_CLOEXEC is a flag of the fd, not of the file: pidfd_getfd can't show it, fdinfo does.
bool read_cloexec(pid_t tid, int fd, bool& cloexec) {
  std::string path = "/proc/" + std::to_string(tid) + "/fdinfo/" + std::to_string(fd);
  unique_fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f) return false;
  char buf[512];
  ssize_t n = ::read(f.get(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* flags = std::strstr(buf, "flags:");
  if (!flags) return false;
  unsigned long v = std::strtoul(flags + 6, nullptr, 8);
  cloexec = (v & O_CLOEXEC) != 0;
  return true;
}

bool read_memory(pid_t tid, uint64_t address, void* out, size_t len) {
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(address)), len};
  return ::process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

}  // namespace

ConnectBypass::ConnectBypass(const NetworkSpec& spec, int tap_fd, unique_fd listener, unique_fd route_probe)
    : spec_(spec), listener_(std::move(listener)), probe_(std::move(route_probe)) {
  // The container's namespace, to tell its sockets from host ones: we own its user namespace,
  // so the tap device may name it for us.
  unique_fd ns(::ioctl(tap_fd, TUNGETDEVNETNS));
  struct stat st{};
  probe_family_ = probe_ ? get_int(probe_.get(), SOL_SOCKET, SO_DOMAIN, AF_UNSPEC) : AF_UNSPEC;
  if (ns && probe_family_ != AF_UNSPEC && ::fstat(ns.get(), &st) == 0) {
    ns_known_ = true;
    ns_dev_ = st.st_dev;
    ns_ino_ = st.st_ino;
  }
  // The container's thread waits for us and we for it: each wakes the other on its own CPU
  // and sleeps, so the scheduler can switch straight over (no migration, no queueing behind
  // other work on a loaded host). Kernels before 6.6 lack it: the usual wakeups then.
  ::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
  seccomp_notif_sizes sizes{};
  if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0) {
    notif_size_ = sizes.seccomp_notif;
    resp_size_ = sizes.seccomp_notif_resp;
  }
  notif_size_ = std::max(notif_size_, sizeof(seccomp_notif));
  resp_size_ = std::max(resp_size_, sizeof(seccomp_notif_resp));
  // Pending connects hold fds: the hard limit is ours to use.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

void ConnectBypass::add_pollfds(std::vector<pollfd>& fds, uint32_t& timeout_ms) const {
  if (listener_) fds.push_back(pollfd{listener_.get(), POLLIN, 0});
  if (pending_.empty()) return;
  int64_t now = now_ms(), next = next_check_ms_;
  for (const auto& p : pending_) {
    fds.push_back(pollfd{p.host.get(), POLLOUT, 0});
    if (p.deadline_ms >= 0) next = std::min(next, p.deadline_ms);
  }
  uint32_t left = next > now ? static_cast<uint32_t>(std::min<int64_t>(next - now, 1000)) : 0;
  timeout_ms = std::min(timeout_ms, left);
}

void ConnectBypass::handle(const std::vector<pollfd>& fds, size_t i) {
  bool listener_ready = false, listener_gone = false;
  if (listener_) {
    listener_ready = fds[i].revents & POLLIN;
    listener_gone = fds[i++].revents & (POLLHUP | POLLERR);
  }
  // Completions first: answering frees the container's threads; new notifications may add
  // pending entries, whose fds were not in this round's poll.
  const size_t polled = pending_.size();
  std::vector<short> revents(polled);
  for (size_t k = 0; k < polled; k++) revents[k] = fds[i + k].revents;
  int64_t now = now_ms();
  std::vector<Pending> keep;
  for (size_t k = 0; k < polled; k++) {
    Pending& p = pending_[k];
    bool timed_out = p.deadline_ms >= 0 && now >= p.deadline_ms;
    if (revents[k] || timed_out) complete(p, revents[k], timed_out && !revents[k]);
    if (p.host) keep.push_back(std::move(p));
  }
  pending_ = std::move(keep);
  if (now >= next_check_ms_) {
    drop_stale();
    next_check_ms_ = now + 1000;
  }
  if (listener_ready) {
    // A few per round, so the slirp loop keeps its turn under a connect storm.
    for (int n = 0; n < 64 && listener_; n++) {
      on_notification();
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)) break;
    }
  } else if (listener_gone) {
    listener_.reset();  // every process of the container has exited
  }
}

// Whether the container's own routing sends `dest` out of tap0, i.e. to libslirp: the kernel
// picks tap0's address as the source of a UDP connect there. A destination routed elsewhere
// (another network the container is on) stays the container's business.
bool ConnectBypass::leaves_through_tap(const sockaddr_storage& dest, socklen_t len) const {
  sockaddr_storage to{};
  socklen_t to_len = len;
  std::memcpy(&to, &dest, std::min<size_t>(len, sizeof to));
  if (probe_family_ == AF_INET6 && dest.ss_family == AF_INET) {
    // A dual-stack probe asks about an IPv4 destination as ::ffff:a.b.c.d.
    const auto& in = reinterpret_cast<const sockaddr_in&>(dest);
    sockaddr_in6 mapped{};
    mapped.sin6_family = AF_INET6;
    mapped.sin6_port = in.sin_port;
    mapped.sin6_addr.s6_addr[10] = mapped.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&mapped.sin6_addr.s6_addr[12], &in.sin_addr, 4);
    std::memset(&to, 0, sizeof to);
    std::memcpy(&to, &mapped, sizeof mapped);
    to_len = sizeof mapped;
  } else if (probe_family_ != dest.ss_family) {
    return false;  // an IPv4-only probe can't ask about IPv6
  }
  if (::connect(probe_.get(), reinterpret_cast<const sockaddr*>(&to), to_len) < 0) return false;
  sockaddr_storage source{};
  socklen_t source_len = sizeof source;
  if (::getsockname(probe_.get(), reinterpret_cast<sockaddr*>(&source), &source_len) < 0) return false;
  in_addr guest4{};
  in6_addr guest6{};
  ::inet_pton(AF_INET, kGuest4, &guest4);
  ::inet_pton(AF_INET6, kGuest6, &guest6);
  if (source.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in&>(source).sin_addr.s_addr == guest4.s_addr;
  const in6_addr& a = reinterpret_cast<const sockaddr_in6&>(source).sin6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&a)) return std::memcmp(&a.s6_addr[12], &guest4, 4) == 0;
  return std::memcmp(&a, &guest6, sizeof a) == 0;
}

bool ConnectBypass::valid(uint64_t id) const {
  return ::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void ConnectBypass::respond(uint64_t id, int error, bool continue_in_container) {
  std::vector<char> buf(resp_size_, 0);
  auto* r = reinterpret_cast<seccomp_notif_resp*>(buf.data());
  r->id = id;
  r->error = continue_in_container ? 0 : -error;
  r->val = 0;
  r->flags = continue_in_container ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
  ::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, r);  // ENOENT: the caller is gone
}

ConnectBypass::Kind ConnectBypass::kind_of(int sock) {
  // The namespace's cookie is one getsockopt (Linux 5.14+); the container's is learnt from the
  // first of its sockets that SIOCGSKNS below recognised.
  uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  bool have_cookie = ::getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) == 0;
  if (!have_cookie && errno == ENOTSOCK) return Kind::NotSocket;
  if (have_cookie && ns_cookie_ != 0 && cookie == ns_cookie_) return Kind::Container;
  struct stat st{};
  if (!have_cookie && (::fstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode))) return Kind::NotSocket;
  // SIOCGSKNS needs CAP_NET_ADMIN over the socket's namespace: we have it over the
  // container's (we own its user namespace) and those nested in it, never over the host's.
  unique_fd ns(::ioctl(sock, SIOCGSKNS));
  if (!ns || ::fstat(ns.get(), &st) < 0) return Kind::Foreign;
  if (st.st_dev != ns_dev_ || st.st_ino != ns_ino_) return Kind::Nested;
  if (have_cookie) ns_cookie_ = cookie;
  return Kind::Container;
}

void ConnectBypass::on_notification() {
  std::vector<char> buf(notif_size_, 0);
  auto* n = reinterpret_cast<seccomp_notif*>(buf.data());
  if (::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, n) < 0) {
    if (errno != ENOENT && errno != EINTR) listener_.reset();  // can't serve it: no one can
    return;
  }
  if (n->data.nr == __NR_connect) on_connect(*n);
  else on_guarded(*n);
}

void ConnectBypass::on_connect(const seccomp_notif& n) {
  const uint64_t id = n.id;
  const int fd = static_cast<int>(n.data.args[0]);
  const auto addrlen = static_cast<int>(n.data.args[2]);
  if (!ns_known_ || addrlen < static_cast<int>(sizeof(sa_family_t)) || addrlen > static_cast<int>(sizeof(sockaddr_storage)))
    return respond(id, 0, true);
  unique_fd pidfd = open_pidfd(static_cast<pid_t>(n.pid));
  if (!pidfd) return respond(id, 0, true);
  sockaddr_storage dest{};
  if (!read_memory(static_cast<pid_t>(n.pid), n.data.args[1], &dest, static_cast<size_t>(addrlen)))
    return respond(id, 0, true);
  unique_fd sock(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
  if (!sock) return respond(id, 0, true);  // EBADF and the like: the kernel says it
  // Only now is what we read trusted: the notification still pending means its thread was
  // alive all along, so the pid named it (not a process that reused the number) for both the
  // address and the socket. The thread itself may have changed its memory meanwhile (another
  // thread of it can): that only changes what it asked for, and the check below is ours.
  if (!valid(id)) return;

  const auto* dest_sa = reinterpret_cast<const sockaddr*>(&dest);
  sockaddr_storage target{};
  socklen_t target_len = 0;
  switch (kind_of(sock.get())) {
    case Kind::NotSocket:
    case Kind::Nested:  // a namespace made inside the container: its own business
      return respond(id, 0, true);
    case Kind::Foreign: {
      // A host socket (one we handed in, now connecting again after a failure or a
      // disconnect). The kernel would connect it in the host's namespace: fine where a bypass
      // would go anyway, never to the container's own addresses or the host's loopback.
      if (dest.ss_family == AF_UNSPEC) return respond(id, 0, true);
      Route r = route_for(spec_, dest_sa, static_cast<socklen_t>(addrlen), target, target_len);
      if (r == Route::Host && target_len <= static_cast<socklen_t>(addrlen) && std::memcmp(&target, &dest, target_len) == 0)
        return respond(id, 0, true);
      return respond(id, busy_error(sock.get(), ENETUNREACH), false);
    }
    case Kind::Container:
      break;
  }
  // The route first: it is pure and cheap, and most connects that stay inside (loopback) end here.
  const int family = dest.ss_family;
  if ((family != AF_INET && family != AF_INET6) ||
      route_for(spec_, dest_sa, static_cast<socklen_t>(addrlen), target, target_len) != Route::Host ||
      !leaves_through_tap(dest, static_cast<socklen_t>(addrlen)) || !is_fresh_tcp(sock.get(), family))
    return respond(id, 0, true);
  bool cloexec = false;
  const int fl = ::fcntl(sock.get(), F_GETFL);
  if (fl < 0 || (fl & O_ASYNC) || !read_cloexec(static_cast<pid_t>(n.pid), fd, cloexec)) return respond(id, 0, true);
  const bool nonblocking = fl & O_NONBLOCK;
  if (!nonblocking && pending_.size() >= kMaxPending) return respond(id, 0, true);

  unique_fd host(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!host) return respond(id, 0, true);
  copy_options(sock.get(), host.get(), family);
  int rc = ::connect(host.get(), reinterpret_cast<const sockaddr*>(&target), target_len);
  int e = rc == 0 ? 0 : errno;
  if (e != 0 && e != EINPROGRESS) return respond(id, e, false);  // refused at once: say so
  if (e == 0 || nonblocking) {
    // Connected already, or the container asked not to wait: in its place now, answered as
    // the kernel answers (0, or EINPROGRESS and the result later through poll/SO_ERROR).
    if (!swap_in(id, fd, cloexec, host.get(), nonblocking)) return valid(id) ? respond(id, 0, true) : void();
    return respond(id, e, false);
  }
  // A blocking connect: answered when the host socket is writable (complete()). Only a
  // connected socket goes in: a failed one is never left in the container.
  int64_t deadline = -1;
  timeval tv{};
  socklen_t len = sizeof tv;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, &len) == 0 && (tv.tv_sec || tv.tv_usec))
    deadline = now_ms() + tv.tv_sec * 1000 + tv.tv_usec / 1000;
  pending_.push_back(Pending{id, fd, cloexec, std::move(host), deadline});
  // Loopback and near peers have usually answered already: no need to wait for the next round.
  pollfd p{pending_.back().host.get(), POLLOUT, 0};
  if (::poll(&p, 1, 0) == 1) {
    complete(pending_.back(), p.revents, false);
    if (!pending_.back().host) pending_.pop_back();
  }
}

void ConnectBypass::complete(Pending& p, short revents, bool timed_out) {
  if (timed_out) {
    // SO_SNDTIMEO ran out: the kernel returns EINPROGRESS and leaves the socket connecting.
    if (swap_in(p.id, p.target_fd, p.cloexec, p.host.get(), false)) respond(p.id, EINPROGRESS, false);
    else if (valid(p.id)) respond(p.id, 0, true);
    p.host.reset();
    return;
  }
  int err = get_int(p.host.get(), SOL_SOCKET, SO_ERROR, EIO);
  if (err != 0) {
    respond(p.id, err, false);
    p.host.reset();
    return;
  }
  if (!(revents & POLLOUT)) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(p.host.get(), reinterpret_cast<sockaddr*>(&peer), &len) < 0) return;  // not yet
  }
  if (swap_in(p.id, p.target_fd, p.cloexec, p.host.get(), false)) respond(p.id, 0, false);
  else if (valid(p.id)) respond(p.id, 0, true);
  p.host.reset();
}

// A container thread that gave up waiting (a signal interrupted its connect) leaves its
// notification invalid: its host socket is closed, never handed in.
void ConnectBypass::drop_stale() {
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return !valid(p.id); }),
                 pending_.end());
}

bool ConnectBypass::swap_in(uint64_t id, int target_fd, bool cloexec, int host, bool nonblocking) {
  // Our socket has no status flag but O_NONBLOCK: clearing them all clears that one.
  if (!nonblocking && ::fcntl(host, F_SETFL, 0) < 0) return false;
  seccomp_notif_addfd add{};
  add.id = id;
  add.flags = SECCOMP_ADDFD_FLAG_SETFD;
  add.srcfd = static_cast<uint32_t>(host);
  add.newfd = static_cast<uint32_t>(target_fd);
  add.newfd_flags = cloexec ? O_CLOEXEC : 0;
  return ::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_ADDFD, &add) >= 0;
}

// listen, and sends with MSG_FASTOPEN (security/connect_notify.cc says why): through for
// every socket but a host one.
void ConnectBypass::on_guarded(const seccomp_notif& n) {
  const uint64_t id = n.id;
  unique_fd pidfd = open_pidfd(static_cast<pid_t>(n.pid));
  if (!pidfd) return valid(id) ? respond(id, ENOBUFS, false) : void();
  unique_fd sock(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), static_cast<int>(n.data.args[0]), 0)));
  if (!sock) {
    // A closed fd fails in the kernel as it should; anything else we can't check is refused.
    if (errno == EBADF) return respond(id, 0, true);
    return valid(id) ? respond(id, ENOBUFS, false) : void();
  }
  if (!valid(id)) return;
  if (kind_of(sock.get()) != Kind::Foreign) return respond(id, 0, true);
  if (n.data.nr == __NR_listen) return respond(id, EOPNOTSUPP, false);
  respond(id, busy_error(sock.get(), EOPNOTSUPP), false);
}

}  // namespace sandbox::net
