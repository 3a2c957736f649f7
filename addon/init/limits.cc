#include "init/limits.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace sandbox {
namespace {

std::string limit_text(uint64_t v) {
  return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
}

}  // namespace

int apply_rlimits(const std::vector<Rlimit>& limits, Error& err) {
  for (const auto& l : limits) {
    rlimit r{static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
    if (::setrlimit(static_cast<__rlimit_resource>(l.resource), &r) < 0) {
      int e = errno;
      err.sys("setrlimit " + l.name + " soft=" + limit_text(l.soft) + " hard=" + limit_text(l.hard), e);
      // Capabilities in a user namespace don't reach the host's limits: raising a hard limit
      // needs CAP_SYS_RESOURCE in the initial namespace.
      if (e == EPERM) {
        rlimit cur{};
        ::getrlimit(static_cast<__rlimit_resource>(l.resource), &cur);
        err.message += " (the host's hard limit is " + limit_text(cur.rlim_max) +
                       " and a rootless container can't raise it)";
      }
      return -1;
    }
  }
  return 0;
}

int apply_oom_score_adj(int value, Error& err) {
  int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return err.sys("open /proc/self/oom_score_adj");
  const std::string text = std::to_string(value);
  ssize_t n = ::write(fd, text.data(), text.size());
  int e = errno;
  ::close(fd);
  if (n == static_cast<ssize_t>(text.size())) return 0;
  err.sys("write oom_score_adj " + text, e);
  // Lowering it needs CAP_SYS_RESOURCE in the host's user namespace, which we never hold.
  if (e == EACCES || e == EPERM) err.message += " (a rootless container may only raise it)";
  return -1;
}

}  // namespace sandbox
