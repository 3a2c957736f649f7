#include "monitor/attach.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>


namespace sandbox {

int AttachPoint::open(const std::string& state_dir, Error& err) {
  unique_fd dir(::open(state_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return err.sys("open " + state_dir);
  const std::string path = "/proc/self/fd/" + std::to_string(dir.get()) + "/attach.sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return err.fail("attach socket path too long", ENAMETOOLONG);
  path.copy(addr.sun_path, path.size());
  unique_fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s) return err.sys("socket for attach");
  ::unlink(path.c_str());  // a previous run's (restart): it is ours to replace
  // Created 0600 from the start: the umask is tightened around bind, so no other user ever
  // finds the socket connectable, not even between bind and a chmod.
  const mode_t old = ::umask(0177);
  const int rc = ::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc < 0) return err.sys("bind " + state_dir + "/attach.sock");
  if (::listen(s.get(), 4) < 0) return err.sys("listen on the attach socket");
  listener = std::move(s);
  return 0;
}

void AttachPoint::accept_client() {
  int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  if (client) drop_client();
  client.reset(fd);
  input.clear();  // a previous client's half frame is not this one's
}

void AttachPoint::drop_client() {
  client.reset();
  if (client_input) input_dropped = true;
  client_input = false;
}

void AttachPoint::send(const char* buf, size_t n, char stream) {
  if (!client) return;
  // One send per frame, header and payload together: a frame is whole or the client is gone.
  char head[3] = {stream, 0, 0};
  iovec iov[2] = {{head, sizeof head}, {const_cast<char*>(buf), n}};
  msghdr msg{};
  msg.msg_iov = stream ? iov : iov + 1;
  msg.msg_iovlen = stream ? 2 : 1;
  size_t total = n;
  if (stream) {
    if (n > 0xffff) return drop_client();  // callers read at most 8 KiB at a time
    head[1] = static_cast<char>(n >> 8);
    head[2] = static_cast<char>(n & 0xff);
    total += sizeof head;
  }
  ssize_t w = ::sendmsg(client.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (w != static_cast<ssize_t>(total)) drop_client();
}

void AttachPoint::wait_client(int timeout_ms) {
  pollfd p{listener.get(), POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) < 0 && errno == EINTR) {
  }
  if (p.revents & POLLIN) accept_client();
}

ssize_t AttachPoint::client_read() {
  char buf[4096];
  ssize_t n = ::read(client.get(), buf, sizeof buf);
  if (n > 0) return input.append(buf, static_cast<size_t>(n)), n;
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  drop_client();
  return 0;
}

}  // namespace sandbox
