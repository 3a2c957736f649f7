#include "monitor/caller_output.h"

#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "monitor/terminal.h"

namespace sandbox {

namespace {

// Always writable (poll says POLLOUT at once, a write completes): a regular file, a block
// device, a character device that is not a terminal (/dev/null).
bool always_writable(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) < 0) return false;
  if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) return true;
  return S_ISCHR(st.st_mode) && !::isatty(fd);
}

}  // namespace

CallerStream::CallerStream(int fd) : fd_(fd), direct_(always_writable(fd)) {}

void CallerStream::push(const char* buf, size_t n) {
  if (!open_ || n == 0) return;
  if (direct_) {
    if (!write_all(fd_, buf, n)) open_ = false;
    return;
  }
  if (head_ > 0 && head_ >= buf_.size() / 2) {  // keep the queue's front cheap to drop
    buf_.erase(0, head_);
    head_ = 0;
  }
  buf_.append(buf, n);
}

void CallerStream::on_ready() {
  if (!waiting()) return;
  const size_t n = queued() < PIPE_BUF ? queued() : PIPE_BUF;
  ssize_t w;
  while ((w = ::write(fd_, buf_.data() + head_, n)) < 0 && errno == EINTR) {
  }
  if (w < 0 && errno == EAGAIN) return;  // someone else's O_NONBLOCK on a shared fd: poll again
  if (w <= 0) {
    open_ = false;  // EPIPE, or a caller's fd that can't take output (EBADF, EIO, ENOSPC...)
    release();
    return;
  }
  head_ += static_cast<size_t>(w);
  if (queued() == 0) release();
}

bool CallerStream::flush(int signal_fd, const std::function<void()>& on_signals) {
  if (waiting() && !write_to_caller(fd_, buf_.data() + head_, queued(), signal_fd, on_signals)) open_ = false;
  release();
  return open_;
}

void CallerStream::retarget() {
  release();
  direct_ = always_writable(fd_);
}

void CallerStream::release() {
  std::string().swap(buf_);
  head_ = 0;
}

bool same_file(int a, int b) {
  struct stat sa{}, sb{};
  if (::fstat(a, &sa) < 0 || ::fstat(b, &sb) < 0) return false;
  if (sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino) return false;
  return !always_writable(a);
}

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
