#include "binding/host.h"

#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace sandbox::binding {

bool kernel_release(std::string& out) {
  struct utsname u;
  if (::uname(&u) < 0) return false;
  out = u.release;
  return true;
}

bool get_window_size(int fd, WindowSize& out) {
  struct winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) < 0) return false;
  out.rows = ws.ws_row;
  out.cols = ws.ws_col;
  return true;
}

bool set_window_size(int fd, const WindowSize& size) {
  struct winsize ws{};
  ws.ws_row = static_cast<unsigned short>(size.rows);
  ws.ws_col = static_cast<unsigned short>(size.cols);
  return ::ioctl(fd, TIOCSWINSZ, &ws) == 0;
}

bool is_terminal(int fd) {
  int saved = errno;
  bool yes = ::isatty(fd) == 1;
  errno = saved;
  return yes;
}

}  // namespace sandbox::binding
