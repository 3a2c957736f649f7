#include "monitor/terminal.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace sandbox {

int receive_terminal(int sync_fd, unique_fd& master, Error& err) {
  char byte = 0;
  for (;;) {
    ssize_t n = ::recv(sync_fd, &byte, 1, MSG_PEEK);
    if (n == 0) return 0;  // the init died: the supervisor reports it
    if (n > 0) break;
    if (errno != EINTR) return err.sys("wait for the container's terminal");
  }
  if (byte != 'P') return 0;  // the init's error message: the supervisor reads it
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  while (::recvmsg(sync_fd, &msg, MSG_CMSG_CLOEXEC) < 0)
    if (errno != EINTR) return err.sys("receive the container's terminal");
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return err.fail("the init sent no terminal", EPROTO);
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  master.reset(fd);
  return 0;
}

void copy_window_size(int master) {
  winsize ws{};
  if (::ioctl(0, TIOCGWINSZ, &ws) < 0 && ::ioctl(1, TIOCGWINSZ, &ws) < 0) return;
  ::ioctl(master, TIOCSWINSZ, &ws);  // the kernel sends SIGWINCH to the foreground group
}

bool write_all(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, buf, n);
    if (w > 0) {
      buf += w;
      n -= static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace sandbox
