#include "init/terminal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "sandbox/unique_fd.h"
#include "sandbox/fd_passing.h"

namespace sandbox {

int open_container_terminal(int sync_fd, unsigned uid, Error& err) {
  // /dev/ptmx is the container's (a symlink to the devpts instance mounted at /dev/pts), so
  // the slave is /dev/pts/0 of the container and `tty` names a path that exists in it.
  unique_fd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return err.sys("open /dev/ptmx");
  if (::unlockpt(master.get()) < 0) return err.sys("unlockpt");
  char name[64];
  if (::ptsname_r(master.get(), name, sizeof name) != 0) return err.sys("ptsname");
  unique_fd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return err.sys(std::string("open ") + name);
  if (::fchown(slave.get(), uid, static_cast<gid_t>(-1)) < 0) return err.sys(std::string("chown ") + name);
  // A new session without a terminal, then this one as its controlling terminal: ^C typed
  // into the pty becomes SIGINT for the command's process group, and job control works.
  if (::setsid() < 0) return err.sys("setsid");
  if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) return err.sys("ioctl(TIOCSCTTY)");
  // The caller's window size from the command's first instruction: in the foreground our stdio
  // is still the caller's terminal. The monitor copies it too (and on SIGWINCH), but only once
  // it has the master, by which time this init may have exec'd a `stty size` (a loaded host).
  winsize ws{};
  if (::ioctl(0, TIOCGWINSZ, &ws) == 0 || ::ioctl(1, TIOCGWINSZ, &ws) == 0) ::ioctl(master.get(), TIOCSWINSZ, &ws);
  for (int fd = 0; fd < 3; fd++)
    if (::dup2(slave.get(), fd) < 0) return err.sys("dup2 the terminal onto stdio");

  if (fdpass::send(sync_fd, 'P', master.get(), "the terminal", err) < 0) return -1;
  return 0;  // our copy of the master closes here: only the monitor holds it
}

}  // namespace sandbox
