#include "monitor/terminal.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include "sandbox/fd_passing.h"

namespace sandbox {

int receive_terminal(int sync_fd, unique_fd& master, Error& err) {
  return fdpass::receive(sync_fd, 'P', master, "the container's terminal", err) < 0 ? -1 : 0;
}

void copy_window_size(int master) {
  winsize ws{};
  if (::ioctl(0, TIOCGWINSZ, &ws) < 0 && ::ioctl(1, TIOCGWINSZ, &ws) < 0) return;
  ::ioctl(master, TIOCSWINSZ, &ws);  // the kernel sends SIGWINCH to the foreground group
}

}  // namespace sandbox
