#include "sandbox/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sandbox::fdpass {

namespace {

// One sendmsg of `len` bytes with `fd` (when >= 0) as SCM_RIGHTS; 0 or the errno.
int send_with_fd(int sock, const void* data, size_t len, int fd) {
  iovec iov{const_cast<void*>(data), len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR) return errno;
  return 0;
}

}  // namespace

int send(int sock, char tag, int fd, const char* what, Error& err) {
  if (int e = send_with_fd(sock, &tag, 1, fd)) return err.sys(std::string("pass ") + what + " to the monitor", e);
  return 0;
}

int receive(int sock, char tag, unique_fd& out, const char* what, Error& err) {
  char byte = 0;
  for (;;) {
    ssize_t n = ::recv(sock, &byte, 1, MSG_PEEK);
    if (n == 0) return 0;  // the peer died: whoever supervises it reports that
    if (n > 0) break;
    if (errno != EINTR) return err.sys(std::string("wait for ") + what);
  }
  if (byte != tag) return 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  while (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
    if (errno != EINTR) return err.sys(std::string("receive ") + what);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
    return err.fail(std::string("no fd came with ") + what, EPROTO);
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  out.reset(fd);
  return 1;
}

int send_message(int sock, const std::string& payload, int fd, const char* what, Error& err) {
  if (int e = send_with_fd(sock, payload.data(), payload.size(), fd)) return err.sys(std::string("send ") + what, e);
  return 0;
}

ssize_t receive_message(int sock, std::string& payload, size_t max, unique_fd& fd, Error& err) {
  payload.assign(max, '\0');
  iovec iov{payload.data(), max};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
    if (errno != EINTR) return err.sys("receive a message");
  payload.resize(static_cast<size_t>(n));
  fd.reset();
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int got;
      std::memcpy(&got, CMSG_DATA(c), sizeof got);
      fd.reset(got);
    }
  return n;
}

}  // namespace sandbox::fdpass
