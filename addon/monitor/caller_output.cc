#include "monitor/caller_output.h"

#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace sandbox {

bool write_to_caller(int fd, const char* buf, size_t n, int signal_fd, const std::function<void()>& on_signals) {
  while (n > 0) {
    pollfd p[2] = {{fd, POLLOUT, 0}, {signal_fd, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (p[1].revents & POLLIN) on_signals();
    // POLLERR (a pipe without a reader) or POLLNVAL is answered by the write below: EPIPE, EBADF.
    if (!(p[0].revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL))) continue;
    ssize_t w = ::write(fd, buf, n < PIPE_BUF ? n : PIPE_BUF);
    if (w > 0) {
      buf += w;
      n -= static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return false;  // EPIPE, or a caller's fd that can't take output (EBADF, EIO, ENOSPC...)
  }
  return true;
}

}  // namespace sandbox
